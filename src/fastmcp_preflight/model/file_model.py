"""The FastMCP model of one file: built in one pass before the rules run, shared by all.

It answers what LibCST's generic metadata cannot: which names are FastMCP servers (from
`fastmcp`, `mcp.server.fastmcp`, `mcp.server.mcpserver`, subclasses, factories), which
functions are registered as tools, resources or prompts (every decorator and call form),
which routes the server serves, and which transports its `run(...)` calls name.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import libcst as cst

from fastmcp_preflight.model.context import Tracker, is_import_shim
from fastmcp_preflight.model.dataflow import FlowCollector, Flows
from fastmcp_preflight.model.dataflow import Taint as Taint
from fastmcp_preflight.model.dataflow import call_label as call_label
from fastmcp_preflight.model.dataflow import call_name as call_name
from fastmcp_preflight.model.lazy_init import lazy_values
from fastmcp_preflight.model.reach import called_attribute, module_units
from fastmcp_preflight.model.reach import unit_of as unit_of
from fastmcp_preflight.model.scopes import (
    Binding,
    Scope,
    absolute_module,
    bind_import,
    bind_target,
    qualname,
)
from fastmcp_preflight.model.scopes import dotted as dotted
from fastmcp_preflight.model.summarize import SummaryInput
from fastmcp_preflight.project.facts import (
    BUILDS_A_SERVER,
    REGISTERED_ELSEWHERE,
    RUNS_IN_A_SERVER,
)

#: Classes whose instances are MCP servers, by the dotted names they are imported as.
SERVER_CLASSES = frozenset(
    {
        "fastmcp.FastMCP",
        "fastmcp.server.FastMCP",
        "fastmcp.server.server.FastMCP",
        "mcp.server.FastMCP",
        "mcp.server.fastmcp.FastMCP",
        "mcp.server.fastmcp.server.FastMCP",
        "mcp.server.mcpserver.MCPServer",
        "mcp.server.mcpserver.server.MCPServer",
        "mcp.server.MCPServer",
    }
)

#: Class methods of a server class that build a server.
_SERVER_CONSTRUCTORS = frozenset({"from_fastapi", "from_openapi", "as_proxy"})

#: Server methods that register a function, and what they register.
REGISTRARS: dict[str, Literal["tool", "resource", "prompt", "route"]] = {
    "tool": "tool",
    "resource": "resource",
    "prompt": "prompt",
    "custom_route": "route",
    "add_tool": "tool",
    "add_resource": "resource",
    "add_resource_fn": "resource",
    "add_template": "resource",
    "add_prompt": "prompt",
}
_DECORATOR_REGISTRARS = frozenset({"tool", "resource", "prompt", "custom_route"})

#: Server methods that start it, with the transport they imply (None: read the arguments).
STARTERS: dict[str, str | None] = {
    "run": None,
    "run_async": None,
    "run_stdio_async": "stdio",
    "run_http_async": "http",
    "run_sse_async": "sse",
    "run_streamable_http_async": "streamable-http",
    "http_app": "http",
    "streamable_http_app": "streamable-http",
    "sse_app": "sse",
}

#: Web framework route registrations that can carry a health check.
_ROUTE_METHODS = frozenset({"get", "route", "api_route", "head", "add_route", "add_api_route"})
#: Route methods that register a route only as decorators (`client.get("/health")` is a request).
_DECORATOR_ROUTES = frozenset({"get", "route", "api_route", "head"})
#: What FML601 reports: a helper module that makes one of these calls gets units (reach.py).
_STDOUT_WRITES = frozenset({"builtins.print", "sys.stdout.write"})
#: A rich console (on stdout unless told otherwise, FML602): a module that builds one gets
#: units too, so that the project can tell whether a stdio server uses it.
RICH_CONSOLES = frozenset({"rich.console.Console", "rich.Console"})
HEALTH_WORDS = ("health", "livez", "readyz")

#: What an MCP client is imported as: RULES.md names `fastmcp.Client` and
#: `mcp.ClientSession`; the client modules of fastmcp and the SDK, and the MCP clients of
#: agent frameworks, make the same kind of program.
MCP_CLIENTS = frozenset({"fastmcp.Client", "mcp.ClientSession", "mcp.stdio_client"})
_MCP_CLIENT_MODULES = ("fastmcp.client.", "mcp.client.", "agents.mcp.", "pydantic_ai.mcp.",
                       "langchain_mcp_adapters.")


#: MCP clients that, given a server object, run it inside this process (FastMCP's
#: `Client(mcp)`, the SDK's `mcp.Client(server)`): no transport, no stdout channel.
IN_PROCESS_CLIENTS = frozenset({
    "fastmcp.Client", "fastmcp.client.Client", "fastmcp.client.client.Client",
    "fastmcp.client.transports.FastMCPTransport", "mcp.Client", "mcp.client.Client",
    "mcp.client.client.Client"})


def is_mcp_client(name: str) -> bool:
    """Whether a dotted import target is an MCP client (`fastmcp.Client`, ...)."""
    return name in MCP_CLIENTS or name.startswith(_MCP_CLIENT_MODULES)


#: HTTP client and session classes (and factories), by dotted name, with their library.
HTTP_CLIENTS = {
    "requests.Session": "requests",
    "requests.sessions.Session": "requests",
    "requests.session": "requests",
    "httpx.Client": "httpx",
    "httpx.AsyncClient": "httpx",
    # httpx2 (the client FastMCP 4 and the MCP SDK 2 use) is httpx under another name.
    "httpx2.Client": "httpx",
    "httpx2.AsyncClient": "httpx",
    "aiohttp.ClientSession": "aiohttp",
    "aiohttp.client.ClientSession": "aiohttp",
}


@dataclass
class Registration:
    """A function registered on a server as a tool, resource, prompt or custom route."""

    kind: Literal["tool", "resource", "prompt", "route"]
    function: cst.FunctionDef
    site: cst.CSTNode
    server: cst.BaseExpression
    name: cst.BaseExpression | None = None
    uri: cst.BaseExpression | None = None
    description: cst.BaseExpression | None = None
    is_method: bool = False
    #: The scope the registration is written in (where `server` is looked up).
    scope: Scope | None = None
    #: `exclude_args=[...]`: parameters FastMCP leaves out of the schema.
    exclude_args: cst.BaseExpression | None = None
    #: `version=`: FastMCP keeps one component per name and version.
    version: cst.BaseExpression | None = None
    #: The `if` branches the registration is made in, outermost first: (the `if`'s index in
    #: the file, whether in its `else`/`elif`). Two registrations in different branches of
    #: one `if` never both run.
    branches: tuple[tuple[int, bool], ...] = ()
    #: For a function that only another module may register (`candidate_of`): its
    #: qualified name in the file (`fn`, `Class.method`); "" for a registration made here.
    candidate: str = ""

    @property
    def name_text(self) -> str:
        """The registered name: the `name=` string, else the function's name."""
        text = string_value(self.name) if self.name is not None else None
        return text if text is not None else self.function.name.value


@dataclass
class Start:
    """A call that starts a server or builds its app, with the transport it names.

    `transport` is the literal transport, None when none is given (FastMCP's default, stdio),
    or "unknown" when it is computed (read from the environment or the command line).
    """

    call: cst.Call
    method: str
    transport: str | None


@dataclass
class ServerSite:
    """A call that constructs a server (`FastMCP(...)`, a subclass)."""

    call: cst.Call
    at_import_time: bool
    bound_at_module_level: bool


@dataclass
class ImportRecord:
    """An import that runs at import time (not in a function, not under TYPE_CHECKING)."""

    node: cst.Import | cst.ImportFrom
    targets: tuple[tuple[str, ...], ...]


@dataclass
class ProjectCall:
    """A call of a name imported from another module that may build a server there: a
    class (a server subclass of the project), or any call bound at module level (a project
    factory). Project rules decide from the other modules' facts whether it does."""

    call: cst.Call
    callee: str
    at_import_time: bool
    bound_at_module_level: bool


@dataclass
class Feature:
    """Evidence that a production practice is in place (retries, caching, rate limiting,
    logging configuration, graceful shutdown), for the checklist scorecard."""

    kind: Literal["retry", "cache", "rate-limit", "logging", "shutdown"]
    node: cst.CSTNode
    what: str


#: Module-level calls that make a module a script (its entry point runs an event loop).
_SCRIPT_ENTRIES = frozenset({"asyncio.run", "anyio.run", "trio.run"})


@dataclass
class _CallSite:
    call: cst.Call
    scope: Scope
    at_import_time: bool
    function: cst.FunctionDef | cst.Lambda | None
    in_main_guard: bool = False
    #: Inside `with X:` / `async with X:` where X's name ends in `lock` (see Tracker).
    in_lock: bool = False


@dataclass
class _Assignment:
    target: cst.BaseExpression
    value: cst.BaseExpression | None
    annotation: cst.BaseExpression | None
    scope: Scope
    at_module_level: bool


