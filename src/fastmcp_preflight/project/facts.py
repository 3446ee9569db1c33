"""The small, plain facts a file yields for project rules.

Project rules (health check, server object, transports, import cycles) never see a tree:
only these records, which are cheap to keep for every file of a project, to cache, and to
send between processes. The small ones are named tuples: a pre-commit run reads the facts
of every file of the project from the cache, and a tuple is made several times faster than
a frozen dataclass.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, KeysView, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar, overload

from fastmcp_preflight.project.modules import importable_tail
from fastmcp_preflight.project.records import Location as Location
from fastmcp_preflight.project.summaries import (
    ClassSummary,
    FunctionSummary,
    Ref,
    classes_from_json,
    classes_to_json,
    functions_from_json,
    functions_to_json,
    globals_from_json,
)

if TYPE_CHECKING:
    from fastmcp_preflight.project.index import ProjectIndex
    from fastmcp_preflight.project.versions import Target


class ServerFact(NamedTuple):
    """A `FastMCP(...)` (or subclass) construction."""

    location: Location
    at_import_time: bool
    bound_at_module_level: bool


class StartFact(NamedTuple):
    """A server start or app build, with its transport (None: default; "unknown": computed)."""

    location: Location
    method: str
    transport: str | None


class ImportFact(NamedTuple):
    """An import-time import: for each imported name, the modules it may be (most specific
    first), so the project rule can pick the one that is a module of the project."""

    location: Location
    targets: tuple[tuple[str, ...], ...]


class InterfaceFact(NamedTuple):
    """A tool, resource or prompt as the model sees it (FML710): its server, name (URI for a
    resource), description, and parameters (name, type as written, required, default)."""

    kind: str
    key: str
    server: str
    location: Location
    description: str
    parameters: tuple[tuple[str, str, bool, str | None], ...]


class ClassFact(NamedTuple):
    """A module-level class (`module.Name`), its bases' dotted names, and whether its own
    file shows it is a server class; the project finds subclasses of subclasses."""

    name: str
    bases: tuple[str, ...]
    is_server: bool


class FactoryFact(NamedTuple):
    """A module-level function (`module.name`), the dotted names of the calls it returns,
    and whether its own file shows it returns a new server."""

    name: str
    returns: tuple[str, ...]
    is_server: bool


class CallFact(NamedTuple):
    """A call of an imported name that may build a server in another module of the project
    (a class, or a call bound to a module-level name)."""

    location: Location
    callee: str
    at_import_time: bool
    bound_at_module_level: bool


class FeatureFact(NamedTuple):
    """Evidence of a production practice (retry, cache, rate-limit, logging, shutdown)."""

    kind: str
    location: Location
    what: str


class RegistrationFact(NamedTuple):
    """A tool, resource or prompt registered on a server: its kind, its name (a resource's
    URI), the server object it is registered on (`module:name`, see
    `FileModel.server_identity`), and where the registered function's name is."""

    kind: str
    name: str
    server: str
    location: Location
    #: The `version=` given ("" for none): FastMCP keeps one component per name and version.
    version: str = ""
    #: The `if` branches it is made in: (the `if`'s index in the file, in its `else`).
    branches: tuple[tuple[int, bool], ...] = ()


class ToolTargetFact(NamedTuple):
    """A function of another module registered here as a tool, resource or prompt
    (`mcp.tool(name="x")(fn)`, `server.add_tool(obj.method)`): its dotted name as this
    file resolves it (relative names keep their dots), and whether the registration gives
    the name and the description itself (then the function's own name and docstring are
    not what the model sees)."""

    kind: str
    target: str
    named: bool
    described: bool


HTTP_TRANSPORTS = frozenset({"http", "streamable-http", "sse"})

S = TypeVar("S")


class _Encoded:
    """A field's value as the cache holds it, not decoded yet: its JSON data, or (from the
    facts pack) its JSON text, parsed only when the data is first asked for, with the names
    it defines beside it."""

    __slots__ = ("_data", "names", "text")

    def __init__(self, data: Any = None, text: bytes | None = None,
                 names: list[str] | None = None) -> None:
        self._data = data
        self.text = text
        self.names = names

    @property
    def data(self) -> Any:
        if self._data is None:
            self._data = json.loads(self.text or b"[]")
            self.text = None
        return self._data

    def json_text(self) -> bytes:
        """The JSON text, as read when it never was parsed."""
        if self.text is not None:
            return self.text
        return json.dumps(self._data, separators=(",", ":")).encode("ascii")


class _Summaries(Generic[S]):
    """A `FileFacts` field of summaries, decoded from the cache's JSON when first read.

    They are most of a file's facts, and a run whose every file is cached never reads
    them (nor does a project rule that only needs imports or servers); written back to the
    cache untouched, they are never decoded at all.
    """

    def __init__(self, decode: Callable[[Any], S], empty: Any) -> None:
        self._decode = decode
        self._empty = empty
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = "_" + name

    @overload
    def __get__(self, instance: None, owner: type) -> _Encoded: ...

    @overload
    def __get__(self, instance: object, owner: type) -> S: ...

    def __get__(self, instance: object | None, owner: type) -> S | _Encoded:
        if instance is None:  # the dataclass's default: an empty value, made per instance
            return _Encoded(type(self._empty)())
        value = instance.__dict__[self._name]
        if isinstance(value, _Encoded):
            value = instance.__dict__[self._name] = self._decode(value.data)
        return value  # type: ignore[no-any-return]

    def __set__(self, instance: object, value: S | _Encoded) -> None:
        instance.__dict__[self._name] = value

    @staticmethod
    def encoded(instance: object, name: str, encode: Callable[[Any], Any]) -> Any:
        """A field's JSON: as read from the cache when it was never decoded."""
        value = instance.__dict__["_" + name]
        return value.data if isinstance(value, _Encoded) else encode(value)


