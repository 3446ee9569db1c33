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
import time


async def tool():
    await asyncio.sleep(1)
    return 1
"""



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
    assert target.read_text() == ("import asyncio\nimport time\n\n\nasync def tool():\n"
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