@dataclass
class FileModel:
    """What the model knows about one file; rules read it, nothing writes it after the build."""

    module_scope: Scope
    scopes: dict[cst.CSTNode, Scope]
    package: str | None
    imports_fastmcp: bool = False
    server_sites: list[ServerSite] = field(default_factory=list)
    module_server_names: list[str] = field(default_factory=list)
    registrations: list[Registration] = field(default_factory=list)
    tools: dict[cst.FunctionDef, Registration] = field(default_factory=dict)
    starts: list[Start] = field(default_factory=list)
    health_sites: list[cst.CSTNode] = field(default_factory=list)
    mounted: list[str] = field(default_factory=list)
    imports: list[ImportRecord] = field(default_factory=list)
    #: Imports inside functions of the file's own package (relative, or absolute of the
    #: package): what FML202 checks in an `__init__.py`.
    own_deferred_imports: list[ImportRecord] = field(default_factory=list)
    #: Module-level classes: (name, bases' dotted names, a server class by this file alone).
    classes: list[tuple[str, tuple[str, ...], bool]] = field(default_factory=list)
    #: Module-level functions: (name, dotted names of the calls they return, a server
    #: factory by this file alone). A name of this module is written `:name`.
    factories: list[tuple[str, tuple[str, ...], bool]] = field(default_factory=list)
    project_calls: list[ProjectCall] = field(default_factory=list)
    #: Starts whose receiver is what an imported function returned (`app = app_factory()`
    #: then `app.run()`), with that function's dotted name: a start if the project shows
    #: it is a server factory.
    factory_starts: list[tuple[Start, str]] = field(default_factory=list)
    features: list[Feature] = field(default_factory=list)
    #: The data flow of tool input through each tool function (see `dataflow.py`).
    flows: Flows = field(default_factory=Flows)
    #: The walk's record of every function's data flow (see `dataflow.py`), which the
    #: project summaries replay for functions that are not tools.
    flow_collector: FlowCollector = field(default_factory=FlowCollector)
    #: Per tool function, what the five FML9xx rules share (see `tool_input.py`); per
    #: ("inputs", function), its `input_summary.function_inputs`.
    tool_input_memo: dict[Any, Any] = field(default_factory=dict)
    #: What several rules of a file share, by name (FML801/FML802's `ApiUses`).
    shared: dict[str, Any] = field(default_factory=dict, repr=False)
    #: Per id(registration), it and its `description_of` (five rules ask for each tool).
    description_memo: dict[int, tuple[Registration, Description | None]] = field(
        default_factory=dict, repr=False)
    #: It imports an MCP client (`MCP_CLIENTS`).
    mcp_client: bool = False
    #: It connects a client to a server it builds, in this process (`Client(mcp)`).
    in_process: bool = False
    #: A server module (RULES.md, FML6xx): it imports fastmcp or `mcp.server`, or registers
    #: tools, and is not only an MCP client (it imports one, builds no server and
    #: registers nothing).
    server_module: bool = False
    #: A script of its own: it has an `if __name__ == "__main__":` block, or runs an event
    #: loop at module level (`asyncio.run(main())`).
    script: bool = False
    #: The targets (as in ImportRecord) of the imports that do not run at import time:
    #: in functions and under `if __name__ == "__main__":` (not under TYPE_CHECKING).
    deferred_imports: list[tuple[tuple[str, ...], ...]] = field(default_factory=list)
    #: Functions that serve web routes (`custom_route`, a FastAPI/Starlette route decorator,
    #: a function given to Starlette's `Route(...)`): they run only over HTTP.
    route_handlers: set[cst.FunctionDef] = field(default_factory=set)
    #: Calls in an `if` branch that runs only for an HTTP transport (see `_http_test`).
    http_only_calls: set[cst.Call] = field(default_factory=set)
    #: Calls that run only when the module is run as a script that starts no stdio server:
    #: in its `if __name__ == "__main__":` block, or (in a server module) in the functions
    #: that block calls (by name, transitively; not tools), when every server start of the
    #: file names an HTTP transport or there is none (a demo or test driver around the
    #: server).
    script_only_calls: set[cst.Call] = field(default_factory=set)
    #: The attribute names it calls (`helpers.load()`, `tracker.record()`; see
    #: `reach.called_attribute`), "*" when it star-imports: how other modules reach units.
    called_attributes: set[str] = field(default_factory=set)
    #: In a module that is not a server module and writes to stdout, or that builds a rich
    #: console: its units with what each refers to, and those that read the terminal (see
    #: `reach.module_units`).
    stdout_units: dict[str, tuple[str, ...]] = field(default_factory=dict)
    terminal_units: frozenset[str] = frozenset()
    #: Attribute names (and class-body names) the file assigns an HTTP client to
    #: (`self.session = requests.Session()`), with the clients' libraries.
    client_attributes: dict[str, set[str]] = field(default_factory=dict)
    #: Functions of other modules this file registers: (kind, dotted name as resolved
    #: here, whether a name is given, whether a description is given).
    tool_targets: list[tuple[str, str, bool, bool]] = field(default_factory=list)
    #: Those registrations' keys for FML707: (kind, name or URI, server, the scope it is
    #: written in, `version=`, `if` branches, the node that names the function).
    external_keys: list[tuple[str, str | None, cst.BaseExpression, Scope,
                              cst.BaseExpression | None, tuple[tuple[int, bool], ...],
                              cst.CSTNode]] = field(default_factory=list)
    #: The module-level functions and methods of module-level classes that no registration
    #: of this file names: another module may register them (`tool_condition`).
    candidates: dict[cst.FunctionDef, Registration] = field(default_factory=dict)
    #: Functions that build a new HTTP client each time they run: (qualified name, the
    #: constructor's dotted name, the call), see `ModelBuilder._find_client_makers`.
    client_makers: list[tuple[str, str, cst.Call]] = field(default_factory=list)
    #: Calls of functions that run once, not per call of their function: made under a lock
    #: or under the lazy-initialisation idiom (qualified name of the function, the call).
    once_calls: list[tuple[str, cst.Call]] = field(default_factory=list)
    #: What the walk collected for the project index's summaries (see `summarize.py`).
    summary_input: SummaryInput = field(default_factory=SummaryInput)
    #: Method calls whose receiver may be a server (`mcp.mount(...)`): True when the file
    #: binds the receiver to a server, False when it only may hold one (imported, a
    #: parameter, a server-named attribute). The version rules (FML8xx) read it.
    server_calls: dict[cst.Call, bool] = field(default_factory=dict)
    #: Imports of fastmcp / mcp names (full dotted names) outside import shims and
    #: `if TYPE_CHECKING:` (FML803).
    version_imports: list[tuple[cst.Import | cst.ImportFrom, tuple[str, ...]]] = field(
        default_factory=list)

    def resolve(self, expr: cst.BaseExpression, scope: Scope | None = None) -> str | None:
        """The dotted name `expr` refers to, through imports and aliases (see Scope.resolve)."""
        return (scope or self.module_scope).resolve(expr)

    def tool_of(self, function: cst.CSTNode | None, *,
                elsewhere: bool = False) -> Registration | None:
        """The tool/resource/prompt registration of a function, if this file makes one.
        With `elsewhere`, also a stand-in for a function that another module may register,
        whose findings hold only under `tool_condition` (the rule passes that condition
        when it reports)."""
        if isinstance(function, cst.FunctionDef):
            registration = self.tools.get(function)
            if registration is not None and registration.kind != "route":
                return registration
            if registration is None and elsewhere:
                return self.candidates.get(function)
        return None

    def registrations_of(self, function: cst.FunctionDef, *,
                         elsewhere: bool = False) -> list[Registration]:
        """Every tool/resource/prompt registration of a function, in source order (a function
        can be registered more than once, under other names or on other servers); with
        `elsewhere`, the stand-in of `tool_of` for a function only another module may
        register."""
        found = [r for r in self.registrations if r.function is function and r.kind != "route"]
        if (elsewhere and not found and function not in self.tools
                and function in self.candidates):
            return [self.candidates[function]]
        return found

    def qualified_name(self, function: cst.FunctionDef) -> str | None:
        """A function's `__qualname__` (`load`, `Store.load`, `build.<locals>.inner`), as
        the project index names it below its module."""
        own = self.scopes.get(function)
        if own is None or own.parent is None:
            return None
        prefix = qualname(own.parent)
        return f"{prefix}.{function.name.value}" if prefix else function.name.value

    def request_entries(self) -> list[tuple[str, str]]:
        """The functions of this file that run per request, (qualified name, label): the
        tools, resources and prompts it registers and the web route handlers."""
        found: dict[str, str] = {}
        for registration in self.registrations:
            name = self.qualified_name(registration.function)
            if name is not None and registration.kind != "route":
                found.setdefault(name, f"{registration.kind} `{registration.name_text}`")
        for function in self.route_handlers:
            name = self.qualified_name(function)
            if name is not None:
                found.setdefault(name, f"route `{function.name.value}`")
        return sorted(found.items())

    @staticmethod
    def tool_condition(registration: Registration | None, path: str, needs: str = "") -> str:
        """The condition of a finding about a registered function: none for a registration
        made in this file; for a function another module may register, that one does
        (RULES.md, "through the project"). `needs`: "doc" when the finding is about the
        docstring as the description (a registration that gives `description=` shows
        another), "name" when it is about the function's name as the tool's."""
        if registration is None or not registration.candidate:
            return ""
        suffix = f"@{needs}" if needs else ""
        return f"{REGISTERED_ELSEWHERE}:{path}#{registration.candidate}{suffix}"

    def client_libraries(self, receiver: cst.BaseExpression, scope: Scope) -> set[str]:
        """Which HTTP client libraries (`HTTP_CLIENTS`) a receiver may hold: a client built
        in place, a name bound to one (assigned, `with ... as`, annotated, a parameter
        annotated as one), or an attribute the file assigns one to. Empty: not known to be
        a client."""
        if isinstance(receiver, cst.Call):
            return client_library_of_value(receiver, scope)
        if isinstance(receiver, cst.Attribute):
            return self.client_attributes.get(receiver.attr.value, set())
        if not isinstance(receiver, cst.Name):
            return set()
        found = scope.lookup(receiver.value)
        if found is None:
            return set()
        libraries: set[str] = set()
        for binding in found[1]:
            node = binding.node
            if isinstance(node, cst.Param):
                annotation = node.annotation.annotation if node.annotation else None
                libraries |= client_library_of_class(annotation, found[0])
            elif isinstance(node, cst.AnnAssign):
                libraries |= client_library_of_class(node.annotation.annotation, found[0])
            libraries |= client_library_of_value(binding.value, found[0])
        return libraries

    def tool_calls(self, function: cst.FunctionDef) -> tuple[cst.Call, ...]:
        """The calls in the own body of a tool function whose input is followed (it has
        parameters), for the FML9xx rules to look for sinks among; empty otherwise."""
        return self.flows.calls(function)

    def result_discarded(self, call: cst.Call) -> bool:
        """Whether the call, in a tool function's body, is a statement of its own: its
        result is thrown away."""
        return self.flows.discarded(call)

    def taint_of(self, expr: cst.BaseExpression, at: cst.Call) -> Taint | None:
        """How `expr`, evaluated at the call `at` in the body of a tool function, is derived
        from the tool's parameters (RULES.md, FML9xx); None when it is not, or when `at` is
        not in a tool function's own body."""
        return self.flows.taint_of(expr, at)

    def guarded(self, taint: Taint, at: cst.Call) -> bool:
        """Whether, before the call `at`, comparisons or checks (RULES.md: the sink is
        "guarded") mention values derived from every tool parameter `taint` comes from."""
        return self.flows.unchecked(taint, at) is None

    def unchecked(self, taint: Taint | None, at: cst.Call) -> Taint | None:
        """`taint` narrowed to the tool parameters that no check before the call `at`
        covers, for the message; None when the sink is guarded (or there is no taint)."""
        return None if taint is None else self.flows.unchecked(taint, at)

    def script_condition(self, path: str) -> str:
        """The condition of a finding in this file that matters only if the code runs in a
        server: none for a server module, an MCP client program (RULES.md reports its
        blocking calls, `input()` aside) or a module that is not a script of its own; for
        another script, that some server module imports it (decided with the project)."""
        if self.script and not self.server_module and not self.mcp_client:
            return f"{RUNS_IN_A_SERVER}:{path}"
        return ""

    def server_condition(self) -> str:
        """The condition of a finding that can only break a server: none in a server
        module; elsewhere, that the project has a server at all."""
        return "" if self.server_module or self.server_sites else BUILDS_A_SERVER

    def description_of(self, registration: Registration) -> Description | None:
        """What the model is shown as the description of a registered function.

        The `description=` of the registration when one is given (not None, not a blank
        string), else the docstring as `inspect.cleandoc` cleans it, up to its first
        parameter or return section (`docstring_description`: FastMCP sends the rest as
        parameter descriptions); None when there is neither, or the docstring has nothing
        before such a section. A `description=` that is a module-level constant bound once
        to a string literal is read through; any other expression, and a docstring that
        `@functools.wraps(f)` takes from another function, give a Description with no text.
        """
        known = self.description_memo.get(id(registration))
        if known is None or known[0] is not registration:
            known = self.description_memo[id(registration)] = (
                registration, self._description_of(registration))
        return known[1]

    def _description_of(self, registration: Registration) -> Description | None:
        given = registration.description
        node = docstring_node(registration.function)
        docstring = registration.function.get_docstring(clean=True)
        if given is not None and not (isinstance(given, cst.Name) and given.value == "None"):
            text = string_value(given)
            if text is None and isinstance(given, cst.Name):
                text = self._string_constant(given, registration.scope)
            if text is None or text.strip():
                return Description(text, given, from_docstring=False, docstring=docstring)
        for decorator in registration.function.decorators:
            # `@functools.wraps(f)` copies `f.__doc__` over the wrapper's: not known here.
            call = decorator.decorator
            if isinstance(call, cst.Call) and (
                    self.resolve(call.func, registration.scope) == "functools.wraps"):
                return Description(None, call, from_docstring=False)
        if node is None or docstring is None:
            return None
        text = docstring_description(docstring)
        if not text.strip():
            return None
        return Description(text, node, from_docstring=True, docstring=docstring)

    def _string_constant(self, name: cst.Name, scope: Scope | None) -> str | None:
        found = (scope or self.module_scope).lookup(name.value)
        if found is None or found[0] is not self.module_scope or len(found[1]) != 1:
            return None
        return string_value(found[1][0].value) if found[1][0].kind == "assign" else None

    def schema_parameters(self, registration: Registration) -> list[cst.Param]:
        """The parameters of a registered function that the model fills (its JSON schema).

        Left out: `self` and `cls`; the first parameter of a method registered through an
        instance or class (unless it is a `@staticmethod`); a parameter annotated as the
        FastMCP `Context` (`Context`, `Context | None`, `Optional[Context]`, `Context[...]`);
        a parameter whose default FastMCP injects (a call from `fastmcp.dependencies`, or
        `CurrentContext()` for a parameter named `ctx` or `context`); a parameter named in
        the registration's `exclude_args=[...]`; `*args`, `**kwargs`.
        """
        function = registration.function
        own = self.scopes.get(function)
        outer = own.parent if own is not None and own.parent is not None else self.module_scope
        params = function.params
        skip_first = registration.is_method and not any(
            outer.resolve(d.decorator) == "builtins.staticmethod" for d in function.decorators)
        positional_count = len(params.posonly_params) + len(params.params)
        excluded = registration.exclude_args
        left_out = {string_value(e.value) for e in excluded.elements} if isinstance(
            excluded, (cst.List, cst.Tuple, cst.Set)) else set()
        found = []
        for index, param in enumerate(
                [*params.posonly_params, *params.params, *params.kwonly_params]):
            if param.name.value in ("self", "cls") or param.name.value in left_out or (
                    skip_first and index == 0 and positional_count > 0):
                continue
            if is_injected_parameter(param, outer) or (
                    param.annotation is not None
                    and is_context_annotation(param.annotation.annotation, outer)):
                continue
            found.append(param)
        return found

    def server_identity(self, registration: Registration, module: str) -> str | None:
        """The server object a registration is made on, as `module:name`, or None if unknown.

        A name bound at module level in `module` is `module:name`; a name or attribute chain
        imported from another module (`from pkg.app import mcp`, `app.mcp`) is that module's
        (`pkg.app:mcp`), so tool modules that import the server agree with the module that
        binds it. A name local to a function (a factory's server, a `register(mcp)`
        parameter) is `module:func.<locals>.name`; `self.mcp` in a method is
        `module:Class.mcp`.
        """
        return self._identity(registration.scope, registration.server, module)

    def _identity(self, scope: Scope | None, expr: cst.BaseExpression, module: str
                  ) -> str | None:
        if scope is None:
            return None
        resolved = scope.resolve(expr)
        if resolved is not None:
            owner, _, attr = resolved.rpartition(".")
            if not owner or owner.startswith(".") or owner == "builtins":
                return None
            return f"{owner}:{attr}"
        if isinstance(expr, cst.Name):
            found = scope.lookup(expr.value)
            if found is None or len(found[1]) > 1:  # rebound: which server is not known
                return None
            prefix = qualname(found[0])
            return f"{module}:{prefix}.{expr.value}" if prefix else f"{module}:{expr.value}"
        if (isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name)
                and expr.value.value in ("self", "cls")):
            owner_scope: Scope | None = scope
            while owner_scope is not None and owner_scope.kind != "class":
                owner_scope = owner_scope.parent
            if owner_scope is not None:
                return f"{module}:{qualname(owner_scope)}.{expr.attr.value}"
        return None

    def registered_key(self, registration: Registration) -> str | None:
        """The name a tool or prompt is registered under, or a resource's URI, when static."""
        if registration.kind == "resource":
            return string_value(registration.uri)
        if registration.name is not None:
            return string_value(registration.name)
        return registration.function.name.value

    def registered_keys(self, module: str) -> list[tuple[
            str, str, str, str, tuple[tuple[int, bool], ...], cst.CSTNode]]:
        """(kind, name or URI, server identity, version, `if` branches, function name) of
        every tool, resource and prompt registration whose name (or URI), server and version
        are known statically; the version is "" when none is given."""
        found: list[tuple[str, str, str, str, tuple[tuple[int, bool], ...], cst.CSTNode]] = []
        for registration in self.registrations:
            if registration.kind == "route":
                continue
            key = self.registered_key(registration)
            server = self.server_identity(registration, module)
            version = _version_text(registration.version)
            if key is not None and server is not None and version is not None:
                found.append((registration.kind, key, server, version, registration.branches,
                              registration.function.name))
        for kind, key, server_expr, scope, version_expr, branches, node in self.external_keys:
            server = self._identity(scope, server_expr, module)
            version = _version_text(version_expr)
            if key is not None and server is not None and version is not None:
                found.append((kind, key, server, version, branches, node))
        return found



