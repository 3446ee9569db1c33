"""FML602 stdout-logging-in-stdio-server."""

from __future__ import annotations

import libcst as cst

from fastmcp_preflight.api import (
    RUNS_IN_A_STDIO_SERVER,
    FileContext,
    Invalid,
    Rule,
    Valid,
)
from fastmcp_preflight.model.file_model import keyword, positional
from fastmcp_preflight.model.reach import unit_of, units_using

_CONSOLES = frozenset({"rich.console.Console", "rich.Console"})


class StdoutLoggingInStdioServer(Rule):
    """Logging or a rich console set up to write to stdout in a server that may use stdio."""

    code = "FML602"
    name = "stdout-logging-in-stdio-server"
    severity = "error"
    checklist = "logging configured"
    summary = "logging to stdout in a server that may run over stdio"
    what = (
        "In a project that may run over stdio (see FML601), and in a server module (one that "
        "imports `fastmcp` or `mcp.server` or registers tools, and is not only an MCP "
        "client), outside web route handlers and branches that run only for an HTTP "
        "transport (as in FML601), finds logging set up to write to "
        "stdout: `logging.basicConfig(stream=sys.stdout)`, `logging.StreamHandler(sys.stdout)` "
        "(positional or `stream=`), and a `rich.console.Console(...)` that writes to stdout "
        "(no `file=` and no `stderr=True`). Whether the code runs in a stdio server is "
        "decided per module: the module serves over stdio itself (one of its starts names "
        "no HTTP transport, or it builds or registers on a server that it never starts, "
        "which `fastmcp run` serves over stdio, and does not only connect to in process "
        "with `Client(mcp)`), or such a module of the project imports it, directly or "
        "through other modules. So an example that runs its server only with "
        "`mcp.run(transport=\"http\")` or only in memory through `Client(mcp)`, and a CLI "
        "module of a library that builds no server, are not reported even when another "
        "module of the project serves over stdio: their console is the user's terminal. "
        "A rich console writes only where it is used: in a module that does not serve "
        "itself but that a stdio server imports, a `Console()` bound to a module-level name "
        "is reported when the server can use it: a module running in the server imports "
        "that name or the whole module, or the console is printed to at import time, in "
        "a tool (resource, prompt, route) of the module, or in a function the server "
        "reaches (the reach of FML601's helpers). So a CLI module's console, printed to only "
        "by commands that `fastmcp run` does not run, is not reported."
    )
    why = (
        "Over the stdio transport, stdout is the JSON-RPC channel. A log handler on stdout "
        "writes every log record into the protocol stream, so the first log line corrupts "
        "the session."
    )
    instead = (
        "Log to stderr: `logging.basicConfig()` and `logging.StreamHandler()` use stderr by "
        "default; give `Console(stderr=True)` to rich."
    )
    hint = "log to stderr (the default of `logging`), or `Console(stderr=True)`"
    needles = ("stdout", "Console")

    VALID = (
        # A client program's logging goes where its user reads it.
        Valid("import sys\nimport logging\nfrom fastmcp import Client\n\n"
              "logging.basicConfig(stream=sys.stdout)\nclient = Client('server.py')\n"),
        Valid("import logging\nfrom fastmcp import FastMCP\n\nlogging.basicConfig()\n"
              "mcp = FastMCP('x')\n"),
        Valid("import sys\nimport logging\nfrom fastmcp import FastMCP\n\n"
              "logging.basicConfig(stream=sys.stderr)\nmcp = FastMCP('x')\n"),
        Valid("from rich.console import Console\nfrom fastmcp import FastMCP\n\n"
              "console = Console(stderr=True)\nmcp = FastMCP('x')\n"),
        Valid("import sys\nimport logging\n\nlogging.basicConfig(stream=sys.stdout)\n"),
        Valid("import sys\nimport logging\nfrom fastmcp import FastMCP\n\n"
              "logging.basicConfig(stream=sys.stdout)\nmcp = FastMCP('x')\n"
              "mcp.run(transport='streamable-http')\n"),
        # A demo that serves its server in memory to its own client: stdout is the terminal.
        Valid("import asyncio\nfrom rich.console import Console\n"
              "from fastmcp import Client, FastMCP\n\nconsole = Console()\n"
              "mcp = FastMCP('x')\n\nasync def main():\n    async with Client(mcp) as client:\n"
              "        console.print(await client.list_tools())\n\n"
              "if __name__ == '__main__':\n    asyncio.run(main())\n"),
    )
    INVALID = (
        Invalid("import sys\nimport logging\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
                "if __name__ == '__main__':\n    transport = sys.argv[1]\n"
                "    if transport == 'sse':\n"
                "        logging.basicConfig(stream=sys.stdout)\n"
                "    else:\n        logging.basicConfig(stream=sys.stdout)\n"
                "    mcp.run(transport=transport)\n", at=((12, 9),)),
        Invalid("import sys\nimport logging\nfrom fastmcp import FastMCP\n\n"
                "logging.basicConfig(level=logging.INFO, stream=sys.stdout)\n"
                "mcp = FastMCP('x')\n", at=((5, 1),)),
        Invalid("import sys\nfrom logging import StreamHandler\nfrom fastmcp import FastMCP\n\n"
                "handler = StreamHandler(sys.stdout)\nmcp = FastMCP('x')\n", at=((5, 11),)),
        Invalid("from rich.console import Console\nfrom mcp.server.fastmcp import FastMCP\n\n"
                "console = Console()\nmcp = FastMCP('x')\n", at=((4, 11),)),
        # A client of another server (a name this module does not bind to its own server)
        # is no in-memory demo: this module's server is still served over stdio.
        Invalid("from rich.console import Console\nfrom fastmcp import Client, FastMCP\n\n"
                "console = Console()\nmcp = FastMCP('x')\nclient = Client('other.py')\n",
                at=((4, 11),)),
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        model = context.model
        self._server_module = model.server_module
        #: The module-level `name = Console(...)` statements: call -> name.
        self._bound: dict[cst.Call, str] = {}
        for statement in context.module.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if (isinstance(small, cst.Assign) and isinstance(small.value, cst.Call)
                        and len(small.targets) == 1
                        and isinstance(small.targets[0].target, cst.Name)):
                    self._bound[small.value] = small.targets[0].target.value

    def _console_condition(self, node: cst.Call) -> str:
        """A console writes only where it is used: in a module that a stdio server imports
        (but that does not serve itself), it counts when the server uses it, by its name or
        through a unit of the module that prints with it."""
        path = self.context.path
        frames = self.context.where.frames
        if frames:
            return f"{RUNS_IN_A_STDIO_SERVER}:{path}#:{unit_of(frames)}"
        name = self._bound.get(node)
        if name is None:
            return f"{RUNS_IN_A_STDIO_SERVER}:{path}"
        units = units_using(self.context.module, name, self.context.model.module_scope)
        return f"{RUNS_IN_A_STDIO_SERVER}:{path}#{name}:{'|'.join(sorted(units))}"

    def _is_stdout(self, arg: cst.Arg | None) -> bool:
        return arg is not None and self.context.resolve(arg.value) == "sys.stdout"

    def visit_Call(self, node: cst.Call) -> None:
        model = self.context.model
        if not self._server_module or node in model.http_only_calls or (
                node in model.script_only_calls):
            return
        handlers = self.context.model.route_handlers
        if handlers and any(f in handlers for f in self.context.where.functions):
            return
        name = self.context.resolve(node.func)
        if name == "logging.basicConfig":
            found = self._is_stdout(keyword(node, "stream"))
        elif name == "logging.StreamHandler":
            found = self._is_stdout(keyword(node, "stream") or positional(node, 0))
        elif name in _CONSOLES:
            stderr = keyword(node, "stderr")
            to_stderr = stderr is not None and not (
                isinstance(stderr.value, cst.Name) and stderr.value.value == "False")
            file = keyword(node, "file")
            found = not to_stderr and (file is None or self._is_stdout(file))
        else:
            return
        if found:
            condition = (self._console_condition(node) if name in _CONSOLES
                         else f"{RUNS_IN_A_STDIO_SERVER}:{self.context.path}")
            self.report(node, f"`{name.rsplit('.', 1)[-1]}(...)` sends log output to stdout, "
                              "the JSON-RPC channel of a stdio server",
                        condition=condition)
