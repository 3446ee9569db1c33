"""Which code of a helper module a server can run: the module's units and their references.

A print in a module that a stdio server imports corrupts the protocol only if it runs in the
server's process. The project phase decides that from small facts: for a module that writes to
stdout (and only then), its units (import-time code, top-level functions, methods of top-level
classes) and what each refers to by name in the module; for every module, the attribute names
it calls (`helpers.load()`, `tracker.print_summary()`), which is how code reaches a function of
a module it imports as a module, and a method of a class it holds an instance of.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence

import libcst as cst

from fastmcp_preflight.model.context import Frame, is_main_guard
from fastmcp_preflight.model.scopes import Scope, dotted
from fastmcp_preflight.model.walker import Walker

#: Calls that read an answer from the terminal: code that makes them is a terminal program
#: (a setup wizard), since a stdio server's stdin is the JSON-RPC channel.
TERMINAL_READS = frozenset({
    "builtins.input", "getpass.getpass", "click.prompt", "click.confirm", "typer.prompt",
    "typer.confirm", "rich.prompt.Prompt.ask", "rich.prompt.Confirm.ask",
    "rich.prompt.IntPrompt.ask",
})
#: Base classes that call no method of a subclass by name (beyond dunder methods).
INERT_BASES = frozenset({
    "abc.ABC", "typing.Protocol", "typing_extensions.Protocol", "typing.Generic",
    "typing.NamedTuple", "typing.TypedDict", "typing_extensions.TypedDict", "enum.Enum",
    "enum.IntEnum", "enum.StrEnum", "enum.Flag", "enum.IntFlag",
})
_PROPERTIES = frozenset({"property", "cached_property", "setter", "getter", "deleter"})
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ()))


def unit_of(frames: Sequence[Frame]) -> str:
    """The unit a point of the walk belongs to: "" for code that runs at import time (module
    level, class bodies, a module-level lambda), `f` for a top-level function (and all that
    is nested in it), `C.m` for a method of a top-level class, `C` for code nested deeper
    in a top-level class."""
    if not any(type(f.node) is not cst.ClassDef for f in frames):
        return ""
    first = frames[0].node
    if type(first) is cst.FunctionDef:
        return first.name.value
    if type(first) is cst.ClassDef:
        second = frames[1].node
        if type(second) is cst.FunctionDef:
            return f"{first.name.value}.{second.name.value}"
        return first.name.value
    return ""


def called_attribute(func: cst.BaseExpression, scope: Scope) -> str | None:
    """The method or module function name a call `x.name(...)` names, for the project's
    reach of units: None for a dunder, a call on `self`/`cls` (the module's own facts cover
    it) and a call into the standard library."""
    if type(func) is not cst.Attribute:
        return None
    name = func.attr.value
    if name.startswith("__"):
        return None
    root = func.value
    while type(root) is cst.Attribute:
        root = root.value
    if type(root) is cst.Name:
        if root.value in ("self", "cls"):
            return None
        qualified = scope.resolve_name(root.value)
        if qualified is not None and qualified.partition(".")[0] in _STDLIB:
            return None
    return name


def _definitions(body: Sequence[cst.CSTNode]) -> Iterator[cst.FunctionDef | cst.ClassDef]:
    """The functions and classes a block defines at its own level (also inside `if`, `try`,
    `with`, loops and `match`, not inside functions or classes)."""
    for statement in body:
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            yield statement
        elif isinstance(statement, cst.BaseCompoundStatement):
            yield from _nested(statement)


def _nested(node: cst.CSTNode) -> Iterator[cst.FunctionDef | cst.ClassDef]:
    for child in node.children:
        if isinstance(child, cst.IndentedBlock):
            yield from _definitions(child.body)
        elif isinstance(child, (cst.If, cst.Else, cst.ExceptHandler, cst.ExceptStarHandler,
                                cst.Finally, cst.MatchCase)):
            yield from _nested(child)


class _UnitWalker:
    """Walks a module keeping the frames (functions, classes, lambdas) it is in, so that
    each node knows its unit; the `__main__` block of a script is skipped (it runs only
    when the module is run, never when a server imports it).

    Its `visit_X` methods are called as a LibCST visitor's would be (False: skip the
    children), through the model's read-only `Walker`: `CSTNode.visit` rebuilds every node
    it walks, which cost as much as the model's whole walk."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.frames: list[Frame] = []
        self._walker = Walker()
        #: The node types with a `visit_X` method: the walk calls `on_visit` only for them.
        self.wants = frozenset(name[6:] for name in dir(type(self))
                               if name.startswith("visit_"))

    def walk(self, node: cst.CSTNode) -> None:
        self._walker.walk(node, self)

    def on_visit(self, node: cst.CSTNode) -> bool:
        return getattr(self, "visit_" + type(node).__name__)(node) is not False

    def on_leave(self, node: cst.CSTNode) -> None:
        pass

    def on_field(self, node: cst.CSTNode, field: str, entering: bool) -> None:
        pass

    @property
    def unit(self) -> str:
        return unit_of(self.frames)

    def _enter(self, node: cst.FunctionDef | cst.ClassDef | cst.Lambda,
               body: cst.CSTNode) -> None:
        self.frames.append(Frame(node, self.scope))
        self.walk(body)
        self.frames.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        for decorator in node.decorators:
            self.walk(decorator)
        self.walk(node.params)
        self._enter(node, node.body)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        for decorator in node.decorators:
            self.walk(decorator)
        for base in node.bases:
            self.walk(base.value)
        for keyword in node.keywords:
            self.walk(keyword.value)
        self._enter(node, node.body)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        self.walk(node.params)
        self._enter(node, node.body)
        return False

    def visit_If(self, node: cst.If) -> bool:
        if not is_main_guard(node.test):
            return True
        if node.orelse is not None:  # the main block runs only when the module is a script
            self.walk(node.orelse)
        return False


