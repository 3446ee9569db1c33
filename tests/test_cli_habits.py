"""ruff's command-line habits, through the command: `--output-format`, `--fix-only`,
`--show-fixes`, `--add-noqa`, `--exclude`/`--extend-exclude`, JSON and `--select` for
`--statistics`/`--diff`/`--list-rules`, a warning for a folder without Python files, long
source lines cut at the terminal's width, and singular nouns for one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import run

SERVER = '''\
import time

from fastmcp import FastMCP

mcp = FastMCP("demo")


@mcp.tool
async def slow() -> str:
    """Wait one second, then report that the work is done."""
    time.sleep(1)
    return "done"
'''
#: Lines of SERVER where FML401 (the server) and FML101 (the sleep) are reported.
SERVER_LINE, SLEEP_LINE = 5, 11

ARGS = ["--no-cache"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n", encoding="utf-8")
    (tmp_path / "server.py").write_text(SERVER, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def test_output_format_is_an_alias_of_format(project: Path, capsys) -> None:
    assert run([*ARGS, "--format", "concise"], capsys) == run(
        [*ARGS, "--output-format", "concise"], capsys)
    code, out, _ = run([*ARGS, "--output-format", "json"], capsys)
    assert code == 1 and json.loads(out)["summary"]["by_code"] == {"FML101": 1, "FML401": 1}


def test_fix_only_fixes_and_does_not_report_what_remains(project: Path, capsys) -> None:
    code, out, err = run([*ARGS, "--fix-only"], capsys)
    assert code == 0
    assert out == ""
    assert "Fixed 1 problem." in err and "FML401" not in err
    assert "await asyncio.sleep(1)" in (project / "server.py").read_text(encoding="utf-8")
    assert run([*ARGS, "--format", "concise"], capsys)[1].count("FML401") == 1


def test_show_fixes_lists_what_was_and_what_would_be_fixed(project: Path, capsys) -> None:
    code, _, err = run([*ARGS, "--show-fixes"], capsys)
    assert code == 1
    assert "--fix would fix 1 problem:\n- server.py:\n    1 x FML101 (blocking-sleep-in-async)\n" \
        in err
    assert "time.sleep(1)" in (project / "server.py").read_text(encoding="utf-8")
    code, out, err = run([*ARGS, "--fix", "--show-fixes"], capsys)
    assert code == 1  # FML401 remains
    assert "Fixed 1 problem:\n- server.py:\n    1 x FML101 (blocking-sleep-in-async)\n" in err
    assert "FML401" in out


def test_add_noqa_silences_each_finding_and_keeps_the_file_intact(project: Path,
                                                                   capsys) -> None:
    server = project / "server.py"
    text = SERVER.replace("    time.sleep(1)\n", "    time.sleep(1)  # noqa: E501 because\n")
    text = text.replace('    return "done"\n', '    x = """a\n    b""" ; time.sleep(2)\n'
                        '    return "done" + x  # a note\n')
    server.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    code, out, err = run([*ARGS, "--add-noqa"], capsys)
    assert (code, out) == (0, "")
    assert "added 3 noqa codes to 1 file" in err
    lines = server.read_bytes().decode("utf-8").split("\r\n")
    assert lines[SERVER_LINE - 1] == 'mcp = FastMCP("demo")  # noqa: FML401'
    assert lines[SLEEP_LINE - 1] == "    time.sleep(1)  # noqa: E501, FML101 because"
    assert lines[SLEEP_LINE + 1] == '    b""" ; time.sleep(2)  # noqa: FML101'
    assert lines[SLEEP_LINE + 2] == '    return "done" + x  # a note'
    assert "\n" not in server.read_bytes().decode("utf-8").replace("\r\n", "")
    assert run([*ARGS], capsys)[0] == 0
    before = server.read_bytes()
    code, _, err = run([*ARGS, "--add-noqa"], capsys)
    assert code == 0 and "added 0 noqa codes to 0 files" in err
    assert server.read_bytes() == before


