"""The FastMCP model: servers, registrations, starts and contexts, in the forms real servers use."""

from __future__ import annotations

import gc
import textwrap

import libcst as cst
import pytest
from tests.sample_server import SERVER

from fastmcp_preflight.model.context import Tracker
from fastmcp_preflight.model.file_model import FileModel, ModelBuilder
from fastmcp_preflight.model.walker import Walker
from fastmcp_preflight.plugins.registry import Registry, default_plugins
from fastmcp_preflight.running.checker import Checker
from fastmcp_preflight.source.reading import decode


def build(code: str, package: str | None = None) -> FileModel:
    module = cst.parse_module(textwrap.dedent(code))
    builder = ModelBuilder(module, package)
    Walker().walk(module, builder)
    return builder.finish()


@pytest.mark.parametrize("code", [
    "from fastmcp import FastMCP\nmcp = FastMCP('x')\n",
    "import fastmcp\nserver = fastmcp.FastMCP('x')\n",
    "from fastmcp.server.server import FastMCP as F\napp = F('x')\n",
    "from mcp.server.fastmcp import FastMCP\nmcp = FastMCP('x')\n",
    "from mcp.server import FastMCP\nmcp = FastMCP('x')\n",
    "import mcp.server.fastmcp as fm\nmain_mcp = fm.FastMCP(name='x')\n",
    "from mcp.server.mcpserver import MCPServer\nmcp = MCPServer('x')\n",
    "from fastmcp import FastMCP\nclass My(FastMCP):\n    pass\nclass Mine(My):\n    pass\n"
    "mcp = Mine('x')\n",
    "from typing import Generic, TypeVar\nfrom fastmcp import FastMCP\nT = TypeVar('T')\n"
    "class My(FastMCP[T], Generic[T]):\n    pass\nmcp = My('x')\n",
    "from fastmcp import FastMCP\nmcp: FastMCP = FastMCP('x')\n",
    "import mcp\napp = mcp.server.fastmcp.FastMCP('x')\n",
])
def test_module_level_servers_in_every_import_form(code: str) -> None:
    model = build(code)
    assert len(model.server_sites) == 1
    assert model.server_sites[0].at_import_time
    assert model.server_sites[0].bound_at_module_level
    assert model.module_server_names


def test_factory_and_attribute_servers() -> None:
    model = build("""
        from fastmcp import FastMCP

        def create_server():
            server = FastMCP("x")
            return server

        class Host:
            def __init__(self):
                self.app = FastMCP("y")

        mcp = create_server()
    """)
    assert [s.at_import_time for s in model.server_sites] == [False, False]
    assert model.module_server_names == ["mcp"]


def test_not_a_server() -> None:
    model = build("""
        from other import FastMCP
        from fastapi import FastAPI
        app = FastAPI()
        thing = FastMCP()
    """)
    assert model.server_sites == [] and model.registrations == []


def _registered(model: FileModel) -> list[tuple[str, str, str | None]]:
    from fastmcp_preflight.model.file_model import string_value
    return sorted((r.kind, r.function.name.value, string_value(r.name) or string_value(r.uri))
                  for r in model.registrations)


def test_every_registration_form() -> None:
    model = build("""
        from fastmcp import FastMCP
        from fastmcp.tools import Tool

        mcp = FastMCP("x")

        @mcp.tool
        def bare(a: int) -> int: ...

        @mcp.tool()
        def called() -> None: ...

        @mcp.tool("positional_name")
        def named() -> None: ...

        @mcp.tool(name="kw_name", description="d")
        async def kw() -> None: ...

        @mcp.resource("data://{id}")
        def res(id: str) -> str: ...

        @mcp.prompt
        def prompt() -> str: ...

        @other_decorator
        @mcp.tool(task=True)
        async def stacked() -> None: ...

        def plain(a): ...
        def plain2(a): ...
        def plain3(a): ...
        def plain4(a): ...

        mcp.tool(plain, name="p1")
        mcp.tool()(plain2)
        mcp.add_tool(Tool.from_function(plain3, name="p3"))
        mcp.add_tool(plain4)

        @mcp.custom_route("/health", methods=["GET"])
        async def health(request): ...
    """)
    assert _registered(model) == sorted([
        ("tool", "bare", None), ("tool", "called", None), ("tool", "named", "positional_name"),
        ("tool", "kw", "kw_name"), ("resource", "res", "data://{id}"), ("prompt", "prompt", None),
        ("tool", "stacked", None), ("tool", "plain", "p1"), ("tool", "plain2", None),
        ("tool", "plain3", "p3"), ("tool", "plain4", None), ("route", "health", "/health"),
    ])
    assert len(model.health_sites) == 1


