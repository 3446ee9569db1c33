"""`--report-unused-noqa`: `# noqa` directives that suppress nothing are FML001 (ruff's RUF100).

Only fastmcp-lint's codes count; a directive is used when it suppressed a finding of a file
rule or of a project rule; `FML001` in a directive keeps it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_runner import run

from fastmcp_preflight.source.suppression import NoqaCodes, find_suppressions, unused_noqa

HEADER = """\
import time
from fastmcp import FastMCP

mcp = FastMCP("demo")
ITEMS = []


@mcp.custom_route("/health", methods=["GET"])
async def health(request):
    return None

@mcp.custom_route("/items", methods=["POST"])
async def tool(x):
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def lint(project: Path, body: str, capsys: pytest.CaptureFixture[str], *args: str,
         header: str = HEADER) -> tuple[int, list[str]]:
    (project / "server.py").write_text(header + body, encoding="utf-8")
    code, out, _ = run(["--format", "concise", "--report-unused-noqa", *args, "server.py"],
                       capsys)
    return code, out.splitlines()


def test_used_directives_are_not_reported(project: Path, capsys) -> None:
    body = ("    time.sleep(1)  # noqa: FML101\n"
            "    ITEMS.append(x)  # noqa: global-mutable-state\n"
            "    time.sleep(2)  # noqa\n")
    assert lint(project, body, capsys) == (0, [])


def test_unused_codes_are_reported_at_the_comment(project: Path, capsys) -> None:
    body = "    x = 1  # noqa: FML101\n"
    code, lines = lint(project, body, capsys)
    assert code == 1
    assert lines == ["server.py:14:12: FML001 unused `noqa` directive (unused: FML101)"]


def test_blanket_unknown_non_enabled_and_foreign_codes(project: Path, capsys) -> None:
    body = ("    a = 1  # noqa\n"
            "    b = 2  # noqa: FML999, FML301\n"
            "    c = 3  # noqa: E501, W291\n"
            "    d = 4  # noqa: some-other-tool-rule\n"
            "    time.sleep(1)  # noqa: FML101, FML301 because reasons\n")
    _, lines = lint(project, body, capsys, "--select", "FML101")
    assert lines == [
        "server.py:14:12: FML001 unused blanket `noqa` directive",
        "server.py:15:12: FML001 unused `noqa` directive (non-enabled: FML301; unknown: FML999)",
        "server.py:18:20: FML001 unused `noqa` directive (non-enabled: FML301)",
    ]


def test_partly_used_directive_names_the_unused_codes(project: Path, capsys) -> None:
    body = "    time.sleep(1)  # noqa: FML101, FML301, global-mutable-state\n"
    assert lint(project, body, capsys)[1] == [
        "server.py:14:20: FML001 unused `noqa` directive (unused: FML301, global-mutable-state)"]


def test_directive_used_by_a_project_rule(project: Path, capsys) -> None:
    header = "from fastmcp import FastMCP\n\nmcp = FastMCP('x')  # noqa: FML401\n"
    assert lint(project, "", capsys, header=header) == (0, [])
    header = "from fastmcp import FastMCP\n\nmcp = FastMCP('x')  # noqa: FML401, FML301\n"
    assert lint(project, "", capsys, header=header)[1] == [
        "server.py:3:21: FML001 unused `noqa` directive (unused: FML301)"]


def test_file_directives(project: Path, capsys) -> None:
    header = "# fastmcp-lint: noqa: FML301\n" + HEADER
    assert lint(project, "    ITEMS.append(x)\n", capsys, header=header) == (0, [])
    assert lint(project, "    pass\n", capsys, header=header)[1] == [
        "server.py:1:1: FML001 unused file-level `noqa` directive (unused: FML301)"]
    header = "# fastmcp-lint: noqa\n" + HEADER
    assert lint(project, "    pass\n", capsys, header=header)[1] == [
        "server.py:1:1: FML001 unused blanket file-level `noqa` directive"]


