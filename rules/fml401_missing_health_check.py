"""FML401 missing-health-check."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fastmcp_preflight.api import (
    FileFacts,
    Invalid,
    ProjectFinding,
    ProjectRule,
    Valid,
    servers_of,
)


class MissingHealthCheck(ProjectRule):
    """A project that creates a FastMCP server but gives the platform nothing to probe."""

    code = "FML401"
    name = "missing-health-check"
    severity = "warning"
    checklist = "health check endpoint"
    summary = "server has no health check endpoint"
    what = (
        "A project rule: reports a project that creates a FastMCP server but has no health "
        "check anywhere: no resource (or resource template) whose URI starts with "
        "`health://`, and no route anywhere in the project whose path contains `health`, "
        "`livez` or `readyz`: `@mcp.custom_route(...)` (decorator or call form), Starlette "
        "`Route(path, ...)`, or a web app's route decorator or method (`.get`, `.route`, "
        "`.api_route`, `.add_route`, `.add_api_route`). Reported only when the project may "
        "serve over HTTP: a start names an HTTP transport (`\"http\"`, "
        "`\"streamable-http\"`, `\"sse\"`, keyword or positional, or another transport "
        "that is not stdio), reads the transport from the environment, the command line or "
        "configuration (`run(transport=args.transport)`, `run(**options)`), or the project "
        "serves `http_app()`, `streamable_http_app()` or `sse_app()`; or the server has no "
        "start at all (`fastmcp run` and hosting platforms serve a module-level server over "
        "HTTP). A project whose every start is `run()`/`run_async()` without a transport or "
        "with `\"stdio\"`, or `run_stdio_async()`, is a local stdio server with no probe to "
        "answer, and is not reported. Servers built by project factories and FastMCP "
        "subclasses defined in any module of the project count. Reported at the first server "
        "construction (`FastMCP(...)`, `MCPServer(...)` or a project subclass) at module "
        "level, in path order, else the first one anywhere. When only some files are linted, "
        "the finding is shown only if that construction is in one of them."
    )
    why = (
        "Load balancers, Kubernetes and hosting platforms decide whether to send traffic to "
        "(or restart) a server by probing a health endpoint. Without one, a wedged server "
        "keeps receiving requests, and a healthy one may be killed because the probe hits "
        "the MCP endpoint, which rejects plain GETs."
    )
    instead = (
        "Add a cheap route: `@mcp.custom_route(\"/health\", methods=[\"GET\"])` returning "
        "`PlainTextResponse(\"OK\")`, or a `health://` resource for stdio-only servers."
    )
    hint = 'add `@mcp.custom_route("/health", methods=["GET"])`'

    VALID = (
        Valid("from fastmcp import FastMCP\nfrom starlette.responses import PlainTextResponse\n\n"
              "mcp = FastMCP('x')\n\n@mcp.custom_route('/health', methods=['GET'])\n"
              "async def health(request):\n    return PlainTextResponse('OK')\n\n"
              "mcp.run(transport='http')\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "@mcp.resource('health://status')\ndef status() -> str:\n    return 'ok'\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "if __name__ == '__main__':\n    mcp.run(transport='stdio')\n"),
        # A local stdio server: every start is `run()` without a transport.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "if __name__ == '__main__':\n    mcp.run()\n"),
        Valid("import anyio\nfrom mcp.server.fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "async def main():\n    await mcp.run_stdio_async()\n\nanyio.run(main)\n"),
        Valid("from mcp.server.fastmcp import FastMCP as F\nfrom starlette.routing import Route\n\n"
              "server = F('x')\nroutes = [Route('/readyz', endpoint=lambda r: None)]\n"),
        Valid("import os\n\ndef helper():\n    return os.environ.get('x')\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "def health(request):\n    return 'ok'\n\n"
              "mcp.custom_route('/livez', methods=['GET'])(health)\n"),
        # The health route is in another module of the project.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n", path="app/server.py",
              others=(("app/web.py", "from fastapi import FastAPI\n\napi = FastAPI()\n\n"
                       "@api.get('/healthz')\ndef healthz():\n    return {}\n"),)),
    )
    INVALID = (
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def add(a: int, b: int) -> int:\n    return a + b\n", at=((3, 7),)),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "if __name__ == '__main__':\n    mcp.run('sse')\n", at=((3, 7),)),
        Invalid("import os\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "if __name__ == '__main__':\n    mcp.run(transport=os.environ['T'])\n",
                at=((4, 7),)),
        Invalid("from mcp.server.fastmcp import FastMCP\n\ndef build():\n"
                "    return FastMCP('x')\n\nmcp = build()\nmcp.run(transport='stdio')\n"
                "mcp.run('http')\n", at=((4, 12),)),
        Invalid("import fastmcp\n\nclass MyServer(fastmcp.FastMCP):\n    pass\n\n"
                "app = MyServer('x')\n", at=((6, 7),)),
        Invalid("import uvicorn\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n"
                "app = mcp.http_app()\n\nif __name__ == '__main__':\n"
                "    uvicorn.run(app)\n", at=((4, 7),)),
        Invalid("from fastmcp import FastMCP\n\ndef main(options: dict):\n"
                "    mcp = FastMCP('x')\n    mcp.run(**options)\n", at=((4, 11),)),
        # A subclass defined in another module: its construction is where it is reported.
        Invalid("from app.base import ToolServer\n\nserver = ToolServer('x')\n"
                "server.run(transport='streamable-http')\n", at=((3, 10),), path="app/main.py",
                others=(("app/base.py", "from fastmcp import FastMCP\n\n"
                         "class ToolServer(FastMCP):\n    pass\n"),)),
        # The start is of what a factory in another module returned.
        Invalid("from fastmcp import FastMCP\n\ndef app_factory():\n    return FastMCP('x')\n",
                at=((4, 12),), path="app/factory.py",
                others=(("app/main.py", "from app.factory import app_factory\n\n"
                         "def main():\n    app = app_factory()\n"
                         "    app.run(transport='sse')\n"),)),
    )

    def check(self, files: Sequence[FileFacts]) -> Iterable[ProjectFinding]:
        servers = servers_of(files)
        if not servers.sites or any(f.health for f in files):
            return
        starts = servers.starts
        if starts and all(_local_stdio(s.method, s.transport) for s in starts):
            return
        module_level = [site for site in servers.sites if site.at_import_time]
        site = (module_level or servers.sites)[0]
        yield ProjectFinding(site.path, site.location,
                             "server has no health check endpoint for load balancers and "
                             "platforms to probe")


def _local_stdio(method: str, transport: str | None) -> bool:
    """A start that can only serve over stdio: `run()`/`run_async()` without a transport
    or with `"stdio"`, or `run_stdio_async()`."""
    if method == "run_stdio_async":
        return True
    return method in ("run", "run_async") and transport in (None, "stdio")