@dataclass
class FileFacts:
    """Everything project rules know about one file."""

    path: str
    module: str | None = None
    imports_fastmcp: bool = False
    servers: list[ServerFact] = field(default_factory=list)
    module_servers: list[str] = field(default_factory=list)
    health: list[Location] = field(default_factory=list)
    starts: list[StartFact] = field(default_factory=list)
    mounted: list[str] = field(default_factory=list)
    imports: list[ImportFact] = field(default_factory=list)
    #: In an `__init__.py`: imports of the package itself inside functions (FML202).
    own_deferred_imports: list[ImportFact] = field(default_factory=list)
    classes: list[ClassFact] = field(default_factory=list)
    factories: list[FactoryFact] = field(default_factory=list)
    calls: list[CallFact] = field(default_factory=list)
    #: Starts of what an imported function returned, with its dotted name (see
    #: `ProjectServers.starts`).
    factory_starts: list[tuple[StartFact, str]] = field(default_factory=list)
    features: list[FeatureFact] = field(default_factory=list)
    registrations: list[RegistrationFact] = field(default_factory=list)
    #: Functions of other modules it registers (see `registered_elsewhere`).
    tool_targets: list[ToolTargetFact] = field(default_factory=list)
    #: Its functions that run per request, (qualified name, label: "tool `search`").
    entries: list[tuple[str, str]] = field(default_factory=list)
    #: Its functions that build a new HTTP client each time they run (FML402): (qualified
    #: name, the constructor, its line).
    client_makers: list[tuple[str, str, int]] = field(default_factory=list)
    #: Its calls that run once, not per call of their function (under a lock or the
    #: lazy-initialisation idiom): (qualified name of the function, line, column, end line,
    #: end column), where a chain of FML402 ends.
    once_calls: list[tuple[str, int, int, int, int]] = field(default_factory=list)
    #: Its sync tool functions that the project's target runs on the event loop (FML105/106):
    #: (qualified name, why, naming the version), see `model.sync_tools.inline_tools`.
    inline_tools: list[tuple[str, str]] = field(default_factory=list)
    #: A server module (RULES.md, FML6xx): it imports a server API or registers tools, and
    #: is not only an MCP client.
    server_module: bool = False
    #: A script of its own (a `__main__` block, or `asyncio.run(...)` at module level).
    script: bool = False
    #: It connects a client to a server it builds, in this process (`Client(mcp)`).
    in_process: bool = False
    #: For each import that does not run at import time (in a function, under
    #: `if __name__ == "__main__":`; not under TYPE_CHECKING), the targets as in ImportFact.
    deferred_imports: list[tuple[tuple[str, ...], ...]] = field(default_factory=list)
    #: The attribute names it calls ("*": it star-imports), see `reach.called_attribute`.
    called_attributes: list[str] = field(default_factory=list)
    #: Only in a module that is no server module and writes to stdout, or that builds a
    #: rich console (FML602): each unit (""
    #: import-time code, `f`, `C.m`, `C`) with the units and classes it refers to, and the
    #: units that read the terminal (see `reach.module_units`).
    stdout_units: dict[str, tuple[str, ...]] = field(default_factory=dict)
    terminal_units: list[str] = field(default_factory=list)
    #: Suppression comments by line ("*" suppresses every rule), for project diagnostics too.
    noqa: dict[int, list[str]] = field(default_factory=dict)
    file_noqa: list[str] | None = None
    #: The project index's input (see `summaries.py`): a summary of every function and
    #: class, and the references module-level names are bound to.
    functions: _Summaries[list[FunctionSummary]] = _Summaries(functions_from_json, [])
    class_summaries: _Summaries[list[ClassSummary]] = _Summaries(classes_from_json, [])
    globals: _Summaries[dict[str, tuple[Ref, ...]]] = _Summaries(globals_from_json, {})
    #: Imports of fastmcp / mcp names, with the full dotted names, outside
    #: `try: ... except ImportError:` shims and `if TYPE_CHECKING:` (FML803).
    version_imports: list[tuple[Location, tuple[str, ...]]] = field(default_factory=list)
    #: The fastmcp / MCP SDK targets of the file's project (FML8xx).
    targets: tuple[Target, ...] = ()
    #: Its tools, resources and prompts as the model sees them, and where the servers it
    #: binds at module level are built (`module:name` -> location), for FML710.
    interfaces: list[InterfaceFact] = field(default_factory=list)
    server_sites: dict[str, Location] = field(default_factory=dict)

    def function_names(self) -> list[str]:
        """The qualified names of its functions, without decoding their summaries."""
        value = self.__dict__["_functions"]
        if isinstance(value, _Encoded):
            return value.names if value.names is not None else [entry[0] for entry in value.data]
        return [function.name for function in value]

    def to_pack(self) -> tuple[dict[str, Any], bytes]:
        """The facts for the facts pack: the JSON of all but the function summaries (with
        their names instead), and the summaries' JSON text apart, which a run that never
        looks at the file's functions never parses."""
        data = self.to_json(functions=False)
        data["function_names"] = self.function_names()
        value = self.__dict__["_functions"]
        if not isinstance(value, _Encoded):
            value = _Encoded(functions_to_json(value))
        return data, value.json_text()

    @classmethod
    def from_pack(cls, data: dict[str, Any], text: bytes) -> FileFacts:
        """The facts `to_pack` gave, their summaries left as text until asked for."""
        facts = cls.from_json(data)
        facts.functions = _Encoded(text=text, names=data["function_names"])
        return facts

    def to_json(self, *, functions: bool = True) -> dict[str, Any]:
        """The facts as JSON for the cache: spans and records as arrays, not objects, since
        a pre-commit run reads the facts of every file of the project (`functions`: with
        the function summaries)."""
        data = {
            "path": self.path,
            "module": self.module,
            "imports_fastmcp": self.imports_fastmcp,
            "servers": [[_span(s.location), s.at_import_time, s.bound_at_module_level]
                        for s in self.servers],
            "module_servers": self.module_servers,
            "health": [_span(h) for h in self.health],
            "starts": [[_span(s.location), s.method, s.transport] for s in self.starts],
            "mounted": self.mounted,
            "imports": [[_span(i.location), i.targets] for i in self.imports],
            "own_deferred_imports": [[_span(i.location), i.targets]
                                     for i in self.own_deferred_imports],
            "classes": [[c.name, c.bases, c.is_server] for c in self.classes],
            "factories": [[f.name, f.returns, f.is_server] for f in self.factories],
            "calls": [[_span(c.location), c.callee, c.at_import_time, c.bound_at_module_level]
                      for c in self.calls],
            "factory_starts": [[_span(s.location), s.method, s.transport, callee]
                               for s, callee in self.factory_starts],
            "features": [[f.kind, _span(f.location), f.what] for f in self.features],
            "registrations": [[r.kind, r.name, r.server, _span(r.location), r.version,
                               r.branches] for r in self.registrations],
            "tool_targets": [list(t) for t in self.tool_targets],
            "entries": self.entries,
            "client_makers": self.client_makers,
            "once_calls": self.once_calls,
            "inline_tools": self.inline_tools,
            "noqa": self.noqa,
            "file_noqa": self.file_noqa,
            "server_module": self.server_module,
            "script": self.script,
            "in_process": self.in_process,
            "deferred_imports": self.deferred_imports,
            "called_attributes": self.called_attributes,
            "stdout_units": self.stdout_units,
            "terminal_units": self.terminal_units,
            "class_summaries": _Summaries.encoded(self, "class_summaries", classes_to_json),
            "globals": _Summaries.encoded(self, "globals", dict),
            "version_imports": [[_span(at), names] for at, names in self.version_imports],
            "targets": [[t.package, t.version, t.source, t.requirement, t.declared_in]
                        for t in self.targets],
            "interfaces": [[i.kind, i.key, i.server, _span(i.location), i.description,
                            [list(p) for p in i.parameters]] for i in self.interfaces],
            "server_sites": {name: _span(at) for name, at in self.server_sites.items()},
        }
        if functions:
            data["functions"] = _Summaries.encoded(self, "functions", functions_to_json)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FileFacts:
        from fastmcp_preflight.project.versions import Target

        return cls(
            path=data["path"],
            module=data["module"],
            imports_fastmcp=data["imports_fastmcp"],
            servers=[ServerFact(Location(*at), imported, bound)
                     for at, imported, bound in data["servers"]],
            module_servers=list(data["module_servers"]),
            health=[Location(*at) for at in data["health"]],
            starts=[StartFact(Location(*at), method, transport)
                    for at, method, transport in data["starts"]],
            mounted=list(data["mounted"]),
            imports=[ImportFact(Location(*at), tuple(map(tuple, targets)))
                     for at, targets in data["imports"]],
            own_deferred_imports=[ImportFact(Location(*at), tuple(map(tuple, targets)))
                                  for at, targets in data.get("own_deferred_imports", [])],
            classes=[ClassFact(name, tuple(bases), is_server)
                     for name, bases, is_server in data.get("classes", [])],
            factories=[FactoryFact(name, tuple(returns), is_server)
                       for name, returns, is_server in data.get("factories", [])],
            calls=[CallFact(Location(*at), callee, imported, bound)
                   for at, callee, imported, bound in data.get("calls", [])],
            factory_starts=[(StartFact(Location(*at), method, transport), callee)
                            for at, method, transport, callee
                            in data.get("factory_starts", [])],
            features=[FeatureFact(kind, Location(*at), what)
                      for kind, at, what in data["features"]],
            registrations=[RegistrationFact(kind, name, server, Location(*at), version,
                                            tuple((i, e) for i, e in branches))
                           for kind, name, server, at, version, branches
                           in data["registrations"]],
            tool_targets=[ToolTargetFact(kind, target, named, described)
                          for kind, target, named, described in data.get("tool_targets", ())],
            entries=[(name, label) for name, label in data.get("entries", ())],
            client_makers=[(name, client, line)
                           for name, client, line in data.get("client_makers", ())],
            once_calls=[(name, *span) for name, *span in data.get("once_calls", ())],
            inline_tools=[(name, why) for name, why in data.get("inline_tools", ())],
            noqa={int(k): list(v) for k, v in data["noqa"].items()},
            file_noqa=data["file_noqa"],
            server_module=data.get("server_module", False),
            script=data.get("script", False),
            in_process=data.get("in_process", False),
            deferred_imports=[tuple(map(tuple, targets))
                              for targets in data.get("deferred_imports", ())],
            called_attributes=list(data.get("called_attributes", ())),
            stdout_units={unit: tuple(refs)
                          for unit, refs in data.get("stdout_units", {}).items()},
            terminal_units=list(data.get("terminal_units", ())),
            functions=_Encoded(data.get("functions", [])),
            class_summaries=_Encoded(data.get("class_summaries", [])),
            globals=_Encoded(data.get("globals", {})),
            version_imports=[(Location(*at), tuple(names))
                             for at, names in data.get("version_imports", ())],
            targets=tuple(Target(package, version, source, requirement, tuple(declared))
                          for package, version, source, requirement, declared
                          in data.get("targets", ())),
            interfaces=[InterfaceFact(kind, key, server, Location(*at), description,
                                      tuple((n, t, r, d) for n, t, r, d in parameters))
                        for kind, key, server, at, description, parameters
                        in data.get("interfaces", ())],
            server_sites={name: Location(*at)
                          for name, at in data.get("server_sites", {}).items()},
        )


