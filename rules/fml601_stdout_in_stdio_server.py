"""FML601 stdout-in-stdio-server."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from fastmcp_preflight.api import (
    MAY_RUN_OVER_STDIO,
    STDOUT_REACHES_STDIO_SERVER,
    FileContext,
    Fix,
    Invalid,
    Rule,
    Valid,
)
from fastmcp_preflight.model.file_model import dotted, keyword, unit_of

#: Per file (`name:path`): a server module imports it and the project may run over stdio;
#: per unit of the file (`name:path#unit`): and the server reaches that unit.


class StdoutInStdioServer(Rule):
    """`print()` or `sys.stdout.write()` in a server that may speak JSON-RPC over stdout."""

    code = "FML601"
    name = "stdout-in-stdio-server"
    severity = "error"
    checklist = "logging configured"
    summary = "write to stdout in a server that may run over stdio"
    what = (
        "In a project that may run over stdio (some way it starts a server does not name an "
        "HTTP transport: `run()` without one, `run(transport=\"stdio\")`, a transport read "
        "from the environment or the command line, `run_stdio_async()`, or no start at all, "
        "since `fastmcp run` defaults to stdio), finds `print(...)` without `file=` or with "
        "`file=sys.stdout`, and `sys.stdout.write(...)`, anywhere in a server module (one "
        "that imports `fastmcp` or `mcp.server`, or registers tools), and in a module of "
        "the project that a server module imports, directly or through other project "
        "modules (the import may stand at module level or inside a function), where that "
        "code runs in the server process: the module's import-time code (not its "
        "`if __name__ == \"__main__\":` block); the top-level functions and classes that a "
        "module running in the server (a server module, or a module it reaches this way) "
        "imports by name (`from pkg.helpers import load`) or calls on the module "
        "(`import pkg.helpers as h; h.load()`); of such a class, the methods such a module "
        "calls by name on any object (`tracker.record()`), its dunder methods and "
        "properties, and all its methods when it derives from a class of another module "
        "(whose code may call them, as `logging` calls a `Handler`'s `emit`); and what "
        "those call or name in the same module (`_warn()`, `self._check()`, `Config()`). "
        "So a helper function nothing in the server reaches (a `print_summary()` that only "
        "examples call, a `main()` that only the module's own `__main__` block calls) is "
        "not reported, nor a function that reads the terminal (`input()`, "
        "`getpass.getpass()`, `click.prompt()`) or calls one of its module that does: a "
        "setup wizard is a program of its own, since a stdio server's stdin is the "
        "JSON-RPC channel. A server module's code is reported wherever it stands. A module "
        "that only uses an MCP client "
        "(`fastmcp.Client`, `mcp.ClientSession`, see FML102), builds no server and registers "
        "nothing is a client program, not a server module. Not reported: inside a web route "
        "handler (`custom_route`, a FastAPI/Starlette route decorator such as "
        "`@app.get(\"/x\")`, a function given to Starlette's `Route(...)`), which runs only "
        "over HTTP; inside a branch that runs only for an HTTP transport: the body of an "
        "`if` whose test compares a transport value (a name or attribute whose last part "
        "contains `transport`) with HTTP transport names (`== \"sse\"`, "
        "`in (\"http\", \"sse\")`) or with `!= \"stdio\"`, and the `else:` of "
        "`== \"stdio\"`; a module that no server module imports (a script of its own). A "
        "server module is never exempt as a script: its `if __name__ == \"__main__\":` "
        "block is how it starts, unless every server start in the file names an HTTP "
        "transport or there is none (then running it as a script drives a demo or a test of "
        "the server in memory, or serves HTTP): code in that block and in the module's "
        "functions it calls by name (not tools) is then not reported. The `__main__` block "
        "of a module the server imports never runs in the server's process and is not "
        "reported either. Whether the project may run over stdio, and which modules "
        "server modules import, are decided from every file of the project, also those not "
        "passed on the command line."
    )
    why = (
        "Over the stdio transport, stdout IS the JSON-RPC channel to the client. One stray "
        "line of text there is a malformed message: the client drops the session or hangs, "
        "and nothing in the server's logs says why."
    )
    instead = (
        "Write diagnostics to stderr (`print(..., file=sys.stderr)`), or better, use "
        "`logging` (which writes to stderr by default) or FastMCP's `ctx.info(...)` to send "
        "log messages to the client properly."
    )
    hint = "print to `sys.stderr`, or use logging / `ctx.info()`"
    fix_safety = (
        "Safe: `print(...)` gets `file=sys.stderr` (replacing `file=sys.stdout`), "
        "`sys.stdout.write(...)` becomes `sys.stderr.write(...)`; `import sys` is added "
        "where isort would put it when the module does not import it (an alias of `sys` is "
        "respected); a `from sys import stdout` the fix leaves unused is removed. Unsafe "
        "when `import sys` must be added but the name `sys` is bound to "
        "something else where the call is (a parameter, a local variable)."
    )
    fixable = "safe"
    needles = ("print", "stdout")

    VALID = (
        Valid("import sys\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "print('starting', file=sys.stderr)\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\nprint('hello')\n\n"
              "if __name__ == '__main__':\n    mcp.run(transport='http')\n"),
        Valid("print('a script that is no server')\n"),
        Valid("import logging\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n"
              "logging.getLogger(__name__).info('started')\n"),
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\ndef print(*args):\n"
              "    return args\n\nprint('not the builtin')\n"),
        # A client program prints its results: its stdout is nobody's protocol.
        Valid("import asyncio\nfrom fastmcp import Client\n\nasync def main():\n"
              "    async with Client('server.py') as client:\n"
              "        print(await client.list_tools())\n\nasyncio.run(main())\n"),
        # A demo driver: run as a script, it calls the server in memory and prints.
        Valid("import asyncio\nfrom fastmcp import FastMCP, Client\n\nmcp = FastMCP('x')\n\n"
              "@mcp.tool\ndef add(a: int, b: int) -> int:\n    return a + b\n\n"
              "async def demo():\n    async with Client(mcp) as client:\n"
              "        print(await client.call_tool('add', {'a': 1, 'b': 2}))\n\n"
              "if __name__ == '__main__':\n    asyncio.run(demo())\n"),
        # Web routes run only over HTTP.
        Valid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
              "@mcp.custom_route('/health', methods=['GET'])\nasync def health(request):\n"
              "    print('health probe')\n    return 'ok'\n"),
        # Branches that run only for an HTTP transport.
        Valid("import os\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n"
              "transport = os.getenv('MCP_TRANSPORT', 'stdio')\n"
              "if transport in ('sse', 'streamable-http'):\n"
              "    print(f'listening on :8000 ({transport})')\n"
              "if transport == 'stdio':\n    pass\nelse:\n    print('http mode')\n"
              "mcp.run(transport=transport)\n"),
    )
    INVALID = (
        # In a server module every print counts, called or not (its helpers' count only
        # where the server reaches them).
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "def print_summary(stats):\n    print('calls:', stats)\n\n"
                "def setup():\n    print('name?')\n    return input()\n",
                at=((6, 5), (9, 5))),
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def add(a: int, b: int) -> int:\n    print('adding', a, b)\n    return a + b\n",
                at=((7, 5),),
                fixed="import sys\n\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                      "@mcp.tool\ndef add(a: int, b: int) -> int:\n"
                      "    print('adding', a, b, file=sys.stderr)\n    return a + b\n"),
        Invalid("import sys as system\nfrom mcp.server.fastmcp import FastMCP\n\n"
                "mcp = FastMCP('x')\nsystem.stdout.write('ready\\n')\n"
                "print('x', file=system.stdout)\n\nif __name__ == '__main__':\n"
                "    mcp.run(transport='stdio')\n",
                at=((5, 1), (6, 1)),
                fixed="import sys as system\nfrom mcp.server.fastmcp import FastMCP\n\n"
                      "mcp = FastMCP('x')\nsystem.stderr.write('ready\\n')\n"
                      "print('x', file=system.stderr)\n\nif __name__ == '__main__':\n"
                      "    mcp.run(transport='stdio')\n"),
        # `from sys import stdout` is left unused: it goes; `import sys` comes.
        Invalid("from sys import stdout\n\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n"
                "stdout.write('ready')\nprint('x', file=stdout)\n", at=((6, 1), (7, 1)),
                fixed="import sys\n\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n"
                      "sys.stderr.write('ready')\nprint('x', file=sys.stderr)\n"),
        # `sys` is a local of the function: the fix is offered, but as unsafe.
        Invalid("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n@mcp.tool\n"
                "def add(a: int, sys: int) -> int:\n    print(a)\n    return a + sys\n",
                at=((7, 5),),
                fixed="import sys\n\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                      "@mcp.tool\ndef add(a: int, sys: int) -> int:\n"
                      "    print(a, file=sys.stderr)\n    return a + sys\n"),
        Invalid("import os\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\nprint()\n"
                "mcp.run(transport=os.environ.get('TRANSPORT', 'http'))\n", at=((5, 1),),
                fixed="import os\nimport sys\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n"
                      "print(file=sys.stderr)\n"
                      "mcp.run(transport=os.environ.get('TRANSPORT', 'http'))\n"),
        # The stdio branch, and a server module's own main block, run over stdio.
        Invalid("import sys\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "if __name__ == '__main__':\n    transport = sys.argv[1]\n"
                "    if transport == 'stdio':\n        print('stdio mode', file=sys.stderr)\n"
                "    elif transport != 'stdio':\n        print('http mode')\n"
                "    print('starting')\n    mcp.run(transport=transport)\n",
                at=((12, 5),),
                fixed="import sys\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                      "if __name__ == '__main__':\n    transport = sys.argv[1]\n"
                      "    if transport == 'stdio':\n        print('stdio mode', file=sys.stderr)\n"
                      "    elif transport != 'stdio':\n        print('http mode')\n"
                      "    print('starting', file=sys.stderr)\n    mcp.run(transport=transport)\n"),
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        model = context.model
        self._condition = (MAY_RUN_OVER_STDIO if model.server_module
                           else f"{STDOUT_REACHES_STDIO_SERVER}:{context.path}")

    def _condition_here(self) -> str:
        """In a helper module, the condition of the unit the call is in (import-time code
        is the file's own)."""
        if self.context.model.server_module:
            return self._condition
        unit = unit_of(self.context.where.frames)
        if not unit or unit not in self.context.model.stdout_units:
            return self._condition
        return f"{self._condition}#{unit}"

    def _runs_only_over_http(self, node: cst.Call) -> bool:
        """In an HTTP-only branch, or in a web route handler (or a function nested in one)."""
        model = self.context.model
        if node in model.http_only_calls or node in model.script_only_calls:
            return True
        handlers = model.route_handlers
        return bool(handlers) and any(f in handlers for f in self.context.where.functions)

    def _stderr(self, alias: str) -> cst.Attribute:
        return cst.Attribute(cst.parse_expression(alias), cst.Name("stderr"))

    def _with_file_arg(self, args: Sequence[cst.Arg],
                       alias: str) -> list[cst.Arg]:
        """The arguments plus `file=sys.stderr`, laid out like the call's own arguments:
        with a trailing comma (one argument a line), the new argument takes that comma and
        the previous last argument takes the comma of the argument before it."""
        new = cst.Arg(self._stderr(alias), keyword=cst.Name("file"),
                      equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))
        result = list(args)
        if result and isinstance(result[-1].comma, cst.Comma):
            last = result[-1]
            before = result[-2].comma if len(result) > 1 else last.comma
            result[-1] = last.with_changes(comma=before)
            new = new.with_changes(comma=last.comma)
        return [*result, new]

    def visit_Call(self, node: cst.Call) -> None:
        name = self.context.resolve(node.func)
        if name not in ("builtins.print", "sys.stdout.write") or self._runs_only_over_http(node):
            return
        system = self.context.reference("sys")
        alias, imports = system.text, system.imports
        if name == "builtins.print":
            target = keyword(node, "file")
            replaced: tuple[str, ...] = ()
            if target is None:
                new = node.with_changes(args=self._with_file_arg(node.args, alias))
            elif self.context.resolve(target.value) == "sys.stdout":
                replaced = _root(target.value)
                stderr = target.with_changes(value=self._stderr(alias))
                new = node.with_changes(args=[stderr if arg is target else arg
                                              for arg in node.args])
            else:
                return
            self.report(node, "`print()` writes to stdout, the JSON-RPC channel of a stdio "
                              "server: one stray line corrupts the session",
                        fix=Fix("safe", ((node, new),), imports, "print to sys.stderr",
                                drop_if_unused=replaced).unsafe_if(system.shadowed),
                        condition=self._condition_here())
        elif name == "sys.stdout.write" and isinstance(node.func, cst.Attribute):
            func = node.func
            stdout = func.value
            if dotted(stdout) is None:
                return
            new = node.with_changes(func=func.with_changes(value=self._stderr(alias)))
            self.report(node, "`sys.stdout.write()` writes to the JSON-RPC channel of a stdio "
                              "server: one stray line corrupts the session",
                        fix=Fix("safe", ((node, new),), imports, "write to sys.stderr",
                                drop_if_unused=_root(stdout)).unsafe_if(system.shadowed),
                        condition=self._condition_here())


def _root(expr: cst.BaseExpression) -> tuple[str, ...]:
    """The name an attribute chain starts with (`stdout` of `from sys import stdout`), whose
    import the fix may leave unused."""
    while isinstance(expr, cst.Attribute):
        expr = expr.value
    return (expr.value,) if isinstance(expr, cst.Name) else ()
