"""One line per diagnostic, `path:line:col: CODE message`: for editors, grep and pre-commit."""

from __future__ import annotations

from fastmcp_preflight.reports.summary import RunSummary
from fastmcp_preflight.source.lines import LINE_BREAK


def render_concise(summary: RunSummary) -> str:
    """Render the diagnostics, each line "\\n"-terminated; empty when there are none.

    A line break inside a message or path becomes a space, so one diagnostic stays one line.
    """
    return "".join(
        f"{LINE_BREAK.sub(' ', d.path)}:{d.line}:{d.column}: {d.code} "
        f"{LINE_BREAK.sub(' ', d.message)}\n"
        for d in summary.diagnostics
    )
