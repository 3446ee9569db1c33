"""FML101 blocking-sleep-in-async."""

from __future__ import annotations

import libcst as cst

from fastmcp_preflight.api import FileContext, Fix, Invalid, Rule, Valid


class BlockingSleepInAsync(Rule):
    """`time.sleep()` called in the body of an `async def`."""

    code = "FML101"
    name = "blocking-sleep-in-async"
    severity = "error"
    checklist = "no blocking operations in async"
    summary = "`time.sleep()` in an async function blocks the event loop"
    what = (
        "Finds `time.sleep(...)` calls in the body of an `async def` (through any import "
        "form: `import time as t; t.sleep()`, `from time import sleep as nap; nap()`). "
        "The bodies of a nested `def`, `lambda` or `class` are not part of the async "
        "function and are not checked; `time.sleep` passed as a callable (to "
        "`asyncio.to_thread`, `run_in_executor`) is not a call and is not reported. "
        "Not reported in a script of its own that never runs in a server: a module with an "
        "`if __name__ == \"__main__\":` block or a module-level `asyncio.run(...)` (also "
        "`anyio.run`, `trio.run`) that imports no server API and no MCP client, registers "
        "nothing and that no server module of the project imports (a maintenance script, a "
        "library's example runner): its event loop serves no client. An MCP client program "
        "is still checked. In a sync tool function the call is reported too when the "
        "project's target version runs sync tools on the event loop (fastmcp before 3.0, the "
        "MCP SDK before 2.0, or `run_in_thread=False`); the message names the version."
    )
    why = (
        "A FastMCP server runs every tool call on one event loop. `time.sleep` stops that "
        "loop: while one tool sleeps, every other client's request, the keep-alive pings and "
        "the HTTP health checks all wait."
    )
    instead = "Use `await asyncio.sleep(...)`, which yields to the event loop while it waits."
    hint = "use `await asyncio.sleep(...)`"
    fix_safety = (
        "Safe: `time.sleep(x)` becomes `await asyncio.sleep(x)` (using the module's own "
        "alias for asyncio if it has one, else adding `import asyncio` where isort would "
        "put it). The call is wrapped in parentheses where it is the value of an attribute, "
        "subscript or call. An `import time` (or `from time import sleep`) that the fix "
        "leaves unused is removed. Unsafe when the fix must add `import asyncio` but the "
        "name `asyncio` is bound to something else where the call is (a parameter, a local "
        "variable): the new code would use that instead."
    )
    fixable = "safe"
    needles = ("sleep",)

    VALID = (
        # An example runner that no server imports, with its loop started at module level.
        Valid("import asyncio\nimport time\n\nasync def main():\n    time.sleep(1)\n\n"
              "asyncio.run(main())\n", path="examples/runner.py"),
        Valid("import asyncio\n\nasync def tool():\n    await asyncio.sleep(1)\n"),
        Valid("import time\n\ndef tool():\n    time.sleep(1)\n"),
        Valid("import time\n\nasync def tool():\n    def helper():\n        time.sleep(1)\n"
              "    return helper\n"),
        Valid("import time\n\nasync def tool():\n    return lambda: time.sleep(1)\n"),
        Valid("import asyncio\nimport time\n\nasync def tool():\n"
              "    await asyncio.to_thread(time.sleep, 1)\n"),
        Valid("import time\n\nasync def tool():\n    class Waiter:\n"
              "        def wait(self):\n            time.sleep(1)\n"),
        Valid("async def tool():\n    def sleep(seconds):\n        return seconds\n"
              "    sleep(1)\n"),
        Valid("import time\n\nif __name__ == '__main__':\n    time.sleep(1)\n"),
        # FastMCP 3 runs a sync tool in a worker thread.
        Valid("import time\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
              "def wait() -> str:\n    time.sleep(1)\n    return 'ok'\n",
              settings=(("target-fastmcp", "3.0"),)),
    )
    INVALID = (
        # The fix removes the `import time` it leaves unused and adds `import asyncio`.
        Invalid("import time\n\nasync def tool():\n    time.sleep(1)\n",
                at=((4, 5),),
                fixed="import asyncio\n\nasync def tool():\n"
                      "    await asyncio.sleep(1)\n"),
        # `time` is still used: it stays; `asyncio` goes in alphabetical order.
        Invalid("import os\nimport time\n\nfrom fastmcp import FastMCP\n\n"
                "async def tool():\n    time.sleep(1)\n    return time.time(), os.sep\n",
                at=((7, 5),),
                fixed="import asyncio\nimport os\nimport time\n\nfrom fastmcp import FastMCP\n"
                      "\nasync def tool():\n    await asyncio.sleep(1)\n"
                      "    return time.time(), os.sep\n"),
        # `asyncio` is a parameter here: the fix is offered, but as unsafe.
        Invalid("import time\n\nasync def tool(asyncio):\n    time.sleep(1)\n",
                at=((4, 5),),
                fixed="import asyncio\n\nasync def tool(asyncio):\n"
                      "    await asyncio.sleep(1)\n"),
        Invalid("import time as t\nimport asyncio as aio\n\n"
                "async def tool():\n    t.sleep(0.5)\n",
                at=((5, 5),),
                fixed="import asyncio as aio\n\n"
                      "async def tool():\n    await aio.sleep(0.5)\n"),
        Invalid('"""Server."""\nfrom time import sleep as nap\n\n'
                "async def tool():\n    if True:\n        nap(2)\n",
                at=((6, 9),),
                fixed='"""Server."""\nimport asyncio\n\n'
                      "async def tool():\n    if True:\n        await asyncio.sleep(2)\n"),
        Invalid("import time\n\nasync def tool():\n    def helper(x=time.sleep(1)):\n"
                "        return x\n",
                at=((4, 18),)),
        # FastMCP 2 runs a sync tool inline, on the event loop.
        Invalid("import time\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def wait() -> str:\n    time.sleep(1)\n    return 'ok'\n", at=((8, 5),),
                settings=(("target-fastmcp", "2.14"),), message="fastmcp 2.14 (the project's"),
        Invalid("import time\nimport asyncio\n\nclass Server:\n    async def tool(self):\n"
                "        return time.sleep(1).real\n",
                at=((6, 16),),
                fixed="import asyncio\n\nclass Server:\n    async def tool(self):\n"
                      "        return (await asyncio.sleep(1)).real\n"),
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._awaited: set[cst.CSTNode] = set()
        self._wrapped: set[cst.CSTNode] = set()

    def visit_Await(self, node: cst.Await) -> None:
        self._awaited.add(node.expression)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._wrapped.add(node.value)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        self._wrapped.add(node.value)

    def visit_Call(self, node: cst.Call) -> None:
        self._wrapped.add(node.func)
        where = self.context.where
        if not self.context.on_event_loop or self.context.resolve(node.func) != "time.sleep":
            return
        function = where.function
        label = function.name.value if isinstance(function, cst.FunctionDef) else "?"
        if where.in_async:
            message = (f"`time.sleep()` blocks the event loop in async function `{label}`: "
                       "every other request waits")
            fix = None if node in self._awaited else self._fix(node)
        else:  # a sync tool that the target version runs inline: no `await` possible here
            message = (f"`time.sleep()` blocks the event loop in sync tool `{label}`: "
                       f"{self.context.inline_sync_tool}; make the tool `async def` and "
                       "`await asyncio.sleep(...)`")
            fix = None
        self.report(node, message, fix=fix,
                    condition=self.context.model.script_condition(self.context.path))

    def _fix(self, node: cst.Call) -> Fix:
        asyncio = self.context.reference("asyncio")
        call = cst.Call(func=cst.Attribute(asyncio.expression(), cst.Name("sleep")),
                        args=node.args)
        parens = node in self._wrapped
        replacement = cst.Await(
            expression=call,
            lpar=[cst.LeftParen()] if parens else [],
            rpar=[cst.RightParen()] if parens else [],
        )
        root = node.func
        while isinstance(root, cst.Attribute):
            root = root.value
        used = (root.value,) if isinstance(root, cst.Name) else ()
        return Fix("safe", ((node, replacement),), asyncio.imports,
                   "replace `time.sleep(...)` with `await asyncio.sleep(...)`",
                   drop_if_unused=used).unsafe_if(asyncio.shadowed)
