"""The report formats: exact concise lines, the JSON contract against its schema, the text view."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from rich.console import Console

from fastmcp_preflight.api import SEVERITIES, ChainStep, Diagnostic, DiagnosticFix, Edit
from fastmcp_preflight.reports.concise import render_concise
from fastmcp_preflight.reports.formats import STRING_FORMATS
from fastmcp_preflight.reports.json_report import SCHEMA_FILE, load_schema, render_json
from fastmcp_preflight.reports.summary import SEVERITY_ORDER, RunSummary, count_by
from fastmcp_preflight.reports.text import render_text

ANSI = re.compile(r"\x1b\[")
SCHEMA_PATH = Path(__file__).resolve().parents[1] / "src/fastmcp_preflight/reports" / SCHEMA_FILE

SAFE_FIX = DiagnosticFix(
    applicability="safe",
    edits=(Edit(line=3, column=5, end_line=3, end_column=15, content="await asyncio.sleep"),),
    description="Use asyncio.sleep",
)
UNSAFE_FIX = DiagnosticFix(
    applicability="unsafe",
    edits=(
        Edit(line=1, column=1, end_line=1, end_column=1, content="import anyio\n"),
        Edit(line=7, column=9, end_line=7, end_column=20, content="anyio.to_thread"),
    ),
)


BASE = Diagnostic(
    code="FML101",
    name="blocking-sleep-in-async",
    severity="error",
    message="`time.sleep` blocks the event loop",
    path="src/server.py",
    line=3,
    column=5,
    end_line=3,
    end_column=18,
    checklist="No blocking calls in async tools",
)


def diag(**changes: Any) -> Diagnostic:
    return replace(BASE, **changes)


def run(*diagnostics: Diagnostic, files: int = 2) -> RunSummary:
    return RunSummary(files=files, diagnostics=tuple(diagnostics), tool_version="1.2.3")


MIXED = run(
    diag(fix=SAFE_FIX, hint="Use `await asyncio.sleep(...)`."),
    diag(
        code="FML301",
        name="requests-in-async",
        severity="warning",
        line=7,
        column=9,
        end_line=7,
        end_column=20,
        message="sync HTTP client in async tool",
        fix=UNSAFE_FIX,
    ),
    diag(
        path="src/tools.py",
        line=1,
        column=1,
        end_line=1,
        end_column=10,
        message="caf\u00e9 \u65e5\u672c [red]not markup[/red]",
    ),
)


def text_output(
    summary: RunSummary, *, show_source: bool = True, fix_hint: str | None = None
) -> str:
    """The text report as a non-terminal console (a pipe, a file, CI logs) receives it."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=False, width=100)
    render_text(summary, console, show_source=show_source, fix_hint=fix_hint)
    return buffer.getvalue()


# -- summary ---------------------------------------------------------------------------------


def test_counts() -> None:
    counts = count_by(MIXED.diagnostics)
    assert counts.total == 3
    assert list(counts.by_severity.items()) == [("error", 2), ("warning", 1)]
    assert list(counts.by_code.items()) == [("FML101", 2), ("FML301", 1)]
    assert counts.names == {"FML101": "blocking-sleep-in-async", "FML301": "requests-in-async"}
    assert (counts.fixable, counts.safe, counts.unsafe) == (2, 1, 1)


def test_counts_keep_every_severity_and_sort_codes() -> None:
    counts = count_by(
        [diag(code="FML900", severity="warning"), diag(code="FML050", severity="warning")]
    )
    assert list(counts.by_severity.items()) == [("error", 0), ("warning", 2)]
    assert list(counts.by_code) == ["FML050", "FML900"]
    assert (counts.fixable, counts.safe, counts.unsafe) == (0, 0, 0)


def test_severity_order_matches_the_plugin_api() -> None:
    assert SEVERITY_ORDER == SEVERITIES


# -- concise ---------------------------------------------------------------------------------


def test_concise_lines_exactly() -> None:
    assert render_concise(MIXED) == (
        "src/server.py:3:5: FML101 `time.sleep` blocks the event loop\n"
        "src/server.py:7:9: FML301 sync HTTP client in async tool\n"
        "src/tools.py:1:1: FML101 caf\u00e9 \u65e5\u672c [red]not markup[/red]\n"
    )


