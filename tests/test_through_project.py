"""Existing rules through the project (RULES.md, "through the project"): a finding in one file
that another file decides follows that file in warm runs, cold runs and pre-commit runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import run

from fastmcp_preflight.project.facts import FileFacts, registered_elsewhere

TOOLS = '''\
CARTS = {}


def add_item(user: str, item):
    CARTS.setdefault(user, []).append(item)
    return item
'''

SERVER = '''\
from fastmcp import FastMCP

from shop.tools import add_item

mcp = FastMCP("shop")
'''

REGISTERS = 'mcp.tool(name="add")(add_item)\n'
CALLS = '''

@mcp.tool
def add(user: str, item: str) -> str:
    """Add an item to a cart."""
    return add_item(user, item)
'''


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    (root / "shop").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'shop'\n")
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "tools.py").write_text(TOOLS)
    (root / "shop" / "server.py").write_text(SERVER)
    monkeypatch.chdir(root)
    return root


def _findings(capsys: pytest.CaptureFixture[str], *args: str) -> set[tuple[str, int, str]]:
    _, out, _ = run([*args, "--format", "json", "--select", "FML301,FML701,FML702"], capsys)
    return {(d["path"], d["line"], d["code"]) for d in json.loads(out)["diagnostics"]}


def test_findings_follow_the_registering_file_in_warm_and_precommit_runs(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server = project / "shop" / "server.py"
    assert _findings(capsys, ".") == set()  # nothing registers or calls the helper
    server.write_text(SERVER + REGISTERS)
    registered = {("shop/tools.py", 4, "FML701"), ("shop/tools.py", 4, "FML702"),
                  ("shop/tools.py", 5, "FML301")}
    assert _findings(capsys, ".") == registered  # warm: only server.py changed
    assert _findings(capsys, ".", "--no-cache") == registered
    # Pre-commit: only the helper module is named, the server comes from the cache.
    assert _findings(capsys, "shop/tools.py") == registered
    server.write_text(SERVER + CALLS)
    called = {("shop/tools.py", 5, "FML301")}
    assert _findings(capsys, ".") == called
    assert _findings(capsys, "shop/tools.py") == called
    server.write_text(SERVER)
    assert _findings(capsys, ".") == set()
    assert _findings(capsys, "shop/tools.py") == set()


def test_the_message_names_the_request_path(project: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    (project / "shop" / "server.py").write_text(SERVER + CALLS)
    _, out, _ = run([".", "--format", "json", "--select", "FML301", "--no-cache"], capsys)
    (finding,) = json.loads(out)["diagnostics"]
    assert "(called from tool `add` (server.py:" in finding["message"]
    assert "<<via>>" not in finding["message"]


def test_a_registration_that_gives_the_description_hides_the_docstring() -> None:
    """`@doc` holds only when some registration leaves the docstring as the description."""
    from fastmcp_preflight.project.facts import ToolTargetFact

    server = FileFacts("pkg/server.py", "pkg.server", tool_targets=[
        ToolTargetFact("tool", "pkg.tools.a", False, True),
        ToolTargetFact("tool", "pkg.tools.b", True, False),
        ToolTargetFact("prompt", "pkg.tools.c", False, False)])
    tools = FileFacts("pkg/tools.py", "pkg.tools")
    answers = registered_elsewhere([server, tools, FileFacts("pkg/__init__.py", "pkg")])
    assert answers.get("pkg/tools.py#a") and not answers.get("pkg/tools.py#a@doc")
    assert answers.get("pkg/tools.py#a@name")
    assert answers.get("pkg/tools.py#b@doc") and not answers.get("pkg/tools.py#b@name")
    assert answers.get("pkg/tools.py#c@doc") and not answers.get("pkg/tools.py#c@name")
    assert not answers.get("pkg/tools.py#d")