def _span(at: Location) -> list[int]:
    return [at.line, at.column, at.end_line, at.end_column]


def may_run_over_stdio(files: list[FileFacts]) -> bool:
    """Unless every start names an HTTP transport, the project may run over stdio.

    No start at all means `fastmcp run`, which defaults to stdio; a transport read from the
    environment or the command line may be stdio too.
    """
    starts = [start for f in files for start in f.starts]
    return not starts or any(start.transport not in HTTP_TRANSPORTS for start in starts)


def _imported_modules(files: list[FileFacts]) -> dict[str, set[str]]:
    """The import graph of the project's modules: every import, at module level or not,
    to the module of the project it names and the packages above it (their `__init__`
    runs too)."""
    modules = {f.module for f in files if f.module}
    graph: dict[str, set[str]] = {}
    for f in files:
        if not f.module:
            continue
        edges = graph.setdefault(f.module, set())
        for targets in [*(i.targets for i in f.imports), *f.deferred_imports]:
            for candidates in targets:
                target = next((c for c in candidates if c in modules), None)
                while target:
                    if target in modules:
                        edges.add(target)
                    target = target.rpartition(".")[0]
    return graph


def _reached_modules(files: list[FileFacts], roots: Sequence[FileFacts] | None = None,
                     ) -> set[str]:
    """The modules that server modules (or the given `roots`) import, directly or through
    other modules."""
    graph = _imported_modules(files)
    reached: set[str] = set()
    stack = [f.module for f in (files if roots is None else roots)
             if (roots is not None or f.server_module) and f.module]
    while stack:
        module = stack.pop()
        for target in graph.get(module, ()):
            if target not in reached:
                reached.add(target)
                stack.append(target)
    return reached