@dataclass(frozen=True)
class Description:
    """The description of a registered function and where it is written.

    `text` is None when it is computed (a call, an expression); `node` is the `description=`
    value or the docstring's string literal.
    """

    text: str | None
    node: cst.BaseExpression
    from_docstring: bool
    #: The whole cleaned docstring (also when `description=` is given), sections included:
    #: its `Args:` entries describe parameters, and all of it reaches the model.
    docstring: str | None = None


#: Parameter names that FastMCP fills with the Context when they default to `CurrentContext()`.
CONTEXT_NAMES = frozenset({"ctx", "context"})
#: Modules whose calls, given as a parameter default, make FastMCP inject the parameter
#: (`Depends(...)`, `CurrentContext()`, `CurrentFastMCP()`, ...): it is not in the schema.
_DEPENDENCY_MODULES = ("fastmcp.dependencies.", "fastmcp.server.dependencies.")
_TYPING_WRAPPERS = frozenset({"Optional", "Union", "Annotated"})


def is_injected_parameter(param: cst.Param, scope: Scope) -> bool:
    """A parameter whose default FastMCP injects: a dependency, or `ctx=CurrentContext()`."""
    default = param.default
    if not isinstance(default, cst.Call):
        return False
    resolved = scope.resolve(default.func)
    if resolved is not None and resolved.startswith(_DEPENDENCY_MODULES):
        return True
    spelled = resolved or dotted(default.func) or ""
    return param.name.value in CONTEXT_NAMES and spelled.rsplit(".", 1)[-1] == "CurrentContext"


def is_context_annotation(annotation: cst.BaseExpression, scope: Scope) -> bool:
    """An annotation naming the FastMCP Context: `Context`, `Context[...]`, `Context | None`,
    `Optional[Context]`, `"Context"`; imported from fastmcp or mcp, or not imported at all."""
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator,
                                                                  cst.BitOr):
        return (is_context_annotation(annotation.left, scope)
                or is_context_annotation(annotation.right, scope))
    text = string_value(annotation)
    if text is not None:
        head = text.split("[", 1)[0].split("|", 1)[0].strip()
        return head.rsplit(".", 1)[-1] == "Context"
    if isinstance(annotation, cst.Subscript):
        wrapper = (dotted(annotation.value) or "").rsplit(".", 1)[-1]
        if wrapper in _TYPING_WRAPPERS:
            elements = [e.slice.value for e in annotation.slice if isinstance(e.slice, cst.Index)]
            if wrapper == "Annotated":
                elements = elements[:1]
            return any(is_context_annotation(e, scope) for e in elements)
        annotation = annotation.value
    spelled = dotted(annotation)
    if spelled is None or spelled.rsplit(".", 1)[-1] != "Context":
        return False
    resolved = scope.resolve(annotation)
    return resolved is None or resolved.startswith(("fastmcp.", "mcp."))


def _version_text(expr: cst.BaseExpression | None) -> str | None:
    """A `version=` as FastMCP keeps it: "" for none, the literal's text, None if computed."""
    if expr is None or (isinstance(expr, cst.Name) and expr.value == "None"):
        return ""
    if isinstance(expr, (cst.Integer, cst.Float)):
        return expr.value
    return string_value(expr)


def docstring_node(function: cst.FunctionDef) -> cst.BaseExpression | None:
    """The string literal of a function's docstring, if it has one."""
    body = function.body
    statements: Sequence[cst.BaseSmallStatement]
    if isinstance(body, cst.IndentedBlock):
        first = body.body[0] if body.body else None
        if not isinstance(first, cst.SimpleStatementLine):
            return None
        statements = first.body
    elif isinstance(body, cst.SimpleStatementSuite):
        statements = body.body
    else:
        return None
    expr = statements[0] if statements else None
    if isinstance(expr, cst.Expr) and isinstance(expr.value, (cst.SimpleString,
                                                              cst.ConcatenatedString)):
        return expr.value
    return None


#: Whole lines that start a docstring's parameter or return part (RULES.md, FML7xx).
_SECTION_HEADERS = frozenset({"Args:", "Arguments:", "Parameters", "Parameters:", "Returns:",
                              "Raises:", "Yields:"})
#: NumPy section names, headers when underlined with dashes.
_NUMPY_SECTIONS = frozenset({"Parameters", "Returns", "Raises", "Yields", "Other Parameters"})
#: Sphinx fields of the parameter and return part (`:param x:`, `:returns:`, ...).
_SPHINX_FIELD = re.compile(r":(param|parameter|arg|argument|key|keyword|type|returns?|rtype"
                           r"|raises?)\b")
_SPHINX_PARAM = re.compile(r":(?:param|parameter|arg|argument|key|keyword)\s+"
                           r"(?:[^:]*\s)?\**([A-Za-z_]\w*)\s*:")
_GOOGLE_PARAMS = frozenset({"Args:", "Arguments:", "Parameters:", "Parameters"})
_GOOGLE_ENTRY = re.compile(r"(?:[-*•]\s+)?\**([A-Za-z_]\w*)\s*(?:\([^)]*\))?\s*:")
_NUMPY_ENTRY = re.compile(r"\**([A-Za-z_]\w*(?:\s*,\s*\**[A-Za-z_]\w*)*)\s*(?::|$)")


def _is_dashes(line: str) -> bool:
    stripped = line.strip()
    return len(stripped) >= 3 and set(stripped) == {"-"}


def _section_start(lines: list[str], index: int) -> bool:
    stripped = lines[index].strip()
    if stripped in _SECTION_HEADERS or _SPHINX_FIELD.match(stripped):
        return True
    return (stripped in _NUMPY_SECTIONS and index + 1 < len(lines)
            and _is_dashes(lines[index + 1]))


def docstring_description(docstring: str) -> str:
    """The part of a cleaned docstring before its first parameter or return section (a line
    `Args:`, `Arguments:`, `Parameters`, `Returns:`, `Raises:`, `Yields:`, a NumPy header
    underlined with dashes, or a Sphinx `:param`/`:return` field), stripped: what FastMCP
    shows as the description."""
    lines = docstring.splitlines()
    for index in range(len(lines)):
        if _section_start(lines, index):
            return "\n".join(lines[:index]).strip()
    return docstring.strip()


