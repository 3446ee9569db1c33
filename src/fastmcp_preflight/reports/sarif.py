"""`--format sarif`: SARIF 2.1.0, the format GitHub code scanning and other CI dashboards read.

One run; its driver lists every enabled rule (plus FML000, and FML001 when unused `noqa`s are
reported) with docs from the rule's metadata, the same text `--explain` prints. Results point
into the repository through the `%SRCROOT%` base id, which `originalUriBaseIds` resolves to the
repository root, so the file is valid wherever it is uploaded from; a file outside the root gets
an absolute `file:` URI. Columns are Unicode code points (`columnKind`), 1-based, end exclusive,
as in every fastmcp-lint report. A fixable result carries its edits as a SARIF `fix`.
Rules tagged `security` carry `properties.tags` with "security" and a `security-severity`
score (a string such as "9.0", as GitHub code scanning reads it), so code scanning files
their results as security alerts ranked critical, high or medium.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastmcp_preflight.reports.summary import RuleInfo, RunSummary

if TYPE_CHECKING:
    from fastmcp_preflight.api import Diagnostic, DiagnosticFix, Edit

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                "sarif-schema-2.1.0.json")
SRCROOT = "%SRCROOT%"
TOOL_NAME = "fastmcp-lint"
INFORMATION_URI = "https://github.com/fastmcp-lint/fastmcp-lint"
_LEVELS = {"error": "error", "warning": "warning"}


def render_sarif(summary: RunSummary) -> str:
    """Render the run as a SARIF 2.1.0 log: indented JSON ending in a newline."""
    index = {rule.code: position for position, rule in enumerate(summary.rules)}
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": TOOL_NAME,
            "version": summary.tool_version,
            "semanticVersion": summary.tool_version,
            "informationUri": INFORMATION_URI,
            "rules": [_descriptor(rule) for rule in summary.rules],
        }},
    }
    if summary.root is not None:
        run["originalUriBaseIds"] = {SRCROOT: {
            "uri": _directory_uri(summary.root.root),
            "description": {"text": "The root of the repository that was checked."},
        }}
    run["columnKind"] = "unicodeCodePoints"
    run["results"] = [_result(d, index, summary) for d in summary.diagnostics]
    if summary.baseline is not None:
        run["properties"] = {"baseline": {
            "file": summary.baseline.file,
            "baselined": summary.baseline.baselined,
            "stale": summary.baseline.stale,
        }}
    log = {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=True, allow_nan=False) + "\n"


def _descriptor(rule: RuleInfo) -> dict[str, Any]:
    descriptor: dict[str, Any] = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": f"{rule.what} {rule.why}".strip()},
    }
    if rule.help_text:
        descriptor["help"] = {"text": rule.help_text}
        if rule.help_markdown:
            descriptor["help"]["markdown"] = rule.help_markdown
    if rule.help_uri:
        descriptor["helpUri"] = rule.help_uri
    descriptor["defaultConfiguration"] = {"level": _LEVELS.get(rule.severity, "warning")}
    properties: dict[str, Any] = {}
    if rule.tags:
        properties["tags"] = sorted(set(rule.tags))
    if rule.security_severity is not None:
        properties["security-severity"] = f"{rule.security_severity:.1f}"
    if rule.checklist:
        properties["checklist"] = rule.checklist
    if rule.fixable:
        properties["fix"] = rule.fixable
    if properties:
        descriptor["properties"] = properties
    return descriptor


def _result(d: Diagnostic, index: dict[str, int], summary: RunSummary) -> dict[str, Any]:
    location = _artifact(d.path, summary)
    result: dict[str, Any] = {"ruleId": d.code}
    if d.code in index:
        result["ruleIndex"] = index[d.code]
    result["level"] = _LEVELS.get(d.severity, "warning")
    result["message"] = {"text": d.message}
    result["locations"] = [{"physicalLocation": {
        "artifactLocation": location,
        "region": _region(d.line, d.column, d.end_line, d.end_column),
    }}]
    if d.chain:
        result["relatedLocations"] = [
            {"id": number, "message": {"text": step.name},
             "physicalLocation": {"artifactLocation": _artifact(step.path, summary),
                                  "region": {"startLine": max(step.line, 1)}}}
            for number, step in enumerate(d.chain, start=1)]
        result["codeFlows"] = [{"threadFlows": [{"locations": [
            {"location": {"message": {"text": step.name},
                          "physicalLocation": {"artifactLocation": _artifact(step.path, summary),
                                               "region": {"startLine": max(step.line, 1)}}}}
            for step in d.chain]}]}]
    if d.fix is not None and d.fix.edits:
        result["fixes"] = [_fix(d.fix, location)]
    properties: dict[str, Any] = {"name": d.name}
    if d.hint:
        properties["hint"] = d.hint
    if d.checklist:
        properties["checklist"] = d.checklist
    result["properties"] = properties
    return result


def _fix(fix: DiagnosticFix, location: dict[str, str]) -> dict[str, Any]:
    return {
        "description": {"text": fix.description or "apply the fastmcp-lint fix"},
        "artifactChanges": [{
            "artifactLocation": dict(location),
            "replacements": [_replacement(edit) for edit in fix.edits],
        }],
        "properties": {"applicability": fix.applicability},
    }


def _replacement(edit: Edit) -> dict[str, Any]:
    return {
        "deletedRegion": _region(edit.line, edit.column, edit.end_line, edit.end_column),
        "insertedContent": {"text": edit.content},
    }


def _region(line: int, column: int, end_line: int, end_column: int) -> dict[str, int]:
    """A SARIF region; an end before the start (never expected) collapses to the start."""
    line, column = max(line, 1), max(column, 1)
    if (end_line, end_column) < (line, column):
        end_line, end_column = line, column
    return {"startLine": line, "startColumn": column, "endLine": end_line,
            "endColumn": max(end_column, 1)}


def _artifact(path: str, summary: RunSummary) -> dict[str, str]:
    """A file's artifactLocation: repository-relative under `%SRCROOT%`, else absolute."""
    if summary.root is None:
        return {"uri": _quote(path), "uriBaseId": SRCROOT}
    relative = summary.root.relative(path)
    if relative is not None:
        return {"uri": _quote(relative), "uriBaseId": SRCROOT}
    return {"uri": _file_uri(summary.root.absolute(path))}


def _quote(path: str) -> str:
    return quote(path, safe="/")


def _file_uri(path: str) -> str:
    return "file://" + ("" if path.startswith("/") else "/") + quote(path, safe="/:")


def _directory_uri(path: str) -> str:
    uri = _file_uri(path)
    return uri if uri.endswith("/") else uri + "/"