def _entry_points(files: list[FileFacts], running: set[str],
                  ) -> tuple[dict[str, set[str]], set[str]]:
    """What the modules that run in a server process (`running`) use of the other modules:
    per module, the names they import from it by name, or call on it when they import it
    as a module (`h.load()`); and every attribute name they call (`obj.method()`)."""
    modules = {f.module for f in files if f.module}
    used: dict[str, set[str]] = {}
    called: set[str] = set()
    for f in files:
        if f.module not in running:
            continue
        attributes = set(f.called_attributes)
        called |= attributes
        for targets in [*(i.targets for i in f.imports), *f.deferred_imports]:
            for candidates in targets:
                target = next((c for c in candidates if c in modules), None)
                if target is None:
                    continue
                names = used.setdefault(target, set())
                if len(candidates) == 2 and target == candidates[1]:
                    names.add(candidates[0].rpartition(".")[2])  # from module import name
                else:
                    names |= attributes  # the module itself: `module.name(...)`
    return used, called


def _reached_units(facts: FileFacts, used: set[str], called: set[str]) -> set[str]:
    """The units of a module that a server reaches: its import-time code, the top-level
    functions and classes used from other modules, the methods of reached classes that
    anything running in the server calls by name, and what reached units refer to; never
    through a unit that reads the terminal."""
    units = facts.stdout_units
    terminal = set(facts.terminal_units)
    methods: dict[str, list[str]] = {}
    for unit in units:
        owner, dot, method = unit.partition(".")
        if dot:
            methods.setdefault(owner, []).append(method)
    everything = "*" in used
    stack = [""] + [u for u in units if "." not in u and (everything or u in used)]
    reached: set[str] = set()
    while stack:
        unit = stack.pop()
        if unit in reached or unit in terminal or unit not in units:
            continue
        reached.add(unit)
        stack.extend(units[unit])
        stack.extend(f"{unit}.{m}" for m in methods.get(unit, ()) if m in called)
    return reached


def stdout_reaches_stdio_server(files: list[FileFacts]) -> dict[str, bool]:
    """Per file, whether its stdout writes run in a server process that may speak over
    stdio: the project may run over stdio, and a server module imports the file (directly
    or through other modules of the project). Keyed by path; for a file with units, also
    per unit (`path#unit`): whether the server reaches that unit (`_reached_units`)."""
    if not may_run_over_stdio(files):
        answers = {f.path: False for f in files}
        answers.update((f"{f.path}#{unit}", False) for f in files for unit in f.stdout_units)
        return answers
    reached = _reached_modules(files)
    answers = {f.path: f.module in reached for f in files}
    helpers = [f for f in files if f.stdout_units]
    if not helpers:
        return answers
    running = reached | {f.module for f in files if f.server_module and f.module}
    used, called = _entry_points(files, running)
    for f in helpers:
        units = (_reached_units(f, used.get(f.module or "", set()), called)
                 if f.module in reached else set())
        answers.update((f"{f.path}#{unit}", unit in units) for unit in f.stdout_units)
    return answers


