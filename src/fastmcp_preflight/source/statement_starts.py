"""Where each statement of a LibCST module starts in its text, from CPython's own parser.

LibCST keeps no positions, and its code generation of a whole file costs about as much as
the parse. CPython's parser (`ast`, in C) costs a tenth of that and gives each statement's
first line; the two trees have the same statements in the same blocks, so walking them side
by side gives every LibCST statement its line, and the statement's code starts at the line
start its leading blank and comment lines go back to. Any disagreement between the trees
(a parser of another Python version, text CPython refuses) gives no answer, never a guess;
`positions` also checks each start against the statement's code before using it.

Each statement also keeps the CPython statements it is, whose calls' and names' positions
`cpython_spans` reads.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, NamedTuple

import libcst as cst

from fastmcp_preflight.source.lines import LineIndex

#: The CPython statements each LibCST compound statement may be, by the LibCST type's name
#: (`try`/`except*` is `TryStar` in both, from Python 3.11).
_COMPOUND: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "FunctionDef": ("FunctionDef", "AsyncFunctionDef"),
    "ClassDef": ("ClassDef",),
    "If": ("If",),
    "For": ("For", "AsyncFor"),
    "While": ("While",),
    "With": ("With", "AsyncWith"),
    "Try": ("Try",),
    "TryStar": ("TryStar",),
    "Match": ("Match",),
})
_COMPOUND_NODES = frozenset(name for names in _COMPOUND.values() for name in names)


class _Mismatch(Exception):
    """The two trees disagree: no statement gets a start."""


class StatementStarts(NamedTuple):
    """What pairing the two trees gave (both empty when they do not match)."""

    #: id(statement) -> the offset where its code (leading lines included) starts.
    offsets: dict[int, int]
    #: id(statement) -> the CPython statements it is (a simple statement line may be several).
    nodes: dict[int, list[ast.stmt]]


def statement_starts(module: cst.Module, text: str, lines: LineIndex) -> StatementStarts:
    """Where every statement of every block of `module` starts, and what each is in
    CPython's tree; nothing when the trees do not match."""
    try:
        with warnings.catch_warnings():  # invalid escapes and the like: not ours to report
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return StatementStarts({}, {})
    found = StatementStarts({}, {})
    try:
        _pair(module.body, tree.body, lines, found)
    except _Mismatch:
        return StatementStarts({}, {})
    return found


def _pair(statements: Sequence[cst.BaseStatement] | Sequence[cst.BaseSmallStatement],
          nodes: list[ast.stmt], lines: LineIndex, starts: StatementStarts) -> None:
    """Give each statement of a LibCST block the start of the CPython statements it is."""
    index = 0
    for statement in statements:
        if index >= len(nodes):
            raise _Mismatch
        node = nodes[index]
        if isinstance(statement, cst.SimpleStatementLine):
            if type(node).__name__ in _COMPOUND_NODES:
                raise _Mismatch
            starts.nodes[id(statement)] = nodes[index:index + len(statement.body)]
            index += len(statement.body)
            first = node.lineno
        else:
            if type(node).__name__ not in _COMPOUND.get(type(statement).__name__, ()):
                raise _Mismatch
            starts.nodes[id(statement)] = [node]
            index += 1
            decorators = getattr(node, "decorator_list", None)
            first = decorators[0].lineno if decorators else node.lineno
            _pair_blocks(statement, node, lines, starts)
        line = first - len(getattr(statement, "leading_lines", ()))
        if not 1 <= line <= len(lines.starts):
            raise _Mismatch
        starts.offsets[id(statement)] = lines.starts[line - 1]
    if index != len(nodes):
        raise _Mismatch


def _pair_blocks(statement: cst.CSTNode, node: Any, lines: LineIndex,
                 starts: StatementStarts) -> None:
    """Pair the blocks of a compound statement with the CPython statement's (`node`, of
    the kind `_COMPOUND` pairs it with)."""
    if isinstance(statement, cst.Match) and isinstance(node, ast.Match):
        if len(statement.cases) != len(node.cases):
            raise _Mismatch
        for case, ast_case in zip(statement.cases, node.cases, strict=True):
            _pair_suite(case.body, ast_case.body, lines, starts)
        return
    if not isinstance(statement, cst.BaseCompoundStatement):
        raise _Mismatch
    _pair_suite(statement.body, node.body, lines, starts)
    if isinstance(statement, (cst.Try, cst.TryStar)):
        if len(statement.handlers) != len(node.handlers):
            raise _Mismatch
        handlers: Sequence[cst.ExceptHandler | cst.ExceptStarHandler] = statement.handlers
        for handler, ast_handler in zip(handlers, node.handlers, strict=True):
            _pair_suite(handler.body, ast_handler.body, lines, starts)
        if statement.finalbody is not None:
            _pair_suite(statement.finalbody.body, node.finalbody, lines, starts)
    orelse = getattr(statement, "orelse", None)
    rest: list[ast.stmt] = getattr(node, "orelse", [])
    if isinstance(orelse, cst.If):  # `elif`: CPython's `orelse` is that one `if`
        if len(rest) != 1 or not isinstance(rest[0], ast.If):
            raise _Mismatch
        _pair_blocks(orelse, rest[0], lines, starts)
    elif isinstance(orelse, cst.Else):
        _pair_suite(orelse.body, rest, lines, starts)
    elif orelse is not None or rest:
        raise _Mismatch


def _pair_suite(suite: cst.BaseSuite, nodes: list[ast.stmt], lines: LineIndex,
                starts: StatementStarts) -> None:
    """Pair an indented block's statements; a one-line suite (`if x: return`) holds no
    statement that positions look for."""
    if isinstance(suite, cst.IndentedBlock):
        _pair(suite.body, nodes, lines, starts)