def test_concise_empty_and_one_line_per_diagnostic() -> None:
    assert render_concise(run()) == ""
    out = render_concise(run(diag(message="first\nsecond\r\nthird")))
    assert out == "src/server.py:3:5: FML101 first second third\n"


def test_string_formats_mapping() -> None:
    assert STRING_FORMATS["concise"] is render_concise
    assert STRING_FORMATS["json"] is render_json
    with pytest.raises(TypeError):
        STRING_FORMATS["text"] = render_concise  # type: ignore[index]


# -- json ------------------------------------------------------------------------------------


def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def test_json_contract_and_key_order() -> None:
    out = render_json(MIXED)
    assert out.endswith("}\n")
    assert out.startswith('{\n  "version": 1,\n  "tool": {\n')
    report = json.loads(out)
    assert list(report) == ["version", "tool", "summary", "diagnostics", "checklist"]
    assert report["tool"] == {"name": "fastmcp-lint", "version": "1.2.3"}
    assert list(report["summary"].items()) == [
        ("files", 2),
        ("diagnostics", 3),
        ("by_severity", {"error": 2, "warning": 1}),
        ("by_code", {"FML101": 2, "FML301": 1}),
        ("fixable", 2),
        ("test_files_skipped", 0),
    ]
    first, second, third = report["diagnostics"]
    assert list(first) == [
        "code",
        "name",
        "severity",
        "message",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "checklist",
        "hint",
        "fix",
        "chain",
    ]
    assert first["hint"] == "Use `await asyncio.sleep(...)`."
    assert first["fix"] == {
        "applicability": "safe",
        "description": "Use asyncio.sleep",
        "edits": [
            {
                "line": 3,
                "column": 5,
                "end_line": 3,
                "end_column": 15,
                "content": "await asyncio.sleep",
            }
        ],
    }
    assert list(first["fix"]) == ["applicability", "description", "edits"]
    assert list(first["fix"]["edits"][0]) == ["line", "column", "end_line", "end_column", "content"]
    assert second["severity"] == "warning"
    assert [e["line"] for e in second["fix"]["edits"]] == [1, 7]
    assert second["fix"]["edits"][0]["content"] == "import anyio\n"
    assert third["fix"] is None
    assert third["message"] == "caf\u00e9 \u65e5\u672c [red]not markup[/red]"


def test_json_is_ascii_and_byte_identical() -> None:
    out = render_json(MIXED)
    assert out.isascii()
    assert "\\u65e5\\u672c" in out
    rebuilt = run(*(Diagnostic(**vars(d)) for d in MIXED.diagnostics))
    assert rebuilt.diagnostics is not MIXED.diagnostics
    assert render_json(rebuilt).encode() == out.encode() == render_json(MIXED).encode()


def test_json_validates_against_schema() -> None:
    v = validator()
    for summary in (MIXED, run(), run(files=0)):
        errors = list(v.iter_errors(json.loads(render_json(summary))))
        assert errors == []


def test_empty_json_report() -> None:
    report = json.loads(render_json(run(files=5)))
    assert report["summary"] == {
        "files": 5,
        "diagnostics": 0,
        "by_severity": {"error": 0, "warning": 0},
        "by_code": {},
        "fixable": 0,
        "test_files_skipped": 0,
    }
    assert report["diagnostics"] == []


def _break_missing_key(r: dict[str, Any]) -> None:
    del r["diagnostics"][0]["end_column"]


def _break_severity(r: dict[str, Any]) -> None:
    r["diagnostics"][0]["severity"] = "fatal"


def _break_applicability(r: dict[str, Any]) -> None:
    r["diagnostics"][0]["fix"]["applicability"] = "maybe"


def _break_column(r: dict[str, Any]) -> None:
    r["diagnostics"][0]["column"] = 0


def _break_edit_line(r: dict[str, Any]) -> None:
    r["diagnostics"][0]["fix"]["edits"][0]["line"] = 0


def _break_code(r: dict[str, Any]) -> None:
    r["diagnostics"][0]["code"] = "fml101"


def _break_extra_key(r: dict[str, Any]) -> None:
    r["summary"]["unexpected"] = 1


