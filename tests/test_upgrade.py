"""`fastmcp-lint --fix --select FML8` as an upgrade tool (issue 17).

Each server of fixtures/upgrade/ was written against an older FastMCP or MCP SDK API. A copy is
fixed with `--fix --select FML8`, then imported in a temporary venv holding fastmcp 4.1.6 and
mcp 2.3.0, where its tools are listed in-process (none is run): the names must be exactly
the server's `expected_tools.txt`. Before the fix, the same import fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

UPGRADE = Path(__file__).resolve().parent.parent / "fixtures" / "upgrade"
SERVERS = sorted(p for p in UPGRADE.iterdir() if p.is_dir())
PACKAGES = ("fastmcp==4.1.6", "mcp==2.3.0")

#: Run in the temporary venv: import the module by path, find its server objects and list
#: their tools (async `list_tools`, on FastMCP 4 and on the SDK 2's MCPServer alike).
LISTER = r'''
import asyncio, importlib.util, json, sys
sys.path.insert(0, sys.argv[1])
spec = importlib.util.spec_from_file_location("upgraded", sys.argv[2])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
server = getattr(module, sys.argv[3])
tools = asyncio.run(server.list_tools())
print(json.dumps(sorted(getattr(t, "name", None) or t["name"] for t in tools)))
'''

#: (folder, the module that holds the top server, the server's name in it)
ENTRY = {"fastmcp2_weather": ("server.py", "mcp"), "fastmcp3_gateway": ("gateway.py", "gateway"),
         "sdk1_notes": ("notes.py", "mcp")}


@pytest.fixture(scope="module")
def fastmcp4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with fastmcp 4.1.6 and mcp 2.3.0 (skipped when the index has neither)."""
    folder = tmp_path_factory.mktemp("fastmcp4") / "venv"
    venv.EnvBuilder(with_pip=True).create(folder)
    python = folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", *PACKAGES],
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        pytest.skip(f"cannot install {' '.join(PACKAGES)}: {done.stderr[-500:]}")
    return python


def _list_tools(python: Path, folder: Path) -> subprocess.CompletedProcess[str]:
    module, server = ENTRY[folder.name]
    return subprocess.run([str(python), "-c", LISTER, str(folder), str(folder / module), server],
                          capture_output=True, text=True, timeout=300, cwd=folder)


@pytest.mark.slow
@pytest.mark.parametrize("server", SERVERS, ids=[p.name for p in SERVERS])
def test_fix_select_fml8_upgrades_the_server(server: Path, fastmcp4: Path,
                                             tmp_path: Path) -> None:
    copy = tmp_path / server.name
    shutil.copytree(server, copy)
    before = _list_tools(fastmcp4, copy)
    assert before.returncode != 0, "the old server must not import under fastmcp 4 / mcp 2"
    fixed = subprocess.run([sys.executable, "-m", "fastmcp_preflight", "--no-cache", "--fix",
                            "--select", "FML8", "."], capture_output=True, text=True,
                           cwd=copy, timeout=300)
    assert "Fixed" in fixed.stdout + fixed.stderr, fixed.stdout + fixed.stderr
    after = _list_tools(fastmcp4, copy)
    assert after.returncode == 0, after.stderr[-3000:]
    expected = (server / "expected_tools.txt").read_text(encoding="utf-8").split()
    assert json.loads(after.stdout.strip().splitlines()[-1]) == sorted(expected)
