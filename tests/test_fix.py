"""`--fix`, `--unsafe-fixes` and `--diff` on real files: safe by construction."""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

import pytest
from cli_runner import run

BEFORE = """\
import time


async def tool():
    time.sleep(1)
    return 1
"""
AFTER = """\
import asyncio


async def tool():
    await asyncio.sleep(1)
    return 1
"""
#: The same, when `time` is still used elsewhere: its import stays.
AFTER_KEEPING_TIME = AFTER.replace("import asyncio\n", "import asyncio\nimport time\n")



@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_fix_rewrites_and_is_idempotent(folder: Path, capsys) -> None:
    target = folder / "server.py"
    target.write_text(BEFORE)
    target.chmod(0o750)
    code, out, _ = run(["--fix", "--select", "FML101"], capsys)
    assert code == 0
    assert "Fixed 1 problem." in out
    assert target.read_text() == AFTER
    assert stat.S_IMODE(target.stat().st_mode) == 0o750
    assert not list(folder.glob(".server.py.*"))  # no temporary file left
    assert run(["--fix", "--select", "FML101"], capsys)[0] == 0
    assert target.read_text() == AFTER


def test_diff_shows_and_writes_nothing(folder: Path, capsys) -> None:
    target = folder / "server.py"
    target.write_text(BEFORE)
    code, out, err = run(["--diff", "--select", "FML101"], capsys)
    assert code == 1
    assert "--- a/server.py" in out and "+++ b/server.py" in out
    assert "-    time.sleep(1)" in out and "+    await asyncio.sleep(1)" in out
    assert "+import asyncio" in out
    assert "1 fix would be applied" in err
    assert target.read_text() == BEFORE
    target.write_text(AFTER)
    assert run(["--diff", "--select", "FML101"], capsys)[:2] == (0, "")


def test_crlf_and_bom_are_kept(folder: Path, capsys) -> None:
    target = folder / "server.py"
    target.write_bytes(codecs.BOM_UTF8 + BEFORE.replace("\n", "\r\n").encode())
    run(["--fix", "--select", "FML101"], capsys)
    assert target.read_bytes() == codecs.BOM_UTF8 + AFTER.replace("\n", "\r\n").encode()


@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"])
def test_every_line_ending_is_fixed_in_place_and_compiles(folder: Path, capsys,
                                                          newline: str) -> None:
    """Lines end at a lone CR too: the fix lands on the call, the noqa on its own line still
    counts, and the file keeps its line endings."""
    target = folder / "server.py"
    source = BEFORE + "\n\nasync def kept():\n    time.sleep(2)  # noqa: FML101\n"
    target.write_bytes(source.replace("\n", newline).encode())
    code, _, _ = run(["--fix", "--select", "FML101", "--no-cache"], capsys)
    fixed = target.read_bytes().decode()
    expected = AFTER_KEEPING_TIME + "\n\nasync def kept():\n    time.sleep(2)  # noqa: FML101\n"
    assert (code, fixed) == (0, expected.replace("\n", newline))
    compile(fixed, "server.py", "exec")


def test_mixed_line_endings_are_fixed_where_they_are(folder: Path, capsys) -> None:
    target = folder / "server.py"
    target.write_bytes(b"import time\r\n\rasync def tool():\n    time.sleep(1)\r    return 1\r\n")
    run(["--fix", "--select", "FML101", "--no-cache"], capsys)
    assert target.read_bytes() == (b"import asyncio\r\n\rasync def tool():\n"
                                   b"    await asyncio.sleep(1)\r    return 1\r\n")


MODULE_AWAIT = '''
import libcst as cst

from fastmcp_preflight.api import Fix, Rule


class AwaitEverything(Rule):
    """Test rule: a fix that parses (LibCST accepts a module-level await) but cannot compile."""

    code = "FML990"
    name = "await-everything"
    severity = "warning"
    checklist = "(tool quality)"
    summary = "awaits a name"
    what = why = instead = "test"

    def visit_Expr(self, node: cst.Expr) -> None:
        if isinstance(node.value, cst.Name):
            self.report(node, "await it", fix=Fix("safe", ((node.value, cst.Await(node.value)),)))
'''


def test_a_fix_that_would_not_compile_is_not_written(folder: Path, capsys) -> None:
    (folder / "pyproject.toml").write_text("[tool.fastmcp-lint]\nplugins = ['awaits.py']\n")
    (folder / "awaits.py").write_text(MODULE_AWAIT)
    target = folder / "server.py"
    target.write_text("import asyncio\n\nready = asyncio.sleep(0)\nready\n")
    code, out, _ = run(["server.py", "--fix", "--select", "FML990", "--no-cache",
                        "--format", "concise"], capsys)
    assert target.read_text() == "import asyncio\n\nready = asyncio.sleep(0)\nready\n"
    assert code == 1
    assert "server.py:4:1: FML990 await it" in out
    assert ("server.py:1:1: FML000 fixes not applied: the fixed code would not compile: "
            "SyntaxError: 'await' outside function (line 4)") in out
    code, out, err = run(["server.py", "--diff", "--select", "FML990", "--no-cache"], capsys)
    assert (code, out) == (1, "")
    assert err.endswith("fastmcp-lint: server.py: fixes not applied: the fixed code would not "
                        "compile: SyntaxError: 'await' outside function (line 4)\n")


def test_latin1_file_keeps_its_encoding(folder: Path, capsys) -> None:
    target = folder / "server.py"
    source = "# -*- coding: latin-1 -*-\n" + BEFORE + "NAME = 'café'\n"
    target.write_bytes(source.encode("latin-1"))
    run(["--fix", "--select", "FML101"], capsys)
    fixed = target.read_bytes().decode("latin-1")
    assert "await asyncio.sleep(1)" in fixed and "café" in fixed


def test_two_fixes_in_one_statement_take_two_passes(folder: Path, capsys) -> None:
    target = folder / "server.py"
    target.write_text("import time\n\n\nasync def tool():\n    time.sleep(time.sleep(1))\n")
    run(["--fix", "--select", "FML101"], capsys)
    assert target.read_text() == ("import asyncio\n\n\nasync def tool():\n"
                                  "    await asyncio.sleep(await asyncio.sleep(1))\n")


def test_read_only_file_is_reported_and_left_alone(folder: Path, capsys) -> None:
    target = folder / "server.py"
    target.write_text(BEFORE)
    target.chmod(0o444)
    try:
        code, out, _ = run(["--fix", "--select", "FML101", "--format", "concise"], capsys)
    finally:
        os.chmod(target, 0o644)
    assert code == 1
    assert "FML000 fixes not written: the file is read-only" in out
    assert target.read_text() == BEFORE


def test_file_with_syntax_error_is_never_touched(folder: Path, capsys) -> None:
    target = folder / "server.py"
    broken = BEFORE + "def (:\n"
    target.write_text(broken)
    code, out, _ = run(["--fix", "--format", "concise"], capsys)
    assert code == 1 and "FML000" in out
    assert target.read_text() == broken


def test_without_fix_flags_nothing_is_written(folder: Path, capsys) -> None:
    target = folder / "server.py"
    target.write_text(BEFORE)
    assert run(["--select", "FML101"], capsys)[0] == 1
    assert target.read_text() == BEFORE
