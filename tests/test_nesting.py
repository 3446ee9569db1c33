"""The nesting check's fast path: it only ever accepts what the exact scan accepts.

`parsing._surely_shallow` bounds a text's bracket and expression depth from above with a few
`re` passes; when the bound is within both limits the token scan (`parsing._scan`) is
skipped. These tests hold it to that: on generated and hand-made texts (with the limits
lowered, so that small texts cross them) it never accepts a text the scan refuses, and
`check_nesting` gives the scan's own outcome, message and position included. It must also
accept ordinary code, or it would quietly cost time for nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sample_server import SERVER

from fastmcp_preflight.source import parsing
from fastmcp_preflight.source.parsing import MAX_BRACKETS, MAX_DEPTH, check_nesting
from fastmcp_preflight.source.reading import SourceError

EXAMPLES = int(os.environ.get("FASTMCP_LINT_FUZZ_EXAMPLES", "300"))
NESTING = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 300)

Outcome = tuple[str, int, int] | None


def _exact(text: str) -> Outcome:
    """The token scan's verdict alone (None: accepted), without the fast path."""
    try:
        parsing._scan(text, [parsing._Segment(0)], text, 0)
    except SourceError as refused:
        return str(refused), refused.line, refused.column
    return None


def _checked(text: str) -> Outcome:
    try:
        check_nesting(text)
    except SourceError as refused:
        return str(refused), refused.line, refused.column
    return None


def _assert_sound(text: str) -> None:
    exact = _exact(text)
    if parsing._surely_shallow(text):
        assert exact is None
    assert _checked(text) == exact


# --- generated texts ------------------------------------------------------------------------

_LEAVES = st.sampled_from([
    "a", "x1", "self", "None", "0x1F", "1e-5", "rf", "bar", "not_", "é",
    "'s'", '"(["', "'#'", "b'x'", "rb'''(\n'''", '"""]}\n"""', "bar'('", "'a\\'('", "u'{'",
    "'''unterminated (", "'stray", '"', "f'{{(}}'", "t'{x}'", "F'{x:#o}'", "f'{x:{w}}'",
])
_BINARY = st.sampled_from([
    "+", "-", "*", "/", "//", "%", "@", "**", "<<", ">>", "&", "|", "^", "<", ">", "==", "!=",
    "<=", ">=", "->", ":=", "and", "or", "in", "is", "if", "else", ".", "=", ":",
])
_UNARY = st.sampled_from(["-", "+", "~", "not ", "await ", "lambda: ", "yield ", "from "])
_BLANK = st.sampled_from([" ", "", "\n", "\r\n", "\r", " \\\n", "\\\r\n", "\t", "\f",
                          "  # it's a (comment\n", "#'\r"])


def _compound(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    pieces = st.lists(inner, max_size=4)
    return st.one_of(
        st.tuples(inner, _BLANK, _BINARY, _BLANK, inner).map("".join),
        st.tuples(_UNARY, inner).map("".join),
        st.tuples(st.sampled_from(["(", "[", "{"]), pieces, st.sampled_from([",", ";", ", "]),
                  st.sampled_from([")", "]", "}"])).map(
            lambda group: group[0] + group[2].join(group[1]) + group[3]),
        st.tuples(inner, pieces).map(lambda call: f"{call[0]}({', '.join(call[1])})"),
        st.tuples(st.sampled_from(["f'", 'f"', "rf'", "F'''", 'Rb"', "t'", 'tr"""', "rbf'"]), inner,
                  st.sampled_from(["", "!r", ":>10", ":#x", "=", " # c"])).map(
            lambda fstring: (f"{fstring[0]}x{{{fstring[1]}{fstring[2]}}}y"
                             f"{fstring[0].lstrip('rRbBfFtT')}")),
        st.tuples(inner, _BLANK, inner).map("".join),
    )


_EXPRESSIONS = st.recursive(_LEAVES, _compound, max_leaves=60)
_NOISE = st.sampled_from([")", "]", "}", "(", "[", "{", "()", "[0]", "'", '"""', "#", "\\",
                          "f'{", "}'", 'f"{(}"', "f'{a#(}'", ",", ";"])
_STATEMENTS = st.lists(
    st.tuples(_EXPRESSIONS, st.sampled_from(["\n", "\r\n", "\r", "; ", ",", "\n# '(\n"])),
    max_size=6).map(lambda lines: "".join(code + end for code, end in lines))
_TEXTS = st.one_of(
    _STATEMENTS,
    st.tuples(_STATEMENTS, st.lists(_NOISE, max_size=3).map("".join), _STATEMENTS).map(
        "".join),
    st.lists(st.tuples(st.one_of(_NOISE, _LEAVES, _BINARY, _BLANK), st.integers(1, 12)),
             max_size=12).map(lambda runs: "".join(piece * count for piece, count in runs)),
)


@NESTING
@given(text=_TEXTS, brackets=st.integers(1, 8), depth=st.integers(1, 40))
@example(text='s = f"{(}"\n' + "a + b\n" * 30, brackets=8, depth=20)
@example(text="print(f'{mode:#o}')\n" + "def f(x) -> int: return x\n" * 30, brackets=8,
         depth=20)
@example(text="x = (" + "\\\n-" * 30 + "1)", brackets=8, depth=20)
@example(text="'a' 'b' 'c' 'd' 'e'", brackets=8, depth=3)
def test_with_low_limits_the_fast_path_only_accepts_what_the_scan_accepts(
        text: str, brackets: int, depth: int) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parsing, "MAX_BRACKETS", brackets)
        patch.setattr(parsing, "MAX_DEPTH", depth)
        _assert_sound(text)


