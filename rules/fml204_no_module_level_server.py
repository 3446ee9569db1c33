"""FML204 no-module-level-server."""

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


class NoModuleLevelServer(ProjectRule):
    """A project that builds its server only inside functions or on attributes."""

    code = "FML204"
    name = "no-module-level-server"
    severity = "warning"
    checklist = "module-level server object"
    summary = "no FastMCP server is bound at module level"
    what = (
        "A project rule: reports a project that creates a FastMCP server (`FastMCP(...)`, "
        "`MCPServer(...)`, a subclass defined in any module of the project, "
        "`FastMCP.from_fastapi(...)`) but never binds one to a name at module level: every "
        "construction is inside a function or bound only to an attribute. A module-level "
        "binding counts in every form: `mcp = FastMCP(...)`, `mcp = make()` where `make` is "
        "a factory of the project (in any module, also through a chain of factories) that "
        "returns a new server, tuple unpacking (`mcp, config = make()`), an instance of a "
        "FastMCP subclass defined in any module (`app = MyServer()`), and a name that says "
        "server bound to the result of an imported function (`mcp = create_server()`). "
        "Reported at the first server construction of the project, by path and line."
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
        # Tuple unpacking of a factory's result.
        Valid("from fastmcp import FastMCP\n\ndef make():\n    mcp = FastMCP('x')\n"
              "    return mcp, {'debug': False}\n\nmcp, config = make()\n"),
        # A factory in another module, bound to a name that does not say server.
        Valid("from app.factory import build\n\napp = build()\n", path="app/main.py",
              others=(("app/factory.py", "from fastmcp import FastMCP\n\n"
                       "def build():\n    return FastMCP('x')\n"),)),
        # An instance of a subclass defined in another module.
        Valid("from .base import ToolServer\n\napp = ToolServer('x')\n", path="app/main.py",
              others=(("app/base.py", "from fastmcp import FastMCP\n\n"
                       "class ToolServer(FastMCP):\n    pass\n\n"
                       "def main():\n    ToolServer('y').run()\n"),)),
    )
    INVALID = (
        Invalid("from fastmcp import FastMCP\n\ndef main():\n    mcp = FastMCP('x')\n"
                "    mcp.run()\n\nif __name__ == '__main__':\n    main()\n", at=((4, 11),)),
        Invalid("from mcp.server.fastmcp import FastMCP\n\nclass App:\n    def __init__(self):\n"
                "        self.server = FastMCP('x')\n", at=((5, 23),)),
        Invalid("from fastmcp import FastMCP\n\nif __name__ == '__main__':\n"
                "    mcp = FastMCP('x')\n    mcp.run()\n", at=((4, 11),)),
        # A subclass defined in another module, built only inside a function.
        Invalid("from app.base import ToolServer\n\ndef main():\n"
                "    app = ToolServer('x')\n    app.run()\n", at=((4, 11),),
                path="app/main.py",
                others=(("app/base.py", "from fastmcp import FastMCP\n\n"
                         "class ToolServer(FastMCP):\n    pass\n"),)),
    )

    def check(self, files: Sequence[FileFacts]) -> Iterable[ProjectFinding]:
        servers = servers_of(files)
        if not servers.sites or servers.bound_at_module_level:
            return
        site = servers.sites[0]
        yield ProjectFinding(site.path, site.location,
                             "the server is never bound at module level: `fastmcp run` and "
                             "hosted deployments look for a module-level `mcp`, `server` or "
                             "`app` and will not find it")
