"""One orchestration path: a pure per-file checker, one project phase for every entry point,
each file read and hashed once on a cache miss, and `--fix` concluding through the same
project phase as a run."""

from __future__ import annotations

import builtins
import json
import os
from collections import Counter
from pathlib import Path

import pytest
from tests.cli_runner import run

from fastmcp_preflight.api import ProjectRule
from fastmcp_preflight.plugins.registry import Registry, default_plugins
from fastmcp_preflight.project.facts import FileFacts
from fastmcp_preflight.running import engine as engine_module
from fastmcp_preflight.running import fileindex
from fastmcp_preflight.running.checker import Checker
from fastmcp_preflight.running.engine import lint_source
from fastmcp_preflight.running.project_phase import ProjectInput, ProjectPhase
from fastmcp_preflight.running.results import FileResult, Settings
from fastmcp_preflight.source.reading import decode

SERVER = '''import time
from fastmcp import FastMCP

mcp = FastMCP("x")


@mcp.tool
async def slow() -> str:
    """Sleeps for a second, then answers ok to the caller."""
    time.sleep(1)  # noqa: FML999
    return "ok"


if __name__ == "__main__":
    mcp.run()
'''


@pytest.fixture(scope="module")
def every_rule() -> list[type]:
    return list(Registry.load(default_plugins()).rules.values())


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def report(capsys: pytest.CaptureFixture[str], *args: str) -> list[tuple[str, int, str]]:
    status, out, err = run([*args, "--format", "json"], capsys)
    assert status in (0, 1), err
    return [(d["path"], d["line"], d["code"]) for d in json.loads(out)["diagnostics"]]