def _break_by_code_key(r: dict[str, Any]) -> None:
    r["summary"]["by_code"]["not a code"] = 1


def _break_version(r: dict[str, Any]) -> None:
    r["version"] = 2


def _break_line_type(r: dict[str, Any]) -> None:
    r["diagnostics"][1]["line"] = "7"


def _break_missing_summary(r: dict[str, Any]) -> None:
    del r["summary"]


@pytest.mark.parametrize(
    "breaker",
    [
        _break_missing_key,
        _break_severity,
        _break_applicability,
        _break_column,
        _break_edit_line,
        _break_code,
        _break_extra_key,
        _break_by_code_key,
        _break_version,
        _break_line_type,
        _break_missing_summary,
    ],
)
def test_schema_rejects_invalid_reports(breaker: Callable[[dict[str, Any]], None]) -> None:
    report = json.loads(render_json(MIXED))
    assert validator().is_valid(report)
    breaker(report)
    assert not validator().is_valid(report)


def test_schema_ships_in_the_package() -> None:
    assert load_schema() == json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert load_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


# -- text ------------------------------------------------------------------------------------

SERVER_SOURCE = (
    "\ufeffimport time\n"
    "\n"
    "    time.sleep(1)  # [bold]not markup[/bold]\n"
    "x = '\u65e5\u672c'; time.sleep(2)\r\n"
    "\tif x:\ttime.sleep(3)\n"
    "call(\n"
    "    1)\n"
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with a real source file, since snippets are read relative to cwd."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src/server.py").write_bytes(SERVER_SOURCE.encode("utf-8"))
    return tmp_path


def marker_after(out: str, source_line: str) -> tuple[int, int]:
    """(column of the first caret, caret count) on the line after `source_line`, in cells."""
    lines = out.splitlines()
    index = lines.index(source_line)
    marker = lines[index + 1]
    body = marker.split(" | ", 1)[1]
    stripped = body.lstrip(" ")
    assert set(stripped) == {"^"}, marker
    return len(body) - len(stripped), len(stripped)


def test_text_snippet_marker_hint_and_fix(project: Path) -> None:
    out = text_output(run(diag(hint="Use `await asyncio.sleep(...)`.", fix=SAFE_FIX)))
    lines = out.splitlines()
    assert lines[0] == "src/server.py:3:5: FML101 [error] `time.sleep` blocks the event loop"
    assert lines[1] == "  |"
    assert lines[2] == "3 |     time.sleep(1)  # [bold]not markup[/bold]"
    assert lines[3] == "  |     ^^^^^^^^^^^^^"
    assert lines[4] == "  = hint: Use `await asyncio.sleep(...)`."
    assert lines[5] == "  [*] fixable with --fix: Use asyncio.sleep"
    assert "Found 1 problem (1 error, 0 warnings) in 2 files checked." in lines
    assert "[*] 1 fixable with --fix." in lines


def test_text_marker_counts_wide_characters_and_tabs(project: Path) -> None:
    out = text_output(
        run(
            # `time.sleep(2)`: 10 characters precede it, two of them double-width.
            diag(line=4, column=11, end_line=4, end_column=24),
            # `time.sleep(3)` after "\tif x:\t": 7 characters, 12 cells with 4-column tab stops.
            diag(line=5, column=8, end_line=5, end_column=21),
        )
    )
    assert marker_after(out, "4 | x = '\u65e5\u672c'; time.sleep(2)") == (12, 13)
    assert marker_after(out, "5 |     if x:   time.sleep(3)") == (12, 13)
    assert "\t" not in out


def test_text_marker_clamps_multiline_and_empty_spans(project: Path) -> None:
    out = text_output(
        run(
            diag(line=6, column=1, end_line=7, end_column=3),
            diag(line=1, column=40, end_line=1, end_column=40),
        )
    )
    assert marker_after(out, "6 | call(") == (0, 5)
    assert marker_after(out, "1 | import time") == (11, 1)


def test_text_escapes_brackets(project: Path) -> None:
    out = text_output(MIXED)
    assert "caf\u00e9 \u65e5\u672c [red]not markup[/red]" in out
    assert "# [bold]not markup[/bold]" in out


