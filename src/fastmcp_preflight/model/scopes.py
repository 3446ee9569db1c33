"""Name bindings per scope, so that `t.sleep`, `sleep` and `nap` all resolve to `time.sleep`.

A light stand-in for LibCST's ScopeProvider/QualifiedNameProvider: it records what each
module, class, function and lambda binds (imports with their dotted targets, definitions,
assignments, parameters), and resolves a name by Python's rules (class bodies are not seen
from the functions inside them; `global` names live in the module).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from typing import Literal

import libcst as cst

BindingKind = Literal["import", "module", "def", "class", "assign", "param", "other"]


@dataclass
class Binding:
    """One way a name is bound in a scope.

    `qualified` is the dotted name an import refers to (`time.sleep`); `value` is the assigned
    expression of a plain assignment, `node` the statement, definition or parameter.
    """

    name: str
    kind: BindingKind
    node: cst.CSTNode
    value: cst.BaseExpression | None = None
    qualified: str | None = None


@dataclass(eq=False)
class Scope:
    """A module, class, function or lambda body and the names it binds."""

    kind: Literal["module", "class", "function", "lambda"]
    node: cst.CSTNode
    parent: Scope | None
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    globals: set[str] = field(default_factory=set)

    def bind(self, binding: Binding) -> None:
        if binding.name in self.globals and self.parent is not None:
            self.module().bind(binding)
            return
        self.bindings.setdefault(binding.name, []).append(binding)

    def module(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def lookup(self, name: str) -> tuple[Scope, list[Binding]] | None:
        """The scope that binds `name` as seen from here, and its bindings there."""
        scope: Scope | None = self
        if name in self.globals:
            scope = self.module()
        first = True
        while scope is not None:
            if (first or scope.kind != "class") and name in scope.bindings:
                return scope, scope.bindings[name]
            first = False
            scope = scope.parent
        return None

    def resolve_name(self, name: str) -> str | None:
        """The dotted name `name` refers to, or None if it is a local value.

        Imports resolve to their targets, unbound builtins to `builtins.X`; a name that the
        scope also binds in any other way (a local `def sleep`) is local.
        """
        found = self.lookup(name)
        if found is None:
            return f"builtins.{name}" if hasattr(builtins, name) else None
        bindings = found[1]
        if all(b.kind in ("import", "module") for b in bindings):
            return bindings[0].qualified
        return None

    def resolve(self, expr: cst.BaseExpression) -> str | None:
        """The dotted name of a `Name` or `a.b.c` attribute chain, through imports.

        (Exact type checks here and in `dotted`: both run for most calls of a file, and an
        `isinstance` on LibCST's node classes goes through an ABC check.)
        """
        if type(expr) is cst.Name:
            return self.resolve_name(expr.value)
        if type(expr) is cst.Attribute:
            base = self.resolve(expr.value)
            return None if base is None else f"{base}.{expr.attr.value}"
        return None


def dotted(expr: cst.BaseExpression) -> str | None:
    """`a.b.c` spelled out for a Name/Attribute chain, else None."""
    if type(expr) is cst.Name:
        return expr.value
    if type(expr) is cst.Attribute:
        base = dotted(expr.value)
        return None if base is None else f"{base}.{expr.attr.value}"
    return None


def absolute_module(
    relative: int, module: cst.Attribute | cst.Name | None, package: str | None
) -> str:
    """The absolute module of `from ..x import y` given the importing file's package."""
    name = dotted(module) if module is not None else None
    if not relative:
        return name or ""
    parts = package.split(".") if package else []
    if relative > 1:
        parts = parts[: len(parts) - (relative - 1)] if len(parts) >= relative - 1 else []
    base = ".".join(parts) if parts else "." * relative
    if name:
        return f"{base}.{name}" if parts else f"{base}{name}"
    return base


def bind_import(scope: Scope, node: cst.Import | cst.ImportFrom, package: str | None) -> None:
    """Record the names an import statement binds."""
    if isinstance(node, cst.Import):
        for alias in node.names:
            full = dotted(alias.name) or ""
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                scope.bind(Binding(alias.asname.name.value, "module", node, qualified=full))
            else:
                top = full.split(".")[0]
                scope.bind(Binding(top, "module", node, qualified=top))
        return
    if isinstance(node.names, cst.ImportStar):
        return
    base = absolute_module(len(node.relative), node.module, package)
    for alias in node.names:
        imported = dotted(alias.name) or ""
        local = imported
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            local = alias.asname.name.value
        joiner = "" if base.endswith(".") else "."
        scope.bind(Binding(local, "import", node, qualified=f"{base}{joiner}{imported}"))


def bind_target(scope: Scope, target: cst.BaseExpression, node: cst.CSTNode,
                value: cst.BaseExpression | None, kind: BindingKind = "assign") -> None:
    """Record the names an assignment target binds (through tuples, lists and stars)."""
    if isinstance(target, cst.Name):
        scope.bind(Binding(target.value, kind, node, value=value))
    elif isinstance(target, (cst.Tuple, cst.List)):
        values: list[cst.BaseExpression | None] = [None] * len(target.elements)
        if isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == len(values):
            values = [element.value for element in value.elements]
        for element, element_value in zip(target.elements, values, strict=True):
            bind_target(scope, element.value, node, element_value, kind)
    elif isinstance(target, cst.StarredElement):
        bind_target(scope, target.value, node, None, kind)


def bind_parameters(scope: Scope, params: cst.Parameters) -> None:
    """Record a function's or lambda's parameters in its scope."""
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            every.append(star)
    for param in every:
        scope.bind(Binding(param.name.value, "param", param))


def qualname(scope: Scope) -> str:
    """Python's `__qualname__` prefix of what a scope binds: `Host`, `build.<locals>`."""
    parts: list[str] = []
    current: Scope | None = scope
    while current is not None and current.kind != "module":
        node = current.node
        label = (node.name.value if isinstance(node, (cst.FunctionDef, cst.ClassDef))
                 else "<lambda>")
        parts.append(label if current.kind == "class" else f"{label}.<locals>")
        current = current.parent
    return ".".join(reversed(parts))