def documented_parameters(docstring: str) -> frozenset[str]:
    """The parameter names a docstring documents: entries of a Google `Args:`/`Arguments:`/
    `Parameters:` section (`name:`, `name (type):`, also as `- name:` bullets), of a NumPy
    `Parameters` section (`name : type`, `a, b : int`), and Sphinx `:param [type] name:`
    fields."""
    lines = docstring.splitlines()
    names: set[str] = {m.group(1) for m in _SPHINX_PARAM.finditer(docstring)}
    index = 0
    while index < len(lines):
        stripped = lines[index].strip()
        numpy = (stripped in ("Parameters", "Other Parameters") and index + 1 < len(lines)
                 and _is_dashes(lines[index + 1]))
        if not numpy and stripped not in _GOOGLE_PARAMS:
            index += 1
            continue
        header_indent = len(lines[index]) - len(lines[index].lstrip())
        index += 2 if numpy else 1
        entry_indent: int | None = None
        while index < len(lines):
            line = lines[index]
            if not line.strip():
                index += 1
                continue
            indent = len(line) - len(line.lstrip())
            if indent < header_indent or _section_start(lines, index) or (
                    numpy and index + 1 < len(lines) and _is_dashes(lines[index + 1])):
                break
            if entry_indent is None:
                entry_indent = indent
            if indent < entry_indent:
                break
            if indent == entry_indent:
                match = (_NUMPY_ENTRY if numpy else _GOOGLE_ENTRY).match(line.strip())
                if match is not None:
                    names.update(n.strip().lstrip("*") for n in match.group(1).split(","))
            index += 1
    return frozenset(names)


def client_library_of_class(expr: cst.BaseExpression | None, scope: Scope) -> set[str]:
    """The libraries of the HTTP client classes an annotation names (`X | None` too)."""
    if expr is None:
        return set()
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
        return client_library_of_class(expr.left, scope) | client_library_of_class(
            expr.right, scope)
    library = HTTP_CLIENTS.get(scope.resolve(expr) or "")
    return {library} if library else set()


def client_library_of_value(expr: cst.BaseExpression | None, scope: Scope) -> set[str]:
    """The library of the HTTP client a value constructs (`requests.Session()`), if any."""
    if isinstance(expr, cst.Await):
        expr = expr.expression
    if isinstance(expr, cst.Call):
        library = HTTP_CLIENTS.get(scope.resolve(expr.func) or "")
        return {library} if library else set()
    return set()


def is_docstring(statement: cst.BaseStatement) -> bool:
    """Whether a statement is a string expression alone (a module, class or function's
    docstring when it comes first)."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    first = statement.body[0]
    return isinstance(first, cst.Expr) and isinstance(
        first.value, (cst.SimpleString, cst.ConcatenatedString))


def string_value(expr: cst.BaseExpression | None) -> str | None:
    """The value of a plain string literal (also implicitly concatenated), else None
    (bytes, or an escape Python itself would reject, included)."""
    if isinstance(expr, cst.SimpleString):
        raw = expr.value
        prefix = len(raw) - len(raw.lstrip("rRbBuU"))
        if "b" in raw[:prefix].lower():
            return None
        if "\\" not in raw and "\r" not in raw:  # nothing to evaluate: cut the quotes off
            quote = 3 if raw.startswith(('"""', "'''"), prefix) else 1
            return raw[prefix + quote:len(raw) - quote]
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
        try:
            value = expr.evaluated_value
        except Exception:  # an escape that Python itself would reject
            return None
        return value if isinstance(value, str) else None
    return None


