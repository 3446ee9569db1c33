"""Parsing hostile source without crashing the process.

LibCST's native parser recurses on the machine stack: about 1,300 nested brackets or 8,000
chained operators overflow it and kill the process with SIGSEGV (no exception, no report for
any file), and the time it takes grows much faster than the length of an operator chain. So
before parsing, one cheap scan of the tokens bounds how deep the tree can get:

- brackets may nest at most 200 levels deep, CPython's own limit ("too many nested
  parentheses"), so no file Python accepts is refused for that;
- an expression may be at most 1,000 levels deep, estimated from its chains of operators,
  dots, calls and string pieces. The analysis after the parse recurses in Python and gives up
  at a few hundred levels anyway, so this refuses nothing that could have been checked.

Most files are nowhere near either limit, and a few regular-expression passes prove it; only
the others are scanned token by token.

Positions and fixes rely on LibCST giving back the text it parsed, byte for byte; the one
known exception (a form feed in front of code) is refused too, with a message saying so.

The parse itself runs on the main thread when its stack may grow to MAIN_STACK_NEEDED or more
(Linux and macOS give it 8 MiB; the deepest input the limits above let through needs under
3 MiB with LibCST 1.9, and a test checks that it parses with exactly 8 MiB). Anywhere else
(another thread, Windows' 1 MiB, a lower `ulimit -s`) it runs on a thread with a large stack,
so the margin below the overflow does not depend on the platform's defaults (512 KiB for
macOS threads). A thread per file cost 5-8% of the parse (its large stack is mapped and
touched afresh each time), which is why the main thread is preferred.
"""

from __future__ import annotations

import contextlib
import re
import signal
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

import libcst as cst

from fastmcp_preflight.source.lines import LineIndex
from fastmcp_preflight.source.reading import SourceError

MAX_BRACKETS = 200
MAX_DEPTH = 1000
#: Stack of the parsing thread: reserved address space, not memory (pages are touched only as
#: deep as the parser goes).
PARSER_STACK_SIZE = 256 * 1024 * 1024
#: The main thread's stack limit that lets the parse run on it.
MAIN_STACK_NEEDED = 8 * 1024 * 1024

#: A string literal from its opening quote on (unterminated triple quotes run to the end).
_QUOTED = (
    r"'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*(?:'''|\Z)"
    r'|"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*(?:"""|\Z)'
    r"|'[^'\\\r\n]*(?:\\(?:\r\n|.)[^'\\\r\n]*)*'"
    r'|"[^"\\\r\n]*(?:\\(?:\r\n|.)[^"\\\r\n]*)*"'
)
_STRING = rf"[rRbBuUfFtT]{{0,3}}(?:{_QUOTED})"
_TOKEN = re.compile(
    rf"(?P<s>{_STRING})|(?P<w>\w+)|(?P<c>#[^\r\n]*)|(?P<j>\\(?:\r\n|\r|\n))"
    r"|(?P<n>\r\n|\r|\n)|(?P<o>[(\[{])|(?P<x>[)\]}])|(?P<r>[,;])"
    r"|(?P<p>\*\*|//|<<|>>|<=|>=|==|!=|->|:=|[-+*/%@&|^~<>.])",
    re.DOTALL,
)

#: How tightly each operator binds (Python's precedence, loosest first). In a chain of
#: operators of one level each adds a level to the tree; a looser operator ends the tighter
#: chains before it (`a*b + c*d + e*f` is three levels deep, not five).
_UNARY, _ATOM = 12, 15
_LEVEL = {
    "lambda": 0, ":=": 0, "->": 0, "yield": 0, "from": 0, "if": 1, "else": 1, "or": 2,
    "and": 3, "not": 4, "in": 5, "is": 5, "<": 5, ">": 5, "==": 5, "!=": 5, "<=": 5, ">=": 5,
    "|": 6, "^": 7, "&": 8, "<<": 9, ">>": 9, "+": 10, "-": 10, "*": 11, "/": 11, "//": 11,
    "%": 11, "@": 11, "~": _UNARY, "**": 13, "await": 14, ".": _ATOM,
}


