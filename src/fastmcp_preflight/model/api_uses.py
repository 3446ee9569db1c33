"""Uses of changed FastMCP / MCP SDK APIs (the table in `project/drift.py`) in one file.

FML801 (removed) and FML802 (deprecated) ask the same questions of each import, call and
attribute and differ only in the status they report, so the matching and the mechanical
fixes live here, once. Names are resolved through the model's scopes (aliases and
from-imports), so `from fastmcp import FastMCP as F; F("x", host=...)` matches and a local
class named `FastMCP` does not. A fix is returned as plain node replacements (and `import X`
lines it needs); the rule wraps it into a `Fix`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Literal, TypeVar

import libcst as cst
from packaging.version import Version

from fastmcp_preflight.model.context import is_import_shim
from fastmcp_preflight.model.file_model import (
    FileModel,
    Registration,
    is_context_annotation,
    keyword,
    positional,
    string_value,
)
from fastmcp_preflight.model.scopes import Scope, dotted
from fastmcp_preflight.model.walker import child_nodes
from fastmcp_preflight.project.drift import (
    CHANGES,
    Change,
    major_removal,
    unbounded_site_condition,
)
from fastmcp_preflight.project.versions import ProjectTargets

Status = Literal["removed", "deprecated"]
#: (module, name) -> (the text to write, the import to add or None, shadowed).
Refer = Callable[[str, str], tuple[str, "str | None", bool]]

#: Server classes by package, by the dotted names they are imported as.
SERVER_CLASSES = {
    "fastmcp": frozenset({"fastmcp.FastMCP", "fastmcp.server.FastMCP",
                          "fastmcp.server.server.FastMCP"}),
    "mcp": frozenset({"mcp.server.fastmcp.FastMCP", "mcp.server.fastmcp.server.FastMCP",
                      "mcp.server.FastMCP", "mcp.server.mcpserver.MCPServer",
                      "mcp.server.mcpserver.server.MCPServer", "mcp.server.MCPServer"}),
}
_LOWLEVEL_SERVERS = frozenset({"mcp.server.lowlevel.Server", "mcp.server.lowlevel.server.Server",
                               "mcp.server.Server"})
#: Names an import move renames (the local name stays, through `as`).
_RENAMED = {"mcp.server.fastmcp.FastMCP": "MCPServer",
            "mcp.server.fastmcp.server.FastMCP": "MCPServer",
            "mcp.server.fastmcp.exceptions.FastMCPError": "MCPServerError"}
_HTTP_TRANSPORTS = frozenset({"http", "streamable-http", "sse"})


@dataclass(frozen=True)
class Use:
    """A use of a changed API, where it is reported, and its mechanical fix (if any)."""

    change: Change
    node: cst.CSTNode
    status: Status
    replacements: tuple[tuple[cst.CSTNode, cst.CSTNode], ...] = ()
    #: Imports the fix adds and removes (`"from x import y"`, `"import x"`).
    imports: tuple[str, ...] = ()
    remove_imports: tuple[str, ...] = ()
    #: The fix uses a name that something else binds at that point.
    unsafe: bool = False
    #: Imported names the fix may leave unused (their import goes if it does).
    drop_if_unused: tuple[str, ...] = ()
    #: The project condition the finding holds under (see `Rule.report`).
    condition: str = ""

    @property
    def fixable(self) -> bool:
        return bool(self.replacements or self.imports or self.remove_imports)

    @property
    def message(self) -> str:
        change = self.change
        old = _shown_old(change)
        if self.status == "removed":
            return (f"{old} was removed in {change.package} {change.removed}; "
                    f"{advice(change.new)}")
        return (f"{old} is deprecated since {change.package} {change.deprecated}"
                + (f" and removed in {change.removed}" if change.removed else "")
                + f"; {advice(change.new)}")


#: How a DRIFT.md "new form" that is an instruction rather than a name begins.
_INSTRUCTIONS = ("pass ", "call ", "return ", "set ", "register ")


def advice(new: str) -> str:
    """The message's advice from a change's new form: "use X" for a name, the instruction
    itself for one ("pass `host=` to `run(...)`", not "use pass ..."), and "no replacement"
    where there is none."""
    if new.startswith(_INSTRUCTIONS) or "has no replacement" in new:
        return new
    if new.startswith("nothing: "):
        return f"there is no replacement ({new.removeprefix('nothing: ')})"
    return f"use {new}"


def _shown_old(change: Change) -> str:
    kind, old = change.kind, change.old
    if kind == "import":
        return f"`{old.removeprefix('*.')}`" + (" (import)" if "." in old else "")
    if kind == "keyword":
        target = {"server:fastmcp": "FastMCP(...)", "server:mcp": "the SDK server constructor",
                  "tool": "the tool decorator", "mount": "mount(...)",
                  "from_openapi": "from_openapi(...)"}.get(change.on,
                                                           change.on.rsplit(".", 1)[-1] + "(...)")
        value = change.when.split(":", 1)[1] if change.when.startswith("value:") else ""
        shown = f"`{old}={value}`" if value else f"`{old}=`"
        unless = (f" without `{change.unless.removeprefix('*.')}` imported"
                  if change.unless else "")
        return f"{shown} of {target}{unless}"
    if kind == "component":
        kind_name = change.on.split(":", 1)[-1]
        if change.when == "attribute":
            return f"`.{old}` read off a function a {kind_name} decorator registered"
        return f"`{kind_name}.{old}()` on a {kind_name} object"
    if kind == "return":
        shown_value = "a dict" if old == "dict" else f"`{old.rsplit('.', 1)[-1]}(...)`"
        return f"{shown_value} returned from a {change.on}"
    if kind == "argument":
        callees = " / ".join(f"`{on.rsplit('.', 1)[-1]}(...)`" for on in change.on.split("|"))
        return f"an `{old}` object given to {callees}"
    if kind == "except":
        return f"`except {old}.<Error>` around {change.package} calls"
    if kind == "field":
        return f"the camelCase field `.{old}`"
    if kind == "setting":
        return f"the setting `{old}`"
    if kind == "method":
        return f"`{old}()`"
    if kind == "context":
        return f"`ctx.{old}`" if change.when == "attribute" else f"`ctx.{old}()`" + (
            " without `response_type`" if change.when == "without:response_type" else
            " with `extra=`" if change.when == "with:extra" else
            " with `message=`" if change.when == "with:message" else
            " called without `await`" if change.when == "not-awaited" else "")
    if kind == "mount-order":
        return '`mount("prefix", server)` (the prefix first)'
    if kind == "decorator":
        return f"the low-level `@server.{old}()` decorator"
    if change.when == "errordata-arg":
        return f"`{old.rsplit('.', 1)[-1]}(ErrorData(...))`"
    if change.when == "str-path-arg":
        return "`Client(\"server.py\")` (a string path)"
    if change.when == "second-positional":
        return "the instructions as the second positional argument of the server"
    return f"`{old}`"


def status_of(change: Change, targets: ProjectTargets) -> Status | None:
    """Whether `change` is removed or deprecated in the project's target, if either."""
    if not change.reported:
        return None
    target = targets.version(change.package)
    if target is None:
        return None
    if change.removed is not None and Version(change.removed) <= target:
        return "removed"
    if change.deprecated is not None and Version(change.deprecated) <= target:
        return "deprecated"
    return None