def _package_names(node: cst.Import | cst.ImportFrom) -> tuple[str, ...]:
    """The full dotted names of fastmcp / mcp an absolute import brings in."""
    if isinstance(node, cst.Import):
        names = [dotted(alias.name) or "" for alias in node.names]
    elif node.relative or node.module is None:
        return ()
    else:
        base = dotted(node.module) or ""
        names = [base] if isinstance(node.names, cst.ImportStar) else [
            f"{base}.{dotted(alias.name)}" for alias in node.names]
    return tuple(n for n in names if n.split(".", 1)[0] in ("fastmcp", "mcp"))


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    """The `name=` argument of a call, if given."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def positional(call: cst.Call, index: int) -> cst.Arg | None:
    """The index-th positional argument of a call, if given (no star arguments)."""
    plain = [arg for arg in call.args if arg.keyword is None and not arg.star]
    return plain[index] if index < len(plain) else None


class ModelBuilder:
    """One pass over a module that fills a FileModel; see `build_model`."""

    #: The node types `on_visit` handles (the walk skips calls for the others).
    wants = frozenset({
        "Call", "Assign", "AnnAssign", "AugAssign", "Import", "ImportFrom", "FunctionDef",
        "ClassDef", "Return", "For", "WithItem", "ExceptHandler", "Global", "NamedExpr",
        "While", "MatchCase", "Comparison", "Expr", "Await", "Yield", "Try",
    })

    def __init__(self, module: cst.Module, package: str | None) -> None:
        module_scope = Scope("module", module, None)
        self.model = FileModel(module_scope, {module: module_scope}, package)
        self.tracker = Tracker(module_scope, self.model.scopes, create_scopes=True)
        self.package = package
        self._calls: list[_CallSite] = []
        self._assignments: list[_Assignment] = []
        self._functions: list[tuple[cst.FunctionDef, Scope]] = []
        self._classes: list[tuple[cst.ClassDef, Scope]] = []
        self._returns: list[tuple[cst.FunctionDef, cst.BaseExpression]] = []
        #: The `if` branches open at the walk's current point: (which `if`, in its `else`).
        self._branches: list[tuple[int, bool]] = []
        self._ifs: dict[cst.If, int] = {}
        #: Where definitions and calls inside `if` branches are (see Registration.branches).
        self._placed: dict[cst.CSTNode, tuple[tuple[int, bool], ...]] = {}
        self._flow = FlowCollector()
        self._handlers = self._handlers_by_type()
        #: The names that may lead to a server class (None: not known until the walk is
        #: done); a call through any other name is not a server's construction.
        self._server_roots: frozenset[str] | None = None
        #: How many `try: ... except ImportError:` shims the walk is in.
        self._shims = 0

    # -- the walk ---------------------------------------------------------------------------

    def on_field(self, node: cst.CSTNode, field_name: str, entering: bool) -> None:
        self.tracker.on_field(node, field_name, entering)
        if type(node) is cst.If and field_name in ("body", "orelse"):
            if entering:
                index = self._ifs.setdefault(node, len(self._ifs))
                self._branches.append((index, field_name == "orelse"))
            else:
                self._branches.pop()
        self._flow.on_field(node, field_name, entering)

    def on_leave(self, node: cst.CSTNode) -> None:
        if type(node) is cst.Try and is_import_shim(node):
            self._shims -= 1
        self._flow.on_leave(node)

    def on_visit(self, node: cst.CSTNode) -> bool:
        kind = type(node)
        if kind is cst.Try and is_import_shim(node):  # type: ignore[arg-type]
            self._shims += 1
        if self._branches and (kind is cst.FunctionDef or kind is cst.Call):
            self._placed[node] = tuple(self._branches)
        self._flow.on_visit(node)
        handler = self._handlers.get(kind)
        if handler is not None:
            handler(self, node)
        return True

    def _handlers_by_type(self) -> dict[type, Callable[[ModelBuilder, Any], None]]:
        """What `on_visit` does per node type (looked up by exact type: LibCST's node
        classes are final, and an `isinstance` on them is an ABC check).

        Plain functions, not bound methods: methods stored on `self` would make a reference
        cycle, and then each file's whole tree would wait for the cyclic garbage collector.
        """
        builder = type(self)
        return {
            cst.Call: builder._visit_call, cst.Assign: builder._visit_assign,
            cst.AnnAssign: builder._visit_ann_assign, cst.AugAssign: builder._visit_aug_assign,
            cst.Import: builder._visit_import, cst.ImportFrom: builder._visit_import,
            cst.FunctionDef: builder._visit_function, cst.ClassDef: builder._visit_class,
            cst.Return: builder._visit_return, cst.For: builder._visit_for,
            cst.WithItem: builder._visit_with_item, cst.ExceptHandler: builder._visit_except,
            cst.Global: builder._visit_global, cst.NamedExpr: builder._visit_named_expr,
            cst.Await: builder._visit_await, cst.Yield: builder._visit_yield,
        }

    def _visit_call(self, node: cst.Call) -> None:
        if isinstance(node.func, (cst.Name, cst.Attribute, cst.Call)):
            tracker = self.tracker
            self._calls.append(_CallSite(node, tracker.scope, tracker.at_import_time,
                                         tracker.function, tracker.main_guard > 0,
                                         tracker.in_lock))

    def _visit_assign(self, node: cst.Assign) -> None:
        scope = self.tracker.scope
        for target in node.targets:
            bind_target(scope, target.target, node, node.value)
            self._assignments.append(_Assignment(
                target.target, node.value, None, scope, self._module_level()))

    def _visit_ann_assign(self, node: cst.AnnAssign) -> None:
        scope = self.tracker.scope
        bind_target(scope, node.target, node, node.value)
        self._assignments.append(_Assignment(
            node.target, node.value, node.annotation.annotation, scope, self._module_level()))

    def _visit_aug_assign(self, node: cst.AugAssign) -> None:
        bind_target(self.tracker.scope, node.target, node, None)

    def _visit_import(self, node: cst.Import | cst.ImportFrom) -> None:
        tracker = self.tracker
        bind_import(tracker.scope, node, self.package)
        self._note_fastmcp_import(node)
        if type(node) is cst.ImportFrom and type(node.names) is cst.ImportStar:
            self.model.called_attributes.add("*")
        if not tracker.in_type_checking and not self._shims:
            names = _package_names(node)
            if names:
                self.model.version_imports.append((node, names))
        if tracker.at_import_time and not tracker.in_type_checking:
            self.model.imports.append(ImportRecord(node, self._import_targets(node)))
        elif not tracker.in_type_checking:
            targets = self._import_targets(node)
            self.model.deferred_imports.append(targets)
            if tracker.function is not None and self._own(node):
                self.model.own_deferred_imports.append(ImportRecord(node, targets))

    def _own(self, node: cst.Import | cst.ImportFrom) -> bool:
        """A relative import, or an absolute import of the file's own package."""
        if isinstance(node, cst.ImportFrom):
            if node.relative:
                return True
            names = [dotted(node.module) or ""] if node.module is not None else []
        else:
            names = [dotted(alias.name) or "" for alias in node.names]
        package = self.package
        return package is not None and any(
            name == package or name.startswith(package + ".") for name in names)

    def _visit_function(self, node: cst.FunctionDef) -> None:
        scope = self.tracker.scope
        scope.bind(Binding(node.name.value, "def", node))
        self._functions.append((node, scope))

    def _visit_class(self, node: cst.ClassDef) -> None:
        scope = self.tracker.scope
        scope.bind(Binding(node.name.value, "class", node))
        self._classes.append((node, scope))

    def _visit_return(self, node: cst.Return) -> None:
        function = self.tracker.function
        if isinstance(function, cst.FunctionDef) and node.value is not None:
            self._returns.append((function, node.value))

    def _visit_await(self, node: cst.Await) -> None:
        self.model.summary_input.awaited.add(id(node.expression))

    def _visit_yield(self, node: cst.Yield) -> None:
        function = self.tracker.function
        value = node.value
        if isinstance(function, cst.FunctionDef) and isinstance(value, cst.BaseExpression):
            self.model.summary_input.yields.append((function, value))

    def _visit_for(self, node: cst.For) -> None:
        bind_target(self.tracker.scope, node.target, node, None, "other")

    def _visit_with_item(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            bind_target(self.tracker.scope, node.asname.name, node, node.item, "other")

    def _visit_except(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            bind_target(self.tracker.scope, node.name.name, node, None, "other")

    def _visit_global(self, node: cst.Global) -> None:
        for item in node.names:
            self.tracker.scope.globals.add(item.name.value)

    def _visit_named_expr(self, node: cst.NamedExpr) -> None:
        bind_target(self.tracker.scope, node.target, node, node.value)

    def _import_targets(self, node: cst.Import | cst.ImportFrom) -> tuple[tuple[str, ...], ...]:
        """For each imported name, the modules it may be, most specific first.

        `import a.b` is `a.b`; `from a import b` is `a.b` if that is a module, else `a`;
        relative imports are made absolute with the file's package. `from . import x`
        (no module after the dots) is `pkg.x` only: it imports a submodule, or takes a name
        from the package the file is already part of. A relative import the file's package
        cannot resolve (a folder without `__init__.py`) keeps its dots (`.x`), for the
        project to resolve against namespace packages.
        """
        if isinstance(node, cst.Import):
            return tuple((dotted(alias.name) or "",) for alias in node.names)
        base = absolute_module(len(node.relative), node.module, self.package)
        if not base:
            return ()
        if isinstance(node.names, cst.ImportStar):
            return ((base,),)
        joiner = "" if base.endswith(".") else "."
        if node.relative and node.module is None:
            return tuple((f"{base}{joiner}{dotted(alias.name)}",) for alias in node.names)
        return tuple((f"{base}{joiner}{dotted(alias.name)}", base) for alias in node.names)

    def _module_level(self) -> bool:
        return not self.tracker.frames and self.tracker.main_guard == 0

    def _note_fastmcp_import(self, node: cst.Import | cst.ImportFrom) -> None:
        if isinstance(node, cst.Import):
            names = [dotted(alias.name) or "" for alias in node.names]
        else:
            absolute = node.module is not None and not node.relative
            names = [dotted(node.module) or ""] if absolute and node.module else []
        for name in names:
            if name in ("fastmcp", "mcp.server") or name.startswith(("fastmcp.", "mcp.server.")):
                self.model.imports_fastmcp = True

    # -- after the walk ---------------------------------------------------------------------

    def finish(self) -> FileModel:
        server_classes = self._server_classes()
        factories = self._factories(server_classes)
        self._bind_servers(server_classes, factories)
        self._find_project_servers(server_classes, factories)
        self._find_registrations()
        self._find_candidates()
        self._find_starts_and_routes()
        self._find_in_process_clients()
        self._find_features()
        self._find_clients()
        self._find_flows()
        model = self.model
        model.mcp_client = any(
            binding.qualified is not None and is_mcp_client(binding.qualified)
            for scope in model.scopes.values() for bindings in scope.bindings.values()
            for binding in bindings)
        self._find_route_handlers()
        http_branches = set()
        for node, index in self._ifs.items():
            branch = _http_test(node.test)
            if branch is not None:
                http_branches.add((index, branch == "else"))
        if http_branches:
            model.http_only_calls = {
                call for call, placed in self._placed.items()
                if isinstance(call, cst.Call) and any(b in http_branches for b in placed)}
        registers = any(r.kind != "route" for r in model.registrations) or bool(
            model.tool_targets)
        model.server_module = (model.imports_fastmcp or registers) and not (
            model.mcp_client and not registers and not model.server_sites)
        model.script = any(site.in_main_guard or (
            site.function is None and site.scope.resolve(site.call.func) in _SCRIPT_ENTRIES)
            for site in self._calls)
        self._find_script_calls()
        self._find_units()
        data = model.summary_input
        data.calls = [(site.call, site.scope, site.function) for site in self._calls]
        data.functions = self._functions
        data.classes = self._classes
        data.assignments = [(a.target, a.value, a.annotation, a.scope)
                            for a in self._assignments]
        data.returns = self._returns
        self._find_server_calls()
        return model

    def _find_server_calls(self) -> None:
        for site in self._calls:
            func = site.call.func
            if type(func) is cst.Attribute:
                if self.is_server(func.value, site.scope):
                    self.model.server_calls[site.call] = True
                elif self.may_be_server(func.value, site.scope):
                    self.model.server_calls[site.call] = False

    def _find_units(self) -> None:
        """What other modules may call, and (in a helper that writes to stdout) its units."""
        model = self.model
        writes = False
        for site in self._calls:
            name = called_attribute(site.call.func, site.scope)
            if name is not None:
                model.called_attributes.add(name)
            if not writes:
                called = site.scope.resolve(site.call.func)
                # A rich console writes only where it is used (FML602 asks which units).
                writes = called in RICH_CONSOLES or (
                    not model.server_module and called in _STDOUT_WRITES)
        if writes:
            module = model.module_scope.node
            assert isinstance(module, cst.Module)
            model.stdout_units, model.terminal_units = module_units(module, model.module_scope)

    def _find_script_calls(self) -> None:
        model = self.model
        if any(start.transport not in _HTTP_TRANSPORT_NAMES | {"streamable_http"}
               for start in model.starts):
            return
        for scope in model.scopes.values():  # `fastmcp.cli` runs a server (`fastmcp run`)
            for bindings in scope.bindings.values():
                if any(b.qualified is not None and (b.qualified == "fastmcp.cli"
                                                   or b.qualified.startswith("fastmcp.cli."))
                       for b in bindings):
                    return
        functions = {f.name.value: f for f, scope in self._functions
                     if scope is model.module_scope and f not in model.tools}
        by_function: dict[cst.CSTNode | None, list[cst.Call]] = {}
        roots: list[cst.Call] = []
        for site in self._calls:
            if site.in_main_guard:
                roots.append(site.call)
            else:
                owner: cst.CSTNode | None = site.function
                while owner is not None and owner not in functions.values():
                    owner = self._outer_function(owner)
                by_function.setdefault(owner, []).append(site.call)
        found = set(roots)
        seen: set[cst.FunctionDef] = set()
        # The functions of a module the server imports run in the server whoever calls
        # them; only a server module's own script functions are its script's.
        stack = list(roots) if model.server_module else []
        while stack:
            call = stack.pop()
            callee = self._called_function(call, functions)
            if callee is None or callee in seen:
                continue
            seen.add(callee)
            for inner in by_function.get(callee, ()):
                found.add(inner)
                stack.append(inner)
        model.script_only_calls = found

    def _outer_function(self, function: cst.CSTNode) -> cst.CSTNode | None:
        scope = self.model.scopes.get(function)
        parent = scope.parent if scope is not None else None
        while parent is not None and not isinstance(parent.node, (cst.FunctionDef,
                                                                  cst.Lambda)):
            parent = parent.parent
        return parent.node if parent is not None else None

    @staticmethod
    def _called_function(call: cst.Call, functions: dict[str, cst.FunctionDef]
                         ) -> cst.FunctionDef | None:
        """The module function a call names (`main()`, `asyncio.run(main())`)."""
        for expr in [call.func, *(arg.value for arg in call.args)]:
            if isinstance(expr, cst.Call):
                expr = expr.func
            if isinstance(expr, cst.Name) and expr.value in functions:
                return functions[expr.value]
        return None

    def _find_route_handlers(self) -> None:
        """The web route handlers: `custom_route` registrations, functions under a route
        decorator with a literal URL path (`@app.get("/items")`), and endpoints given to a
        route class or a route-adding method (`Route("/x", fn)`, `app.add_route("/x", fn)`),
        through aliases (`from starlette.routing import Route as R`)."""
        handlers = self.model.route_handlers
        handlers.update(r.function for r in self.model.registrations if r.kind == "route")
        for function, _ in self._functions:
            for decorator in function.decorators:
                expr = decorator.decorator
                if (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)
                        and expr.func.attr.value in _WEB_ROUTE_DECORATORS
                        and _url_path(expr)):
                    handlers.add(function)
        for site in self._calls:
            call = site.call
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value in _ROUTE_ADDERS:
                pass
            elif isinstance(func, (cst.Name, cst.Attribute)):
                resolved = site.scope.resolve(func) or dotted(func) or ""
                if resolved.rsplit(".", 1)[-1] not in _ROUTE_CLASSES:
                    continue
            else:
                continue
            endpoint = (keyword(call, "endpoint") or keyword(call, "route")
                        or positional(call, 1))
            if endpoint is not None:
                ref = self._function_ref(endpoint.value, site.scope)
                if ref is not None:
                    handlers.add(ref[0])

    def _find_clients(self) -> None:
        attributes = self.model.client_attributes
        for a in self._assignments:
            libraries = client_library_of_value(a.value, a.scope) | client_library_of_class(
                a.annotation, a.scope)
            if not libraries:
                continue
            if isinstance(a.target, cst.Attribute):
                attributes.setdefault(a.target.attr.value, set()).update(libraries)
            elif isinstance(a.target, cst.Name) and a.scope.kind == "class":
                attributes.setdefault(a.target.value, set()).update(libraries)
        self._find_client_makers()

    def _find_client_makers(self) -> None:
        """Functions that build a new HTTP client each time they run (FML402 through the
        project): a constructor of `HTTP_CLIENTS`, also one kept on `self.`/`cls.` or a
        global (a constructor, or a method the caller then calls, builds one per instance),
        unless it is built under the lazy-initialisation idiom (`if self._client is None:
        self._client = httpx.AsyncClient()` builds it once) or under a lock (a cache). The
        calls made that way, of any function, are `once_calls`: a chain ends there."""
        lazy: dict[int, set[int]] = {}
        once: set[int] = set()
        for a in self._assignments:  # what runs once: a call assigned lazily
            owner = a.scope.node
            value = a.value
            if isinstance(value, cst.BooleanOperation):
                value = value.right
            local = isinstance(a.target, cst.Name) and a.target.value not in a.scope.globals
            if (a.scope.kind != "function" or not isinstance(owner, cst.FunctionDef)
                    or not isinstance(value, cst.Call) or local):
                continue
            if id(owner) not in lazy:
                lazy[id(owner)] = lazy_values(owner)
            if id(value) in lazy[id(owner)]:
                once.add(id(value))
        for site in self._calls:
            function = site.function
            if not isinstance(function, cst.FunctionDef):
                continue
            if site.in_lock or id(site.call) in once:
                qualified = self.model.qualified_name(function)
                if qualified is not None:
                    self.model.once_calls.append((qualified, site.call))
                continue
            name = site.scope.resolve(site.call.func)
            if name in HTTP_CLIENTS:
                qualified = self.model.qualified_name(function)
                if qualified is not None:
                    self.model.client_makers.append((qualified, name, site.call))

    def _find_flows(self) -> None:
        """Replay the recorded flow of each tool function, over its schema parameters.

        Parameters whose annotation pydantic validates into a value that cannot carry a
        command, a path or SQL (`SAFE_TYPES`, `Literal[...]`, an `Enum` subclass of the
        file) are left out: RULES.md never flags values derived only from them.
        """
        functions = []
        paths: dict[cst.FunctionDef, frozenset[str]] = {}
        enums = self._enum_classes()
        for function, registration in [*self.model.tools.items(),
                                       *self.model.candidates.items()]:
            scope = self.model.scopes.get(function)
            if registration.kind == "route" or scope is None:
                continue
            outer = scope.parent or self.model.module_scope
            names = []
            path_names = set()
            for param in self.model.schema_parameters(registration):
                annotation = param.annotation.annotation if param.annotation else None
                if annotation is not None and _safe_annotation(annotation, outer, enums):
                    continue
                names.append(param.name.value)
                if annotation is not None and _path_annotation(annotation, outer):
                    path_names.add(param.name.value)
            functions.append((function, scope, names))
            if path_names:
                paths[function] = frozenset(path_names)
        self.model.flows = Flows.build(self._flow, functions, paths, self.model.package)
        self.model.flow_collector = self._flow

    def _enum_classes(self) -> frozenset[str]:
        """The names of the file's classes that are `Enum` subclasses (also through one
        another)."""
        found: set[str] = set()
        changed = True
        while changed:
            changed = False
            for node, scope in self._classes:
                name = node.name.value
                if name not in found and any(
                        (scope.resolve(base.value) or "").startswith("enum.")
                        or (isinstance(base.value, cst.Name) and base.value.value in found)
                        for base in node.bases):
                    found.add(name)
                    changed = True
        return frozenset(found)

    def _is_server_class(self, expr: cst.BaseExpression, scope: Scope,
                         local: set[cst.ClassDef]) -> bool:
        """A server class, or one of its constructors (`FastMCP.from_fastapi`, `.as_proxy`)."""
        if isinstance(expr, cst.Attribute) and expr.attr.value in _SERVER_CONSTRUCTORS:
            expr = expr.value
        if isinstance(expr, cst.Subscript):
            expr = expr.value
        if self._server_roots is not None:
            root = expr
            while type(root) is cst.Attribute:
                root = root.value
            if type(root) is not cst.Name or root.value not in self._server_roots:
                return False
        if scope.resolve(expr) in SERVER_CLASSES:
            return True
        if isinstance(expr, cst.Name):
            found = scope.lookup(expr.value)
            if found is not None:
                return any(b.kind == "class" and b.node in local for b in found[1])
        return False

    def _names_of_servers(self) -> frozenset[str]:
        """The names, in any scope, through which a server class may be reached: imports of
        a server class or of a module above one (`fastmcp`, `mcp.server`), and the file's
        own classes (a subclass). Without one, no expression in the file names a server
        class; this is asked of every call in the file."""
        roots: set[str] = set()
        for scope in self.model.scopes.values():
            for name, bindings in scope.bindings.items():
                if any(b.kind == "class" or (b.qualified is not None and _above_server_class(
                        b.qualified)) for b in bindings):
                    roots.add(name)
        return frozenset(roots)

    def _server_classes(self) -> set[cst.ClassDef]:
        self._server_roots = self._names_of_servers()
        local: set[cst.ClassDef] = set()
        changed = True
        while changed:
            changed = False
            for node, scope in self._classes:
                if node not in local and any(
                    self._is_server_class(base.value, scope, local) for base in node.bases
                ):
                    local.add(node)
                    changed = True
        return local

    def _factories(self, classes: set[cst.ClassDef]) -> set[cst.FunctionDef]:
        """Functions that return a new server (directly or through a local name)."""
        factories: set[cst.FunctionDef] = set()
        values: dict[tuple[Scope, str], list[cst.BaseExpression]] = {}
        for a in self._assignments:
            if isinstance(a.target, cst.Name) and isinstance(a.value, cst.Call):
                values.setdefault((a.scope, a.target.value), []).append(a.value)
        changed = True
        while changed:
            changed = False
            for function, value in self._returns:
                if function in factories:
                    continue
                scope = self.model.scopes.get(function)
                if scope is None:
                    continue
                returned = (
                    [e.value for e in value.elements] if isinstance(value, cst.Tuple)
                    else [value])
                if any(self._constructs_server(item, scope, classes, factories) or (
                    isinstance(item, cst.Name) and any(
                        self._constructs_server(bound, scope, classes, factories)
                        for bound in values.get((scope, item.value), ())))
                       for item in returned):
                    factories.add(function)
                    changed = True
        return factories

    def _find_project_servers(self, classes: set[cst.ClassDef],
                              factories: set[cst.FunctionDef]) -> None:
        """What the project needs to find servers built across modules: the module-level
        classes and functions, and the calls of imported names that may build one."""
        module_scope = self.model.module_scope
        for cls, cls_scope in self._classes:
            if cls_scope is module_scope:
                bases = tuple(name for base in cls.bases
                              if (name := self._dotted_in(base.value, cls_scope)) is not None)
                self.model.classes.append((cls.name.value, bases, cls in classes))
        returns: dict[cst.FunctionDef, list[str]] = {}
        values: dict[tuple[Scope, str], list[cst.BaseExpression]] = {}
        for a in self._assignments:
            if isinstance(a.target, cst.Name) and isinstance(a.value, cst.Call):
                values.setdefault((a.scope, a.target.value), []).append(a.value)
        for function, value in self._returns:
            inner = self.model.scopes.get(function)
            if inner is None:
                continue
            items = [e.value for e in value.elements] if isinstance(value, cst.Tuple) else [value]
            for item in items:
                calls = [item] if isinstance(item, cst.Call) else (
                    values.get((inner, item.value), []) if isinstance(item, cst.Name) else [])
                for call in calls:
                    if isinstance(call, cst.Call):
                        name = self._dotted_in(call.func, inner)
                        if name is not None:
                            returns.setdefault(function, []).append(name)
        for node, scope in self._functions:
            if scope is module_scope:
                self.model.factories.append(
                    (node.name.value, tuple(returns.get(node, ())), node in factories))
        bound = {a.value for a in self._assignments
                 if a.at_module_level and isinstance(a.value, cst.Call)
                 and isinstance(a.target, (cst.Name, cst.Tuple, cst.List))}
        # The project rules use the first call of each kind (a server is reported at its
        # first construction), and each call's position costs a code generation.
        seen: set[tuple[str, bool, bool]] = set()
        for site in self._calls:
            func = site.call.func
            if not isinstance(func, (cst.Name, cst.Attribute)):
                continue
            name = site.scope.resolve(func)
            if name is None or name in SERVER_CLASSES or name.split(".")[0] in _NOT_PROJECT:
                continue
            is_bound = site.call in bound
            kind = (name, site.at_import_time, is_bound)
            if (is_bound or name.rsplit(".", 1)[-1][:1].isupper()) and kind not in seen:
                seen.add(kind)
                self.model.project_calls.append(
                    ProjectCall(site.call, name, site.at_import_time, is_bound))

    def _dotted_in(self, expr: cst.BaseExpression, scope: Scope) -> str | None:
        """An imported name's dotted name, `:name` for a module-level name of this file."""
        if isinstance(expr, cst.Subscript):
            expr = expr.value
        name = scope.resolve(expr)
        if name is not None:
            return None if name.startswith("builtins.") else name
        if isinstance(expr, cst.Name) and expr.value in self.model.module_scope.bindings:
            found = scope.lookup(expr.value)
            if found is not None and found[0] is self.model.module_scope:
                return ":" + expr.value
        return None

    def _constructs_server(self, expr: cst.BaseExpression, scope: Scope,
                           classes: set[cst.ClassDef], factories: set[cst.FunctionDef]) -> bool:
        if not isinstance(expr, cst.Call):
            return False
        if self._is_server_class(expr.func, scope, classes):
            return True
        if isinstance(expr.func, cst.Name):
            found = scope.lookup(expr.func.value)
            if found is not None:
                return any(b.kind == "def" and b.node in factories for b in found[1])
        return False

    def _bind_servers(self, classes: set[cst.ClassDef], factories: set[cst.FunctionDef]) -> None:
        self._server_names: dict[Scope, set[str]] = {}
        self._server_attrs: set[str] = set()
        module_bound: set[cst.Call] = set()
        for a in self._assignments:
            is_server = a.value is not None and self._constructs_server(
                a.value, a.scope, classes, factories)
            if not is_server and a.annotation is not None:
                is_server = self._is_server_class(a.annotation, a.scope, classes)
            if not is_server:
                if a.at_module_level and isinstance(a.target, cst.Name) and (
                        self._imported_call(a.target.value, a.value, a.scope)):
                    self.model.module_server_names.append(a.target.value)
                continue
            if isinstance(a.target, cst.Name):
                self._server_names.setdefault(a.scope, set()).add(a.target.value)
                if a.at_module_level:
                    self.model.module_server_names.append(a.target.value)
                    if isinstance(a.value, cst.Call):
                        module_bound.add(a.value)
            elif isinstance(a.target, (cst.Tuple, cst.List)) and a.at_module_level:
                # `mcp, config = make()`: which element is the server is not known, but a
                # module-level name holds it.
                names = [e.value.value for e in a.target.elements
                         if isinstance(e.value, cst.Name)]
                if names:
                    self.model.module_server_names.append(
                        next((n for n in names if _server_like(n)), names[0]))
                    if isinstance(a.value, cst.Call):
                        module_bound.add(a.value)
            elif isinstance(a.target, cst.Attribute):
                self._server_attrs.add(a.target.attr.value)
        for scope in self.model.scopes.values():
            if isinstance(scope.node, (cst.FunctionDef, cst.Lambda)):
                params = scope.node.params
                for param in [*params.posonly_params, *params.params, *params.kwonly_params]:
                    if param.annotation is not None and self._is_server_class(
                            param.annotation.annotation, scope, classes):
                        self._server_names.setdefault(scope, set()).add(param.name.value)
        for site in self._calls:
            if self._is_server_class(site.call.func, site.scope, classes):
                self.model.server_sites.append(
                    ServerSite(site.call, site.at_import_time, site.call in module_bound))

    def is_server(self, expr: cst.BaseExpression, scope: Scope) -> bool:
        """A name or attribute this file binds to a server."""
        if isinstance(expr, cst.Name):
            found = scope.lookup(expr.value)
            return found is not None and expr.value in self._server_names.get(found[0], ())
        if isinstance(expr, cst.Attribute):
            return expr.attr.value in self._server_attrs
        return False

    def may_be_server(self, expr: cst.BaseExpression, scope: Scope, *,
                      strict: bool = False) -> bool:
        """A known server, or a name that could hold one made elsewhere.

        Lax (for `.tool`/`.resource`/`.prompt`, which only servers have): imported names,
        parameters, `self.X`, names bound to what an imported factory returns, and a
        server-named attribute of an imported module (`app.mcp`). Strict (for
        `.run()`, which many objects have): only those whose name says server (`mcp`,
        `server`, `main_mcp`). Module objects (`import uvicorn`) and names this file binds
        to other values never are.
        """
        if self.is_server(expr, scope):
            return True
        if isinstance(expr, cst.Name):
            found = scope.lookup(expr.value)
            if found is None:
                return self.model.imports_fastmcp and not strict
            if not all(b.kind in ("import", "param") or self._from_imported_call(b, scope)
                       for b in found[1]):
                return False
            return not strict or _server_like(expr.value)
        if isinstance(expr, cst.Attribute):
            if not (isinstance(expr.value, cst.Name) and expr.value.value in ("self", "cls")):
                resolved = scope.resolve(expr)
                return not strict and resolved is not None and not resolved.startswith(
                    "builtins.") and _server_like(expr.attr.value)
            return not strict or _server_like(expr.attr.value)
        return False

    def _from_imported_call(self, binding: Binding, scope: Scope) -> bool:
        """`server = create_server()` where `create_server` comes from another module."""
        return binding.kind == "assign" and self._imported_call(binding.name, binding.value,
                                                                scope)

    def _imported_call(self, name: str, value: cst.BaseExpression | None,
                       scope: Scope) -> bool:
        """`name = f()`, `name` says server and `f` is imported from another module."""
        if not isinstance(value, cst.Call) or not isinstance(value.func, cst.Name):
            return False
        if not _server_like(name):
            return False
        found = scope.lookup(value.func.value)
        return found is not None and all(b.kind == "import" for b in found[1])

    def _function_ref(self, expr: cst.BaseExpression, scope: Scope
                      ) -> tuple[cst.FunctionDef, bool] | None:
        """The function a registration names: `fn`, `self.method`, `Tool.from_function(fn)`."""
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and (
            expr.func.attr.value == "from_function" and expr.args
        ):
            return self._function_ref(expr.args[0].value, scope)
        if isinstance(expr, cst.Name):
            found = scope.lookup(expr.value)
            if found is not None:
                for binding in reversed(found[1]):
                    if binding.kind == "def" and isinstance(binding.node, cst.FunctionDef):
                        return binding.node, False
            return None
        if isinstance(expr, cst.Attribute):
            wanted = expr.attr.value
            for function, function_scope in self._functions:
                if function.name.value == wanted and function_scope.kind == "class":
                    return function, True
        return None

    def _registration_options(self, call: cst.Call | None, kind: str,
                              first_is_target: bool) -> dict[str, cst.BaseExpression | None]:
        options: dict[str, cst.BaseExpression | None] = {"name": None, "uri": None,
                                                         "description": None,
                                                         "exclude_args": None, "version": None}
        if call is None:
            return options
        for key in options:
            arg = keyword(call, key)
            if arg is not None:
                options[key] = arg.value
        path = keyword(call, "path")
        if path is not None and options["uri"] is None:
            options["uri"] = path.value
        first = positional(call, 1 if first_is_target else 0)
        if first is not None:
            if kind in ("resource", "route") and options["uri"] is None:
                options["uri"] = first.value
            elif kind in ("tool", "prompt") and options["name"] is None and isinstance(
                    first.value, (cst.SimpleString, cst.ConcatenatedString)):
                options["name"] = first.value
                second = positional(call, 2 if first_is_target else 1)
                if second is not None and options["description"] is None:
                    options["description"] = second.value  # the SDK's tool(name, description)
        return options

    def _register(self, kind: str, function: cst.FunctionDef, is_method: bool,
                  site: cst.CSTNode, server: cst.BaseExpression, call: cst.Call | None,
                  first_is_target: bool, scope: Scope) -> None:
        options = self._registration_options(call, kind, first_is_target)
        if call is not None and first_is_target and isinstance(call.args[0].value, cst.Call):
            inner = call.args[0].value
            for key, value in self._registration_options(inner, kind, True).items():
                options[key] = options[key] or value
        registration = Registration(
            kind, function, site, server, options["name"], options["uri"],  # type: ignore[arg-type]
            options["description"], is_method, scope, options["exclude_args"],
            options["version"],
            self._placed.get(function if isinstance(site, cst.Decorator) else site, ()))
        self.model.registrations.append(registration)
        self.model.tools.setdefault(function, registration)

    def _find_registrations(self) -> None:
        for function, scope in self._functions:
            for decorator in function.decorators:
                expr = decorator.decorator
                call = expr if isinstance(expr, cst.Call) else None
                target = call.func if call is not None else expr
                if (isinstance(target, cst.Attribute)
                        and target.attr.value in _DECORATOR_REGISTRARS
                        and self.may_be_server(target.value, scope)):
                    kind = REGISTRARS[target.attr.value]
                    self._register(kind, function, scope.kind == "class", decorator,
                                   target.value, call, False, scope)
        for site in self._calls:
            call = site.call
            func = call.func
            options_call: cst.Call | None = call
            first_is_target = True
            if isinstance(func, cst.Call):  # mcp.tool(name="x")(fn)
                options_call, first_is_target = func, False
                func = func.func
            if not (isinstance(func, cst.Attribute) and func.attr.value in REGISTRARS):
                continue
            if not call.args or call.args[0].keyword is not None:
                continue
            if not self.may_be_server(func.value, site.scope):
                continue
            kind = REGISTRARS[func.attr.value]
            for target in self._loop_targets(call.args[0].value, site.scope):
                ref = self._function_ref(target, site.scope)
                if ref is not None:
                    self._register(kind, ref[0], ref[1], call, func.value, options_call,
                                   first_is_target, site.scope)
                    continue
                external = self._external_ref(target, site.scope)
                if external is not None and kind != "route":
                    options = self._registration_options(options_call, kind, first_is_target)
                    self.model.tool_targets.append((
                        kind, external, options["name"] is not None,
                        options["description"] is not None))
                    key = (self._string(options["uri"]) if kind == "resource"
                           else self._string(options["name"]) if options["name"] is not None
                           else external.rpartition(".")[2])
                    self.model.external_keys.append((
                        kind, key, func.value, site.scope, options["version"],
                        self._placed.get(call, ()), target))

    def _loop_targets(self, expr: cst.BaseExpression, scope: Scope) -> list[cst.BaseExpression]:
        """`for fn in (a, b, c): mcp.tool()(fn)`: what a loop variable runs over when the
        loop names its functions in a list or tuple display; else the expression itself."""
        if isinstance(expr, cst.Name):
            found = scope.lookup(expr.value)
            if found is not None and len(found[1]) == 1 and isinstance(found[1][0].node, cst.For):
                loop = found[1][0].node
                if (isinstance(loop.target, cst.Name) and loop.target.value == expr.value
                        and isinstance(loop.iter, (cst.List, cst.Tuple))):
                    return [e.value for e in loop.iter.elements
                            if not isinstance(e, cst.StarredElement)]
        return [expr]

    def _external_ref(self, expr: cst.BaseExpression, scope: Scope) -> str | None:
        """The dotted name of a function of another module that a registration names: an
        imported function (`fn`, `tools.fn`), or a method of an instance of an imported
        class (`obj.method` where `obj = Tools(...)`, `Tools().method`); None otherwise."""
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and (
                expr.func.attr.value == "from_function" and expr.args):
            return self._external_ref(expr.args[0].value, scope)
        resolved = scope.resolve(expr)
        if resolved is not None:
            return None if resolved.startswith("builtins.") else resolved
        if not isinstance(expr, cst.Attribute):
            return None
        owner = self._made_by_imported_call(expr.value, scope)
        return f"{owner}.{expr.attr.value}" if owner is not None else None

    def _find_candidates(self) -> None:
        """Module-level functions and methods of module-level classes that this file does
        not register: another module may (`FileModel.candidates`)."""
        model = self.model
        module_scope = model.module_scope
        for function, scope in self._functions:
            if function in model.tools or function.name.value.startswith("__"):
                continue
            if scope is module_scope:
                qual = function.name.value
            elif scope.kind == "class" and scope.parent is module_scope:
                qual = f"{qualname(scope)}.{function.name.value}"
            else:
                continue
            model.candidates[function] = Registration(
                "tool", function, function, function.name, is_method=scope.kind == "class",
                scope=scope, candidate=qual)

    def _find_starts_and_routes(self) -> None:
        decorators = {d.decorator for function, _ in self._functions for d in function.decorators}
        for registration in self.model.registrations:
            text = self._string(registration.uri)
            if text is None:
                continue
            health_resource = registration.kind == "resource" and text.startswith("health://")
            if health_resource or (registration.kind == "route" and _is_health_path(text)):
                self.model.health_sites.append(registration.site)
        # A `custom_route` on a server this file cannot see is one (a subclass from another
        # module): FastMCP's method name says so; counted once.
        counted = {s.decorator if isinstance(s, cst.Decorator) else s
                   for s in self.model.health_sites}
        for site in self._calls:
            call, func = site.call, site.call.func
            if isinstance(func, cst.Attribute) and func.attr.value == "custom_route":
                first = positional(call, 0) or keyword(call, "path")
                if call not in counted and first is not None and _is_health_path(
                        self._string(first.value)):
                    self.model.health_sites.append(call)
                continue
            if _is_route_call(func) and (call in decorators or not (
                    isinstance(func, cst.Attribute) and func.attr.value in _DECORATOR_ROUTES)):
                first = positional(call, 0) or keyword(call, "path")
                if first is not None and _is_health_path(self._string(first.value)):
                    self.model.health_sites.append(call)
                continue
            if not isinstance(func, cst.Attribute):
                continue
            method = func.attr.value
            if method == "mount" and call.args and self.may_be_server(func.value, site.scope):
                child = dotted(call.args[0].value)
                if child is not None:
                    self.model.mounted.append(child)
            if method not in STARTERS:
                continue
            implied = STARTERS[method]
            transport = implied if implied is not None else _transport_argument(call)
            if self._may_start(func.value, site.scope):
                self.model.starts.append(Start(call, method, transport))
            else:
                callee = self._made_by_imported_call(func.value, site.scope)
                if callee is not None:
                    self.model.factory_starts.append((Start(call, method, transport), callee))

    def _find_in_process_clients(self) -> None:
        """`Client(mcp)` on a server of this file: a demo or a test harness that serves it
        in memory (FML602 does not count it as a stdio server)."""
        for site in self._calls:
            if site.scope.resolve(site.call.func) not in IN_PROCESS_CLIENTS:
                continue
            given = positional(site.call, 0) or keyword(site.call, "transport") or keyword(
                site.call, "server")
            if given is not None and self.is_server(given.value, site.scope):
                self.model.in_process = True
                return

    def _find_features(self) -> None:
        """Evidence of retries, caching, rate limiting, logging set-up and graceful shutdown."""
        add = self.model.features.append
        for scope in self.model.scopes.values():
            for bindings in scope.bindings.values():
                for binding in bindings:
                    kind = _feature_of(binding.qualified) if binding.qualified else None
                    if kind is not None:
                        add(Feature(kind, binding.node, f"`{binding.qualified}`"))
        for function, scope in self._functions:
            for decorator in function.decorators:
                expr = decorator.decorator
                name = scope.resolve(expr.func if isinstance(expr, cst.Call) else expr)
                kind = _feature_of(name) if name else None
                if kind is not None:
                    add(Feature(kind, decorator, f"`@{name}`"))
        for site in self._calls:
            call, func = site.call, site.call.func
            name = site.scope.resolve(func)
            if name in _LOGGING_SETUP and not _writes_to_stdout(call):
                add(Feature("logging", call, f"`{name}(...)`"))
            elif isinstance(func, cst.Attribute) and func.attr.value in ("aclose", "close"):
                add(Feature("shutdown", call, f"`.{func.attr.value}()`"))
            elif keyword(call, "lifespan") is not None and self._is_server_class(
                    func, site.scope, set()):
                add(Feature("shutdown", call, "a server lifespan"))
            elif keyword(call, "retries") is not None:
                add(Feature("retry", call, "`retries=`"))

    def _string(self, expr: cst.BaseExpression | None) -> str | None:
        """A string literal, or a module-level constant bound to one (`HEALTH_PATH`)."""
        text = string_value(expr)
        if text is None and isinstance(expr, cst.Name):
            for binding in self.model.module_scope.bindings.get(expr.value, []):
                text = text or string_value(binding.value)
        return text

    def _made_by_imported_call(self, receiver: cst.BaseExpression,
                               scope: Scope) -> str | None:
        """The dotted name of the imported function whose result `receiver` is, if it is."""
        value: cst.BaseExpression | None = receiver
        if isinstance(receiver, cst.Name):
            found = scope.lookup(receiver.value)
            if found is None or len(found[1]) != 1 or found[1][0].kind != "assign":
                return None
            value = found[1][0].value
        if not isinstance(value, cst.Call) or not isinstance(value.func, (cst.Name,
                                                                          cst.Attribute)):
            return None
        name = scope.resolve(value.func)
        return name if name is not None and name.split(".")[0] not in _NOT_PROJECT else None

    def _may_start(self, receiver: cst.BaseExpression, scope: Scope) -> bool:
        if isinstance(receiver, cst.Call):
            return self._constructs_server(receiver, scope, set(), set()) or (
                scope.resolve(receiver.func) in SERVER_CLASSES) or (
                isinstance(receiver.func, cst.Name)
                and self._imported_call(receiver.func.value, receiver, scope))
        return self.may_be_server(receiver, scope, strict=True) or (
            self._named_server(receiver, scope))

    def _named_server(self, receiver: cst.BaseExpression, scope: Scope) -> bool:
        """A name that says server (`mcp`, `server`) and is never bound to a call of a
        library outside the project (`server = uvicorn.Server(config)`): `global mcp` set
        by a factory in `main()`, `mcp = None` placeholders, local factories' results."""
        if not isinstance(receiver, cst.Name) or not _server_like(receiver.value):
            return False
        found = scope.lookup(receiver.value)
        if found is None:
            return False
        for binding in found[1]:
            value = binding.value
            if binding.kind not in ("assign", "import", "param"):
                return False
            if isinstance(value, cst.Call):
                name = scope.resolve(value.func)
                if name is not None and name not in SERVER_CLASSES and (
                        name.split(".")[0] in _NOT_PROJECT):
                    return False
        return True


#: Dotted-name prefixes that show a production practice, checked against FastMCP's own
#: source for its middleware (`fastmcp.server.middleware.*`) and lifespan decorator.
_FEATURES: tuple[tuple[str, Literal["retry", "cache", "rate-limit", "logging", "shutdown"]],
                 ...] = (
    ("tenacity", "retry"), ("stamina", "retry"), ("backoff", "retry"),
    ("fastmcp.server.middleware.error_handling.RetryMiddleware", "retry"),
    ("functools.lru_cache", "cache"), ("functools.cache", "cache"),
    ("functools.cached_property", "cache"), ("cachetools", "cache"), ("aiocache", "cache"),
    ("async_lru", "cache"), ("fastmcp.server.middleware.caching", "cache"),
    ("fastmcp.server.middleware.rate_limiting", "rate-limit"), ("limits", "rate-limit"),
    ("slowapi", "rate-limit"), ("aiolimiter", "rate-limit"),
    ("fastmcp.utilities.logging.configure_logging", "logging"),
    ("fastmcp.server.middleware.logging", "logging"),
    ("logging.config.dictConfig", "logging"), ("logging.config.fileConfig", "logging"),
    ("fastmcp.server.lifespan.lifespan", "shutdown"),
)
_LOGGING_SETUP = frozenset({"logging.basicConfig", "logging.StreamHandler"})


def _feature_of(name: str | None) -> Literal["retry", "cache", "rate-limit", "logging",
                                             "shutdown"] | None:
    if not name:
        return None
    for prefix, kind in _FEATURES:
        if name == prefix or name.startswith(prefix + "."):
            return kind
    if name.rsplit(".", 1)[-1].lower().startswith("ttlcache"):
        return "cache"
    return None


#: Parameter types that pydantic validates into values that cannot carry a command, a path or
#: SQL (RULES.md, FML9xx).
SAFE_TYPES = frozenset({
    "builtins.int", "builtins.float", "builtins.bool", "uuid.UUID", "datetime.date",
    "datetime.datetime", "decimal.Decimal",
})
_PATH_TYPES = frozenset({"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath",
                         "pathlib.PurePosixPath", "pathlib.WindowsPath",
                         "pathlib.PureWindowsPath", "anyio.Path"})
_NONE_NAMES = frozenset({"None", "NoneType"})


def _annotation_parts(annotation: cst.BaseExpression, scope: Scope) -> list[cst.BaseExpression]:
    """The types an annotation admits, without `None`: `X | None`, `Optional[X]`,
    `Union[X, Y]` and `Annotated[X, ...]` opened up."""
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator,
                                                                  cst.BitOr):
        return [*_annotation_parts(annotation.left, scope),
                *_annotation_parts(annotation.right, scope)]
    if isinstance(annotation, cst.Name) and annotation.value in _NONE_NAMES:
        return []
    if isinstance(annotation, cst.Subscript):
        wrapper = (scope.resolve(annotation.value) or dotted(annotation.value) or "")
        wrapper = wrapper.rsplit(".", 1)[-1]
        elements = [e.slice.value for e in annotation.slice if isinstance(e.slice, cst.Index)]
        if wrapper == "Annotated":
            return _annotation_parts(elements[0], scope) if elements else [annotation]
        if wrapper in ("Optional", "Union"):
            return [part for e in elements for part in _annotation_parts(e, scope)]
    return [annotation]


