"""The imports of a fix as text edits: added where isort/ruff would put them, removed cleanly.

A new import joins an existing one-line `from x import ...` of the same module, or goes on
a line of its own in the file's top-of-file import block, in its section (`__future__`,
standard library, third party, first party, local) and in alphabetical order there, with
`import x` lines before `from x import y` lines (ruff's and isort's defaults). When the block
has no import of its section, the new line starts a section of its own between the
sections around it. Only top-level imports count: an import inside `if TYPE_CHECKING:` or a
function does not make a module available to the whole file.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import libcst as cst

from fastmcp_preflight.api import Edit, Import
from fastmcp_preflight.model.file_model import is_docstring
from fastmcp_preflight.source.positions import Positions

FUTURE, STDLIB, THIRD_PARTY, FIRST_PARTY, LOCAL = range(5)
_Small = cst.Import | cst.ImportFrom


def _dotted(node: cst.BaseExpression | None) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def module_of(node: _Small) -> str:
    """The module an import statement names (`..pkg.mod` for a relative one)."""
    if isinstance(node, cst.Import):
        return _dotted(node.names[0].name)
    return "." * len(node.relative) + _dotted(node.module)


def section_of(module: str, first_party: str | None) -> int:
    """isort's section of a module: the file's own top-level package is first party."""
    if module.startswith("."):
        return LOCAL
    top = module.split(".")[0]
    if top == "__future__":
        return FUTURE
    if top in sys.stdlib_module_names:
        return STDLIB
    return FIRST_PARTY if first_party is not None and top == first_party else THIRD_PARTY


def _sort_key(small: _Small | Import) -> tuple[bool, str, str, str]:
    """isort's order in a section: `import x` lines first, then by module, then by name
    (an unaliased import before its aliases)."""
    if isinstance(small, Import):
        is_from, module, name = small.name is not None, small.module, small.name or ""
        alias = small.alias or ""
    else:
        is_from, module = isinstance(small, cst.ImportFrom), module_of(small)
        first = small.names[0] if not isinstance(small.names, cst.ImportStar) else None
        name = _dotted(first.name) if is_from and first is not None else ""
        alias = (first.asname.name.value if first is not None and first.asname is not None
                 and isinstance(first.asname.name, cst.Name) else "")
    return (is_from, module.lower(), f"{name.lower()} {alias.lower()}", module)


def _imports_of(statement: cst.BaseStatement) -> list[_Small] | None:
    """The imports of a simple statement line made only of imports, else None."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return None
    found = [s for s in statement.body if isinstance(s, (cst.Import, cst.ImportFrom))]
    return found if len(found) == len(statement.body) else None


def _import_block(module: cst.Module) -> tuple[int, list[cst.SimpleStatementLine]]:
    """Where the top-of-file imports start (after the docstring), and those statements
    (`__future__` imports included), up to the first statement that is not an import."""
    body = module.body
    start = 1 if body and is_docstring(body[0]) else 0
    block: list[cst.SimpleStatementLine] = []
    for statement in body[start:]:
        if _imports_of(statement) is None:
            break
        assert isinstance(statement, cst.SimpleStatementLine)
        block.append(statement)
    return start, block


def _binds(alias: cst.ImportAlias, is_from: bool) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    name = _dotted(alias.name)
    return name if is_from else name.split(".")[0]


def _matches(alias: cst.ImportAlias, name: str, asname: str | None) -> bool:
    own = (alias.asname.name.value if alias.asname is not None
           and isinstance(alias.asname.name, cst.Name) else None)
    return _dotted(alias.name) == name and (own == asname or (asname is None and own == name))


def _top_imports(module: cst.Module) -> list[tuple[cst.SimpleStatementLine, _Small]]:
    """Every top-level import statement of the module (not only the leading block)."""
    found: list[tuple[cst.SimpleStatementLine, _Small]] = []
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            found += [(statement, small) for small in statement.body
                      if isinstance(small, (cst.Import, cst.ImportFrom))]
    return found


def has_import(module: cst.Module, wanted: Import) -> bool:
    """Whether a top-level import already does what `wanted` would."""
    for _, small in _top_imports(module):
        if isinstance(small, cst.Import) and wanted.name is None:
            if any(_matches(a, wanted.module, wanted.alias) for a in small.names):
                return True
        elif (isinstance(small, cst.ImportFrom) and wanted.name is not None
              and module_of(small) == wanted.module
              and not isinstance(small.names, cst.ImportStar)
              and any(_matches(a, wanted.name, wanted.alias) for a in small.names)):
            return True
    return False