class ApiUses:
    """The changed-API questions of one file (one per file: FML801 and FML802 share it)."""

    def __init__(self, model: FileModel, targets: ProjectTargets,
                 refer: Refer | None = None) -> None:
        """`refer(module, name)`: how a fix at the current point writes `name` of `module`
        (the text, the import it needs, whether that name is shadowed there)."""
        self.model = model
        self.targets = targets
        self.refer = refer
        self.changes = [c for c in CHANGES if status_of(c, targets) is not None]
        #: What `at_attribute` and `at_string` can match, to pass over the rest at once.
        self._olds = frozenset(c.old for c in self.changes)
        self._settings = tuple(c.old for c in self.changes if c.kind == "setting")
        self._flavours: frozenset[str] | None = None
        self._imports: frozenset[str] | None = None
        self._decorated_by_kind: dict[str, dict[cst.FunctionDef, Registration]] = {}
        #: id(call) -> the call, what `at_call` was asked, and its uses (the two rules ask
        #: the same question at the same point of the walk).
        self._calls: dict[int, tuple[cst.Call, Scope, bool, bool, list[Use]]] = {}

    @property
    def active(self) -> bool:
        return bool(self.changes)

    # -- which package a server or Context is ----------------------------------------------

    def flavours(self) -> frozenset[str]:
        """The packages whose server class the file imports; else those the project targets."""
        if self._flavours is None:
            found = set()
            for scope in self.model.scopes.values():
                for bindings in scope.bindings.values():
                    for binding in bindings:
                        for package, names in SERVER_CLASSES.items():
                            if binding.qualified in names:
                                found.add(package)
            if not found:
                found = {p for p in ("fastmcp", "mcp") if self.targets.version(p) is not None}
                if len(found) > 1:
                    found = {"fastmcp"}
            self._flavours = frozenset(found)
        return self._flavours

    def _server_class_package(self, expr: cst.BaseExpression, scope: Scope) -> str | None:
        name = scope.resolve(expr)
        for package, names in SERVER_CLASSES.items():
            if name in names:
                return package
        return None

    def _context_package(self, expr: cst.BaseExpression, scope: Scope) -> str | None:
        """The package of the Context `expr` names (a parameter annotated as one)."""
        if not isinstance(expr, cst.Name):
            return None
        found = scope.lookup(expr.value)
        if found is None:
            return None
        param = next((b.node for b in found[1] if b.kind == "param"), None)
        if not isinstance(param, cst.Param):
            return None
        if param.annotation is None:
            return None
        annotation = param.annotation.annotation
        if not is_context_annotation(annotation, scope):
            return None
        resolved = _context_name(annotation, scope)
        if resolved is not None and resolved.startswith("fastmcp."):
            return "fastmcp"
        if resolved is not None and resolved.startswith("mcp."):
            return "mcp"
        flavours = self.flavours()
        return "mcp" if flavours == {"mcp"} else "fastmcp"

    # -- imports ------------------------------------------------------------------------

    def at_import(self, node: cst.Import | cst.ImportFrom, scope: Scope,
                  package: str | None) -> Iterator[Use]:
        """Imports of a changed module or name; one use per change and statement."""
        imported = _imported_names(node, package)
        seen: set[str] = set()
        for change in self.changes:
            if change.kind != "import" or change.id in seen:
                continue
            hits = [(alias, full) for alias, full in imported if _import_matches(change, full)]
            if not hits:
                continue
            seen.add(change.id)
            status = status_of(change, self.targets)
            assert status is not None
            replacements: Replacements = ()
            imports: tuple[str, ...] = ()
            removes: tuple[str, ...] = ()
            if change.fix == "move-import" and isinstance(node, cst.ImportFrom):
                replacements = _move_import(node, change, imported)
                if not replacements:
                    imports, removes = _move_names(change, hits)
            yield Use(change, node, status, replacements, imports, removes)

    # -- calls --------------------------------------------------------------------------

    def uses_at_call(self, call: cst.Call, scope: Scope, *, awaited: bool,
                     in_async: bool) -> list[Use]:
        """`at_call`'s uses, worked out once for both rules."""
        known = self._calls.get(id(call))
        if (known is None or known[0] is not call or known[1] is not scope
                or known[2] != awaited or known[3] != in_async):
            known = self._calls[id(call)] = (call, scope, awaited, in_async, list(
                self.at_call(call, scope, awaited=awaited, in_async=in_async)))
        return known[4]

    def at_call(self, call: cst.Call, scope: Scope, *, awaited: bool,
                in_async: bool) -> Iterator[Use]:
        keywords = {arg.keyword.value for arg in call.args if arg.keyword is not None}
        for change in self.changes:
            kind = change.kind
            if kind == "keyword":
                if change.old in keywords:  # most calls name none of the table's keywords
                    yield from self._keyword(change, call, scope)
            elif kind == "method":
                if self._method_matches(change, call, scope):
                    yield self._use(change, call, scope)
            elif kind == "mount-order":
                if (self._on_server(call, "mount", change.package, scope)
                        and _first_is_string(call) and self._mounts_on_server(call)):
                    yield self._use(change, call, scope)
            elif kind == "context":
                func = call.func
                if (change.when != "attribute" and isinstance(func, cst.Attribute)
                        and func.attr.value == change.old
                        and self._context_package(func.value, scope) == change.package
                        and _context_form(change, call, awaited)):
                    yield self._use(change, call, scope, in_async=in_async)
            elif kind == "call":
                if self._call_matches(change, call, scope):
                    yield self._use(change, call, scope, arg=positional(call, 1)
                                    if change.when == "second-positional" else None)
            elif kind == "decorator" and self._lowlevel_decorator(change, call, scope):
                yield self._use(change, call, scope)
            elif kind == "component" and change.when != "attribute":
                func = call.func
                if (isinstance(func, cst.Attribute) and func.attr.value == change.old
                        and self._is_component(func.value, change.on, scope)):
                    yield self._use(change, call, scope)
            elif kind == "argument" and self._callee_matches(change, call, scope) and any(
                    _built_by(arg.value, change.old, scope) for arg in call.args):
                yield self._use(change, call, scope)

    def may_use_attribute(self, node: cst.Attribute) -> bool:
        """False when `at_attribute` surely finds nothing: no change names the attribute."""
        return node.attr.value in self._olds

    def at_attribute(self, node: cst.Attribute, scope: Scope, *,
                     stored: bool = False) -> Iterator[Use]:
        """Attributes read off a Context (`ctx.fastmcp`), off a function a tool decorator
        registered (`greet.name`), and camelCase fields of the protocol types; `stored`: the
        attribute is assigned, not read."""
        attr = node.attr.value
        for change in self.changes:
            if change.old != attr:
                continue
            kind = change.kind
            if kind == "context" and change.when == "attribute":
                if self._context_package(node.value, scope) == change.package:
                    yield self._use(change, node, scope)
            elif kind == "component" and change.when == "attribute":
                if not stored and self._is_component(node.value, change.on, scope):
                    yield self._use(change, node, scope)
            elif (kind == "field" and not stored
                  and self._objects_package() == change.package
                  and not (isinstance(node.value, cst.Name)
                           and node.value.value in ("self", "cls"))):
                yield self._use(change, node, scope)

    def at_return(self, node: cst.Return, scope: Scope) -> Iterator[Use]:
        """What a registered function returns (a prompt's `PromptMessage(...)` or dict)."""
        if node.value is None:
            return
        values = ([element.value for element in node.value.elements]
                  if isinstance(node.value, (cst.List, cst.Tuple)) else [node.value])
        for change in self.changes:
            if change.kind != "return" or not self._registered_as(scope, change):
                continue
            for value in values:
                if change.old == "dict":
                    hit = isinstance(value, cst.Dict)
                else:
                    hit = isinstance(value, cst.Call) and _names_match(
                        scope.resolve(value.func), change.old, change.old.split(".", 1)[0])
                if hit:
                    yield self._use(change, value, scope)

    def at_try(self, node: cst.Try, scope: Scope) -> Iterator[Use]:
        """`except httpx.HTTPError:` around calls into the package."""
        for change in self.changes:
            if change.kind != "except":
                continue
            named = [expr for handler in node.handlers if handler.type is not None
                     for expr in _exceptions_of(handler.type, change.old, scope)]
            if (named and self._calls_client(node.body, change, scope)
                    and not _uses_module(node.body, change.old, scope)):
                for expr in named:
                    yield self._use(change, expr, scope)

    def may_name_setting(self, node: cst.SimpleString) -> bool:
        """False when `at_string` surely finds nothing: no setting's name is in the literal,
        which has no escape or carriage return (its value is then its text, as written)."""
        raw = node.value
        return bool(self._settings) and ("\\" in raw or "\r" in raw or any(
            name in raw for name in self._settings))

    def at_string(self, node: cst.SimpleString, scope: Scope) -> Iterator[Use]:
        """A setting's name (`"FASTMCP_SHOW_CLI_BANNER"`) written as a string."""
        text = string_value(node)
        for change in self.changes:
            if change.kind == "setting" and text == change.old:
                yield self._use(change, node, scope)

    # -- receivers the new kinds know -----------------------------------------------------

    def _imported(self) -> frozenset[str]:
        """The dotted names the file imports (any scope)."""
        if self._imports is None:
            self._imports = frozenset(
                binding.qualified for scope in self.model.scopes.values()
                for bindings in scope.bindings.values() for binding in bindings
                if binding.kind in ("import", "module") and binding.qualified)
        return self._imports

    def _imports_name(self, pattern: str) -> bool:
        """The file imports `pattern` (`*.Name`: that name from anywhere)."""
        if pattern.startswith("*."):
            return any(name.endswith(pattern[1:]) for name in self._imported())
        return pattern in self._imported()

    def _objects_package(self) -> str | None:
        """Whose protocol objects the file handles: fastmcp's when it imports fastmcp (its
        client and server wrap the SDK's types), or imports `mcp` in a project that targets
        fastmcp (fastmcp's camelCase shim covers the SDK's types in its process); else the
        SDK's when it imports `mcp`."""
        roots = {name.split(".", 1)[0] for name in self._imported()}
        if "fastmcp" in roots or ("mcp" in roots and self.targets.version("fastmcp")):
            return "fastmcp"
        return "mcp" if "mcp" in roots else None

    def _decorated(self, kind: str) -> dict[cst.FunctionDef, Registration]:
        """Functions registered as `kind` by a decorator on a fastmcp server (not the SDK's:
        its decorators always returned the function)."""
        found = self._decorated_by_kind.get(kind)
        if found is None:
            found = {r.function: r for r in self.model.registrations
                     if r.kind == kind and isinstance(r.site, cst.Decorator)
                     and "fastmcp" in self.flavours() and r.scope is not None
                     and self._receiver_package(r.server, r.scope) in (None, "fastmcp")}
            self._decorated_by_kind[kind] = found
        return found

    def _registered_as(self, scope: Scope, change: Change) -> bool:
        registration = next((r for r in self.model.registrations
                             if r.function is scope.node and r.kind == change.on), None)
        return (registration is not None and change.package in self.flavours()
                and registration.scope is not None
                and self._receiver_package(registration.server, registration.scope) in (
                    None, change.package))

    def _is_component(self, expr: cst.BaseExpression, on: str, scope: Scope) -> bool:
        """`expr` holds a component: for `decorated:tool` a function a tool decorator
        registered; for `tool` also the result of a server's `get_tool(...)`."""
        kind = on.split(":", 1)[-1]
        fetched = not on.startswith("decorated:")
        if fetched and self._fetches_component(expr, kind):
            return True
        if not isinstance(expr, cst.Name):
            return False
        found = scope.lookup(expr.value)
        if found is None:
            return False
        decorated = self._decorated(kind)
        bindings = found[1]
        if all(b.kind == "def" and b.node in decorated for b in bindings):
            return True
        return fetched and all(b.kind == "assign" and b.value is not None
                               and self._fetches_component(b.value, kind) for b in bindings)

    def _fetches_component(self, expr: cst.BaseExpression, kind: str) -> bool:
        """`await server.get_tool("x")` (or without `await`)."""
        if isinstance(expr, cst.Await):
            expr = expr.expression
        return (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)
                and expr.func.attr.value == f"get_{kind}"
                and self.model.server_calls.get(expr) is not None)

    def _calls_client(self, body: cst.CSTNode, change: Change, scope: Scope) -> bool:
        """`body` calls a method of a client of the package (`change.on`: the client
        classes): one it builds there, or a name assigned, `with`-bound or a parameter
        annotated as one."""
        for call in _calls(body):
            func = call.func
            if not isinstance(func, cst.Attribute):
                continue
            receiver = func.value
            if isinstance(receiver, cst.Call):
                if self._is_client_class(receiver.func, change, scope):
                    return True
                continue
            if not isinstance(receiver, cst.Name):
                continue
            found = scope.lookup(receiver.value)
            if found is None:
                continue
            for binding in found[1]:
                value: cst.BaseExpression | None = binding.value
                if isinstance(binding.node, cst.Param) and binding.node.annotation is not None:
                    value = binding.node.annotation.annotation
                elif isinstance(value, cst.Call):
                    value = value.func
                if value is not None and self._is_client_class(value, change, found[0]):
                    return True
        return False

    @staticmethod
    def _is_client_class(expr: cst.BaseExpression, change: Change, scope: Scope) -> bool:
        resolved = scope.resolve(expr)
        return any(_names_match(resolved, on, change.package) for on in change.on.split("|"))

    def _use(self, change: Change, node: cst.CSTNode, scope: Scope, *,
             in_async: bool = False, arg: cst.Arg | None = None) -> Use:
        status = status_of(change, self.targets)
        assert status is not None
        replacements, imports, unsafe = _fix(change, node, arg, self.model, in_async,
                                             self.refer)
        dropped: tuple[str, ...] = ()
        if change.fix == "mcperror-keywords" and replacements and isinstance(node, cst.Call):
            inner = positional(node, 0)
            if inner is not None and isinstance(inner.value, cst.Call) and isinstance(
                    inner.value.func, cst.Name):
                dropped = (inner.value.func.value,)
        return Use(change, node, status, replacements, imports,
                   unsafe=unsafe, drop_if_unused=dropped)

    def _keyword(self, change: Change, call: cst.Call, scope: Scope) -> Iterator[Use]:
        arg = keyword(call, change.old)
        if arg is None or not self._callee_matches(change, call, scope):
            return
        if change.when.startswith("value:") and not (
                isinstance(arg.value, cst.Name)
                and arg.value.value == change.when.split(":", 1)[1]):
            return
        if change.unless and self._imports_name(change.unless):
            return
        yield self._use(change, call, scope, arg=arg)

    def _callee_matches(self, change: Change, call: cst.Call, scope: Scope) -> bool:
        return any(self._callee_is(on, change.package, call, scope)
                   for on in change.on.split("|"))

    def _callee_is(self, on: str, package: str, call: cst.Call, scope: Scope) -> bool:
        if on.startswith("server:"):
            return self._constructs(call, scope) == on.split(":", 1)[1]
        if on in ("tool", "mount"):
            return self._on_server(call, on, package, scope)
        if on == "from_openapi":
            func = call.func
            return (isinstance(func, cst.Attribute) and func.attr.value == on
                    and self._server_class_package(func.value, scope) == package)
        return _names_match(scope.resolve(call.func), on, package)

    def _constructs(self, call: cst.Call, scope: Scope) -> str | None:
        """The package of the server `call` constructs, if it constructs one."""
        package = self._server_class_package(call.func, scope)
        if package is None and any(site.call is call for site in self.model.server_sites):
            flavours = self.flavours()
            return "mcp" if flavours == {"mcp"} else "fastmcp"
        return package

    def _on_server(self, call: cst.Call, method: str, package: str, scope: Scope) -> bool:
        func = call.func
        return (isinstance(func, cst.Attribute) and func.attr.value == method
                and call in self.model.server_calls and package in self.flavours()
                and self._receiver_package(func.value, scope) in (None, package))

    def _receiver_package(self, expr: cst.BaseExpression, scope: Scope) -> str | None:
        """The package of the server class a name is known to hold: a parameter annotated
        with it (`server: FastMCP1x`, `X | None`, `Optional[X]`) or an assignment from its
        constructor. A file may import both packages (fastmcp's own CLI runs SDK 1.x servers);
        a fastmcp change never applies to an SDK server, nor the other way round."""
        if not isinstance(expr, cst.Name):
            return None
        found = scope.lookup(expr.value)
        if found is None:
            return None
        packages = set()
        for binding in found[1]:
            if binding.kind == "param" and isinstance(binding.node, cst.Param):
                annotation = binding.node.annotation
                if annotation is None:
                    return None
                packages.add(self._annotated_package(annotation.annotation, found[0]))
            elif isinstance(binding.value, cst.Call):
                packages.add(self._server_class_package(binding.value.func, found[0]))
            else:
                return None
        return packages.pop() if len(packages) == 1 else None

    def _annotated_package(self, annotation: cst.BaseExpression, scope: Scope) -> str | None:
        if isinstance(annotation, cst.BinaryOperation):
            left = self._annotated_package(annotation.left, scope)
            return left if left is not None else self._annotated_package(annotation.right, scope)
        if isinstance(annotation, cst.Subscript) and len(annotation.slice) == 1:
            element = annotation.slice[0].slice
            if isinstance(element, cst.Index):
                return self._annotated_package(element.value, scope)
        return self._server_class_package(annotation, scope)

    def _mounts_on_server(self, call: cst.Call) -> bool:
        """`mount` is a common name (`requests.Session.mount("https://", adapter)`,
        Starlette's `app.mount("/mcp", sub)`): the old prefix-first form only on a server
        the file made or one named like a server, and only with a prefix that is neither a
        URL nor a path (a FastMCP prefix never starts with `/`)."""
        func = call.func
        assert isinstance(func, cst.Attribute)
        if not (self.model.server_calls.get(call) or _server_named(func.value)):
            return False
        first = positional(call, 0)
        text = string_value(first.value) if first is not None else None
        return text is None or not (text.startswith("/") or "://" in text)

    def _method_matches(self, change: Change, call: cst.Call, scope: Scope) -> bool:
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == change.old):
            return False
        if change.on.startswith("class:"):
            return self._server_class_package(func.value, scope) == change.package
        known = self.model.server_calls.get(call)
        if known is None or self._receiver_package(func.value, scope) not in (
                None, change.package):
            return False
        # Names many objects have (`get_tools`) only on a server the file made or names.
        return known or change.old in ("mount", "import_server", "as_proxy") or _server_named(
            func.value)

    def _call_matches(self, change: Change, call: cst.Call, scope: Scope) -> bool:
        if change.on.startswith("server:"):
            if self._constructs(call, scope) != change.on.split(":", 1)[1]:
                return False
        elif not any(_names_match(scope.resolve(call.func), on, change.package)
                     for on in change.on.split("|")):
            return False
        if change.when == "errordata-arg":
            first = positional(call, 0)
            return (first is not None and isinstance(first.value, cst.Call)
                    and (scope.resolve(first.value.func) or "").endswith(".ErrorData"))
        if change.when == "str-path-arg":
            first = positional(call, 0)
            text = string_value(first.value) if first is not None else None
            return text is not None and text.endswith((".py", ".js"))
        if change.when == "second-positional":
            second = positional(call, 1)
            return second is not None and keyword(call, "instructions") is None
        return True

    def _lowlevel_decorator(self, change: Change, call: cst.Call, scope: Scope) -> bool:
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == change.old
                and isinstance(func.value, cst.Name)):
            return False
        found = scope.lookup(func.value.value)
        if found is None:
            return False
        for binding in found[1]:
            value = binding.value
            if isinstance(value, cst.Call) and scope.resolve(value.func) in _LOWLEVEL_SERVERS:
                return True
        return False