def _safe_annotation(annotation: cst.BaseExpression, scope: Scope,
                     enums: frozenset[str]) -> bool:
    """`int`, `float`, `bool`, `Literal[...]`, an Enum subclass, `uuid.UUID`, a date, a
    `Decimal`, or `X | None`/`Optional[X]` of these (every type it admits is one)."""
    parts = _annotation_parts(annotation, scope)
    if not parts:
        return False
    for part in parts:
        if isinstance(part, cst.Subscript):
            if (scope.resolve(part.value) or dotted(part.value) or "").rsplit(
                    ".", 1)[-1] != "Literal":
                return False
            continue
        resolved = scope.resolve(part)
        if resolved in SAFE_TYPES or (resolved or "").startswith("enum."):
            continue
        if isinstance(part, cst.Name) and part.value in enums:
            continue
        return False
    return True


def _path_annotation(annotation: cst.BaseExpression, scope: Scope) -> bool:
    """An annotation that makes pydantic hand the function a path object (`Path`,
    `Path | None`)."""
    parts = _annotation_parts(annotation, scope)
    return bool(parts) and all(scope.resolve(part) in _PATH_TYPES for part in parts)


#: Web framework decorators that register a route (`@app.get("/x")`, `@router.post(...)`).
#: Web framework decorators that register a route handler (`@app.get("/items")`).
_WEB_ROUTE_DECORATORS = frozenset({"get", "post", "put", "patch", "delete", "head", "options",
                                   "trace", "route", "api_route", "websocket",
                                   "websocket_route"})
