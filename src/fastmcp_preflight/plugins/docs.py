"""Rule documentation from rule metadata: `--explain`, `--list-rules` and the README table.

Written once, on the rule class; every place that shows it renders it from here.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable

from fastmcp_preflight.api import BaseRule, Invalid, ProjectRule, Valid
from fastmcp_preflight.plugins.options import describe_options, option_specs

#: The project's home; rules' help links point into its README.
HOMEPAGE = "https://github.com/fastmcp-preflight/fastmcp-preflight"
TABLE_START = "<!-- rules-table:start -->"
TABLE_END = "<!-- rules-table:end -->"


def _indent(code: str) -> str:
    return textwrap.indent(code.rstrip("\n"), "    ")


def _first_code(examples: Iterable[Valid | Invalid | str]) -> str | None:
    for example in examples:
        return example if isinstance(example, str) else example.code
    return None


def _kind(rule: type[BaseRule]) -> str:
    enabled_by = getattr(rule, "enabled_by", "")
    if enabled_by:
        return f"reported by fastmcp-lint itself, {enabled_by}"
    kind = "project rule" if issubclass(rule, ProjectRule) else "file rule"
    return f"{kind}, {'on by default' if rule.default_enabled else 'off unless selected'}"


def _sections(rule: type[BaseRule]) -> list[tuple[str, str, str | None]]:
    """The docs in ruff's sections: (title, prose, code example or None)."""
    invalid = _first_code(rule.INVALID)
    fixed = next((e.fixed for e in rule.INVALID if e.fixed), None)
    valid = fixed or _first_code(rule.VALID)
    sections: list[tuple[str, str, str | None]] = [
        ("What it does", rule.what, None),
        ("Why is this bad?", rule.why, None),
    ]
    if invalid is not None:
        sections.append(("Example", "", invalid))
    sections.append(("Use instead", rule.instead, valid))
    sections.append(("Fix safety", rule.fix_safety or "No automatic fix.", None))
    options = describe_options(option_specs(rule), rule.code)
    if options:
        sections.append(("Options", "\n".join(options), None))
    return sections


def explain(rule: type[BaseRule]) -> str:
    """The rule's documentation as plain text, in ruff's sections."""
    lines = [
        f"{rule.code} ({rule.name})",
        "",
        f"Summary: {rule.summary}",
        f"Severity: {rule.severity}  ·  checklist: {rule.checklist}  ·  {_kind(rule)}",
    ]
    if rule.tags:
        lines.append(f"Tags: {', '.join(rule.tags)}")
    for title, prose, code in _sections(rule):
        lines += ["", f"## {title}"]
        if prose:
            lines += ([textwrap.fill(line, 88, subsequent_indent="  ")
                       for line in prose.splitlines()] if title == "Options"
                      else [textwrap.fill(prose, 88)])
        if code is not None:
            lines += ([""] if prose else []) + [_indent(code)]
    return "\n".join(lines) + "\n"


def explain_markdown(rule: type[BaseRule]) -> str:
    """The same documentation as Markdown (SARIF `help.markdown`, shown by code scanning)."""
    lines = [
        f"**{rule.code} ({rule.name})**: {rule.summary}",
        "",
        f"Severity: {rule.severity} · checklist: {rule.checklist} · {_kind(rule)}",
    ]
    for title, prose, code in _sections(rule):
        lines += ["", f"## {title}"]
        if prose:
            lines += ["", prose]
        if code is not None:
            lines += ["", "```python", code.rstrip("\n"), "```"]
    return "\n".join(lines) + "\n"


def anchor(code: str) -> str:
    """The README anchor of a rule's row (`#fml101`)."""
    return code.lower()


def help_uri(rule: type[BaseRule]) -> str | None:
    """The web page of a rule: its row in our README for built-in rules and FML000/FML001;
    None for third-party rules (we do not know where they are documented)."""
    if not rule.__module__.startswith("fastmcp_preflight."):
        return None
    return f"{HOMEPAGE}#{anchor(rule.code)}"


def fix_label(rule: type[BaseRule]) -> str:
    return {"safe": "safe", "unsafe": "unsafe"}.get(rule.fixable or "", "")


def rules_table(rules: Iterable[type[BaseRule]]) -> str:
    """The README's rule table (Markdown)."""
    rows = ["| Code | Name | Severity | Checklist item | Fix | What it finds |",
            "|---|---|---|---|---|---|"]
    for rule in sorted(rules, key=lambda r: r.code):
        default = "" if rule.default_enabled else " (opt-in)"
        summary = rule.summary.replace("|", "\\|")
        rows.append(f"| {rule.code} | <a id=\"{anchor(rule.code)}\"></a>`{rule.name}`{default} | "
                    f"{rule.severity} | "
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
