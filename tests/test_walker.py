"""The rules replay the model walk's event log: they must hear what a walk of their own
would have told them, in the same order and with the same open contexts."""

from __future__ import annotations

import textwrap

import libcst as cst

from fastmcp_preflight.api import Rule
from fastmcp_preflight.model.walker import (
    _SKIPPED,
    EventLog,
    Walker,
    child_nodes,
    mentioned_names,
)
from fastmcp_preflight.running.engine import Engine

SOURCE = textwrap.dedent("""\
    import asyncio, time
    from fastmcp import FastMCP

    mcp = FastMCP("x")

    @mcp.tool
    async def tool(x: int = time.time()) -> str:
        time.sleep(1)
        def helper():
            return time.sleep(2)
        async with lock:
            await asyncio.sleep(x)
        return str(lambda: time.sleep(3))

    class Box:
        items = [time.sleep(4)]

    if __name__ == "__main__":
        asyncio.run(tool(1))
""")


class _Heard:
    """What a walk's visitor hears: visits and leaves of some types, with the contexts."""

    wants = frozenset({"Call", "FunctionDef", "Lambda", "ClassDef"})

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self.heard: list[tuple[str, str, bool]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.heard.append(("visit", self.module.code_for_node(node)[:20], True))
        return True

    def on_leave(self, node: cst.CSTNode) -> None:
        self.heard.append(("leave", self.module.code_for_node(node)[:20], True))

    def on_field(self, node: cst.CSTNode, field: str, entering: bool) -> None:
        self.heard.append((type(node).__name__, field, entering))


def test_the_event_log_holds_what_a_walk_tells_a_visitor() -> None:
    module = cst.parse_module(SOURCE)
    walked = _Heard(module)
    Walker().walk(module, walked)

    log = EventLog(_Heard.wants)

    class Silent:
        def on_visit(self, node: cst.CSTNode) -> bool:
            return True

        def on_leave(self, node: cst.CSTNode) -> None:
            return None

        def on_field(self, node: cst.CSTNode, field: str, entering: bool) -> None:
            return None

    Walker().walk(module, Silent(), log)
    replayed = _Heard(module)
    for node, field, entering in log.events:
        if field is not None:
            replayed.on_field(node, field, entering)
        elif entering:
            replayed.on_visit(node)
        else:
            replayed.on_leave(node)
    assert replayed.heard == walked.heard
    assert len(log.order) > 50 and log.order[0] is module


def test_the_walk_meets_every_node_libcst_visits_in_the_same_order() -> None:
    """Every node but whitespace, comments and parentheses, leaves (names, strings, commas)
    included, in LibCST's own visiting order; and the log records the same for the types
    it is given."""
    module = cst.parse_module(SOURCE + "x = {'a': [1, 2.5, b'c', *y]} if a else f'{b!r:>3}'\n")

    class LibCSTOrder(cst.CSTVisitor):
        def __init__(self) -> None:
            self.heard: list[tuple[bool, int]] = []

        def on_visit(self, node: cst.CSTNode) -> bool:
            if isinstance(node, _SKIPPED):
                return False
            self.heard.append((True, id(node)))
            return True

        def on_leave(self, original_node: cst.CSTNode) -> None:
            if not isinstance(original_node, _SKIPPED):
                self.heard.append((False, id(original_node)))

    class Everything:
        def __init__(self) -> None:
            self.heard: list[tuple[bool, int]] = []

        def on_visit(self, node: cst.CSTNode) -> bool:
            self.heard.append((True, id(node)))
            return True

        def on_leave(self, node: cst.CSTNode) -> None:
            self.heard.append((False, id(node)))

        def on_field(self, node: cst.CSTNode, field: str, entering: bool) -> None:
            return None

    expected = LibCSTOrder()
    module.visit(expected)
    walked = Everything()
    every_type = frozenset(type(n).__name__ for n in _nodes(module))
    log = EventLog(every_type)
    Walker().walk(module, walked, log)
    assert walked.heard == expected.heard
    assert [(entering, id(node)) for node, field, entering in log.events
            if field is None] == expected.heard
    assert [id(node) for node in log.order] == [i for entering, i in expected.heard if entering]
    kinds = {type(node).__name__ for node in log.order}
    assert {"Name", "SimpleString", "Comma", "Integer", "Float", "StarredElement"} <= kinds


def _nodes(node: cst.CSTNode) -> list[cst.CSTNode]:
    return [node, *(n for child in node.children for n in _nodes(child))]


def test_child_nodes_are_the_children_libcst_gives_without_rebuilding_the_node() -> None:
    source = SOURCE + "x = {'a': [1, *y]} if a else f'{b!r:>3}'\nmatch p:\n    case [1, *r]: pass\n"
    module = cst.parse_module(source)
    nodes = _nodes(module)
    assert len(nodes) > 300
    for node in nodes:
        mine = {id(child): child for child in child_nodes(node)}
        theirs = {id(child) for child in node.children}
        assert len(mine) == len(child_nodes(node)) and theirs <= set(mine)
        # LibCST 1.4 does not visit a `case`'s whitespace after `case`; nothing else is extra
        assert all(isinstance(mine[extra], cst.SimpleWhitespace)
                   for extra in set(mine) - theirs), type(node).__name__



def test_mentioned_names_skip_lambdas_and_format_specs_only_when_asked() -> None:
    expr = cst.parse_expression(
        "f(a, key=b.attr)[c] + (lambda p: p + d)(e) if not g < h else "
        "f'{i!r:{j}}' or [*k, {l: m}] or {n, 3}")
    every = sorted(name.value for name in mentioned_names(expr))
    assert every == ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n",
                     "p", "p"]  # not `key` nor `attr`
    narrow = sorted(name.value for name in mentioned_names(expr, lambdas=False,
                                                           format_specs=False))
    assert narrow == ["a", "b", "c", "e", "f", "g", "h", "i", "k", "l", "m", "n"]