#: Methods that add a route with its handler, and classes that are a route.
_ROUTE_ADDERS = frozenset({"add_route", "add_api_route", "add_websocket_route",
                           "add_api_websocket_route"})
_ROUTE_CLASSES = frozenset({"Route", "WebSocketRoute", "APIRoute", "APIWebSocketRoute"})


def _url_path(call: cst.Call) -> bool:
    """The route decorator's path (first argument or `path=`) is a literal URL path."""
    first = positional(call, 0) or keyword(call, "path")
    text = string_value(first.value) if first is not None else None
    return text is not None and (text == "" or text.startswith("/"))
_HTTP_TRANSPORT_NAMES = frozenset({"http", "streamable-http", "streamable_http", "sse"})


def _transport_value(expr: cst.BaseExpression) -> bool:
    """A name or attribute whose last part contains `transport` (`args.transport`)."""
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and (
            expr.func.attr.value in ("lower", "strip", "casefold")):
        expr = expr.func.value  # `transport.lower() == "sse"`
    if isinstance(expr, cst.Name):
        return "transport" in expr.value.lower()
    return isinstance(expr, cst.Attribute) and "transport" in expr.attr.value.lower()


def _strings(expr: cst.BaseExpression) -> set[str] | None:
    """The strings of a literal or a tuple/list/set display of literals, else None."""
    text = string_value(expr)
    if text is not None:
        return {text}
    if isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
        found = {string_value(e.value) for e in expr.elements}
        return None if None in found else found  # type: ignore[return-value]
    return None


