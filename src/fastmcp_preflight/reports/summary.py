"""The run result every report format renders, and the counts they share.

Formats are pure functions of a `RunSummary`, so the text, JSON and any later format agree on
every number, and a report is reproducible from the diagnostics alone.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Only for types: reporting a cached run must not import LibCST (api.py does).
    from fastmcp_preflight.api import Diagnostic
    from fastmcp_preflight.project.versions import ProjectTargets

#: Report order of severities; mirrors `fastmcp_preflight.api.SEVERITIES` (a test keeps them equal).
SEVERITY_ORDER: tuple[str, ...] = ("error", "warning")
_DRIVE = re.compile(r"^[A-Za-z]:/")


@dataclass(frozen=True)
class RuleInfo:
    """A rule's metadata as reports show it (SARIF's rule list), resolved for this run:
    `severity` is the configured one. Plain data, so reports need not import the rule API."""

    code: str
    name: str
    severity: str
    summary: str
    what: str
    why: str
    checklist: str = ""
    tags: tuple[str, ...] = ()
    fixable: str | None = None
    security_severity: float | None = None
    #: `--explain` as plain text and as Markdown.
    help_text: str = ""
    help_markdown: str = ""
    #: Where the rule is documented on the web; None for rules without a page.
    help_uri: str | None = None


@dataclass(frozen=True)
class BaselineInfo:
    """What `--baseline FILE` did: findings it hid, and its entries that matched nothing."""

    file: str
    baselined: int
    stale: int

    def note(self) -> str:
        """One line for people: the text report's summary, the CLI's note on stderr."""
        hidden = f"{self.baselined} problem{'s' if self.baselined != 1 else ''}"
        stale = ("1 baseline entry no longer matches" if self.stale == 1
                 else f"{self.stale} baseline entries no longer match")
        return f"{hidden} hidden by the baseline {self.file}; {stale}."


@dataclass(frozen=True)
class SourceRoot:
    """The repository root (`%SRCROOT%` in SARIF) and the current folder, absolute posix
    paths, so reports that need repository-relative paths can turn display paths into them."""

    root: str
    cwd: str

    def relative(self, path: str) -> str | None:
        """`path` (a display path) relative to the root, or None when it is outside."""
        absolute = path if _is_absolute(path) else posixpath.join(self.cwd, path)
        absolute = posixpath.normpath(absolute)
        base = self.root.rstrip("/")
        if absolute == base:
            return "."
        if absolute.startswith(base + "/"):
            return absolute[len(base) + 1:]
        return None

    def absolute(self, path: str) -> str:
        return posixpath.normpath(path if _is_absolute(path) else posixpath.join(self.cwd, path))

    def repository_path(self, path: str) -> str:
        """Relative to the root when under it, else absolute."""
        relative = self.relative(path)
        return relative if relative is not None else self.absolute(path)


def _is_absolute(path: str) -> bool:
    return path.startswith("/") or _DRIVE.match(path) is not None


@dataclass(frozen=True)
class RunSummary:
    """What a report needs: the checked file count, the sorted diagnostics, the tool version;
    and, when the caller has them, the enabled rules, the baseline's effect and the root."""

    files: int
    diagnostics: tuple[Diagnostic, ...]
    tool_version: str
    rules: tuple[RuleInfo, ...] = ()
    baseline: BaselineInfo | None = None
    root: SourceRoot | None = None
    #: The checklist scorecard, as the JSON report carries it (see `checklist.py`).
    checklist: tuple[dict[str, Any], ...] = ()
    #: Test files found and skipped (test code is not linted by default).
    skipped_tests: int = 0
    #: The text linted for a path when it is not the file on disk (stdin), for the report's
    #: source lines.
    texts: dict[str, str] = field(default_factory=dict, hash=False)
    #: The fastmcp / MCP SDK versions each linted project targets (FML8xx).
    targets: tuple[ProjectTargets, ...] = ()

    def skipped_note(self) -> str | None:
        """One line saying how many test files were skipped and how to include them."""
        if not self.skipped_tests:
            return None
        count = self.skipped_tests
        return (f"{count} test file{'s' if count != 1 else ''} skipped "
                "(lint them with --include-tests or `lint-tests = true`).")

    def counts(self) -> Counts:
        return count_by(self.diagnostics)

    def repository_path(self, path: str) -> str:
        """A diagnostic's path relative to the repository root (as is without a root)."""
        return self.root.repository_path(path) if self.root is not None else path


@dataclass(frozen=True)
class Counts:
    """Totals for summaries. Dicts are built fresh per call, with keys in report order."""

    total: int
    #: Every known severity (zero included, so CI can read `error` without a default), then
    #: any unknown one, sorted.
    by_severity: dict[str, int]
    #: Codes present, sorted.
    by_code: dict[str, int]
    #: Code -> rule name (the first diagnostic's), for the text report's table.
    names: dict[str, str]
    fixable: int
    safe: int
    unsafe: int


def count_by(diagnostics: Iterable[Diagnostic]) -> Counts:
    """Count diagnostics by severity, by code and by fix applicability."""
    severities: Counter[str] = Counter()
    codes: Counter[str] = Counter()
    names: dict[str, str] = {}
    applicability: Counter[str] = Counter()
    total = 0
    for diagnostic in diagnostics:
        total += 1
        severities[diagnostic.severity] += 1
        codes[diagnostic.code] += 1
        names.setdefault(diagnostic.code, diagnostic.name)
        if diagnostic.fix is not None:
            applicability[diagnostic.fix.applicability] += 1
    extra = sorted(set(severities) - set(SEVERITY_ORDER))
    return Counts(
        total=total,
        by_severity={severity: severities[severity] for severity in (*SEVERITY_ORDER, *extra)},
        by_code={code: codes[code] for code in sorted(codes)},
        names={code: names[code] for code in sorted(names)},
        fixable=sum(applicability.values()),
        safe=applicability["safe"],
        unsafe=applicability["unsafe"],
    )
