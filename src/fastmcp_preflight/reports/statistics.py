"""`--statistics`: how many problems of each code, most frequent first (then by code)."""

from __future__ import annotations

import json

from fastmcp_preflight.reports.summary import RunSummary


def render_statistics(summary: RunSummary) -> str:
    """`  3  FML101  blocking-sleep-in-async` lines; empty when there is nothing to count."""
    counts = summary.counts()
    if not counts.total:
        return ""
    rows = sorted(counts.by_code.items(), key=lambda item: (-item[1], item[0]))
    count_width = max(len(str(count)) for _, count in rows)
    code_width = max(len(code) for code, _ in rows)
    return "".join(
        f"  {str(count).rjust(count_width)}  {code.ljust(code_width)}  {counts.names[code]}\n"
        for code, count in rows
    )


def statistics_json(summary: RunSummary) -> str:
    """`--statistics --format json`: the same rows as objects (ruff's shape), `fixable` being
    how many of them have a fix."""
    counts = summary.counts()
    fixable: dict[str, int] = {}
    for d in summary.diagnostics:
        if d.fix is not None:
            fixable[d.code] = fixable.get(d.code, 0) + 1
    rows = sorted(counts.by_code.items(), key=lambda item: (-item[1], item[0]))
    data = [{"code": code, "name": counts.names[code], "count": count,
             "fixable": fixable.get(code, 0)} for code, count in rows]
    return json.dumps(data, indent=2) + "\n"
