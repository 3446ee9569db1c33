"""`--statistics`: how many problems of each code, most frequent first (then by code)."""

from __future__ import annotations

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
