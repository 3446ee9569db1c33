"""Baselines: `--write-baseline FILE` records the findings, `--baseline FILE` hides them.

Matching is by code, path and the flagged line with its neighbours, so findings stay hidden
when lines are inserted above them; a new finding, or a second copy of a recorded one, shows.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import run
from jsonschema import Draft202012Validator
from sample_server import SERVER

from fastmcp_preflight.api import Diagnostic
from fastmcp_preflight.reports.json_report import load_schema
from fastmcp_preflight.running.baseline import Baseline, fingerprint, normalise, render_baseline

NEW_TOOL = """

@mcp.tool
async def slower(x: int) -> int:
    \"\"\"Sleep for two seconds, then return x.\"\"\"
    time.sleep(2)
    return x
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "server.py").write_text(SERVER, encoding="utf-8")
    (tmp_path / "app" / "other.py").write_text(
        "import time\n\n\nasync def f():\n    time.sleep(1)\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def concise(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    code, out, err = run(["--format", "concise", *args], capsys)
    return code, [line.split(" ", 2)[0] + " " + line.split(" ", 2)[1]
                  for line in out.splitlines()], err


def write(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code, out, err = run(["--write-baseline", "baseline.json", *args], capsys)
    assert out == ""
    return code, err


def test_write_records_everything_and_exits_0(project: Path, capsys) -> None:
    code, err = write(capsys)
    assert code == 0
    assert "recorded 3 problems in baseline.json" in err
    data = json.loads((project / "baseline.json").read_text())
    assert data["tool"] == "fastmcp-lint" and data["version"] == 1
    assert [(f["path"], f["code"], f["count"]) for f in data["findings"]] == [
        ("app/other.py", "FML101", 1), ("app/server.py", "FML101", 1),
        ("app/server.py", "FML301", 1)]
    assert all(set(f) == {"code", "path", "fingerprint", "count", "message"}
               for f in data["findings"])
    # nothing from the source is copied: only a hash of it
    assert "time.sleep(1)" not in (project / "baseline.json").read_text()


def test_baseline_hides_recorded_findings(project: Path, capsys) -> None:
    write(capsys)
    code, out, err = run(["--baseline", "baseline.json"], capsys)
    assert code == 0
    assert "All checks passed!" in out
    assert "3 problems hidden by the baseline baseline.json; 0 baseline entries no longer " \
           "match." in out
    assert err == ""


def test_still_hidden_after_lines_are_inserted_above(project: Path, capsys) -> None:
    write(capsys)
    server = project / "app" / "server.py"
    header = '"""A module docstring\n\nthat is several lines long.\n"""\n\nimport os\n\n'
    server.write_text(header + SERVER.replace("ITEMS = []", "ITEMS = []\nLIMIT = 3\n\n"),
                      encoding="utf-8")
    other = project / "app" / "other.py"
    other.write_text("# comment\n" * 5 + other.read_text(), encoding="utf-8")
    code, lines, _ = concise(["--baseline", "baseline.json"], capsys)
    assert (code, lines) == (0, [])
    # the findings did move: without the baseline they are reported on new lines
    _, lines, _ = concise([], capsys)
    assert lines == ["app/other.py:10:5: FML101", "app/server.py:21:5: FML101",
                     "app/server.py:22:5: FML301"]


def test_whitespace_changes_keep_the_match_code_changes_do_not(project: Path, capsys) -> None:
    write(capsys)
    other = project / "app" / "other.py"
    other.write_text("import time\n\n\nasync  def f():\n        time.sleep(1)   \n",
                     encoding="utf-8")
    assert concise(["--baseline", "baseline.json"], capsys)[:2] == (0, [])
    other.write_text("import time\n\n\nasync def f():\n    time.sleep(2)\n", encoding="utf-8")
    assert concise(["--baseline", "baseline.json"], capsys)[:2] == (1, [
        "app/other.py:5:5: FML101"])


def test_new_findings_show_and_fail(project: Path, capsys) -> None:
    write(capsys)
    server = project / "app" / "server.py"
    server.write_text(SERVER + NEW_TOOL, encoding="utf-8")
    code, lines, _ = concise(["--baseline", "baseline.json"], capsys)
    assert code == 1 and lines == [f"app/server.py:{SERVER.count(chr(10)) + 6}:5: FML101"]


def test_a_second_identical_finding_needs_a_second_entry(project: Path, capsys) -> None:
    # two findings with the same code, file and context are one entry with count 2...
    body = "async def f():\n    time.sleep(1)\n\n\n"
    other = project / "app" / "other.py"
    other.write_text("import time\n\n\n" + body * 2)
    write(capsys)
    data = json.loads((project / "baseline.json").read_text())
    assert [(f["path"], f["code"], f["count"]) for f in data["findings"]] == [
        ("app/other.py", "FML101", 2), ("app/server.py", "FML101", 1),
        ("app/server.py", "FML301", 1)]
    assert concise(["--baseline", "baseline.json"], capsys)[:2] == (0, [])
    # ...so a third copy is new, and with one copy left, one entry is stale
    other.write_text("import time\n\n\n" + body * 3)
    code, lines, _ = concise(["--baseline", "baseline.json"], capsys)
    assert code == 1 and lines == ["app/other.py:13:5: FML101"]
    other.write_text("import time\n\n\n" + body)
    code, out, _ = run(["--baseline", "baseline.json", "--format", "json"], capsys)
    assert json.loads(out)["summary"]["baseline"]["stale"] == 1


def test_stale_entries_are_counted(project: Path, capsys) -> None:
    write(capsys)
    (project / "app" / "other.py").write_text("import asyncio\n\n\nasync def f():\n"
                                              "    await asyncio.sleep(1)\n")
    code, out, err = run(["--baseline", "baseline.json", "--format", "json"], capsys)
    report = json.loads(out)
    assert code == 0
    assert report["summary"]["baseline"] == {"file": "baseline.json", "baselined": 2,
                                             "stale": 1}
    assert report["summary"]["diagnostics"] == 0
    assert "2 problems hidden by the baseline baseline.json; 1 baseline entry no longer " \
           "matches." in err
    assert list(Draft202012Validator(load_schema()).iter_errors(report)) == []
    code, out, _ = run(["--baseline", "baseline.json"], capsys)
    assert "1 baseline entry no longer matches" in out


def test_fml000_is_never_baselined(project: Path, capsys) -> None:
    (project / "app" / "broken.py").write_text("def f(:\n", encoding="utf-8")
    code, err = write(capsys)
    assert "recorded 3 problems" in err
    assert "FML000" not in (project / "baseline.json").read_text()
    code, lines, _ = concise(["--baseline", "baseline.json"], capsys)
    assert code == 1 and lines == ["app/broken.py:1:7: FML000"]


def test_json_report_has_no_baseline_key_without_the_option(project: Path, capsys) -> None:
    report = json.loads(run(["--format", "json"], capsys)[1])
    assert "baseline" not in report["summary"]


def test_baseline_paths_are_relative_to_its_folder(project: Path, capsys,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    write(capsys)
    monkeypatch.chdir(project / "app")
    code, lines, _ = concise(["--baseline", "../baseline.json", "."], capsys)
    assert (code, lines) == (0, [])


def test_rewriting_is_byte_stable(project: Path, capsys) -> None:
    write(capsys)
    first = (project / "baseline.json").read_bytes()
    (project / "app" / "server.py").write_text("\n\n" + SERVER, encoding="utf-8")
    write(capsys)
    assert (project / "baseline.json").read_bytes() == first


def test_severity_and_statistics_after_the_baseline(project: Path, capsys) -> None:
    write(capsys, "app/other.py")
    code, out, err = run(["--baseline", "baseline.json", "--statistics"], capsys)
    assert code == 1
    assert out == "  1  FML101  blocking-sleep-in-async\n  1  FML301  global-mutable-state\n"
    assert "1 problem hidden by the baseline" in err


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "no such file"),
        ("{not json", "not valid JSON"),
        ("[]", "not a fastmcp-lint baseline"),
        ('{"tool": "fastmcp-lint", "version": 99, "findings": []}', "version 99"),
        ('{"tool": "fastmcp-lint", "version": 1, "findings": {}}', '"findings" must be a list'),
        ('{"tool": "fastmcp-lint", "version": 1, "findings": [{"code": "FML101"}]}',
         "findings[0]"),
        ('{"tool": "fastmcp-lint", "version": 1, "findings": [{"code": "FML101", "path": "a",'
         ' "fingerprint": "b", "count": 0}]}', '"count" must be a positive integer'),
    ],
)
def test_missing_or_malformed_baseline_is_exit_2(project: Path, capsys, content: str | None,
                                                 fragment: str) -> None:
    if content is not None:
        (project / "baseline.json").write_text(content, encoding="utf-8")
    code, out, err = run(["--baseline", "baseline.json"], capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert fragment in err and "baseline.json" in err


def test_write_baseline_errors(project: Path, capsys) -> None:
    code, _, err = run(["--write-baseline", "no/such/dir/b.json"], capsys)
    assert code == 2 and "cannot write" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(["--write-baseline", "b.json", "--diff"], capsys)
    assert code == 2 and "--diff" in err


def test_fingerprint_uses_neighbours_not_numbers() -> None:
    lines = ["a", "  b  c", "d", "e"]
    assert fingerprint(lines, 2) == fingerprint(["x", "y", "a", "b c", "d", "z"], 4)
    assert fingerprint(lines, 2) != fingerprint(["a", "b c", "D"], 2)
    assert fingerprint(lines, 1) == fingerprint(["a", "  b  c"], 1)
    assert normalise("\t x  =\t1 ") == "x = 1"


def test_render_and_split_are_pure_with_a_line_source(tmp_path: Path) -> None:
    files = {"s.py": ["import time", "async def f():", "    time.sleep(1)", ""]}
    d = Diagnostic("FML101", "blocking-sleep-in-async", "error", "m", "s.py", 3, 5, 3, 18)
    text = render_baseline([d, d], tmp_path, lambda path: files[path])
    (tmp_path / "b.json").write_text(text)
    baseline = Baseline.load(tmp_path / "b.json")
    moved = {"s.py": ["", "", "import time", "async def f():", "    time.sleep(1)", ""]}
    d2 = Diagnostic("FML101", "blocking-sleep-in-async", "error", "m", "s.py", 5, 5, 5, 18)
    kept, hidden, stale = baseline.split([d2], lambda path: moved[path])
    assert (kept, hidden, stale) == ([], 1, 1)
