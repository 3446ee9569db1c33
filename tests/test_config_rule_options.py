"""Typed per-rule options: `[tool.fastmcp-lint.rules.<CODE>]` tables, checked against what the
rule declares when the config loads (also when the rules come from the manifest), read by the
rule as typed values, shown by `--explain`, and part of the cache key."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_runner import run
from fastmcp_preflight.rules.fml704_short_tool_description import ShortToolDescription

from fastmcp_preflight.plugins.options import OptionSpec, check_rule_options, option_specs

SERVER = ("from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n\n"
          "@mcp.tool(description='Adds a and b.')\ndef add(a: int, b: int) -> int:\n"
          "    return a + b\n")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "server.py").write_text(SERVER)
    return tmp_path


def config(folder: Path, table: str) -> None:
    (folder / "pyproject.toml").write_text(f"[tool.fastmcp-lint]\n{table}")


def test_an_option_changes_what_the_rule_reports(folder: Path, capsys) -> None:
    args = ["--select", "FML704", "--format", "concise"]
    code, out, _ = run(args, capsys)
    assert code == 1 and "FML704" in out and "13 characters" in out
    config(folder, "[tool.fastmcp-lint.rules.FML704]\nmin-characters = 10\n")
    assert run(args, capsys)[0] == 0  # the cached result of the first run is not served
    config(folder, "[tool.fastmcp-lint.rules.FML704]\nmin-characters = 10\nmin-words = 5\n")
    code, out, _ = run(args, capsys)
    assert code == 1 and "4 word(s)" in out
    config(folder, "")
    assert run(args, capsys)[0] == 1


CASES = {
    "unknown option": ("[tool.fastmcp-lint.rules.FML704]\nmin-chars = 10\n",
                       "pyproject.toml: [tool.fastmcp-lint.rules.FML704]: unknown option "
                       "'min-chars' (expected one of: min-characters, min-words); did you "
                       "mean 'min-characters'?"),
    "wrong type": ("[tool.fastmcp-lint.rules.FML704]\nmin-characters = '10'\n",
                   "pyproject.toml: [tool.fastmcp-lint.rules.FML704]: min-characters: "
                   "expected an integer, got str"),
    "a bool is not an integer": ("[tool.fastmcp-lint.rules.FML704]\nmin-words = true\n",
                                 "min-words: expected an integer, got bool"),
    "unknown code": ("[tool.fastmcp-lint.rules.FML7040]\nmin-words = 1\n",
                     "pyproject.toml: [tool.fastmcp-lint.rules.FML7040]: unknown rule code "
                     "'FML7040'; did you mean FML704?"),
    "a rule without options": ("[tool.fastmcp-lint.rules.FML101]\nstrict = true\n",
                               "[tool.fastmcp-lint.rules.FML101]: strict: rule FML101 has no "
                               "options"),
    "not a table": ("rules = { FML704 = 3 }\n",
                    "pyproject.toml: [tool.fastmcp-lint] rules.FML704: expected a table of "
                    "options, got int"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_table_is_a_clear_error(folder: Path, capsys, case: str) -> None:
    table, message = CASES[case]
    config(folder, table)
    code, out, err = run(["--select", "FML704"], capsys)
    assert (code, out) == (2, "")
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_the_table_is_checked_when_the_rules_come_from_the_manifest(folder: Path,
                                                                     capsys) -> None:
    """A warm run reads the rules' metadata, not their classes: the check still holds."""
    config(folder, "[tool.fastmcp-lint.rules.FML704]\nmin-characters = 10\n")
    assert run(["--select", "FML704"], capsys)[0] == 0
    assert list(folder.glob(".fastmcp-lint-cache/v1/manifest-*.json"))
    config(folder, "[tool.fastmcp-lint.rules.FML704]\nmin-characters = 1.5\n")
    code, _, err = run(["--select", "FML704"], capsys)
    assert code == 2 and "min-characters: expected an integer, got float" in err


def test_a_standalone_config_names_its_own_table(folder: Path, capsys) -> None:
    (folder / "lint.toml").write_text("[rules.FML704]\nmin-words = 'x'\n")
    code, _, err = run(["--config", "lint.toml"], capsys)
    assert code == 2 and "lint.toml: [rules.FML704]: min-words: expected an integer" in err


def test_explain_shows_the_options(capsys) -> None:
    code, out, _ = run(["--explain", "FML704"], capsys)
    assert code == 0
    assert "## Options" in out and "[tool.fastmcp-lint.rules.FML704]" in out
    assert "- `min-characters` (int, default 20)" in out
    assert "- `min-words` (int, default 3)" in out