class _Probe(Rule):
    """Records, for every call, whether the rules' pass saw it in an async function."""

    code = "FML990"
    name = "probe"
    summary = "probe"

    def visit_Call(self, node: cst.Call) -> None:
        where = self.context.where
        self.report(node, f"{self.context.module.code_for_node(node.func)} "
                          f"async={where.in_async} import={where.at_import_time} "
                          f"lock={where.in_lock}")

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.report(node.name, f"left {node.name.value}")


def test_rules_hear_the_replayed_events_in_their_contexts(tmp_path) -> None:
    path = tmp_path / "server.py"
    path.write_text(SOURCE, encoding="utf-8")
    result = Engine([_Probe]).lint_path(path, "server.py")
    heard = [(d.line, d.column, d.message) for d in result.diagnostics]
    assert heard == [
        (4, 7, "FastMCP async=False import=True lock=False"),
        (7, 25, "time.time async=False import=True lock=False"),
        (8, 5, "time.sleep async=True import=False lock=False"),
        (10, 16, "time.sleep async=False import=False lock=False"),
        (9, 9, "left helper"),
        (12, 15, "asyncio.sleep async=True import=False lock=True"),
        (13, 12, "str async=True import=False lock=False"),
        (13, 24, "time.sleep async=False import=False lock=False"),
        (7, 11, "left tool"),
        (16, 14, "time.sleep async=False import=True lock=False"),
        (19, 5, "asyncio.run async=False import=False lock=False"),
        (19, 17, "tool async=False import=False lock=False"),
    ]


def test_a_node_made_on_the_fly_is_resolved_afresh_each_time() -> None:
    """The resolve memo is keyed by id(); a temporary node's id can be reused."""
    from fastmcp_preflight.api import FileContext
    from fastmcp_preflight.model.context import Tracker
    from fastmcp_preflight.model.file_model import ModelBuilder

    module = cst.parse_module("import time as t\nimport os\n")
    builder = ModelBuilder(module, None)
    Walker().walk(module, builder)
    model = builder.finish()
    context = FileContext("x.py", module.code, module, model,
                          Tracker(model.module_scope, model.scopes))
    answers = [context.resolve(cst.Attribute(cst.Name(name), cst.Name("sleep")))
               for name in ("t", "os", "t", "nothing")]
    assert answers == ["time.sleep", "os.sleep", "time.sleep", None]


def test_the_collector_is_paused_only_while_a_file_is_checked() -> None:
    import gc

    from fastmcp_preflight.running.engine import lint_source

    seen: list[bool] = []

    class _Sees(Rule):
        code = "FML991"
        name = "sees-gc"
        summary = "sees the collector"

        def visit_Module(self, node: cst.Module) -> None:
            seen.append(gc.isenabled())

    assert gc.isenabled()
    lint_source("x = 1\n", [_Sees])
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        lint_source("x = 1\n", [_Sees])
        assert not gc.isenabled()  # a caller's own choice is kept
    finally:
        gc.enable()


def test_a_command_run_spaces_collections_out_and_puts_them_back(tmp_path, monkeypatch
                                                                  ) -> None:
    import gc

    from fastmcp_preflight import cli
    from fastmcp_preflight.running.collector import RUN_THRESHOLD

    seen: list[int] = []
    real_lint = cli.lint

    def lint(options):  # type: ignore[no-untyped-def]
        seen.append(gc.get_threshold()[0])
        return real_lint(options)

    monkeypatch.setattr(cli, "lint", lint)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ok.py").write_text("x = 1\n", encoding="utf-8")
    before = gc.get_threshold()
    try:
        cli.main(["ok.py", "--no-cache", "--quiet"])
    except SystemExit as done:
        assert done.code == 0
    assert seen == [max(before[0], RUN_THRESHOLD)]
    assert gc.get_threshold() == before