# -- matching helpers -------------------------------------------------------------------------


def _imported_names(node: cst.Import | cst.ImportFrom,
                    package: str | None) -> list[tuple[cst.ImportAlias | None, str]]:
    """(alias, full dotted name) of each name an import brings in."""
    if isinstance(node, cst.Import):
        return [(alias, dotted(alias.name) or "") for alias in node.names]
    if node.relative or node.module is None:
        return []
    base = dotted(node.module) or ""
    if isinstance(node.names, cst.ImportStar):
        return [(None, base)]
    return [(alias, f"{base}.{dotted(alias.name)}") for alias in node.names]


def _import_matches(change: Change, full: str) -> bool:
    old = change.old
    if old.startswith("*."):
        return full.startswith(change.package + ".") and full.endswith(old[1:])
    return full == old or full.startswith(old + ".")


def _names_match(resolved: str | None, on: str, package: str) -> bool:
    """A callee resolved to `on`, or to the same class re-exported elsewhere in the package."""
    if resolved is None:
        return False
    if resolved == on:
        return True
    root = on.split(".", 1)[0]
    return resolved.startswith(root + ".") and resolved.rsplit(".", 1)[-1] == on.rsplit(
        ".", 1)[-1] and root == package


def _server_named(expr: cst.BaseExpression) -> bool:
    name = expr.attr.value if isinstance(expr, cst.Attribute) else (
        expr.value if isinstance(expr, cst.Name) else "")
    lowered = name.lower()
    return "mcp" in lowered or "server" in lowered or lowered in ("app", "parent", "main")


