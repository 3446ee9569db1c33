"""A read-only walk over a LibCST tree, in source order, without rebuilding nodes.

`CSTNode.visit` rebuilds every parent node on the way back up, even for a read-only visitor;
this walk only reads. The order of each node type's children is learned once from LibCST
itself (the order its own visitors see), so it stays in step with LibCST releases.
Whitespace, comments and parentheses are never walked: no rule reports on them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
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
    """What the walk calls: the model builder is one (the rules hear the same calls from the
    walk's `EventLog`).

    A visitor may have a `wants` attribute, the names of the node types it handles; the
    walk then calls `on_visit`/`on_leave` only for those (it still walks every node, and
    always calls `on_field`). Without it, every node is visited.
    """

    def on_visit(self, node: cst.CSTNode) -> bool: ...

    def on_leave(self, node: cst.CSTNode) -> None: ...

    def on_field(self, node: cst.CSTNode, field: str, entering: bool) -> None: ...


#: One event of a walk: (node, None, True) visit, (node, None, False) leave,
#: (node, field, entering) a scope field.
Event = tuple[cst.CSTNode, "str | None", bool]


@dataclass
class EventLog:
    """What a second visitor would have heard from a walk: the visits and leaves of the node
    types in `types`, and every scope field, in order.

    The model's walk records it for the rules, which then replay a short list instead of
    walking the whole tree a second time.
    """

    types: frozenset[str]
    events: list[Event] = field(default_factory=list)
    #: Every node walked, in the order the walk met them (positions use it to find the
    #: top-level statement that holds a node).
    order: list[cst.CSTNode] = field(default_factory=list)


class _FieldRecorder(cst.CSTVisitor):
    """Records the order in which LibCST visits a node's fields, without descending."""

    def __init__(self) -> None:
        self.fields: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return False

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if attribute not in self.fields:
            self.fields.append(attribute)


#: What the walk does with a field's value, by its type: walk it (a node), walk each of its
#: items (a sequence), nothing (whitespace, parentheses, strings, None, sentinels), or meet
#: it without descending (a node with no children to walk: half of all nodes are names,
#: strings, commas and dots, and a call per node was most of the walk's cost).
_SKIP, _WALK, _EACH, _LEAF = 0, 1, 2, 3

_Info = tuple[str, tuple[tuple[str, bool], ...], int]


class Walker:
    """Walks trees; holds what it has learned of each type of value it met (one per process
    is enough): a node type's name and fields in source order, and what to do with it.

    Values are told apart by their exact type through that table: `isinstance(x, CSTNode)`
    goes through an ABC check, which cost a third of the walk.
    """

    def __init__(self) -> None:
        self._types: dict[type, _Info] = {}

    def _learn(self, value: object) -> _Info:
        kind = type(value)
        if isinstance(value, (tuple, list)):
            info: _Info = ("", (), _EACH)
        elif not isinstance(value, cst.CSTNode):
            info = ("", (), _SKIP)
        else:
            recorder = _FieldRecorder()
            value._visit_and_replace_children(recorder)
            name = kind.__name__
            fields = tuple(
                (field, (name, field) in SCOPE_FIELDS)
                for field in recorder.fields
                if not _is_trivia_field(field)
            )
            info = (name, fields, _SKIP if isinstance(value, _SKIPPED)
                    else _WALK if fields else _LEAF)
        self._types[kind] = info
        return info

    def walk(self, node: cst.CSTNode, visitor: WalkVisitor, log: EventLog | None = None
             ) -> None:
        """Visit `node` and its descendants depth-first, in source order.

        With a `log`, also record its events; a visitor that records one must visit every
        node (`on_visit` returns True), so that the log holds the whole tree's events.
        """
        if log is None:
            log = EventLog(frozenset())
        info = self._types.get(type(node)) or self._learn(node)
        self._walk(node, info, visitor, getattr(visitor, "wants", None), log.types,
                   log.events, log.order)

    def _walk(self, node: cst.CSTNode, info: _Info, visitor: WalkVisitor,
              wants: frozenset[str] | None, logged: frozenset[str], events: list[Event],
              order: list[cst.CSTNode]) -> None:
        types = self._types
        name, fields, _ = info
        order.append(node)
        called = wants is None or name in wants
        record = name in logged
        if record:
            events.append((node, None, True))
        if called and not visitor.on_visit(node):
            visitor.on_leave(node)
            return
        for field_name, announced in fields:
            value = getattr(node, field_name)
            if announced:
                visitor.on_field(node, field_name, True)
                events.append((node, field_name, True))
            found = types.get(type(value)) or self._learn(value)
            children = value if found[2] == _EACH else (value,)
            for child in children:
                if child is not value:
                    found = types.get(type(child)) or self._learn(child)
                what = found[2]
                if what == _WALK:
                    self._walk(child, found, visitor, wants, logged, events, order)
                elif what == _LEAF:  # what `_walk` does for it, without a call
                    order.append(child)
                    kind = found[0]
                    leaf_logged = kind in logged
                    if leaf_logged:
                        events.append((child, None, True))
                    if wants is None or kind in wants:
                        visitor.on_visit(child)  # nothing below it to skip
                        visitor.on_leave(child)
                    if leaf_logged:
                        events.append((child, None, False))
            if announced:
                visitor.on_field(node, field_name, False)
                events.append((node, field_name, False))
        if called:
            visitor.on_leave(node)
        if record:
            events.append((node, None, False))


def child_nodes(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The nodes `node.children` gives, in the order of the node type's fields rather than
    in source order, without rebuilding the node as `children` does: for searches that do
    not depend on the order (which names an expression mentions, whether a body awaits).
    Every node a field holds is given, also whitespace an older LibCST does not visit."""
    found: list[cst.CSTNode] = []
    for name in type(node).__dataclass_fields__:
        value = getattr(node, name)
        if type(value) is tuple or type(value) is list:
            found.extend(item for item in value if isinstance(item, cst.CSTNode))
        elif isinstance(value, cst.CSTNode):
            found.append(value)
    return found


_LITERALS = (cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary)


def mentioned_names(expr: cst.CSTNode, *, lambdas: bool = True, format_specs: bool = True
                    ) -> Iterator[cst.Name]:
    """Every name an expression mentions, at any depth (not attribute names, not an
    argument's keyword), in no particular order; with `lambdas=False` none inside a lambda,
    with `format_specs=False` none in an f-string's format specs. The common node types are
    taken apart by hand (their other children are operators, parentheses and whitespace,
    which hold no name), the rest by `child_nodes`: LibCST's `children` rebuilds the node."""
    stack = [expr]
    while stack:
        node = stack.pop()
        kind = type(node)  # exact types: LibCST's classes are final, `isinstance` is slow
        if kind is cst.Name:
            yield node  # type: ignore[misc]
        elif kind is cst.Attribute or kind is cst.Arg or kind is cst.Element:
            stack.append(node.value)  # type: ignore[attr-defined]
        elif kind is cst.Call:
            stack.append(node.func)  # type: ignore[attr-defined]
            stack.extend(arg.value for arg in node.args)  # type: ignore[attr-defined]
        elif kind is cst.Comparison:
            stack.append(node.left)  # type: ignore[attr-defined]
            stack.extend(t.comparator for t in node.comparisons)  # type: ignore[attr-defined]
        elif kind is cst.BinaryOperation or kind is cst.BooleanOperation:
            stack.append(node.left)  # type: ignore[attr-defined]
            stack.append(node.right)  # type: ignore[attr-defined]
        elif kind is cst.UnaryOperation or (
                kind is cst.FormattedStringExpression and not format_specs):
            stack.append(node.expression)  # type: ignore[attr-defined]
        elif kind is cst.Lambda and not lambdas:
            continue
        elif kind not in _LITERALS:
            stack.extend(child_nodes(node))


def _is_trivia_field(field: str) -> bool:
    return field.startswith(("whitespace", "leading_lines", "lines_after", "lpar", "rpar"))
