"""Config resolved per file, as ruff does: the nearest pyproject.toml with a
[tool.fastmcp-lint] table decides each file's settings, whatever order the paths come in;
`--config` forces one for every file; `--show-settings` says which applies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli_runner import run

SERVER = '''import time
from fastmcp import FastMCP

mcp = FastMCP("x")


@mcp.tool
async def slow() -> str:
    time.sleep(1)
    return "ok"
'''


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def table(*lines: str) -> str:
    return "[tool.fastmcp-lint]\n" + "".join(line + "\n" for line in lines)


@pytest.fixture
def monorepo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two projects with their own configs under one folder that has none."""
    write(tmp_path / "a" / "pyproject.toml", table('ignore = ["FML101"]'))
    write(tmp_path / "b" / "pyproject.toml", table('select = ["FML1"]'))
    write(tmp_path / "a" / "server.py", SERVER)
    write(tmp_path / "b" / "server.py", SERVER)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def found(capsys: pytest.CaptureFixture[str], *args: str) -> list[tuple[str, str]]:
    status, out, err = run([*args, "--format", "json"], capsys)
    assert status in (0, 1), err
    return [(d["path"], d["code"]) for d in json.loads(out)["diagnostics"]]


def test_each_file_gets_its_own_config_whatever_the_order(
        monorepo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    forward = found(capsys, "a", "b", "--no-cache")
    assert ("b/server.py", "FML101") in forward  # b's settings, not a's ignore
    assert ("a/server.py", "FML101") not in forward  # a ignores it
    assert ("a/server.py", "FML401") in forward  # a keeps the default selection
    assert [code for path, code in forward if path == "b/server.py"] == ["FML101"]  # FML1
    assert found(capsys, "b", "a", "--no-cache") == forward
    assert found(capsys, "b", "a") == forward  # cold cache, then warm
    assert found(capsys, "a", "b") == forward
    assert found(capsys, "b/server.py", "a/server.py", "--no-cache") == forward


def test_a_nested_config_replaces_its_parents(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "pyproject.toml", table('ignore = ["FML101"]', 'fail-on = "error"'))
    write(tmp_path / "server.py", SERVER)
    write(tmp_path / "sub" / "pyproject.toml", table('select = ["FML101"]'))
    write(tmp_path / "sub" / "server.py", SERVER)
    write(tmp_path / "sub" / "deep" / "tool.py", SERVER)
    write(tmp_path / "other" / "pyproject.toml", '[project]\nname = "other"\n')  # no table
    write(tmp_path / "other" / "server.py", SERVER)
    monkeypatch.chdir(tmp_path)
    codes = found(capsys, ".", "--no-cache")
    assert ("sub/server.py", "FML101") in codes and ("sub/deep/tool.py", "FML101") in codes
    assert {code for path, code in codes if path.startswith("sub/")} == {"FML101"}
    assert not [c for c in codes if c[1] == "FML101" and not c[0].startswith("sub/")]
    assert ("server.py", "FML401") in codes and ("other/server.py", "FML401") in codes
    assert found(capsys, "sub", "--no-cache") == [c for c in codes if c[0].startswith("sub/")]


def test_config_forces_one_config_for_every_file(
        monorepo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    forced = found(capsys, "a", "b", "--config", "b/pyproject.toml", "--no-cache")
    assert sorted(forced) == [("a/server.py", "FML101"), ("b/server.py", "FML101")]
    assert found(capsys, "b", "a", "--config", "b/pyproject.toml") == forced


def test_per_file_ignores_and_excludes_are_relative_to_their_config(
        monorepo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(monorepo / "b" / "pyproject.toml",
          table('select = ["FML1"]', 'extend-exclude = ["gen/"]',
                'per-file-ignores = { "/server.py" = ["FML101"] }'))
    write(monorepo / "b" / "gen" / "made.py", SERVER)
    write(monorepo / "b" / "tool.py", SERVER)
    write(monorepo / "a" / "gen" / "made.py", SERVER)
    codes = found(capsys, "a", "b", "--no-cache")
    assert ("b/tool.py", "FML101") in codes
    assert ("b/server.py", "FML101") not in codes  # anchored at b/, not at the cwd
    assert not [c for c in codes if c[0] == "b/gen/made.py"]  # b's exclude
    assert ("a/gen/made.py", "FML401") in codes  # a's files know nothing of b's
    assert found(capsys, "b", "a", "--no-cache") == codes


def test_warm_runs_follow_an_edited_config(
        monorepo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file's cache entry is keyed by its own resolved settings."""
    before = found(capsys, "a", "b")
    assert ("b/server.py", "FML101") in before
    write(monorepo / "b" / "pyproject.toml", table('select = ["FML1"]', 'ignore = ["FML101"]'))
    after = found(capsys, "a", "b")
    assert [c for c in after if c[0] == "b/server.py"] == []
    assert [c for c in after if c[0] == "a/server.py"] == [
        c for c in before if c[0] == "a/server.py"]
    assert after == found(capsys, "a", "b", "--no-cache")


def test_show_settings_names_the_config_of_a_path(
        monorepo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["--show-settings", "b/server.py"], capsys)
    assert status == 0
    assert "Config: b/pyproject.toml" in out
    assert 'select = ["FML1"]' in out
    assert "FML101" in out and "FML401" not in out
    status, out, _ = run(["--show-settings", "a/server.py", "--format", "json"], capsys)
    data = json.loads(out)
    assert data["config"] == "a/pyproject.toml"
    assert data["settings"]["ignore"] == ["FML101"]
    assert "FML101" not in data["enabled_rules"] and "FML401" in data["enabled_rules"]
    _, out, _ = run(["--show-settings", "a/server.py", "--format", "json",
                     "--config", "b/pyproject.toml"], capsys)
    assert json.loads(out)["config"] == "b/pyproject.toml"
    write(monorepo / "loose" / "x.py", "")
    _, out, _ = run(["--show-settings", "loose/x.py"], capsys)
    assert "Config: none" in out


def test_show_settings_of_a_missing_path_is_a_usage_error(
        monorepo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["--show-settings", "nope.py"], capsys)
    assert status == 2 and "does not exist" in err


def test_each_finding_fails_the_run_by_its_own_files_fail_on(
        monorepo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(monorepo / "a" / "pyproject.toml", table('select = ["FML7"]', 'fail-on = "error"'))
    assert found(capsys, "a", "--no-cache") == [("a/server.py", "FML701")]  # a warning
    assert run(["a", "--no-cache"], capsys)[0] == 0
    for order in (["a", "b"], ["b", "a"]):
        assert run([*order, "--no-cache"], capsys)[0] == 1  # b's FML101 is an error
    write(monorepo / "b" / "pyproject.toml", table('select = ["FML7"]'))
    for order in (["a", "b"], ["b", "a"]):
        assert run([*order, "--no-cache"], capsys)[0] == 1  # b fails on warnings
    assert run(["a", "b", "--no-cache", "--fail-on", "error"], capsys)[0] == 0


PLUGIN = '''
import libcst as cst

from fastmcp_preflight.api import Invalid, Rule, Valid


class {cls}(Rule):
    code = "{code}"
    name = "{name}"
    severity = "error"
    checklist = "(security)"
    summary = "eval() call"
    what = "Finds eval()."
    why = "It runs text as code."
    instead = "Use ast.literal_eval."
    VALID = (Valid("x = 1\\\\n"),)
    INVALID = (Invalid("eval('1')\\\\n", at=((1, 1),)),)

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.resolve(node.func) == "builtins.eval":
            self.report(node, "eval() of a string")
'''


def test_each_file_runs_the_plugins_its_own_config_names(
        monorepo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The plugins of every config are loaded once; a file runs its config's."""
    for folder, code in (("a", "LOCA100"), ("b", "LOCB100")):
        write(monorepo / folder / "rules_here" / "check.py", PLUGIN.format(
            cls=f"NoEval{folder.upper()}", code=code, name=f"no-eval-{folder}"))
        write(monorepo / folder / "pyproject.toml", table(
            "plugins = ['rules_here/']", "extend-exclude = ['rules_here']",
            'select = ["LOC"]'))
        write(monorepo / folder / "server.py", "eval('1')\n")
    write(monorepo / "c" / "pyproject.toml", table('select = ["FML1", "LOC"]'))
    write(monorepo / "c" / "server.py", "eval('1')\n")
    codes = found(capsys, "a", "b", "c", "--no-cache")
    assert codes == [("a/server.py", "LOCA100"), ("b/server.py", "LOCB100")]
    assert found(capsys, "c", "b", "a") == codes
    assert found(capsys, "b", "--no-cache") == [("b/server.py", "LOCB100")]


def test_workers_and_the_cache_agree_on_per_file_settings(
        monorepo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Enough files for a worker pool: each worker gets every file's own settings."""
    write(monorepo / "b" / "pyproject.toml",
          table('select = ["FML1", "FML7"]', 'severity = { FML701 = "error" }',
                'per-file-ignores = { "/m_1*.py" = ["FML101"] }'))
    for number in range(30):
        write(monorepo / "a" / f"m_{number}.py", SERVER)
        write(monorepo / "b" / f"m_{number}.py", SERVER)

    def full(*args: str) -> str:
        status, out, err = run(["a", "b", "--format", "json", *args], capsys)
        assert status == 1, err
        return out

    serial = full("--jobs", "1", "--no-cache")
    assert full("--jobs", "2", "--no-cache") == serial
    assert full("--jobs", "2") == serial  # fills the cache
    assert full("--jobs", "1") == serial  # warm
    status, reversed_out, _ = run(["b", "a", "--format", "json", "--jobs", "2"], capsys)
    assert status == 1
    assert reversed_out == serial
    diagnostics = json.loads(serial)["diagnostics"]
    b_codes = {(d["code"], d["severity"]) for d in diagnostics if d["path"].startswith("b/")}
    assert b_codes == {("FML101", "error"), ("FML701", "error")}
    assert not [d for d in diagnostics
                if d["path"].startswith("b/m_1") and d["code"] == "FML101"]
    assert [d for d in diagnostics if d["path"].startswith("a/") and d["code"] == "FML401"]
