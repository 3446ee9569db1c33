"""Sync tools and versions (RULES.md FML105/106, DRIFT.md "Sync tools run in a threadpool"):
whether a sync tool's blocking helper is reported follows the project's target, in warm,
cold and pre-commit runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import run

STORE = '''\
import boto3

S3 = boto3.client("s3")


def keys(bucket: str) -> list:
    return S3.list_objects_v2(Bucket=bucket)["Contents"]
'''

SERVER = '''\
from fastmcp import FastMCP

from app.store import S3, keys

mcp = FastMCP("app")


@mcp.tool
def list_keys(bucket: str) -> list:
    """List a bucket's keys."""
    return keys(bucket)


@mcp.tool
def buckets() -> list:
    """List the buckets."""
    return S3.list_buckets()["Buckets"]
'''


def _pyproject(requirement: str) -> str:
    return f"[project]\nname = 'app'\ndependencies = ['{requirement}']\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    (root / "app").mkdir(parents=True)
    (root / "pyproject.toml").write_text(_pyproject("fastmcp>=2.3,<3"))
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "store.py").write_text(STORE)
    (root / "app" / "server.py").write_text(SERVER)
    monkeypatch.chdir(root)
    return root


def _findings(capsys: pytest.CaptureFixture[str], *args: str) -> dict[tuple[str, int, str], str]:
    _, out, _ = run([*args, "--format", "json", "--select", "FML105,FML106"], capsys)
    return {(d["path"], d["line"], d["code"]): d["message"]
            for d in json.loads(out)["diagnostics"]}


def test_sync_tools_follow_the_target_in_warm_and_precommit_runs(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inline = {("app/server.py", 11, "FML106"), ("app/server.py", 17, "FML105")}
    found = _findings(capsys, ".")
    assert set(found) == inline
    assert "fastmcp 2.14.1 (the project's target) runs sync tools on the event loop" in (
        found[("app/server.py", 11, "FML106")])
    assert "in sync tool `buckets`" in found[("app/server.py", 17, "FML105")]
    (project / "pyproject.toml").write_text(_pyproject("fastmcp>=3"))
    assert _findings(capsys, ".") == {}  # warm: no source changed
    assert _findings(capsys, "app/server.py") == {}
    (project / "pyproject.toml").write_text(_pyproject("fastmcp==2.9.0"))
    assert set(_findings(capsys, "app/server.py")) == inline
    assert set(_findings(capsys, ".", "--no-cache")) == inline


def test_run_in_thread_false_runs_inline_on_fastmcp_3(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pyproject.toml").write_text(_pyproject("fastmcp>=3.3,<4"))
    server = project / "app" / "server.py"
    server.write_text(SERVER.replace("@mcp.tool\ndef list_keys",
                                     "@mcp.tool(run_in_thread=False)\ndef list_keys"))
    found = _findings(capsys, ".")
    assert set(found) == {("app/server.py", 11, "FML106")}
    assert "registered with `run_in_thread=False`" in found[("app/server.py", 11, "FML106")]