def _context_name(annotation: cst.BaseExpression, scope: Scope) -> str | None:
    """The dotted name of the Context class an annotation names (through `X | None`,
    `Optional[X]`, `Annotated[X, ...]`, `Context[...]`)."""
    if isinstance(annotation, cst.BinaryOperation):
        return (_context_name(annotation.left, scope)
                or _context_name(annotation.right, scope))
    if isinstance(annotation, cst.Subscript):
        head = dotted(annotation.value) or ""
        if head.rsplit(".", 1)[-1] == "Context":
            return scope.resolve(annotation.value)
        for element in annotation.slice:
            if isinstance(element.slice, cst.Index):
                found = _context_name(element.slice.value, scope)
                if found is not None:
                    return found
        return None
    spelled = dotted(annotation)
    if spelled is not None and spelled.rsplit(".", 1)[-1] == "Context":
        return scope.resolve(annotation)
    return None


def _in_package(name: str | None, package: str) -> bool:
    return name is not None and (name == package or name.startswith(package + "."))


def _uses_module(body: cst.CSTNode, module: str, scope: Scope) -> bool:
    """`body` makes requests with `module` itself (`httpx.get(...)`, a method of an `httpx`
    client): its handler for that module's errors is right. Building one of its objects
    (`httpx.BasicAuth(...)`, a class) requests nothing."""
    for call in _calls(body):
        func = call.func
        resolved = scope.resolve(func)
        if _in_package(resolved, module) and resolved is not None and resolved.rsplit(
                ".", 1)[-1][:1].islower():
            return True
        if isinstance(func, cst.Attribute) and _built_by(func.value, module, scope):
            return True
    return False