def test_the_declared_options() -> None:
    assert option_specs(ShortToolDescription) == (
        OptionSpec("min-characters", "min_characters", "int", 20,
                   "a description, stripped, shorter than this is reported when its words "
                   "say nothing beyond the tool's name and parameter names"),
        OptionSpec("min-words", "min_words", "int", 3,
                   "a description with fewer whitespace-separated words is always reported"),
    )


PLUGIN = '''
from dataclasses import dataclass

import libcst as cst

from fastmcp_preflight.api import Rule


@dataclass(frozen=True)
class Banned:
    names: tuple[str, ...] = ("eval",)
    weight: float = 1.0
    loud: bool = False
    prefix: str = ""


class NoBannedCalls(Rule):
    code = "ACME101"
    name = "no-banned-calls"
    severity = "warning"
    checklist = "(tool quality)"
    summary = "banned call"
    what = why = instead = "test"
    OPTIONS = Banned

    def visit_Call(self, node: cst.Call) -> None:
        options = self.options(Banned)
        if isinstance(node.func, cst.Name) and node.func.value in options.names:
            self.report(node, f"{options.prefix}{node.func.value} x{options.weight}"
                              f"{'!' if options.loud else ''}")
'''


def test_a_plugin_declares_and_reads_typed_options(folder: Path, capsys) -> None:
    (folder / "acme.py").write_text(PLUGIN)
    (folder / "server.py").write_text("eval('1')\nexec('2')\n")
    config(folder, "plugins = ['acme.py']\n[tool.fastmcp-lint.rules.ACME101]\n"
                   "names = ['exec']\nweight = 2\nloud = true\nprefix = 'no '\n")
    code, out, _ = run(["--select", "ACME101", "--format", "concise"], capsys)
    assert code == 1
    assert "server.py:2:1: ACME101 no exec x2.0!" in out and "eval" not in out
    config(folder, "plugins = ['acme.py']\n[tool.fastmcp-lint.rules.ACME101]\nnames = [1]\n")
    code, _, err = run(["--select", "ACME101"], capsys)
    assert code == 2 and "names: expected a list of strings, got list of mixed values" in err


@pytest.mark.parametrize(("options", "problem"), [
    ("OPTIONS = dict", "OPTIONS must be a dataclass"),
    ("OPTIONS = Bad", "option `when` has type"),
    ("OPTIONS = NoDefault", "option `size` has no default"),
])
def test_a_plugin_with_unusable_options_fails_to_load(folder: Path, capsys, options: str,
                                                      problem: str) -> None:
    extra = ("\n@dataclass(frozen=True)\nclass Bad:\n    when: list[int] | None = None\n"
             "\n@dataclass(frozen=True)\nclass NoDefault:\n    size: int\n\n")
    source = PLUGIN.replace("    OPTIONS = Banned", f"    {options}").replace(
        "class NoBannedCalls", extra + "class NoBannedCalls")
    (folder / "acme.py").write_text(source)
    config(folder, "plugins = ['acme.py']\n")
    code, _, err = run(["--select", "ACME101", "--no-cache"], capsys)
    assert code == 2 and "plugin 'acme.py': rule ACME101: " + problem in err


def test_check_rule_options_converts_to_plain_sorted_data() -> None:
    checked = check_rule_options({"FML704": ShortToolDescription},
                                 {"FML704": {"min-words": 1, "min-characters": 5}},
                                 lambda code: code)
    assert checked == (("FML704", (("min_characters", 5), ("min_words", 1))),)


PROJECT_PLUGIN = '''
from dataclasses import dataclass

from fastmcp_preflight.api import Location, ProjectFinding, ProjectRule


@dataclass(frozen=True)
class Limit:
    max_files: int = 10


class TooManyFiles(ProjectRule):
    code = "ACME201"
    name = "too-many-files"
    severity = "warning"
    checklist = "(tool quality)"
    summary = "too many files"
    what = why = instead = "test"
    OPTIONS = Limit

    def check(self, files):
        limit = self.options(Limit).max_files
        if len(files) > limit:
            first = sorted(files, key=lambda f: f.path)[0]
            yield ProjectFinding(first.path, Location(1, 1, 1, 1),
                                 f"{len(files)} files, more than {limit}")
'''


def test_a_project_rule_reads_its_options(folder: Path, capsys) -> None:
    (folder / "acme.py").write_text(PROJECT_PLUGIN)
    (folder / "other.py").write_text("x = 1\n")
    args = ["--select", "ACME201", "--format", "concise"]
    config(folder, "plugins = ['acme.py']\n")
    assert run(args, capsys)[0] == 0
    config(folder, "plugins = ['acme.py']\n[tool.fastmcp-lint.rules.ACME201]\nmax-files = 1\n")
    code, out, _ = run(args, capsys)
    assert code == 1 and "ACME201 3 files, more than 1" in out
