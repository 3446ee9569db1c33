"""Hostile input: a folder of files built to break a linter, linted by the real command.

The command runs in a subprocess, so a crash shows up as what a user would see (a traceback,
a signal, a wrong exit status) rather than as an exception pytest catches. Every file that
can't be read, decoded or parsed must be exactly one FML000 saying why; every other file is
still checked (the ones with a known problem must report it); nothing prints a traceback.
"""

from __future__ import annotations

import codecs
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fastmcp_preflight.source import parsing, reading

#: One known problem, on line 3 (FML101 at 3:5), so a checked file is visibly checked.
SLEEPY = "import time\nasync def tool():\n    time.sleep(1)\n"
SLEEPY_AT = (3, 5)

# Runs the command with two races made deterministic at the point the file is opened:
# vanishing.py is deleted after discovery found it, and locked.py can't be opened (the tests
# run as root, for whom chmod 000 changes nothing).
DRIVER = textwrap.dedent("""\
    import errno, os, sys

    real_open = os.open

    def hostile_open(path, flags, *args, **kwargs):
        name = os.path.basename(os.fsdecode(path))
        if name == "vanishing.py" and os.path.lexists(path):
            os.unlink(path)
        if name == "locked.py":
            raise PermissionError(errno.EACCES, "Permission denied", os.fsdecode(path))
        return real_open(path, flags, *args, **kwargs)

    os.open = hostile_open
    from fastmcp_preflight.cli import main
    main(sys.argv[1:])
""")


def _big_server(size: int) -> str:
    """A generated but ordinary FastMCP server of about ``size`` characters, one problem at
    its very end (so the whole file must have been checked to find it)."""
    parts = ["from fastmcp import FastMCP\nimport time\n\nmcp = FastMCP('big')\n"]
    length, index = len(parts[0]), 0
    while length < size:
        chunk = (f"\n\n@mcp.tool\nasync def tool_{index}(city: str, days: int = 3) -> dict:\n"
                 f'    """Forecast number {index} for a city over a few days."""\n'
                 f"    data = {{'city': city, 'days': days, 'values': [1, 2, {index}]}}\n"
                 "    for day in range(days):\n"
                 f"        data['values'].append(day * {index} + len(city))\n"
                 "    return data\n")
        parts.append(chunk)
        length += len(chunk)
        index += 1
    parts.append("\n\nasync def last():\n    time.sleep(1)\n")
    return "".join(parts)