def _exceptions_of(expr: cst.BaseExpression, module: str,
                   scope: Scope) -> list[cst.BaseExpression]:
    """The exceptions of `module` an `except` names (`httpx.HTTPError`, in a tuple too)."""
    if isinstance(expr, cst.Tuple):
        return [e.value for e in expr.elements if _in_package(scope.resolve(e.value), module)]
    return [expr] if _in_package(scope.resolve(expr), module) else []


N = TypeVar("N", bound=cst.CSTNode)


def _own(node: cst.CSTNode, kind: type[N]) -> Iterator[N]:
    """The nodes of a kind in `node`, not in nested functions, lambdas or classes."""
    stack = child_nodes(node)
    while stack:
        child = stack.pop()
        if isinstance(child, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            continue
        if isinstance(child, kind):
            yield child
        stack.extend(child_nodes(child))


def _calls(node: cst.CSTNode) -> Iterator[cst.Call]:
    return _own(node, cst.Call)


def _built_by(expr: cst.BaseExpression, module: str, scope: Scope,
              seen: frozenset[cst.CSTNode] = frozenset()) -> bool:
    """`expr` is an object `module` builds (`httpx.AsyncClient(...)`, `httpx.BasicAuth(...)`),
    a name assigned or `with`-bound from one, or a factory returning one (a lambda, or a
    function whose `return` does; `seen`: the functions on the way, against recursion)."""
    if isinstance(expr, cst.Call):
        return _in_package(scope.resolve(expr.func), module)
    if isinstance(expr, cst.Lambda):
        return _built_by(expr.body, module, scope, seen)
    if isinstance(expr, cst.IfExp):
        return (_built_by(expr.body, module, scope, seen)
                or _built_by(expr.orelse, module, scope, seen))
    if not isinstance(expr, cst.Name):
        return False
    found = scope.lookup(expr.value)
    if found is None:
        return False
    for binding in found[1]:
        node = binding.node
        if binding.kind == "def" and isinstance(node, cst.FunctionDef):
            if node not in seen and any(
                    r.value is not None and _built_by(r.value, module, found[0], seen | {node})
                    for r in _returns(node.body)):
                return True
        elif isinstance(binding.value, cst.Call) and _in_package(
                found[0].resolve(binding.value.func), module):
            return True
    return False


def _returns(node: cst.CSTNode) -> Iterator[cst.Return]:
    return _own(node, cst.Return)


def _first_is_string(call: cst.Call) -> bool:
    first, second = positional(call, 0), positional(call, 1)
    return (first is not None and second is not None
            and isinstance(first.value, (cst.SimpleString, cst.ConcatenatedString,
                                         cst.FormattedString)))


def _context_form(change: Change, call: cst.Call, awaited: bool) -> bool:
    when = change.when
    if when == "not-awaited":
        return not awaited
    if when.startswith("without:"):
        return keyword(call, when.split(":", 1)[1]) is None
    if when.startswith("with:"):
        return keyword(call, when.split(":", 1)[1]) is not None
    return True


# -- the mechanical fixes ---------------------------------------------------------------------

Replacements = tuple[tuple[cst.CSTNode, cst.CSTNode], ...]


def _fix(change: Change, node: cst.CSTNode, arg: cst.Arg | None, model: FileModel,
         in_async: bool, refer: Refer | None) -> tuple[Replacements, tuple[str, ...], bool]:
    fix = change.fix
    if not fix or not isinstance(node, cst.Call):
        return (), (), False
    if fix in _NEW_CALLEES:
        module, name = _NEW_CALLEES[fix]
        text, needed, shadowed = (refer(module, name) if refer is not None else
                                  (f"{module}.{name}", f"import {module}", False))
        args = [a.with_changes(keyword=cst.Name("target"))
                if a.keyword is not None and a.keyword.value == "backend" else a
                for a in node.args]
        new = node.with_changes(func=cst.parse_expression(text), args=args)
        return ((node, new),), (needed,) if needed else (), shadowed
    replacements, imports = _plain_fix(fix, node, arg, model, in_async)
    return replacements, imports, False


#: Fixes that call a function of another module instead: the fix, (module, name).
_NEW_CALLEES = {"create-proxy": ("fastmcp.server", "create_proxy"),
                "get-http-request": ("fastmcp.server.dependencies", "get_http_request")}


def _plain_fix(fix: str, call: cst.Call, arg: cst.Arg | None, model: FileModel,
               in_async: bool) -> tuple[Replacements, tuple[str, ...]]:
    if fix.startswith("rename-keyword:") and arg is not None and arg.keyword is not None:
        # The replacement is the argument without its comma: the comma (and a comment after
        # it) is outside the argument's position and stays as it is.
        new_arg = arg.with_changes(keyword=cst.Name(fix.split(":", 1)[1]),
                                   comma=cst.MaybeSentinel.DEFAULT)
        return ((arg, new_arg),), ()
    if fix == "output-schema-none" and arg is not None:
        return ((arg.value, cst.Name("None")),), ()
    if fix == "swap-mount":
        first, second = positional(call, 0), positional(call, 1)
        if first is None or second is None:
            return (), ()
        return ((first.value, second.value), (second.value, first.value)), ()
    if fix == "await" and in_async:
        return ((call, cst.Await(call)),), ()
    if fix == "mcperror-keywords":
        return _mcperror(call), ()
    if fix == "instructions-keyword":
        second = positional(call, 1)
        if second is None:
            return (), ()
        return ((second, second.with_changes(
            keyword=cst.Name("instructions"), comma=cst.MaybeSentinel.DEFAULT,
            equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                  whitespace_after=cst.SimpleWhitespace("")))),), ()
    if fix == "to-run":
        return _to_run(call, model), ()
    return (), ()