class _Segment:
    """The operators chained since the last comma inside one pair of brackets."""

    __slots__ = ("base", "counts", "depth", "operand")

    def __init__(self, base: int) -> None:
        self.base = base
        self.counts = [0] * (_ATOM + 1)
        self.depth = base  # base + sum(counts)
        self.operand = True  # an operand comes next, so `-` and `+` are unary

    def add(self, level: int) -> int:
        counts = self.counts
        for tighter in range(level + 1, _ATOM + 1):
            if counts[tighter]:
                self.depth -= counts[tighter]
                counts[tighter] = 0
        counts[level] += 1
        self.depth += 1
        self.operand = level != _ATOM
        return self.depth

    def reset(self) -> None:
        self.counts = [0] * (_ATOM + 1)
        self.depth = self.base
        self.operand = True


def check_nesting(text: str) -> None:
    """Raise SourceError if ``text`` nests deeper than the parser can safely go.

    An estimate from tokens alone: strings and comments are skipped (but an f-string's
    replacement fields are code, and are scanned), brackets are counted exactly, and an
    expression's depth is its chains of operators summed over its brackets. Most texts are
    cleared without the token scan, by `_surely_shallow`; the outcome is the scan's anyway.
    """
    if not _surely_shallow(text):
        _scan(text, [_Segment(0)], text, 0)


def _scan(code: str, stack: list[_Segment], text: str, offset: int) -> None:
    """Scan ``code``, found at ``offset`` in ``text``, continuing the brackets of ``stack``."""
    top = stack[-1]
    for match in _TOKEN.finditer(code):
        kind = match.lastgroup
        if kind == "w":
            found = _LEVEL.get(match.group())
            if found is None:  # a name or a number
                top.operand = False
                continue
            level = found
        elif kind == "p":
            level = _LEVEL[match.group()]
            if level == 10 and top.operand:
                level = _UNARY
        elif kind == "s":
            level = _ATOM
            literal = match.group()
            prefix = _prefix(literal)
            if ("f" in prefix or "t" in prefix) and "{" in literal:
                _scan(_fields(literal, len(prefix)), stack, text, offset + match.start())
                top = stack[-1]
        elif kind == "o":
            if len(stack) > MAX_BRACKETS:
                raise SourceError(
                    f"too many nested parentheses: brackets nest more than {MAX_BRACKETS} "
                    "levels deep (Python's own limit)",
                    *_position(text, offset + match.start()))
            top = _Segment(top.depth + 1)
            stack.append(top)
            continue
        elif kind == "x":
            if len(stack) > 1:
                stack.pop()
                top = stack[-1]
            level = _ATOM  # the bracketed group is one more link in its chain
        else:
            if kind == "r" or (kind == "n" and len(stack) == 1):
                top.reset()
            continue  # comments, line continuations, newlines inside brackets, stray quotes
        if top.add(level) > MAX_DEPTH:
            raise SourceError(f"too deeply nested to parse: an expression more than {MAX_DEPTH}"
                              " levels deep", *_position(text, offset + match.start()))


_STRING_AT = re.compile(_STRING, re.DOTALL)
_TRIPLE_QUOTES = ("'''", '"""')


def _fields(literal: str, prefix: int) -> str:
    """An f-string literal with everything but its replacement fields' code blanked out.

    The result has the literal's length (so positions still match) and keeps each field with
    its braces, nested brackets and strings (nested f-strings are then scanned in turn). A
    field's format spec (after a `:` directly inside its braces) is text, except for the
    fields nested in it: `{mode:#o}` has no comment in it.
    """
    quote = 3 if literal.startswith(_TRIPLE_QUOTES, prefix) else 1
    end = len(literal) - quote if len(literal) >= prefix + 2 * quote else len(literal)
    kept = [" "] * len(literal)
    depth = 0
    #: For each open field, innermost last: the depth its code is at, and whether the walk
    #: is in its format spec.
    fields: list[tuple[int, bool]] = []
    index = prefix + quote
    while index < end:
        char = literal[index]
        if not fields or fields[-1][1]:  # text: outside the fields, or a format spec
            if not fields and char in "{}" and literal.startswith(char * 2, index):
                index += 2  # {{ and }} are text
                continue
            if char == "{":
                depth += 1
                fields.append((depth, False))
                kept[index] = char
            elif char == "}" and fields:  # the end of the field whose spec this is
                fields.pop()
                depth -= 1
                kept[index] = char
            index += 1
            continue
        if char in "'\"":
            inner = _STRING_AT.match(literal, index, end)
            if inner is not None:
                kept[index:inner.end()] = literal[index:inner.end()]
                index = inner.end()
                continue
        if char == ":" and depth == fields[-1][0]:
            fields[-1] = (depth, True)  # the format spec begins
            index += 1
            continue
        kept[index] = char
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            while fields and depth < fields[-1][0]:  # the field's own brace, or a stray one
                fields.pop()
        index += 1
    return "".join(kept)