def test_fml001_in_a_directive_keeps_it(project: Path, capsys) -> None:
    assert lint(project, "    x = 1  # noqa: FML101, FML001\n", capsys) == (0, [])
    assert lint(project, "    x = 1  # noqa: FML101, unused-noqa\n", capsys) == (0, [])
    header = "# fastmcp-lint: noqa: FML001\n" + HEADER
    assert lint(project, "    x = 1  # noqa: FML101\n    y = 1  # noqa\n", capsys,
                header=header) == (0, [])


def test_off_without_the_flag_and_severity_is_warning(project: Path, capsys) -> None:
    (project / "server.py").write_text(HEADER + "    x = 1  # noqa: FML101\n")
    assert run(["--format", "concise", "server.py"], capsys)[:2] == (0, "")
    code, out, _ = run(["--report-unused-noqa", "--format", "json", "--fail-on", "error",
                        "server.py"], capsys)
    assert code == 0 and '"severity": "warning"' in out and '"name": "unused-noqa"' in out


def test_after_fix_positions_are_those_of_the_fixed_file(project: Path, capsys) -> None:
    source = "async def tool():\n    time.sleep(1)\n    x = 1  # noqa: FML301\n"
    (project / "server.py").write_text("import time\n\n\n" + source, encoding="utf-8")
    code, out, _ = run(["--fix", "--report-unused-noqa", "--format", "concise",
                        "server.py"], capsys)
    assert code == 1
    assert "await asyncio.sleep(1)" in (project / "server.py").read_text()
    fixed = (project / "server.py").read_text().splitlines()
    line = next(n for n, text in enumerate(fixed, 1) if "noqa" in text)
    assert out.splitlines() == [
        f"server.py:{line}:12: FML001 unused `noqa` directive (unused: FML301)"]


def test_explain_fml001(project: Path, capsys) -> None:
    code, out, _ = run(["--explain", "unused-noqa"], capsys)
    assert code == 0 and out.startswith("FML001 (unused-noqa)\n")
    assert "reported with --report-unused-noqa" in out
    assert run(["--explain", "FML000"], capsys)[1].startswith("FML000 (syntax-error)\n")


def test_usage_tracking_and_kinds() -> None:
    found = find_suppressions("a  # noqa: FML101, X1\nb  # noqa\nc = '# noqa'\n")
    assert [(d.line, d.column, d.end_column, d.codes) for d in found.directives] == [
        (1, 4, 22, ["FML101", "X1"]), (2, 4, 10, ["*"])]
    assert found.suppresses(1, "FML101", "blocking-sleep-in-async")
    assert not found.suppresses(3, "FML101", "blocking-sleep-in-async")
    codes = NoqaCodes.of([("FML101", "blocking-sleep-in-async"), ("ACME7", "acme-rule")],
                         ["FML101"])
    assert [d.message for d in unused_noqa(found, "s.py", codes)] == [
        "unused blanket `noqa` directive"]
    assert codes.kind("ACME8") == "unknown"
    assert codes.kind("acme-rule") == "non-enabled"
    assert codes.kind("X1") is None
    assert codes.kind("FML000") == "unused"


def test_meta_codes_agree_with_the_engine() -> None:
    from fastmcp_preflight.plugins.meta_codes import SyntaxErrorCode
    from fastmcp_preflight.running.engine import FML000, FML000_NAME

    assert (SyntaxErrorCode.code, SyntaxErrorCode.name) == (FML000, FML000_NAME)


def test_second_run_agrees_with_the_first(project: Path, capsys) -> None:
    """A run that reuses earlier results (a cache) must still know which directives the
    suppressed findings used: used ones stay quiet, unused ones are reported again."""
    body = "    time.sleep(1)  # noqa: FML101\n    x = 1  # noqa: FML301\n"
    first = lint(project, body, capsys)
    assert first == (1, ["server.py:15:12: FML001 unused `noqa` directive (unused: FML301)"])
    assert lint(project, body, capsys) == first
