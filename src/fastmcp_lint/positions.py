"""Positions of the few nodes that are reported, worked out only when a file has any.

LibCST's `PositionProvider` costs a code generation of the whole file. Here a node is
located by generating only the top-level statement that holds it (the model's walk
recorded which one), and finding that statement's code in the source text, where it must
occur exactly once; only when that fails is the whole file generated, once. Facts that
every file has (its imports) are located more cheaply still: a small node's own code is
searched for in the source text, in source order, which LibCST's exact round trip makes
reliable.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst._nodes.internal import CodegenState

from fastmcp_lint.facts import Location

_NEWLINE = re.compile(r"\r\n?|\n")


class _Span:
    """`with state.record_syntactic_position(node):` for `_OffsetCodegen`: a plain object,
    because LibCST enters one for most nodes and a generator-based context manager costs
    several times more."""

    __slots__ = ("end_node", "node", "start", "start_node", "state")

    def __init__(self, state: _OffsetCodegen, node: cst.CSTNode,
                 start_node: cst.CSTNode | None, end_node: cst.CSTNode | None) -> None:
        self.state, self.node = state, node
        self.start_node, self.end_node = start_node, end_node
        self.start = 0

    def __enter__(self) -> None:
        self.start = self.state.offset

    def __exit__(self, *_: object) -> None:
        spans = self.state.spans
        start = self.start if self.start_node is None else spans[id(self.start_node)][0]
        end = self.state.offset if self.end_node is None else spans[id(self.end_node)][1]
        spans[id(self.node)] = (start, end)


@dataclass
class _OffsetCodegen(CodegenState):
    """Code generation that keeps only a running character offset and each node's span.

    LibCST writes a module back exactly as it was read, so offsets into the generated code
    are offsets into the source text; no token is kept and no line is split, which makes
    this several times cheaper than `PositionProvider` (same syntactic spans). Spans are
    keyed by `id(node)`: a node's own `__hash__` is Python code, and this is the hot loop.
    """

    offset: int = 0
    spans: dict[int, tuple[int, int]] = field(default_factory=dict)
    starts: list[int] = field(default_factory=list)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.starts.append(self.offset)

    def after_codegen(self, node: cst.CSTNode) -> None:
        """Nodes without a syntactic position (whitespace) span all the text they wrote."""
        start = self.starts.pop()
        self.spans.setdefault(id(node), (start, self.offset))

    def add_token(self, value: str) -> None:
        self.offset += len(value)

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.offset += len(token)

    def record_syntactic_position(self, node: cst.CSTNode, *,  # type: ignore[override]
                                  start_node: cst.CSTNode | None = None,
                                  end_node: cst.CSTNode | None = None) -> _Span:
        return _Span(self, node, start_node, end_node)


@dataclass
class _TextCodegen(_OffsetCodegen):
    """`_OffsetCodegen` that also keeps the code, to find a statement in the source."""

    pieces: list[str] = field(default_factory=list)

    def add_token(self, value: str) -> None:
        self.offset += len(value)
        self.pieces.append(value)

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.offset += len(token)
            self.pieces.append(token)


class Positions:
    """Lazily computed 1-based positions (end column exclusive) of a module's nodes."""

    def __init__(self, module: cst.Module, text: str,
                 order: Sequence[cst.CSTNode] = ()) -> None:
        """`order` is the model walk's nodes in the order it met them (see `EventLog`)."""
        self._module = module
        self._text = text
        self._order = order
        self._ranges: dict[int, tuple[int, int]] | None = None
        self._line_starts: list[int] | None = None
        #: id(node) -> its index in `order`, and where each top-level statement is in it.
        self._walked: dict[int, int] | None = None
        self._tops: list[int] = []
        #: Per top-level statement, its nodes' spans in the file (None: not found in it).
        self._statements: dict[int, dict[int, tuple[int, int]] | None] = {}

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
        found = self._span(node)
        if found is None:
            return Location(1, 1, 1, 1)
        return Location(*self._point(found[0]), *self._point(found[1]))

    def _span(self, node: cst.CSTNode) -> tuple[int, int] | None:
        if self._ranges is None:
            statement = self._statement_of(node)
            spans = self._statement_spans(statement) if statement is not None else None
            found = spans.get(id(node)) if spans is not None else None
            if found is not None:
                return found
            state = _OffsetCodegen(default_indent=self._module.default_indent,
                                   default_newline=self._module.default_newline)
            self._module._codegen(state)
            self._ranges = state.spans
        return self._ranges.get(id(node))

    def _statement_of(self, node: cst.CSTNode) -> int | None:
        """The index of the top-level statement holding `node`, if the walk met it."""
        if not self._order:
            return None
        if self._walked is None:
            self._walked = {id(n): index for index, n in enumerate(self._order)}
            self._tops = [self._walked.get(id(s), -1) for s in self._module.body]
            if self._tops != sorted(self._tops) or -1 in self._tops:
                self._order = ()  # not this module's walk: never guess
                return None
        index = self._walked.get(id(node))
        if index is None:
            return None
        statement = bisect.bisect_right(self._tops, index) - 1
        return statement if statement >= 0 else None

    def _statement_spans(self, statement: int) -> dict[int, tuple[int, int]] | None:
        if statement in self._statements:
            return self._statements[statement]
        state = _TextCodegen(default_indent=self._module.default_indent,
                             default_newline=self._module.default_newline)
        self._module.body[statement]._codegen(state)
        code = "".join(state.pieces)
        start = self._text.find(code) if code else -1
        spans = None
        if start != -1 and self._text.find(code, start + 1) == -1:  # exactly once: here
            spans = {key: (begin + start, end + start)
                     for key, (begin, end) in state.spans.items()}
        self._statements[statement] = spans
        return spans

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
