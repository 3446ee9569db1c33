"""`--statistics`, `--format gitlab`, and what every CI format shares: config severity
overrides, `--output-file`, exit status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import run
from jsonschema import Draft202012Validator

from fastmcp_preflight.api import Diagnostic
from fastmcp_preflight.reports.gitlab import render_gitlab
from fastmcp_preflight.reports.json_report import load_schema
from fastmcp_preflight.reports.statistics import render_statistics
from fastmcp_preflight.reports.summary import RunSummary, SourceRoot

SERVER = """\
import time
from fastmcp import FastMCP

mcp = FastMCP("demo")
ITEMS = []
SEEN = {}


@mcp.tool
async def slow(x: int) -> int:
    \"\"\"Sleep for a second, then record x.\"\"\"
    time.sleep(1)
    ITEMS.append(x)
    SEEN[x] = True
    return x


@mcp.custom_route("/health", methods=["GET"])
async def health(request):
    return None
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "server.py").write_text(SERVER, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def diag(code: str, name: str, line: int = 1, message: str = "m",
         path: str = "s.py") -> Diagnostic:
    return Diagnostic(code, name, "warning", message, path, line, 1, line, 2)


def test_statistics_sorted_by_count_then_code() -> None:
    summary = RunSummary(1, (
        diag("FML301", "global-mutable-state"), diag("FML101", "blocking-sleep-in-async"),
        diag("FML301", "global-mutable-state"), diag("FML201", "import-time-async"),
        *[diag("FML0", "x") for _ in range(10)],
    ), "1")
    assert render_statistics(summary) == (
        "  10  FML0    x\n"
        "   2  FML301  global-mutable-state\n"
        "   1  FML101  blocking-sleep-in-async\n"
        "   1  FML201  import-time-async\n")
    assert render_statistics(RunSummary(1, (), "1")) == ""


def test_statistics_cli(project: Path, capsys) -> None:
    code, out, err = run(["--statistics"], capsys)
    assert code == 1 and err == ""
    assert out == "  2  FML301  global-mutable-state\n  1  FML101  blocking-sleep-in-async\n"
    code, out, _ = run(["--statistics", "--format", "json", "--exit-zero"], capsys)
    assert code == 0  # JSON statistics: ruff's shape
    assert [(row["code"], row["count"]) for row in json.loads(out)] == [
        ("FML301", 2), ("FML101", 1)]
    code, out, err = run(["--statistics", "-o", "stats.txt"], capsys)
    assert out == "" and (project / "stats.txt").read_text().startswith("  2  FML301")


def test_gitlab_report(project: Path, capsys) -> None:
    code, out, _ = run(["--format", "gitlab"], capsys)
    assert code == 1
    issues = json.loads(out)
    assert [(i["check_name"], i["severity"], i["location"]) for i in issues] == [
        ("FML101", "major", {"path": "server.py", "lines": {"begin": 12, "end": 12}}),
        ("FML301", "minor", {"path": "server.py", "lines": {"begin": 13, "end": 13}}),
        ("FML301", "minor", {"path": "server.py", "lines": {"begin": 14, "end": 14}}),
    ]
    assert all(i["description"].startswith(i["check_name"] + " ") for i in issues)
    assert len({i["fingerprint"] for i in issues}) == 3
    # moving the code down keeps the fingerprints
    (project / "server.py").write_text("\n\n" + SERVER, encoding="utf-8")
    moved = json.loads(run(["--format", "gitlab"], capsys)[1])
    assert [i["fingerprint"] for i in moved] == [i["fingerprint"] for i in issues]
    assert moved[0]["location"]["lines"]["begin"] == 14


def test_gitlab_identical_findings_get_distinct_fingerprints() -> None:
    same = diag("FML101", "blocking-sleep-in-async")
    root = SourceRoot("/r", "/r/sub")
    issues = json.loads(render_gitlab(RunSummary(1, (same, same), "1", root=root)))
    assert issues[0]["fingerprint"] != issues[1]["fingerprint"]
    assert issues[0]["location"]["path"] == "sub/s.py"
    assert json.loads(render_gitlab(RunSummary(1, (), "1"))) == []


@pytest.mark.parametrize("fmt", ["json", "sarif", "github", "gitlab", "concise"])
def test_severity_overrides_apply_to_every_format(project: Path, capsys, fmt: str) -> None:
    (project / "pyproject.toml").write_text(
        "[tool.fastmcp-lint]\nseverity = { FML101 = 'warning', global-mutable-state = "
        "'error' }\nfail-on = 'error'\n")
    code, out, _ = run(["--format", fmt], capsys)
    assert code == 1  # the FML301s are errors now
    if fmt == "json":
        report = json.loads(out)
        assert {(d["code"], d["severity"]) for d in report["diagnostics"]} == {
            ("FML101", "warning"), ("FML301", "error")}
        assert report["summary"]["by_severity"] == {"error": 2, "warning": 1}
        assert list(Draft202012Validator(load_schema()).iter_errors(report)) == []
    elif fmt == "sarif":
        results = json.loads(out)["runs"][0]["results"]
        assert {(r["ruleId"], r["level"]) for r in results} == {
            ("FML101", "warning"), ("FML301", "error")}
    elif fmt == "github":
        assert {line.split(" ", 1)[0] for line in out.splitlines()} == {"::warning", "::error"}
        assert all(("title=FML101" in line) == line.startswith("::warning")
                   for line in out.splitlines())
    elif fmt == "gitlab":
        assert {(i["check_name"], i["severity"]) for i in json.loads(out)} == {
            ("FML101", "minor"), ("FML301", "major")}
    (project / "pyproject.toml").write_text(
        "[tool.fastmcp-lint]\nseverity = { FML3 = 'warning' }\nfail-on = 'error'\n")
    assert run(["--format", fmt, "--ignore", "FML101"], capsys)[0] == 0


def test_sarif_to_output_file(project: Path, capsys) -> None:
    code, out, err = run(["--format", "sarif", "-o", "out.sarif"], capsys)
    assert code == 1 and out == ""
    assert "3 problems in 1 file; report written to out.sarif" in err
    log = json.loads((project / "out.sarif").read_text())
    assert len(log["runs"][0]["results"]) == 3
