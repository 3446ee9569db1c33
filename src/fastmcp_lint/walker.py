"""A read-only walk over a LibCST tree, in source order, without rebuilding nodes.

`CSTNode.visit` rebuilds every parent node on the way back up, even for a read-only visitor;
this walk only reads. The order of each node type's children is learned once from LibCST
itself (the order its own visitors see), so it stays in step with LibCST releases.
Whitespace, comments and parentheses are never walked: no rule reports on them.
"""

from __future__ import annotations

from typing import Protocol

import libcst as cst

_SKIPPED = (
    cst.SimpleWhitespace,
    cst.ParenthesizedWhitespace,
    cst.TrailingWhitespace,
    cst.EmptyLine,
    cst.Newline,
    cst.Comment,
    cst.LeftParen,
    cst.RightParen,
)

#: (node type, field) pairs around which the visitor hears `on_field`: the places where a
#: scope or a context begins (function and class bodies, `if`/`with` bodies).
SCOPE_FIELDS = frozenset(
    {
        ("FunctionDef", "body"),
        ("ClassDef", "body"),
        ("Lambda", "body"),
        ("If", "body"),
        ("If", "orelse"),
        ("With", "body"),
    }
)


class WalkVisitor(Protocol):
    """What the walk calls: the engine's rule dispatcher and the model builder both are one."""

    def on_visit(self, node: cst.CSTNode) -> bool: ...

    def on_leave(self, node: cst.CSTNode) -> None: ...

    def on_field(self, node: cst.CSTNode, field: str, entering: bool) -> None: ...


class _FieldRecorder(cst.CSTVisitor):
    """Records the order in which LibCST visits a node's fields, without descending."""

    def __init__(self) -> None:
        self.fields: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return False

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if attribute not in self.fields:
            self.fields.append(attribute)


class Walker:
    """Walks trees; holds the per-type field order it has learned (one per process is enough)."""

    def __init__(self) -> None:
        self._fields: dict[type, tuple[tuple[str, bool], ...]] = {}

    def _fields_of(self, node: cst.CSTNode) -> tuple[tuple[str, bool], ...]:
        kind = type(node)
        fields = self._fields.get(kind)
        if fields is None:
            recorder = _FieldRecorder()
            node._visit_and_replace_children(recorder)
            name = kind.__name__
            fields = tuple(
                (field, (name, field) in SCOPE_FIELDS)
                for field in recorder.fields
                if not _is_trivia_field(field)
            )
            self._fields[kind] = fields
        return fields

    def walk(self, node: cst.CSTNode, visitor: WalkVisitor) -> None:
        """Visit `node` and its descendants depth-first, in source order."""
        if not visitor.on_visit(node):
            visitor.on_leave(node)
            return
        for field, announced in self._fields_of(node):
            value = getattr(node, field)
            if announced:
                visitor.on_field(node, field, True)
            if isinstance(value, cst.CSTNode):
                if not isinstance(value, _SKIPPED):
                    self.walk(value, visitor)
            elif isinstance(value, (tuple, list)):
                for child in value:
                    if isinstance(child, cst.CSTNode) and not isinstance(child, _SKIPPED):
                        self.walk(child, visitor)
            if announced:
                visitor.on_field(node, field, False)
        visitor.on_leave(node)


def _is_trivia_field(field: str) -> bool:
    return field.startswith(("whitespace", "leading_lines", "lines_after", "lpar", "rpar"))
