"""The terminal report, ruff-like: each diagnostic with its source line and a marker, then totals.

Everything is built as rich `Text` (never markup), so brackets in messages, paths and source are
printed as they are. Control characters, bidi overrides and tabs are normalised before the marker
is measured, so what is printed is exactly what the marker lines up with, and a linted file can
not write escape sequences to the user's terminal.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from fastmcp_preflight.reports.summary import Counts, RunSummary
from fastmcp_preflight.source.lines import LINE_BREAK

if TYPE_CHECKING:
    from fastmcp_preflight.api import Diagnostic

#: Tabs in source lines are shown as this many columns (ruff's default indent width).
TAB_SIZE = 4

SEVERITY_STYLES = MappingProxyType({"error": "bold red", "warning": "bold yellow"})
_DEFAULT_SEVERITY_STYLE = "bold magenta"
_GUTTER = "bold blue"

#: Rules with this tag report a credential: the source lines this report shows have what they
#: point at masked, so the report (a CI log, a shared terminal) never repeats the secret.
SECRET_TAG = "secret"

_UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def render_text(
    summary: RunSummary,
    console: Console,
    *,
    show_source: bool = True,
    fix_hint: str | None = None,
) -> None:
    """Print the report on `console`; colour only if the caller's console has it.

    `fix_hint` is one more line printed after the totals (the CLI's word on fixes, such as
    "Fixed 2 problems."); None prints nothing extra.
    """
    sources = _SourceLines(_secret_spans(summary)) if show_source else None
    needs_gap = False
    for diagnostic in summary.diagnostics:
        lines = _diagnostic_lines(diagnostic, sources)
        if len(lines) > 1:
            lines.append(Text())
        needs_gap = len(lines) == 1
        console.print(Text("\n").join(lines), soft_wrap=True)
    if needs_gap:
        console.print()
    console.print(Text("\n").join(_summary_lines(summary, fix_hint)), soft_wrap=True)


def _diagnostic_lines(d: Diagnostic, sources: _SourceLines | None) -> list[Text]:
    style = SEVERITY_STYLES.get(d.severity, _DEFAULT_SEVERITY_STYLE)
    header = Text.assemble(
        (_printable(d.path), "bold"),
        f":{d.line}:{d.column}: ",
        (d.code, style),
        " ",
        (f"[{_printable(d.severity)}]", style),
        " ",
        _printable(_one_line(d.message)),
    )
    lines = [header]
    number = str(d.line)
    pad = " " * len(number)
    source = sources.line(d.path, d.line) if sources is not None else None
    if source is not None:
        start, width = _marker(source, d)
        lines.append(Text(f"{pad} |", style=_GUTTER))
        lines.append(Text.assemble((f"{number} | ", _GUTTER), _display(source)))
        lines.append(Text.assemble((f"{pad} | ", _GUTTER), " " * start, ("^" * width, style)))
    if d.hint:
        lines.append(Text.assemble(
            (f"{pad} = ", _GUTTER), ("hint", "bold cyan"), ": ", _printable(_one_line(d.hint)),
        ))
    for step in d.chain[1:]:
        lines.append(Text.assemble(
            (f"{pad} = ", _GUTTER), ("via", "bold cyan"), " ",
            (f"{_printable(step.path)}:{step.line}", "bold"), ": ",
            _printable(_one_line(step.name)),
        ))
    if d.fix is not None:
        option = "--fix" if d.fix.applicability == "safe" else "--unsafe-fixes"
        mark = Text.assemble(f"{pad} ", ("[*]", "bold green"), f" fixable with {option}")
        if d.fix.description:
            mark.append(f": {_printable(_one_line(d.fix.description))}")
        lines.append(mark)
    return lines


def _marker(source: str, d: Diagnostic) -> tuple[int, int]:
    """Cells before the marker and its width, for the span on `source` (end exclusive).

    A span that runs past its first line is clamped to that line; an empty or out-of-range one
    still gets one caret, so the position is always shown.
    """
    start = min(max(d.column - 1, 0), len(source))
    end = min(d.end_column - 1, len(source)) if d.end_line == d.line else len(source)
    before = cell_len(_display(source[:start]))
    width = cell_len(_display(source[:max(end, start)])) - before
    return before, max(width, 1)


def _summary_lines(summary: RunSummary, fix_hint: str | None) -> list[Text]:
    counts = summary.counts()
    files = _plural(summary.files, "file")
    if counts.total == 0:
        lines = [Text.assemble(("All checks passed!", "bold green"), f" ({files} checked)")]
    else:
        lines = [_found_line(counts, files), *_code_table(counts)]
        if counts.safe:
            fixable = f" {counts.safe} fixable with --fix."
            lines.append(Text.assemble(("[*]", "bold green"), fixable))
        if counts.unsafe:
            more = " more" if counts.safe else ""
            lines.append(Text(f"{counts.unsafe}{more} fixable with --unsafe-fixes."))
    if summary.baseline is not None:
        lines.append(Text(_printable(summary.baseline.note())))
    skipped = summary.skipped_note()
    if skipped is not None:
        lines.append(Text(skipped, "dim"))
    if fix_hint is not None:
        lines.append(Text(_printable(fix_hint)))
    return lines



def _found_line(counts: Counts, files: str) -> Text:
    line = Text.assemble("Found ", (_plural(counts.total, "problem"), "bold"), " (")
    for index, (severity, count) in enumerate(counts.by_severity.items()):
        if index:
            line.append(", ")
        line.append(_plural(count, _printable(severity)),
                    SEVERITY_STYLES.get(severity, _DEFAULT_SEVERITY_STYLE) if count else "")
    line.append(f") in {files} checked.")
    return line


def _code_table(counts: Counts) -> list[Text]:
    code_width = max(len(code) for code in counts.by_code)
    count_width = max(len(str(count)) for count in counts.by_code.values())
    return [
        Text.assemble(
            "  ",
            (code.ljust(code_width), "bold"),
            f"  {str(count).rjust(count_width)}  ",
            _printable(counts.names[code]),
        )
        for code, count in counts.by_code.items()
    ]


_Spans = dict[tuple[str, int], list[tuple[int, int | None]]]


def _secret_spans(summary: RunSummary) -> _Spans:
    """(path, line) -> the 0-based column spans (end None: to the end of the line) that
    diagnostics of SECRET_TAG rules cover, on every line they cover."""
    codes = {rule.code for rule in summary.rules if SECRET_TAG in rule.tags}
    spans: _Spans = {}
    for d in summary.diagnostics:
        if d.code in codes:
            for line in range(d.line, d.end_line + 1):
                spans.setdefault((d.path, line), []).append(
                    (d.column - 1 if line == d.line else 0,
                     d.end_column - 1 if line == d.end_line else None))
    return spans


class _SourceLines:
    """The lines of the file being reported, read on first use; one file held at a time,
    since diagnostics arrive sorted by path. Secrets are masked with `*`, one per character,
    so markers still line up."""

    def __init__(self, secrets: _Spans | None = None) -> None:
        self._path: str | None = None
        self._lines: list[str] | None = None
        self._secrets = secrets or {}

    def line(self, path: str, number: int) -> str | None:
        """Line `number` (1-based) without its line break, or None if it can't be shown."""
        if path != self._path:
            self._path, self._lines = path, _read_lines(path)
        if self._lines is None or not 1 <= number <= len(self._lines):
            return None
        text = self._lines[number - 1]
        for start, end in self._secrets.get((path, number), ()):
            stop = len(text) if end is None else min(end, len(text))
            if 0 <= start < stop:
                text = text[:start] + "*" * (stop - start) + text[stop:]
        return text


def _read_lines(path: str) -> list[str] | None:
    try:
        data = Path(path).read_bytes()
    except (OSError, ValueError):
        return None
    return LINE_BREAK.split(data.decode("utf-8-sig", errors="replace"))


def _display(source: str) -> str:
    """A source fragment as printed: tabs expanded, unprintables made visible, 1:1."""
    return _printable(source.expandtabs(TAB_SIZE))


def _printable(text: str) -> str:
    """Replace each control or bidi-override character by one visible character."""
    return _UNPRINTABLE.sub(_picture, text)


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control pictures": NUL -> \u2400
    if code == 0x7F:
        return "\u2421"
    return "\ufffd"


def _one_line(text: str) -> str:
    return LINE_BREAK.sub(" ", text)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
