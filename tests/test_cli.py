"""The command line as a user meets it: exit codes, formats, selection, errors, meta actions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import run

from fastmcp_preflight.plugins.registry import Registry

BAD_SERVER = """\
import time
from fastmcp import FastMCP

mcp = FastMCP("demo")

ITEMS = []


@mcp.tool
async def slow(x: int) -> int:
    \"\"\"Sleep for a second, then record x.\"\"\"
    time.sleep(1)
    ITEMS.append(x)
    return x


@mcp.custom_route("/health", methods=["GET"])
async def health(request):
    return None
"""



@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "server.py").write_text(BAD_SERVER, encoding="utf-8")
    (tmp_path / "clean.py").write_text("x = 1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_findings_exit_1_with_concise_lines(project: Path, capsys) -> None:
    code, out, _ = run(["--format", "concise"], capsys)
    assert code == 1
    assert out.splitlines() == [
        "server.py:12:5: FML101 `time.sleep()` blocks the event loop in async function `slow`: "
        "every other request waits",
        "server.py:13:5: FML301 `slow()` mutates module-level `ITEMS` (in tool `slow`): "
        "concurrent requests race on it, and each worker has its own copy",
    ]


def test_clean_file_exits_0(project: Path, capsys) -> None:
    code, out, _ = run(["clean.py"], capsys)
    assert code == 0
    assert "All checks passed" in out


def test_select_ignore_by_code_name_and_prefix(project: Path, capsys) -> None:
    assert run(["--select", "FML1", "--format", "concise"], capsys)[1].count("FML") == 1
    _, out, _ = run(["--select", "global-mutable-state", "--format", "concise"], capsys)
    assert "FML301" in out and "FML101" not in out
    _, out, _ = run(["--ignore", "FML101,FML301", "--format", "concise"], capsys)
    assert out == ""
    _, out, _ = run(
        ["--select", "FML101", "--extend-select", "FML3", "--format", "concise"], capsys
    )
    assert "FML101" in out and "FML301" in out


def test_exit_zero_and_fail_on(project: Path, capsys) -> None:
    assert run(["--exit-zero"], capsys)[0] == 0
    assert run(["--select", "FML301", "--fail-on", "error"], capsys)[0] == 0
    assert run(["--select", "FML101", "--fail-on", "error"], capsys)[0] == 1


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--select", "FML999"], "unknown rule selector 'FML999'"),
        (["missing.py"], "missing.py"),
        (["--format", "xml"], "xml"),
        (["--no-such-flag"], "no-such-flag"),
        (["--explain", "nope"], "unknown rule 'nope'"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(
    project: Path, capsys, args: list[str], fragment: str
) -> None:
    code, out, err = run(args, capsys)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert fragment in err
    assert "Traceback" not in err


def test_bad_config_is_exit_2_naming_file_and_key(project: Path, capsys) -> None:
    (project / "pyproject.toml").write_text("[tool.fastmcp-lint]\nselec = ['FML101']\n")
    code, _, err = run([], capsys)
    assert code == 2 and "pyproject.toml" in err and "selec" in err
    (project / "pyproject.toml").write_text("[tool.fastmcp-lint]\nselect = ['FML777']\n")
    code, _, err = run([], capsys)
    assert code == 2 and "pyproject.toml" in err and "FML777" in err
    (project / "pyproject.toml").write_text("[tool.fastmcp-lint\n")
    code, _, err = run([], capsys)
    assert code == 2 and "pyproject.toml" in err


def test_config_selection_and_severity_apply(project: Path, capsys) -> None:
    (project / "pyproject.toml").write_text(
        "[tool.fastmcp-lint]\nignore = ['FML101']\nseverity = { FML301 = 'error' }\n"
    )
    code, out, _ = run(["--format", "json"], capsys)
    report = json.loads(out)
    assert code == 1
    assert [(d["code"], d["severity"]) for d in report["diagnostics"]] == [("FML301", "error")]


def test_per_file_ignores(project: Path, capsys) -> None:
    (project / "pyproject.toml").write_text(
        "[tool.fastmcp-lint]\nper-file-ignores = { 'serv*.py' = ['FML3'] }\n"
    )
    _, out, _ = run(["--format", "concise"], capsys)
    assert "FML101" in out and "FML301" not in out


def test_json_report_is_stable_and_complete(project: Path, capsys) -> None:
    first = run(["--format", "json"], capsys)[1]
    second = run(["--format", "json"], capsys)[1]
    assert first == second
    report = json.loads(first)
    assert report["summary"]["files"] == 2
    assert report["summary"]["by_code"] == {"FML101": 1, "FML301": 1}
    assert report["summary"]["fixable"] == 1
    sleep = report["diagnostics"][0]
    assert sleep["fix"]["applicability"] == "safe"
    assert sleep["path"] == "server.py"


def test_output_file_gets_report_and_terminal_a_summary(project: Path, capsys) -> None:
    code, out, err = run(["--format", "json", "--output-file", "out.json"], capsys)
    assert code == 1 and out == ""
    assert "2 problems" in err and "out.json" in err
    assert json.loads((project / "out.json").read_text())["summary"]["diagnostics"] == 2


def test_text_report_shows_source_marker_hint_and_summary(project: Path, capsys) -> None:
    _, out, _ = run([], capsys)
    assert "time.sleep(1)" in out
    assert "^^^^^^^^^^^^^" in out
    assert "hint: use `await asyncio.sleep(...)`" in out
    assert "Found 2 problems" in out
    assert "\x1b[" not in out  # not a terminal: plain text


def test_list_rules_and_explain(project: Path, capsys, registry: Registry) -> None:
    code, out, _ = run(["--list-rules"], capsys)
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == sorted(registry.rules)
    rules = json.loads(run(["--list-rules", "--format", "json"], capsys)[1])
    assert {r["code"] for r in rules} == set(registry.rules)
    code, out, _ = run(["--explain", "blocking-sleep-in-async"], capsys)
    assert code == 0
    for section in (
        "FML101",
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "## Use instead",
        "## Fix safety",
    ):
        assert section in out


def test_version(capsys) -> None:
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out.startswith("fastmcp-lint ")


def test_unparsable_file_is_fml000_and_others_still_checked(project: Path, capsys) -> None:
    (project / "broken.py").write_text("def f(:\n    pass\n")
    (project / "latin.py").write_bytes(b"# -*- coding: utf-8 -*-\nx = '\xff'\n")
    code, out, _ = run(["--format", "concise"], capsys)
    assert code == 1
    assert "broken.py:1:" in out and "FML000" in out
    assert "latin.py:" in out
    assert "server.py:12:5: FML101" in out


def test_python_dash_m_runs_the_same_command(project: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "fastmcp_preflight", "--format", "concise", "--select", "FML101"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout.startswith("server.py:12:5: FML101")


def test_project_rules_see_files_that_were_not_passed(tmp_path: Path, monkeypatch, capsys) -> None:
    """pre-commit passes only changed files: the health route in another file still counts."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    package = tmp_path / "demo"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "server.py").write_text("from fastmcp import FastMCP\n\nmcp = FastMCP('demo')\n")
    (package / "routes.py").write_text(
        "from starlette.responses import PlainTextResponse\n\nfrom .server import mcp\n\n\n"
        "@mcp.custom_route('/health', methods=['GET'])\nasync def health(request):\n"
        "    return PlainTextResponse('OK')\n")
    monkeypatch.chdir(tmp_path)
    assert run(["demo/server.py", "--format", "concise"], capsys)[:2] == (0, "")
    (package / "routes.py").unlink()
    code, out, _ = run(["demo/server.py", "--format", "concise"], capsys)
    assert code == 1 and out.startswith("demo/server.py:3:7: FML401")
    # a finding in a file that was not passed is not shown
    assert run(["demo/__init__.py", "--format", "concise"], capsys)[:2] == (0, "")


