"""`fastmcp-lint - --stdin-filename PATH`, run as editors run it: a process fed on stdin.

The text stands in for the file at PATH: that path's config, per-file ignores and project
apply, the other files of the project come from disk, and `--fix` prints the fixed text.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BLOCKING = '''\
import time
from fastmcp import FastMCP

mcp = FastMCP("demo")


@mcp.tool
async def slow() -> str:
    """Wait one second, then return the word ok to the caller."""
    time.sleep(1)
    return "ok"
'''

CLEAN = '''\
from fastmcp import FastMCP

mcp = FastMCP("demo")


@mcp.tool
async def fast() -> str:
    """Return the word ok at once, for checking that the server answers."""
    return "ok"
'''

HEALTH = '''\
from starlette.responses import PlainTextResponse

from pkg.server import mcp


@mcp.custom_route("/health", methods=["GET"])
async def health(request):
    return PlainTextResponse("ok")
'''


def lint(cwd: Path, text: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fastmcp_preflight", *args], cwd=cwd,
                          input=text, capture_output=True, text=True, encoding="utf-8",
                          timeout=120)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n\n[tool.fastmcp-lint]\n'
        'per-file-ignores = { "pkg/quiet.py" = ["FML101"] }\n',
        encoding="utf-8")
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "server.py").write_text(CLEAN, encoding="utf-8")
    return tmp_path


def test_the_text_on_stdin_replaces_the_file_on_disk(project: Path) -> None:
    done = lint(project, BLOCKING, "-", "--stdin-filename", "pkg/server.py", "--no-cache")
    assert done.returncode == 1, done.stderr
    assert "pkg/server.py:10:5: FML101" in done.stdout
    assert "time.sleep(1)" in done.stdout  # the source line shown is stdin's, not the disk's
    assert (project / "pkg" / "server.py").read_text(encoding="utf-8") == CLEAN


def test_clean_text_exits_0_though_the_file_on_disk_differs(project: Path) -> None:
    (project / "pkg" / "server.py").write_text(BLOCKING, encoding="utf-8")
    done = lint(project, CLEAN, "-", "--stdin-filename", "pkg/server.py",
                "--ignore", "FML401", "--format", "concise")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "FML101" not in done.stdout


def test_per_file_ignores_follow_the_stdin_filename(project: Path) -> None:
    done = lint(project, BLOCKING, "-", "--stdin-filename", "pkg/quiet.py",
                "--format", "concise")
    assert "FML101" not in done.stdout
    assert "pkg/quiet.py:" in done.stdout  # still linted: FML401 and the rest apply


def test_config_is_the_nearest_to_the_stdin_filename(project: Path) -> None:
    nested = project / "services" / "api"
    nested.mkdir(parents=True)
    (nested / "pyproject.toml").write_text(
        '[tool.fastmcp-lint]\nignore = ["FML101"]\n', encoding="utf-8")
    inside = lint(project, BLOCKING, "-", "--stdin-filename", "services/api/server.py",
                  "--format", "concise")
    outside = lint(project, BLOCKING, "-", "--stdin-filename", "services/server.py",
                   "--format", "concise")
    assert "FML101" not in inside.stdout
    assert "services/server.py:10:5: FML101" in outside.stdout


def test_project_rules_see_the_siblings_on_disk(project: Path) -> None:
    """FML401 (no health check) is a project rule: a sibling's route counts, and the text
    on stdin replaces its file in the project rather than joining it."""
    alone = lint(project, CLEAN, "-", "--stdin-filename", "pkg/server.py",
                 "--format", "concise")
    assert "pkg/server.py:3:7: FML401" in alone.stdout
    (project / "pkg" / "health.py").write_text(HEALTH, encoding="utf-8")
    with_health = lint(project, CLEAN, "-", "--stdin-filename", "pkg/server.py",
                       "--format", "concise")
    assert "FML401" not in with_health.stdout
    assert with_health.returncode == 0, with_health.stdout
    # The health module on stdin without its route: the project has none again.
    no_route = lint(project, "from pkg.server import mcp\n", "-", "--stdin-filename",
                    "pkg/health.py", "--format", "json")
    codes = {(d["path"], d["code"]) for d in json.loads(no_route.stdout)["diagnostics"]}
    assert codes == set()  # FML401 is reported on server.py, which this run does not show


def test_fix_prints_the_fixed_text_and_leaves_the_file(project: Path) -> None:
    (project / "pkg" / "server.py").write_text(BLOCKING, encoding="utf-8")
    done = lint(project, BLOCKING, "-", "--stdin-filename", "pkg/server.py", "--fix",
                "--format", "concise")
    assert done.stdout.startswith("import asyncio\nfrom fastmcp import FastMCP\n")
    assert "    await asyncio.sleep(1)\n" in done.stdout
    assert "FML101" not in done.stderr and "pkg/server.py:4:7: FML401" in done.stderr
    assert (project / "pkg" / "server.py").read_text(encoding="utf-8") == BLOCKING
    assert done.returncode == 1  # FML401 remains


def test_fix_keeps_the_text_when_nothing_is_fixable(project: Path) -> None:
    done = lint(project, CLEAN, "-", "--stdin-filename", "pkg/server.py", "--fix")
    assert done.stdout == CLEAN


def test_diff_prints_a_diff_of_the_path(project: Path) -> None:
    done = lint(project, BLOCKING, "-", "--stdin-filename", "pkg/server.py", "--diff")
    assert done.stdout.startswith("--- a/pkg/server.py\n+++ b/pkg/server.py\n")
    assert "+    await asyncio.sleep(1)\n" in done.stdout
    assert done.returncode == 1


@pytest.mark.parametrize("fmt", ["json", *(pytest.param(fmt, marks=pytest.mark.slow) for fmt in (
    "sarif", "github", "gitlab", "concise", "checklist"))])
def test_every_report_format_names_the_stdin_filename(project: Path, fmt: str) -> None:
    done = lint(project, BLOCKING, "-", "--stdin-filename", "pkg/server.py", "--format", fmt)
    assert done.returncode == 1, done.stderr
    if fmt in ("json", "sarif", "gitlab"):
        json.loads(done.stdout)
    if fmt != "checklist":
        assert "pkg/server.py" in done.stdout
        assert "FML101" in done.stdout


def test_test_code_is_skipped_as_on_the_command_line(project: Path) -> None:
    done = lint(project, BLOCKING, "-", "--stdin-filename", "tests/test_server.py",
                "--format", "concise")
    assert done.returncode == 0 and "FML101" not in done.stdout
    included = lint(project, BLOCKING, "-", "--stdin-filename", "tests/test_server.py",
                    "--format", "concise", "--include-tests")
    assert "tests/test_server.py:10:5: FML101" in included.stdout


def test_stdin_without_a_filename_is_shown_as_dash(project: Path) -> None:
    done = lint(project, BLOCKING, "-", "--format", "concise")
    assert "-:10:5: FML101" in done.stdout


def test_a_syntax_error_on_stdin_is_fml000(project: Path) -> None:
    done = lint(project, "def broken(:\n", "-", "--stdin-filename", "pkg/server.py",
                "--format", "concise")
    assert done.returncode == 1
    assert "pkg/server.py:1:" in done.stdout and "FML000" in done.stdout


def test_stdin_with_other_paths_is_a_usage_error(project: Path) -> None:
    done = lint(project, BLOCKING, "-", "pkg", "--stdin-filename", "pkg/server.py")
    assert done.returncode == 2
    assert "cannot be combined" in done.stderr


def test_lsp_without_pygls_says_how_to_install_it(tmp_path: Path) -> None:
    code = ("import sys; sys.modules['pygls'] = None\n"
            "from fastmcp_preflight.cli import main\nmain(['--lsp'])\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert "fastmcp-preflight[lsp]" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_folder_named_server_is_still_linted(tmp_path: Path) -> None:
    (tmp_path / "server").mkdir()
    (tmp_path / "server" / "app.py").write_text(BLOCKING, encoding="utf-8")
    done = lint(tmp_path, "", "server", "--format", "concise")
    assert "server/app.py:10:5: FML101" in done.stdout


def test_excludes_apply_to_the_stdin_filename(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n\n[tool.fastmcp-lint]\nextend-exclude = ["generated"]\n',
        encoding="utf-8")
    done = lint(project, BLOCKING, "-", "--stdin-filename", "generated/server.py",
                "--format", "concise")
    assert done.returncode == 0 and done.stdout == ""


def test_stdin_filename_alone_reads_stdin(project: Path) -> None:
    done = lint(project, BLOCKING, "--stdin-filename", "pkg/server.py", "--format", "concise")
    assert "pkg/server.py:10:5: FML101" in done.stdout