def test_registration_on_parameter_imported_server_and_method() -> None:
    model = build("""
        from .server import mcp

        @mcp.tool
        def imported() -> None: ...

        def register_tools(server):
            @server.tool()
            async def inner() -> None: ...

        class Tools:
            def method(self, x: int) -> int: ...

            def register(self, server):
                server.add_tool(self.method)
    """, package="pkg")
    names = {(r.function.name.value, r.is_method) for r in model.registrations}
    assert names == {("imported", False), ("inner", False), ("method", True)}


def test_not_registrations() -> None:
    model = build("""
        import typer
        from fastapi import FastAPI
        app = FastAPI()
        cli = typer.Typer()

        @app.get("/items")
        def items(): ...

        @cli.command()
        def run(): ...
    """)
    assert model.registrations == []


@pytest.mark.parametrize(("call", "transport"), [
    ("mcp.run()", None),
    ("mcp.run(transport='stdio')", "stdio"),
    ("mcp.run('streamable-http')", "streamable-http"),
    ("mcp.run(transport=os.environ['T'])", "unknown"),
    ("asyncio.run(mcp.run_async(transport='sse'))", "sse"),
    ("asyncio.run(mcp.run_stdio_async())", "stdio"),
    ("app = mcp.http_app()", "http"),
])
def test_transports(call: str, transport: str | None) -> None:
    model = build(f"import os, asyncio\nfrom fastmcp import FastMCP\nmcp = FastMCP('x')\n{call}\n")
    assert [s.transport for s in model.starts] == [transport]


def test_non_server_runs_are_not_starts() -> None:
    model = build("import asyncio, uvicorn\nfrom flask import Flask\napp = Flask('x')\n"
                  "app.run()\nuvicorn.run(app)\nasyncio.run(main())\n")
    assert model.starts == []


def test_scopes_resolve_aliases_and_shadowing() -> None:
    model = build("""
        import time as t
        from time import sleep as nap
        import os.path

        def f(time):
            sleep = 1
    """)
    scope = model.module_scope
    assert scope.resolve(cst.parse_expression("t.sleep")) == "time.sleep"
    assert scope.resolve(cst.parse_expression("nap")) == "time.sleep"
    assert scope.resolve(cst.parse_expression("os.path.join")) == "os.path.join"
    assert scope.resolve(cst.parse_expression("open")) == "builtins.open"
    function_scope = next(s for s in model.scopes.values() if s.kind == "function")
    assert function_scope.resolve(cst.parse_expression("time.sleep")) is None
    assert function_scope.resolve(cst.parse_expression("nap")) == "time.sleep"


def test_contexts_seen_by_the_tracker() -> None:
    module = cst.parse_module(textwrap.dedent("""
        import asyncio
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            a = 1
        async def tool(x=default()):
            inside()
            def helper():
                nested()
            async with self._lock:
                locked()
            lam = lambda: in_lambda()
        if __name__ == "__main__":
            guarded()
    """))
    builder = ModelBuilder(module, None)
    walker = Walker()
    walker.walk(module, builder)
    model = builder.finish()
    seen: dict[str, tuple[bool, bool, bool, bool]] = {}

    class Probe:
        def __init__(self) -> None:
            self.tracker = Tracker(model.module_scope, model.scopes)

        def on_visit(self, node: cst.CSTNode) -> bool:
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
                t = self.tracker
                seen[node.func.value] = (t.in_async, t.at_import_time, t.in_lock,
                                         t.in_main_guard)
            return True

        def on_leave(self, node: cst.CSTNode) -> None:
            return None

        def on_field(self, node: cst.CSTNode, field: str, entering: bool) -> None:
            self.tracker.on_field(node, field, entering)

    walker.walk(module, Probe())
    assert seen["default"] == (False, True, False, False)
    assert seen["inside"] == (True, False, False, False)
    assert seen["nested"] == (False, False, False, False)
    assert seen["locked"] == (True, False, True, False)
    assert seen["in_lambda"] == (False, False, False, False)
    assert seen["guarded"] == (False, False, False, True)


