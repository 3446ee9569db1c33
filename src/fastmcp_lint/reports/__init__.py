"""Report formats: one module a format, each a pure function of a sorted `RunSummary`.

`STRING_FORMATS` maps the formats that render to a string; `text` writes to a rich Console
instead (and is not imported here, so the JSON path does not pay for rich).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from fastmcp_lint.reports.concise import render_concise
from fastmcp_lint.reports.json_report import render_json
from fastmcp_lint.reports.summary import RunSummary

STRING_FORMATS: Mapping[str, Callable[[RunSummary], str]] = MappingProxyType(
    {"concise": render_concise, "json": render_json}
)

__all__ = ["STRING_FORMATS", "RunSummary", "render_concise", "render_json"]