def _mcperror(call: cst.Call) -> Replacements:
    """`McpError(ErrorData(code=X, message=Y))` -> `McpError(code=X, message=Y)`."""
    first = positional(call, 0)
    if first is None or not isinstance(first.value, cst.Call) or len(call.args) != 1:
        return ()
    inner = first.value
    names = ("code", "message", "data")
    args = []
    for index, item in enumerate(inner.args):
        if item.star:
            return ()
        if item.keyword is None:
            if index >= len(names):
                return ()
            item = item.with_changes(keyword=cst.Name(names[index]), equal=cst.AssignEqual(
                whitespace_before=cst.SimpleWhitespace(""),
                whitespace_after=cst.SimpleWhitespace("")))
        args.append(item)
    if not args:
        return ()
    args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return ((call, call.with_changes(args=args)),)


_TO_RUN = ("host", "port")


def _to_run(constructor: cst.Call, model: FileModel) -> Replacements:
    """Move the constructor's host/port to the module's one `run(...)` that names an HTTP
    transport (run() over stdio takes no host)."""
    runs = [start.call for start in model.starts if start.method in ("run", "run_async")]
    if len(runs) != 1 or not _runs_this_server(runs[0], constructor, model):
        return ()
    run = runs[0]
    transport = keyword(run, "transport") or positional(run, 0)
    text = string_value(transport.value) if transport is not None else None
    if text not in _HTTP_TRANSPORTS:
        return ()
    moved = [a for a in constructor.args if a.keyword is not None
             and a.keyword.value in _TO_RUN]
    if not moved:
        return ()
    kept = [a for a in constructor.args if a not in moved]
    last = constructor.args[-1]
    if kept and kept[-1] is not last:  # the last argument moved: its comma ends the call
        kept[-1] = kept[-1].with_changes(comma=_ending(kept[-1].comma, last.comma))
    present = {a.keyword.value for a in run.args if a.keyword is not None}
    if any(a.keyword is not None and a.keyword.value in present for a in moved):
        return ()  # run() sets it too: which one wins is for a person to decide
    # The new arguments follow the last one on its line; the call keeps its own ending
    # (a trailing comma and the closing parenthesis on a line of its own).
    run_args = list(run.args)
    end = run_args[-1].comma if run_args else cst.MaybeSentinel.DEFAULT
    between = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    if run_args:
        run_args[-1] = run_args[-1].with_changes(comma=between)
    added = [a.with_changes(comma=between) for a in moved[:-1]] + [
        moved[-1].with_changes(comma=end)]
    return ((constructor, constructor.with_changes(args=kept)),
            (run, run.with_changes(args=[*run_args, *added])))