class _Units(_UnitWalker):
    """Collects each unit's references to the module's top-level functions and classes and
    to methods (`self.m`, `cls.m`, `C.m`), and the units that read the terminal."""

    def __init__(self, module: cst.Module, scope: Scope) -> None:
        super().__init__(scope)
        self.top: dict[str, cst.FunctionDef | cst.ClassDef] = {}
        self.methods: dict[str, set[str]] = {}
        for node in _definitions(module.body):
            self.top[node.name.value] = node
        self.units: dict[str, set[str]] = {"": set()}
        self.terminal: set[str] = set()
        for name, node in self.top.items():
            if isinstance(node, cst.FunctionDef):
                self.units[name] = set()
                continue
            methods = {m.name.value: m for m in _definitions(node.body.body)
                       if isinstance(m, cst.FunctionDef)}
            self.methods[name] = set(methods)
            self.units[name] = self._always(node, methods)
            self.units.update((f"{name}.{m}", set()) for m in methods)

    def _always(self, node: cst.ClassDef, methods: dict[str, cst.FunctionDef]) -> set[str]:
        """The methods that run whoever calls them by name: dunder methods, properties, and
        every method of a class whose base may call them (a `logging.Handler`'s `emit`)."""
        external = False
        for base in node.bases:
            if base.keyword is not None:
                continue
            value = base.value
            if type(value) is cst.Subscript:
                value = value.value
            spelled = dotted(value)
            if spelled in self.top:
                continue
            qualified = self.scope.resolve(value) if spelled else None
            if qualified is None or not (qualified in INERT_BASES
                                         or qualified.startswith("builtins.")):
                external = True
        name = node.name.value
        return {f"{name}.{m}" for m, method in methods.items()
                if external or (m.startswith("__") and m.endswith("__"))
                or any(_decorator_name(d) in _PROPERTIES for d in method.decorators)}

    def visit_Annotation(self, node: cst.Annotation) -> bool:
        return False  # annotations run no code

    def visit_Arg(self, node: cst.Arg) -> bool:
        self.walk(node.value)
        return False

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.top:
            self.units[self.unit].add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        receiver = node.value
        if type(receiver) is cst.Name:
            owner = None
            if receiver.value in ("self", "cls") and self.frames:
                first = self.frames[0].node
                owner = first.name.value if type(first) is cst.ClassDef else None
            elif receiver.value in self.methods:
                owner = receiver.value
            if owner is not None and node.attr.value in self.methods.get(owner, ()):
                self.units[self.unit].add(f"{owner}.{node.attr.value}")
        self.walk(receiver)
        return False

    def visit_Call(self, node: cst.Call) -> None:
        if self.frames and self.scope.resolve(node.func) in TERMINAL_READS:
            self.terminal.add(self.unit)


def _decorator_name(decorator: cst.Decorator) -> str:
    spelled = dotted(decorator.decorator) or ""
    return spelled.rpartition(".")[2]


def module_units(module: cst.Module, scope: Scope) -> tuple[dict[str, tuple[str, ...]],
                                                              frozenset[str]]:
    """Each unit of the module (see `unit_of`) with the units and classes it refers to (a
    class `C` refers to its methods that run whoever calls them), and the units that read
    the terminal, directly or through functions of the module they call."""
    collector = _Units(module, scope)
    collector.walk(module)
    units = {unit: tuple(sorted(refs - {unit})) for unit, refs in collector.units.items()}
    terminal = set(collector.terminal) - {""}
    changed = True
    while changed:
        changed = False
        for unit, refs in units.items():
            if unit and unit not in terminal and unit not in collector.methods and any(
                    r in terminal for r in refs):
                terminal.add(unit)
                changed = True
    return units, frozenset(terminal)


class _NameUses(_UnitWalker):
    """The units (see `unit_of`) whose code reads a module-level name."""

    def __init__(self, name: str, scope: Scope) -> None:
        super().__init__(scope)
        self.name = name
        self.units: set[str] = set()

    def visit_AssignTarget(self, node: cst.AssignTarget) -> bool:
        return not isinstance(node.target, cst.Name)  # binding the name is no use of it

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        self.walk(node.value)
        return False  # `x.console` is another object's attribute

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name:
            self.units.add(self.unit)


def units_using(module: cst.Module, name: str, scope: Scope) -> frozenset[str]:
    """The units of a module whose code reads the module-level `name` ("" for import-time
    code; the `__main__` block of a script is not counted)."""
    collector = _NameUses(name, scope)
    collector.walk(module)
    return frozenset(collector.units)
