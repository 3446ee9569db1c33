"""The one line index: every part of the tool counts lines as LibCST does."""

from __future__ import annotations

import pytest

from fastmcp_preflight.source.lines import LineIndex, lines_with_breaks, split_lines
from fastmcp_preflight.source.suppression import find_suppressions

TEXTS = ["a\nbc\n", "a\r\nbc\r\n", "a\rbc\r", "a\r\n\rbc\nd", "", "\f\u2028x\n"]


@pytest.mark.parametrize("text", TEXTS)
def test_points_and_offsets_round_trip(text: str) -> None:
    index = LineIndex(text)
    for offset in range(len(text) + 1):
        line, column = index.point(offset)
        assert index.offset(line, column) == offset
        if column - 1 <= len(index.line(line)):  # not between the "\r" and "\n" of a break
            assert text[index.starts[line - 1]:offset] == index.line(line)[:column - 1]


def test_lone_cr_ends_a_line_and_form_feeds_do_not() -> None:
    assert split_lines("a\r\n\rbc\nd") == ["a", "", "bc", "d"]
    assert split_lines("\f\u2028x\n") == ["\f\u2028x", ""]
    index = LineIndex("a\r\n\rbc\nd")
    assert [index.line(n) for n in range(0, 6)] == ["", "a", "", "bc", "d", ""]
    assert index.point(4) == (3, 1)
    assert index.offset(9, 1) == len("a\r\n\rbc\nd")
    assert lines_with_breaks("a\r\n\rbc\nd") == ["a\r\n", "\r", "bc\n", "d"]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_noqa_lines_are_counted_like_positions(newline: str) -> None:
    text = newline.join(["import time", '"""doc', 'string"""  # noqa: FML301',
                         "time.sleep(1)  # noqa: FML101", ""])
    found = find_suppressions(text)
    assert found.lines == {2: ["FML301"], 3: ["FML301"], 4: ["FML101"]}
