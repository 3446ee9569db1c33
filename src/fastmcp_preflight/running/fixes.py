"""Fixes: from a rule's node replacement to text edits, and text edits applied to source.

A rule's `Fix` (node replacements, inserted and deleted statements, imports to add or drop;
see `fix_imports` for where imports go) is kept as text edits (what the JSON report shows
and what `--fix` writes), so fixes from several rules can be merged without re-running
them; overlapping edits are left for a later pass. A result is only used if it still parses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import libcst as cst
from libcst._nodes.internal import CodegenState

from fastmcp_preflight.api import Applicability, Diagnostic, DiagnosticFix, Edit, Fix, as_import
from fastmcp_preflight.project.facts import Location
from fastmcp_preflight.running.fix_imports import (
    ImportEdits,
    binds_by_import,
    line_after,
    uses,
)
from fastmcp_preflight.source.lines import LineIndex
from fastmcp_preflight.source.parsing import parse_module
from fastmcp_preflight.source.positions import Positions


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


def _alone_in_block(module: cst.Module, statements: Sequence[cst.CSTNode]) -> set[int]:
    """The ids of `statements` that are the only statement of their indented block (a loop:
    a deeply nested file must not overflow the stack)."""
    wanted = {id(node) for node in statements}
    alone: set[int] = set()
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.IndentedBlock) and len(node.body) == 1 and (
                id(node.body[0]) in wanted):
            alone.add(id(node.body[0]))
        stack.extend(node.children)
    return alone


class _Unexpressible(Exception):
    """A part of a fix that text edits cannot make (a statement that shares its line)."""


class FileFixes:
    """What turning fixes into edits needs of one file, shared by all its findings: the
    tree, positions and text, and the counts of a name's mentions (worked out once)."""

    def __init__(self, module: cst.Module, positions: Positions, text: str,
                 first_party: str | None = None) -> None:
        """`first_party` is the top-level package of the file, for a new import's section."""
        self.module, self.positions, self.text = module, positions, text
        self.first_party = first_party
        self._lines: LineIndex | None = None
        self._mentions: dict[str, int] = {}

    @property
    def lines(self) -> LineIndex:
        if self._lines is None:
            self._lines = LineIndex(self.text)
        return self._lines

    def mentions_outside_imports(self, name: str) -> int:
        """How often `name` occurs as a word in the text (code, comments, strings alike)
        outside the module's top-level import statements."""
        found = self._mentions.get(name)
        if found is None:
            imports = [s for s in self.module.body if isinstance(s, cst.SimpleStatementLine)
                       and any(isinstance(i, (cst.Import, cst.ImportFrom)) for i in s.body)]
            found = _mentions(self.text, name) - sum(
                _mentions(self.module.code_for_node(s), name) for s in imports)
            self._mentions[name] = found
        return found


def _mentions(text: str, name: str) -> int:
    return len(re.findall(rf"\b{re.escape(name)}\b", text))