class ImportEdits:
    """Text edits that add and remove the top-level imports of one file."""

    def __init__(self, module: cst.Module, positions: Positions, text: str,
                 first_party: str | None) -> None:
        self.module = module
        self.positions = positions
        self.text = text
        self.first_party = first_party
        self.newline = module.default_newline
        #: The names of the import statements this fix changes (joined or removed names),
        #: by id of the original statement: all changes to one statement make one edit.
        self._changed: dict[int, tuple[cst.SimpleStatementLine, _Small,
                                       list[cst.ImportAlias]]] = {}

    def _names(self, statement: cst.SimpleStatementLine, small: _Small) -> list[cst.ImportAlias]:
        """The current names of an import statement (after the changes made so far)."""
        names = small.names
        assert not isinstance(names, cst.ImportStar)
        return self._changed.setdefault(id(small), (statement, small, list(names)))[2]

    def changes(self) -> list[Edit]:
        """One edit per changed import statement: its new names, or its lines deleted when
        it has none left (unless it shares its line with other statements: left alone)."""
        edits: list[Edit] = []
        for statement, small, names in self._changed.values():
            if not names:
                if len(statement.body) == 1:
                    where = self.positions.of(statement)
                    edits.append(Edit(where.line, 1, where.end_line + 1, 1, ""))
                continue
            if names == list(small.names):  # type: ignore[arg-type]
                continue
            where = self.positions.of(small)
            new: cst.CSTNode = small.with_changes(names=names)
            edits.append(Edit(where.line, where.column, where.end_line, where.end_column,
                              self.module.code_for_node(new)))
        self._changed.clear()
        return edits

    # --- adding -------------------------------------------------------------------------------

    def add(self, wanted: Import) -> Edit | None:
        """Add `wanted` unless the module has it: the edit of a new line, or None (also
        when it joins an existing statement, whose edit `changes` gives)."""
        if has_import(self.module, wanted):
            return None
        if wanted.name is not None and self._join(wanted):
            return None
        return self._new_line(wanted)

    def _join(self, wanted: Import) -> bool:
        """Add the name to a one-line `from module import a, b` of the same module."""
        assert wanted.name is not None
        for statement, small in _top_imports(self.module):
            if (not isinstance(small, cst.ImportFrom) or module_of(small) != wanted.module
                    or isinstance(small.names, cst.ImportStar) or small.lpar is not None):
                continue
            current = self._names(statement, small)
            names = list(current)
            alias = cst.ImportAlias(
                cst.Name(wanted.name),
                asname=None if wanted.alias is None else cst.AsName(cst.Name(wanted.alias)))
            keys = [_dotted(a.name).lower() for a in names]
            at = len(names)
            if keys == sorted(keys):
                at = next((i for i, key in enumerate(keys) if key > wanted.name.lower()),
                          len(names))
            names.insert(at, alias)
            comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            current[:] = [a.with_changes(comma=comma) for a in names[:-1]] + [
                names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)]
            return True
        return False

    def _new_line(self, wanted: Import) -> Edit:
        code, newline = wanted.code, self.newline
        start, block = _import_block(self.module)
        if not block:
            return self._before_code(start, f"{code}{newline}{newline}", code)
        section = section_of(wanted.module, self.first_party)
        key = _sort_key(wanted)
        placed = []
        for statement in block:
            small = statement.body[0]
            assert isinstance(small, (cst.Import, cst.ImportFrom))
            placed.append((statement, section_of(module_of(small), self.first_party),
                           _sort_key(small)))
        same = [item for item in placed if item[1] == section]
        if same:
            later = next((item for item in same if item[2] > key), None)
            if later is not None:
                # Comments above the first import of a section head the section; above any
                # other import they are about that import.
                line = (self.positions.of(later[0]).line if later is same[0]
                        else self._comment_start(later[0]))
                return self._at_line(line, f"{code}{newline}")
            return self._line_after(same[-1][0], f"{code}{newline}")
        earlier = [item for item in placed if item[1] < section]
        if earlier:
            return self._line_after(earlier[-1][0], f"{newline}{code}{newline}")
        first = placed[0][0]
        return self._at_line(self._comment_start(first), f"{code}{newline}{newline}")

    def _before_code(self, start: int, content: str, code: str) -> Edit:
        """Before the first statement after the docstring, or at the end of a module that
        has nothing else."""
        body = self.module.body
        if start < len(body):
            return self._at_line(self._comment_start(body[start]), content)
        if not body:
            return Edit(1, 1, 1, 1, f"{code}{self.newline}")
        end = self.positions.of(body[-1])
        return Edit(end.end_line, end.end_column, end.end_line, end.end_column,
                    f"{self.newline}{code}")

    def _comment_start(self, statement: cst.BaseStatement) -> int:
        """The first line of the comments right above a statement (they belong to it)."""
        line = self.positions.of(statement).line
        leading: Sequence[cst.EmptyLine] = getattr(statement, "leading_lines", ())
        for empty in reversed(leading):
            if empty.comment is None:
                break
            line -= 1
        return line

    def _line_after(self, statement: cst.BaseStatement, content: str) -> Edit:
        return line_after(self.positions, self.text, self.newline, statement, content)

    def _at_line(self, line: int, content: str) -> Edit:
        return Edit(line, 1, line, 1, content)

    # --- removing -----------------------------------------------------------------------------

    def remove_binding(self, name: str) -> bool:
        """Remove the top-level import that binds `name` (the name from its statement);
        `changes` gives the edit."""
        for statement, small in _top_imports(self.module):
            if isinstance(small.names, cst.ImportStar):
                continue
            is_from = isinstance(small, cst.ImportFrom)
            for alias in self._names(statement, small):
                if _binds(alias, is_from) == name:
                    return self._remove(statement, small, alias)
        return False

    def remove(self, wanted: Import) -> bool:
        """Remove `wanted` from the top-level imports, when it is there."""
        for statement, small in _top_imports(self.module):
            if isinstance(small.names, cst.ImportStar):
                continue
            if isinstance(small, cst.Import) and wanted.name is None:
                target = wanted.module
            elif (isinstance(small, cst.ImportFrom) and wanted.name is not None
                  and module_of(small) == wanted.module):
                target = wanted.name
            else:
                continue
            for alias in self._names(statement, small):
                if _matches(alias, target, wanted.alias):
                    return self._remove(statement, small, alias)
        return False

    def _remove(self, statement: cst.SimpleStatementLine, small: _Small,
                alias: cst.ImportAlias) -> bool:
        names = self._names(statement, small)
        if len(names) == 1 and len(statement.body) > 1:
            return False  # `import time; x = 1`: left alone
        last = names[-1] is alias
        names.remove(alias)
        if names and last:
            names[-1] = names[-1].with_changes(comma=alias.comma)
        return True


