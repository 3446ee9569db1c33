"""The JSON report: the CI contract of DESIGN.md, validated by `report.schema.json`.

Keys come in a fixed order and the output is ASCII (non-ASCII escaped), so two runs over the
same tree give byte-identical files whatever the platform's default encoding.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import TYPE_CHECKING, Any

from fastmcp_preflight.reports.summary import RunSummary

if TYPE_CHECKING:
    from fastmcp_preflight.api import Diagnostic, DiagnosticFix

#: Bumped only when a consumer of the report would have to change.
REPORT_VERSION = 1
TOOL_NAME = "fastmcp-lint"
SCHEMA_FILE = "report.schema.json"


def render_json(summary: RunSummary) -> str:
    """Render the report as indented JSON ending in a newline."""
    counts = summary.counts()
    totals: dict[str, Any] = {
        "files": summary.files,
        "diagnostics": counts.total,
        "by_severity": counts.by_severity,
        "by_code": counts.by_code,
        "fixable": counts.fixable,
        "test_files_skipped": summary.skipped_tests,
    }
    if summary.baseline is not None:
        totals["baseline"] = {
            "file": summary.baseline.file,
            "baselined": summary.baseline.baselined,
            "stale": summary.baseline.stale,
        }
    report = {
        "version": REPORT_VERSION,
        "tool": {"name": TOOL_NAME, "version": summary.tool_version},
        "summary": totals,
        "diagnostics": [_diagnostic(d) for d in summary.diagnostics],
        "checklist": list(summary.checklist),
    }
    return json.dumps(report, indent=2, ensure_ascii=True, allow_nan=False) + "\n"


def _diagnostic(d: Diagnostic) -> dict[str, Any]:
    return {
        "code": d.code,
        "name": d.name,
        "severity": d.severity,
        "message": d.message,
        "path": d.path,
        "line": d.line,
        "column": d.column,
        "end_line": d.end_line,
        "end_column": d.end_column,
        "checklist": d.checklist,
        "hint": d.hint,
        "fix": None if d.fix is None else _fix(d.fix),
        "chain": [{"path": step.path, "line": step.line, "name": step.name}
                  for step in d.chain],
    }


def _fix(fix: DiagnosticFix) -> dict[str, Any]:
    return {
        "applicability": fix.applicability,
        "description": fix.description,
        "edits": [
            {
                "line": e.line,
                "column": e.column,
                "end_line": e.end_line,
                "end_column": e.end_column,
                "content": e.content,
            }
            for e in fix.edits
        ],
    }


def load_schema() -> dict[str, Any]:
    """The report's JSON Schema, read from the installed package (for tests and consumers)."""
    resource = resources.files("fastmcp_preflight.reports").joinpath(SCHEMA_FILE)
    schema: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return schema
