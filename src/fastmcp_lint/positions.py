"""Positions of the few nodes that are reported, worked out only when a file has any.

LibCST's `PositionProvider` costs a code generation of the whole file, so it runs at most
once per file, and only for files with something to report. Facts that every file has
(its imports) are located more cheaply: a small node's own code is searched for in the
source text, in source order, which LibCST's exact round trip makes reliable.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import libcst as cst
from libcst._nodes.internal import CodegenState

from fastmcp_lint.facts import Location

_NEWLINE = re.compile(r"\r\n?|\n")


@dataclass
class _OffsetCodegen(CodegenState):
    """Code generation that keeps only a running character offset and each node's span.

    LibCST writes a module back exactly as it was read, so offsets into the generated code
    are offsets into the source text; no token is kept and no line is split, which makes
    this several times cheaper than `PositionProvider` (same syntactic spans).
    """

    offset: int = 0
    spans: dict[cst.CSTNode, tuple[int, int]] = field(default_factory=dict)
    starts: list[int] = field(default_factory=list)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.starts.append(self.offset)

    def after_codegen(self, node: cst.CSTNode) -> None:
        """Nodes without a syntactic position (whitespace) span all the text they wrote."""
        start = self.starts.pop()
        if node not in self.spans:
            self.spans[node] = (start, self.offset)

    def add_token(self, value: str) -> None:
        self.offset += len(value)

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.offset += len(token)

    @contextmanager
    def record_syntactic_position(self, node: cst.CSTNode, *,
                                  start_node: cst.CSTNode | None = None,
                                  end_node: cst.CSTNode | None = None) -> Iterator[None]:
        start = self.offset
        try:
            yield
        finally:
            end = self.offset
            if start_node is not None:
                start = self.spans[start_node][0]
            if end_node is not None:
                end = self.spans[end_node][1]
            self.spans[node] = (start, end)


class Positions:
    """Lazily computed 1-based positions (end column exclusive) of a module's nodes."""

    def __init__(self, module: cst.Module, text: str) -> None:
        self._module = module
        self._text = text
        self._ranges: dict[cst.CSTNode, tuple[int, int]] | None = None
        self._line_starts: list[int] | None = None

    def _point(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        if self._line_starts is None:
            if "\r" in self._text:  # LibCST also ends lines at a lone "\r"
                starts = [0, *(m.end() for m in _NEWLINE.finditer(self._text))]
            else:
                starts = [0]
                find = self._text.find
                index = find("\n")
                while index != -1:
                    starts.append(index + 1)
                    index = find("\n", index + 1)
            self._line_starts = starts
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def of(self, node: cst.CSTNode) -> Location:
        if self._ranges is None:
            state = _OffsetCodegen(default_indent=self._module.default_indent,
                                   default_newline=self._module.default_newline)
            self._module._codegen(state)
            self._ranges = state.spans
        found = self._ranges.get(node)
        if found is None:
            return Location(1, 1, 1, 1)
        return Location(*self._point(found[0]), *self._point(found[1]))

    def of_statements(self, nodes: list[cst.CSTNode]) -> list[Location]:
        """Locations of small statements given in source order, found in the text.

        Each must start a statement (only indentation or `;` before it on its line);
        anything not found that way falls back to the full computation.
        """
        if self._ranges is not None:
            return [self.of(node) for node in nodes]
        text, cursor, found = self._text, 0, []
        for node in nodes:
            code = self._module.code_for_node(node)
            start = text.find(code, cursor)
            while start != -1:
                line_start = text.rfind("\n", 0, start) + 1
                before = text[line_start:start].strip()
                if not before or before.endswith(";"):
                    break
                start = text.find(code, start + 1)
            if start == -1 or not code:
                return [self.of(node) for node in nodes]
            end = start + len(code)
            found.append(Location(text.count("\n", 0, start) + 1, start - line_start + 1,
                                  text.count("\n", 0, end) + 1,
                                  end - (text.rfind("\n", 0, end) + 1) + 1))
            cursor = end
        return found

    def near(self, node: cst.CSTNode) -> Location:
        """Where `node`'s code first appears: exact for unique code, good enough for
        evidence (the checklist's "found at"), and it costs no code generation of the file."""
        if self._ranges is not None:
            return self.of(node)
        code = self._module.code_for_node(node).strip()
        start = self._text.find(code) if code else -1
        if start == -1:
            return self.of(node)
        line_start = self._text.rfind("\n", 0, start) + 1
        line = self._text.count("\n", 0, start) + 1
        return Location(line, start - line_start + 1, line, start - line_start + 1)