def test_add_noqa_inside_a_multiline_string_goes_after_it(project: Path, capsys) -> None:
    """A finding inside a multi-line string is silenced on the string's last line, where the
    suppression looks; FML501 reports a secret in the middle of one."""
    (project / "server.py").unlink()
    config = project / "settings.py"
    config.write_text('HELP = """\nuse it\n"""\nAPI_KEY = "sk-' + "a1B2c3D4" * 5 + '"\n',
                      encoding="utf-8")
    found = run([*ARGS, "--format", "json", "--select", "FML501"], capsys)[1]
    assert json.loads(found)["summary"]["by_code"] == {"FML501": 1}
    code, _, err = run([*ARGS, "--add-noqa", "--select", "FML501"], capsys)
    assert code == 0, err
    assert config.read_text(encoding="utf-8").splitlines()[3].endswith("  # noqa: FML501")
    assert run([*ARGS, "--select", "FML501"], capsys)[0] == 0


def test_add_noqa_refuses_a_backslash_continued_line(project: Path, capsys) -> None:
    server = project / "server.py"
    server.write_text(SERVER.replace("    time.sleep(1)\n", "    time.sleep(\\\n        1)\n"),
                      encoding="utf-8")
    before = server.read_text(encoding="utf-8")
    code, _, err = run([*ARGS, "--add-noqa", "--select", "FML101"], capsys)
    assert code == 1
    assert f"server.py: line {SLEEP_LINE}: a line continued with a backslash" in err
    assert server.read_text(encoding="utf-8") == before


def test_add_noqa_cannot_be_combined_with_fixing(project: Path, capsys) -> None:
    code, _, err = run([*ARGS, "--add-noqa", "--fix"], capsys)
    assert code == 2 and "--add-noqa cannot be used with --fix" in err


def test_exclude_and_extend_exclude_on_the_command_line(project: Path, capsys) -> None:
    for folder in ("generated", "build"):
        (project / folder).mkdir()
        (project / folder / "server2.py").write_text(SERVER, encoding="utf-8")

    def paths(*args: str) -> set[str]:
        out = run([*ARGS, "--format", "json", *args], capsys)[1]
        return {d["path"] for d in json.loads(out)["diagnostics"]}

    assert paths() == {"server.py", "generated/server2.py"}  # build/ is a default exclude
    assert paths("--extend-exclude", "generated") == {"server.py"}
    assert paths("--extend-exclude", "generated,server.py") == set()
    # --exclude replaces the defaults, as in ruff: build/ is linted now
    assert paths("--exclude", "generated") == {"server.py", "build/server2.py"}


def test_statistics_honours_json_and_select(project: Path, capsys) -> None:
    code, out, _ = run([*ARGS, "--statistics", "--format", "json"], capsys)
    assert code == 1
    assert json.loads(out) == [
        {"code": "FML101", "name": "blocking-sleep-in-async", "count": 1, "fixable": 1},
        {"code": "FML401", "name": "missing-health-check", "count": 1, "fixable": 0},
    ]
    out = run([*ARGS, "--statistics", "--output-format", "json", "--select", "FML401"],
              capsys)[1]
    assert [row["code"] for row in json.loads(out)] == ["FML401"]


def test_diff_honours_json_and_select(project: Path, capsys) -> None:
    code, out, err = run([*ARGS, "--diff", "--format", "json"], capsys)
    assert code == 1
    report = json.loads(out)
    assert report["fixes"] == 1 and report["errors"] == []
    [entry] = report["files"]
    assert entry["path"] == "server.py" and entry["fixed"] == {"FML101": 1}
    assert "+    await asyncio.sleep(1)" in entry["diff"]
    assert "1 fix would be applied to 1 file" in err
    code, out, err = run([*ARGS, "--diff", "--format", "json", "--select", "FML401"], capsys)
    assert code == 0 and json.loads(out) == {"fixes": 0, "files": [], "errors": []}
    assert "0 fixes would be applied to 0 files" in err


def test_list_rules_honours_select_in_text_and_json(project: Path, capsys) -> None:
    everything = run(["--list-rules"], capsys)[1].splitlines()
    chosen = run(["--list-rules", "--select", "FML1"], capsys)[1].splitlines()
    assert len(chosen) < len(everything)
    assert chosen and all(line.startswith("FML1") for line in chosen)
    rows = json.loads(run(["--list-rules", "--format", "json", "--select", "FML1",
                           "--ignore", "FML104"], capsys)[1])
    codes = [row["code"] for row in rows]
    assert "FML101" in codes and "FML104" not in codes
    assert all(code.startswith("FML1") for code in codes)


