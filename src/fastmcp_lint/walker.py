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
    """What the walk calls: the engine's rule dispatcher and the model builder both are one.

    A visitor may have a `wants` attribute, the names of the node types it handles; the
    walk then calls `on_visit`/`on_leave` only for those (it still walks every node, and
    always calls `on_field`). Without it, every node is visited.
    """

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


_Info = tuple[str, tuple[tuple[str, bool], ...], bool]


class Walker:
    """Walks trees; holds what it has learned of each node type (one per process is enough):
    its name, its fields in source order, and whether it is skipped."""

    def __init__(self) -> None:
        self._types: dict[type, _Info] = {}

    def _learn(self, node: cst.CSTNode) -> _Info:
        kind = type(node)
        recorder = _FieldRecorder()
        node._visit_and_replace_children(recorder)
        name = kind.__name__
        fields = tuple(
            (field, (name, field) in SCOPE_FIELDS)
            for field in recorder.fields
            if not _is_trivia_field(field)
        )
        info = (name, fields, isinstance(node, _SKIPPED))
        self._types[kind] = info
        return info

    def walk(self, node: cst.CSTNode, visitor: WalkVisitor) -> None:
        """Visit `node` and its descendants depth-first, in source order."""
        self._walk(node, visitor, getattr(visitor, "wants", None))

    def _walk(self, node: cst.CSTNode, visitor: WalkVisitor,
              wants: frozenset[str] | None) -> None:
        types = self._types
        name, fields, _ = types.get(type(node)) or self._learn(node)
        called = wants is None or name in wants
        if called and not visitor.on_visit(node):
            visitor.on_leave(node)
            return
        for field, announced in fields:
            value = getattr(node, field)
            if announced:
                visitor.on_field(node, field, True)
            if isinstance(value, cst.CSTNode):
                if not (types.get(type(value)) or self._learn(value))[2]:
                    self._walk(value, visitor, wants)
            elif isinstance(value, (tuple, list)):
                for child in value:
                    if isinstance(child, cst.CSTNode) and not (
                            types.get(type(child)) or self._learn(child))[2]:
                        self._walk(child, visitor, wants)
            if announced:
                visitor.on_field(node, field, False)
        if called:
            visitor.on_leave(node)


def _is_trivia_field(field: str) -> bool:
    return field.startswith(("whitespace", "leading_lines", "lines_after", "lpar", "rpar"))