# name -> (bytes, what the report must say about it): a fragment of its one FML000 message,
# or ("FML101", line, column) for a file that is checked and has that problem, or None for a
# file that is checked and has no problem.
Expected = str | tuple[str, int, int] | None
HOSTILE: dict[str, tuple[bytes, Expected]] = {
    # --- files that must be checked normally ---------------------------------------------------
    "good.py": (SLEEPY.encode(), ("FML101", *SLEEPY_AT)),
    "empty.py": (b"", None),
    "only_bom.py": (codecs.BOM_UTF8, None),
    "only_comment_no_newline.py": (b"# nothing here", None),
    "only_blank_lines.py": (b"\n\n   \n\t\n", None),
    "bom.py": (codecs.BOM_UTF8 + SLEEPY.encode(), ("FML101", *SLEEPY_AT)),
    "crlf.py": (SLEEPY.replace("\n", "\r\n").encode(), ("FML101", *SLEEPY_AT)),
    "cr_only.py": (SLEEPY.replace("\n", "\r").encode(), ("FML101", *SLEEPY_AT)),
    "mixed_endings.py": (b"import time\r\nasync def tool():\r    time.sleep(1)\n",
                         ("FML101", *SLEEPY_AT)),
    "bom_crlf.py": (codecs.BOM_UTF8 + SLEEPY.replace("\n", "\r\n").encode(),
                    ("FML101", *SLEEPY_AT)),
    "latin1.py": ("# -*- coding: latin-1 -*-\nimport time\nasync def café():\n"
                  "    time.sleep(1)  # déjà vu\n".encode("latin-1"), ("FML101", 4, 5)),
    "cp1252.py": ("# coding: cp1252\nimport time\nasync def tool():\n"
                  "    time.sleep(1)  # €100 “quoted”\n".encode("cp1252"), ("FML101", 4, 5)),
    "unicode_escape_cookie.py": (b"# coding: unicode_escape\n" + SLEEPY.encode(),
                                 ("FML101", 4, 5)),
    "no_final_newline.py": (SLEEPY.rstrip("\n").encode(), ("FML101", *SLEEPY_AT)),
    "form_feed_own_line.py": (b"import time\n\x0c\nasync def tool():\n\ttime.sleep(1)\n",
                              ("FML101", 4, 2)),
    "tabs.py": (b"import time\nasync def tool():\n\tif True:\n\t\ttime.sleep(1)\n",
                ("FML101", 4, 3)),
    "line_separators.py": ('x = "a\u2028b\x1c\x85"  # \u2028 \x0b\n'.encode() + SLEEPY.encode(),
                           ("FML101", 4, 5)),
    "emoji_and_rtl.py": ('s = "🐍\u202e evil \u202c"  # 🔥\n'.encode() + SLEEPY.encode(),
                         ("FML101", 4, 5)),
    "soft_keywords.py": (b"match = case = type = _ = 1\n" + SLEEPY.encode(), ("FML101", 4, 5)),
    "match_statement.py": (b"import time\nasync def tool(x):\n    match x:\n"
                           b"        case [1, *rest] | {'k': rest}:\n            time.sleep(1)\n"
                           b"        case _:\n            pass\n", ("FML101", 5, 13)),
    "pep695_generics.py": (b"import time\ntype Pair[T] = tuple[T, T]\nclass Box[T]: ...\n"
                           b"async def tool[T](x: T) -> T:\n    time.sleep(1)\n    return x\n",
                           ("FML101", 5, 5)),
    "pep701_fstrings.py": (b'import time\nx = f"{"same quotes"}" + f"{x:{"w"}}"\n'
                           b'y = f"{f"{f"{1}"}"}" + f"{\n  1  # a comment\n}"\n'
                           b"async def tool():\n    time.sleep(1)\n", ("FML101", 7, 5)),
    "newer_syntax.py": (b"import time\ntry:\n    pass\nexcept* ValueError:\n    pass\n"
                        b"with (open('a') as a, open('b') as b):\n    pass\n"
                        b"def f(a, /, b, *, c): ...\nasync def tool():\n    time.sleep(1)\n",
                        ("FML101", 10, 5)),
    "compile_time_errors.py": (b"return 1\nawait x\nyield 2\nbreak\nnonlocal q\n"
                               + SLEEPY.encode(), ("FML101", 8, 5)),
    "deep_but_fine.py": (("x = " + "[" * 150 + "]" * 150 + "\ny = "
                          + " + ".join(["1"] * 300) + "\n" + SLEEPY).encode(),
                         ("FML101", 5, 5)),
    "very_long_line.py": (("x = '" + "a" * 1_000_000 + "'\n" + SLEEPY).encode(),
                          ("FML101", 4, 5)),
    "many_statements.py": (("x = 1\n" * 2_000 + SLEEPY).encode(), ("FML101", 2_003, 5)),
    "weird_noqa.py": (b"import time\nasync def tool():\n    time.sleep(1)  # noqa: ,,FML,\n"
                      b"# fastmcp-lint: noqa:::\n", None),
    "alias_cycles.py": (b"a = b\nb = a\nimport time as t\nt = t\nclass A(B): ...\n"
                        b"class B(A): ...\ndef f(): return f()\n", None),
    "x.py/inner.py": (SLEEPY.encode(), ("FML101", *SLEEPY_AT)),  # a folder named x.py
    "dir with spaces/my server.py": (SLEEPY.encode(), ("FML101", *SLEEPY_AT)),
    "ünïcødé/サーバー.py": (SLEEPY.encode(), ("FML101", *SLEEPY_AT)),
    "-rf.py": (SLEEPY.encode(), ("FML101", *SLEEPY_AT)),
    ".py": (SLEEPY.encode(), ("FML101", *SLEEPY_AT)),
    "/".join(f"d{i}" for i in range(40)) + "/deep_folder.py": (SLEEPY.encode(),
                                                               ("FML101", *SLEEPY_AT)),
    "big_generated.py": (_big_server(256 * 1024).encode(), ("FML101", -1, 5)),
    "notebook_json.py": (b'{"cells": [], "metadata": {"x": true}, "nbformat": 4}\n', None),
    "[glob] chars.py": (SLEEPY.encode(), ("FML101", *SLEEPY_AT)),
    "decorators_5000.py": (b"@d\n" * 5000 + b"def f(): pass\n", None),
    "elif_chain_500.py": (b"if x:\n    pass\n" + b"elif x:\n    pass\n" * 500, None),
    "long_identifier.py": (b"a" * 200_000 + b" = 1\n" + SLEEPY.encode(), ("FML101", 4, 5)),
    # --- files that must be one FML000 each ---------------------------------------------------
    "binary.py": (bytes(range(256)) * 64, "NUL byte at line 1"),
    "nul_byte.py": (b"x = 1\ny = 2\x00\n", "NUL byte at line 2"),
    "utf16.py": ("x = 1\n".encode("utf-16"), "UTF-16"),
    "utf32.py": ("x = 1\n".encode("utf-32"), "UTF-32"),
    "undecodable.py": (b"x = 1\ny = '\xff\xfe'\n", "not valid utf-8: byte 0xff at line 2"),
    "lone_surrogate_utf8.py": (b"x = '\xed\xa0\x80'\n", "not valid utf-8"),
    "unknown_cookie.py": (b"# coding: klingon\nx = 1\n", "unknown encoding 'klingon'"),
    "bytes_codec_cookie.py": (b"# coding: hex\nx = 1\n", "'hex'"),
    "bom_and_cookie.py": (codecs.BOM_UTF8 + b"# coding: latin-1\nx = 1\n", "byte order mark"),
    "cp1252_undefined.py": (b"# coding: cp1252\nx = '\x81'\n",
                            "not valid cp1252: byte 0x81 at line 2"),
    "python2_print.py": (b"print 'hello'\n", "Missing parentheses in call to 'print'"),
    "python2_misc.py": (b"x = `1`\nif x <> 2:\n    exec 'y = 1'\n", "syntax error"),
    "unterminated.py": (b"x = '''\nnever closed\n", "unterminated triple-quoted string"),
    "unclosed_bracket.py": (b"x = (1,\n", "was never closed"),
    "backslash_at_eof.py": (b"x = 1 \\", "syntax error"),
    "bad_dedent.py": (b"if x:\n        a\n    b\n", "unindent does not match"),
    "tabs_and_spaces.py": (b"def f():\n\tif x:\n        return 1\n", "inconsistent use of tabs"),
    "nbsp.py": ("x\u00a0= 1\n".encode(), "non-printable character U+00A0"),
    "form_feed_before_code.py": (b"x = 1\n\x0cdef f():\n    pass\n", "form feed"),
    "deep_parens.py": (("(" * 5000 + ")" * 5000 + "\n").encode(), "too many nested parentheses"),
    "deep_list.py": (("x = " + "[" * 2000 + "]" * 2000 + "\n").encode(),
                     "too many nested parentheses"),
    "deep_unary.py": (("-" * 100_000 + "1\n").encode(), "too deeply nested"),
    "deep_not.py": (("x = " + "not " * 20_000 + "y\n").encode(), "too deeply nested"),
    "deep_lambda.py": (("x = " + "lambda: " * 5_000 + "1\n").encode(), "too deeply nested"),
    "long_operator_chain.py": (("x = " + " + ".join(["1"] * 50_000) + "\n").encode(),
                               "too deeply nested"),
    "long_attribute_chain.py": (("x = a" + ".b" * 50_000 + "\n").encode(), "too deeply nested"),
    "long_call_chain.py": (("x = f" + "()" * 20_000 + "\n").encode(), "too deeply nested"),
    "deep_indentation.py": ("".join("    " * i + "if x:\n" for i in range(120)).encode()
                            + b"    " * 120 + b"pass\n", "too many levels of indentation"),
    "huge_10mb.py": (("x = 1\n" * (10 * 1024 * 1024 // 6 + 1)).encode(), "too large"),
    "ctrl_z.py": (b"x = 1\n\x1a\n", "non-printable character U+001A"),
    "bom_in_the_middle.py": ("x = 1\n\ufeffy = 2\n".encode(), "non-printable character U+FEFF"),
    "cookie_that_lies.py": ('# coding: ascii\nx = "é"\n'.encode(), "not valid ascii"),
    # LibCST's own message since 1.5; CPython's before (either says what is wrong)
    "zero_width_joiner.py": ("x\u200d = 1\n".encode(),
                             "not a valid identifier|invalid non-printable character U+200D"),
    "elif_chain_3000.py": (b"if x:\n    pass\n" + b"elif x:\n    pass\n" * 3000,
                           "too deeply nested"),
}


#: The files that make a run slow; the --fix test does without them.
BIG = frozenset({"big_generated.py", "very_long_line.py", "many_statements.py", "huge_10mb.py"})


def _write_folder(root: Path, skip: frozenset[str] = frozenset()) -> dict[str, Expected]:
    """The hostile folder; returns what is expected for each display path."""
    expected: dict[str, Expected] = {}
    for name, (data, outcome) in HOSTILE.items():
        if name in skip:
            continue
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if isinstance(outcome, tuple) and outcome[1] == -1:  # "on the last line"
            outcome = (outcome[0], data.count(b"\n"), outcome[2])
        expected[name] = outcome
    # files that go wrong between discovery and reading
    (root / "vanishing.py").write_text(SLEEPY)
    expected["vanishing.py"] = "no longer exists"
    (root / "locked.py").write_text(SLEEPY)
    (root / "locked.py").chmod(0)
    expected["locked.py"] = "Permission denied"
    if hasattr(os, "symlink"):
        (root / "dangling.py").symlink_to(root / "nowhere.py")
        expected["dangling.py"] = "symbolic link to a file that does not exist"
        (root / "self_loop.py").symlink_to(root / "self_loop.py")
        expected["self_loop.py"] = "symbolic link loop"
        (root / "loop_a.py").symlink_to(root / "loop_b.py")
        (root / "loop_b.py").symlink_to(root / "loop_a.py")
        expected["loop_a.py"] = expected["loop_b.py"] = "symbolic link loop"
        (root / "folder_loop").mkdir()
        (root / "folder_loop" / "up").symlink_to(root, target_is_directory=True)
        (root / "folder_loop" / "self").symlink_to(root / "folder_loop",
                                                   target_is_directory=True)
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "fifo.py")  # not source code: skipped, and never opened (it'd block)
    if sys.platform == "linux":  # a file name that isn't valid UTF-8
        (root / os.fsdecode(b"bad\xffname.py")).write_text(SLEEPY)
        expected["bad\\xffname.py"] = ("FML101", *SLEEPY_AT)
    # a repository whose .gitignore is garbage: bad patterns and bytes are skipped, as git does
    (root / ".git").mkdir()
    (root / ".gitignore").write_bytes(b"\xff\xfe[\n!\n\\\n***.pyc\n[z-a].py\nignored_*.py\n")
    (root / "ignored_by_git.py").write_text("x = (\n")
    return expected


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (root / "vanishing.py").write_text(SLEEPY)  # the driver deletes it as it is opened
    return subprocess.run(
        [sys.executable, "-c", DRIVER, *args], cwd=root, capture_output=True, text=True,
        encoding="utf-8", errors="replace", timeout=300,
        env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": os.pathsep.join(sys.path)})


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Expected]]:
    root = tmp_path_factory.mktemp("hostile")
    return root, _write_folder(root)


def test_every_bad_file_is_one_fml000_and_every_good_file_is_checked(
        hostile: tuple[Path, dict[str, Expected]]) -> None:
    root, expected = hostile
    run = _run(root, "--format", "json", ".")
    assert "Traceback" not in run.stdout + run.stderr, run.stderr
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    by_path: dict[str, list[dict[str, object]]] = {}
    for diagnostic in report["diagnostics"]:
        by_path.setdefault(str(diagnostic["path"]), []).append(diagnostic)

    problems: list[str] = []
    for path, outcome in sorted(expected.items()):
        found = by_path.pop(path, [])
        codes = [(d["code"], d["line"], d["column"]) for d in found]
        if isinstance(outcome, str):
            if len(found) != 1 or found[0]["code"] != "FML000":
                problems.append(f"{path}: expected one FML000, got {codes}")
            elif not any(part in str(found[0]["message"]) for part in outcome.split("|")):
                problems.append(f"{path}: FML000 {found[0]['message']!r} lacks {outcome!r}")
        else:
            errors = [str(d["message"])[:120] for d in found if d["code"] == "FML000"]
            if errors:
                problems.append(f"{path}: expected to be checked, got FML000 {errors}")
            elif outcome is not None and outcome not in codes:
                problems.append(f"{path}: expected {outcome}, got {codes}")
    assert not problems, "\n".join(problems)
    # the only other diagnostics are project-wide ones (FML401: no health check)
    assert {d["code"] for found in by_path.values() for d in found} <= {"FML401"}, by_path
    assert report["summary"]["files"] == len(expected)


@pytest.mark.parametrize("fmt", ["text", "concise", "github", "sarif", "gitlab", "checklist"])
def test_every_format_reports_the_hostile_folder_without_a_traceback(
        hostile: tuple[Path, dict[str, Expected]], fmt: str) -> None:
    root, _ = hostile
    run = _run(root, "--format", fmt, ".")
    assert "Traceback" not in run.stdout + run.stderr, run.stderr
    assert run.returncode == 1, run.stderr


def test_stdout_that_cannot_encode_the_names_escapes_them(
        hostile: tuple[Path, dict[str, Expected]]) -> None:
    root, _ = hostile
    run = subprocess.run(
        [sys.executable, "-m", "fastmcp_preflight", "--format", "concise", "."], cwd=root,
        capture_output=True, timeout=300,
        env={**os.environ, "PYTHONIOENCODING": "ascii", "PYTHONPATH": os.pathsep.join(sys.path)})
    assert b"Traceback" not in run.stdout + run.stderr, run.stderr
    assert run.returncode == 1
    assert b"\\u30b5\\u30fc\\u30d0\\u30fc.py:3:5: FML101" in run.stdout


def test_fixing_the_hostile_folder_changes_only_what_it_should(
        tmp_path: Path) -> None:
    """--unsafe-fixes over the folder: bad files keep every byte; no temporary file remains."""
    root = tmp_path / "hostile"
    root.mkdir()
    _write_folder(root, skip=BIG)
    before = {p: p.read_bytes() for p in root.rglob("*")
              if p.is_file() and not p.is_symlink() and p.name != "locked.py"
              and not p.is_fifo()}
    run = _run(root, "--unsafe-fixes", "--format", "concise", ".")
    assert "Traceback" not in run.stdout + run.stderr, run.stderr
    assert run.returncode == 1
    changed = {p.relative_to(root).as_posix() for p, data in before.items()
               if p.exists() and p.read_bytes() != data}
    fixable = {name for name, (_, outcome) in HOSTILE.items()
               if isinstance(outcome, tuple)}
    assert changed <= fixable | {"vanishing.py", os.fsdecode(b"bad\xffname.py")}, changed
    assert "good.py" in changed and "bom_crlf.py" in changed and "latin1.py" in changed
    # a fixed file keeps its encoding, BOM and line endings
    assert (root / "bom_crlf.py").read_bytes().startswith(codecs.BOM_UTF8)
    assert b"\r\n" in (root / "bom_crlf.py").read_bytes()
    assert b"\n" not in (root / "bom_crlf.py").read_bytes().replace(b"\r\n", b"")
    assert "déjà".encode("latin-1") in (root / "latin1.py").read_bytes()
    # an encoding that can't give its bytes back is never rewritten
    assert "unicode_escape_cookie.py" not in changed
    assert not list(root.rglob("*.fastmcp-lint")) and not list(root.rglob(".*.tmp"))


# --- the pieces, in-process ----------------------------------------------------------------------


def test_read_source_reports_a_permission_error(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.py"
    path.write_text("x = 1\n")
    real_open = os.open

    def refuse(target: object, *args: object, **kwargs: object) -> int:
        if os.fspath(target) == os.fspath(path):  # type: ignore[call-overload]
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(target, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(reading.SourceError, match="cannot read the file: Permission denied"):
        reading.read_source(path)


def test_read_source_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    with pytest.raises(reading.SourceError, match="is a directory"):
        reading.read_source(tmp_path)
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo.py")
        with pytest.raises(reading.SourceError, match="not a regular file"):
            reading.read_source(tmp_path / "fifo.py")  # returns at once: never blocks


def test_an_inexact_encoding_refuses_to_encode() -> None:
    source = reading.decode(b"# coding: unicode_escape\nx = 1\n")
    assert not source.exact
    with pytest.raises(reading.SourceError, match="not rewritten"):
        source.encode(source.text)
    assert reading.decode("# coding: latin-1\nx = 'é'\n".encode("latin-1")).exact


@pytest.mark.parametrize("text", [
    "x = " + "[" * 200 + "]" * 200,
    "x = " + "-" * 999 + "1",
    "x = " + " + ".join(["a*b"] * 900),  # 900 levels deep, not 1,800: precedence counts
    "x = (" + "\n".join(["'piece'"] * 900) + ")",
    "x = {" + ", ".join(f"'k{i}': [{i}, ({i},)]" for i in range(1000)) + "}",
    "s = '((((((((((' * 300 + \"[[[[\" + '''" + "(" * 500 + "'''",  # brackets in strings
    # a format spec is text: `#o` is no comment, so no brace stays open for the rest
    "print(f'{mode:#o} {x:{width}.{precision}f} {y!r:>{n}}')\n"
    + "def f(x) -> int: return x\n" * 1001,
])
def test_nesting_guard_lets_deep_but_parseable_code_through(text: str) -> None:
    parsing.parse_module(text + "\n")


@pytest.mark.parametrize(("text", "message", "column"), [
    ("x = " + "[" * 201 + "]" * 201, "too many nested parentheses", 205),
    ("x = " + "-" * 1001 + "1", "too deeply nested", 1005),
    ("x = " + " + ".join(["1"] * 1002), "too deeply nested", None),
    ("x = " + "f'{" * 3 + "(" * 200 + "1" + ")" * 200 + "}'" * 3, "too many nested", None),
])
def test_nesting_guard_refuses_before_the_parser_overflows(
        text: str, message: str, column: int | None) -> None:
    with pytest.raises(reading.SourceError, match=message) as refused:
        parsing.parse_module("import os\n" + text + "\n")
    assert refused.value.line == 2
    if column is not None:
        assert refused.value.column == column


#: The deepest code of each kind the nesting guard lets through (lambdas take the most
#: stack of the parser per level).
AT_THE_LIMITS = [
    "x = " + "(" * 199 + "lambda: " * 795 + "1" + ")" * 199,
    "x = " + "{1: " * 199 + "lambda: " * 795 + "1" + "}" * 199,
    "x = " + "lambda: " * 995 + "1",
    "x = " + "not " * 995 + "y",
    "x = a" + ".b" * 995,
    "x = " + "[" * 199 + "-" * 795 + "1" + "]" * 199,
]


def test_code_at_the_guards_limits_parses_on_the_main_thread_and_off_it() -> None:
    """The parse runs on the main thread when its stack limit is MAIN_STACK_NEEDED (Linux's
    and macOS's default): the deepest code the guard lets through must parse there, here with
    the limit set to exactly that. On a thread with a small stack (1 MiB, Windows' default)
    the parse must move to a thread with a large one. (A crash is a signal: a subprocess.)"""
    resource = pytest.importorskip("resource", reason="no stack limits on this platform")
    script = textwrap.dedent(f"""\
        import threading
        from fastmcp_preflight.source import parsing
        assert parsing._main_stack_suffices()
        texts = [text + "\\n" for text in {AT_THE_LIMITS!r}]
        for text in texts:
            parsing.parse_module(text)
        print("main thread", len(texts))
        def off_main():
            assert not parsing._main_stack_suffices()
            for text in texts[2:]:  # the brackets are slow to parse, and need less stack
                parsing.parse_module(text)
            print("small thread", len(texts) - 2)
        threading.stack_size(1024 * 1024)
        worker = threading.Thread(target=off_main)
        worker.start()
        worker.join()
    """)

    def limit_stack() -> None:
        resource.setrlimit(resource.RLIMIT_STACK, (parsing.MAIN_STACK_NEEDED,
                                                   resource.getrlimit(resource.RLIMIT_STACK)[1]))

    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          preexec_fn=limit_stack, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    count = len(AT_THE_LIMITS)
    assert done.stdout.split("\n")[:2] == [f"main thread {count}", f"small thread {count - 2}"]
