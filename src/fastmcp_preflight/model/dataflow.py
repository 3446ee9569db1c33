"""Tool input inside a tool function: which values derive from its parameters, which are checked.

The FML9xx rules ask one question of a sink call: does a value that the model chose (a tool
parameter) reach it unchecked? RULES.md defines "derived from tool input" and "guarded"; this
module answers for the tool functions of one file, with a small data flow over local names in
one function (never across functions), so every rule gets the same answer and none re-walks
the function.

It is built in the model's single walk: `FlowCollector` records, per function body and in
source order, the few nodes that matter (assignments, augmented assignments, walrus, `for` and
`with` targets, calls, comparisons) and the block each sits in. `Flows.build` then replays the
record of each tool function once. A name assigned a clean value stops being derived for the
code that assignment dominates (same block, or a block nested in it); an assignment in one
branch of an `if` leaves the name derived after the `if` when another path keeps it derived.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import libcst as cst

from fastmcp_preflight.model.scopes import Scope, dotted
from fastmcp_preflight.model.walker import mentioned_names

#: Calls whose result is derived when one of their arguments is (RULES.md's list; the other
#: concrete `pathlib` classes behave as `Path` does).
DERIVING_CALLS = frozenset({
    "builtins.str", "os.path.join", "urllib.parse.urljoin", "pathlib.Path", "pathlib.PurePath",
    "pathlib.PosixPath", "pathlib.WindowsPath", "pathlib.PurePosixPath",
    "pathlib.PureWindowsPath", "anyio.Path",
    # The folder, or the same path made absolute, still names what the input chose
    # (`os.path.basename` keeps only a file name, and is not among them).
    "os.path.dirname", "os.path.abspath", "os.path.normpath", "os.path.expanduser",
    "os.path.realpath",
})
#: Deriving calls whose result is a path object (FML902's path methods need one).
PATH_CALLS = frozenset({
    "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.WindowsPath",
    "pathlib.PurePosixPath", "pathlib.PureWindowsPath", "anyio.Path",
})
#: Methods that check a value (a containment or prefix test) wherever they are called.
GUARD_METHODS = frozenset({"startswith", "is_relative_to", "relative_to"})
GUARD_FUNCTIONS = frozenset({"os.path.commonpath"})
#: A call of a function whose name contains one of these checks what it is given.
GUARD_WORDS = ("allow", "safe", "valid", "check", "ensure", "verify", "sanitiz")
#: Calls whose names contain a guard word but that are sinks, not checks.
NOT_GUARDS = frozenset({"subprocess.check_call", "subprocess.check_output"})
_GUARD_OPERATORS = (cst.In, cst.NotIn, cst.Equal, cst.NotEqual)
_GUARD_WORD = re.compile("|".join(GUARD_WORDS), re.IGNORECASE)

#: What the walk records at the end of the node (after its value is evaluated) ...
_ON_LEAVE = frozenset({cst.Assign, cst.AnnAssign, cst.AugAssign, cst.NamedExpr, cst.WithItem,
                       cst.Call, cst.Comparison, cst.Return})
#: ... and the statements whose bodies are blocks that may not run (the `for` target is
#: bound inside its loop's block, at the start).
_BLOCKS = frozenset({cst.For, cst.While, cst.ExceptHandler, cst.MatchCase})


class Block:
    """A body that runs only on some paths (an `if` branch, a loop, an `except`, a `case`)."""

    __slots__ = ("parent",)

    def __init__(self, parent: Block | None) -> None:
        self.parent = parent


def _dominates(block: Block | None, use: Block | None) -> bool:
    """Whether code in `block` runs on every path to code in `use` (it encloses it)."""
    while use is not None:
        if use is block:
            return True
        use = use.parent
    return block is None


_Event = tuple[cst.CSTNode, "Block | None"]


class FlowCollector:
    """Hooked into the model's walk: records, per function, what `Flows.build` replays.

    Only nodes in `def` bodies are recorded (not a lambda's or a class body's); it keeps its
    own stack of the bodies it is in, so the walk pays for no lookup on the nodes it skips.
    """

    def __init__(self) -> None:
        self.events: dict[cst.FunctionDef, list[_Event]] = {}
        #: Expressions whose value a statement throws away (`compile(src)` on its own line).
        self.discarded: set[cst.BaseExpression] = set()
        self._blocks: list[Block | None] = [None]
        self._events: list[list[_Event] | None] = [None]

    def on_field(self, node: cst.CSTNode, field_name: str, entering: bool) -> None:
        """A body (function, lambda, class) starts a fresh root block; an `if` body or
        `else` a nested one."""
        kind = type(node)  # exact types: LibCST's classes are final, `isinstance` is slow
        if kind is cst.If:
            if entering:
                self._blocks.append(Block(self._blocks[-1]))
            else:
                self._blocks.pop()
        elif kind is cst.FunctionDef or kind is cst.Lambda or kind is cst.ClassDef:
            if entering:
                self._blocks.append(Block(None))
                self._events.append(self.events.setdefault(node, [])
                                    if type(node) is cst.FunctionDef else None)
            else:
                self._blocks.pop()
                self._events.pop()

    def on_visit(self, node: cst.CSTNode) -> None:
        kind = type(node)
        if kind in _BLOCKS:
            self._blocks.append(Block(self._blocks[-1]))
            events = self._events[-1]
            if kind is cst.For and events is not None:
                events.append((node, self._blocks[-1]))
        elif type(node) is cst.Expr and self._events[-1] is not None:
            self.discarded.add(node.value)

    def on_leave(self, node: cst.CSTNode) -> None:
        kind = type(node)
        if kind in _ON_LEAVE:
            events = self._events[-1]
            if events is not None:
                events.append((node, self._blocks[-1]))
        elif kind in _BLOCKS:
            self._blocks.pop()


@dataclass(frozen=True)
class Taint:
    """How a value derives from tool input, for a rule's decision and its message.

    `parameters` are the tool parameters it comes from, in the order they appear; `through`
    is the local name it reached the sink through (None when the sink is given the parameter,
    or an expression of it, directly) and `assigned` the statement that assigned that name.
    `leading` are the parameters the value begins with, empty when it begins with something
    else (the parameter itself, an f-string or `+` whose first part begins with one, `urljoin`
    of such a base): what FML903 needs for the scheme and host of a URL. `built`
    says it is string building (an f-string, `+`, `%` or `.format(...)`) that contains tool
    input: what FML905 needs for SQL text. `path` says it is a path object (built by
    `Path(...)`, the `/` operator, a path method or attribute, or a parameter annotated as a
    path), not a plain string: what FML902's path methods need.
    """

    parameters: tuple[str, ...]
    through: str | None = None
    assigned: cst.CSTNode | None = None
    leading: tuple[str, ...] = ()
    built: bool = False
    path: bool = False
    #: When not empty, the value is derived only if one of these calls of what may be a
    #: project function returns a value derived from its derived arguments (RULES.md: "a
    #: project function that returns a value derived from a derived argument"); the
    #: project phase decides.
    via: tuple[cst.Call, ...] = ()

    @property
    def parameter(self) -> str:
        return self.parameters[0]

    @property
    def starts(self) -> bool:
        """Whether the value begins with tool input."""
        return bool(self.leading)

    @property
    def flags(self) -> str:
        """What the value is, as the project summaries say it: `s` it begins with tool
        input, `b` string building, `p` a path object."""
        return ("s" if self.leading else "") + ("b" if self.built else "") + (
            "p" if self.path else "")

    def head(self) -> Taint:
        """The same value seen only through the parameters it begins with (what a URL's
        scheme and host come from)."""
        return Taint(self.leading or self.parameters, self.through, self.assigned, self.leading,
                     self.built, self.path, self.via)

    def reaches(self, sink: str, line_of: Callable[[cst.CSTNode], int]) -> str:
        """The start of a message: "tool parameter `p` reaches `open()` through `x` (line 12)".

        `line_of` gives the line of the assignment; it is asked only when the message names
        a local name (not when the sink is given the parameter, or the parameter reassigned).
        """
        names = ", ".join(f"`{name}`" for name in self.parameters)
        who = (f"tool parameter {names} reaches" if len(self.parameters) == 1
               else f"tool parameters {names} reach")
        if self.through is None or self.through in self.parameters or self.assigned is None:
            return f"{who} {sink}"
        return f"{who} {sink} through `{self.through}` (line {line_of(self.assigned)})"


def _union(groups: Iterable[Iterable[str]]) -> tuple[str, ...]:
    found: list[str] = []
    for group in groups:
        found.extend(name for name in group if name not in found)
    return tuple(found)


def _merge(taints: Sequence[Taint | None], *, leading: Taint | tuple[str, ...] | None,
           built: bool, path: bool = False) -> Taint | None:
    """One taint for a value made of several parts (the first derived part names it);
    `leading` is the part it begins with, or the parameters it begins with."""
    found = [t for t in taints if t is not None]
    if not found:
        return None
    first = found[0]
    if not isinstance(leading, tuple):
        leading = leading.leading if leading is not None else ()
    via: tuple[cst.Call, ...] = ()
    if all(t.via for t in found):
        via = tuple(dict.fromkeys(call for t in found for call in t.via))
    return Taint(_union(t.parameters for t in found), first.through, first.assigned, leading,
                 built, path, via)


def call_label(call: cst.Call, resolved: str | None) -> str:
    """How a message names a called function: `subprocess.run`, `open`, `cursor.execute`,
    `.read_text` (a method of an expression too long to repeat)."""
    if resolved:
        return resolved.removeprefix("builtins.")
    func = call.func
    spelled = dotted(func)
    if spelled is not None and len(spelled) <= 40:
        return spelled
    return "." + func.attr.value if isinstance(func, cst.Attribute) else "call"


def call_name(call: cst.Call) -> str | None:
    """The name a call is spelled with at its end: `f` of `f(x)`, `m` of `obj.m(x)`."""
    func = call.func
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


#: Calls that run the function they are given in a worker thread, and how many arguments
#: come before that function's own (`asyncio.to_thread(f, x)`: 1; `loop.run_in_executor(
#: None, f, x)`: 2, matched by the method name).
OFFLOADS = {"asyncio.to_thread": 1, "anyio.to_thread.run_sync": 1,
            "starlette.concurrency.run_in_threadpool": 1,
            "fastapi.concurrency.run_in_threadpool": 1}
_STDLIB = frozenset(sys.stdlib_module_names) | {"builtins"}


def project_call(call: cst.Call, scope: Scope, package: str | None = None
                 ) -> tuple[cst.BaseExpression, int] | None:
    """What a call runs when that may be a function of the project (RULES.md, "through the
    project"): the callee expression and how many of the call's leading arguments are not
    the callee's own (an offloaded `asyncio.to_thread(f, x)`, `run_in_executor(None, f,
    x)`). None for the standard library, builtins, methods of values the file cannot name
    (`client.get(...)`), and, in a file of package `package`, for imports from other
    top-level packages (third-party libraries) and methods of module-level objects built
    by one (`logger = logging.getLogger()`)."""
    func = call.func
    resolved = scope.resolve(func)
    shift = OFFLOADS.get(resolved or "", 0)
    if not shift and type(func) is cst.Attribute and func.attr.value == "run_in_executor":
        shift = 2
    if shift:
        if len(call.args) < shift or call.args[shift - 1].keyword or call.args[shift - 1].star:
            return None
        func = call.args[shift - 1].value
        resolved = scope.resolve(func)
    if resolved is not None:
        return (func, shift) if _own(resolved, package) else None
    if type(func) is cst.Name:
        found = scope.lookup(func.value)
        return (func, shift) if found is not None and any(
            b.kind in ("def", "class") for b in found[1]) else None
    if type(func) is cst.Attribute and type(func.value) is cst.Name:
        if func.value.value in ("self", "cls"):
            return func, shift
        found = scope.lookup(func.value.value)
        if found is not None and found[0].kind == "module" and not any(
                type(b.value) is cst.Call and (made := scope.resolve(b.value.func)) is not None
                and not _own(made, package) for b in found[1]):
            return func, shift
    return None


def _own(resolved: str, package: str | None) -> bool:
    """Whether an imported name may be the project's: not the standard library's, and of
    the file's own top-level package when it has one."""
    top = resolved.partition(".")[0]
    if top in _STDLIB:
        return False
    return package is None or top == package.partition(".")[0]


def call_arguments(call: cst.Call, shift: int) -> Iterator[tuple[str, cst.BaseExpression]]:
    """The arguments a call gives its callee, by key: the position among the callee's own
    positional arguments (as a string), or the keyword. `*args`/`**kwargs` are left out."""
    position = 0
    for index, arg in enumerate(call.args):
        if arg.star:
            if arg.star == "*":
                return  # the positions of what follows are unknown
            continue
        if arg.keyword is not None:
            yield arg.keyword.value, arg.value
        elif index >= shift:
            yield str(position), arg.value
            position += 1


@dataclass
class _Definition:
    seq: int
    block: Block | None
    taint: Taint | None


class FunctionFlow:
    """The replayed record of one tool function: names' definitions and guards, in order."""

    def __init__(self, events: Sequence[_Event], parameters: Iterable[str],
                 scope: Scope, paths: frozenset[str] = frozenset(),
                 package: str | None = None) -> None:
        self.scope = scope
        self.package = package
        self.parameters = {name: Taint((name,), leading=(name,), path=name in paths)
                           for name in parameters}
        self.definitions: dict[str, list[_Definition]] = {}
        self.guards: list[tuple[int, frozenset[str]]] = []
        #: The node of each guard (a check call, a comparison) and the parameters it checks.
        self.guard_nodes: dict[cst.CSTNode, frozenset[str]] = {}
        self.calls: dict[cst.Call, tuple[int, Block | None]] = {}
        #: Calls of what may be project functions, with their callee and offload shift.
        self.project_calls: dict[cst.Call, tuple[cst.BaseExpression, int]] = {}
        #: The taints of the values its `return` statements give back.
        self.returns: list[Taint] = []
        for seq, (node, block) in enumerate(events):
            kind = type(node)  # exact types: LibCST's classes are final, `isinstance` is slow
            if kind is cst.Call:
                assert isinstance(node, cst.Call)
                self.calls[node] = (seq, block)
                target = project_call(node, scope, package)
                if target is not None:
                    self.project_calls[node] = target
                if self._is_guard_call(node):
                    operands: list[cst.CSTNode] = [arg.value for arg in node.args]
                    if isinstance(node.func, cst.Attribute):
                        operands.append(node.func.value)
                    self._guard(node, operands, seq, block)
            elif kind is cst.Comparison:
                assert isinstance(node, cst.Comparison)
                if any(isinstance(target.operator, _GUARD_OPERATORS)
                       for target in node.comparisons):
                    self._guard(node, [node], seq, block)
            elif kind is cst.Return:
                assert isinstance(node, cst.Return)
                if node.value is not None:
                    taint = self.taint(node.value, seq, block)
                    left = None if taint is None else self.unchecked(taint, seq)
                    if left is not None:
                        self.returns.append(left)
            else:
                self._assign(node, seq, block)

    # -- recording ----------------------------------------------------------------------------

    def _is_guard_call(self, call: cst.Call) -> bool:
        name = call_name(call)
        if name is None:
            return False
        if type(call.func) is cst.Attribute and name in GUARD_METHODS:
            return True
        if _GUARD_WORD.search(name) is None and name != "commonpath":
            return False  # most calls: no need to resolve them
        resolved = self.scope.resolve(call.func)
        if resolved in GUARD_FUNCTIONS:
            return True
        return resolved not in NOT_GUARDS and _GUARD_WORD.search(name) is not None

    def _guard(self, node: cst.CSTNode, operands: Sequence[cst.CSTNode], seq: int,
               block: Block | None) -> None:
        parameters: set[str] = set()
        for operand in operands:
            for name in mentioned_names(operand):
                taint = self._name(name.value, seq, block)
                if taint is not None:
                    parameters.update(taint.parameters)
        if parameters:
            self.guards.append((seq, frozenset(parameters)))
            self.guard_nodes[node] = frozenset(parameters)

    def _assign(self, node: cst.CSTNode, seq: int, block: Block | None) -> None:
        if isinstance(node, cst.Assign):
            taint = self.taint(node.value, seq, block)
            for target in node.targets:
                self._bind(target.target, node.value, taint, node, seq, block)
        elif isinstance(node, (cst.AnnAssign, cst.NamedExpr)):
            if node.value is not None:
                self._bind(node.target, node.value, self.taint(node.value, seq, block), node,
                           seq, block)
        elif isinstance(node, cst.AugAssign):
            if isinstance(node.target, cst.Name):
                self._augment(node, node.target.value, seq, block)
        elif isinstance(node, cst.For):
            self._bind(node.target, None, self.taint(node.iter, seq, block), node, seq, block)
        elif isinstance(node, cst.WithItem) and node.asname is not None:
            self._bind(node.asname.name, None, self.taint(node.item, seq, block), node, seq,
                       block)

    def _augment(self, node: cst.AugAssign, name: str, seq: int, block: Block | None) -> None:
        """`+=` and `%=` build a string, `/=` a path; other operators keep what the name had."""
        operator = node.operator
        if not isinstance(operator, (cst.AddAssign, cst.ModuloAssign, cst.DivideAssign)):
            return
        before = self._name(name, seq, block)
        added = self.taint(node.value, seq, block)
        built = not isinstance(operator, cst.DivideAssign) or (before is not None
                                                                and before.built)
        path = isinstance(operator, cst.DivideAssign) or (before is not None and before.path)
        self._define(name, _merge([before, added], leading=before, built=built, path=path),
                     node, seq, block)

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression | None,
              taint: Taint | None, node: cst.CSTNode, seq: int, block: Block | None) -> None:
        if isinstance(target, cst.Name):
            self._define(target.value, taint, node, seq, block)
        elif isinstance(target, (cst.Tuple, cst.List)):
            values: list[cst.BaseExpression | None] = [None] * len(target.elements)
            if isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == len(values):
                values = [element.value for element in value.elements]
            for element, element_value in zip(target.elements, values, strict=True):
                part = (self.taint(element_value, seq, block) if element_value is not None
                        else taint)
                self._bind(element.value, element_value, part, node, seq, block)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value, None, taint, node, seq, block)

    def _define(self, name: str, taint: Taint | None, node: cst.CSTNode, seq: int,
                block: Block | None) -> None:
        if taint is not None:
            taint = Taint(taint.parameters, name, node, taint.leading, taint.built, taint.path,
                          taint.via)
        self.definitions.setdefault(name, []).append(_Definition(seq, block, taint))

    # -- queries ------------------------------------------------------------------------------

    def _name(self, name: str, seq: int, block: Block | None) -> Taint | None:
        """What `name` holds at event `seq` in `block`: the derived definitions that may reach
        it, back to the latest one that always runs before it (or the parameter)."""
        reaching: list[Taint] = []
        dominated = False
        for definition in reversed(self.definitions.get(name, ())):
            if definition.seq >= seq:
                continue
            if definition.taint is not None:
                reaching.append(definition.taint)
            if _dominates(definition.block, block):
                dominated = True
                break
        if not dominated and name in self.parameters:
            reaching.append(self.parameters[name])
        if not reaching:
            return None
        return _merge(reaching, leading=_union(t.leading for t in reaching),
                      built=any(t.built for t in reaching), path=any(t.path for t in reaching))

    def taint(self, expr: cst.BaseExpression, seq: int, block: Block | None) -> Taint | None:
        """The taint of `expr` evaluated at event `seq` (RULES.md, "derived from tool input")."""
        if isinstance(expr, cst.Name):
            return self._name(expr.value, seq, block)
        if isinstance(expr, (cst.Attribute, cst.Subscript)):
            inner = self.taint(expr.value, seq, block)
            return None if inner is None else _merge(
                [inner], leading=inner, built=False,
                path=inner.path and isinstance(expr, cst.Attribute))
        if isinstance(expr, cst.FormattedString):
            return self._fstring(expr, seq, block)
        if isinstance(expr, cst.ConcatenatedString):
            left = self.taint(expr.left, seq, block)
            right = self.taint(expr.right, seq, block)
            return _merge([left, right], leading=left, built=True)
        if isinstance(expr, cst.BinaryOperation):
            operator = expr.operator
            if not isinstance(operator, (cst.Add, cst.Modulo, cst.Divide)):
                return None
            first = self.taint(expr.left, seq, block)
            second = expr.right
            if isinstance(operator, cst.Modulo) and isinstance(second, (cst.Tuple, cst.Dict)):
                items = [e.value for e in second.elements
                         if isinstance(e, (cst.Element, cst.DictElement))]
                parts = [first, *(self.taint(item, seq, block) for item in items)]
            else:
                parts = [first, self.taint(second, seq, block)]
            divide = isinstance(operator, cst.Divide)
            return _merge(parts, leading=first, built=not divide, path=divide)
        if isinstance(expr, cst.Call):
            return self._call(expr, seq, block)
        return None

    def _fstring(self, expr: cst.FormattedString, seq: int,
                 block: Block | None) -> Taint | None:
        parts: list[Taint | None] = []
        for part in expr.parts:
            if isinstance(part, cst.FormattedStringExpression):
                parts.append(self.taint(part.expression, seq, block))
                nested = part.format_spec or ()
                parts.extend(self.taint(p.expression, seq, block) for p in nested
                             if isinstance(p, cst.FormattedStringExpression))
            elif isinstance(part, cst.FormattedStringText) and part.value:
                parts.append(None)
        first = parts[0] if parts else None
        return _merge(parts, leading=first, built=True)

    def _call(self, call: cst.Call, seq: int, block: Block | None) -> Taint | None:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "format":
            receiver = self.taint(func.value, seq, block)
            parts = [receiver, *(self.taint(arg.value, seq, block) for arg in call.args)]
            return _merge(parts, leading=receiver, built=True)
        resolved = self.scope.resolve(func)
        if resolved in DERIVING_CALLS:
            parts = [self.taint(arg.value, seq, block) for arg in call.args]
            return _merge(parts, leading=parts[0] if parts else None, built=False,
                          path=resolved in PATH_CALLS)
        if isinstance(func, cst.Attribute) and resolved is None:
            receiver = self.taint(func.value, seq, block)
            if receiver is not None:
                return _merge([receiver], leading=receiver, built=False, path=receiver.path)
        target = self.project_calls.get(call) if call in self.calls else project_call(
            call, self.scope, self.package)
        if target is None:
            return None
        found = _merge([self.taint(value, seq, block)
                        for _, value in call_arguments(call, target[1])],
                       leading=None, built=False)
        if found is None:
            return None
        # derived only if the project function returns a value derived from these; what it
        # begins with is not known
        return Taint(found.parameters, found.through, found.assigned, via=(call,))

    def unchecked(self, taint: Taint, seq: int) -> Taint | None:
        """`taint` narrowed to the parameters that no check before `seq` mentions a value
        from; None when every one of them is checked (the sink is guarded)."""
        checked: set[str] = set()
        for guard_seq, guard in self.guards:
            if guard_seq < seq:
                checked |= guard
        left = tuple(name for name in taint.parameters if name not in checked)
        if not left:
            return None
        return Taint(left, taint.through, taint.assigned,
                     tuple(name for name in taint.leading if name in left), taint.built,
                     taint.path, taint.via)


class Flows:
    """The data flow of every tool function of a file, asked by the call a sink is."""

    def __init__(self) -> None:
        self._by_call: dict[cst.Call, FunctionFlow] = {}
        self._by_function: dict[cst.FunctionDef, FunctionFlow] = {}
        self._discarded: frozenset[cst.BaseExpression] = frozenset()

    @classmethod
    def build(cls, collector: FlowCollector,
              functions: Iterable[tuple[cst.FunctionDef, Scope, Sequence[str]]],
              paths: dict[cst.FunctionDef, frozenset[str]] | None = None,
              package: str | None = None) -> Flows:
        """Replay the record of each (tool function, its scope, its parameters' names);
        `paths` names, per function, the parameters that are path objects; `package` is the
        file's (see `project_call`)."""
        flows = cls()
        for function, scope, parameters in functions:
            events = collector.events.get(function)
            if not events or not parameters:
                continue
            flow = FunctionFlow(events, parameters, scope,
                                (paths or {}).get(function, frozenset()), package)
            flows._by_function[function] = flow
            for call in flow.calls:
                flows._by_call[call] = flow
        if flows._by_call:
            flows._discarded = frozenset(c for c in collector.discarded if c in flows._by_call)
        return flows

    def calls(self, function: cst.FunctionDef) -> tuple[cst.Call, ...]:
        """The calls in the own body of a tool function with parameters, in source order
        (a call ends before the calls around it), for sinks to be looked for among."""
        flow = self._by_function.get(function)
        return () if flow is None else tuple(flow.calls)

    def project_call(self, call: cst.Call) -> tuple[cst.BaseExpression, int] | None:
        """For a call in a tool's own body of what may be a project function: the callee
        expression and how many leading arguments are not its own (see `project_call`)."""
        flow = self._by_call.get(call)
        return None if flow is None else flow.project_calls.get(call)

    def project_call_index(self, call: cst.Call) -> int:
        """A call's place among the calls of what may be project functions in its tool's
        own body (the project summaries name it so)."""
        flow = self._by_call[call]
        return list(flow.project_calls).index(call)

    def project_calls_before(self, at: cst.Call) -> list[cst.Call]:
        """The calls of what may be project functions made in the tool before the call
        `at` (a guard helper's call guards what it is given)."""
        flow = self._by_call.get(at)
        if flow is None:
            return []
        seq = flow.calls[at][0]
        return [call for call in flow.project_calls if flow.calls[call][0] < seq]

    def discarded(self, call: cst.Call) -> bool:
        """Whether a statement throws the call's result away (`compile(source)` alone)."""
        return call in self._discarded

    def taint_of(self, expr: cst.BaseExpression, at: cst.Call) -> Taint | None:
        """How `expr`, evaluated where the call `at` is, derives from the tool's input; None
        when it does not, or when `at` is not in the body of a tool function."""
        flow = self._by_call.get(at)
        if flow is None:
            return None
        seq, block = flow.calls[at]
        return flow.taint(expr, seq, block)

    def unchecked(self, taint: Taint, at: cst.Call) -> Taint | None:
        """`taint` narrowed to the parameters no check before the call `at` covers."""
        flow = self._by_call.get(at)
        return taint if flow is None else flow.unchecked(taint, flow.calls[at][0])
