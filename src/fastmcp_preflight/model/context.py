"""Where the walk is: which function, which scope, and which contexts are open.

The same tracker drives the model's pass and the rules' pass, so "in an async function",
"at import time", "under the main guard", "under TYPE_CHECKING" and "holding a lock" mean
exactly the same thing to the model and to every rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from fastmcp_preflight.model.scopes import Scope, bind_parameters, dotted

FunctionNode = cst.FunctionDef | cst.Lambda


@dataclass
class Frame:
    """A function, lambda or class body being walked."""

    node: cst.FunctionDef | cst.Lambda | cst.ClassDef
    scope: Scope


def is_main_guard(test: cst.BaseExpression) -> bool:
    """`__name__ == "__main__"`, either way round."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    target = test.comparisons[0]
    if not isinstance(target.operator, cst.Equal):
        return False
    sides = {_plain(test.left), _plain(target.comparator)}
    return sides == {"__name__", "'__main__'"}


def _plain(expr: cst.BaseExpression) -> str | None:
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.SimpleString):
        return "'" + expr.evaluated_value + "'" if isinstance(expr.evaluated_value, str) else None
    return None


def is_type_checking(test: cst.BaseExpression) -> bool:
    """`TYPE_CHECKING` or `typing.TYPE_CHECKING` (any module prefix)."""
    name = dotted(test)
    return name is not None and name.split(".")[-1] == "TYPE_CHECKING"


_SHIM_ERRORS = frozenset({"ImportError", "ModuleNotFoundError"})


def is_import_shim(node: cst.Try) -> bool:
    """`try: ... except ImportError:` (or `ModuleNotFoundError`, also in a tuple)."""
    for handler in node.handlers:
        kinds = handler.type
        items = ([e.value for e in kinds.elements] if isinstance(kinds, cst.Tuple)
                 else [kinds] if kinds is not None else [])
        if any((dotted(item) or "").rsplit(".", 1)[-1] in _SHIM_ERRORS for item in items):
            return True
    return False




def is_lock(expr: cst.BaseExpression) -> bool:
    """A `with` item whose name or attribute ends in `lock` (`self._lock`, `LOCK`, `Lock()`)."""
    while isinstance(expr, cst.Call):
        expr = expr.func
    if isinstance(expr, cst.Attribute):
        return expr.attr.value.lower().endswith("lock")
    if isinstance(expr, cst.Name):
        return expr.value.lower().endswith("lock")
    return False


@dataclass
class Tracker:
    """The open contexts at the current point of a walk.

    `scopes` maps each body-owning node to its Scope: the model's pass creates them, the
    rules' pass finds them again.
    """

    module_scope: Scope
    scopes: dict[cst.CSTNode, Scope]
    create_scopes: bool = False
    frames: list[Frame] = field(default_factory=list)
    main_guard: int = 0
    type_checking: int = 0
    locks: int = 0
    _if_flags: list[tuple[bool, bool]] = field(default_factory=list)
    _with_flags: list[bool] = field(default_factory=list)

    @property
    def scope(self) -> Scope:
        """The scope names are looked up in here."""
        return self.frames[-1].scope if self.frames else self.module_scope

    @property
    def function(self) -> FunctionNode | None:
        """The innermost function or lambda whose body this is, if any."""
        for frame in reversed(self.frames):  # a frame is a function, a lambda or a class
            if type(frame.node) is not cst.ClassDef:
                return frame.node  # type: ignore[return-value]
        return None

    @property
    def functions(self) -> list[FunctionNode]:
        """Every enclosing function or lambda, outermost first."""
        return [f.node for f in self.frames if isinstance(f.node, (cst.FunctionDef, cst.Lambda))]

    @property
    def in_async(self) -> bool:
        """In the body of an `async def`, not in a nested def, lambda or class body."""
        if not self.frames:
            return False
        node = self.frames[-1].node
        return isinstance(node, cst.FunctionDef) and node.asynchronous is not None

    @property
    def at_import_time(self) -> bool:
        """Runs on import: module or class body, not in a function, not under the main guard."""
        return self.function is None and self.main_guard == 0

    @property
    def in_main_guard(self) -> bool:
        return self.main_guard > 0

    @property
    def in_type_checking(self) -> bool:
        return self.type_checking > 0

    @property
    def in_lock(self) -> bool:
        return self.locks > 0

    def on_field(self, node: cst.CSTNode, field_name: str, entering: bool) -> None:
        # exact types: LibCST's node classes are final, and isinstance on them is slow
        if type(node) is cst.FunctionDef or type(node) is cst.Lambda or type(
                node) is cst.ClassDef:
            if entering:
                self._push(node)
            else:
                self.frames.pop()
        elif type(node) is cst.If:
            if field_name == "body":
                if entering:
                    flags = (is_main_guard(node.test), is_type_checking(node.test))
                    self._if_flags.append(flags)
                    self.main_guard += flags[0]
                    self.type_checking += flags[1]
                else:
                    main, checking = self._if_flags.pop()
                    self.main_guard -= main
                    self.type_checking -= checking
        elif type(node) is cst.With:
            if entering:
                locked = any(is_lock(item.item) for item in node.items)
                self._with_flags.append(locked)
                self.locks += locked
            else:
                self.locks -= self._with_flags.pop()

    def _push(self, node: cst.FunctionDef | cst.Lambda | cst.ClassDef) -> None:
        scope = self.scopes.get(node)
        if scope is None:
            if isinstance(node, cst.ClassDef):
                scope = Scope("class", node, self.scope)
            elif isinstance(node, cst.Lambda):
                scope = Scope("lambda", node, self.scope)
            else:
                scope = Scope("function", node, self.scope)
            if self.create_scopes:
                self.scopes[node] = scope
                if not isinstance(node, cst.ClassDef):
                    bind_parameters(scope, node.params)
        self.frames.append(Frame(node, scope))