@NESTING
@given(text=_STATEMENTS)
def test_with_the_real_limits_the_outcome_is_the_scans(text: str) -> None:
    _assert_sound(text)
    _assert_sound(text * 40)


def test_a_field_that_leaves_a_bracket_open_is_not_taken_for_one_atom() -> None:
    """Counting an f-string as one piece of its own length would accept these.

    `f"{(}"` leaves `{` open in the scan's stack, so the newlines after it no longer end a
    chain. (`{x:#o}` does not: a format spec is text, and `#o` no comment.)
    """
    opened = 's = f"{(}"\n' + "a + b\n" * (MAX_DEPTH + 1)
    assert _exact(opened) is not None
    _assert_sound(opened)
    spec = "print(f'{mode:#o}')\n" + "def f(x) -> int: return x\n" * (MAX_DEPTH + 1)
    assert _exact(spec) is None
    assert parsing._surely_shallow(spec)


@pytest.mark.parametrize(("text", "skeleton"), [
    ("x = 'a' + b", "x=0+b"),
    ("bar'x' rb'{a}' ffff'{a}' xf'{a}'", "bar0rb0ffff0xf0"),  # prefixes as `_TOKEN` has them
    ("(rbf'{a}'", "(rbf{a}0"),
    ("Rf'{a}' (f'{(}'", "Rf{a}0(f{(}0"),  # fields first, then the string's own link
    ("f'{a#(}' + f'''{b\n}'''", "f{a0+f{b\n}0"),  # a field's comment ends with the field
    ("f'{{(}}' + f'{x:{w}}'", "f0+f{x{w}}0"),  # a format spec is text, its fields code
    ("a  # it's (\nb", "a\nb"),
    ("'#' + \\\r\n a", "0+a"),
    ("'a\\\r\nb' 'c\\\nd'", "00"),
    ("x = '''(", "x=0"),  # unterminated triple quotes: a string to the end
    ("x = 'abc(\nd'", "x='abc(\nd'"),  # an unterminated quote is a stray character
])
def test_the_skeleton_reads_strings_and_comments_as_the_scan_does(
        text: str, skeleton: str) -> None:
    assert parsing._skeleton(text) == skeleton


# --- at the limits --------------------------------------------------------------------------

def _brackets(count: int, inner: str = "1") -> str:
    return "x = " + "(" * count + inner + ")" * count


def _chain(count: int) -> str:
    return "-" * count + "1"  # unary minus: one level each


def _in_field(code: str) -> str:
    return f"x = f'{{{code}}}'"


