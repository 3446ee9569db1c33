"""The pre-commit hook, run by the real pre-commit framework.

A throwaway git repository holds a copy of this project (the hook repository); a second one,
the user's, points its `.pre-commit-config.yaml` at it. A commit that adds a blocking sleep in
an async tool must be refused with FML101; once fixed, the commit goes through. pre-commit
builds the hook's own environment (it needs PyPI).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HOOK_FILES = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml")
HOOK_DIRS = ("src", "rules")
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".venv", "*.egg-info", "build", "dist")

BAD_SERVER = '''\
import time

from fastmcp import FastMCP
from starlette.requests import Request
from starlette.responses import PlainTextResponse

mcp = FastMCP("demo")


@mcp.custom_route("/health", methods=["GET"])
async def health(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


@mcp.tool
async def slow() -> str:
    """Wait one second, then report that the work is done."""
    time.sleep(1)
    return "done"


if __name__ == "__main__":
    mcp.run(transport="http")
'''
GOOD_SERVER = BAD_SERVER.replace("import time", "import asyncio").replace(
    "time.sleep(1)", "await asyncio.sleep(1)")

pytestmark = [
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
    pytest.mark.slow,
]


def _env(tmp: Path) -> dict[str, str]:
    """git and pre-commit isolated in tmp: no global config, no outer repository."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("GIT_") or key in ("GIT_SSL_CAINFO",)}
    for key in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "XDG_CONFIG_HOME"):
        env.pop(key, None)
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    env.update({
        "HOME": str(home),
        "PRE_COMMIT_HOME": str(tmp / "pre-commit-home"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "fastmcp-lint tests",
        "GIT_AUTHOR_EMAIL": "tests@example.invalid",
        "GIT_COMMITTER_NAME": "fastmcp-lint tests",
        "GIT_COMMITTER_EMAIL": "tests@example.invalid",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "NO_COLOR": "1",
    })
    return env


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, text=True, capture_output=True,
                          timeout=900, check=False)


def _ok(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = _run(args, cwd, env)
    assert result.returncode == 0, (
        f"{' '.join(args)} exited {result.returncode}\n"
        f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}")
    return result


def _git_init(path: Path, env: dict[str, str]) -> None:
    _ok(["git", "init", "-q", str(path)], path.parent, env)
    _ok(["git", "config", "user.name", env["GIT_AUTHOR_NAME"]], path, env)
    _ok(["git", "config", "user.email", env["GIT_AUTHOR_EMAIL"]], path, env)
    _ok(["git", "config", "commit.gpgsign", "false"], path, env)


def _hook_repo(tmp: Path, env: dict[str, str]) -> tuple[Path, str]:
    """A git repository with the files pre-commit needs to install this project as a hook."""
    repo = tmp / "hook-repo"
    repo.mkdir()
    for name in HOOK_FILES:
        shutil.copy2(ROOT / name, repo / name)
    for name in HOOK_DIRS:
        shutil.copytree(ROOT / name, repo / name, ignore=_IGNORE)
    _git_init(repo, env)
    _ok(["git", "add", "-A"], repo, env)
    _ok(["git", "commit", "-q", "-m", "fastmcp-lint hook"], repo, env)
    sha = _ok(["git", "rev-parse", "HEAD"], repo, env).stdout.strip()
    return repo, sha


def test_hook_blocks_then_allows_commit(tmp_path: Path) -> None:
    env = _env(tmp_path)
    hook_repo, sha = _hook_repo(tmp_path, env)

    user = tmp_path / "user-repo"
    user.mkdir()
    _git_init(user, env)
    (user / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {hook_repo.as_posix()}\n"
        f"    rev: {sha}\n"
        "    hooks:\n"
        "      - id: fastmcp-lint\n",
        encoding="utf-8",
    )
    _ok([sys.executable, "-m", "pre_commit", "install"], user, env)
    assert (user / ".git" / "hooks" / "pre-commit").is_file()

    server = user / "server.py"
    server.write_text(BAD_SERVER, encoding="utf-8")
    _ok(["git", "add", ".pre-commit-config.yaml", "server.py"], user, env)
    refused = _run(["git", "commit", "-m", "x"], user, env)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0, f"the commit went through:\n{output}"
    assert "FML101" in output, output
    assert "server.py" in output, output
    assert _run(["git", "rev-parse", "--verify", "-q", "HEAD"], user, env).returncode != 0

    server.write_text(GOOD_SERVER, encoding="utf-8")
    _ok(["git", "add", "server.py"], user, env)
    accepted = _run(["git", "commit", "-m", "x"], user, env)
    output = accepted.stdout + accepted.stderr
    assert accepted.returncode == 0, f"the fixed commit was refused:\n{output}"
    assert "fastmcp-lint" in output and "Passed" in output, output
    log = _ok(["git", "log", "--format=%s"], user, env).stdout.split()
    assert log == ["x"]