def line_after(positions: Positions, text: str, newline: str, statement: cst.BaseStatement,
               content: str) -> Edit:
    """Insert `content` at the start of the line after a statement (at the end of a last
    line that has no line break, with one)."""
    end = positions.of(statement).end_line
    lines = text.splitlines(keepends=True)
    if end >= len(lines) and lines and not lines[-1].endswith(("\n", "\r")):
        tail = len(lines[-1]) + 1
        return Edit(end, tail, end, tail, newline + content.removesuffix(newline))
    return Edit(end + 1, 1, end + 1, 1, content)


def uses(nodes: Sequence[cst.CSTNode], name: str) -> int:
    """How many times `nodes` use `name`: `Name` nodes outside imports that are not an
    attribute's or a keyword argument's name; a string equal to it counts too (`__all__`).
    A loop, not a recursive visitor: a deeply nested file must not overflow the stack."""
    count = 0
    stack = list(nodes)
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is cst.Import or kind is cst.ImportFrom:
            continue
        if kind is cst.Name:
            count += node.value == name  # type: ignore[attr-defined]
        elif kind is cst.Attribute:
            count -= node.attr.value == name  # type: ignore[attr-defined]
        elif kind is cst.Arg:
            keyword = node.keyword  # type: ignore[attr-defined]
            count -= keyword is not None and keyword.value == name
        elif kind is cst.SimpleString:
            count += node.value.strip("'\"") == name  # type: ignore[attr-defined]
        stack.extend(node.children)
    return count


def binds_by_import(module: cst.Module, name: str) -> bool:
    """Whether a top-level import binds `name`."""
    return any(not isinstance(small.names, cst.ImportStar)
               and any(_binds(a, isinstance(small, cst.ImportFrom)) == name
                       for a in small.names)
               for _, small in _top_imports(module))