def test_description_is_the_description_argument_else_the_cleaned_docstring() -> None:
    model = build('''
        from fastmcp import FastMCP

        mcp = FastMCP("x")
        TEXT = "From a constant."

        @mcp.tool(description="Given.")
        def a():
            """Ignored."""

        @mcp.tool(description="")
        def b():
            """
            Falls back:
                indented.
            """

        @mcp.tool(description=TEXT)
        def c(): ...

        @mcp.tool(description=load("d"))
        def d(): ...

        @mcp.tool
        def e(): ...
    ''')
    found = {r.function.name.value: model.description_of(r) for r in model.registrations}
    assert [(d.text, d.from_docstring) if d else None for d in found.values()] == [
        ("Given.", False), ("Falls back:\n    indented.", True), ("From a constant.", False),
        (None, False), None]


def test_schema_parameters_leave_out_what_fastmcp_fills_in() -> None:
    model = build('''
        from typing import Optional
        from fastmcp import Context, FastMCP
        from fastmcp.dependencies import CurrentContext, Depends

        mcp = FastMCP("x")

        class Tools:
            def search(self, query: str, c: Optional[Context] = None, d: "Context" = None,
                       e: Context | None = None, ctx=CurrentContext(), db=Depends(object),
                       hidden: str = "", *args, **kwargs): ...

            @staticmethod
            def echo(text, ctx: Context): ...

        mcp.add_tool(Tools().search, exclude_args=["hidden"])
        mcp.add_tool(Tools.echo)
    ''')
    assert [[p.name.value for p in model.schema_parameters(r)]
            for r in model.registrations] == [["query"], ["text"]]


def test_server_identity_across_import_forms() -> None:
    model = build('''
        from fastmcp import FastMCP
        from kb.app import mcp as shared
        from . import app
        import kb.app

        local = FastMCP("x")

        @local.tool
        def a(): ...

        @shared.tool
        def b(): ...

        @app.mcp.tool
        def c(): ...

        @kb.app.mcp.tool
        def d(): ...

        def build():
            server = FastMCP("y")

            @server.tool
            def e(): ...

        class Host:
            def __init__(self):
                self.mcp = FastMCP("z")

                @self.mcp.tool
                def f(): ...
    ''', package="kb")
    assert [model.server_identity(r, "kb.tools") for r in model.registrations] == [
        "kb.tools:local", "kb.app:mcp", "kb.app:mcp", "kb.app:mcp",
        "kb.tools:build.<locals>.server", "kb.tools:Host.mcp"]


def test_registered_keys_carry_versions_branches_and_known_servers_only() -> None:
    model = build('''
        from fastmcp import FastMCP
        from kb import app

        mcp = FastMCP("x")

        @mcp.tool(version="1.0")
        def a(): ...

        if FLAG:
            @mcp.tool(version=2)
            def b(): ...
        elif OTHER:
            @app.mcp.tool(name="b")
            def c(): ...
        else:
            mcp.tool(a, name="d", version=VERSION)

        def tests():
            server = FastMCP("y")
            server = FastMCP("z")

            @server.tool
            def e(): ...
    ''', package="kb")
    assert [(kind, key, server, version, branches, name.value)
            for kind, key, server, version, branches, name in model.registered_keys("kb.m")] == [
        ("tool", "a", "kb.m:mcp", "1.0", (), "a"),
        ("tool", "b", "kb.m:mcp", "2", ((0, False),), "b"),
        ("tool", "b", "kb.app:mcp", "", ((0, True), (1, False)), "c"),
    ]


def test_a_relative_import_inside_fastmcp_names_the_server_class() -> None:
    """Files that import nothing from fastmcp or mcp skip the server-class question; a
    relative import inside the fastmcp package itself must still count."""
    model = build("from .server import FastMCP\nmcp = FastMCP('x')\n", package="fastmcp")
    assert len(model.server_sites) == 1
    assert not build("class FastMCP:\n    pass\nmcp = FastMCP('x')\n").server_sites


def test_a_linted_file_leaves_no_cycle_that_keeps_its_tree_alive() -> None:
    """The tree must be freed when the file is done, not when the cyclic collector next
    runs: a cycle through it (bound methods stored on the model builder did this) kept every
    file's whole tree in memory, and made each collection traverse it."""
    engine = Checker(list(Registry.load(default_plugins()).rules.values()))
    source = decode(SERVER.encode())
    engine.check(source, "server.py", "server", None)  # rules' first-use work
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        before = {id(o) for o in gc.get_objects() if isinstance(o, cst.CSTNode)}  # defaults
        result = engine.check(source, "server.py", "server", None)
        alive = [o for o in gc.get_objects()
                 if isinstance(o, cst.CSTNode) and id(o) not in before]
    finally:
        if enabled:
            gc.enable()
    assert result.diagnostics  # the file was really linted
    assert alive == []