@pytest.mark.parametrize(("text", "refused"), [
    (_brackets(MAX_BRACKETS), False),
    (_brackets(MAX_BRACKETS + 1), True),
    ("x = " + "[" * MAX_BRACKETS + "]" * MAX_BRACKETS, False),
    ("x = " + "{" * MAX_BRACKETS + "}" * MAX_BRACKETS, False),
    (_in_field("(" * (MAX_BRACKETS - 1) + ")" * (MAX_BRACKETS - 1)), False),
    (_in_field("(" * MAX_BRACKETS + ")" * MAX_BRACKETS), True),
    ("f'{f\"{" + "[" * (MAX_BRACKETS - 2) + "]" * (MAX_BRACKETS - 2) + "}\"}'", False),
    ("f'{f\"{" + "[" * (MAX_BRACKETS - 1) + "]" * (MAX_BRACKETS - 1) + "}\"}'", True),
    ("x = " + _chain(MAX_DEPTH - 1), False),
    ("x = " + _chain(MAX_DEPTH), False),
    ("x = " + _chain(MAX_DEPTH + 1), True),
    ("x = " + " + ".join(["a"] * MAX_DEPTH), False),
    ("x = " + " + ".join(["a"] * (MAX_DEPTH + 1)), False),
    ("x = " + " + ".join(["a"] * (MAX_DEPTH + 2)), True),
    ("x = a" + ".b" * MAX_DEPTH, False),
    ("x = a" + ".b" * (MAX_DEPTH + 1), True),
    ("x = (" + "\n".join(["'piece'"] * MAX_DEPTH) + ")", True),  # `(` is a level too
    ("x = (" + "\n".join(["'piece'"] * (MAX_DEPTH - 1)) + ")", False),
    ("x = " + "a\\\n+" * MAX_DEPTH + "a", False),
    ("x = " + "a\\\r\n+" * (MAX_DEPTH + 1) + "a", True),
    ("x = " + "a\n+" * (MAX_DEPTH + 1) + "a", False),  # each line starts a new chain
    (_brackets(MAX_BRACKETS, _chain(MAX_DEPTH - MAX_BRACKETS - 1)), False),
    (_brackets(MAX_BRACKETS, _chain(MAX_DEPTH - MAX_BRACKETS)), False),
    (_brackets(MAX_BRACKETS, _chain(MAX_DEPTH - MAX_BRACKETS + 1)), True),
    (_brackets(MAX_BRACKETS // 2, _chain(MAX_DEPTH - MAX_BRACKETS // 2)), False),
    (_brackets(MAX_BRACKETS // 2, _chain(MAX_DEPTH - MAX_BRACKETS // 2 + 1)), True),
    (_in_field(_chain(MAX_DEPTH - 1)), False),
    (_in_field(_chain(MAX_DEPTH)), True),
    ("x = rbf'{" + _chain(MAX_DEPTH) + "}'", True),
    (_in_field("(" * 99 + _chain(MAX_DEPTH - 100) + ")" * 99), False),
    (_in_field("(" * 99 + _chain(MAX_DEPTH - 99) + ")" * 99), True),
    ("x = '''" + "(" * (MAX_BRACKETS + 1) + "'''  # " + "[" * (MAX_BRACKETS + 1), False),
    ("x = '''\n" + "(" * (MAX_BRACKETS + 1), False),  # unterminated: a string to the end
    ("x = 1\n" + ")" * (MAX_DEPTH + 1), True),  # stray closers: one link each
    ("x = f" + "()" * MAX_DEPTH, False),  # a closed group is one link in its chain
    ("x = f" + "()" * (MAX_DEPTH + 1), True),
    ("x = (a" + "[0]" * (MAX_DEPTH - 1) + ")", False),
    ("x = (a" + "[0]" * MAX_DEPTH + ")", True),
    ("x = (" + " ".join(["f'{a}'"] * (MAX_DEPTH // 2 - 1)) + ")", False),  # two links each
    ("x = (" + " ".join(["f'{a}'"] * (MAX_DEPTH // 2)) + ")", True),
    ("x = '''\\\n''' + " + _chain(MAX_DEPTH) + "  # '''", True),  # escaped newlines
    ("x = '\\\r\n' + " + _chain(MAX_DEPTH) + "  # '", True),
    (_brackets(MAX_BRACKETS, "a, " * 5000), False),  # deep, and mostly in the innermost
    (_brackets(MAX_BRACKETS + 1, "a, " * 5000), True),
    (_brackets(MAX_BRACKETS, "a, " * 5000 + "f'{(1)}'"), True),  # a field's brackets too
    ("x = 1\n" + ")\n" * (MAX_DEPTH + 1), False),
])
def test_near_the_limits_the_outcome_is_the_scans(text: str, refused: bool) -> None:
    assert (_exact(text) is not None) == refused
    _assert_sound(text)
    _assert_sound(text.replace("\n", "\r\n"))
    _assert_sound(text.replace("\n", "\r"))


# --- ordinary code --------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
OWN_SOURCES = sorted([*(ROOT / "src" / "fastmcp_preflight").rglob("*.py"),
                      *(ROOT / "rules").glob("*.py"), *(ROOT / "tests").glob("*.py")])


def _nested_data(depth: int) -> str:
    return "{'key': [1, 2.5, None, f'{x!r:>{width}}']}" if depth == 0 else (
        "{" + ", ".join(f"'k{i}': ({_nested_data(depth - 1)},)" for i in range(2)) + "}")


@pytest.mark.parametrize("text", [
    SERVER,
    SERVER.replace("\n", "\r\n"),
    "x = (" + "\n".join(["'piece'"] * 400) + ")",
    "DATA = " + _nested_data(6) + "\n",
    _brackets(MAX_BRACKETS, "a, " * 5000),  # the bracket bound is exact
])
def test_the_fast_path_accepts_ordinary_code_and_deep_code_it_can_bound(text: str) -> None:
    assert parsing._surely_shallow(text)


@pytest.mark.parametrize("path", OWN_SOURCES, ids=lambda path: path.name)
def test_the_fast_path_accepts_this_projects_own_source(path: Path) -> None:
    assert parsing._surely_shallow(path.read_text(encoding="utf-8"))
