"""The project index (DESIGN.md, "The project index"): one project's file facts joined into
its symbol table, class hierarchy, call graph and registration table, with each function's
transitive summary (does it block, through which chain) computed once by a fixed point.

Rules ask the index; they never walk another file's tree. Everything here reads only the
facts (`FileFacts`), so a warm or pre-commit run answers from the cache, and a finding that
depends on another file is recomputed from that file's current facts on every run.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Generic, NamedTuple, Protocol, TypeVar

from fastmcp_preflight.model.blocking import blocking_calls
from fastmcp_preflight.model.clients import Catalog, SyncClient
from fastmcp_preflight.project.facts import (
    FileFacts,
    ImportGraph,
    RegistrationFact,
    import_graph_of,
    module_names,
    runs_in_a_server,
)
from fastmcp_preflight.project.modules import importable_tail
from fastmcp_preflight.project.summaries import CallSummary, ClassSummary, FunctionSummary, Ref

#: How many calls deep a chain is followed (RULES.md, "Across functions and modules").
MAX_DEPTH = 8
#: How many references deep one value is evaluated (a global bound to a call of a function
#: returning an attribute ...).
_EVAL_DEPTH = 12
_LIFESPAN_DECORATORS = ("asynccontextmanager", "lifespan")


class ChainStep(NamedTuple):
    """One call of a chain: where it is made, and what it calls (`load()`, `requests.get`)."""

    path: str
    line: int
    name: str


class Value(NamedTuple):
    """What a reference may be, once the project is known.

    kind: `function` (a project function or method, `name` its qualified name), `class`
    (a project class), `instance` (of a project class), `super` (`super()` in a method of
    class `name`), `external` (a name from outside the project, `name` dotted), `client` (a
    sync client of the catalog, `name` its key), `member` (`client.method`: `name` the key,
    `member` the attribute), `context` (a lifespan context).
    """

    kind: str
    name: str
    member: str = ""


class Sink(NamedTuple):
    """A call FML101, FML102 or FML105 would report if made in an async function."""

    rule: str
    #: The blocking call (`requests.get`) or the client method as written.
    name: str
    #: What the message says to do instead.
    alternative: str
    #: For a client method, its catalog entry.
    client: SyncClient | None = None


class Blocking(NamedTuple):
    """How a call blocks: the chain from the call to the blocking call at its end (one step
    when the call itself blocks), and that blocking call."""

    chain: tuple[ChainStep, ...]
    sink: Sink


class ResolvedCall(NamedTuple):
    """A call of a function with what its callee may be."""

    call: CallSummary
    targets: tuple[Value, ...]


class _SymbolTable(NamedTuple):
    """The project's symbols: functions, classes and module-level names by qualified name;
    the path of each one's file; each name by its last part; and the other names a module
    may be imported as (its namespace-package name, the tails of its path) -> the module
    names (or paths) of the files they may name."""

    functions: _Functions
    classes: dict[str, ClassSummary]
    globals: dict[str, tuple[Ref, ...]]
    paths: dict[str, str]
    by_last: dict[str, list[str]]
    module_aliases: dict[str, list[str]]

    def add(self, names: Iterable[str], path: str) -> None:
        """Names defined in the file at `path`."""
        for name in names:
            self.paths[name] = path
            self.by_last.setdefault(name[name.rfind(".") + 1:], []).append(name)


class ProjectIndex:
    """The index of one project's facts. Build it with `index_of(files)`."""

    def __init__(self, files: Sequence[FileFacts], options: Mapping[str, object] | None = None,
                 import_graph: ImportGraph | None = None,
                 reported: frozenset[str] | None = None) -> None:
        """`reported`: the paths whose findings the run reports (None: all); `async_calls`
        looks only there, so a pre-commit run works out only what its files need."""
        options = options or {}
        self.reported = reported
        #: By path: what the index answers must not depend on the order the files were
        #: linted in (warm, cold, one worker or many give the same report).
        self.files = sorted(files, key=lambda f: f.path)
        self._project = files
        if import_graph is not None:
            self.__dict__["import_graph"] = import_graph
        self.catalog = Catalog(_names(options.get("extend-sync-clients")))
        self.blocking_calls = blocking_calls(_names(options.get("extend-blocking-calls")))
        #: Sync tool functions the target runs on the event loop: name -> why.
        self._inline: dict[str, str] = {}
        for f in self.files:
            self._inline.update(f.inline_tools)
        self._subclasses: dict[str, list[str]] | None = None
        self._returns: dict[str, tuple[Value, ...] | None] = {}
        self._calls: dict[str, tuple[ResolvedCall, ...]] = {}
        self._callers: dict[str, list[tuple[str, CallSummary]]] = {}
        #: Each call by the last name it calls (see `callers`).
        self._by_token: dict[str, list[tuple[str, CallSummary]]] | None = None
        self._indirect_callers: dict[str, list[tuple[str, CallSummary]]] = {}
        #: By the call's id (the summaries hold every call as long as the index lives).
        self._call_callees: dict[int, list[str]] = {}
        self._mro: dict[str, list[str]] = {}
        self._lookups: dict[str, str | None] = {}
        self._external: dict[str, list[str]] = {}
        self._lifespan: dict[str, list[tuple[Ref, str]]] | None = None
        self._blocking: Shortest[Blocking] | None = None
        self._running: dict[str, bool] | None = None
        self._global_memo: dict[str, tuple[Value, ...]] = {}
        self._attribute_memo: dict[tuple[str, str, str], tuple[Value, ...]] = {}

    @functools.cached_property
    def import_graph(self) -> ImportGraph:
        return import_graph_of(self._project)

    @functools.cached_property
    def _symbols(self) -> _SymbolTable:
        """The project's functions, classes and module-level names, built when a query
        first needs them: a run whose reported files make no call the index must resolve
        (a pre-commit run over a test file) never builds it."""
        table = _SymbolTable(_Functions(), {}, {}, {}, {}, {})
        for f in self.files:
            prefix = f.module or f.path
            for other in dict.fromkeys([*module_names(f), *_path_names(f.path)]):
                if other != prefix:
                    table.module_aliases.setdefault(other, []).append(prefix)
            names = f.function_names()
            table.add(names, f.path)
            table.functions.add(names, f)
            for cls in f.class_summaries:
                table.add((cls.name,), f.path)
                table.classes[cls.name] = cls
            for name, refs in f.globals.items():
                qualified = f"{prefix}.{name}"
                if qualified in table.functions or qualified in table.classes:
                    continue
                table.add((qualified,), f.path)
                table.globals[qualified] = refs
        return table

    def _alias(self, dotted: str) -> str | None:
        """The project symbol a dotted name spells through another name of its module; None
        when none does, or more than one (a name two files may be imported as is neither's)."""
        found: set[str] = set()
        dot = dotted.find(".")
        while dot > 0:
            rest = dotted[dot:]
            for prefix in self._symbols.module_aliases.get(dotted[:dot], ()):
                if prefix + rest in self._symbols.paths:
                    found.add(prefix + rest)
            dot = dotted.find(".", dot + 1)
        return found.pop() if len(found) == 1 else None

    # -- symbols ----------------------------------------------------------------------------

    def function(self, name: str) -> FunctionSummary | None:
        """The project function or method of that qualified name."""
        return self._symbols.functions.get(name)

    def functions(self) -> Iterator[FunctionSummary]:
        """Every function and method of the project, file by file, in source order."""
        for f in self.files:
            yield from f.functions

    def cls(self, name: str) -> ClassSummary | None:
        """The project class of that qualified name."""
        return self._symbols.classes.get(name)

    def path_of(self, name: str) -> str | None:
        """The path of the file that defines a project function, class or global."""
        return self._symbols.paths.get(name)

    def lookup(self, dotted: str) -> str | None:
        """The project symbol (function, class, module-level name) a dotted name refers to,
        as imported from anywhere: its own module, another name of that module (namespace
        packages), or a package that re-exports it (`from pkg import load`)."""
        if dotted in self._symbols.paths:
            return dotted
        if dotted in self._lookups:
            return self._lookups[dotted]
        alias = self._alias(dotted)
        if alias:
            found: str | None = alias
        else:
            head, _, last = dotted.rpartition(".")
            named = [n for n in self._symbols.by_last.get(last, ()) if n.startswith(head + ".")]
            found = named[0] if head and len(named) == 1 else None
        self._lookups[dotted] = found
        return found

    def owner_class(self, function: str) -> str | None:
        """The class a method belongs to."""
        owner = function.rpartition(".")[0]
        return owner if owner in self._symbols.classes else None

    def mro(self, name: str) -> list[str]:
        """A project class and its project base classes, nearest first (depth first, like
        Python's MRO for the usual single-inheritance-plus-mixins case); external bases
        are left out (see `external_bases`)."""
        known = self._mro.get(name)
        if known is not None:
            return list(known)
        order: list[str] = []
        stack = [name]
        while stack:
            current = stack.pop(0)
            if current in order or current not in self._symbols.classes:
                continue
            order.append(current)
            bases = [self.lookup(b) for b in self._symbols.classes[current].bases]
            stack[0:0] = [b for b in bases if b is not None]
        self._mro[name] = order
        return list(order)

    def external_bases(self, name: str) -> list[str]:
        """The dotted names of the bases from outside the project of a class and of its
        project bases."""
        known = self._external.get(name)
        if known is None:
            known = []
            for current in self.mro(name):
                known += [b for b in self._symbols.classes[current].bases if self.lookup(b) is None]
            self._external[name] = known
        return list(known)

    def subclasses(self, name: str) -> list[str]:
        """The project classes that derive from `name`, directly or not."""
        if self._subclasses is None:
            direct: dict[str, list[str]] = {}
            for cls in self._symbols.classes.values():
                for base in cls.bases:
                    target = self.lookup(base)
                    if target is not None:
                        direct.setdefault(target, []).append(cls.name)
            self._subclasses = direct
        found: list[str] = []
        stack = list(self._subclasses.get(name, ()))
        while stack:
            current = stack.pop()
            if current not in found:
                found.append(current)
                stack.extend(self._subclasses.get(current, ()))
        return found

    def registrations(self) -> Iterator[tuple[str, RegistrationFact]]:
        """The registration table: every tool, resource, prompt and route registration of
        the project, with the path of the file that makes it."""
        for f in self.files:
            for registration in f.registrations:
                yield f.path, registration

    # -- values -----------------------------------------------------------------------------

    def evaluate(self, ref: Ref, function: str | None = None) -> tuple[Value, ...]:
        """What a reference in `function` (a qualified name; None at module level) may
        be. Empty when it is not known."""
        return tuple(dict.fromkeys(self._evaluate(ref, self.owner_class(function or ""), 0)))

    def _evaluate(self, ref: Ref, owner: str | None, depth: int) -> list[Value]:
        if depth > _EVAL_DEPTH or not ref:
            return []
        base, ops = ref[0], ref[1:]
        values: list[Value]
        if base.startswith("g:"):
            values, ops = self._global(base[2:], ops, depth)
        elif base == "self":
            values = [Value("instance", owner)] if owner else []
        elif base == "super":
            values = [Value("super", owner)] if owner else []
        elif base.startswith("t:"):
            values = self._typed(base[2:])
        elif base == "ctx":
            values = [Value("context", "")]
        else:
            values = []
        for op in ops:
            if not values:
                break
            values = [v for value in values for v in self._apply(value, op, depth)]
        return values

    def _global(self, dotted: str, ops: tuple[str, ...], depth: int
                ) -> tuple[list[Value], tuple[str, ...]]:
        """A dotted name: the longest prefix that is a project symbol, the rest as
        attributes; or an external name."""
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            name = self.lookup(".".join(parts[:cut]))
            if name is None:
                continue
            rest = tuple("." + p for p in parts[cut:])
            if name in self._symbols.functions:
                return [Value("function", name)], rest + ops
            if name in self._symbols.classes:
                return [Value("class", name)], rest + ops
            return list(self._global_values(name, depth)), rest + ops
        return [Value("external", dotted)], ops

    def _global_values(self, name: str, depth: int) -> tuple[Value, ...]:
        """What a module-level name may hold, worked out once."""
        known = self._global_memo.get(name)
        if known is not None:
            return known
        self._global_memo[name] = ()  # a global defined through itself ends here
        values: list[Value] = []
        for ref in self._symbols.globals.get(name, ()):
            values += self._evaluate(ref, None, depth + 1)
        result = tuple(dict.fromkeys(values))
        self._global_memo[name] = result
        return result

    def _typed(self, dotted: str) -> list[Value]:
        name = self.lookup(dotted)
        if name is not None and name in self._symbols.classes:
            return [self._instance(name)]
        client = self.catalog.of_type(dotted)
        return [Value("client", client.key)] if client is not None else []

    def _instance(self, cls: str) -> Value:
        """An instance of a project class; a client when the class derives from one."""
        for base in self.external_bases(cls):
            client = self.catalog.constructed_by(base)
            if client is not None:
                return Value("client", client.key)
        return Value("instance", cls)

    def _apply(self, value: Value, op: str, depth: int) -> list[Value]:
        kind = value.kind
        if op == "()":
            if kind == "external":
                client = self.catalog.constructed_by(value.name)
                return [Value("client", client.key)] if client is not None else []
            if kind == "function":
                return list(self.returns(value.name, depth) or ())
            if kind == "class":
                return [self._instance(value.name)]
            if kind == "member":
                entry = self.catalog.get(value.name)
                made = entry.product(value.member) if entry is not None else None
                return [Value("client", made)] if made is not None else []
            return []
        if op.startswith("["):
            key = op[1:-1]
            if kind == "context":
                return self._context(key, depth)
            if kind in ("client", "member"):
                entry = self.catalog.get(value.name)
                if entry is not None and entry.namespaced:
                    return [Value("client", value.name)]
            return []
        attr = op[1:]
        if kind == "external":
            return [Value("external", f"{value.name}.{attr}")]
        if kind in ("instance", "super", "class"):
            return self._attribute(value, attr, depth)
        if kind == "client":
            return [Value("member", value.name, attr)]
        if kind == "member":
            entry = self.catalog.get(value.name)
            if entry is not None and entry.namespaced:
                return [Value("member", value.name, attr)]
            return []
        if kind == "context":
            return self._context(attr, depth)
        return []

    def _attribute(self, value: Value, attr: str, depth: int) -> list[Value]:
        """A method or attribute of a project class, looked up through its project bases
        (worked out once per class and attribute)."""
        key = (value.kind, value.name, attr)
        known = self._attribute_memo.get(key)
        if known is None:
            self._attribute_memo[key] = ()  # an attribute defined through itself ends here
            known = tuple(dict.fromkeys(self._find_attribute(value, attr, depth)))
            self._attribute_memo[key] = known
        return list(known)

    def _find_attribute(self, value: Value, attr: str, depth: int) -> list[Value]:
        order = self.mro(value.name)
        if value.kind == "super":
            order = order[1:]
        for cls in order:
            method = f"{cls}.{attr}"
            if method in self._symbols.functions:
                return [Value("function", method)]
        found: list[Value] = []
        for cls in order:
            for name, refs in self._symbols.classes[cls].attributes:
                if name == attr:
                    for ref in refs:
                        found += self._evaluate(ref, cls, depth + 1)
        if not found and value.kind == "instance":
            # A mixin's `self.m()` may be a method of the classes that use it (or of the
            # other mixins they combine it with).
            seen = set(order)
            for sub in sorted(self.subclasses(value.name)):
                for cls in self.mro(sub):
                    method = f"{cls}.{attr}"
                    if cls not in seen and method in self._symbols.functions:
                        found.append(Value("function", method))
                        break
            if found:
                return list(dict.fromkeys(found))
        if not found and value.kind == "instance":
            # A mixin's `self.x` is set by the classes that use it.
            seen = set(order)
            for sub in self.subclasses(value.name):
                for cls in self.mro(sub):
                    if cls in seen:
                        continue
                    seen.add(cls)
                    for name, refs in self._symbols.classes[cls].attributes:
                        if name == attr:
                            for ref in refs:
                                found += self._evaluate(ref, cls, depth + 1)
        if not found and value.kind != "class":
            for base in self.external_bases(value.name):
                client = self.catalog.constructed_by(base)
                if client is not None:
                    return [Value("member", client.key, attr)]
        return found

    def returns(self, function: str, depth: int = 0) -> tuple[Value, ...] | None:
        """What a project function may return (None while it is being worked out)."""
        if function in self._returns:
            return self._returns[function]
        summary = self._symbols.functions.get(function)
        if summary is None:
            return ()
        self._returns[function] = None  # recursion ends here
        owner = self.owner_class(function)
        found: list[Value] = []
        for ref in summary.returns:
            found += self._evaluate(ref, owner, depth + 1)
        result = tuple(dict.fromkeys(found))
        self._returns[function] = result
        return result

    def lifespans(self) -> Iterator[FunctionSummary]:
        """The functions that look like server lifespans: async context managers that yield
        a context (a dict literal or a constructor call)."""
        for function in self.functions():
            if function.yields and (
                    any(d.rpartition(".")[2] in _LIFESPAN_DECORATORS or "lifespan" in d
                        for d in function.decorators)
                    or "lifespan" in function.name.rpartition(".")[2].lower()):
                yield function

    def _context(self, key: str, depth: int) -> list[Value]:
        """What the lifespan context holds under a key or field."""
        if self._lifespan is None:
            table: dict[str, list[tuple[Ref, str]]] = {}
            for function in self.lifespans():
                for name, refs in function.yields:
                    table.setdefault(name, []).extend((ref, function.name) for ref in refs)
            self._lifespan = table
        found: list[Value] = []
        for ref, where in self._lifespan.get(key, ()):
            found += self._evaluate(ref, self.owner_class(where), depth + 1)
        if not found:
            for ref, where in self._lifespan.get("", ()):
                for value in self._evaluate(ref, self.owner_class(where), depth + 1):
                    if value.kind == "instance":
                        found += self._attribute(value, key, depth + 1)
        return found

    # -- the call graph ---------------------------------------------------------------------

    def calls(self, function: str) -> tuple[ResolvedCall, ...]:
        """The calls in a function's own body, with what each may call."""
        resolved = self._calls.get(function)
        if resolved is None:
            summary = self._symbols.functions.get(function)
            resolved = () if summary is None else tuple(
                ResolvedCall(call, self._targets(call.callee, function))
                for call in summary.calls)
            self._calls[function] = resolved
        return resolved

    def callers(self, function: str) -> list[tuple[str, CallSummary]]:
        """The project functions that call `function`, with the call.

        Only the calls that may name it are evaluated: those whose callee ends in its
        name (or, for an `__init__`, its class's or a subclass's), those that end in a
        module-level variable or class attribute (which may hold it), and those that call
        a call's result or an item."""
        found = self._callers.get(function)
        if found is not None:
            return found
        if self._by_token is None:
            table: dict[str, list[tuple[str, CallSummary]]] = {}
            for caller, summary in self._symbols.functions.items():
                for call in summary.calls:
                    for token in dict.fromkeys(_token(ref) for ref in call.callee):
                        table.setdefault(token, []).append((caller, call))
            self._by_token = table
            indirect = {name.rpartition(".")[2] for name in self._symbols.globals} | {
                attr for cls in self._symbols.classes.values() for attr, _ in cls.attributes}
            # The calls that may run any function, resolved once for every question.
            reverse: dict[str, list[tuple[str, CallSummary]]] = {}
            for token in sorted(indirect | {"*"}):
                for caller, call in table.get(token, ()):
                    for target in self._callees_of(caller, call):
                        reverse.setdefault(target, []).append((caller, call))
            self._indirect_callers = reverse
        owner, _, last = function.rpartition(".")
        tokens = {last}
        if last == "__init__" and owner in self._symbols.classes:
            tokens |= {c.rpartition(".")[2] for c in (owner, *self.subclasses(owner))}
        found = []
        seen: set[int] = set()
        candidates = [pair for token in sorted(tokens) for pair in self._by_token.get(token, ())]
        for caller, call in [*candidates, *self._indirect_callers.get(function, ())]:
            if id(call) in seen:
                continue
            seen.add(id(call))
            if function in self._callees_of(caller, call):
                found.append((caller, call))
        found.sort(key=lambda pair: (self._symbols.paths.get(pair[0], ""), pair[1].location))
        self._callers[function] = found
        return found

    def _callees_of(self, caller: str, call: CallSummary) -> list[str]:
        """The project functions one call may run, worked out once per call."""
        known = self._call_callees.get(id(call))
        if known is None:
            known = self._call_callees[id(call)] = self.functions_called(call.callee, caller)
        return known

    def functions_called(self, callee: Sequence[Ref], caller: str) -> list[str]:
        """The project functions a call of `callee` (its references) made in `caller` may
        run (see `callee_functions`)."""
        return list(dict.fromkeys(self._run_by(self._targets(callee, caller))))

    def _targets(self, callee: Sequence[Ref], caller: str) -> tuple[Value, ...]:
        """What a callee's references may be, in `caller`."""
        return tuple(dict.fromkeys(v for ref in callee for v in self.evaluate(ref, caller)))

    def callee_functions(self, resolved: ResolvedCall) -> list[str]:
        """The project functions a call may run: a function or method, or the `__init__`
        of a project class it instantiates."""
        return self._run_by(resolved.targets)

    def _run_by(self, targets: Sequence[Value]) -> list[str]:
        found: list[str] = []
        for target in targets:
            if target.kind == "function":
                found.append(target.name)
            elif target.kind == "class":
                init = next((f"{c}.__init__" for c in self.mro(target.name)
                             if f"{c}.__init__" in self._symbols.functions), None)
                if init is not None:
                    found.append(init)
        return found

    def async_calls(self) -> Iterator[tuple[FunctionSummary, str, ResolvedCall]]:
        """Every call made on the event loop (not awaited), with the function and its file's
        path, in file and source order: in the own body of an async function of the
        project, or of a sync tool function the target runs inline (`inline_reason`); only
        in the reported files (see `__init__`)."""
        for f in self.files:
            if self.reported is not None and f.path not in self.reported:
                continue
            for function in f.functions:
                if function.is_async or function.name in self._inline:
                    for resolved in self.calls(function.name):
                        if not resolved.call.awaited:
                            yield function, f.path, resolved

    def inline_reason(self, function: str) -> str | None:
        """For a sync tool function that the project's target runs on the event loop
        (fastmcp before 3.0, the MCP SDK before 2.0, `run_in_thread=False`): why, naming the
        version; else None (see `model.sync_tools`)."""
        return self._inline.get(function)

    def runs_in_a_server(self, path: str) -> bool:
        """Whether a file's code may run in a server process (not a script of its own that
        no server module imports; see `facts.runs_in_a_server`)."""
        if self._running is None:
            self._running = runs_in_a_server(self.files)
        return self._running.get(path, True)

    def chain_to(self, function: str, reaches: Callable[[ResolvedCall], str | None], *,
                 through_async: bool = False, depth: int = MAX_DEPTH,
                 ) -> tuple[ChainStep, ...] | None:
        """The shortest chain of calls from `function` to a call for which `reaches`
        gives a name (a stdout write, a sink), through project functions (sync ones only,
        unless `through_async`: an awaited async helper runs too), at most `depth` calls;
        None if there is none. For rules with their own kind of sink; blocking has its own
        precomputed `blocking`."""
        start = self._symbols.functions.get(function)
        if start is None:
            return None
        previous: dict[str, tuple[str, ResolvedCall] | None] = {function: None}
        frontier = [function]
        for _ in range(depth):
            following: list[str] = []
            for name in frontier:
                for resolved in self.calls(name):
                    label = reaches(resolved)
                    if label is not None:
                        steps = [ChainStep(self._symbols.paths[name], resolved.call.location.line,
                                           label)]
                        back = previous[name]
                        while back is not None:
                            caller, call = back
                            steps.append(ChainStep(self._symbols.paths[caller],
                                                   call.call.location.line,
                                                   _call_name(name)))
                            name = caller
                            back = previous[caller]
                        return tuple(reversed(steps))
                    for target in self.callee_functions(resolved):
                        summary = self._symbols.functions.get(target)
                        if (summary is None or target in previous
                                or (summary.is_async and not through_async)):
                            continue
                        previous[target] = (name, resolved)
                        following.append(target)
            frontier = following
        return None

    # -- what blocks ------------------------------------------------------------------------

    def sink(self, resolved: ResolvedCall) -> Sink | None:
        """The blocking call a call is, if FML101, FML102 or FML105 would report it in an
        async function."""
        if resolved.call.awaited:
            return None
        for target in resolved.targets:
            if target.kind == "external":
                alternative = self.blocking_calls.get(target.name)
                if alternative is not None:
                    rule = "FML101" if target.name == "time.sleep" else "FML102"
                    return Sink(rule, target.name.removeprefix("builtins."), alternative)
            elif target.kind == "member":
                entry = self.catalog.get(target.name)
                if entry is not None and entry.blocking(target.member):
                    return Sink("FML105", resolved.call.text, entry.alternative, entry)
        return None

    def blocking(self, function: str) -> Blocking | None:
        """How calling a sync project function blocks (through the project), if it does."""
        if self._blocking is None:
            self._blocking = Shortest(self._blocks_itself, self._sync_callees,
                                      self._blocks_through)
        return self._blocking.get(function)

    def _blocks_itself(self, function: str) -> Blocking | None:
        """The first call of a sync function's own body that blocks."""
        summary = self._symbols.functions.get(function)
        if summary is None or summary.is_async:
            return None
        for resolved in self.calls(function):
            sink = self.sink(resolved)
            if sink is not None:
                step = ChainStep(self._symbols.paths[function], resolved.call.location.line,
                                 _step_name(resolved, sink))
                return Blocking((step,), sink)
        return None

    def _sync_callees(self, function: str) -> Iterator[tuple[ResolvedCall, list[str]]]:
        """The sync project functions each call of a sync function's body runs (an awaited
        call runs none: it is a coroutine's)."""
        summary = self._symbols.functions.get(function)
        if summary is None or summary.is_async:
            return
        for resolved in self.calls(function):
            if not resolved.call.awaited:
                yield resolved, [name for name in self.callee_functions(resolved)
                                 if (callee := self._symbols.functions.get(name)) is not None
                                 and not callee.is_async]

    def _blocks_through(self, function: str, resolved: ResolvedCall, callee: str,
                        inner: Blocking) -> Blocking:
        return Blocking((ChainStep(self._symbols.paths[function], resolved.call.location.line,
                                   _call_name(callee)), *inner.chain), inner.sink)

    def blocking_through(self, resolved: ResolvedCall) -> tuple[str, Blocking] | None:
        """For a call of a sync project function that blocks: the function and its chain
        (FML106). Not for a call that is awaited."""
        if resolved.call.awaited:
            return None
        for name in self.callee_functions(resolved):
            summary = self._symbols.functions.get(name)
            if summary is None or summary.is_async:
                continue
            found = self.blocking(name)
            if found is not None:
                return name, found
        return None