def test_text_skips_unreadable_sources(project: Path) -> None:
    out = text_output(
        run(
            diag(path="missing.py"),
            diag(path="src"),  # a directory
            diag(line=99, end_line=99),  # past the end of the file
        )
    )
    assert " | " not in out
    assert "missing.py:3:5: FML101 [error]" in out
    assert "src:3:5: FML101 [error]" in out
    assert "src/server.py:99:5: FML101 [error]" in out


def test_text_without_source(project: Path) -> None:
    out = text_output(run(diag()), show_source=False)
    assert out.splitlines()[:2] == [
        "src/server.py:3:5: FML101 [error] `time.sleep` blocks the event loop",
        "",
    ]
    assert "time.sleep(1)" not in out


def test_text_does_not_pass_control_characters(project: Path) -> None:
    (project / "evil.py").write_bytes(b"x = '\x1b[31mred\x07'\n")
    out = text_output(
        run(
            diag(
                path="evil.py",
                line=1,
                column=1,
                end_line=1,
                end_column=2,
                message="bell\x07 escape\x1b[2J",
            )
        )
    )
    assert "\x1b" not in out and "\x07" not in out
    assert "1 | x = '\u241b[31mred\u2407'" in out
    assert "bell\u2407 escape\u241b[2J" in out


def test_text_summary_table_and_fix_counts(project: Path) -> None:
    lines = text_output(MIXED, fix_hint="Fixed 4 problems.").splitlines()
    start = lines.index("Found 3 problems (2 errors, 1 warning) in 2 files checked.")
    assert lines[start + 1 :] == [
        "  FML101  2  blocking-sleep-in-async",
        "  FML301  1  requests-in-async",
        "[*] 1 fixable with --fix.",
        "1 more fixable with --unsafe-fixes.",
        "Fixed 4 problems.",
    ]
    assert "  [*] fixable with --unsafe-fixes" in lines


def test_text_only_unsafe_fixes(project: Path) -> None:
    out = text_output(run(diag(fix=UNSAFE_FIX), files=1))
    assert "Found 1 problem (1 error, 0 warnings) in 1 file checked." in out
    assert out.endswith("\n1 fixable with --unsafe-fixes.\n")
    assert "fixable with --fix" not in out


def test_text_all_checks_passed() -> None:
    assert text_output(run(files=3)) == "All checks passed! (3 files checked)\n"
    assert text_output(run(files=1)) == "All checks passed! (1 file checked)\n"


def test_text_plain_when_not_a_terminal(project: Path) -> None:
    out = text_output(MIXED)
    assert not ANSI.search(out)
    assert "\x1b" not in out


def test_text_colours_on_a_terminal(project: Path) -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="standard", width=100)
    render_text(MIXED, console)
    out = buffer.getvalue()
    assert ANSI.search(out)
    assert "\x1b[1;31m" in out  # errors in bold red
    assert "[red]not markup[/red]" in out
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert plain == text_output(MIXED)


# -- chains (findings through the project) ----------------------------------------------------

CHAINED = diag(
    code="FML106", name="blocking-call-through-helper", line=4, column=12, end_column=27,
    message="`get_report()` -> `load()` (store.py:7) -> `requests.get` (store.py:4) blocks",
    chain=(ChainStep("src/server.py", 4, "get_report()"), ChainStep("src/store.py", 7, "load()"),
           ChainStep("src/store.py", 4, "requests.get")))


def test_json_shows_the_chain_and_validates() -> None:
    report = json.loads(render_json(run(CHAINED, diag())))
    validator().validate(report)
    chained, plain = report["diagnostics"]
    assert plain["chain"] == []
    assert chained["chain"] == [
        {"path": "src/server.py", "line": 4, "name": "get_report()"},
        {"path": "src/store.py", "line": 7, "name": "load()"},
        {"path": "src/store.py", "line": 4, "name": "requests.get"}]


def test_text_shows_each_step_after_the_first() -> None:
    out = text_output(run(CHAINED), show_source=False)
    assert "= via src/store.py:7: load()" in out
    assert "= via src/store.py:4: requests.get" in out
    assert "via src/server.py" not in out
