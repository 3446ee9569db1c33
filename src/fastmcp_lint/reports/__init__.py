"""Report formats: one module a format, each a pure function of a sorted `RunSummary`.

`STRING_FORMATS` maps the formats that render to a string; `text` writes to a rich Console
instead (and is not imported here, so the JSON path does not pay for rich). The formats are
imported when `STRING_FORMATS` is first asked for, not when a submodule such as `summary`
is imported: a run pays only for the format it prints.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastmcp_lint.reports.summary import RunSummary

    STRING_FORMATS: Mapping[str, Callable[[RunSummary], str]]


def __getattr__(name: str) -> object:
    if name == "STRING_FORMATS":
        return _string_formats()
    if name in _RENDERERS:
        return getattr(_module_of(name), name)
    if name == "RunSummary":
        from fastmcp_lint.reports.summary import RunSummary

        return RunSummary
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_RENDERERS = {"render_checklist": "checklist", "render_concise": "concise",
              "render_github": "github", "render_gitlab": "gitlab", "render_json": "json_report",
              "render_sarif": "sarif", "render_statistics": "statistics"}


def _module_of(renderer: str) -> object:
    import importlib

    return importlib.import_module(f"{__name__}.{_RENDERERS[renderer]}")


def _string_formats() -> Mapping[str, Callable[[RunSummary], str]]:
    from fastmcp_lint.reports.checklist import render_checklist
    from fastmcp_lint.reports.concise import render_concise
    from fastmcp_lint.reports.github import render_github
    from fastmcp_lint.reports.gitlab import render_gitlab
    from fastmcp_lint.reports.json_report import render_json
    from fastmcp_lint.reports.sarif import render_sarif

    return MappingProxyType(
        {"concise": render_concise, "json": render_json, "sarif": render_sarif,
         "github": render_github, "gitlab": render_gitlab, "checklist": render_checklist})


__all__ = ["STRING_FORMATS", "RunSummary", "render_checklist", "render_concise",
           "render_github", "render_gitlab", "render_json", "render_sarif", "render_statistics"]