def test_the_checker_reads_no_file(every_rule: list[type],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Text in, diagnostics and facts out: nothing on disk is asked for."""
    checker = Checker(every_rule)
    source = decode(SERVER.encode())
    first = checker.check(source, "nowhere/server.py", "server", None)  # rules' first use

    def no_io(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"the checker did I/O: {args!r}")

    for module, name in ((builtins, "open"), (os, "open"), (os, "stat"), (os, "scandir")):
        monkeypatch.setattr(module, name, no_io)
    again = checker.check(source, "nowhere/server.py", "server", None)
    monkeypatch.undo()
    assert again.diagnostics == first.diagnostics
    assert again.facts == first.facts and again.facts is not None
    assert [d.code for d in again.diagnostics] == ["FML101"]


def test_settings_are_the_files_own(every_rule: list[type]) -> None:
    checker = Checker(every_rule)
    source = decode(SERVER.encode())
    assert checker.check(source, "s.py", "s", None,
                         Settings(enabled=frozenset({"FML701"}))).diagnostics == []
    ignored = Settings(per_file_ignores=(("s.py", frozenset({"FML101"})),))
    assert checker.check(source, "s.py", "s", None, ignored).diagnostics == []
    severe = checker.check(source, "s.py", "s", None, Settings(severity={"FML101": "warning"}))
    assert [d.severity for d in severe.diagnostics] == ["warning"]


def test_a_cache_miss_reads_and_hashes_each_file_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    names = [f"pkg/mod_{n}.py" for n in range(6)]
    for number, name in enumerate(names):
        write(tmp_path / name, SERVER + f"\nVALUE = {number}\n")
    write(tmp_path / "pkg" / "__init__.py", "")
    monkeypatch.chdir(tmp_path)
    reads: Counter[str] = Counter()
    hashes: Counter[str] = Counter()
    real_read, real_digest = fileindex.read_bytes, fileindex.content_digest

    def read(path: Path) -> bytes:
        reads[Path(path).as_posix()] += 1
        return real_read(path)

    def digest(data: bytes) -> str:
        found = real_digest(data)
        hashes[found] += 1
        return found

    for module in (fileindex, engine_module):
        monkeypatch.setattr(module, "read_bytes", read)
        monkeypatch.setattr(module, "content_digest", digest)
    cold = report(capsys, ".", "--jobs", "1")
    assert sorted(reads) == sorted([*names, "pkg/__init__.py"])
    assert set(reads.values()) == {1}
    assert set(hashes.values()) == {1}
    # the pre-commit case: one file named, the rest of the project is context
    write(tmp_path / "pkg" / "mod_0.py", SERVER + "\nVALUE = 100\n")
    reads.clear()
    hashes.clear()
    assert report(capsys, "pkg/mod_0.py", "--jobs", "1") == [
        d for d in cold if d[0] == "pkg/mod_0.py"]
    assert max(reads.values()) == 1 and max(hashes.values()) == 1
    assert reads["pkg/mod_0.py"] == 1


class Crash(ProjectRule):
    code = "ZZZ900"
    name = "crashes-in-one-project"
    severity = "warning"
    checklist = "(tool quality)"
    summary = "crashes"
    what = "Raises in project b."
    why = "To test the project phase."
    instead = "Nothing."

    def check(self, files):  # type: ignore[no-untyped-def]
        if any(f.path.startswith("b/") for f in files):
            raise RuntimeError("boom")
        return iter(())


def test_a_crash_in_a_project_rule_is_blamed_on_a_file_of_that_project(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for folder in ("a", "b"):
        write(tmp_path / folder / "pyproject.toml", "[project]\nname = 'x'\n")
    monkeypatch.chdir(tmp_path)
    results = [FileResult(path, [], FileFacts(path, path[:-3].replace("/", "."), True))
               for path in ("a/first.py", "b/second.py", "b/third.py")]
    phase = ProjectPhase([Crash])
    inputs = phase.inputs(results)
    assert [(p.root, p.reported) for p in inputs] == [
        (str(tmp_path / "a"), frozenset({"a/first.py"})),
        (str(tmp_path / "b"), frozenset({"b/second.py", "b/third.py"}))]
    assert phase.check(inputs[0]) == []
    concluded = phase.conclude(results)
    assert [(d.path, d.code) for d in concluded.result.diagnostics] == [("b/second.py", "FML000")]
    assert "internal error in rule ZZZ900" in concluded.result.diagnostics[0].message
    assert phase.check(ProjectInput("b", (results[1].facts,), frozenset())) != []  # type: ignore[arg-type]


def test_lint_source_and_a_run_share_the_project_phase(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, every_rule: list[type],
        capsys: pytest.CaptureFixture[str]) -> None:
    code = SERVER.replace('    """Sleeps for a second, then answers ok to the caller."""\n',
                          "").replace("mcp.run()", 'mcp.run(transport="http")')
    write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    write(tmp_path / "server.py", code)
    monkeypatch.chdir(tmp_path)
    enabled = [rule for rule in every_rule if rule.default_enabled]
    in_memory = [(d.path, d.line, d.code) for d in lint_source(code, enabled, "server.py")]
    assert {c for _, _, c in in_memory} >= {"FML101", "FML401", "FML701"}  # FML401: project
    assert report(capsys, ".", "--no-cache") == in_memory


def test_fix_concludes_like_the_next_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """After `--fix`, the report is what a fresh run over the fixed files says: the project
    phase and unused noqa are worked out again over the fixed files' facts."""
    write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    write(tmp_path / "server.py", SERVER)
    write(tmp_path / "other.py", SERVER.replace("  # noqa: FML999", "  # noqa: FML101"))
    monkeypatch.chdir(tmp_path)
    args = (".", "--report-unused-noqa", "--unsafe-fixes")
    before = report(capsys, *args[:2], "--no-cache")
    assert ("server.py", 10, "FML101") in before and ("server.py", 10, "FML001") in before
    fixed = report(capsys, *args, "--fix")
    assert "time.sleep" not in (tmp_path / "server.py").read_text()
    assert fixed == report(capsys, *args[:2], "--no-cache")
    assert fixed == report(capsys, *args[:2])
    assert ("server.py", 10, "FML101") not in fixed


def test_a_pre_commit_run_checks_only_the_changed_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A run over one file after a full run takes the rest of the project from the cache:
    the settings of a file (its project's target versions included) do not depend on which
    other files the run names."""
    write(tmp_path / "pyproject.toml",
          "[project]\nname = 'x'\ndependencies = ['fastmcp>=2.3,<3']\n")
    names = [f"pkg/mod_{n}.py" for n in range(6)]
    for number, name in enumerate(names):
        write(tmp_path / name, SERVER + f"\nVALUE = {number}\n")
    write(tmp_path / "pkg" / "__init__.py", "")
    # a second project in the tree, which the full run lints and the one-file run does not
    write(tmp_path / "examples" / "demo" / "pyproject.toml",
          "[project]\nname = 'demo'\ndependencies = ['fastmcp>=3']\n")
    write(tmp_path / "examples" / "demo" / "server.py", SERVER)
    monkeypatch.chdir(tmp_path)
    full = report(capsys, ".", "--jobs", "1")
    checked: list[str] = []
    real_check, real_facts = Checker.check, Checker.facts_only

    def check(self: Checker, source: object, display: str, *args: object,
              **kwargs: object) -> FileResult:
        checked.append(display)
        return real_check(self, source, display, *args, **kwargs)  # type: ignore[arg-type]

    def facts_only(self: Checker, source: object, display: str, *args: object,
                   ) -> FileFacts | None:
        checked.append(display)
        return real_facts(self, source, display, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Checker, "check", check)
    monkeypatch.setattr(Checker, "facts_only", facts_only)
    write(tmp_path / "pkg" / "mod_0.py", SERVER + "\nVALUE = 100\n")
    assert report(capsys, "pkg/mod_0.py", "--jobs", "1") == [
        d for d in full if d[0] == "pkg/mod_0.py"]
    assert checked == ["pkg/mod_0.py"]