class _Functions(Mapping[str, FunctionSummary]):
    """The project's functions by qualified name. A file's summaries are decoded when one
    of its functions is first looked at: a pre-commit run looks at the few files its
    file's calls lead to, not at the whole project's."""

    def __init__(self) -> None:
        #: The file that defines each name (the last in path order, as a later file's
        #: definition of the same name would win).
        self._files: dict[str, FileFacts] = {}
        self._decoded: dict[str, FunctionSummary] = {}

    def add(self, names: Iterable[str], f: FileFacts) -> None:
        """A file's functions (by their names, which its facts give without decoding)."""
        names = list(names)
        self._files.update(dict.fromkeys(names, f))
        if self._decoded:
            for name in names:
                self._decoded.pop(name, None)

    def __getitem__(self, name: str) -> FunctionSummary:
        found = self._decoded.get(name)
        if found is None:
            owner = self._files[name]
            for function in owner.functions:  # the last definition of a name wins
                if self._files.get(function.name) is owner:
                    self._decoded[function.name] = function
            found = self._decoded[name]
        return found

    def __contains__(self, name: object) -> bool:
        return name in self._files

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)


class _Chained(Protocol):
    @property
    def chain(self) -> tuple[ChainStep, ...]: ...


C = TypeVar("C", bound=_Chained)