class _FixEdits:
    """Turns the parts of one `Fix` into text edits over one file."""

    def __init__(self, file: FileFixes) -> None:
        self.file = file
        self.module, self.positions, self.text = file.module, file.positions, file.text
        self.lines = file.lines
        self.imports = ImportEdits(file.module, file.positions, file.text, file.first_party)

    def where(self, node: cst.CSTNode) -> Location:
        """Where a node the fix names is; a node not in the file's tree is the rule's error."""
        found = self.positions.find(node)
        if found is None:
            raise ValueError(f"the fix names a {type(node).__name__} node that is not in the "
                             "file's tree (a node the rule built itself?)")
        return found

    def first_line(self, statement: cst.BaseStatement) -> int:
        """The statement's first line (its first decorator's), which it must start."""
        self.where(statement)
        decorators = getattr(statement, "decorators", ())
        at = self.positions.of(decorators[0] if decorators else statement)
        if self.lines.line(at.line)[: at.column - 1].strip():
            raise _Unexpressible
        return at.line

    def code(self, statements: Sequence[cst.BaseStatement | str], indent: str) -> str:
        """New statements' code, each on lines of its own at `indent`."""
        state = CodegenState(default_indent=self.module.default_indent,
                             default_newline=self.module.default_newline)
        if indent:
            state.increase_indent(indent)
        for statement in statements:
            node = (cst.parse_statement(statement, self.module.config_for_parsing)
                    if isinstance(statement, str) else statement)
            node._codegen(state)
        return "".join(state.tokens)

    def insert(self, anchor: cst.BaseStatement, statements: Sequence[cst.BaseStatement | str],
               after: bool) -> Edit:
        first = self.first_line(anchor)
        content = self.code(statements, _line_indent(self.text, first))
        if not after:
            return Edit(first, 1, first, 1, content)
        return line_after(self.positions, self.text, self.module.default_newline, anchor,
                          content)

    def delete(self, statement: cst.BaseStatement, alone: bool) -> Edit:
        first = self.first_line(statement)
        end = self.positions.of(statement).end_line
        keep = (f"{_line_indent(self.text, first)}pass{self.module.default_newline}"
                if alone else "")
        return Edit(first, 1, end + 1, 1, keep)

    def drop_unused(self, name: str, fix: Fix) -> None:
        """Remove the import of `name` when this fix alone takes away its last use: the
        nodes it replaces or deletes use it, the new code does not, and the name is
        mentioned nowhere else (in words: a mention in a comment keeps the import; the
        `--fix` run's own check, after all fixes, is exact)."""
        if not binds_by_import(self.module, name):
            return
        old = [o for o, _ in fix.replacements] + list(fix.deletions)
        new: list[cst.CSTNode] = [n for _, n in fix.replacements]
        for _, added in (*fix.inserts_before, *fix.inserts_after):
            new += [cst.parse_statement(s) if isinstance(s, str) else s for s in added]
        if not uses(old, name) or uses(new, name):
            return
        inside = sum(_mentions(self.module.code_for_node(o), name) for o in old)
        if self.file.mentions_outside_imports(name) == inside:
            self.imports.remove_binding(name)


def to_edits(fix: Fix, file: FileFixes) -> DiagnosticFix | None:
    """Turn a rule's fix (replacements, insertions, deletions, imports) into text edits;
    None when a part cannot be made as text edits."""
    maker = _FixEdits(file)
    module, text = file.module, file.text
    edits: list[Edit] = []
    try:
        for old, new in fix.replacements:
            at = maker.where(old)
            code = _code_at_indent(module, new, _line_indent(text, at.line))
            edits.append(Edit(at.line, at.column, at.end_line, at.end_column, code))
        for anchor, statements in fix.inserts_before:
            edits.append(maker.insert(anchor, statements, after=False))
        for anchor, statements in fix.inserts_after:
            edits.append(maker.insert(anchor, statements, after=True))
        if fix.deletions:
            alone = _alone_in_block(module, fix.deletions)
            edits += [maker.delete(s, id(s) in alone) for s in fix.deletions]
    except _Unexpressible:
        return None
    for wanted_import in dict.fromkeys(as_import(i) for i in fix.imports):
        added = maker.imports.add(wanted_import)
        if added is not None:
            edits.append(added)
    for gone in dict.fromkeys(as_import(i) for i in fix.remove_imports):
        maker.imports.remove(gone)
    for name in dict.fromkeys(fix.drop_if_unused):
        maker.drop_unused(name, fix)
    edits += maker.imports.changes()
    return DiagnosticFix(fix.applicability, tuple(edits), fix.description,
                         tuple(dict.fromkeys(fix.drop_if_unused)))


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
    taken = [d.fix for d in diagnostics if d.fix is not None and wanted(d, allow)]
    if not taken:
        return text
    fixed, _ = apply_edits(text, [f.edits for f in taken])
    try:
        module = parse_module(fixed)
        drop = list(dict.fromkeys(name for f in taken for name in f.drop_if_unused))
        if drop and fixed != text:
            fixed = _drop_unused_imports(text, fixed, module, drop)
    except Exception:  # a syntax error, or too deep to parse safely: not a usable result
        return None
    return fixed


def _drop_unused_imports(before: str, after: str, module: cst.Module,
                         names: Sequence[str]) -> str:
    """Remove the imports of `names` that the fixes left unused (several fixes can take
    away the last use together, which none of their own edits could see)."""
    original = parse_module(before)
    gone = [name for name in names
            if uses([original], name) and not uses([module], name)
            and binds_by_import(module, name)]
    if not gone:
        return after
    imports = ImportEdits(module, Positions(module, after), after, None)
    for name in gone:
        imports.remove_binding(name)
    result, _ = apply_edits(after, [imports.changes()])
    parse_module(result)
    return result
