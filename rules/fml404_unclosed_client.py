"""FML404 unclosed-client."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from fastmcp_preflight.api import FileContext, Invalid, Rule, Scope, Valid

#: Client and session constructors, by dotted name, with the class shown and how it closes.
_CLIENTS = {
    "httpx.AsyncClient": ("httpx.AsyncClient", "await {}.aclose()"),
    "httpx.Client": ("httpx.Client", "{}.close()"),
    "httpx2.AsyncClient": ("httpx2.AsyncClient", "await {}.aclose()"),
    "httpx2.Client": ("httpx2.Client", "{}.close()"),
    "aiohttp.ClientSession": ("aiohttp.ClientSession", "await {}.close()"),
    "aiohttp.client.ClientSession": ("aiohttp.ClientSession", "await {}.close()"),
    "requests.Session": ("requests.Session", "{}.close()"),
    "requests.sessions.Session": ("requests.Session", "{}.close()"),
    "requests.session": ("requests.Session", "{}.close()"),
}
_CLOSERS = frozenset({"close", "aclose"})
#: Calls that take over closing what they are given.
_ENTER_METHODS = frozenset({"enter_context", "enter_async_context"})
_CLOSING = frozenset({"contextlib.closing", "contextlib.aclosing"})


@dataclass
class _Ref:
    """What a client is bound to: a module-level name, or an attribute name."""

    name: str
    attribute: bool


@dataclass
class _Role:
    refs: list[_Ref] = field(default_factory=list)
    #: Entered with `with`, or given to another call that owns it from then on.
    managed: bool = False


def _strip_subscripts(expr: cst.BaseExpression) -> cst.BaseExpression:
    while isinstance(expr, cst.Subscript):
        expr = expr.value
    return expr


class UnclosedClient(Rule):
    """A module-level HTTP client or session that nothing closes."""

    code = "FML404"
    name = "unclosed-client"
    severity = "warning"
    checklist = "graceful shutdown handling"
    summary = "module-level HTTP client is never closed"
    what = (
        "Finds `httpx.AsyncClient(...)`, `httpx.Client(...)` (also from `httpx2`, the client "
        "of FastMCP 4 and the MCP SDK 2), `aiohttp.ClientSession(...)` "
        "and `requests.Session()` (also `requests.session()`, `requests.sessions.Session`, "
        "`aiohttp.client.ClientSession`) created at module level (the module body, class "
        "bodies and module-level `if`/`try`/`with` blocks; not under "
        "`if __name__ == \"__main__\":` or `if TYPE_CHECKING:`) that the file never closes. "
        "A client bound to a name `client` is closed by a `client.close`/`client.aclose` "
        "anywhere in the file, called (`await client.aclose()`) or passed as a callback "
        "(`atexit.register(client.close)`), by `with client:`/`async with client:`, or by "
        "giving it to `stack.enter_context(...)`, `stack.enter_async_context(...)`, "
        "`contextlib.closing(...)`/`aclosing(...)`. The name must be the module-level one "
        "(a local of the same name does not count); `CLIENTS['a'].close()` counts for "
        "`CLIENTS = {'a': httpx.Client()}`. A client bound to an attribute "
        "(`app.state.client = ...`) or a class attribute is closed by `.close`/`.aclose` on "
        "any attribute of that name (`self.client.aclose()`). A client entered directly "
        "with `with`, or given as an argument to another call (which then owns it), is not "
        "reported; one that is not bound at all (`requests.Session().get(...)`) is."
    )
    why = (
        "An unclosed client keeps its pooled connections (sockets, file descriptors, TLS "
        "state) open until the process dies: on shutdown in-flight requests are cut instead "
        "of drained, aiohttp logs `Unclosed client session` warnings, and in tests or "
        "reloading dev servers every import leaks another pool. A module-level client is "
        "also created before the event loop it will run on exists."
    )
    instead = (
        "Create the client in the server's lifespan (`FastMCP(lifespan=...)`) with "
        "`async with httpx.AsyncClient() as client: yield {...}`, so it is closed on "
        "shutdown; or keep the module-level client and close it in the lifespan's cleanup "
        "(`await client.aclose()`)."
    )
    hint = "close it on shutdown (in the server's lifespan), or create it there with `async with`"
    needles = ("httpx", "aiohttp", "requests")  # the modules that define the clients

    VALID = (
        Valid("import httpx\nfrom contextlib import asynccontextmanager\n\n"
              "client = httpx.AsyncClient()\n\n@asynccontextmanager\nasync def lifespan(app):\n"
              "    yield\n    await client.aclose()\n"),
        Valid("import atexit\nimport requests\n\nsession = requests.Session()\n"
              "atexit.register(session.close)\n"),
        Valid("import httpx\n\nasync def fetch(url):\n    client = httpx.AsyncClient()\n"
              "    return await client.get(url)\n"),
        Valid("import httpx\n\nif __name__ == '__main__':\n    client = httpx.Client()\n"),
        Valid("import requests\n\nwith requests.Session() as s:\n"
              "    DATA = s.get('u', timeout=5)\n"),
        Valid("import httpx\n\nclass Api:\n    def __init__(self):\n"
              "        self.client = httpx.AsyncClient()\n\n    async def close(self):\n"
              "        await self.client.aclose()\n\nAPI = Api()\n"),
        Valid("import httpx\n\nclass Api:\n    client = httpx.Client()\n\n"
              "    @classmethod\n    def shutdown(cls):\n        cls.client.close()\n"),
        Valid("from aiohttp import ClientSession as Session\n\nsession = Session()\n\n"
              "async def lifespan(app):\n    async with session:\n        yield\n"),
        Valid("import httpx\n\nclass Api:\n    def __init__(self, client):\n"
              "        self.client = client\n\nAPI = Api(httpx.Client())\n"),
        Valid("class Session:\n    pass\n\nsession = Session()\n"),
    )
    INVALID = (
        Invalid("import httpx\n\nclient = httpx.AsyncClient(base_url='https://api.example.com')\n",
                at=((3, 10),)),
        Invalid("from httpx2 import Client\n\nclient = Client()\n", at=((3, 10),)),
        Invalid("import requests as r\n\nsession = r.Session()\n\ndef stop():\n"
                "    session = make()\n    session.close()\n",
                at=((3, 11),)),
        Invalid("import aiohttp\n\nclass Api:\n    session = aiohttp.ClientSession()\n",
                at=((4, 15),)),
        Invalid("import httpx\nimport os\n\nif os.environ.get('PROXY'):\n"
                "    client = httpx.Client(proxy=os.environ['PROXY'])\nelse:\n"
                "    client = httpx.Client()\n\nclient.close\nother = httpx.Client()\n",
                at=((10, 9),)),
        Invalid("import requests\n\nPAGE = requests.Session().get('u', timeout=5)\n",
                at=((3, 8),)),
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._roles: dict[cst.Call, _Role] = {}
        self._clients: list[tuple[cst.Call, str, str, _Role]] = []
        self._closers: list[tuple[cst.BaseExpression, Scope]] = []

    def _constructor(self, node: cst.CSTNode) -> tuple[str, str] | None:
        if not isinstance(node, cst.Call):
            return None
        return _CLIENTS.get(self.context.resolve(node.func) or "")

    def _constructors_in(self, expr: cst.BaseExpression) -> list[cst.Call]:
        """Clients a bound value holds: itself, or in a container or `x if c else y`."""
        if isinstance(expr, cst.Call):
            return [expr] if self._constructor(expr) is not None else []
        if isinstance(expr, cst.IfExp):
            return self._constructors_in(expr.body) + self._constructors_in(expr.orelse)
        if isinstance(expr, cst.BooleanOperation):
            return self._constructors_in(expr.left) + self._constructors_in(expr.right)
        if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            return [c for e in expr.elements for c in self._constructors_in(e.value)]
        if isinstance(expr, cst.Dict):
            return [c for e in expr.elements if isinstance(e, cst.DictElement)
                    for c in self._constructors_in(e.value)]
        return []

    def _role(self, call: cst.Call) -> _Role:
        return self._roles.setdefault(call, _Role())

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List)
                                                                      ) and len(
                target.elements) == len(value.elements):
            for element, element_value in zip(target.elements, value.elements, strict=True):
                self._bind(element.value, element_value.value)
            return
        target = _strip_subscripts(target)
        if isinstance(target, cst.Attribute):
            ref = _Ref(target.attr.value, True)
        elif isinstance(target, cst.Name):
            ref = _Ref(target.value, self.context.scope.kind == "class")
        else:
            return
        for call in self._constructors_in(value):
            self._role(call).refs.append(ref)

    def _at_module_level(self) -> bool:
        where = self.context.where
        return where.at_import_time and not where.in_type_checking

    # -- the walk ---------------------------------------------------------------------------

    def visit_Assign(self, node: cst.Assign) -> None:
        if self._at_module_level():
            for target in node.targets:
                self._bind(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if self._at_module_level() and node.value is not None:
            self._bind(node.target, node.value)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        if self._at_module_level():
            self._bind(node.target, node.value)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        self._closers.append((node.item, self.context.scope))
        if isinstance(node.item, cst.Call):
            self._role(node.item).managed = True

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value in _CLOSERS:
            self._closers.append((node.value, self.context.scope))

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        owner = (isinstance(func, cst.Attribute) and func.attr.value in _ENTER_METHODS) or (
            self.context.resolve(func) in _CLOSING)
        for arg in node.args:
            if owner:
                self._closers.append((arg.value, self.context.scope))
            for call in self._constructors_in(arg.value):
                self._role(call).managed = True
        client = self._constructor(node)
        if client is not None and self._at_module_level():
            self._clients.append((node, client[0], client[1], self._role(node)))

    def leave_Module(self, node: cst.Module) -> None:
        for call, client, close, role in self._clients:
            if role.managed or any(self._closed(ref) for ref in role.refs):
                continue
            holder = role.refs[0].name if role.refs else "client"
            bound = f" `{holder}`" if role.refs else ""
            self.report(
                call,
                f"module-level `{client}`{bound} is never closed: its connections leak on "
                f"shutdown; close it in the server's lifespan (`{close.format(holder)}`)",
            )

    def _closed(self, ref: _Ref) -> bool:
        for expr, scope in self._closers:
            expr = _strip_subscripts(expr)
            if ref.attribute:
                if isinstance(expr, cst.Attribute) and expr.attr.value == ref.name:
                    return True
                if isinstance(expr, cst.Name) and expr.value == ref.name and (
                        scope.kind == "class"):
                    return True
            elif isinstance(expr, cst.Name) and expr.value == ref.name:
                found = scope.lookup(ref.name)
                if found is not None and found[0].kind == "module":
                    return True
        return False
