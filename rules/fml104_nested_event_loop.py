"""FML104 nested-event-loop."""

from __future__ import annotations

import libcst as cst

from fastmcp_preflight.api import Invalid, Rule, Valid

_RUNNERS = frozenset({"asyncio.run", "anyio.run", "trio.run"})


class NestedEventLoop(Rule):
    """An event loop started from inside a running one."""

    code = "FML104"
    name = "nested-event-loop"
    severity = "error"
    checklist = "no import-time async execution"
    summary = "event loop started inside an async function"
    what = (
        "Finds calls of `asyncio.run(...)`, `anyio.run(...)`, `trio.run(...)` (through any "
        "import form) and `.run_until_complete(...)` on any receiver (`loop`, "
        "`asyncio.get_event_loop()`) in the body of an `async def`. The bodies of a nested "
        "`def`, `lambda` or `class` are not part of the async function and are not checked "
        "(such code may run in a worker thread with no loop of its own); a local function "
        "named `run` is not `asyncio.run`."
    )
    why = (
        "An async function already runs on an event loop, and a thread can run only one: "
        "`asyncio.run()` raises `RuntimeError: asyncio.run() cannot be called from a running "
        "event loop`, `run_until_complete` raises `This event loop is already running`, and "
        "the tool fails on every call. Patching this with `nest_asyncio` re-enters the loop "
        "and blocks every other request until the inner run ends."
    )
    instead = (
        "`await` the coroutine directly (`result = await main()`), or schedule it with "
        "`asyncio.create_task(...)`. Code that must call a synchronous API wrapping "
        "`asyncio.run` belongs in a worker thread: `await asyncio.to_thread(fn)`."
    )
    hint = "`await` the coroutine instead of starting a new event loop"
    needles = ("async",)

    VALID = (
        Valid("import asyncio\n\nasync def tool():\n    return await fetch()\n"),
        Valid("import asyncio\n\ndef main():\n    asyncio.run(serve())\n"),
        Valid("import asyncio\n\nasync def serve():\n    pass\n\n"
              "if __name__ == '__main__':\n    asyncio.run(serve())\n"),
        Valid("import asyncio\n\nasync def tool():\n    def worker():\n"
              "        return asyncio.run(fetch())\n"
              "    return await asyncio.to_thread(worker)\n"),
        Valid("import anyio\n\nasync def tool():\n    return lambda: anyio.run(fetch)\n"),
        Valid("async def tool(job):\n    def run(x):\n        return x\n    return run(job)\n"),
        Valid("import asyncio\n\nasync def tool():\n    class Runner:\n"
              "        def go(self):\n            asyncio.run(fetch())\n    return Runner\n"),
        Valid("import subprocess\n\nasync def tool():\n    return await job.run()\n"),
    )
    INVALID = (
        Invalid("import asyncio\n\nasync def tool():\n    return asyncio.run(fetch())\n",
                at=((4, 12),)),
        Invalid("from asyncio import run as go\n\nasync def tool():\n    go(fetch())\n",
                at=((4, 5),)),
        Invalid("import asyncio\n\nasync def tool():\n"
                "    return asyncio.get_event_loop().run_until_complete(fetch())\n",
                at=((4, 12),)),
        Invalid("import anyio\nimport trio as t\n\nclass Server:\n    async def tool(self):\n"
                "        anyio.run(self.fetch)\n        t.run(self.fetch)\n",
                at=((6, 9), (7, 9))),
        Invalid("import asyncio\n\nasync def tool(loop):\n"
                "    def helper(x=loop.run_until_complete(fetch())):\n        return x\n",
                at=((4, 18),)),
    )

    def visit_Call(self, node: cst.Call) -> None:
        where = self.context.where
        if not where.in_async:
            return
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "run_until_complete":
            what = "`.run_until_complete()`"
        else:
            resolved = self.context.resolve(func)
            if resolved not in _RUNNERS:
                return
            what = f"`{resolved}()`"
        function = where.function
        label = function.name.value if isinstance(function, cst.FunctionDef) else "?"
        self.report(node, f"{what} in async function `{label}` starts an event loop inside "
                          "the running one (`RuntimeError`): `await` the coroutine instead")