class Shortest(Generic[C]):
    """Each function's shortest chain of calls (at most `MAX_DEPTH`) to a kind of call,
    worked out only for the functions asked about and those they may call.

    `itself(f)`: the chain when f's own body makes such a call; `callees(f)`: each call of
    f with the project functions it may run, in source order; `through(f, call, callee,
    inner)`: f's chain through that call. A chain takes the first call, in source order,
    whose callee's chain is shortest, as a fixed point over the whole project would.
    The part of the call graph worked out is closed under calls, so a function's answer
    never changes when more of the project is asked about later.
    """

    def __init__(self, itself: Callable[[str], C | None],
                 callees: Callable[[str], Iterable[tuple[ResolvedCall, list[str]]]],
                 through: Callable[[str, ResolvedCall, str, C], C]) -> None:
        self._itself = itself
        self._callees = callees
        self._through = through
        self._seen: set[str] = set()
        self._found: dict[str, C] = {}

    def get(self, function: str) -> C | None:
        if function not in self._seen:
            self._grow(function)
        return self._found.get(function)

    def _grow(self, start: str) -> None:
        new: list[str] = []
        edges: dict[str, list[tuple[ResolvedCall, list[str]]]] = {}
        stack = [start]
        while stack:
            name = stack.pop()
            if name in self._seen:
                continue
            self._seen.add(name)
            new.append(name)
            edges[name] = list(self._callees(name))
            stack.extend(c for _, callees in edges[name] for c in callees
                         if c not in self._seen)
        found = self._found
        for name in new:
            chain = self._itself(name)
            if chain is not None:
                found[name] = chain
        waiting = [name for name in new if name not in found]
        for length in range(1, MAX_DEPTH):
            added: dict[str, C] = {}
            for name in waiting:
                for resolved, callees in edges[name]:
                    callee = next((c for c in callees
                                   if c in found and len(found[c].chain) <= length), None)
                    if callee is not None:
                        added[name] = self._through(name, resolved, callee, found[callee])
                        break
            found.update(added)
            waiting = [name for name in waiting if name not in added]
            if not waiting:
                break