def _serves_stdio(facts: FileFacts) -> bool:
    """Whether a module itself may serve over stdio: one of its starts does not name an
    HTTP transport, or it builds or registers on a server that it never starts (what
    `fastmcp run` would serve, over stdio by default) and does not only connect to in
    process (`Client(mcp)`)."""
    starts = [*facts.starts, *(start for start, _ in facts.factory_starts)]
    if starts:
        return any(start.transport not in HTTP_TRANSPORTS for start in starts)
    return bool(facts.servers or facts.registrations) and not facts.in_process


class _StdioAnswers(dict[str, bool]):
    """The answers of `runs_in_a_stdio_server`: by path, and for a console that a module
    binds to a name (`path#name:unit|unit`, the units that use it), whether the stdio server
    uses it: the module serves over stdio itself, or a module running in the server imports
    the name, or the whole module, or one of those units is a tool (or other entry) of the
    module or is reached from one (`_reached_units`)."""

    def __init__(self, files: list[FileFacts], serving: list[FileFacts],
                 reached: set[str]) -> None:
        self._serving = {f.path for f in serving}
        super().__init__((f.path, f.path in self._serving or f.module in reached)
                         for f in files)
        self._all = files
        self._files = {f.path: f for f in files}
        self._running = reached | {f.module for f in serving if f.module}
        #: What the running modules use of the others, worked out on the first console.
        self._uses: tuple[dict[str, set[str]], set[str], set[str]] | None = None

    def get(self, key: str, default: object = None) -> bool:
        path, used_by, rest = key.partition("#")
        answer = dict.get(self, path, True)
        facts = self._files.get(path)
        if not used_by or not answer or facts is None or path in self._serving:
            return answer
        if self._uses is None:
            self._uses = (*_entry_points(self._all, self._running),
                          _imported_whole(self._all, self._running))
        used_names, called, whole = self._uses
        name, _, units = rest.partition(":")
        used = used_names.get(facts.module or "", set())
        if facts.module in whole or "*" in used or (name and name in used):
            return True
        # The module's tools, resources, prompts and routes run whenever they are called.
        entries = {qualified.split(".<locals>.")[0] for qualified, _ in facts.entries}
        wanted = {unit for unit in units.split("|") if unit}
        if wanted & entries:
            return True
        return bool(wanted & _reached_units(facts, used | entries, called))


def _imported_whole(files: list[FileFacts], running: set[str]) -> set[str]:
    """The modules that a module running in the server imports as a module (`import
    helpers`, `from pkg import helpers`), not only names from them: any of their names may
    be used (`helpers.console.print(...)`)."""
    modules = {f.module for f in files if f.module}
    whole: set[str] = set()
    for f in files:
        if f.module not in running:
            continue
        for targets in [*(i.targets for i in f.imports), *f.deferred_imports]:
            for candidates in targets:
                target = next((c for c in candidates if c in modules), None)
                if target is not None and not (len(candidates) == 2
                                               and target == candidates[1]):
                    whole.add(target)
    return whole


def runs_in_a_stdio_server(files: list[FileFacts]) -> dict[str, bool]:
    """Per file (by path), whether its code may run in a server process that speaks over
    stdio (FML602): the project may run over stdio, and the module serves over stdio itself
    (`_serves_stdio`) or such a module imports it, directly or through other modules. A
    module whose own server runs only over HTTP or only in memory, and a module that builds
    no server (a CLI, a helper) that no stdio server imports, run in no stdio server. A
    console that such an imported module builds counts only where the server uses it (see
    `_StdioAnswers`)."""
    if not may_run_over_stdio(files):
        return {f.path: False for f in files}
    serving = [f for f in files if _serves_stdio(f)]
    return _StdioAnswers(files, serving, _reached_modules(files, serving))


def runs_in_a_server(files: list[FileFacts]) -> dict[str, bool]:
    """Per file (by path), whether its code may run in a server process: it is not a
    script of its own that neither builds nor registers a server and that no server module
    imports (a smoke test, an example runner, a one-off maintenance script)."""
    reached = _reached_modules(files)
    return {f.path: not f.script or f.server_module or f.module in reached for f in files}


class _Registered(dict[str, bool]):
    """The answers of `registered_elsewhere`: a key it does not hold is a function no other
    module registers (the default of other per-file answers, True, would keep it)."""

    def get(self, key: str, default: object = None) -> bool:
        return dict.get(self, key, False)


#: How many re-exports (`from .tools import fn` in a package's `__init__`) are followed.
_REEXPORT_DEPTH = 3


def _defining_file(graph: ImportGraph, importer: FileFacts, target: str,
                   ) -> tuple[str, str] | None:
    """The project file and qualified name (`fn`, `Class.method`) a dotted name of
    `importer` refers to: its longest prefix that is a project module, through a package's
    re-exports."""
    for _ in range(_REEXPORT_DEPTH + 1):
        parts = target.split(".")
        found = None
        for cut in range(len(parts) - 1, 0, -1):
            head = ".".join(parts[:cut])
            if not head.strip("."):
                break
            path = graph.resolve(importer, [head])
            if path is not None:
                found = path, ".".join(parts[cut:])
                break
        if found is None or found[0] == importer.path:
            return None
        path, qual = found
        facts = graph.files[path]
        first = qual.partition(".")[0]
        again = next((candidates[0] for i in facts.imports for candidates in i.targets
                      if len(candidates) == 2 and candidates[0].rpartition(".")[2] == first),
                     None)
        if again is None:
            return found
        target, importer = again + qual[len(first):], facts
    return None


