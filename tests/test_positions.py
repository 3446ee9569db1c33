"""Our positions are LibCST's `PositionProvider` positions, computed more cheaply."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from fastmcp_preflight.model.file_model import ModelBuilder
from fastmcp_preflight.model.walker import EventLog, Walker
from fastmcp_preflight.source.positions import Positions

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [*sorted((ROOT / "fixtures").rglob("*.py"))[:40],
           ROOT / "src/fastmcp_preflight/model/file_model.py"]


def _variants(text: str) -> list[str]:
    return [text, text.replace("\n", "\r\n"), text.replace("\n", "\r")]


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_every_node_matches_position_provider(path: Path) -> None:
    for text in _variants(path.read_text(encoding="utf-8")):
        module = cst.parse_module(text)
        expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        positions = Positions(module, text)
        for node, span in expected.items():
            if isinstance(node, cst.Module):  # its end is never reported
                continue
            at = positions.of(node)
            assert (at.line, at.column, at.end_line, at.end_column) == (
                span.start.line, span.start.column + 1, span.end.line, span.end.column + 1
            ), (path.name, type(node).__name__)


def test_statement_search_matches_full_positions() -> None:
    text = ("'''doc with import os'''\nimport os\nif True:\n    from a import b  # x\n"
            "x = 1; import c\n")
    module = cst.parse_module(text)
    statements = [module.body[1].body[0], module.body[2].body.body[0].body[0],
                  module.body[3].body[1]]
    cheap = Positions(module, text).of_statements(statements)
    full = Positions(module, text)
    assert cheap == [full.of(node) for node in statements]


def _walked(module: cst.Module) -> list[cst.CSTNode]:
    """The model walk's node order, as the engine hands it to Positions."""
    log = EventLog(frozenset())
    Walker().walk(module, ModelBuilder(module, None), log)
    return log.order


@pytest.mark.parametrize("path", SOURCES[-3:], ids=[p.name for p in SOURCES[-3:]])
def test_positions_from_one_statement_match_the_whole_file(path: Path) -> None:
    for text in _variants(path.read_text(encoding="utf-8")):
        module = cst.parse_module(text)
        order = _walked(module)
        cheap, full = Positions(module, text, order), Positions(module, text)
        for node in order[1:]:
            assert cheap.of(node) == full.of(node), type(node).__name__
        assert cheap._ranges is None  # located statement by statement, never the whole file


@pytest.mark.parametrize("text", [
    'print("x")\nprint("x")\n',          # the same statement twice: not found once
    '# head\n\nprint("x")\n\nprint("x")\nprint("x")\n',
    'x = 1\n\ndef f():\n    return x',  # no newline at the end
    '# head\n\n@d\nclass C:\n    y = [1,\n  2]\n',
])
def test_positions_when_a_statement_repeats_or_the_file_is_odd(
        text: str) -> None:
    module = cst.parse_module(text)
    order = _walked(module)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    cheap = Positions(module, text, order)
    for node in reversed(order[1:]):  # the last statement first
        span = expected[node]
        at = cheap.of(node)
        assert (at.line, at.column, at.end_line, at.end_column) == (
            span.start.line, span.start.column + 1, span.end.line, span.end.column + 1)


def test_an_order_from_another_tree_is_never_used() -> None:
    text = "a = 1\nb = 2\n"
    module, other = cst.parse_module(text), cst.parse_module(text)
    positions = Positions(module, text, _walked(other))
    assert positions.of(module.body[1]).line == 2


NESTED = '''\
import asyncio


class Server:
    def first(self):
        mcp = FastMCP("x")  # the same line in both methods
        return mcp

    def second(self):
        mcp = FastMCP("x")  # the same line in both methods
        return mcp

    async def third(self, command):
        match command:
            case {"op": op} if op:
                if op == "a":
                    return 1
                elif op == "b":
                    return 2
                else:
                    return 3
            case _:
                try:
                    await asyncio.sleep(1)
                except (ValueError, TypeError) as error:
                    return str(error)
                else:
                    pass
                finally:
                    print("done")


@decorated(
    "x")
async def fourth():
    async with lock:
        for item in range(3):
            while item:
                item -= 1


async def test_one():
    mcp = FastMCP("x")
    @mcp.tool
    def add(a: int) -> int:
        return a
    assert add


async def test_two():
    ready = True  # the rest repeats test_one: found by counting from here
    mcp = FastMCP("x")
    @mcp.tool
    def add(a: int) -> int:
        return a
    assert add
'''


