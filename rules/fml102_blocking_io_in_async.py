"""FML102 blocking-io-in-async."""

from __future__ import annotations

import libcst as cst

from fastmcp_preflight.api import FileContext, Invalid, Rule, Valid
from fastmcp_preflight.model.blocking import BLOCKING_CALLS
from fastmcp_preflight.model.file_model import FileModel, positional, string_value

_THREAD = "run it in a thread: `await asyncio.to_thread(...)`"

def _is_interactive_client(model: FileModel) -> bool:
    """A module that imports an MCP client and registers no tool: its `input()` reads the
    user's next prompt in a chat loop, which is the program's whole job, not a server's."""
    return model.mcp_client and not any(r.kind != "route" for r in model.registrations)


def _in_memory_sqlite(node: cst.Call) -> bool:
    first = positional(node, 0)
    return first is not None and string_value(first.value) == ":memory:"


class BlockingIoInAsync(Rule):
    """A blocking network, subprocess or file call in the body of an `async def`."""

    code = "FML102"
    name = "blocking-io-in-async"
    severity = "error"
    checklist = "no blocking operations in async"
    summary = "blocking I/O call in an async function blocks the event loop"
    what = (
        "Finds blocking network, subprocess, file and database calls in the body of an "
        "`async def`: `requests.get/post/put/patch/delete/head/options/request`, "
        "`requests.Session()`, `urllib.request.urlopen`, "
        "`http.client.HTTPConnection/HTTPSConnection`, "
        "`httpx.get/post/put/patch/delete/head/options/request/stream`, `httpx.Client()`, "
        "`subprocess.run/call/check_call/check_output/getoutput/getstatusoutput`, "
        "`os.system`, `os.popen`, `socket.create_connection`, the builtins `open()` and "
        "`input()`, `sqlite3.connect`, `psycopg2.connect`, `pymysql.connect`, plus the "
        "dotted names listed in the `extend-blocking-calls` setting. Names are resolved "
        "through imports and aliases (`import requests as rq; rq.get()`, "
        "`from subprocess import run as sh; sh()`); a local function of the same name is "
        "not reported. The bodies of a nested `def`, `lambda` or `class` are not part of "
        "the async function, and a function passed as a callable (to `asyncio.to_thread`, "
        "`loop.run_in_executor`, `anyio.to_thread.run_sync`) is not a call, so neither is "
        "reported; the decorators and default values of a nested `def` run in the async "
        "function and are. `sqlite3.connect(\":memory:\")` opens no file and is not "
        "reported, nor is `input()` in an interactive MCP client: a module that imports an "
        "MCP client (`fastmcp.Client`, `mcp.ClientSession`, anything from `fastmcp.client` "
        "or `mcp.client`, or the MCP clients of `agents`, `pydantic_ai` and "
        "`langchain_mcp_adapters`) and registers no tool, resource or prompt. `httpx2` (the "
        "client of FastMCP 4 and the MCP SDK 2) counts as `httpx`. Calls made on objects "
        "these return (`session.get()`, `f.read()`) are not "
        "reported: only the listed calls themselves. "
        "Not reported in a script of its own that never runs in a server: a module with an "
        "`if __name__ == \"__main__\":` block or a module-level `asyncio.run(...)` (also "
        "`anyio.run`, `trio.run`) that imports no server API and no MCP client, registers "
        "nothing and that no server module of the project imports (a maintenance script, a "
        "library's example runner): its event loop serves no client. An MCP client program "
        "is still checked."
    )
    why = (
        "A FastMCP server runs every tool call on one event loop. A blocking call holds that "
        "loop for as long as the network, the child process or the disk takes: meanwhile "
        "every other client's request, the keep-alive pings and the health checks wait, and "
        "a slow upstream turns into a stalled server."
    )
    instead = (
        "Use the async API: `httpx.AsyncClient` (or aiohttp) for HTTP, "
        "`asyncio.create_subprocess_exec` for processes, `asyncio.open_connection` for "
        "sockets, `anyio.open_file`/aiofiles for files, an async database driver; or run the "
        "blocking function in a worker thread with `await asyncio.to_thread(fn, *args)`."
    )
    hint = "use the async API, or `await asyncio.to_thread(fn, *args)`"
    needles = ("async",)

    VALID = (
        # A script of its own that no server imports: its loop serves no client.
        Valid("import asyncio\nimport subprocess\n\nasync def smoke():\n"
              "    subprocess.run(['pip', 'check'])\n\nif __name__ == '__main__':\n"
              "    asyncio.run(smoke())\n", path="scripts/smoke.py"),
        Valid("import httpx\n\nasync def tool(url):\n"
              "    async with httpx.AsyncClient() as client:\n"
              "        return (await client.get(url)).text\n"),
        Valid("import requests\n\ndef tool(url):\n    return requests.get(url, timeout=5).text\n"),
        Valid("import requests\n\nasync def tool(url):\n    def fetch():\n"
              "        return requests.get(url, timeout=5)\n    return fetch\n"),
        Valid("import subprocess\n\nasync def tool():\n"
              "    return lambda: subprocess.run(['ls'], check=True)\n"),
        Valid("import asyncio\nimport requests\n\nasync def tool(url):\n"
              "    return await asyncio.to_thread(requests.get, url, timeout=5)\n"),
        Valid("import asyncio\nimport subprocess\n\nasync def tool():\n"
              "    loop = asyncio.get_running_loop()\n"
              "    return await loop.run_in_executor(None, subprocess.getoutput, 'ls')\n"),
        Valid("import anyio\n\nasync def tool(path):\n"
              "    return await anyio.to_thread.run_sync(open, path)\n"),
        Valid("async def tool(path):\n    def open(p):\n        return p\n    return open(path)\n"),
        Valid("from mylib import requests\n\nasync def tool():\n    requests.get('x')\n"),
        Valid("import os\n\nasync def tool():\n    class Job:\n        def run(self):\n"
              "            os.system('make')\n    return Job\n"),
        Valid("import sqlite3\n\nasync def tool():\n    return sqlite3.connect(':memory:')\n"),
        Valid("import requests\n\nif __name__ == '__main__':\n    requests.get('http://x')\n"),
        # An interactive MCP client: reading the user's next prompt is its job.
        Valid("from mcp import ClientSession\n\nasync def chat(session: ClientSession):\n"
              "    while True:\n        query = input('> ')\n"
              "        await session.call_tool('ask', {'q': query})\n"),
        Valid("from fastmcp import Client\n\nasync def main():\n"
              "    async with Client('server.py') as client:\n"
              "        await client.call_tool(input('tool: '))\n"),
    )
    INVALID = (
        # An MCP client program is checked even as a script of its own (`input()` aside).
        Invalid("import asyncio\nimport subprocess\nfrom fastmcp import Client\n\n"
                "async def smoke():\n    subprocess.run(['uv', 'build'])\n"
                "    async with Client('server.py') as client:\n"
                "        await client.ping()\n\nif __name__ == '__main__':\n"
                "    asyncio.run(smoke())\n", at=((6, 5),), path="scripts/smoke.py"),
        # The same script, imported by the server: its function runs in the server too.
        Invalid("import asyncio\nimport subprocess\n\nasync def smoke():\n"
                "    subprocess.run(['pip', 'check'])\n\nif __name__ == '__main__':\n"
                "    asyncio.run(smoke())\n", at=((5, 5),), path="app/smoke.py",
                others=(("app/server.py", "from fastmcp import FastMCP\n\nfrom app.smoke "
                         "import smoke\n\nmcp = FastMCP('x')\n"),
                        ("app/__init__.py", ""))),
        Invalid("import requests\n\nasync def tool(url):\n"
                "    return requests.get(url, timeout=5).json()\n", at=((4, 12),)),
        Invalid("import requests as rq\nfrom subprocess import run as sh\n\n"
                "async def tool():\n    rq.post('http://x', timeout=1)\n"
                "    sh(['ls'], check=True)\n", at=((5, 5), (6, 5))),
        Invalid("async def tool(path):\n    with open(path) as f:\n        return f.read()\n",
                at=((2, 10),)),
        Invalid("import httpx\n\nasync def tool():\n    with httpx.Client() as c:\n"
                "        return c.get('http://x')\n", at=((4, 10),)),
        Invalid("from urllib.request import urlopen\nimport os\n\nclass Server:\n"
                "    async def tool(self, url):\n        os.system('true')\n"
                "        return urlopen(url).read()\n", at=((6, 9), (7, 16))),
        Invalid("import sqlite3\n\nasync def tool():\n    def helper(db=sqlite3.connect('x.db')):\n"
                "        return db\n    return helper\n", at=((4, 19),)),
        Invalid("import asyncio\nimport subprocess\n\nasync def tool():\n"
                "    await asyncio.to_thread(subprocess.check_output(['ls']))\n",
                at=((5, 29),)),
        # A server that also uses a client is still a server.
        Invalid("from fastmcp import Client, FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "async def ask() -> str:\n    return input('> ')\n", at=((7, 12),)),
        Invalid("import httpx2\n\nasync def tool(url):\n    return httpx2.get(url).text\n",
                at=((4, 12),)),
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._calls = dict(BLOCKING_CALLS)
        if _is_interactive_client(context.model):
            del self._calls["builtins.input"]
        extra = context.options.get("extend-blocking-calls", ())
        if isinstance(extra, (list, tuple, set, frozenset)):
            for name in extra:
                if isinstance(name, str) and name not in self._calls:
                    self._calls[name] = _THREAD

    def visit_Call(self, node: cst.Call) -> None:
        where = self.context.where
        if not where.in_async:
            return
        resolved = self.context.resolve(node.func)
        if resolved is None:
            return
        alternative = self._calls.get(resolved)
        if alternative is None:
            return
        if resolved == "sqlite3.connect" and _in_memory_sqlite(node):
            return
        shown = resolved.removeprefix("builtins.")
        function = where.function
        label = function.name.value if isinstance(function, cst.FunctionDef) else "?"
        self.report(
            node,
            f"`{shown}()` blocks the event loop in async function `{label}`: {alternative}",
            condition=self.context.model.script_condition(self.context.path),
        )
