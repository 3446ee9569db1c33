"""Positions of the few nodes that are reported, worked out only when a file has any.

LibCST's `PositionProvider` costs a code generation of the whole file. Here a node is
located by generating only the innermost statement that holds it (found through the order
in which the model's walk met the nodes), and finding that statement's code in the source
text, where it must start a line and occur exactly once. A compound statement is found by
its header alone (decorators, the `def` line), and its body is then generated only as far
as the node. A statement whose code repeats (`mcp = FastMCP("test")` in many tests) is
counted from the nearest statement before it in its block whose code is unique, or from the
block's start (the statements of a block follow each other with nothing between them);
failing that, the statement around it is used, and only when no statement will do is the
whole file generated, once. Facts that every file has (its imports) are located more
cheaply still: a small node's own code is searched for in the source text, in source order,
which LibCST's exact round trip makes reliable.

Where each statement starts is also known from CPython's parser (`statement_starts`, a tenth
of LibCST's parse): then a node is found by generating its innermost statement from that
start only as far as the node, which is checked against the text there. This is tried
first; the search above is what is left when a start is unknown or does not check out. A
file that will be asked for many nodes (`expect`) is located this way throughout, and is
generated whole only when CPython's parser gives no starts. The nodes asked for most, calls
and the names of functions and classes, are read from CPython's tree itself
(`cpython_spans`), which needs no code generation at all.
"""

from __future__ import annotations

import bisect
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import libcst as cst
from libcst._nodes.internal import CodegenState

from fastmcp_preflight.project.facts import Location
from fastmcp_preflight.source.cpython_spans import call_spans, name_span
from fastmcp_preflight.source.lines import LineIndex
from fastmcp_preflight.source.statement_starts import StatementStarts, statement_starts


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

    def __exit__(self, error: type[BaseException] | None, *_: object) -> None:
        if error is not None:  # generation stopped early (`_Done`): no span
            return
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


class _Done(Exception):
    """Where `_HeaderCodegen` and `_UntilCodegen` stop."""


class _NotThere(Exception):
    """A statement's code is not the text where it was said to start."""


@dataclass
class _HeaderCodegen(_TextCodegen):
    """`_TextCodegen` that stops where a compound statement's first indented block starts:
    its header (decorators, the `def f(...):` line) is enough to find the statement in the
    text, and to locate a node in the header, without generating the whole body."""

    def before_codegen(self, node: cst.CSTNode) -> None:
        if type(node) is cst.IndentedBlock:
            raise _Done
        self.starts.append(self.offset)


@dataclass
class _UntilCodegen(_OffsetCodegen):
    """`_OffsetCodegen` that stops as soon as the node with id `target` is generated."""

    target: int = 0

    def after_codegen(self, node: cst.CSTNode) -> None:
        super().after_codegen(node)
        if id(node) == self.target:
            raise _Done


@dataclass
class _PrefixCodegen(_HeaderCodegen):
    """`_TextCodegen` that stops as soon as the node with id `target` is generated, or
    (with `header`) where a compound statement's first indented block starts."""

    target: int = 0
    header: bool = False

    def before_codegen(self, node: cst.CSTNode) -> None:
        if self.header:
            super().before_codegen(node)
        else:
            self.starts.append(self.offset)

    def after_codegen(self, node: cst.CSTNode) -> None:
        super().after_codegen(node)
        if id(node) == self.target:
            raise _Done


_Statement = tuple[cst.CSTNode, tuple[str, ...]]


@dataclass(frozen=True)
class _Code:
    """A statement's generated code and its nodes' spans from its start."""

    text: str
    spans: dict[int, tuple[int, int]]


_State = TypeVar("_State", bound=_OffsetCodegen)
_SUITES = ("body", "handlers", "orelse", "finalbody", "cases")
_CLAUSES = frozenset({cst.If, cst.Else, cst.Finally, cst.ExceptHandler, cst.ExceptStarHandler})


