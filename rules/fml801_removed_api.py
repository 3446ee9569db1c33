"""FML801 removed-api."""

from __future__ import annotations

from fastmcp_preflight.api import Invalid, Rule, Valid
from fastmcp_preflight.model.api_uses import ApiUseVisitor

_F2 = (("target-fastmcp", "2.14"),)
_F4 = (("target-fastmcp", "4.1.6"),)
_M2 = (("target-mcp", "2.3"),)


class RemovedApi(ApiUseVisitor, Rule):
    """A FastMCP or MCP SDK API that the project's target version no longer has.

    Choices where RULES.md is silent (shared with FML802/FML803): a requirement on the
    project's own distribution (`fastmcp[tasks]` in the fastmcp repository's dev group) is no
    target, since uv resolves it to the working tree; `mount("x", y)` is the old prefix-first
    form only on a server (one the file made or one named like it) and only when `"x"` is
    neither a URL nor a path (`requests.Session.mount`, Starlette's `app.mount`); a fastmcp
    change never applies to a receiver known to be an SDK server (a parameter annotated with
    the SDK's class, or a name assigned from its constructor), nor the other way round.
    """

    code = "FML801"
    name = "removed-api"
    severity = "error"
    checklist = "(versions)"
    summary = "API removed in the targeted fastmcp / MCP SDK version"
    what = (
        "Finds uses of fastmcp and MCP SDK APIs that the project's target version removed: "
        "imports (`mcp.server.fastmcp`, `fastmcp.server.proxy`, `from fastmcp import Image`), "
        "server constructor keywords (`host=`, `port=`, `dependencies=`), server methods "
        "(`FastMCP.as_proxy`, `import_server`, `get_tools`), `mount(\"prefix\", server)` and "
        "`mount(prefix=...)`, tool decorator keywords (`output_schema=False`, "
        "`exclude_args=`), Context methods (`ctx.get_http_request()`, a sync "
        "`ctx.set_state()`, `ctx.sample()`), the SDK's low-level decorators and "
        "`McpError(ErrorData(...))`; also `.name` / `.description` read off a function a "
        "tool decorator registered, `tool.enable()` / `tool.disable()` on a tool object, a "
        "prompt returning `PromptMessage(...)` or a dict, `@mcp.tool(task=True)` in a file "
        "that does not import `TasksExtension`, `httpx` clients, auth or client factories "
        "given to fastmcp's `Client` and transports, `except httpx.<Error>` around fastmcp "
        "calls, camelCase fields of the protocol types (`result.isError`), the removed "
        "`mcp.types` names and the `FASTMCP_SHOW_CLI_BANNER` setting. The list is DRIFT.md's "
        "(one table in the package, "
        "`fastmcp_preflight.project.drift`). The target version is read from the project's "
        "requirement and lock files, or config `target-fastmcp` / `target-mcp`; a project "
        "that declares no requirement for a package is not checked for it. Names are "
        "resolved through imports and aliases; a local class or function of the same name is "
        "not reported. Uses in a `try: ... except ImportError:` shim or under "
        "`if TYPE_CHECKING:` are not reported. An import is reported at the import statement; "
        "a call, keyword argument, method or decorator form at that call (its first line); a "
        "Context attribute at the attribute. The message names the replacement and the "
        "release that removed the API."
    )
    why = (
        "A removed API raises when the server is imported or started (`ModuleNotFoundError`, "
        "`TypeError: ... unexpected keyword`, `AttributeError`): a fresh install of the "
        "project's own requirements gives a server that does not start."
    )
    instead = (
        "Use the replacement the message names, or cap the requirement below the release "
        "that removed the API until you migrate. `fastmcp-lint --fix --select FML8` applies "
        "the mechanical migrations."
    )
    hint = "migrate to the replacement, or cap the requirement"
    fix_safety = (
        "Safe, for the changes DRIFT.md marks mechanical: import moves (a name keeps its "
        "local name through `as`), `mount(\"p\", srv)` -> `mount(srv, \"p\")`, `prefix=` -> "
        "`namespace=`, `FastMCP.as_proxy(x)` -> `fastmcp.server.create_proxy(x)`, "
        "`ctx.get_http_request()` -> `get_http_request()`, `await` before "
        "`ctx.set_state/get_state` in an async function, `output_schema=False` -> `None`, "
        "constructor `host=`/`port=` moved to the module's one `run()` that names an HTTP "
        "transport, `McpError(ErrorData(...))` -> keyword arguments, a positional "
        "`instructions` made a keyword. The rest (`import_server`, `ctx.sample`, "
        "`exclude_args`, `dependencies=`, ...) changes behaviour and is only reported."
    )
    fixable = "safe"
    needles = ("fastmcp", "mcp", "ctx", "context", "Context", "FASTMCP_")
    status = "removed"

    VALID = (
        # The new forms.
        Valid("from mcp.server.mcpserver import MCPServer\n\nmcp = MCPServer('x')\n",
              settings=_M2),
        Valid("from fastmcp import FastMCP\nfrom fastmcp.utilities.types import Image\n\n"
              "mcp = FastMCP('x')\nmcp.mount(FastMCP('sub'), namespace='sub')\n", settings=_F4),
        # Still there in the target version.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x', dependencies=['httpx'])\n",
              settings=(("target-fastmcp", "2.13"),)),
        # No requirement declared, no target: nothing to check against.
        Valid("from mcp.server.fastmcp import FastMCP\n\nmcp = FastMCP('x', host='0.0.0.0')\n"),
        # A shim that works with both versions.
        Valid("try:\n    from mcp.server.mcpserver import MCPServer as FastMCP\n"
              "except ImportError:\n    from mcp.server.fastmcp import FastMCP\n", settings=_M2),
        # The component the decorator used to return, fetched from the server.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def ping() -> str:\n    return 'pong'\n\nasync def name() -> str:\n"
              "    tool = await mcp.get_tool('ping')\n    return tool.name\n", settings=_F4),
        # Unrelated code with the same names.
        Valid("class FastMCP:\n    def __init__(self, name, host=None):\n        pass\n\n"
              "    def mount(self, a, b):\n        pass\n\n"
              "app = FastMCP('x', host='h')\napp.mount('p', app)\n", settings=_F4),
    )
    INVALID = (
        Invalid("from mcp.server.fastmcp import FastMCP, Context\n\nmcp = FastMCP('x')\n",
                at=((1, 1),), settings=_M2, message="removed in mcp 2.0.0",
                fixed="from mcp.server.mcpserver import MCPServer as FastMCP, Context\n\n"
                      "mcp = FastMCP('x')\n"),
        Invalid("from fastmcp import FastMCP as Server\n\nmcp = Server('x', port=8000, "
                "dependencies=['httpx'])\n", at=((3, 7), (3, 7)), settings=_F4),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\nsub = FastMCP('sub')\n"
                "mcp.mount('sub', sub)\n", at=((5, 1),), settings=_F4,
                fixed="from fastmcp import FastMCP\n\nmcp = FastMCP('x')\nsub = FastMCP('sub')\n"
                      "mcp.mount(sub, 'sub')\n"),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\nsub = FastMCP('sub')\n"
                "mcp.mount(sub, prefix='sub')\n", at=((5, 1),), settings=_F4,
                fixed="from fastmcp import FastMCP\n\nmcp = FastMCP('x')\nsub = FastMCP('sub')\n"
                      "mcp.mount(sub, namespace='sub')\n"),
        Invalid("from fastmcp import FastMCP\n\nproxy = FastMCP.as_proxy('http://x/mcp')\n",
                at=((3, 9),), settings=_F4,
                fixed="from fastmcp import FastMCP\nfrom fastmcp.server import create_proxy\n\n"
                      "proxy = create_proxy('http://x/mcp')\n"),
        Invalid("from fastmcp import FastMCP, Context\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "async def remember(key: str, ctx: Context) -> str:\n"
                "    ctx.set_state('k', key)\n    return ctx.get_http_request().url.path\n",
                at=((7, 5), (8, 12)), settings=(("target-fastmcp", "3.0"),),
                fixed="from fastmcp import FastMCP, Context\n"
                      "from fastmcp.server.dependencies import get_http_request\n\n"
                      "mcp = FastMCP('x')\n\n@mcp.tool\n"
                      "async def remember(key: str, ctx: Context) -> str:\n"
                      "    await ctx.set_state('k', key)\n"
                      "    return get_http_request().url.path\n"),
        # One name of the statement moved: it leaves, and is imported from its new home.
        Invalid("from fastmcp import FastMCP, Image\n\nmcp = FastMCP('x')\nlogo = Image('a.png')\n",
                at=((1, 1),), settings=_F4,
                fixed="from fastmcp import FastMCP\nfrom fastmcp.utilities.types import Image\n\n"
                      "mcp = FastMCP('x')\nlogo = Image('a.png')\n"),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "@mcp.tool(output_schema=False)\ndef ping() -> str:\n    return 'pong'\n",
                at=((5, 2),), settings=_F2,
                fixed="from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                      "@mcp.tool(output_schema=None)\ndef ping() -> str:\n    return 'pong'\n"),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x', host='0.0.0.0', port=9000)\n\n"
                "if __name__ == '__main__':\n    mcp.run(transport='http')\n",
                at=((3, 7), (3, 7)), settings=(("target-fastmcp", "3.0"),),
                fixed="from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                      "if __name__ == '__main__':\n"
                      "    mcp.run(transport='http', host='0.0.0.0', port=9000)\n"),
        Invalid("from mcp import McpError\nfrom mcp.types import ErrorData\n\n"
                "def fail():\n    raise McpError(ErrorData(code=-1, message='no'))\n",
                at=((1, 1), (5, 11)), settings=_M2,
                fixed="from mcp import MCPError as McpError\n\n"
                      "def fail():\n    raise McpError(code=-1, message='no')\n"),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def ping() -> str:\n    return 'pong'\n\nprint(ping.name)\nping.disable()\n",
                at=((9, 7), (10, 1)), settings=_F4, message="removed in fastmcp"),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.prompt\n"
                "def ask() -> dict:\n    return {'role': 'user', 'content': 'hi'}\n",
                at=((7, 12),), settings=_F4, message="returned from a prompt"),
        Invalid("import os\n\nos.environ['FASTMCP_SHOW_CLI_BANNER'] = 'false'\n",
                at=((3, 12),), settings=_F4, message="FASTMCP_SHOW_SERVER_BANNER"),
        Invalid("from mcp import ClientSession\n\nasync def run(session: ClientSession):\n"
                "    result = await session.call_tool('x', {})\n    return result.isError\n",
                at=((5, 12),), settings=_M2, message="`.is_error`"),
        Invalid("from mcp.server.lowlevel import Server\n\nserver = Server('x')\n\n"
                "@server.list_tools()\nasync def tools():\n    return []\n",
                at=((5, 2),), settings=_M2),
    )
