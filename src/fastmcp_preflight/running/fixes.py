"""Fixes: from a rule's node replacement to text edits, and text edits applied to source.

A fix is kept as text edits (what the JSON report shows and what `--fix` writes), so fixes
from several rules can be merged without re-running them; overlapping edits are left for a
later pass. A result is only used if it still parses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import libcst as cst
from libcst._nodes.internal import CodegenState

from fastmcp_preflight.api import Applicability, Diagnostic, DiagnosticFix, Edit, Fix
from fastmcp_preflight.source.lines import LineIndex
from fastmcp_preflight.source.parsing import parse_module
from fastmcp_preflight.source.positions import Positions


def _is_docstring_or_future(statement: cst.CSTNode) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    small = statement.body[0]
    if isinstance(small, cst.Expr) and isinstance(small.value, (cst.SimpleString,
                                                                cst.ConcatenatedString)):
        return True
    return isinstance(small, cst.ImportFrom) and isinstance(small.module, cst.Name) and (
        small.module.value == "__future__")


def _imported_modules(module: cst.Module) -> set[str]:
    """Modules imported under their own name at module level (`import asyncio`)."""
    names: set[str] = set()
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        if alias.asname is None and isinstance(alias.name, cst.Name):
                            names.add(alias.name.value)
    return names


def _import_edit(module: cst.Module, positions: Positions, name: str) -> Edit:
    """Insert `import name` after the docstring and `__future__` imports."""
    newline = module.default_newline
    for statement in module.body:
        if not _is_docstring_or_future(statement):
            at = positions.of(statement)
            return Edit(at.line, 1, at.line, 1, f"import {name}{newline}")
    if not module.body:
        return Edit(1, 1, 1, 1, f"import {name}{newline}")
    end = positions.of(module.body[-1])
    return Edit(end.end_line, end.end_column, end.end_line, end.end_column,
                f"{newline}import {name}")


def _line_indent(text: str, line: int) -> str:
    """The leading whitespace of a 1-based line of `text`."""
    current = LineIndex(text).line(line)
    return current[: len(current) - len(current.lstrip(" \t"))]


def _code_at_indent(module: cst.Module, node: cst.CSTNode, indent: str) -> str:
    """A node's code as it reads at `indent`.

    An expression's continuation lines inside brackets are indented relative to the
    statement they belong to, which `code_for_node` (rendering at column 0) loses. Other
    nodes (blocks, whitespace) carry their own indentation and are rendered as they are.
    """
    if not isinstance(node, cst.BaseExpression):
        return module.code_for_node(node)
    state = CodegenState(default_indent=module.default_indent,
                         default_newline=module.default_newline)
    if indent:
        state.increase_indent(indent)
    node._codegen(state)
    return "".join(state.tokens)


def to_edits(fix: Fix, module: cst.Module, positions: Positions, text: str) -> DiagnosticFix:
    """Turn a rule's node replacements (and wanted imports) into text edits."""
    edits: list[Edit] = []
    for old, new in fix.replacements:
        at = positions.of(old)
        code = _code_at_indent(module, new, _line_indent(text, at.line))
        edits.append(Edit(at.line, at.column, at.end_line, at.end_column, code))
    present = _imported_modules(module)
    for name in fix.imports:
        if name not in present:
            edits.append(_import_edit(module, positions, name))
    return DiagnosticFix(fix.applicability, tuple(edits), fix.description)


Span = tuple[int, int, str]


def _conflict(a: Span, b: Span) -> bool:
    """Two edits that can't both apply: overlapping replacements, or an insertion inside a
    replaced range. Identical edits and insertions at one point go together."""
    if a == b:
        return False
    if a[0] == a[1] and b[0] == b[1]:
        return False
    if a[0] == a[1]:
        return b[0] < a[0] < b[1]
    if b[0] == b[1]:
        return a[0] < b[0] < a[1]
    return a[0] < b[1] and b[0] < a[1]


def apply_edits(text: str, fixes: Iterable[Sequence[Edit]]) -> tuple[str, int]:
    """Apply whole fixes whose edits don't conflict with those already taken; return the new
    text and how many fixes were left for a later pass.

    A fix is all or nothing (its replacement and its import go together); identical edits
    (two fixes adding the same import) are made once; insertions at one point keep the
    order in which they were taken.
    """
    offset = LineIndex(text).offset

    def first(edits: Sequence[Edit]) -> tuple[int, int]:
        return min((offset(e.line, e.column), offset(e.end_line, e.end_column)) for e in edits)

    taken: list[Span] = []
    skipped = 0
    for edits in sorted((list(f) for f in fixes if f), key=first):
        spans = [(offset(e.line, e.column), offset(e.end_line, e.end_column), e.content)
                 for e in edits]
        if any(_conflict(span, other) for span in spans for other in taken):
            skipped += 1
            continue
        taken.extend(span for span in spans if span not in taken)
    pieces: list[str] = []
    cursor = 0
    for start, end, content in sorted(taken, key=lambda span: (span[0], span[1])):
        pieces.append(text[cursor:start])
        pieces.append(content)
        cursor = max(cursor, end)
    pieces.append(text[cursor:])
    return "".join(pieces), skipped


def wanted(diagnostic: Diagnostic, allow: Sequence[Applicability]) -> bool:
    return diagnostic.fix is not None and diagnostic.fix.applicability in allow


def fix_text(text: str, diagnostics: Iterable[Diagnostic],
             allow: Sequence[Applicability] = ("safe",)) -> str | None:
    """One pass of the wanted fixes over `text`, or None if the result would not parse."""
    fixes = [d.fix.edits for d in diagnostics if d.fix is not None and wanted(d, allow)]
    if not fixes:
        return text
    fixed, _ = apply_edits(text, fixes)
    try:
        parse_module(fixed)
    except Exception:  # a syntax error, or too deep to parse safely: not a usable result
        return None
    return fixed