def registered_targets(files: Sequence[FileFacts], graph: ImportGraph,
                       ) -> list[tuple[ToolTargetFact, str, str]]:
    """The functions the project's files register from other modules: (the registration,
    the defining file's path, the function's qualified name there)."""
    found = []
    for f in files:
        for fact in f.tool_targets:
            defined = _defining_file(graph, f, fact.target)
            if defined is not None:
                found.append((fact, *defined))
    return found


def registered_elsewhere(files: Sequence[FileFacts]) -> dict[str, bool]:
    """Per function of a file (`path#qualname`), whether another module of the project
    registers it as a tool, resource or prompt; `path#qualname@doc`: one such registration
    gives no `description=` (the model sees the docstring), `@name`: one registers a tool
    and gives no name (the model sees the function's name)."""
    answers = _Registered()
    if not any(f.tool_targets for f in files):
        return answers
    for fact, path, qual in registered_targets(files, import_graph_of(files)):
        key = f"{path}#{qual}"
        answers[key] = True
        if not fact.described:
            answers[key + "@doc"] = True
        if not fact.named and fact.kind == "tool":
            answers[key + "@name"] = True
    return answers


#: The per-file condition of a function's findings as a tool of another module's
#: registration: `REGISTERED_ELSEWHERE:path#qualname[@doc|@name]`.
REGISTERED_ELSEWHERE = "registered-elsewhere"


#: The per-file condition of findings in scripts (FML101, FML102): `RUNS_IN_A_SERVER:path`.
RUNS_IN_A_SERVER = "runs-in-a-server"


def builds_a_server(files: list[FileFacts]) -> bool:
    """Whether the project has a server at all: it constructs one, or a module imports a
    server API or registers tools. A library or a folder of scripts has none to break."""
    return any(f.servers or f.server_module for f in files)


#: The project condition of findings that can only break a server (FML201).
BUILDS_A_SERVER = "builds-a-server"

#: The project condition of findings that matter only over stdio (FML601, FML602).
MAY_RUN_OVER_STDIO = "may-run-over-stdio"
#: The per-file condition of stdout writes outside server modules: `name:path[#unit]`.
STDOUT_REACHES_STDIO_SERVER = "stdout-reaches-stdio-server"
#: The per-file condition of stdout logging in server modules (FML602): `name:path`.
RUNS_IN_A_STDIO_SERVER = "runs-in-a-stdio-server"

def not_unbounded_site(files: list[FileFacts]) -> dict[str, bool]:
    """`path@line` -> False for the imports FML803 reports (FML801 stays silent there)."""
    from fastmcp_preflight.project.drift import unbounded_sites

    return {f"{site.path}@{site.line}": False for site in unbounded_sites(files)}


#: The per-file condition of FML801 on an import: not the import FML803 reports instead
#: (`name:path@line`).
NOT_UNBOUNDED_SITE = "not-unbounded-sdk-import"

#: Conditions a file rule's finding may depend on, decided once the project is known.
CONDITIONS = {MAY_RUN_OVER_STDIO: may_run_over_stdio, BUILDS_A_SERVER: builds_a_server}
#: Conditions decided per file: a finding's condition is `name:path` (the file's path).
FILE_CONDITIONS = {STDOUT_REACHES_STDIO_SERVER: stdout_reaches_stdio_server,
                   RUNS_IN_A_SERVER: runs_in_a_server,
                   RUNS_IN_A_STDIO_SERVER: runs_in_a_stdio_server,
                   NOT_UNBOUNDED_SITE: not_unbounded_site,
                   REGISTERED_ELSEWHERE: registered_elsewhere}


# -- the project's modules and servers, shared by the project rules --------------------------


def module_names(facts: FileFacts) -> list[str]:
    """The names a file can be imported as: its package name (from the `__init__.py` files
    above it), and its name below the source root (the nearest `src` folder, else the linted
    root) through folders without `__init__.py`, which are namespace packages."""
    names = [facts.module] if facts.module else []
    path = facts.path.replace("\\", "/")
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if path.startswith("/") or ".." in parts or not parts or not parts[-1].endswith(".py"):
        return names
    if "src" in parts[:-1]:
        parts = parts[len(parts) - 1 - parts[-2::-1].index("src"):]
    name = ".".join(importable_tail(parts))
    if name and name not in names:
        names.append(name)
    return names


