"""FML802 deprecated-api."""

from __future__ import annotations

from fastmcp_preflight.api import Invalid, Rule, Valid
from fastmcp_preflight.model.api_uses import ApiUseVisitor


class DeprecatedApi(ApiUseVisitor, Rule):
    """A FastMCP or MCP SDK API that the project's target version deprecates."""

    code = "FML802"
    name = "deprecated-api"
    severity = "warning"
    checklist = "(versions)"
    summary = "API deprecated in the targeted fastmcp / MCP SDK version"
    what = (
        "Finds uses of fastmcp and MCP SDK APIs that the project's target version deprecates "
        "(warns about) but still has: the same table, target versions, name resolution and "
        "exemptions as FML801 (removed-api), for the changes whose \"Dep\" release is at or "
        "below the target and whose \"Gone\" release is not: `mount(prefix=...)` and "
        "`import_server` on FastMCP 3, `exclude_args=` on FastMCP 2.14.1+, `Client(\"x.py\")` "
        "on FastMCP 4, the SDK 2's plain `ctx.info()` logging, camelCase fields of the "
        "protocol types (`result.isError`) and `httpx` clients given to `from_openapi` on "
        "FastMCP 4, `.name` read off a decorated tool function on FastMCP 3. Reported where "
        "FML801 reports (the import statement, the call's first line, the attribute); the "
        "message names the replacement "
        "and the release that will remove it."
    )
    why = (
        "A deprecated API still works but warns on every start, and the next release "
        "removes it: a requirement without an upper bound picks that release up and the "
        "server stops starting."
    )
    instead = (
        "Move to the replacement the message names while both forms work, so the upgrade "
        "that removes the old one is a non-event. `fastmcp-lint --fix --select FML8` applies "
        "the mechanical migrations."
    )
    hint = "migrate to the replacement before it is removed"
    fix_safety = "Safe, for the same mechanical changes as FML801 (removed-api)."
    fixable = "safe"
    needles = ("fastmcp", "mcp", "ctx", "context", "Context", "FASTMCP_")
    status = "deprecated"

    VALID = (
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\nsub = FastMCP('sub')\n"
              "mcp.mount(sub, namespace='sub')\n", settings=(("target-fastmcp", "3.2"),)),
        # Removed, not deprecated, in the target: FML801's.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\nsub = FastMCP('sub')\n"
              "mcp.mount(sub, prefix='sub')\n", settings=(("target-fastmcp", "4.1"),)),
        # Not yet deprecated in the target.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\nsub = FastMCP('sub')\n"
              "mcp.mount(sub, prefix='sub')\n", settings=(("target-fastmcp", "2.14"),)),
        Valid("class Client:\n    def __init__(self, path):\n        pass\n\n"
              "Client('server.py')\n", settings=(("target-fastmcp", "4.1"),)),
    )
    INVALID = (
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\nsub = FastMCP('sub')\n"
                "mcp.mount(sub, prefix='sub')\n", at=((5, 1),),
                settings=(("target-fastmcp", "3.2"),), message="deprecated since fastmcp 3.0.0",
                fixed="from fastmcp import FastMCP\n\nmcp = FastMCP('x')\nsub = FastMCP('sub')\n"
                      "mcp.mount(sub, namespace='sub')\n"),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def ping() -> str:\n    return 'pong'\n\nprint(ping.name)\n",
                at=((9, 7),), settings=(("target-fastmcp", "3.2"),),
                message="deprecated since fastmcp 3.0 and removed in 4.0"),
        Invalid("from fastmcp import Client\n\nasync def run(client: Client):\n"
                "    result = await client.call_tool_mcp('x', {})\n    return result.isError\n",
                at=((5, 12),), settings=(("target-fastmcp", "4.1"),), message="`.is_error`"),
        Invalid("import fastmcp\n\nclient = fastmcp.Client('server.py')\n", at=((3, 10),),
                settings=(("target-fastmcp", "4.1"),)),
        Invalid("from mcp.server.mcpserver import MCPServer, Context\n\nmcp = MCPServer('x')\n\n"
                "@mcp.tool()\nasync def hello(name: str, ctx: Context) -> str:\n"
                "    await ctx.info(f'hello {name}')\n    return name\n",
                at=((7, 11),), settings=(("target-mcp", "2.3"),)),
    )