def _prefix(literal: str) -> str:
    """The lower-cased prefix letters of a string literal (``rb``, ``f``, ``""``)."""
    return literal[: len(literal) - len(literal.lstrip("rRbBuUfFtT"))].lower()


#: The scan's strings, matched from the opening quote (prefix letters stay behind, as a
#: word), and its comments: starting at a quote or `#`, `re` skips to the next one in C.
_LITERAL_OR_COMMENT = re.compile(rf"{_QUOTED}|#[^\r\n]*", re.DOTALL)
#: Letters `_TOKEN` takes as a string's prefix: at most three, not the end of a longer word
#: (`bar"x"` is the name `bar` and a plain string).
_STRING_PREFIX = re.compile(r"(?<!\w)[rRbBuUfFtT]{1,3}\Z")
#: Blanks and line continuations, which add no level (`\\\r\n` before `\\\r`, which would leave
#: a newline the scan doesn't see).
_BLANKS = (" ", "\t", "\f", "\\\r\n", "\\\n", "\\\r")
_INNERMOST = re.compile(r"[(\[{]([^()\[\]{}]*)[)\]}]")
_BRACKET = re.compile(r"[()\[\]{}]")
#: Passes over the skeleton the rounds may take before giving up (the scan costs about 30).
_ROUNDS_BUDGET = 16


def _surely_shallow(text: str) -> bool:
    """True if ``text`` is sure to pass `_scan`; False if unsure (`_scan` then decides).

    `_scan` is a Python loop over every token; this is a few `re` passes, and accepts nearly
    every real file. It bounds both depths from above on `_skeleton(text)`: the scan's own
    brackets, commas, semicolons and newlines, in its order, and at least one character for
    each token that adds a level. Innermost groups collapse to "0" (a closed group is one
    level where it stands) round by round, so each group goes in the round of its height.
    At any token the depth is at most one per open bracket plus, for each open group and the
    top level, the levels added since its last comma (or top-level newline): at most its
    current piece's length. Open groups' heights differ, so each round counts once, with its
    longest piece; the number of rounds is the bracket depth.
    """
    code = _skeleton(text)
    height = depth = 0
    budget = _ROUNDS_BUDGET * len(code)
    while True:
        parts = _INNERMOST.split(code)  # outside, content, outside, content, ..., outside
        if len(parts) == 1:
            break
        height += 1
        depth += 1 + _longest_piece(",".join(parts[1::2]), ";")
        code = "0".join(parts[::2])
        budget -= len(code)
        if height > MAX_BRACKETS or depth > MAX_DEPTH or budget < 0:
            return False
    if _BRACKET.search(code):  # unmatched: the scan's stack doesn't nest as this text does
        return False
    return depth + _longest_piece(code, ";\r\n") <= MAX_DEPTH  # newlines end top-level chains


def _skeleton(code: str) -> str:
    """``code`` without comments, blanks and continuations, each string literal as "0".

    An f-string with fields becomes its fields' skeleton and then "0", since `_scan` scans
    them first, continuing the same brackets. No character the scan reads as a bracket,
    comma, semicolon or newline is added (some newlines may go, which only merges pieces).
    """
    code = _LITERAL_OR_COMMENT.sub(_stand_in, code)
    for blank in _BLANKS:
        code = code.replace(blank, "")
    return code