def _http_test(test: cst.BaseExpression) -> Literal["body", "else"] | None:
    """Which branch of `if test:` runs only for an HTTP transport (RULES.md, FML601; an
    `elif` is part of the `else`): "body" for
    `transport == "sse"`, `transport in ("http", "sse")`, `transport != "stdio"` (also as
    one operand of an `and`), "else" for `transport == "stdio"`; None otherwise."""
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        if "body" in (_http_test(test.left), _http_test(test.right)):
            return "body"
        return None
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return None
    target = test.comparisons[0]
    left, right, operator = test.left, target.comparator, target.operator
    if not _transport_value(left):
        if isinstance(operator, (cst.Equal, cst.NotEqual)) and _transport_value(right):
            left, right = right, left
        else:
            return None
    names = _strings(right)
    if not names:
        return None
    if isinstance(operator, (cst.Equal, cst.In)):
        if names <= _HTTP_TRANSPORT_NAMES:
            return "body"
        return "else" if names == {"stdio"} else None
    if isinstance(operator, (cst.NotEqual, cst.NotIn)) and "stdio" in names:
        return "body"
    return None


def _writes_to_stdout(call: cst.Call) -> bool:
    """`basicConfig(stream=sys.stdout)` or `StreamHandler(sys.stdout)`."""
    arg = keyword(call, "stream") or positional(call, 0)
    return arg is not None and dotted(arg.value) in ("sys.stdout", "stdout")


#: Top-level modules that are never the project's own: calls through them build no server
#: of the project.
_NOT_PROJECT = frozenset(sys.stdlib_module_names) | {
    "builtins", "fastmcp", "mcp", "pydantic", "typing_extensions", "starlette", "fastapi",
    "httpx", "requests", "aiohttp", "uvicorn", "anyio",
}


def _above_server_class(name: str) -> bool:
    """A server class's dotted name, or a module it is reached through."""
    return any(cls == name or cls.startswith(name + ".") for cls in SERVER_CLASSES)


def _server_like(name: str) -> bool:
    """A name that by convention holds an MCP server: `mcp`, `server`, `main_mcp`, ..."""
    lowered = name.lower()
    return "mcp" in lowered or "server" in lowered


def _is_route_call(func: cst.BaseExpression) -> bool:
    """Starlette's `Route(...)`, or a web app's `.get(...)`, `.route(...)`, `.add_route(...)`."""
    if isinstance(func, cst.Name):
        return func.value == "Route"
    return isinstance(func, cst.Attribute) and (
        func.attr.value in _ROUTE_METHODS or func.attr.value == "Route")


def _is_health_path(text: str | None) -> bool:
    """A URL path (it starts with `/`) that names a health, liveness or readiness probe."""
    return text is not None and text.startswith("/") and any(
        word in text.lower() for word in HEALTH_WORDS)


def _transport_argument(call: cst.Call) -> str | None:
    arg = keyword(call, "transport") or positional(call, 0)
    if arg is None:
        # `run(**options)`: the transport comes from configuration.
        return "unknown" if any(a.star for a in call.args) else None
    text = string_value(arg.value)
    return text if text is not None else "unknown"
