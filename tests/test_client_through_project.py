"""FML402 through project classes (RULES.md FML402): a tool that instantiates a project class
whose constructor builds a new HTTP client is reported at the instantiation, and the finding
follows the class's file in warm, cold and pre-commit runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import run

PER_INSTANCE = '''\
import httpx


class ApiClient:
    def __init__(self) -> None:
        self.client = httpx.AsyncClient(timeout=10)

    async def get(self, path: str) -> dict:
        return (await self.client.get(path)).json()
'''

LAZY = '''\
import httpx


class ApiClient:
    _client = None

    def __init__(self) -> None:
        if ApiClient._client is None:
            ApiClient._client = httpx.AsyncClient(timeout=10)
        self.client = ApiClient._client

    async def get(self, path: str) -> dict:
        return (await self.client.get(path)).json()
'''

GLOBAL_REBOUND = '''\
import httpx

CLIENT = None


class ApiClient:
    def __init__(self) -> None:
        global CLIENT
        CLIENT = httpx.AsyncClient(timeout=10)

    async def get(self, path: str) -> dict:
        return (await CLIENT.get(path)).json()
'''

SERVER = '''\
from fastmcp import FastMCP

from app.api import ApiClient

mcp = FastMCP("app")


@mcp.tool
async def current(city: str) -> dict:
    """The current weather."""
    api = ApiClient()
    return await api.get(city)
'''


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    (root / "app").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "api.py").write_text(PER_INSTANCE)
    (root / "app" / "server.py").write_text(SERVER)
    monkeypatch.chdir(root)
    return root


def _findings(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict]:
    _, out, _ = run([*args, "--format", "json", "--select", "FML402"], capsys)
    return json.loads(out)["diagnostics"]


def _places(found: list[dict]) -> set[tuple[str, int, int]]:
    return {(d["path"], d["line"], d["column"]) for d in found}


def test_the_finding_follows_the_class_file(project: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    api = project / "app" / "api.py"
    at = {("app/server.py", 11, 11)}
    (finding,) = _findings(capsys, ".")
    assert _places([finding]) == at
    assert finding["message"].startswith(
        "`ApiClient()` -> `httpx.AsyncClient` (api.py:6) in `current` creates a new client")
    assert [(s["path"], s["line"], s["name"]) for s in finding["chain"]] == [
        ("app/server.py", 11, "ApiClient()"), ("app/api.py", 6, "httpx.AsyncClient")]
    api.write_text(LAZY)
    assert _findings(capsys, ".") == []  # warm: only api.py changed
    assert _findings(capsys, "app/server.py") == []  # pre-commit: api.py from the cache
    api.write_text(GLOBAL_REBOUND)  # rebinding a global on every instance is per call
    assert _places(_findings(capsys, "app/server.py")) == at
    assert _places(_findings(capsys, ".", "--no-cache")) == at
    api.write_text(LAZY)
    assert _findings(capsys, "app/api.py") == []
    assert _findings(capsys, ".") == []
