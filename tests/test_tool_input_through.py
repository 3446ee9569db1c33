"""The answers of TOOL_INPUT_THROUGH (FML901-905 through the project) for keys that name
nothing the project has: a finding is kept or dropped as its kind says, never crashes."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_runner import run

from fastmcp_preflight.project.facts import FileFacts
from fastmcp_preflight.project.tool_input import tool_input_through


def test_a_key_this_version_did_not_write_keeps_its_finding() -> None:
    answers = tool_input_through([FileFacts(path="app/server.py", module="app.server")])
    assert answers.get("app/server.py#tool:not json") is True
    assert answers.get("app/server.py#tool:[1, 2]") is True


def test_a_tool_the_project_does_not_know_keeps_its_sink_but_no_chain() -> None:
    answers = tool_input_through([FileFacts(path="app/server.py", module="app.server")])
    # a sink in the tool, with project calls before it that might have guarded it
    assert answers.get('app/server.py#missing:{"g":[[0,[["0",["name"]]]]],"p":["name"]}') is True
    # a call of a helper: nothing to follow, no finding
    assert answers.get('app/server.py#missing:{"a":[["0",["name"],""]],"c":"FML901",'
                       '"k":0}') is False
    # a value derived only if a helper returns it: not shown, no finding
    assert answers.get('app/server.py#missing:{"p":["name"],"r":[[0,[["0",["name"]]]]]}') \
        is False


def test_a_helpers_result_passed_on_is_followed_only_when_that_helper_returns_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`run(build(name))`: the argument of `run` is derived only if `build` returns what it
    is given; the finding names `build()` before the chain, and goes once `build` returns a
    constant (nested results too: `run(wrap(build(name)))`)."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "helpers.py").write_text(
        "import os\n\n\ndef build(name):\n    return 'ls ' + name\n\n\n"
        "def wrap(command):\n    return command\n\n\n"
        "def run(command):\n    return os.system(command)\n")
    (tmp_path / "app" / "server.py").write_text(
        "from fastmcp import FastMCP\n\nfrom app.helpers import build, run, wrap\n\n"
        "mcp = FastMCP('x')\n\n\n@mcp.tool\ndef show(name: str) -> int:\n"
        "    return run(build(name))\n\n\n@mcp.tool\ndef wrapped(name: str) -> int:\n"
        "    return run(wrap(build(name)))\n")
    monkeypatch.chdir(tmp_path)
    args = ["--select", "FML901", "--format", "concise", "--no-cache", "."]
    found = run(args, capsys)[1].splitlines()
    assert [line.split(" with ")[0] for line in found] == [
        "app/server.py:10:12: FML901 tool parameter `name` reaches the shell of "
        "`os.system(...)` through `build()` and `run()` -> `os.system` (helpers.py:13)",
        "app/server.py:15:12: FML901 tool parameter `name` reaches the shell of "
        "`os.system(...)` through `wrap()` and `run()` -> `os.system` (helpers.py:13)"]
    (tmp_path / "app" / "helpers.py").write_text(
        "import os\n\n\ndef build(name):\n    return 'ls'\n\n\n"
        "def wrap(command):\n    return command\n\n\n"
        "def run(command):\n    return os.system(command)\n")
    assert run(args, capsys)[1] == ""


def test_a_result_argument_of_a_tool_the_project_does_not_know_is_no_finding() -> None:
    answers = tool_input_through([FileFacts(path="app/server.py", module="app.server")])
    assert answers.get('app/server.py#missing:{"a":[["0",["name"],"",[[0,[["0",["name"]]]]]]],'
                       '"c":"FML901","k":1}') is False