class ImportGraph:
    """The import-time import graph of a project's files (FML205), by path.

    An import names its candidates most specific first; the first that is a module of the
    project is the edge (the one nearest the importing file when several files share the
    name). A module never imports itself. A relative import that the importing file's
    package could not resolve is resolved against its namespace package.
    """

    def __init__(self, files: Sequence[FileFacts]) -> None:
        self.files = {f.path: f for f in files}
        self.by_name: dict[str, list[str]] = {}
        self.names: dict[str, list[str]] = {}
        for f in files:
            self.names[f.path] = module_names(f)
            for name in self.names[f.path]:
                self.by_name.setdefault(name, []).append(f.path)
        self.edges: dict[str, list[tuple[str, Location]]] = {
            f.path: self.targets(f, f.imports) for f in files}

    @functools.cached_property
    def all_edges(self) -> dict[str, list[str]]:
        """Every import of each file, at module level or not (in functions, under the main
        guard; not under TYPE_CHECKING), to the project files it names and the packages
        above them (their `__init__` runs too): what may run once a module is imported
        (FML601's reach). `edges` holds only the import-time ones (FML205)."""
        found: dict[str, list[str]] = {}
        for path, importer in self.files.items():
            targets: list[str] = []
            for candidates in [*(c for i in importer.imports for c in i.targets),
                               *(c for t in importer.deferred_imports for c in t)]:
                target = self.resolve(importer, candidates)
                if target is None or target == path:
                    continue
                targets.append(target)
                targets.extend(self._packages_above(target))
            found[path] = list(dict.fromkeys(t for t in targets if t != path))
        return found

    def _packages_above(self, path: str) -> list[str]:
        names = self.names.get(path) or []
        name = names[-1] if names else ""
        found: list[str] = []
        while "." in name:
            name = name.rpartition(".")[0]
            found.extend(self.by_name.get(name, ())[:1])
        return found

    def reached_from(self, paths: Iterable[str], *, deferred: bool = True) -> set[str]:
        """The project files that the given files import, directly or through others (with
        `deferred`, also through imports inside functions)."""
        reached: set[str] = set()
        stack = list(paths)
        while stack:
            path = stack.pop()
            targets = (self.all_edges.get(path, []) if deferred
                       else [t for t, _ in self.edges.get(path, [])])
            for target in targets:
                if target not in reached:
                    reached.add(target)
                    stack.append(target)
        return reached

    def label(self, path: str) -> str:
        """The module's name for messages: its name below the source root."""
        names = self.names.get(path)
        return names[-1] if names else path

    def resolve(self, importer: FileFacts, candidates: Sequence[str]) -> str | None:
        """The project file an import's candidates name, if any."""
        for candidate in candidates:
            name = self._absolute(importer, candidate)
            paths = self.by_name.get(name) if name else None
            if paths:
                if len(paths) == 1:
                    return paths[0]
                return max(paths, key=lambda p: (_shared(p, importer.path), -len(p)))
        return None

    def targets(self, importer: FileFacts, imports: Sequence[ImportFact]
                ) -> list[tuple[str, Location]]:
        found = []
        for fact in imports:
            for candidates in fact.targets:
                target = self.resolve(importer, candidates)
                if target is not None and target != importer.path:
                    found.append((target, fact.location))
        return found

    def _absolute(self, importer: FileFacts, name: str) -> str | None:
        if not name.startswith("."):
            return name
        level = len(name) - len(name.lstrip("."))
        names = self.names.get(importer.path) or []
        own = names[-1].split(".") if names else []
        if not importer.path.replace("\\", "/").endswith("/__init__.py") and own:
            own.pop()
        if level - 1 > len(own):
            return None
        base = own[:len(own) - (level - 1)]
        rest = name[level:]
        return ".".join([*base, rest] if rest else base) or None

    def path_between(self, start: str, goal: str) -> list[tuple[str, Location]]:
        """The shortest import path start -> ... -> goal, as (module, import) steps; empty if
        there is none (or start is goal)."""
        previous: dict[str, tuple[str, Location]] = {}
        frontier = [start]
        seen = {start}
        while frontier:
            following: list[str] = []
            for node in frontier:
                for target, location in self.edges.get(node, []):
                    if target == goal:
                        steps = [(node, location)]
                        while node != start:
                            node, location = previous[node]
                            steps.append((node, location))
                        return list(reversed(steps))
                    if target not in seen:
                        seen.add(target)
                        previous[target] = (node, location)
                        following.append(target)
            frontier = following
        return []


def _shared(a: str, b: str) -> int:
    """How many leading folders two paths share."""
    count = 0
    for x, y in zip(a.split("/")[:-1], b.split("/")[:-1], strict=False):
        if x != y:
            break
        count += 1
    return count


class ServerSite(NamedTuple):
    """A server construction of the project: a server class or a project subclass."""

    path: str
    location: Location
    at_import_time: bool


class ProjectServers:
    """The project's servers, also those built across modules: subclasses of a server
    class defined in any module, factories (functions returning a new server) in any
    module, and the module-level names bound to either."""

    def __init__(self, files: Sequence[FileFacts]) -> None:
        classes = {c.name: c for f in files for c in f.classes}
        factories = {g.name: g for f in files for g in f.factories}
        self.classes = _Names(name for name, c in classes.items() if c.is_server)
        self.factories = _Names(name for name, g in factories.items() if g.is_server)
        #: Server classes and factories: what a call may build a server with.
        builders = _Names([*self.classes.names, *self.factories.names])
        # The last parts of the names known so far (live views): most bases and returns
        # end in a name no server class or factory has, and are ruled out by it alone.
        class_lasts, builder_lasts = self.classes.lasts, builders.lasts
        changed = True
        while changed:
            changed = False
            for name, c in classes.items():
                if (any(b[b.rfind(".") + 1:] in class_lasts for b in c.bases)
                        and name not in self.classes
                        and any(b in self.classes for b in c.bases)):
                    self.classes.add(name)
                    builders.add(name)
                    changed = True
            for name, g in factories.items():
                if (any(r[r.rfind(".") + 1:] in builder_lasts for r in g.returns)
                        and name not in self.factories
                        and any(r in builders for r in g.returns)):
                    self.factories.add(name)
                    builders.add(name)
                    changed = True
        self.sites = [ServerSite(f.path, s.location, s.at_import_time)
                      for f in files for s in f.servers]
        self.sites += [ServerSite(f.path, c.location, c.at_import_time) for f in files
                       for c in f.calls if c.callee[c.callee.rfind(".") + 1:] in class_lasts
                       and c.callee in self.classes]
        self.sites.sort(key=lambda s: (s.path, s.location.line, s.location.column))
        self.starts = [s for f in files for s in f.starts] + [
            s for f in files for s, callee in f.factory_starts if callee in builders]
        self.bound_at_module_level = any(f.module_servers for f in files) or any(
            c.bound_at_module_level and c.callee in builders for f in files for c in f.calls)


