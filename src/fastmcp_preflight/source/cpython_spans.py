"""Where calls and definitions' names are, read from CPython's tree of the same text.

Most nodes a run locates are calls (the project index keeps each call a function makes, and
most findings are calls) and the names of functions and classes (the index keeps where each
is defined). LibCST keeps no positions, so locating one generated the code of the statement
around it as far as the node; CPython's parser, already run for the statements' starts
(`statement_starts`), gives every call its span and every definition its `def`/`class`
keyword, from which LibCST's own whitespace gives the name.

The calls of a simple statement line, or of a compound statement's header (decorators,
parameters, an `if` test, `with` items), are paired: LibCST's in the walk's order (source
order, outer call first), CPython's sorted the same way. The pairing is used only if it
checks out: as many calls on both sides, each pair calling the same kind of thing (`f(...)`
both a name `f`, `x.m(...)` both an attribute `m`, whose text is where CPython says), each
span ending in the call's `)`. A statement with a call inside an f-string gives no answer:
Python before 3.12 places those wrongly. A definition's name must be in the text where it is
worked out to be. No answer means the caller falls back to code generation; it never means
a guess.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

import libcst as cst

from fastmcp_preflight.source.lines import LineIndex

#: The fields of CPython's compound statements that hold blocks, not the header.
_BLOCKS = frozenset({"body", "orelse", "handlers", "finalbody", "cases"})


def call_spans(calls: Sequence[cst.Call], statements: Sequence[ast.stmt], text: str,
               lines: LineIndex) -> dict[int, tuple[int, int]] | None:
    """id(call) -> its span (character offsets, end exclusive) for the LibCST `calls` of
    one statement (a simple statement line, or a compound statement's header), in source
    order, given the CPython `statements` it is; None when the two do not pair up exactly."""
    found: list[ast.Call] = []
    for statement in statements:
        for node in _header(statement):
            kind = type(node)
            if kind is ast.Call:
                found.append(node)  # type: ignore[arg-type]
            elif kind is ast.JoinedStr and any(type(inner) is ast.Call
                                               for inner in ast.walk(node)):
                return None
    if len(found) != len(calls):
        return None
    found.sort(key=lambda n: (n.lineno, n.col_offset,
                              -(n.end_lineno or 0), -(n.end_col_offset or 0)))
    spans: dict[int, tuple[int, int]] = {}
    for call, node in zip(calls, found, strict=True):
        if node.end_lineno is None or node.end_col_offset is None:
            return None
        start = _offset(text, lines, node.lineno, node.col_offset)
        end = _offset(text, lines, node.end_lineno, node.end_col_offset)
        if start is None or end is None or text[end - 1:end] != ")":
            return None
        if not _same_callee(call.func, node.func, text, lines):
            return None
        spans[id(call)] = (start, end)
    return spans


def name_span(definition: cst.FunctionDef | cst.ClassDef, node: ast.stmt, text: str,
              lines: LineIndex) -> tuple[int, int] | None:
    """The span of a function's or class's name, given CPython's statement for it (whose
    position is its `async`, `def` or `class` keyword); None when the text disagrees."""
    start = _offset(text, lines, node.lineno, node.col_offset)
    if start is None:
        return None
    keywords: list[tuple[str, str]] = []
    if isinstance(definition, cst.ClassDef):
        keywords.append(("class", definition.whitespace_after_class.value))
    else:
        if definition.asynchronous is not None:
            keywords.append(("async", definition.asynchronous.whitespace_after.value))
        keywords.append(("def", definition.whitespace_after_def.value))
    for keyword, space in keywords:
        if not text.startswith(keyword, start):
            return None
        start += len(keyword) + len(space)
    name = definition.name.value
    return (start, start + len(name)) if text.startswith(name, start) else None


def _header(statement: ast.stmt) -> Iterator[ast.AST]:
    """The nodes of a statement outside its blocks (all of a simple statement's)."""
    for name, value in ast.iter_fields(statement):
        if name in _BLOCKS:
            continue
        for item in value if isinstance(value, list) else (value,):
            if isinstance(item, ast.AST):
                yield from ast.walk(item)


def _same_callee(func: cst.BaseExpression, node: ast.expr, text: str,
                 lines: LineIndex) -> bool:
    """Whether LibCST's and CPython's callee are the same: a name or an attribute of the
    same spelling, found in the text where CPython says it ends; otherwise the same kind."""
    kind = type(func)
    if kind is cst.Name:
        spelled = func.value  # type: ignore[attr-defined]
        if type(node) is not ast.Name or node.id != spelled:
            return False
    elif kind is cst.Attribute:
        spelled = func.attr.value  # type: ignore[attr-defined]
        if type(node) is not ast.Attribute or node.attr != spelled:
            return False
    else:
        return type(node).__name__ == _AST_KIND.get(kind.__name__, kind.__name__)
    if node.end_lineno is None or node.end_col_offset is None:
        return False
    end = _offset(text, lines, node.end_lineno, node.end_col_offset)
    return end is not None and text[end - len(spelled):end] == spelled


#: LibCST expression types whose CPython counterpart is named otherwise.
_AST_KIND = {
    "BooleanOperation": "BoolOp", "BinaryOperation": "BinOp", "UnaryOperation": "UnaryOp",
    "Comparison": "Compare", "IfExp": "IfExp", "SimpleString": "Constant",
    "Integer": "Constant", "Float": "Constant", "ConcatenatedString": "Constant",
    "GeneratorExp": "GeneratorExp", "List": "List", "Tuple": "Tuple", "Dict": "Dict",
}


def _offset(text: str, lines: LineIndex, line: int, column: int) -> int | None:
    """The character offset of CPython's 1-based line and 0-based UTF-8 byte column (None
    when the column does not fall between two characters)."""
    if not 1 <= line <= len(lines.starts):
        return None
    start = lines.starts[line - 1]
    end = lines.starts[line] if line < len(lines.starts) else len(text)
    row = text[start:end]
    if row.isascii():
        return start + column if column <= len(row) else None
    encoded = row.encode("utf-8", "surrogatepass")
    if column > len(encoded):
        return None
    try:
        return start + len(encoded[:column].decode("utf-8"))
    except UnicodeDecodeError:
        return None