@pytest.mark.parametrize("text", _variants(NESTED), ids=["lf", "crlf", "cr"])
def test_nodes_in_nested_blocks_are_found_without_generating_the_whole_file(text: str) -> None:
    module = cst.parse_module(text)
    order = _walked(module)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    cheap = Positions(module, text, order)
    for node in order[1:]:
        span = expected[node]
        at = cheap.of(node)
        assert (at.line, at.column, at.end_line, at.end_column) == (
            span.start.line, span.start.column + 1, span.end.line, span.end.column + 1
        ), type(node).__name__
    assert cheap._ranges is None


def test_expecting_many_nodes_gives_the_same_positions() -> None:
    import libcst as cst

    from fastmcp_preflight.source.positions import Positions

    text = ("def f(x):\n    if x:\n        for i in x:\n            g(i)\n            g(i)\n"
            "    return [h(y) for y in x]\n" * 3)
    module = cst.parse_module(text)
    calls: list[cst.Call] = []

    class Calls(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            calls.append(node)

    module.visit(Calls())
    one_by_one = [Positions(module, text).of(c) for c in calls]
    whole = Positions(module, text)
    whole.expect(len(calls))
    assert [whole.of(c) for c in calls] == one_by_one
    assert len(set(one_by_one)) == len(calls) == 9


def _provider_spans(module: cst.Module) -> dict[cst.CSTNode, tuple[int, int, int, int]]:
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return {node: (span.start.line, span.start.column + 1, span.end.line, span.end.column + 1)
            for node, span in expected.items()}


def _checked(text: str, expect: int = 100, kinds: tuple[type[cst.CSTNode], ...] = ()
             ) -> tuple[Positions, list[cst.CSTNode]]:
    """Positions of `text` told to expect `expect` nodes, once every node the walk met (but
    the module; only those of `kinds`, if given) is found where PositionProvider puts it;
    with those nodes."""
    module = cst.parse_module(text)
    order = _walked(module)
    expected = _provider_spans(module)
    cheap = Positions(module, text, order)
    cheap.expect(expect)
    nodes = [n for n in order[1:] if not kinds or isinstance(n, kinds)]
    for node in nodes:
        at = cheap.of(node)
        assert (at.line, at.column, at.end_line, at.end_column) == expected[node], (
            type(node).__name__, cst.Module([]).code_for_node(node))
    return cheap, nodes


@pytest.mark.parametrize("text", _variants(NESTED), ids=["lf", "crlf", "cr"])
def test_many_nodes_are_found_from_statement_starts_without_the_whole_file(text: str) -> None:
    cheap, _ = _checked(text, expect=10_000)
    assert cheap._ranges is None
    # every node was found from where CPython's parser put its statement
    assert cheap._starts is not None and cheap._starts.offsets


@pytest.mark.parametrize("text", _variants(NESTED), ids=["lf", "crlf", "cr"])
def test_statement_starts_are_where_the_code_generation_starts_each_statement(
        text: str) -> None:
    from fastmcp_preflight.source.lines import LineIndex
    from fastmcp_preflight.source.positions import _OffsetCodegen
    from fastmcp_preflight.source.statement_starts import statement_starts

    class Firsts(_OffsetCodegen):
        def before_codegen(self, node: cst.CSTNode) -> None:
            firsts.setdefault(id(node), self.offset)
            super().before_codegen(node)

    firsts: dict[int, int] = {}
    module = cst.parse_module(text)
    module._codegen(Firsts(default_indent=module.default_indent,
                           default_newline=module.default_newline))
    blocks = [module, *(n for n in _walked(module) if isinstance(n, cst.IndentedBlock))]
    statements = [s for block in blocks for s in block.body]
    starts = statement_starts(module, text, LineIndex(text))
    assert len(statements) == len(starts.offsets) == 35
    assert {id(s): firsts[id(s)] for s in statements} == starts.offsets


@pytest.mark.parametrize("text", [
    "@(\n    d)\ndef f():\n    g(1)\n    g(2)\n",     # CPython puts the decorator on line 2
    "x = (\n    1)\ny = [g(i)\n     for i in x]\n",
])
def test_a_start_that_is_not_the_statement_falls_back(text: str) -> None:
    _checked(text)


def test_text_cpython_refuses_falls_back_to_the_whole_file(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import ast

    def refuse(*_: object, **__: object) -> None:
        raise SyntaxError("not this Python's syntax")

    monkeypatch.setattr(ast, "parse", refuse)
    text = "def f(x):\n    return g(x)\n" * 5
    cheap, _ = _checked(text)
    assert cheap._starts is not None and cheap._starts.offsets == {}
    assert cheap._ranges is not None


CALLS = """\
import asyncio

résumé = "«»".join(x) if False else f(g(x), h(y=[k(1) for _ in z]))  # non-ASCII before
a.b(c)(d)
(f)(x)
fs[0](1); obj.method(
    "multi-line",
    other(2),
)


@mcp.tool(name=name("t"))  # a compound statement's header: decorators, parameters
async def tool(x: Annotated[str, Field(description="x")] = default()) -> make():
    value = await client.get(x)
    with open(path(x)) as handle, lock():
        print(handle)
    if x:
        print(value)
    elif check(x):  # walked after the `if` body's last statement: that one falls back
        print(x)
    for item in sorted(x, key=lambda v: len(v)):
        label = f"{item.upper()} done"  # a call in an f-string: CPython < 3.12 misplaces it
    return [str(v) for v in x if callable(v)]
"""


def _calls(module: cst.Module) -> list[cst.Call]:
    return [n for n in _walked(module) if type(n) is cst.Call]


@pytest.mark.parametrize("text", _variants(CALLS), ids=["lf", "crlf", "cr"])
def test_calls_in_simple_statements_are_read_from_cpythons_tree(text: str) -> None:
    cheap, calls = _checked(text, kinds=(cst.Call,))
    assert cheap._ranges is None
    paired = [spans for spans in cheap._call_spans.values() if spans is not None]
    # Read from CPython's tree: every call but the three in or after the two statements
    # that do not pair up (the last of the `if` body, with the `elif` test the walk meets
    # before the next statement, and the f-string's statement).
    assert sum(len(spans) for spans in paired) == len(calls) - 3 == 26
    assert sum(spans is None for spans in cheap._call_spans.values()) == 2


def test_calls_that_do_not_pair_up_give_no_spans() -> None:
    import ast

    from fastmcp_preflight.source.cpython_spans import call_spans
    from fastmcp_preflight.source.lines import LineIndex

    text = "x = f(1)\n"
    module = cst.parse_module(text)
    calls, lines = _calls(module), LineIndex(text)
    statements = ast.parse(text).body
    assert call_spans(calls, statements, text, lines) == {id(calls[0]): (4, 8)}
    assert call_spans([], statements, text, lines) is None  # as many calls on each side
    other = cst.parse_module("x = g(1)\n")  # a callee of another name
    assert call_spans(_calls(other), statements, text, lines) is None
    shifted = " " + text  # CPython's columns must fall on the callee's own text
    assert call_spans(calls, statements, shifted, LineIndex(shifted)) is None


@pytest.mark.parametrize("text", _variants(
    "@d\nasync  def  tool(x):\n    class\tBox: pass\n    def helper(): pass\n"
    "résumé = 1; \\\n  # comment\n"), ids=["lf", "crlf", "cr"])
def test_definition_names_are_read_from_cpythons_tree(text: str) -> None:
    cheap, names = _checked(text, kinds=(cst.Name,))  # each where PositionProvider puts it
    definitions = [n for n in cheap._order if isinstance(n, (cst.FunctionDef, cst.ClassDef))]
    assert len(definitions) == 3 and all(d.name in names for d in definitions)
    for definition in definitions:
        chain = cheap._statements_holding(definition.name)
        assert cheap._name_span(chain, definition.name) is not None  # no code generated


def test_a_definition_whose_text_disagrees_gives_no_name_span() -> None:
    import ast

    from fastmcp_preflight.source.cpython_spans import name_span
    from fastmcp_preflight.source.lines import LineIndex

    text = "async def f(): pass\n"
    definition = cst.parse_module(text).body[0]
    assert isinstance(definition, cst.FunctionDef)
    node = ast.parse(text).body[0]
    assert name_span(definition, node, text, LineIndex(text)) == (10, 11)
    other = "def f(): pass\n"  # CPython's statement is not the text at hand
    assert name_span(definition, node, other, LineIndex(other)) is None