def _ending(own: cst.Comma | cst.MaybeSentinel,
            last: cst.Comma | cst.MaybeSentinel) -> cst.Comma | cst.MaybeSentinel:
    """The comma that ends a call whose last arguments were removed: the removed last one's
    (the call's layout), keeping a comment that followed the argument's own comma."""
    if (isinstance(own, cst.Comma) and isinstance(last, cst.Comma)
            and isinstance(own.whitespace_after, cst.ParenthesizedWhitespace)
            and isinstance(last.whitespace_after, cst.ParenthesizedWhitespace)):
        return last.with_changes(whitespace_after=last.whitespace_after.with_changes(
            first_line=own.whitespace_after.first_line))
    return last


def _runs_this_server(run: cst.Call, constructor: cst.Call, model: FileModel) -> bool:
    """`run` is called on the module-level name the constructor's server is bound to."""
    func = run.func
    if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
        return False
    found = model.module_scope.lookup(func.value.value)
    return found is not None and len(found[1]) == 1 and found[1][0].value is constructor


def _move_import(node: cst.ImportFrom, change: Change,
                 imported: list[tuple[cst.ImportAlias | None, str]]) -> Replacements:
    """`from old import a, b` -> `from new import a, b` when the module moved, or when every
    name it imports moved; a name renamed on the way keeps its local name (`as`)."""
    if isinstance(node.names, cst.ImportStar) or node.module is None:
        return ()
    old, new = change.old, change.moved_to
    module = dotted(node.module) or ""
    aliases: list[cst.ImportAlias] = []
    if module == old or module.startswith(old + "."):
        new_module = new + module[len(old):]
        for alias, full in imported:
            assert alias is not None
            aliases.append(_renamed(alias, full))
    elif module == old.rsplit(".", 1)[0] and all(full == old for _, full in imported):
        new_module, name = new.rsplit(".", 1)
        for alias, _ in imported:
            assert alias is not None
            local = alias.asname.name if alias.asname is not None else alias.name
            local_name = dotted(local) if isinstance(local, (cst.Name, cst.Attribute)) else None
            aliases.append(alias.with_changes(
                name=cst.Name(name),
                asname=None if local_name == name else cst.AsName(cst.Name(local_name or name))))
    else:
        return ()
    if aliases:
        aliases[-1] = aliases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    names = node.names if isinstance(node.names, cst.ImportStar) else aliases
    return ((node, node.with_changes(module=cst.parse_expression(new_module), names=names)),)