@pytest.mark.parametrize(("env", "coloured"), [
    ({"FORCE_COLOR": "1", "TERM": "xterm-256color"}, True),
    ({"FORCE_COLOR": "1", "TERM": "xterm-256color", "NO_COLOR": "1"}, False),
    ({}, False),
])
def test_colour_only_on_a_terminal_and_never_with_no_color(project: Path, env: dict[str, str],
                                                          coloured: bool) -> None:
    import os
    base = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    done = subprocess.run([sys.executable, "-m", "fastmcp_preflight", "--select", "FML101"],
                          capture_output=True, text=True, check=False, env={**base, **env})
    assert done.returncode == 1
    assert ("\x1b[" in done.stdout) is coloured
    assert "time.sleep(1)" in done.stdout


def test_extend_blocking_calls_from_config(tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.fastmcp-lint]\nextend-blocking-calls = ['mylib.fetch_sync']\n"
        "select = ['FML102']\n")
    (tmp_path / "server.py").write_text(
        "from mylib import fetch_sync as fs\nimport mylib\n\n\nasync def tool():\n"
        "    fs()\n    mylib.fetch_sync()\n    mylib.fetch_async()\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["--format", "concise"], capsys)
    assert code == 1
    assert [line.split(" ")[0] for line in out.splitlines()] == [
        "server.py:6:5:", "server.py:7:5:"]
    (tmp_path / "pyproject.toml").write_text("[tool.fastmcp-lint]\nselect = ['FML102']\n")
    assert run(["--format", "concise"], capsys)[:2] == (0, "")


def test_src_layout_with_stray_init_names_the_real_package(tmp_path: Path) -> None:
    from fastmcp_preflight.running.engine import module_name_for
    package = tmp_path / "src" / "mcp_server"
    package.mkdir(parents=True)
    (tmp_path / "src" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    assert module_name_for(package / "__init__.py") == ("mcp_server", "mcp_server")
    assert module_name_for(package / "server.py") == ("mcp_server.server", "mcp_server")


def test_real_json_output_validates_against_the_shipped_schema(project: Path, capsys) -> None:
    import jsonschema

    from fastmcp_preflight.reports.json_report import load_schema
    (project / "broken.py").write_text("def f(:\n")
    report = json.loads(run(["--format", "json", "--select", "ALL"], capsys)[1])
    assert {d["code"] for d in report["diagnostics"]} >= {"FML000", "FML101", "FML301"}
    jsonschema.Draft202012Validator(load_schema()).validate(report)


def test_import_cycle_found_when_only_one_file_is_passed(tmp_path: Path, monkeypatch,
                                                         capsys) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'cyc'\n")
    package = tmp_path / "cyc"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from cyc import b\n\nVALUE = 1\n")
    (package / "b.py").write_text("from cyc.a import VALUE\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["cyc/a.py", "--select", "FML205", "--format", "concise"], capsys)
    assert code == 1
    assert out == "cyc/a.py:1:1: FML205 import cycle: cyc.a -> cyc.b -> cyc.a\n"
    # the cycle is reported in the module whose path sorts first: not in b.py
    assert run(["cyc/b.py", "--select", "FML205", "--format", "concise"], capsys)[:2] == (0, "")


UNDOCUMENTED = """\
from fastmcp import FastMCP

mcp = FastMCP("docs")


@mcp.tool
def search(query: str, limit: int = 10) -> list[str]:
    \"\"\"Search the notes for the query and return the best matches.\"\"\"
    return [query] * limit
"""


def test_an_opt_in_rule_is_listed_as_such_and_runs_only_when_selected(
        tmp_path: Path, monkeypatch, capsys) -> None:
    """FML705 is not in the default selection: --select/--extend-select (or the config's
    extend-select) turn it on, by code, name or prefix."""
    (tmp_path / "server.py").write_text(UNDOCUMENTED, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    listed = run(["--list-rules"], capsys)[1].splitlines()
    assert [line for line in listed if line.endswith("(opt-in)")] == [
        next(line for line in listed if line.startswith("FML705 "))]
    rules = json.loads(run(["--list-rules", "--format", "json"], capsys)[1])
    assert [r["code"] for r in rules if not r["default"]] == ["FML705"]
    assert "off unless selected" in run(["--explain", "FML705"], capsys)[1]

    finding = "server.py:7:24: FML705 parameter `limit` of tool `search` is not described"
    assert "FML705" not in run(["--format", "concise"], capsys)[1]
    for selection in (["--extend-select", "FML705"], ["--select", "undocumented-tool-parameter"],
                      ["--select", "FML70"], ["--select", "ALL"]):
        code, out, _ = run([*selection, "--format", "concise"], capsys)
        assert code == 1 and finding in out, selection
    (tmp_path / "pyproject.toml").write_text(
        "[tool.fastmcp-lint]\nextend-select = [\"FML705\"]\n", encoding="utf-8")
    assert finding in run(["--format", "concise"], capsys)[1]
    assert "FML705" not in run(["--ignore", "FML705", "--format", "concise"], capsys)[1]


def test_the_command_ends_at_once_with_its_whole_output_and_status(tmp_path: Path) -> None:
    """Run as a command, the process ends without tearing the interpreter down: the report
    (here larger than a pipe's buffer) must still arrive whole, with the exit status."""
    tool = "@mcp.tool\nasync def slow_{n}(x: int) -> int:\n    time.sleep(1)\n    return x\n\n"
    source = "import time\nfrom fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n" + "".join(
        tool.format(n=n) for n in range(400))
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    (tmp_path / "server.py").write_text(source, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "fastmcp_preflight", "server.py", "--no-cache",
                           "--format", "json"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1, done.stderr
    assert len(done.stdout) > 65536
    report = json.loads(done.stdout)
    assert sum(d["code"] == "FML101" for d in report["diagnostics"]) == 400


@pytest.mark.parametrize(("env", "handler_ran"), [({}, False),
                                                  ({"FASTMCP_LINT_NO_FAST_EXIT": "1"}, True)])
def test_exit_handlers_run_when_asked(tmp_path: Path, env: dict[str, str],
                                      handler_ran: bool) -> None:
    """The command ends at once after its output (as mypy does), unless exit handlers
    (coverage, a plugin's atexit) are wanted."""
    (tmp_path / "server.py").write_text("x = 1\n")
    script = ("import atexit, sys\n"
              "atexit.register(lambda: print('handler ran', file=sys.stderr))\n"
              "sys.argv = ['fastmcp-lint', 'server.py', '--no-cache']\n"
              "from fastmcp_preflight.cli import main\nmain()\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env={**os.environ, **env}, check=False)
    assert done.returncode == 0, done.stderr
    assert ("handler ran" in done.stderr) is handler_ran


def test_extend_sync_clients_from_config(tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.fastmcp-lint]\nextend-sync-clients = ["mylib.Client"]\n')
    (tmp_path / "server.py").write_text(
        "from mylib import Client\n\nclient = Client()\n\nasync def tool():\n"
        "    return client.fetch()\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["--select", "FML105", "--format", "concise", "--no-cache", "."], capsys)
    assert code == 1
    assert out.startswith("server.py:6:12: FML105 `client.fetch()` calls a `mylib.Client` "
                          "client")
