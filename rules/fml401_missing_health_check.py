"""FML401 missing-health-check."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fastmcp_lint.api import FileFacts, Invalid, ProjectFinding, ProjectRule, Valid


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
        "`health://`, and no route whose path contains `health`, `livez` or `readyz`: "
        "`@mcp.custom_route(...)` (decorator or call form), Starlette `Route(path, ...)`, or "
        "a web app's route decorator or method (`.get`, `.route`, `.api_route`, `.add_route`, "
        "`.add_api_route`). Not reported when every `run(...)`/`run_async(...)` call (and "
        "`run_stdio_async()`) in the project starts the server with `transport=\"stdio\"` "
        "explicitly; a server with no start, or started without a transport, may be served "
        "over HTTP by `fastmcp run` or a platform, so it is reported. Reported at the first "
        "module-level `FastMCP(...)` call of the project (else the first one), by path and "
        "line. When only some files are linted, the finding is shown only if that call is in "
        "one of them."
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
              "async def health(request):\n    return PlainTextResponse('OK')\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "@mcp.resource('health://status')\ndef status() -> str:\n    return 'ok'\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "if __name__ == '__main__':\n    mcp.run(transport='stdio')\n"),
        Valid("from mcp.server.fastmcp import FastMCP as F\nfrom starlette.routing import Route\n\n"
              "server = F('x')\nroutes = [Route('/readyz', endpoint=lambda r: None)]\n"),
        Valid("import os\n\ndef helper():\n    return os.environ.get('x')\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "def health(request):\n    return 'ok'\n\n"
              "mcp.custom_route('/livez', methods=['GET'])(health)\n"),
    )
    INVALID = (
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def add(a: int, b: int) -> int:\n    return a + b\n", at=((3, 7),)),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "if __name__ == '__main__':\n    mcp.run()\n", at=((3, 7),)),
        Invalid("import os\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "if __name__ == '__main__':\n    mcp.run(transport=os.environ['T'])\n",
                at=((4, 7),)),
        Invalid("from mcp.server.fastmcp import FastMCP\n\ndef build():\n"
                "    return FastMCP('x')\n\nmcp = build()\nmcp.run(transport='stdio')\n"
                "mcp.run('http')\n", at=((4, 12),)),
        Invalid("import fastmcp\n\nclass MyServer(fastmcp.FastMCP):\n    pass\n\n"
                "app = MyServer('x')\n", at=((6, 7),)),
    )

    def check(self, files: Sequence[FileFacts]) -> Iterable[ProjectFinding]:
        servers = [(f.path, s) for f in files for s in f.servers]
        if not servers or any(f.health for f in files):
            return
        starts = [s for f in files for s in f.starts]
        if starts and all(s.transport == "stdio" for s in starts):
            return
        module_level = [item for item in servers if item[1].at_import_time]
        path, site = min(module_level or servers,
                         key=lambda item: (item[0], item[1].location.line,
                                           item[1].location.column))
        yield ProjectFinding(path, site.location,
                             "server has no health check endpoint for load balancers and "
                             "platforms to probe")
