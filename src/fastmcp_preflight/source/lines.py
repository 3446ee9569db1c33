"""Lines of a source text, counted one way everywhere.

LibCST and CPython end a line at `\\r\\n`, a lone `\\r` or `\\n` (`str.splitlines` also splits
at form feeds and Unicode separators, `io.StringIO` only at `\\n`). Positions, `# noqa`
comments, fixes, baselines and the reports must agree on every line number, or a fix lands
on the wrong line of a file with old Mac line endings: they all ask a `LineIndex`.
"""

from __future__ import annotations

import bisect
import re

LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """The lines of `text` without their breaks (one more than the breaks: the text after
    the last break, often empty)."""
    return LINE_BREAK.split(text)


def lines_with_breaks(text: str) -> list[str]:
    """The lines of `text`, each with its break (for diffs)."""
    starts = LineIndex(text).starts
    return [text[start:end] for start, end in zip(starts, [*starts[1:], len(text)], strict=True)
            if end > start]


class LineIndex:
    """Where each 1-based line of a text starts, to turn offsets into lines and columns and
    back."""

    __slots__ = ("_text", "starts")

    def __init__(self, text: str) -> None:
        self._text = text
        if "\r" in text:
            starts = [0, *(match.end() for match in LINE_BREAK.finditer(text))]
        else:  # most files: a find loop is several times faster than the regular expression
            starts = [0]
            find = text.find
            index = find("\n")
            while index != -1:
                starts.append(index + 1)
                index = find("\n", index + 1)
        #: starts[n - 1] is the offset of line n.
        self.starts = starts

    def point(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def offset(self, line: int, column: int) -> int:
        """The character offset of a 1-based line and column, clamped to the text (a line
        past the end is the end)."""
        if line > len(self.starts):
            return len(self._text)
        return min(self.starts[max(line, 1) - 1] + column - 1, len(self._text))

    def line(self, number: int) -> str:
        """The text of a 1-based line without its break ("" past the end)."""
        if not 1 <= number <= len(self.starts):
            return ""
        start = self.starts[number - 1]
        end = self.starts[number] if number < len(self.starts) else len(self._text)
        return self._text[start:end].rstrip("\r\n")
