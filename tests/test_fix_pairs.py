"""Before/after pairs for every fix: `fixtures/fixes/<case>/before.py` fixed with
`--fix --unsafe-fixes` must read exactly `after.py`, parse, and stay put on a second run;
`--diff` shows the change and writes nothing. A case's `pyproject.toml`, when it has one, is
copied too (the version rules read their target versions from it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import libcst as cst
import pytest
from cli_runner import run

from fastmcp_preflight.plugins.registry import Registry

CASES = sorted((Path(__file__).resolve().parent.parent / "fixtures" / "fixes").iterdir())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fix_turns_before_into_after(case: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    target = tmp_path / "server.py"
    shutil.copy(case / "before.py", target)
    for project_file in case.glob("*.toml"):  # a pyproject.toml sets the target versions
        shutil.copy(project_file, tmp_path / project_file.name)
    monkeypatch.chdir(tmp_path)
    before = target.read_text()
    assert run(["--diff", "--unsafe-fixes"], capsys)[0] == 1
    assert target.read_text() == before
    run(["--fix", "--unsafe-fixes"], capsys)
    after = target.read_text()
    assert after == (case / "after.py").read_text()
    cst.parse_module(after)
    run(["--fix", "--unsafe-fixes"], capsys)
    assert target.read_text() == after
    assert run(["--diff", "--unsafe-fixes"], capsys)[:2] == (0, "")


def test_every_fixable_rule_has_a_pair(registry: Registry) -> None:
    covered = {case.name.split("_")[0].upper() for case in CASES}
    fixable = {code for code, rule in registry.rules.items() if rule.fixable}
    assert fixable <= covered, fixable - covered


def test_safe_fix_leaves_unsafe_ones(tmp_path: Path, monkeypatch, capsys) -> None:
    both = next(c for c in CASES if c.name.startswith("fml703"))
    target = tmp_path / "server.py"
    shutil.copy(both / "before.py", target)
    monkeypatch.chdir(tmp_path)
    run(["--fix"], capsys)
    assert target.read_text() == (both / "before.py").read_text()
