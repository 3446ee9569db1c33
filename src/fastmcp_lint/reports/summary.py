"""The run result every report format renders, and the counts they share.

Formats are pure functions of a `RunSummary`, so the text, JSON and any later format agree on
every number, and a report is reproducible from the diagnostics alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Only for types: reporting a cached run must not import LibCST (api.py does).
    from fastmcp_lint.api import Diagnostic

#: Report order of severities; mirrors `fastmcp_lint.api.SEVERITIES` (a test keeps them equal).
SEVERITY_ORDER: tuple[str, ...] = ("error", "warning")


@dataclass(frozen=True)
class RunSummary:
    """What a report needs: the checked file count, the sorted diagnostics, the tool version."""

    files: int
    diagnostics: tuple[Diagnostic, ...]
    tool_version: str

    def counts(self) -> Counts:
        return count_by(self.diagnostics)


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