def _stand_in(match: re.Match[str]) -> str:
    """What `_skeleton` keeps of a string literal or comment."""
    literal = match.group()
    if literal.startswith("#"):
        return ""
    if "{" in literal:  # as in `_scan`, from the literal with its prefix
        start = match.start()
        letters = _STRING_PREFIX.search(match.string, max(start - 3, 0), start)
        literal = (letters.group() if letters else "") + literal
        prefix = _prefix(literal)
        if "f" in prefix or "t" in prefix:
            return _skeleton(_fields(literal, len(prefix))) + "0"
    return "0"


def _longest_piece(code: str, breaks: str) -> int:
    """The length of the longest piece of ``code`` between commas and any of ``breaks``."""
    for stop in breaks:
        code = code.replace(stop, ",")
    return max(map(len, code.split(",")))


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset`` (any of the three newline styles ends a line)."""
    return LineIndex(text).point(offset)


_T = TypeVar("_T")
_stack_size_lock = threading.Lock()


def _on_large_stack(function: Callable[[str], _T], argument: str) -> _T:
    """``function(argument)`` on a thread with a PARSER_STACK_SIZE stack; re-raises its error.

    Ctrl-C is held back (POSIX) while the thread runs and arrives as soon as it is done: a
    KeyboardInterrupt that lands in `Thread.start` or `join` leaves a thread the interpreter
    can't account for, and its exit then aborts (SIGABRT, not exit 130). The parse of one
    file can't be stopped midway anyway. (On Windows Ctrl-C doesn't interrupt a join.)
    """
    outcome: list[_T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(function(argument))
        except BaseException as error:  # handed to the calling thread, re-raised there
            failure.append(error)

    with _stack_size_lock, _sigint_held():
        try:
            previous = threading.stack_size(PARSER_STACK_SIZE)
        except (ValueError, RuntimeError):  # a platform that can't: parse on this thread
            return function(argument)
        try:
            thread = threading.Thread(target=target, name="fastmcp-lint-parser", daemon=True)
            thread.start()
        finally:
            threading.stack_size(previous)
        thread.join()
    if failure:
        raise failure[0]
    return outcome[0]


@contextlib.contextmanager
def _sigint_held() -> Iterator[None]:
    """Block SIGINT in this thread (and the threads it starts) for the block's duration."""
    if (not hasattr(signal, "pthread_sigmask")
            or threading.current_thread() is not threading.main_thread()):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def parse_module(text: str) -> cst.Module:
    """Parse ``text`` with LibCST, or raise SourceError if it nests too deeply to parse safely.

    Otherwise raises what ``libcst.parse_module`` raises for text that doesn't parse.
    """
    check_nesting(text)
    if _main_stack_suffices():
        module = cst.parse_module(text)
    else:
        module = _on_large_stack(cst.parse_module, text)
    if "\f" in text:
        _check_round_trip(module, text)
    return module


def _main_stack_suffices() -> bool:
    """Whether this is the main thread and its stack may grow to MAIN_STACK_NEEDED."""
    if threading.current_thread() is not threading.main_thread():
        return False
    try:
        import resource
    except ImportError:  # Windows, whose main thread has 1 MiB
        return False
    soft, _ = resource.getrlimit(resource.RLIMIT_STACK)
    return soft == resource.RLIM_INFINITY or soft >= MAIN_STACK_NEEDED


def _check_round_trip(module: cst.Module, text: str) -> None:
    """Refuse a file LibCST would not write back byte for byte up to its last statement.

    LibCST drops a form feed (and the blanks before it) in front of code on a line: positions
    after it would be off, and a fix would be applied in the wrong place. Only files with a
    form feed are checked, since a code generation costs about as much as the parse. (LibCST
    also drops blank lines before a last line of only blanks or a comment; that is after every
    node, so no position moves, and fixes edit the file's own text, so nothing is lost.)
    """
    code = module.with_changes(footer=()).code
    if text.startswith(code):
        return
    first = next((i for i, (a, b) in enumerate(zip(code, text, strict=False)) if a != b),
                 min(len(code), len(text)))
    line, column = _position(text, first)
    raise SourceError(f"a form feed in front of code at line {line} (LibCST drops it, so "
                      "positions and fixes would be wrong): put the form feed on a line of "
                      "its own", line, column)
