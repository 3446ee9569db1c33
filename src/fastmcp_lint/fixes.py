"""Fixes: from a rule's node replacement to text edits, and text edits applied to source.

A fix is kept as text edits (what the JSON report shows and what `--fix` writes), so fixes
from several rules can be merged without re-running them; overlapping edits are left for a
later pass. A result is only used if it still parses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import libcst as cst

from fastmcp_lint.api import Applicability, Diagnostic, DiagnosticFix, Edit, Fix
from fastmcp_lint.positions import Positions


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


def to_edits(fix: Fix, module: cst.Module, positions: Positions) -> DiagnosticFix:
    """Turn a rule's node replacements (and wanted imports) into text edits."""
    edits: list[Edit] = []
    for old, new in fix.replacements:
        at = positions.of(old)
        edits.append(Edit(at.line, at.column, at.end_line, at.end_column,
                          module.code_for_node(new)))
    present = _imported_modules(module)
    for name in fix.imports:
        if name not in present:
            edits.append(_import_edit(module, positions, name))
    return DiagnosticFix(fix.applicability, tuple(edits), fix.description)


def _offsets(text: str) -> list[int]:
    """The offset at which each 1-based line starts (index 0 unused)."""
    starts = [0, 0]
    for index, char in enumerate(text):
        if char == "\n":
            starts.append(index + 1)
    return starts


def apply_edits(text: str, edits: Iterable[Edit]) -> tuple[str, int]:
    """Apply non-overlapping edits; return the new text and how many edits were skipped.

    Identical edits (two fixes adding the same import) count once; an edit that overlaps
    one already taken is skipped, for a later pass.
    """
    starts = _offsets(text)

    def offset(line: int, column: int) -> int:
        if line >= len(starts):
            return len(text)
        return min(starts[line] + column - 1, len(text))

    spans = sorted({(offset(e.line, e.column), offset(e.end_line, e.end_column), e.content)
                    for e in edits})
    taken: list[tuple[int, int, str]] = []
    skipped = 0
    for start, end, content in spans:
        if taken and (start < taken[-1][1] or (start == taken[-1][0] == taken[-1][1] == end)):
            skipped += 1
            continue
        taken.append((start, end, content))
    pieces: list[str] = []
    cursor = 0
    for start, end, content in taken:
        pieces.append(text[cursor:start])
        pieces.append(content)
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces), skipped


def wanted(diagnostic: Diagnostic, allow: Sequence[Applicability]) -> bool:
    return diagnostic.fix is not None and diagnostic.fix.applicability in allow


def fix_text(text: str, diagnostics: Iterable[Diagnostic],
             allow: Sequence[Applicability] = ("safe",)) -> str | None:
    """One pass of the wanted fixes over `text`, or None if the result would not parse."""
    edits: list[Edit] = []
    for diagnostic in diagnostics:
        if diagnostic.fix is not None and wanted(diagnostic, allow):
            edits.extend(diagnostic.fix.edits)
    if not edits:
        return text
    fixed, _ = apply_edits(text, edits)
    try:
        cst.parse_module(fixed)
    except (cst.ParserSyntaxError, RecursionError):
        return None
    return fixed
