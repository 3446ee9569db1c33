"""`--format github`: workflow commands, read back the way the Actions runner reads them.

`parse_command` follows the runner's `ActionCommand.TryParseV2` (actions/runner,
src/Runner.Worker/ActionCommand.cs): the output is split into lines; a command line starts
with `::` (after leading whitespace), the command name ends at the first space, the properties
run up to the next `::` and are split on `,` and then on the first `=`, and each value and the
message are unescaped with the runner's mappings, `%25` last.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from cli_runner import run
from sample_server import SERVER

from fastmcp_preflight.api import Diagnostic
from fastmcp_preflight.reports.github import escape_data, escape_property, render_github
from fastmcp_preflight.reports.summary import RunSummary, SourceRoot

_DATA = (("%0D", "\r"), ("%0A", "\n"), ("%25", "%"))
_PROPERTY = (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%"))
COMMANDS = {"error", "warning", "notice"}


@dataclass
class Command:
    name: str
    properties: dict[str, str]
    data: str


def _unescape(text: str, mappings: tuple[tuple[str, str], ...]) -> str:
    for escaped, raw in mappings:
        text = text.replace(escaped, raw)
    return text


def parse_command(line: str) -> Command | None:
    line = line.lstrip()
    if not line.startswith("::"):
        return None
    end = line.find("::", 2)
    if end < 0:
        return None
    info = line[2:end]
    name, _, rest = info.partition(" ")
    if name not in COMMANDS:
        return None
    properties: dict[str, str] = {}
    for item in (p for p in rest.strip().split(",") if p):
        pair = [part for part in item.split("=", 1) if part]
        if len(pair) == 2:
            properties[pair[0]] = _unescape(pair[1], _PROPERTY)
    return Command(name, properties, _unescape(line[end + 2:], _DATA))


def parse_output(text: str) -> list[Command]:
    """Every line of the step's output that the runner takes as a command."""
    commands = []
    for line in re.split(r"\r?\n", text):
        command = parse_command(line)
        if command is not None:
            commands.append(command)
    return commands


def diagnostic(**changes: object) -> Diagnostic:
    base = Diagnostic("FML101", "blocking-sleep-in-async", "error", "message", "server.py",
                      3, 5, 3, 18)
    return Diagnostic(**{**vars(base), **changes})  # type: ignore[arg-type]


NASTY = [
    "100% sure: a, b, c",
    "line one\nline two\r\nline three",
    "already escaped %0A %3A %2C %25 stays",
    "::error file=x.py::injected",
    "trailing percent %",
    "caf\u00e9 \u65e5\u672c",
]


@pytest.mark.parametrize("message", NASTY)
def test_messages_survive_the_runner(message: str) -> None:
    out = render_github(RunSummary(1, (diagnostic(message=message),), "1"))
    assert out.endswith("\n") and out.count("\n") == 1
    (command,) = parse_output(out)
    assert command.data == message


@pytest.mark.parametrize("path", ["a,b/server.py", "dir:x/s.py", "100%/s.py", "we ird=.py"])
def test_paths_survive_the_runner(path: str) -> None:
    (command,) = parse_output(render_github(RunSummary(1, (diagnostic(path=path),), "1")))
    assert command.properties["file"] == path


def test_exact_line_and_severity_mapping() -> None:
    summary = RunSummary(1, (
        diagnostic(),
        diagnostic(code="FML301", name="global-mutable-state", severity="warning",
                   line=7, column=1, end_line=9, end_column=2, message="a: b, c"),
    ), "1")
    assert render_github(summary).splitlines() == [
        "::error file=server.py,line=3,col=5,endLine=3,endColumn=18,title=FML101::message",
        "::warning file=server.py,line=7,col=1,endLine=9,endColumn=2,title=FML301::a: b, c",
    ]


def test_escape_functions() -> None:
    assert escape_data("%\r\n:,") == "%25%0D%0A:,"
    assert escape_property("%\r\n:,") == "%25%0D%0A%3A%2C"


def test_paths_are_relative_to_the_repository_root() -> None:
    root = SourceRoot(root="/repo", cwd="/repo/services/api")
    summary = RunSummary(1, (diagnostic(path="pkg/server.py"),
                             diagnostic(path="/elsewhere/x.py")), "1", root=root)
    files = [c.properties["file"] for c in parse_output(render_github(summary))]
    assert files == ["services/api/pkg/server.py", "/elsewhere/x.py"]




@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "server.py").write_text(SERVER, encoding="utf-8")
    (tmp_path / "pkg" / "broken.py").write_text("def f(:\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_cli_output_matches_the_json_report(project: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["--format", "github"], capsys)
    assert code == 1 and err == ""
    commands = parse_output(out)
    assert len(commands) == len(out.splitlines())
    report = json.loads(run(["--format", "json"], capsys)[1])
    assert [
        (c.name, c.properties, c.data) for c in commands
    ] == [
        (d["severity"], {"file": d["path"], "line": str(d["line"]), "col": str(d["column"]),
                         "endLine": str(d["end_line"]), "endColumn": str(d["end_column"]),
                         "title": d["code"]}, d["message"])
        for d in report["diagnostics"]
    ]
    assert {c.properties["title"] for c in commands} == {"FML000", "FML101", "FML301"}


def test_cli_from_a_subfolder_gives_repository_paths(project: Path,
                                                     capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project / "pkg")
    _, out, _ = run(["--format", "github", "server.py"], capsys)
    assert {c.properties["file"] for c in parse_output(out)} == {"pkg/server.py"}


def test_severity_overrides_and_fail_on(project: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pyproject.toml").write_text(
        "[tool.fastmcp-lint]\nseverity = { FML101 = 'warning', FML301 = 'error' }\n")
    code, out, _ = run(["--format", "github", "pkg/server.py"], capsys)
    assert code == 1
    assert {(c.properties["title"], c.name) for c in parse_output(out)} == {
        ("FML101", "warning"), ("FML301", "error")}
    code, out, _ = run(["--format", "github", "--select", "FML101", "--fail-on", "error",
                        "pkg/server.py"], capsys)
    assert code == 0 and [c.name for c in parse_output(out)] == ["warning"]
    code, _, _ = run(["--format", "github", "--exit-zero"], capsys)
    assert code == 0


def test_clean_run_prints_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "clean.py").write_text("x = 1\n")
    assert run(["--format", "github", "clean.py"], capsys) == (0, "", "")
