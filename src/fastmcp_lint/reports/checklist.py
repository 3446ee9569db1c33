"""`--format checklist`: the production deployment checklist scorecard, as text."""

from __future__ import annotations

from collections.abc import Sequence

from fastmcp_lint.checklist import Score

_MARKS = {"pass": "PASS", "fail": "FAIL", "not found": "NOT FOUND", "not checked": "NOT CHECKED"}
_MAX_EVIDENCE = 5


def render_checklist(scores: Sequence[Score]) -> str:
    """One line per item with its status, then its evidence indented below it."""
    lines = ["FastMCP production checklist", ""]
    for item in scores:
        lines.append(f"{item.number:>2}. [{_MARKS[item.status]}] {item.title}")
        shown = item.evidence[:_MAX_EVIDENCE]
        lines += [f"      {line}" for line in shown]
        if len(item.evidence) > len(shown):
            lines.append(f"      ... and {len(item.evidence) - len(shown)} more")
    counts = {status: sum(1 for s in scores if s.status == status) for status in _MARKS}
    lines += ["", ", ".join(f"{counts[s]} {s}" for s in _MARKS if counts[s])]
    return "\n".join(lines) + "\n"


def checklist_json(scores: Sequence[Score]) -> list[dict[str, object]]:
    """The scorecard for the JSON report's `checklist` key."""
    return [{"item": s.number, "title": s.title, "status": s.status,
             "codes": list(s.codes), "evidence": list(s.evidence)} for s in scores]
