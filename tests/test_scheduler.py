"""Workers and the cache: every way of running gives the same report; a dead worker costs
only its file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import run

SERVER = """\
import time
from fastmcp import FastMCP

mcp = FastMCP("s{n}")
ITEMS = []


@mcp.tool
async def slow(x: int) -> int:
    \"\"\"Sleep for a while, then add the number to the shared list.\"\"\"
    time.sleep({n})
    ITEMS.append(x)
    return x
"""

KILLER = '''
import os

import libcst as cst

from fastmcp_preflight.api import Invalid, Rule, Valid


class Killer(Rule):
    code = "KILL100"
    name = "kill-worker"
    severity = "error"
    checklist = "(tool quality)"
    summary = "kills the process on one file"
    what = "Exits the process when it sees the name `die_here`."
    why = "To prove a dead worker loses only its file."
    instead = "Nothing."
    hint = "none"
    VALID = (Valid("x = 1\\n"),)
    INVALID = ()

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == "die_here":
            os._exit(3)
'''


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'many'\n")
    package = tmp_path / "many"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for n in range(70):
        (package / f"server_{n:02}.py").write_text(SERVER.format(n=n))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def report(capsys, *args: str) -> dict:
    code, out, _ = run(["--format", "json", *args], capsys)
    assert code == 1
    return json.loads(out)


def test_one_worker_many_workers_cold_and_warm_agree(project: Path, capsys) -> None:
    serial = report(capsys, "--jobs", "1", "--no-cache")
    assert not (project / ".fastmcp-lint-cache").exists()
    parallel_cold = report(capsys, "--jobs", "2")
    folder = project / ".fastmcp-lint-cache" / "v1"
    entries = list(folder.glob("??/*.json"))
    assert len(entries) == 73  # 71 files' results, the project phase's, its answers
    assert len(list(folder.glob("manifest-*.json"))) == 1
    assert (project / ".fastmcp-lint-cache" / ".gitignore").read_text().endswith("*\n")
    parallel_warm = report(capsys, "--jobs", "2")
    serial_warm = report(capsys, "--jobs", "1")
    assert serial == parallel_cold == parallel_warm == serial_warm
    assert serial["summary"]["by_code"]["FML101"] == 70


def test_changed_file_is_checked_again(project: Path, capsys) -> None:
    report(capsys)
    target = project / "many" / "server_05.py"
    target.write_text(target.read_text().replace("time.sleep(5)", "pass"))
    after = report(capsys)
    assert after["summary"]["by_code"]["FML101"] == 69


def test_corrupt_cache_entries_are_rebuilt(project: Path, capsys) -> None:
    first = report(capsys)
    for entry in (project / ".fastmcp-lint-cache").rglob("*.json"):
        entry.write_text("garbage")
    assert report(capsys) == first


def test_a_dead_worker_costs_only_its_file(project: Path, capsys) -> None:
    (project / "lint_rules").mkdir()
    (project / "lint_rules" / "killer.py").write_text(KILLER)
    (project / "pyproject.toml").write_text(
        "[project]\nname = 'many'\n[tool.fastmcp-lint]\nplugins = ['lint_rules/']\n"
        "extend-exclude = ['lint_rules']\n")
    (project / "many" / "server_33.py").write_text("die_here = 1\n")
    result = report(capsys, "--jobs", "2", "--no-cache", "--extend-select", "KILL100")
    by_path = {}
    for diagnostic in result["diagnostics"]:
        by_path.setdefault(diagnostic["path"], []).append(diagnostic["code"])
    assert by_path["many/server_33.py"] == ["FML000"]
    assert sum(codes.count("FML101") for codes in by_path.values()) == 69
    died = next(d for d in result["diagnostics"] if d["path"] == "many/server_33.py")
    assert "died" in died["message"]


def test_spawned_workers_give_the_same_report(project: Path, capsys,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Where fork is unsafe (macOS) or missing (Windows), workers are spawned: they import
    the rules afresh and must agree with one process."""
    from fastmcp_preflight.running import scheduler

    assert scheduler.worker_start_method() == "fork"  # Linux
    serial = report(capsys, "--jobs", "1", "--no-cache")
    monkeypatch.setattr(scheduler, "worker_start_method", lambda: "spawn")
    spawned = report(capsys, "--jobs", "2", "--no-cache")
    assert spawned == serial


def test_rules_a_spawned_worker_cannot_import_are_checked_in_one_process(
        project: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastmcp_preflight.running import scheduler

    assert not scheduler._picklable((lambda: None,))  # type: ignore[arg-type]
    monkeypatch.setattr(scheduler, "worker_start_method", lambda: "spawn")
    monkeypatch.setattr(scheduler, "_picklable", lambda spec: False)

    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("a worker pool was started")

    monkeypatch.setattr("concurrent.futures.ProcessPoolExecutor", no_pool)
    assert report(capsys, "--jobs", "2", "--no-cache")["summary"]["by_code"]["FML101"] == 70