def _token(ref: Ref) -> str:
    """The last name a callee reference calls (`load` for `("g:pkg.store.load",)` or
    `("self", ".load")`); "*" when it calls the result of a call or an item."""
    if len(ref) > 1:
        last = ref[-1]
        return last[1:] if last.startswith(".") else "*"
    base = ref[0] if ref else ""
    return base[2:].rpartition(".")[2] if base.startswith(("g:", "t:")) else "*"


def _path_names(path: str) -> list[str]:
    """The dotted names a file may be imported as when the folders above it are packages
    run from somewhere up the tree (`src.common.connection` for
    `repo/src/common/connection.py` imported as `src.common.connection`): every tail of its
    path made of identifiers."""
    tail = importable_tail([p for p in path.replace("\\", "/").split("/") if p not in ("", ".")])
    return [".".join(tail[i:]) for i in range(len(tail))]


def _call_name(function: str) -> str:
    """`Store.load()` for a method, `load()` for a function."""
    parts = [p for p in function.split(".") if p != "<locals>"]
    return ".".join(parts[-2:]) + "()" if len(parts) >= 2 and parts[-2][:1].isupper() else (
        parts[-1] + "()")


def _step_name(resolved: ResolvedCall, sink: Sink) -> str:
    return sink.name if sink.rule != "FML105" else resolved.call.text


def _names(value: object) -> tuple[str, ...]:
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def format_chain(chain: Sequence[ChainStep], start: str | None = None) -> str:
    """`` `get_report()` -> `load()` (store.py:12) -> `requests.get` (store.py:30) ``: the
    first step is where the finding is reported, so it has no place of its own."""
    parts: list[str] = []
    for number, step in enumerate(chain):
        text = f"`{step.name}`"
        if number:
            text += f" ({step.path.rsplit('/', 1)[-1]}:{step.line})"
        parts.append(text)
    return " -> ".join(parts)


__all__ = ["MAX_DEPTH", "Blocking", "ChainStep", "ProjectIndex", "ResolvedCall", "Sink",
           "Value", "format_chain"]
