"""What the editor is sent, worked out on plain text: positions in the client's encoding,
minimal edits, and `# noqa` comments. Nothing here needs pygls, so it is tested directly too.

The engine counts columns in characters (code points); an LSP client counts them in the
negotiated encoding's code units: UTF-16 unless it offered another, so an emoji before a
finding is two units, a CJK character one (UTF-8: four and three). Lines are the engine's
lines, which end at `\\r\\n`, `\\r` or `\\n` as LSP's do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fastmcp_preflight.api import Diagnostic, Edit
from fastmcp_preflight.source.lines import LineIndex
from fastmcp_preflight.source.suppression import ALL, find_suppressions

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"


def units(text: str, encoding: str) -> int:
    """How many code units of `encoding` the client counts in `text`."""
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == UTF32:
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


@dataclass(frozen=True)
class Point:
    """A 0-based line and a column in the client's code units (an LSP `Position`)."""

    line: int
    character: int


@dataclass(frozen=True)
class TextChange:
    """Replace [start, end) with `text` (an LSP `TextEdit`, in client units)."""

    start: Point
    end: Point
    text: str


class Document:
    """One text as the client counts it."""

    def __init__(self, text: str, encoding: str = UTF16) -> None:
        self.text = text
        self.encoding = encoding
        self.index = LineIndex(text)

    def point(self, line: int, column: int) -> Point:
        """The client position of the engine's 1-based line and character column."""
        return self.point_at(self.index.offset(line, column))

    def point_at(self, offset: int) -> Point:
        """The client position of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        line, column = self.index.point(offset)
        start = self.index.starts[line - 1]
        return Point(line - 1, units(self.text[start:start + column - 1], self.encoding))

    def offset(self, point: Point) -> int:
        """The character offset of a client position (clamped to its line)."""
        if point.line >= len(self.index.starts):
            return len(self.text)
        start = self.index.starts[max(point.line, 0)]
        line = self.index.line(point.line + 1)
        counted = 0
        for index, char in enumerate(line):
            if counted >= point.character:
                return start + index
            counted += units(char, self.encoding)
        return start + len(line)

    def span(self, d: Diagnostic) -> tuple[Point, Point]:
        """Where a finding is, in client units."""
        return self.point(d.line, d.column), self.point(d.end_line, d.end_column)

    def change(self, start: int, end: int, new: str) -> TextChange:
        """The edit replacing text[start:end] by `new`, trimmed to what differs."""
        old = self.text[start:end]
        head = 0
        limit = min(len(old), len(new))
        while head < limit and old[head] == new[head]:
            head += 1
        tail = 0
        while tail < limit - head and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]:
            tail += 1
        return TextChange(self.point_at(start + head), self.point_at(end - tail),
                          new[head:len(new) - tail])

    def fix_changes(self, edits: Sequence[Edit]) -> list[TextChange]:
        """A fix's edits as minimal client edits."""
        return [self.change(self.index.offset(e.line, e.column),
                            self.index.offset(e.end_line, e.end_column), e.content)
                for e in edits]

    def replace_all(self, new: str) -> TextChange | None:
        """The one edit that turns the text into `new` (None: nothing changes)."""
        if new == self.text:
            return None
        return self.change(0, len(self.text), new)

    def disable(self, d: Diagnostic) -> TextChange | None:
        """The edit adding the finding's code to its line's `# noqa` (a new comment, or one
        more code in the one there), or None when the line can't carry one (the finding
        starts inside a multi-line string) or it would suppress nothing."""
        line = self.index.line(d.line)
        line_start = self.index.starts[d.line - 1] if d.line <= len(self.index.starts) else None
        if line_start is None:
            return None
        directive = next((directive for directive in find_suppressions(self.text).directives
                          if directive.line == d.line and not directive.file_level), None)
        if directive is None:
            at, insert = len(line), f"  # noqa: {d.code}"
        elif ALL in directive.codes:
            return None  # a directive without codes suppresses everything already
        else:
            after = _after_codes(line, directive.column - 1, directive.codes)
            if after is None:
                return None
            at, insert = after, f", {d.code}"
        new_text = self.text[:line_start + at] + insert + self.text[line_start + at:]
        if not find_suppressions(new_text).suppresses(d.line, d.code, d.name):
            return None
        return self.change(line_start + at, line_start + at, insert)


def _after_codes(line: str, start: int, codes: Sequence[str]) -> int | None:
    """The column just after the last code of the directive starting at `start`."""
    at = line.find(":", start)
    if at == -1:
        return None
    for code in codes:
        found = line.find(code, at)
        if found == -1:
            return None
        at = found + len(code)
    return at