def _blocks(node: cst.CSTNode) -> list[tuple[cst.IndentedBlock, tuple[str | None, ...]]]:
    """The indented blocks of a compound statement, its `elif`/`else`/`except`/`case`
    clauses' included, in source order, each with the indents it adds (None: the module's
    default): its own, after a `match`'s own indent for its cases."""
    blocks: list[tuple[cst.IndentedBlock, tuple[str | None, ...]]] = []
    for name in _SUITES:
        value: Any = getattr(node, name, None)
        parts: Sequence[Any] = value if type(value) in (tuple, list) else (value,)
        for part in parts:
            kind = type(part)  # exact types: LibCST's classes are final, `isinstance` is slow
            if kind is cst.IndentedBlock:
                blocks.append((part, (part.indent,)))
            elif kind is cst.MatchCase:
                blocks.extend((block, (getattr(node, "indent", None), *adds))
                              for block, adds in _blocks(part))
            elif kind in _CLAUSES:
                blocks.extend(_blocks(part))
    return blocks


#: From how many nodes one generation of the whole file is cheaper (the project index's
#: summaries locate every call they keep: on awslabs/mcp's servers, 6.5 ms a call
#: statement by statement, against about 1 ms a call for the whole file).
_WHOLE_FILE_AT = 8


class Positions:
    """Lazily computed 1-based positions (end column exclusive) of a module's nodes."""

    def __init__(self, module: cst.Module, text: str,
                 order: Sequence[cst.CSTNode] = ()) -> None:
        """`order` is the model walk's nodes in the order it met them (see `EventLog`)."""
        self._module = module
        self._text = text
        self._order = order
        self._ranges: dict[int, tuple[int, int]] | None = None
        self._lines: LineIndex | None = None
        #: id(node) -> its index in `order`.
        self._walked: dict[int, int] | None = None
        #: Per id(module or compound statement), its statements and where the walk met them.
        self._suites: dict[int, tuple[list[_Statement], list[int]]] = {}
        #: Per (id(statement), header only), its generated code (see `_Code`), and where
        #: that code is in the file if it occurs there exactly once.
        self._codes: dict[tuple[int, bool], _Code] = {}
        self._unique: dict[tuple[int, bool], int | None] = {}
        #: Where each statement starts (see `statement_starts`; None: not yet worked out):
        #: a node is found from its statement's start, and no code is searched for.
        self._starts: StatementStarts | None = None
        #: Per id(statement), the spans of its calls (those of its header, for a compound
        #: one) from CPython's tree (None: the two trees' calls did not pair up).
        self._call_spans: dict[int, dict[int, tuple[int, int]] | None] = {}
        #: Per id(statement), the first part of its code generated from its start, as far
        #: as the first node asked for in it (checked against the text).
        self._prefixes: dict[int, _Code] = {}
        #: Whether many nodes will be asked for (see `expect`): then statements are located
        #: exactly too, not searched for in the text.
        self._many = False
        #: How many nodes were asked for: from `_WHOLE_FILE_AT` on, statement starts are
        #: worth their parse (a few nodes are found more cheaply by the code search).
        self._asked = 0

    def _point(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        return self._line_index().point(offset)

    def _line_index(self) -> LineIndex:
        if self._lines is None:
            self._lines = LineIndex(self._text)
        return self._lines

    def of(self, node: cst.CSTNode) -> Location:
        """Where a node of the tree is (1:1 for a node that is not in it)."""
        return self.find(node) or Location(1, 1, 1, 1)

    def find(self, node: cst.CSTNode) -> Location | None:
        """Where a node of the tree is, or None when it is not in the tree."""
        found = self._span(node)
        if found is None:
            return None
        return Location(*self._point(found[0]), *self._point(found[1]))

    def _span(self, node: cst.CSTNode) -> tuple[int, int] | None:
        if self._ranges is None:
            chain = self._statements_holding(node)
            self._asked += 1
            if chain and (self._many or self._asked >= _WHOLE_FILE_AT):
                found = (self._call_span(chain, node) if type(node) is cst.Call
                         else self._name_span(chain, node) if type(node) is cst.Name
                         else None)
                if found is None:
                    found = self._from_starts(chain, node)
                if found is not None:
                    return found
            for depth in range(len(chain) - 1, -1, -1):
                statement, indent = chain[depth]
                found = self._in_statement(statement, indent, node)
                if found is None:  # its code repeats: count from a statement before it
                    parent = chain[depth - 1] if depth else (self._module, ())
                    found = self._after_previous(parent, statement, indent, node)
                if found is not None:
                    return found
            self._ranges = self._generate(self._state(_OffsetCodegen), self._module).spans
        return self._ranges.get(id(node))

    def _from_starts(self, chain: list[_Statement], node: cst.CSTNode
                     ) -> tuple[int, int] | None:
        """`node`'s span, found in the innermost statement around it, from where that
        statement starts (None: a start is unknown, or its code is not the text there)."""
        starts = self._statement_starts().offsets
        for statement, indent in reversed(chain):
            start = starts.get(id(statement))
            if start is None:
                return None
            try:
                found = self._from_start(statement, indent, node, start)
            except _NotThere:
                return None
            if found is not None:
                return found
        return None

    def _call_span(self, chain: list[_Statement], node: cst.CSTNode) -> tuple[int, int] | None:
        """A call's span when it is one of its innermost statement's calls (a compound
        statement's: of its header) and those pair up with CPython's (see `cpython_spans`),
        else None."""
        key = id(chain[-1][0])
        if key not in self._call_spans:
            self._call_spans[key] = self._pair_calls(chain)
        spans = self._call_spans[key]
        return None if spans is None else spans.get(id(node))

    def _name_span(self, chain: list[_Statement], node: cst.CSTNode) -> tuple[int, int] | None:
        """A function's or class's name's span, from CPython's statement for the definition
        (see `name_span`), else None."""
        definition = chain[-1][0]
        if not isinstance(definition, (cst.FunctionDef, cst.ClassDef)) or (
                definition.name is not node):
            return None
        nodes = self._statement_starts().nodes.get(id(definition))
        return name_span(definition, nodes[0], self._text, self._line_index()) if nodes else None

    def _pair_calls(self, chain: list[_Statement]) -> dict[int, tuple[int, int]] | None:
        """The spans of the calls of `chain`'s innermost statement. Its LibCST calls are
        those the walk met from it: for a simple statement line, up to the next statement
        (where a clause's test, an `elif`'s, may come first: then the two sides do not pair
        up); for a compound statement, up to its first block."""
        statement = chain[-1][0]
        nodes = self._statement_starts().nodes.get(id(statement))
        walked = self._walked
        if nodes is None or walked is None:
            return None
        if type(statement) is cst.SimpleStatementLine:
            end: int | None = self._end_of(chain)
        else:
            block = (statement.cases[0] if type(statement) is cst.Match
                     else getattr(statement, "body", None))
            end = walked.get(id(block))
            if end is None:
                return None
        first = walked[id(statement)]
        calls = [n for n in self._order[first:end] if type(n) is cst.Call]
        return call_spans(calls, nodes, self._text, self._line_index())

    def _end_of(self, chain: list[_Statement]) -> int:
        """Where the walk met the next statement after `chain`'s innermost one, at its own
        level or, for the last of a block, further out (the walk's end after the last)."""
        walked = self._walked or {}
        for depth in range(len(chain) - 1, -1, -1):
            parent = chain[depth - 1] if depth else (self._module, ())
            _, starts = self._children(*parent)
            at = bisect.bisect_right(starts, walked.get(id(chain[depth][0]), len(self._order)))
            if at < len(starts):
                return starts[at]
        return len(self._order)

    def _statement_starts(self) -> StatementStarts:
        """Where each statement starts (see `statement_starts`), worked out once."""
        if self._starts is None:
            self._starts = statement_starts(self._module, self._text, self._line_index())
        return self._starts

    def _from_start(self, statement: cst.CSTNode, indent: tuple[str, ...], node: cst.CSTNode,
                    start: int) -> tuple[int, int] | None:
        """`node`'s span in `statement`, which starts at `start` (None: `node` is not in
        it); raises `_NotThere` when the statement's code is not the text there. The first
        node asked for in a statement generates it only as far as that node; another
        generates all of it (a compound statement: its header, and its body only as far as
        the node)."""
        compound = isinstance(statement, cst.BaseCompoundStatement)
        prefix = self._prefixes.get(id(statement))
        if prefix is None:
            state = self._state(_PrefixCodegen)
            state.target, state.header = id(node), compound
            self._generate(state, statement, indent)
            prefix = _Code("".join(state.pieces), state.spans)
            if not self._text.startswith(prefix.text, start):
                raise _NotThere
            self._prefixes[id(statement)] = prefix
            if id(node) not in prefix.spans:  # it went all the way: that is `_code`'s
                self._codes[(id(statement), compound)] = prefix
        span = prefix.spans.get(id(node))
        if span is None:
            code = self._code(statement, indent, header=compound)
            if not self._text.startswith(code.text, start):
                raise _NotThere
            span = code.spans.get(id(node))
            if span is None and compound:
                until = self._state(_UntilCodegen)
                until.target = id(node)
                span = self._generate(until, statement, indent).spans.get(id(node))
        return None if span is None else (span[0] + start, span[1] + start)

    def _in_statement(self, statement: cst.CSTNode, indent: tuple[str, ...],
                      node: cst.CSTNode, start: int | None = None) -> tuple[int, int] | None:
        """`node`'s span, if it is in `statement`, which starts at `start` or else must be
        found in the text: a simple statement by its code, a compound one by its header (the
        body is then generated only as far as `node`)."""
        compound = isinstance(statement, cst.BaseCompoundStatement)
        code = self._code(statement, indent, header=compound)
        if start is None:
            start = self._unique_start(statement, indent, header=compound)
            if start is None:
                return None
        span = code.spans.get(id(node))
        if span is None and compound:
            state = self._state(_UntilCodegen)
            state.target = id(node)
            self._generate(state, statement, indent)
            span = state.spans.get(id(node))
        return None if span is None else (span[0] + start, span[1] + start)

    def _after_previous(self, parent: _Statement, statement: cst.CSTNode,
                        indent: tuple[str, ...], node: cst.CSTNode) -> tuple[int, int] | None:
        """`node`'s span in a statement whose code is not unique (`mcp = FastMCP("test")`
        in every test), counted from the nearest simple statement before it in its block
        whose code is, or else from the block's start: the statements of a block follow
        each other in the text with nothing between them."""
        block, first, siblings = self._block_of(parent[0], statement)
        offset = 0
        for previous in reversed(siblings):
            if type(previous) is not cst.SimpleStatementLine:
                return None  # its length would cost its whole body
            offset += len(self._code(previous, indent, header=False).text)
            found = self._unique_start(previous, indent, header=False)
            if found is not None:
                return self._in_statement(statement, indent, node, found + offset)
        start = self._block_start(parent, block) if first else None
        return None if start is None else self._in_statement(statement, indent, node,
                                                              start + offset)

    def _block_of(self, parent: cst.CSTNode, statement: cst.CSTNode
                  ) -> tuple[cst.Module | cst.IndentedBlock | None, bool, Sequence[cst.CSTNode]]:
        """The block of `parent` (the module, or one of its indented blocks) that holds
        `statement`, whether it is the first, and the statements before it there."""
        blocks: list[cst.Module | cst.IndentedBlock] = (
            [parent] if isinstance(parent, cst.Module)
            else [block for block, _ in _blocks(parent)])
        for position, block in enumerate(blocks):
            for index, sibling in enumerate(block.body):
                if sibling is statement:
                    return block, position == 0, block.body[:index]
        return None, False, ()

    def _block_start(self, parent: _Statement, block: cst.Module | cst.IndentedBlock | None
                     ) -> int | None:
        """Where the first statement of a first block starts in the file, when that is
        known without generating anything but headers: the module's body, or a compound
        statement's first block, found by the statement's header."""
        code_of = self._module.code_for_node
        if isinstance(block, cst.Module):
            return sum(len(code_of(line)) for line in block.header)
        if block is None:
            return None
        start = self._unique_start(*parent, header=True)
        if start is None:
            return None
        return start + len(self._code(*parent, header=True).text) + len(code_of(block.header))

    def _state(self, kind: type[_State]) -> _State:
        """A code generation state with the module's default indent and newline."""
        return kind(default_indent=self._module.default_indent,
                    default_newline=self._module.default_newline)

    def _generate(self, state: _State, node: cst.CSTNode, indent: tuple[str, ...] = ()
                  ) -> _State:
        """Generate `node`'s code into `state`, as far as the state lets it go, inside the
        indentation of the blocks around it."""
        state.indent_tokens = list(indent)
        with contextlib.suppress(_Done):
            node._codegen(state)
        return state

    def _statements_holding(self, node: cst.CSTNode) -> list[_Statement]:
        """The statements that may hold `node`, outermost first, each with its indentation.

        At each level the candidate is the last statement the walk met before `node`; a
        candidate that does not hold it (an `elif` test comes after the statements of the
        `if` body) is found out when its code is generated.
        """
        index = self._index_of(node)
        if index is None or self._walked is None:
            return []
        chain: list[_Statement] = []
        parent: cst.CSTNode = self._module
        indent: tuple[str, ...] = ()
        while True:
            candidates, starts = self._children(parent, indent)
            at = bisect.bisect_right(starts, index) - 1
            if at < 0:
                return chain
            parent, indent = candidates[at]
            chain.append((parent, indent))
            if starts[at] == index:
                return chain

    def _children(self, parent: cst.CSTNode, indent: tuple[str, ...]
                  ) -> tuple[list[_Statement], list[int]]:
        """The statements of a module or compound statement, and where the walk met each
        (nothing when that is not in order, which never guesses)."""
        known = self._suites.get(id(parent))
        if known is None:
            if isinstance(parent, cst.Module):
                candidates: list[_Statement] = [(s, ()) for s in parent.body]
            else:
                default = self._module.default_indent
                candidates = [
                    (child, (*indent, *(default if add is None else add for add in adds)))
                    for block, adds in _blocks(parent) for child in block.body]
            walked = self._walked or {}
            starts = [walked.get(id(statement), -1) for statement, _ in candidates]
            if -1 in starts or starts != sorted(starts):
                candidates, starts = [], []
            known = self._suites[id(parent)] = (candidates, starts)
        return known

    def _index_of(self, node: cst.CSTNode) -> int | None:
        """Where the walk met `node`, if this is the tree it walked."""
        if not self._order:
            return None
        if self._walked is None:
            self._walked = {id(n): index for index, n in enumerate(self._order)}
            if any(id(s) not in self._walked for s in self._module.body):
                self._order = ()  # not this module's walk: never guess
                return None
        return self._walked.get(id(node))

    def _code(self, statement: cst.CSTNode, indent: tuple[str, ...], header: bool) -> _Code:
        """A statement's code (with `header`, only up to its first indented block) and its
        nodes' spans in it."""
        key = (id(statement), header)
        known = self._codes.get(key)
        if known is None:
            state = self._generate(self._state(_HeaderCodegen if header else _TextCodegen),
                                   statement, indent)
            known = self._codes[key] = _Code("".join(state.pieces), state.spans)
        return known

    def _unique_start(self, statement: cst.CSTNode, indent: tuple[str, ...], header: bool
                      ) -> int | None:
        """Where a statement's code (see `_code`) is in the file, if it occurs there exactly
        once (at a line start: a statement starts a line; found once, it is this one)."""
        key = (id(statement), header)
        if key in self._unique:
            return self._unique[key]
        code, text = self._code(statement, indent, header).text, self._text
        found = text.find(code) if code else -1
        unique = (found != -1 and (found == 0 or text[found - 1] in "\r\n")
                  and text.find(code, found + 1) == -1)
        self._unique[key] = found if unique else None
        return self._unique[key]

    def expect(self, count: int) -> None:
        """Say that about `count` nodes will be asked for. Finding a node inside a large
        compound statement generates that statement up to the node, which for many nodes
        in long functions costs far more than finding each from its statement's start,
        known from CPython's parser; failing that, the whole file is generated once."""
        if count < _WHOLE_FILE_AT or self._ranges is not None:
            return
        self._many = True
        self._index_of(self._module)  # drops an order that is not this tree's walk
        if not self._order or not self._statement_starts().offsets:
            self._ranges = self._generate(self._state(_OffsetCodegen), self._module).spans

    def of_statements(self, nodes: list[cst.CSTNode]) -> list[Location]:
        """Locations of small statements given in source order, found in the text.

        Each must start a statement (only indentation or `;` before it on its line);
        anything not found that way falls back to the full computation.
        """
        if self._ranges is not None or self._many:
            return [self.of(node) for node in nodes]
        text, cursor, found = self._text, 0, []
        for node in nodes:
            code = self._module.code_for_node(node)
            start = text.find(code, cursor)
            while start != -1:
                line_start = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start)) + 1
                before = text[line_start:start].strip()
                if not before or before.endswith(";"):
                    break
                start = text.find(code, start + 1)
            if start == -1 or not code:
                return [self.of(node) for node in nodes]
            end = start + len(code)
            found.append(Location(*self._point(start), *self._point(end)))
            cursor = end
        return found

    def near(self, node: cst.CSTNode) -> Location:
        """Where `node`'s code first appears: exact for unique code, good enough for
        evidence (the checklist's "found at"), and it costs no code generation of the file."""
        if self._ranges is not None or self._many:
            return self.of(node)
        code = self._module.code_for_node(node).strip()
        start = self._text.find(code) if code else -1
        if start == -1:
            return self.of(node)
        line, column = self._point(start)
        return Location(line, column, line, column)
