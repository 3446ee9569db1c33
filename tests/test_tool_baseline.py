"""FML710 and its snapshot: `--write-tool-baseline FILE` / `--tool-baseline FILE`."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from fastmcp_preflight.cli import main
from fastmcp_preflight.project.tool_snapshot import narrowed

SERVER = '''"""A catalog server."""

from typing import Annotated, Literal

from pydantic import Field
from fastmcp import FastMCP

mcp = FastMCP("catalog")


@mcp.tool
def search(query: str, limit: int = 10, sort: str | None = None) -> list[str]:
    """Search the catalog for products."""
    return [query]


@mcp.tool(name="get-item")
def get_item(item_id: Annotated[str, Field(description="The item id")]) -> dict:
    """One item of the catalog."""
    return {}


@mcp.resource("catalog://categories")
def categories() -> list[str]:
    """Every category."""
    return []


@mcp.prompt
def describe(item_id: str, tone: Literal["short", "long"] = "short") -> str:
    """Describe an item."""
    return item_id
'''


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "catalog"\n', encoding="utf-8")
    (tmp_path / "server.py").write_text(SERVER, encoding="utf-8")
    previous = os.getcwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(previous)


def _run(*args: str) -> int:
    with pytest.raises(SystemExit) as ended:
        main(["--no-cache", *args])
    code = ended.value.code
    return code if isinstance(code, int) else 0


def _findings(capsys: pytest.CaptureFixture[str]) -> list[tuple[int, str]]:
    _run("--select", "FML710", "--tool-baseline", "tools.json", "--format", "json", ".")
    report = json.loads(capsys.readouterr().out)
    return [(d["line"], d["message"]) for d in report["diagnostics"]]


def test_snapshot_is_sorted_stable_and_complete(project: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("--write-tool-baseline", "tools.json", ".") == 0
    first = (project / "tools.json").read_text(encoding="utf-8")
    assert _run("--write-tool-baseline", "tools.json", ".") == 0
    assert (project / "tools.json").read_text(encoding="utf-8") == first
    data = json.loads(first)
    server = data["servers"]["server:mcp"]
    assert sorted(server["tools"]) == ["get-item", "search"]
    assert server["tools"]["search"] == {
        "description": "Search the catalog for products.",
        "parameters": {
            "limit": {"default": "10", "required": False, "type": "int"},
            "query": {"default": None, "required": True, "type": "str"},
            "sort": {"default": "None", "required": False, "type": "str | None"}}}
    assert list(server["resources"]) == ["catalog://categories"]
    assert server["prompts"]["describe"]["parameters"]["tone"]["type"] == (
        'Literal["short", "long"]')
    assert "recorded 4 tools" in capsys.readouterr().err
    # Unchanged: nothing to report.
    assert _findings(capsys) == []


def test_breaking_changes_are_reported(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("--write-tool-baseline", "tools.json", ".") == 0
    capsys.readouterr()
    changed = (SERVER.replace("def search(query: str, limit: int = 10, sort: str | None = None)",
                              "def search(text: str, limit: int, sort: str = 'name', "
                              "region: str = 'eu')")
               .replace('@mcp.resource("catalog://categories")', '@mcp.resource("catalog://all")'))
    (project / "server.py").write_text(changed, encoding="utf-8")
    found = _findings(capsys)
    messages = [m for _, m in found]
    assert any("parameter `query` was removed or renamed (to `text`?)" in m for m in messages)
    assert any("parameter `limit` is required now" in m for m in messages)
    assert any("narrowed from `str | None` to `str`" in m for m in messages)
    assert any("resource `catalog://categories` of server `server:mcp` is gone" in m
               for m in messages)
    assert not any("region" in m for m in messages)  # a new optional parameter is fine
    # The removed resource is reported at the server, the rest at the tool's name.
    lines = {line for line, m in found if "gone" in m}
    assert lines == {8}
    assert {line for line, m in found if "search" in m} == {12}


def test_a_removed_tool_and_a_new_required_parameter(project: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("--write-tool-baseline", "tools.json", ".") == 0
    without = SERVER.split('@mcp.tool(name="get-item")')[0] + SERVER.split(
        "    return {}\n")[1]
    without = without.replace("def describe(item_id: str,", "def describe(item_id: str, "
                              "audience: str,")
    (project / "server.py").write_text(without, encoding="utf-8")
    capsys.readouterr()
    messages = [m for _, m in _findings(capsys)]
    assert any("tool `get-item` of server `server:mcp` is gone" in m for m in messages)
    assert any("prompt `describe`: new required parameter `audience`" in m for m in messages)


def test_a_bad_snapshot_is_a_usage_error(project: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    (project / "tools.json").write_text("[]", encoding="utf-8")
    assert _run("--tool-baseline", "tools.json", ".") == 2
    assert "not a tool snapshot" in capsys.readouterr().err


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("int", "int", False), ("int | None", "int", True), ("Optional[int]", "int | None", False),
    ("str", 'Literal["a"]', True), ("int", "float", False), ("float", "int", True),
    ("", "str", True), ("str", "", False), ("Union[int, str]", "int | str | None", False),
    ("list[str]", "list[str] | None", False),
])
def test_narrowing(old: str, new: str, expected: bool) -> None:
    assert narrowed(old, new) is expected
