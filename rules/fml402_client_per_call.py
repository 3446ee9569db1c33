"""FML402 client-per-call."""

from __future__ import annotations

import sys

import libcst as cst

from fastmcp_preflight.api import CLIENT_THROUGH_HELPER, VIA, Invalid, Rule, Valid

#: HTTP client and session constructors, by the dotted names they resolve to.
CLIENTS = {
    "httpx.AsyncClient": "httpx.AsyncClient",
    "httpx.Client": "httpx.Client",
    "httpx2.AsyncClient": "httpx2.AsyncClient",
    "httpx2.Client": "httpx2.Client",
    "aiohttp.ClientSession": "aiohttp.ClientSession",
    "aiohttp.client.ClientSession": "aiohttp.ClientSession",
    "requests.Session": "requests.Session",
    "requests.sessions.Session": "requests.Session",
    "requests.session": "requests.Session",
}

_USES_API = ("from fastmcp import FastMCP\nfrom app.api import Api\n\nmcp = FastMCP('x')\n\n"
             "@mcp.tool\nasync def get(url: str) -> str:\n")
_API = ("import httpx\n\nclass Api:\n    def __init__(self):\n"
        "        self.client = httpx.AsyncClient()\n")
_LAZY_API = ("import httpx\n\nclass Api:\n    _client = None\n\n    @classmethod\n"
             "    def client(cls):\n        if cls._client is None:\n"
             "            cls._client = httpx.AsyncClient()\n        return cls._client\n")