class _Names:
    """Dotted names of the project's server classes or factories. A name is in it also
    when it is imported through its package (`from pkg import make` for
    `pkg.factory.make`); names are indexed by their last part, since a large project asks
    about every call it makes."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names: set[str] = set()
        self._by_last: dict[str, set[str]] = {}
        for name in names:
            self.add(name)

    def add(self, name: str) -> None:
        self.names.add(name)
        self._by_last.setdefault(name.rpartition(".")[2], set()).add(name)

    @property
    def lasts(self) -> KeysView[str]:
        """The last parts of the names, a live view: a name whose last part is not among
        them is not in it."""
        return self._by_last.keys()

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        if name in self.names:
            return True
        head, _, last = name.rpartition(".")
        return bool(head) and any(k.startswith(head + ".")
                                  for k in self._by_last.get(last, ()))


#: Per-file conditions answered from the project index (see `through.py`), whose answer
#: may complete the finding's message: `ON_REQUEST_PATH:path#qualname` (FML301),
#: `CALLED_DIRECTLY:path#qualname:index:name` (FML703).
ON_REQUEST_PATH = "on-request-path"
CALLED_DIRECTLY = "called-directly"
#: `CLIENT_THROUGH_HELPER:path#qualname:line:column:end_line:end_column`: the call with
#: that span in the function builds a new HTTP client through the project (FML402); the
#: end tells `make().get()` from the `make()` that starts where it does.
CLIENT_THROUGH_HELPER = "client-through-helper"
#: `TOOL_INPUT_THROUGH:path#qualname:{json}`: tool input of that tool function reaches a
#: sink through project functions, or a sink of the tool holds only if project functions
#: neither guard nor fail to return what it uses (FML901-905; see `tool_input.py`).
TOOL_INPUT_THROUGH = "tool-input-through"
THROUGH_NAMES = frozenset({ON_REQUEST_PATH, CALLED_DIRECTLY, CLIENT_THROUGH_HELPER,
                           TOOL_INPUT_THROUGH})
#: Where a finding's message names what the project phase found (a request path, a call):
#: the answer of its condition (a `Via`) replaces it.
VIA = "<<via>>"


class Via(NamedTuple):
    """A condition's answer that holds and says how: the text that replaces `VIA` in the
    message, and the chain of calls (`ChainStep`s) for the report."""

    text: str
    chain: tuple[Any, ...] = ()


def known_condition(condition: str) -> bool:
    """Whether a finding's condition is one the project phase can decide: "" (none), a
    project condition, or a per-file one (`name:path...`). Anything else would silently
    keep or drop the finding, so the engine makes it an error of the rule."""
    name = condition.partition(":")[0]
    return (not condition or condition in CONDITIONS or name in FILE_CONDITIONS
            or name in THROUGH_NAMES)


class ProjectFacts(list[FileFacts]):
    """One project's files' facts, as the engine hands them to project rules, with the
    analyses several rules share built once: the import graph (FML202, FML205) and the
    project's servers (FML204, FML401). A pre-commit run pays for each over the whole
    project's facts."""

    #: The run's engine options, set by the engine before the project rules run: the
    #: index's `extend-sync-clients`/`extend-blocking-calls`, FML710's `--tool-baseline`.
    options: Mapping[str, object] = MappingProxyType({})
    #: The paths whose findings the run reports (None: every file's). A pre-commit run
    #: reports a few files of a large project: a rule need not look for findings elsewhere.
    reported: frozenset[str] | None = None

    @functools.cached_property
    def import_graph(self) -> ImportGraph:
        return ImportGraph(self)

    @functools.cached_property
    def servers(self) -> ProjectServers:
        return ProjectServers(self)

    @functools.cached_property
    def project_index(self) -> ProjectIndex:
        from fastmcp_preflight.project.index import ProjectIndex

        return ProjectIndex(self, self.options, reported=self.reported)


def import_graph_of(files: Sequence[FileFacts]) -> ImportGraph:
    """The project's import graph, built once per project when the engine runs the rules."""
    return files.import_graph if isinstance(files, ProjectFacts) else ImportGraph(files)


def index_of(files: Sequence[FileFacts]) -> ProjectIndex:
    """The project index (DESIGN.md, "The project index"), built once per project when the
    engine runs the rules: what project rules ask about functions, classes, calls and
    clients across the project's files."""
    if isinstance(files, ProjectFacts):
        return files.project_index
    from fastmcp_preflight.project.index import ProjectIndex

    return ProjectIndex(files)


def servers_of(files: Sequence[FileFacts]) -> ProjectServers:
    """The project's servers, built once per project when the engine runs the rules."""
    return files.servers if isinstance(files, ProjectFacts) else ProjectServers(files)