def test_a_folder_without_python_files_warns(project: Path, capsys) -> None:
    (project / "docs").mkdir()
    (project / "docs" / "index.md").write_text("# docs\n", encoding="utf-8")
    code, _, err = run([*ARGS, "docs"], capsys)
    assert code == 0
    assert "warning: no Python files found in docs" in err
    code, _, err = run([*ARGS, "docs", "server.py"], capsys)
    assert code == 1 and "no Python files found in docs" in err
    assert "no Python files" not in run([*ARGS, "."], capsys)[2]


def test_long_and_binary_lines_are_cut_at_the_terminal_width(
        project: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    padding = "x" * 300
    (project / "server.py").write_text(
        SERVER.replace("    time.sleep(1)\n",
                       f"    {padding!r} and time.sleep(1) and {padding!r}\n"),
        encoding="utf-8")
    (project / "blob.py").write_bytes(b"x = (\x00\x01\x02" + b"\xff\xfe" * 400 + b"\n")
    _, out, _ = run([*ARGS, "--select", "FML101"], capsys)
    lines = out.splitlines()
    for number, line in enumerate(lines):
        if line.split(" | ")[0].strip().isdigit():  # a source line and its marker
            assert len(line) <= 60, line
        if line.startswith(f"{SLEEP_LINE} | "):
            marker = lines[number + 1]
            assert line.startswith(f"{SLEEP_LINE} | \u2026") and line.endswith("\u2026")
            start = marker.index("^")
            assert line[start:start + len("time.sleep(1)")] == "time.sleep(1)"
            assert marker.count("^") == len("time.sleep(1)")
    assert any(line.startswith("blob.py:") and "FML000" in line for line in lines)
    assert any(line.startswith("1 | ") and "\u2026" in line for line in lines)


def test_one_is_singular_everywhere(project: Path, capsys, tmp_path: Path) -> None:
    _, out, _ = run([*ARGS, "--select", "FML101"], capsys)
    assert "Found 1 problem (1 error, 0 warnings) in 1 file checked." in out
    report = tmp_path / "report.json"
    _, _, err = run([*ARGS, "--select", "FML101", "--format", "json", "-o", str(report)],
                    capsys)
    assert "1 problem in 1 file;" in err
    _, _, err = run([*ARGS, "--write-baseline", str(tmp_path / "b.json"), "--select",
                     "FML101"], capsys)
    assert "recorded 1 problem in" in err
    _, out, _ = run([*ARGS, "--format", "checklist"], capsys)
    assert "(1 file checked)" in out
    _, _, err = run([*ARGS, "--diff"], capsys)
    assert "1 fix would be applied to 1 file" in err
    (project / "server.py").write_text("x = 1\n", encoding="utf-8")
    _, out, _ = run([*ARGS], capsys)
    assert "All checks passed! (1 file checked)" in out


@pytest.mark.slow
def test_add_noqa_over_every_fixture_silences_all_and_changes_no_code(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    import ast
    import shutil

    source = Path(__file__).resolve().parents[1] / "fixtures"
    copy = tmp_path / "fixtures"
    shutil.copytree(source, copy)
    monkeypatch.chdir(copy)
    every = [*ARGS, "--include-tests", "--select", "ALL"]
    before = json.loads(run([*every, "--format", "json"], capsys)[1])["summary"]["diagnostics"]
    assert before > 100
    code, _, err = run([*every, "--add-noqa"], capsys)
    assert code == 0, err
    assert run([*every, "--format", "json"], capsys)[1].count('"code": "FML') == 0
    edited = 0
    for original in source.rglob("*.py"):
        new = (copy / original.relative_to(source)).read_bytes()
        old = original.read_bytes()
        if new != old:
            edited += 1
            assert ast.dump(ast.parse(new)) == ast.dump(ast.parse(old)), original
            assert new.count(b"\n") == old.count(b"\n"), original
    assert edited > 50
