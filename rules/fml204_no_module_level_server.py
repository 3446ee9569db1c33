"""FML204 no-module-level-server."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fastmcp_lint.api import FileFacts, Invalid, ProjectFinding, ProjectRule, Valid


class NoModuleLevelServer(ProjectRule):
    """A project that builds its server only inside functions or on attributes."""

    code = "FML204"
    name = "no-module-level-server"
    severity = "warning"
    checklist = "module-level server object"
    summary = "no FastMCP server is bound at module level"
    what = (
        "A project rule: reports a project that creates a FastMCP server (`FastMCP(...)`, "
        "`MCPServer(...)`, a subclass, `FastMCP.from_fastapi(...)`) but never binds one to a "
        "name at module level: every construction is inside a function (and no module-level "
        "name is bound to what such a factory returns) or is bound only to an attribute. A "
        "module-level name bound to the result of a function imported from another module "
        "whose name says server (`mcp = create_server()`) counts as a module-level server. "
        "Reported at the first `FastMCP(...)` call of the project, by path and line."
    )
    why = (
        "`fastmcp run server.py`, `fastmcp dev` and hosting platforms import your module and "
        "look for a module-level `mcp`, `server` or `app` object. A server that only exists "
        "inside `main()` or `create_app()` cannot be found: deployment fails, or a platform "
        "silently serves nothing."
    )
    instead = (
        "Bind the server at module level (`mcp = FastMCP(\"name\")`, or "
        "`mcp = create_server()` for a factory) and start it under "
        "`if __name__ == \"__main__\":`."
    )
    hint = "bind the server at module level: `mcp = FastMCP(...)` or `mcp = create_server()`"

    VALID = (
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n"),
        Valid("from fastmcp import FastMCP\n\ndef create():\n    return FastMCP('x')\n\n"
              "server = create()\n"),
        Valid("from .factory import create_server\n\nmcp = create_server()\n"),
        Valid("import os\n\ndef main():\n    return os.getcwd()\n"),
        Valid("from fastmcp import FastMCP\n\nif True:\n    app = FastMCP('x')\n"),
    )
    INVALID = (
        Invalid("from fastmcp import FastMCP\n\ndef main():\n    mcp = FastMCP('x')\n"
                "    mcp.run()\n\nif __name__ == '__main__':\n    main()\n", at=((4, 11),)),
        Invalid("from mcp.server.fastmcp import FastMCP\n\nclass App:\n    def __init__(self):\n"
                "        self.server = FastMCP('x')\n", at=((5, 23),)),
        Invalid("from fastmcp import FastMCP\n\nif __name__ == '__main__':\n"
                "    mcp = FastMCP('x')\n    mcp.run()\n", at=((4, 11),)),
    )

    def check(self, files: Sequence[FileFacts]) -> Iterable[ProjectFinding]:
        servers = [(f.path, s) for f in files for s in f.servers]
        if not servers or any(f.module_servers for f in files):
            return
        path, site = min(servers, key=lambda item: (item[0], item[1].location.line,
                                                     item[1].location.column))
        yield ProjectFinding(path, site.location,
                             "the server is never bound at module level: `fastmcp run` and "
                             "hosted deployments look for a module-level `mcp`, `server` or "
                             "`app` and will not find it")
