"""The codes fastmcp-lint reports itself, not through a rule plugin: FML000 and FML001.

They carry the same metadata as a rule (so `--explain`, the SARIF rule list and the README
describe them from one place), but they are not `Rule`s: the registry never loads them, and
`--select`/`--ignore` do not apply to them. FML000 is always on; FML001 only with
`--report-unused-noqa`.
"""

from __future__ import annotations

from typing import ClassVar

from fastmcp_preflight.api import BaseRule


class MetaCode(BaseRule):
    """A code reported by the engine itself; `enabled_by` says when it is reported."""

    enabled_by: ClassVar[str] = ""


class SyntaxErrorCode(MetaCode):
    code = "FML000"
    name = "syntax-error"
    severity = "error"
    checklist = "(the file must be checkable)"
    summary = "file cannot be read, decoded or parsed, or a rule crashed on it"
    what = ("Reports a file that cannot be read, decoded or parsed (with Python's own syntax "
            "error message and position), and a rule or model step that raised while checking "
            "a file (naming the rule); the other files and rules are still checked.")
    why = ("A file fastmcp-lint cannot parse is a file it has not checked: it must not pass "
           "silently. It cannot be suppressed with `# noqa`.")
    instead = ("Fix the syntax error or the file's encoding. An internal error is a bug in "
               "the named rule: report it, and `--ignore` the rule meanwhile.")
    enabled_by = "always reported"


class UnusedNoqa(MetaCode):
    code = "FML001"
    name = "unused-noqa"
    severity = "warning"
    checklist = "(suppressions)"
    summary = "`# noqa` directive that suppresses nothing"
    what = ("With `--report-unused-noqa`, reports a `# noqa` comment (bare, or naming "
            "fastmcp-lint codes or rule names) and a `# fastmcp-lint: noqa` file directive "
            "that suppressed no finding in this run, like ruff's RUF100. Each unused code is "
            "named: unused (the rule ran and found nothing there), non-enabled (the rule did "
            "not run) or unknown (no such rule). Codes of other tools, such as `E501`, are "
            "left alone.")
    why = ("A stale suppression hides the next real problem on that line: once the code is "
           "fixed, the comment should go too.")
    instead = ("Remove the directive, or the codes in it that no longer apply. To keep one on "
               "purpose, add `FML001` to it: `# noqa: FML101, FML001`.")
    enabled_by = "reported with --report-unused-noqa"


META_CODES: tuple[type[MetaCode], ...] = (SyntaxErrorCode, UnusedNoqa)


def find_meta_code(code_or_name: str) -> type[MetaCode] | None:
    for meta in META_CODES:
        if code_or_name.upper() == meta.code or code_or_name.lower() == meta.name:
            return meta
    return None