class ClientPerCall(Rule):
    """A tool that builds a new HTTP client or session every time it is called."""

    code = "FML402"
    name = "client-per-call"
    severity = "warning"
    checklist = "connection pooling"
    summary = "new HTTP client created on every tool call"
    what = (
        "Finds `httpx.AsyncClient(...)`, `httpx.Client(...)` (also from `httpx2`, the client "
        "of FastMCP 4 and the MCP SDK 2), `aiohttp.ClientSession(...)` "
        "and `requests.Session()` (also `requests.session()` and the classes' defining "
        "modules, `aiohttp.client.ClientSession`, `requests.sessions.Session`) called in the "
        "body of a tool, resource or prompt function, or in the body of an `async def` "
        "nested in one (directly or through further `async def`s): also as `async with` / "
        "`with` items. A constructor in a nested sync `def`, a `lambda` or a class body "
        "inside the tool is not reported (it runs elsewhere, maybe once); the decorators "
        "and default values of such a nested function run on every tool call and are "
        "reported. A client created at module level or in a lifespan is not reported. "
        "Through the project: a call in the tool of a project function, method or class "
        "that builds a new client each time it runs (directly or through further calls; a "
        "class's constructor, or a method the tool calls, that keeps a new client on `self.`, "
        "`cls.` or a global builds one per instance or call) is reported at that call, with "
        "the chain; one built only under the lazy-initialisation idiom (`if self._client is "
        "None: self._client = httpx.AsyncClient()`, `self._c = self._c or ...`) or under a "
        "lock is built once and not reported."
    )
    why = (
        "A client owns a connection pool. A new client per call opens a new TCP connection "
        "and TLS handshake for every request (often 50-300 ms), cannot reuse HTTP/2 or "
        "keep-alive connections, and under load exhausts sockets and file descriptors; "
        "clients that are not closed also leak them."
    )
    instead = (
        "Create one client for the server's lifetime in its lifespan "
        "(`FastMCP(lifespan=...)`), close it there on shutdown, and reach it from tools "
        "through the context (`ctx.request_context.lifespan_context`) or a module-level "
        "holder set up by the lifespan."
    )
    hint = "create the client once in the server's lifespan and reuse it"
    #: A tool may build its client through a helper of another module.
    needles = ("def ",)

    VALID = (
        # Built once, on first use (the production reference's ResourceManager).
        Valid(_USES_API + "    return (await Api.client().get(url)).text\n", path="app/server.py",
              others=(("app/__init__.py", ""), ("app/api.py", _LAZY_API))),
        Valid("import httpx\nfrom fastmcp import FastMCP, Context\n\nmcp = FastMCP('x')\n\n"
              "@mcp.tool\nasync def fetch(url: str, ctx: Context) -> str:\n"
              "    client = ctx.request_context.lifespan_context.client\n"
              "    return (await client.get(url)).text\n"),
        Valid("import httpx\n\nasync def fetch(url: str) -> str:\n"
              "    async with httpx.AsyncClient() as client:\n"
              "        return (await client.get(url)).text\n"),
        Valid("import httpx\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n"
              "client = httpx.AsyncClient()\n\n@mcp.tool\nasync def fetch(url: str) -> str:\n"
              "    return (await client.get(url)).text\n"),
        Valid("import httpx\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "async def fetch(url: str) -> str:\n    def make():\n        return httpx.Client()\n"
              "    return make\n"),
        Valid("import httpx\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "async def fetch(url: str) -> object:\n    return lambda: httpx.Client()\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\nclass Client:\n"
              "    pass\n\n@mcp.tool\nasync def fetch(url: str) -> object:\n"
              "    return Client()\n"),
        Valid("import httpx\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "if __name__ == '__main__':\n    client = httpx.Client()\n    mcp.run()\n"),
        Valid("import asyncio\nimport requests\nfrom fastmcp import FastMCP\n\n"
              "mcp = FastMCP('x')\n\n@mcp.tool\nasync def fetch(url: str) -> object:\n"
              "    return await asyncio.to_thread(requests.Session)\n"),
    )
    INVALID = (
        # A project class whose constructor builds a client, instantiated per call.
        Invalid(_USES_API + "    api = Api()\n    return (await api.client.get(url)).text\n",
                at=((8, 11),), path="app/server.py",
                others=(("app/__init__.py", ""), ("app/api.py", _API)),
                message="`Api()` -> `httpx.AsyncClient` (api.py:5) in `get`"),
        Invalid("import httpx\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "async def fetch(url: str) -> str:\n"
                "    async with httpx.AsyncClient(timeout=10) as client:\n"
                "        return (await client.get(url)).text\n",
                at=((8, 16),)),
        Invalid("from aiohttp import ClientSession as CS\nfrom fastmcp import FastMCP\n\n"
                "mcp = FastMCP('x')\n\n@mcp.resource('page://{name}')\n"
                "async def page(name: str) -> str:\n    session = CS()\n"
                "    try:\n        return await get(session, name)\n    finally:\n"
                "        await session.close()\n",
                at=((8, 15),)),
        Invalid("import requests as r\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "def fetch(url: str) -> str:\n    with r.Session() as s:\n"
                "        return s.get(url, timeout=5).text\n\nmcp.tool(fetch)\n",
                at=((7, 10),)),
        Invalid("import asyncio\nimport httpx\nfrom fastmcp import FastMCP\n\n"
                "mcp = FastMCP('x')\n\n@mcp.tool\nasync def fetch_all(urls: list[str]) -> list:\n"
                "    async def one(url):\n        async with httpx.AsyncClient() as c:\n"
                "            return await c.get(url)\n"
                "    return await asyncio.gather(*(one(u) for u in urls))\n",
                at=((10, 20),)),
        Invalid("import httpx\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "async def fetch(url: str) -> str:\n"
                "    def make(client=httpx.Client()):\n        return client\n"
                "    return make().get(url).text\n",
                at=((8, 21),)),
        Invalid("import httpx2\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "async def fetch(url: str) -> str:\n"
                "    async with httpx2.AsyncClient() as client:\n"
                "        return (await client.get(url)).text\n", at=((8, 16),)),
    )

    def _in_tool(self) -> str | None:
        """In a tool's body, or an `async def` nested in one (through `async def`s only):
        the condition of a finding there (see `FileModel.tool_condition`); else None."""
        model = self.context.model
        where = self.context.where
        if where.frames and not isinstance(where.frames[-1].node, cst.FunctionDef):
            return None
        for function in reversed(where.functions):
            registration = model.tool_of(function, elsewhere=True)
            if registration is not None:
                return model.tool_condition(registration, self.context.path)
            if not (isinstance(function, cst.FunctionDef) and function.asynchronous):
                return None
        return None

    def visit_Call(self, node: cst.Call) -> None:
        resolved = self.context.resolve(node.func)
        client = CLIENTS.get(resolved or "")
        if client is None:
            self._through_helper(node, resolved)
            return
        condition = self._in_tool()
        if condition is None:
            return
        function = self.context.where.function
        label = function.name.value if isinstance(function, cst.FunctionDef) else "?"
        self.report(
            node,
            f"`{client}(...)` in `{label}` creates a new client (and connection pool) on "
            "every tool call: create it once in the server's lifespan and reuse it",
            condition=condition,
        )

    def _through_helper(self, node: cst.Call, resolved: str | None) -> None:
        """A call in a tool of what may be a project function (a function of this file or
        an imported one, not the standard library's): reported if, through the project,
        it builds a new client (RULES.md: "at the helper call for a chain")."""
        func = node.func
        if resolved is not None:
            if resolved.partition(".")[0] in _STDLIB:
                return
        elif isinstance(func, cst.Name):
            found = self.context.where.scope.lookup(func.value)
            if found is not None and found[0].kind != "module":
                return  # a function nested in the tool: its own body is checked in place
        elif not isinstance(func, cst.Attribute):
            return  # else a method of `self`, `cls` or an object the tool made or was given
        function = self.context.where.function
        if not isinstance(function, cst.FunctionDef):
            return
        if self._in_tool() != "":  # not in a tool, or in one only another module registers
            return
        qualified = self.context.model.qualified_name(function)
        if qualified is None:
            return
        at = self.context.positions.of(node)
        self.report(
            node,
            f"{VIA} in `{function.name.value}` creates a new client (and connection pool) on "
            "every tool call: create it once in the server's lifespan and reuse it",
            condition=f"{CLIENT_THROUGH_HELPER}:{self.context.path}#{qualified}:"
                      f"{at.line}:{at.column}:{at.end_line}:{at.end_column}")


_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) | {"builtins"}
