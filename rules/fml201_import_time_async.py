"""FML201 import-time-async."""

from __future__ import annotations

import libcst as cst

from fastmcp_preflight.api import Invalid, Rule, Valid

_RUNNERS = frozenset({
    "asyncio.run", "anyio.run", "trio.run", "asyncio.create_task", "asyncio.ensure_future",
})
_LOOP_METHODS = frozenset({"run_until_complete", "run_forever"})


#: A project's server, for the examples: in a project without one there is nothing to break.
_SERVER = (("server.py", "from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n"),)


class ImportTimeAsync(Rule):
    """An event loop started (or a task scheduled) while the module is being imported."""

    code = "FML201"
    name = "import-time-async"
    severity = "error"
    checklist = "no import-time async execution"
    summary = "event loop started at import time"
    what = (
        "Finds, at module level (the module body, class bodies, and module-level "
        "`if`/`try`/`with` blocks), calls of `asyncio.run(...)`, `anyio.run(...)`, "
        "`trio.run(...)`, `asyncio.create_task(...)`, `asyncio.ensure_future(...)`, and "
        "`.run_until_complete(...)` / `.run_forever()` on any receiver (including "
        "`asyncio.get_event_loop().run_until_complete(...)`). Calls under "
        "`if __name__ == \"__main__\":`, under `if TYPE_CHECKING:` (never run), or inside any "
        "function are not reported, nor is anything in a project that has no server at all "
        "(no module constructs one, imports a server API or registers tools: a library's "
        "example scripts start their own loop on purpose, and no server imports them)."
    )
    why = (
        "`fastmcp run`, `fastmcp dev` and hosted platforms import your module and then start "
        "their own event loop. A loop started during import either fails there "
        "(`asyncio.run() cannot be called from a running event loop`), blocks the import "
        "until it ends, or runs your setup on a loop that is then thrown away, with clients "
        "and connections bound to the dead loop."
    )
    instead = (
        "Do async setup in the server's lifespan (`FastMCP(lifespan=...)`), and start the "
        "loop only under `if __name__ == \"__main__\":` (`mcp.run()`)."
    )
    hint = "move it into a lifespan or under `if __name__ == \"__main__\":`"
    needles = ("run", "create_task", "ensure_future")

    VALID = (
        # A project with no server: an example runner of a library starts its own loop.
        Valid("import asyncio\n\nasync def main():\n    pass\n\nasyncio.run(main())\n",
              path="examples/runner.py"),
        Valid("import asyncio\n\nasync def main():\n    pass\n\n"
              "if __name__ == '__main__':\n    asyncio.run(main())\n"),
        Valid("import asyncio\n\ndef start():\n    asyncio.run(main())\n"),
        Valid("import asyncio\n\nasync def tool():\n    asyncio.create_task(work())\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "if __name__ == '__main__':\n    mcp.run()\n"),
        Valid("def run(x):\n    return x\n\nrun(1)\n"),
        Valid("from typing import TYPE_CHECKING\nimport asyncio\n\n"
              "if TYPE_CHECKING:\n    asyncio.run(main())\n"),
        Valid("import asyncio\n\nstarter = lambda: asyncio.run(main())\n"),
    )
    INVALID = (
        Invalid("import asyncio\n\nasyncio.run(setup())\n", at=((3, 1),),
                path='bootstrap.py', others=_SERVER),
        Invalid("import asyncio as aio\n\nclient = aio.get_event_loop().run_until_complete("
                "connect())\n", at=((3, 10),),
                path='bootstrap.py', others=_SERVER),
        Invalid("from asyncio import create_task as spawn\n\nspawn(poll())\n", at=((3, 1),),
                path='bootstrap.py', others=_SERVER),
        Invalid("import anyio\nimport trio\n\ntry:\n    anyio.run(main)\nexcept Exception:\n"
                "    trio.run(main)\n", at=((5, 5), (7, 5)),
                path='bootstrap.py', others=_SERVER),
        Invalid("import asyncio\n\nclass Config:\n    data = asyncio.run(load())\n",
                at=((4, 12),),
                path='bootstrap.py', others=_SERVER),
        Invalid("import asyncio\n\nloop = asyncio.new_event_loop()\nloop.run_forever()\n",
                at=((4, 1),),
                path='bootstrap.py', others=_SERVER),
        Invalid("import asyncio\n\nif __name__ == '__main__':\n    pass\nelse:\n"
                "    asyncio.run(main())\n", at=((6, 5),),
                path='bootstrap.py', others=_SERVER),
    )

    def visit_Call(self, node: cst.Call) -> None:
        where = self.context.where
        if not where.at_import_time or where.in_type_checking:
            return
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _LOOP_METHODS:
            what = f"`.{func.attr.value}()`"
        else:
            resolved = self.context.resolve(func)
            if resolved not in _RUNNERS:
                return
            what = f"`{resolved}()`"
        self.report(node, f"{what} at import time: the server's own event loop is not "
                          "running yet, or is started again by `fastmcp run`",
                    condition=self.context.model.server_condition())
