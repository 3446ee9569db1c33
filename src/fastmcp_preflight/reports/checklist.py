"""`--format checklist`: the production deployment checklist scorecard, as text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastmcp_preflight.reports.summary import RunSummary

_MARKS = {"pass": "PASS", "fail": "FAIL", "not found": "NOT FOUND", "not checked": "NOT CHECKED"}
_MAX_EVIDENCE = 5
_HEADINGS = {"anti-pattern": "Anti-patterns", "section": "Beyond the checklist"}


def render_checklist(summary: RunSummary) -> str:
    """One line per item with its status, then its evidence indented below it."""
    scores: Sequence[dict[str, Any]] = summary.checklist
    files = f"{summary.files} file{'s' if summary.files != 1 else ''}"
    lines = [f"FastMCP production checklist ({files} checked)", ""]
    kind = "item"
    for item in scores:
        if item.get("kind", "item") != kind:
            kind = item["kind"]
            lines += ["", _HEADINGS[kind], ""]
        lines.append(f"{item['item']:>2}. [{_MARKS[item['status']]}] {item['title']}")
        evidence = item["evidence"]
        shown = evidence[:_MAX_EVIDENCE]
        lines += [f"      {line}" for line in shown]
        if len(evidence) > len(shown):
            lines.append(f"      ... and {len(evidence) - len(shown)} more")
    counts = {status: sum(1 for s in scores if s["status"] == status) for status in _MARKS}
    lines += ["", ", ".join(f"{counts[s]} {s}" for s in _MARKS if counts[s])]
    return "\n".join(lines) + "\n"
