"""Rule documentation from rule metadata: `--explain`, `--list-rules` and the README table.

Written once, on the rule class; every place that shows it renders it from here.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable

from fastmcp_lint.api import BaseRule, Invalid, ProjectRule, Valid

TABLE_START = "<!-- rules-table:start -->"
TABLE_END = "<!-- rules-table:end -->"


def _indent(code: str) -> str:
    return textwrap.indent(code.rstrip("\n"), "    ")


def _first_code(examples: Iterable[Valid | Invalid | str]) -> str | None:
    for example in examples:
        return example if isinstance(example, str) else example.code
    return None


def explain(rule: type[BaseRule]) -> str:
    """The rule's documentation as plain text, in ruff's sections."""
    kind = "project rule" if issubclass(rule, ProjectRule) else "file rule"
    default = "on by default" if rule.default_enabled else "off unless selected"
    lines = [
        f"{rule.code} ({rule.name})",
        "",
        f"Summary: {rule.summary}",
        f"Severity: {rule.severity}  ·  checklist: {rule.checklist}  ·  {kind}, {default}",
    ]
    if rule.tags:
        lines.append(f"Tags: {', '.join(rule.tags)}")
    lines += ["", "## What it does", textwrap.fill(rule.what, 88),
              "", "## Why is this bad?", textwrap.fill(rule.why, 88)]
    invalid = _first_code(rule.INVALID)
    if invalid is not None:
        lines += ["", "## Example", _indent(invalid)]
    lines += ["", "## Use instead", textwrap.fill(rule.instead, 88)]
    fixed = next((e.fixed for e in rule.INVALID if e.fixed), None)
    valid = fixed or _first_code(rule.VALID)
    if valid is not None:
        lines += ["", _indent(valid)]
    lines += ["", "## Fix safety",
              textwrap.fill(rule.fix_safety, 88) if rule.fix_safety else "No automatic fix."]
    return "\n".join(lines) + "\n"


def fix_label(rule: type[BaseRule]) -> str:
    return {"safe": "safe", "unsafe": "unsafe"}.get(rule.fixable or "", "")


def rules_table(rules: Iterable[type[BaseRule]]) -> str:
    """The README's rule table (Markdown)."""
    rows = ["| Code | Name | Severity | Checklist item | Fix | What it finds |",
            "|---|---|---|---|---|---|"]
    for rule in sorted(rules, key=lambda r: r.code):
        default = "" if rule.default_enabled else " (opt-in)"
        summary = rule.summary.replace("|", "\\|")
        rows.append(f"| {rule.code} | `{rule.name}`{default} | {rule.severity} | "
                    f"{rule.checklist} | {fix_label(rule)} | {summary} |")
    return "\n".join(rows) + "\n"


def rules_json(rules: Iterable[type[BaseRule]]) -> str:
    """`--list-rules --format json`: every rule's metadata, stable order."""
    data = [
        {
            "code": rule.code,
            "name": rule.name,
            "severity": rule.severity,
            "checklist": rule.checklist,
            "summary": rule.summary,
            "fix": rule.fixable,
            "default": rule.default_enabled,
            "project": issubclass(rule, ProjectRule),
            "tags": list(rule.tags),
            "origin": rule.origin,
        }
        for rule in sorted(rules, key=lambda r: r.code)
    ]
    return json.dumps(data, indent=2) + "\n"


def rules_lines(rules: Iterable[type[BaseRule]]) -> str:
    """`--list-rules` as text: one aligned line a rule."""
    return "".join(
        f"{rule.code}  {rule.name:<32} {rule.severity:<8} {rule.summary}"
        f"{'' if rule.default_enabled else '  (opt-in)'}\n"
        for rule in sorted(rules, key=lambda r: r.code)
    )
