"""Every malformed configuration, through the command line: exit 2 and one line on stderr
naming the file, the key and what was expected. Nothing is linted, and nothing crashes."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_runner import run

TABLE = "[tool.fastmcp-lint]\n"

# (pyproject.toml text, what the one line must contain besides the file name)
CASES: dict[str, tuple[str, tuple[str, ...]]] = {
    # --- not TOML ---------------------------------------------------------------------------------
    "unclosed table header": ("[tool.fastmcp-lint\nselect = [\n",
                              ("invalid TOML", "line 1")),
    "unclosed array": (TABLE + "select = [\"FML101\"\n", ("invalid TOML",)),
    "duplicate key": (TABLE + "select = []\nselect = []\n", ("invalid TOML",)),
    "bare words": (TABLE + "select = FML101\n", ("invalid TOML",)),
    # --- wrong types ------------------------------------------------------------------------------
    "table is a number": ("[tool]\nfastmcp-lint = 5\n",
                          ("[tool.fastmcp-lint]", "expected a table, got int")),
    "select is a string": (TABLE + 'select = "FML101"\n',
                           ("select:", "expected a list of strings, got str")),
    "select holds a number": (TABLE + "select = [1]\n", ("select[0]:", "expected a string")),
    "exclude is a string": (TABLE + 'exclude = "vendor"\n',
                            ("exclude:", "expected a list of strings")),
    "extend-exclude nested": (TABLE + 'extend-exclude = [["a"]]\n',
                              ("extend-exclude[0]:", "expected a string, got list")),
    "respect-gitignore": (TABLE + 'respect-gitignore = "yes"\n',
                          ("respect-gitignore:", "expected true or false, got str")),
    "severity is a string": (TABLE + 'severity = "error"\n',
                             ("severity:", "expected a table")),
    "severity level": (TABLE + 'severity = { FML101 = "fatal" }\n',
                       ("severity.FML101:", 'expected "error" or "warning"', "'fatal'")),
    "fail-on": (TABLE + 'fail-on = "never"\n', ("fail-on:", 'expected "error" or "warning"')),
    "per-file-ignores is a list": (TABLE + 'per-file-ignores = ["tests/*"]\n',
                                   ("per-file-ignores:", "expected a table of glob = [codes]")),
    "per-file-ignores codes": (TABLE + 'per-file-ignores = { "tests/*" = "FML101" }\n',
                               ('per-file-ignores."tests/*":', "expected a list of strings")),
    "blocking call": (TABLE + 'extend-blocking-calls = ["not a name"]\n',
                      ("extend-blocking-calls[0]:", "expected a dotted name")),
    "empty plugin": (TABLE + 'plugins = [""]\n', ("plugins[0]:", "expected a non-empty string")),
    "cache-dir": (TABLE + "cache-dir = 1\n", ("cache-dir:", "expected a string, got int")),
    # --- unknown keys -----------------------------------------------------------------------------
    "misspelt key": (TABLE + "selct = []\n",
                     ("unknown key 'selct'", "expected one of:", "did you mean 'select'?")),
    "unknown key": (TABLE + "jobs = 4\n", ("unknown key 'jobs'", "expected one of:")),
    # --- unknown rule codes -----------------------------------------------------------------------
    "select code": (TABLE + 'select = ["FML999"]\n',
                    ("select:", "'FML999'", "expected a rule code")),
    "ignore name": (TABLE + 'ignore = ["no-such-rule"]\n',
                    ("ignore:", "'no-such-rule'", "expected a rule code")),
    "extend-select code": (TABLE + 'extend-select = ["XYZ1"]\n',
                           ("extend-select:", "'XYZ1'", "expected a rule code")),
    "severity code": (TABLE + 'severity = { FML999 = "error" }\n',
                      ("severity", "'FML999'", "expected a rule code")),
    "per-file-ignores code": (TABLE + 'per-file-ignores = { "tests/*" = ["FML999"] }\n',
                              ("per-file-ignores", "'FML999'", "expected a rule code")),
    # --- bad globs and paths ----------------------------------------------------------------------
    "exclude pattern": (TABLE + 'exclude = ["[z-a]"]\n',
                        ("exclude[0]:", "'[z-a]'", "expected a gitignore-style pattern")),
    "extend-exclude pattern": (TABLE + 'extend-exclude = ["ok", "gen/[z-a]/x"]\n',
                               ("extend-exclude[1]:", "expected a gitignore-style pattern")),
    "glob that can't match": (TABLE + 'per-file-ignores = { "[z-a].py" = ["FML101"] }\n',
                              ('per-file-ignores."[z-a].py":', "can never match",
                               "expected a glob")),
    "empty glob": (TABLE + 'per-file-ignores = { "" = ["FML101"] }\n',
                   ('per-file-ignores."":', "empty glob", "expected a glob")),
    "plugin outside the project": (TABLE + 'plugins = ["../elsewhere.py"]\n',
                                   ("plugins[0]:", "outside the project",
                                    "expected a module or folder inside the project root")),
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app.py").write_text("import time\nasync def f():\n    time.sleep(1)\n")
    (tmp_path / "elsewhere.py").write_text("x = 1\n")
    root = tmp_path / "project"
    root.mkdir()
    (root / "app.py").write_text("import time\nasync def f():\n    time.sleep(1)\n")
    monkeypatch.chdir(root)
    return root


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_config_is_exit_2_naming_file_key_and_expectation(
        project: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    text, fragments = CASES[case]
    (project / "pyproject.toml").write_text(text, encoding="utf-8")
    code, out, err = run(["app.py"], capsys)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("fastmcp-lint: error: pyproject.toml: "), err
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"


def test_config_that_is_not_utf8(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pyproject.toml").write_bytes(b"\xff\xfe[tool.fastmcp-lint]\n")
    code, _, err = run(["app.py"], capsys)
    assert code == 2
    assert err.strip() == ("fastmcp-lint: error: pyproject.toml: invalid TOML: not UTF-8 "
                           "(invalid start byte)")


def test_missing_plugin_folder(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pyproject.toml").write_text(TABLE + 'plugins = ["lint_rules/"]\n')
    code, _, err = run(["app.py"], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "[tool.fastmcp-lint] plugins: 'lint_rules/' does not exist" in err
    assert "expected a rule module or a folder of them" in err


@pytest.mark.parametrize(("name", "text", "fragments"), [
    ("lint.toml", "[tool.fastmcp-lint]\nselect = []\n",
     ("lint.toml: unknown key 'tool'", "a standalone config file holds the settings at its top")),
    ("lint.toml", "select = 3\n", ("lint.toml: select: expected a list of strings",)),
    ("pyproject.toml", "[project]\nname = 'x'\n",
     ("no [tool.fastmcp-lint] table", "must have one")),
])
def test_malformed_config_given_with_config_option(
        project: Path, capsys: pytest.CaptureFixture[str], name: str, text: str,
        fragments: tuple[str, ...]) -> None:
    (project / "settings").mkdir()
    (project / "settings" / name).write_text(text)
    code, out, err = run(["--config", f"settings/{name}", "app.py"], capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in {err!r}"


def test_config_option_naming_a_missing_file(project: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["--config", "nope.toml", "app.py"], capsys)
    assert code == 2
    assert err.strip() == "fastmcp-lint: error: config file 'nope.toml' does not exist"


def test_a_good_config_beside_them_still_lints(project: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pyproject.toml").write_text(
        TABLE + 'per-file-ignores = { "tests/*" = ["FML101"], "[ab]*.py" = ["FML301"] }\n'
        'plugins = []\nexclude = ["vendor/", "gen/**/*.py"]\n')
    code, out, _ = run(["--format", "concise", "app.py"], capsys)
    assert code == 1
    assert "app.py:3:5: FML101" in out
