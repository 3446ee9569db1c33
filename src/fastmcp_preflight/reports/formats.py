"""The formats that render to a string, by name (`text` writes to a rich Console instead, and
is not imported here, so the JSON path does not pay for rich)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from fastmcp_preflight.reports.checklist import render_checklist
from fastmcp_preflight.reports.concise import render_concise
from fastmcp_preflight.reports.github import render_github
from fastmcp_preflight.reports.gitlab import render_gitlab
from fastmcp_preflight.reports.json_report import render_json
from fastmcp_preflight.reports.sarif import render_sarif
from fastmcp_preflight.reports.summary import RunSummary

STRING_FORMATS: Mapping[str, Callable[[RunSummary], str]] = MappingProxyType(
    {"concise": render_concise, "json": render_json, "sarif": render_sarif,
     "github": render_github, "gitlab": render_gitlab, "checklist": render_checklist}
)