def _move_names(change: Change, hits: list[tuple[cst.ImportAlias | None, str]]
                ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Some of a statement's names moved (`from fastmcp import FastMCP, Image`): remove
    those from it and import them from their new module."""
    old_module, _ = change.old.rsplit(".", 1)
    new_module, new_name = change.moved_to.rsplit(".", 1)
    imports, removes = [], []
    for alias, full in hits:
        if alias is None or full != change.old:
            return (), ()
        name = dotted(alias.name) or ""
        local = (alias.asname.name.value if alias.asname is not None
                 and isinstance(alias.asname.name, cst.Name) else None)
        suffix = f" as {local}" if local else ""
        removes.append(f"from {old_module} import {name}{suffix}")
        as_name = local or (name if name != new_name else None)
        imports.append(f"from {new_module} import {new_name}"
                       + (f" as {as_name}" if as_name and as_name != new_name else ""))
    return tuple(imports), tuple(removes)


def _renamed(alias: cst.ImportAlias, full: str) -> cst.ImportAlias:
    new_name = _RENAMED.get(full)
    if new_name is None:
        return alias
    local = alias.asname.name if alias.asname is not None else alias.name
    local_name = dotted(local) if isinstance(local, (cst.Name, cst.Attribute)) else None
    return alias.with_changes(name=cst.Name(new_name),
                              asname=cst.AsName(cst.Name(local_name or full.rsplit(".")[-1])))


# -- the visitors FML801 and FML802 share -------------------------------------------------------

class ApiUseVisitor:
    """The visitors of the FML801/FML802 rules: each import, call and Context attribute is
    matched against the table once; `report_use` gets the uses of the rule's `status`.
    Mixed into a `Rule` (the engine finds these methods on the rule class); not under
    `TYPE_CHECKING`, and not in a `try: ... except ImportError:` shim."""

    status: Status = "removed"

    def _api(self) -> ApiUses | None:
        uses: ApiUses | None = getattr(self, "_api_uses", None)
        if uses is None:
            context = self.context  # type: ignore[attr-defined]
            shared = context.model.shared
            uses = shared.get("api_uses")
            if uses is None:
                uses = shared["api_uses"] = ApiUses(context.model, context.targets,
                                                    _referrer(context))
            self._api_uses = uses
            self._shims = 0
            self._awaited: set[int] = set()
            self._stored: set[int] = set()
        return uses if uses.active else None

    def _quiet(self) -> bool:
        return bool(getattr(self, "_shims", 0)) or bool(
            self.context.where.in_type_checking)  # type: ignore[attr-defined]

    def report_use(self, use: Use) -> None:
        """Report a use of the rule's status, with its mechanical fix when it has one."""
        from fastmcp_preflight.api import Fix  # the API imports the model, not back

        fix = (Fix("safe", use.replacements, use.imports, f"migrate to {use.change.new}",
                   remove_imports=use.remove_imports,
                   drop_if_unused=use.drop_if_unused).unsafe_if(use.unsafe)
               if use.fixable else None)
        self.report(use.node, use.message, fix=fix,  # type: ignore[attr-defined]
                    condition=use.condition)

    def visit_Try(self, node: cst.Try) -> None:
        uses = self._api()
        if uses is not None and is_import_shim(node):
            self._shims += 1
        if uses is not None and not self._quiet():
            scope = self.context.where.scope  # type: ignore[attr-defined]
            self._report_all(uses.at_try(node, scope))

    def visit_Return(self, node: cst.Return) -> None:
        uses = self._api()
        if uses is not None and not self._quiet():
            self._report_all(uses.at_return(
                node, self.context.where.scope))  # type: ignore[attr-defined]

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        uses = self._api()
        if uses is not None and uses.may_name_setting(node) and not self._quiet():
            self._report_all(uses.at_string(
                node, self.context.where.scope))  # type: ignore[attr-defined]

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._store(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._store(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._store(node.target)

    def visit_Del(self, node: cst.Del) -> None:
        self._store(node.target)

    def _store(self, target: cst.BaseExpression) -> None:
        """Attributes assigned or deleted are not reads (`tool.name = ...`)."""
        if self._api() is None:
            return
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._store(element.value)
        elif isinstance(target, cst.Attribute):
            self._stored.add(id(target))

    def _report_all(self, uses: Iterator[Use]) -> None:
        for use in uses:
            if use.status == self.status:
                self.report_use(use)

    def leave_Try(self, node: cst.Try) -> None:
        if self._api() is not None and is_import_shim(node):
            self._shims -= 1

    def visit_Await(self, node: cst.Await) -> None:
        if self._api() is not None:
            self._awaited.add(id(node.expression))

    def visit_Import(self, node: cst.Import) -> None:
        self._import(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._import(node)

    def _import(self, node: cst.Import | cst.ImportFrom) -> None:
        uses = self._api()
        if uses is None or self._quiet():
            return
        context = self.context  # type: ignore[attr-defined]
        for use in uses.at_import(node, context.scope, context.model.package):
            if use.status == self.status:
                if major_removal(use.change):
                    # FML803 reports the project's first such import instead.
                    use = replace(use, condition=unbounded_site_condition(
                        context.path, context.line_of(node)))
                self.report_use(use)

    def visit_Call(self, node: cst.Call) -> None:
        uses = self._api()
        if uses is None or self._quiet():
            return
        where = self.context.where  # type: ignore[attr-defined]
        for use in uses.uses_at_call(node, where.scope, awaited=id(node) in self._awaited,
                                     in_async=where.in_async):
            if use.status == self.status:
                self.report_use(use)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        uses = self._api()
        if uses is None or not uses.may_use_attribute(node) or self._quiet():
            return
        self._report_all(uses.at_attribute(
            node, self.context.where.scope,  # type: ignore[attr-defined]
            stored=id(node) in self._stored))


def _referrer(context: object) -> Refer | None:
    """`FileContext.reference` as a `Refer` (None with an engine that lacks it)."""
    reference = getattr(context, "reference", None)
    if reference is None:
        return None

    def refer(module: str, name: str) -> tuple[str, str | None, bool]:
        found = reference(module, name)
        needed = found.imports[0].code if found.imports else None
        return found.text, needed, bool(found.shadowed)

    return refer
