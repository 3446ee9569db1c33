"""Property-based fuzzing: grammar-generated Python through every rule and through --fix.

Bounded so the suite stays fast; a longer run is one variable away (see docs/development.md):

    FASTMCP_LINT_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz.py

Generated sources come from hypothesmith (Python's grammar, filtered by `compile()`), so they
are strange but valid Python: the properties are about the engine, not the parser.
"""

from __future__ import annotations

import os
import textwrap

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fastmcp_preflight.api import BaseRule
from fastmcp_preflight.plugins.registry import Registry
from fastmcp_preflight.running.checker import Checker
from fastmcp_preflight.running.engine import fix_source, lint_source
from fastmcp_preflight.source.parsing import check_nesting, parse_module
from fastmcp_preflight.source.reading import SourceError, decode

#: hypothesmith compiles what it generates; CPython's warnings about it are noise here.
pytestmark = [pytest.mark.filterwarnings("ignore::SyntaxWarning"), pytest.mark.slow]

EXAMPLES = int(os.environ.get("FASTMCP_LINT_FUZZ_EXAMPLES", "30"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 30,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])

#: Code every fixable rule has something to fix in, put in front of the generated module so
#: the fixes meet strange neighbours (the generated code can't go first: `from __future__`).
FIXABLE = textwrap.dedent("""\
    import asyncio
    import sys
    import time

    from fastmcp import FastMCP

    mcp = FastMCP("fuzz")


    @mcp.tool
    async def slow(x: int) -> int:
        time.sleep(0.1)
        try:
            await asyncio.sleep(x)
        except BaseException:
            pass
        print("done", file=sys.stdout)
        return x


    if __name__ == "__main__":
        mcp.run()

    """)


@pytest.fixture(scope="module")
def every_rule(registry: Registry) -> list[type[BaseRule]]:
    return list(registry.rules.values())


def _internal_errors(code: str, rules: list[type[BaseRule]]) -> list[str]:
    return [d.message for d in lint_source(code, rules)
            if d.code == "FML000" and "internal error" in d.message]


@FUZZ
@given(source=hypothesmith.from_grammar())
def test_every_rule_on_generated_modules_gives_no_internal_error(
        every_rule: list[type[BaseRule]], source: str) -> None:
    assert _internal_errors(source, every_rule) == []
    assert _internal_errors(FIXABLE + source, every_rule) == []


@FUZZ
@given(source=hypothesmith.from_grammar())
@example(source="")
@example(source="x = 1\n")
def test_fixed_code_parses_and_fixing_again_changes_nothing(
        every_rule: list[type[BaseRule]], source: str) -> None:
    code = FIXABLE + source
    fixed = fix_source(code, every_rule, allow=("safe", "unsafe"))
    try:
        parse_module(code)
    except (SourceError, cst.ParserSyntaxError):
        assert fixed == code  # a file that doesn't parse is never changed
        return
    parse_module(fixed)
    assert fix_source(fixed, every_rule, allow=("safe", "unsafe")) == fixed


@FUZZ
@given(source=hypothesmith.from_grammar())
@example(source="A\n\n ")  # LibCST drops the blank line: harmless, it is after every node
def test_what_parses_is_given_back_byte_for_byte(source: str) -> None:
    """Positions and fixes assume LibCST reproduces the text exactly up to its last node."""
    try:
        module = parse_module(source)
    except (SourceError, cst.ParserSyntaxError):
        return
    assert source.startswith(module.with_changes(footer=()).code)


_PIECES = st.sampled_from([
    b"\x00", b"\xff", b"\xef\xbb\xbf", b"\r", b"\r\n", b"\x0c", b"\t", b"\\", b"'''", b'"',
    b"# coding: latin-1\n", b"# coding: klingon\n", b"(" * 300, b"-" * 1200, b"f'{", b"}'",
    b"async def f():\n    time.sleep(1)\n", b"\xed\xa0\x80", b"\xe2\x80\xa8", b"    ", b":",
])


@FUZZ
@given(data=st.one_of(
    st.binary(max_size=2000),
    st.lists(_PIECES, max_size=30).map(b"".join),
    st.tuples(hypothesmith.from_grammar(), st.lists(_PIECES, max_size=5)).map(
        lambda pair: pair[0].encode("utf-8", "surrogatepass") + b"".join(pair[1])),
))
def test_any_bytes_are_read_and_linted_without_an_exception_or_internal_error(
        every_rule: list[type[BaseRule]], data: bytes) -> None:
    try:
        source = decode(data)
    except SourceError:
        return
    result = Checker(every_rule).check(source, "fuzz.py", "fuzz", None)
    assert [d.message for d in result.diagnostics
            if d.code == "FML000" and "internal error" in d.message] == []


@FUZZ
@given(text=st.text(max_size=3000))
def test_the_nesting_scan_only_ever_refuses(text: str) -> None:
    try:
        check_nesting(text)
    except SourceError as refused:
        assert refused.line >= 1 and refused.column >= 1
