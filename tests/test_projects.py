"""Projects and test code (RULES.md, "Projects" and "Test code is not production code")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import run

from fastmcp_preflight.project.projects import Projects, TestCode

HTTP_SERVER = ("from fastmcp import FastMCP\n\nmcp = FastMCP('{name}')\n\n\n"
               "@mcp.tool\nasync def ping() -> str:\n    '''Answer ping with the word pong.'''\n"
               "    print('ping')\n    return 'pong'\n\n\n"
               "if __name__ == '__main__':\n    mcp.run(transport='{transport}')\n")
HEALTH = ("from starlette.responses import PlainTextResponse\n\nfrom .server import mcp\n\n\n"
          "@mcp.custom_route('/health', methods=['GET'])\nasync def health(request):\n"
          "    return PlainTextResponse('OK')\n")


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.mark.parametrize(("path", "is_test"), [
    ("tests/test_server.py", True),
    ("tests/helpers.py", True),
    ("src/pkg/tests/data/make.py", True),
    ("test/util.py", True),
    ("testing/fakes.py", True),
    ("integtests/run.py", True),
    ("integration_tests/run.py", True),
    ("src/pkg/test_tools.py", True),
    ("src/pkg/tools_test.py", True),
    ("conftest.py", True),
    ("src/pkg/contest.py", False),
    ("src/pkg/latest.py", False),
    ("src/pkg/testimonials.py", False),
    ("src/pkg/tests_helpers.py", False),
    ("src/pkg/server.py", False),
])
def test_default_test_paths(tmp_path: Path, path: str, is_test: bool) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    assert TestCode(Projects(tmp_path))(tmp_path / path) is is_test


def test_test_code_is_judged_below_the_project_root(tmp_path: Path) -> None:
    """A checkout that lives in a folder named `tests` is not all test code."""
    project = tmp_path / "tests" / "server"
    project.mkdir(parents=True)
    (project / "setup.py").write_text("")
    is_test = TestCode(Projects(tmp_path))
    assert not is_test(project / "server.py")
    assert is_test(project / "tests" / "test_server.py")


def test_test_paths_replace_the_default_list(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    is_test = TestCode(Projects(tmp_path), ["qa/", "*_spec.py"])
    assert is_test(tmp_path / "qa" / "server_checks.py")
    assert is_test(tmp_path / "src" / "tools_spec.py")
    assert not is_test(tmp_path / "tests" / "test_server.py")


def test_project_roots_are_the_nearest_marker_then_git_then_the_fallback(
        tmp_path: Path) -> None:
    _write(tmp_path, {".git/HEAD": "", "a/pyproject.toml": "", "b/setup.cfg": "",
                      "c/x/server.py": "", "a/src/pkg/server.py": ""})
    projects = Projects(tmp_path / "elsewhere")
    assert projects.root_of(tmp_path / "a/src/pkg/server.py") == str(tmp_path / "a")
    assert projects.root_of(tmp_path / "b/server.py") == str(tmp_path / "b")
    assert projects.root_of(tmp_path / "c/x/server.py") == str(tmp_path)
    groups = projects.group(["a/src/pkg/server.py", "b/server.py", "a/x.py"],
                            lambda name: str(tmp_path / name))
    assert list(groups.values()) == [["a/src/pkg/server.py", "a/x.py"], ["b/server.py"]]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    _write(tmp_path, {
        "pyproject.toml": "[project]\nname = 'demo'\n",
        "demo/__init__.py": "",
        "demo/server.py": HTTP_SERVER.format(name="demo", transport="stdio"),
        "tests/test_server.py": "import time\n\n\nasync def test_ping():\n    time.sleep(1)\n",
        "tests/conftest.py": HEALTH.replace("from .server", "from demo.server"),
        "demo/tools_test.py": "import time\n\n\nasync def check():\n    time.sleep(1)\n",
    })
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_test_code_is_skipped_and_the_summary_says_so(project: Path, capsys) -> None:
    code, out, err = run(["--no-cache", "--select", "FML101,FML601"], capsys)
    assert code == 1
    assert "FML101" not in out and "demo/server.py:9:5" in out
    assert "3 test files skipped (lint them with --include-tests or `lint-tests = true`)." in out
    code, out, err = run(["--no-cache", "--select", "FML101", "--format", "json"], capsys)
    report = json.loads(out)
    assert (code, report["summary"]["files"], report["summary"]["test_files_skipped"]) == (
        0, 2, 3)
    assert err == ("fastmcp-lint: 3 test files skipped (lint them with --include-tests or "
                   "`lint-tests = true`).\n")


def test_include_tests_and_lint_tests_lint_test_code(project: Path, capsys) -> None:
    code, out, _ = run(["--no-cache", "--select", "FML101", "--format", "concise",
                        "--include-tests"], capsys)
    assert code == 1
    assert [line.split(" ")[:2] for line in out.splitlines()] == [
        ["demo/tools_test.py:5:5:", "FML101"], ["tests/test_server.py:5:5:", "FML101"]]
    with (project / "pyproject.toml").open("a") as config:
        config.write("\n[tool.fastmcp-lint]\nlint-tests = true\n")
    code, out, _ = run(["--no-cache", "--select", "FML101", "--format", "concise"], capsys)
    assert code == 1 and len(out.splitlines()) == 2


def test_test_files_named_on_the_command_line_are_skipped_too(project: Path, capsys) -> None:
    """pre-commit names the changed files: it must agree with a full run."""
    code, out, err = run(["--no-cache", "--select", "FML101", "--format", "concise",
                          "tests/test_server.py", "demo/tools_test.py"], capsys)
    assert (code, out) == (0, "")
    assert "2 test files skipped" in err


def test_test_paths_from_config(project: Path, capsys) -> None:
    with (project / "pyproject.toml").open("a") as config:
        config.write("\n[tool.fastmcp-lint]\ntest-paths = ['tests/']\n")
    code, out, _ = run(["--no-cache", "--select", "FML101", "--format", "concise"], capsys)
    assert code == 1 and out.startswith("demo/tools_test.py:5:5: FML101")


def test_test_code_contributes_no_facts(project: Path, capsys) -> None:
    """A health route registered only in test code is not the server's health check."""
    (project / "demo" / "server.py").write_text(
        HTTP_SERVER.format(name="demo", transport="http"))
    code, out, _ = run(["--no-cache", "--select", "FML401", "--format", "concise"], capsys)
    assert code == 1 and out.startswith("demo/server.py:3:7: FML401")
    code, out, _ = run(["--no-cache", "--select", "FML401", "--format", "concise",
                        "--include-tests"], capsys)
    assert (code, out) == (0, "")


def test_each_project_of_a_monorepo_is_answered_on_its_own(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """One server's health route does not hide another's missing one, and one server's
    stdio start does not make another, HTTP-only server's prints findings."""
    _write(tmp_path, {
        ".git/HEAD": "",
        "servers/alpha/pyproject.toml": "[project]\nname = 'alpha'\n",
        "servers/alpha/alpha/__init__.py": "",
        "servers/alpha/alpha/server.py": HTTP_SERVER.format(name="alpha", transport="http"),
        "servers/alpha/alpha/health.py": HEALTH,
        "servers/beta/pyproject.toml": "[project]\nname = 'beta'\n",
        "servers/beta/beta/__init__.py": "",
        "servers/beta/beta/server.py": HTTP_SERVER.format(name="beta", transport="sse"),
        "servers/gamma/setup.py": "",
        "servers/gamma/gamma.py": HTTP_SERVER.format(name="gamma", transport="stdio"),
    })
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["--no-cache", "--select", "FML401", "--format", "concise",
                        "servers/alpha", "servers/beta"], capsys)
    assert code == 1
    assert [line.split(" ")[:2] for line in out.splitlines()] == [
        ["servers/beta/beta/server.py:3:7:", "FML401"]]
    code, out, _ = run(["--no-cache", "--select", "FML601", "--format", "concise"], capsys)
    assert code == 1
    assert [line.split(" ")[:2] for line in out.splitlines()] == [
        ["servers/gamma/gamma.py:9:5:", "FML601"]]


def test_project_rules_share_one_import_graph_and_one_server_analysis(
        registry, monkeypatch: pytest.MonkeyPatch) -> None:
    """FML202 and FML205 share the import graph, FML204 and FML401 the servers: a
    pre-commit run builds each once over the whole project's facts."""
    from fastmcp_preflight.project import facts
    from fastmcp_preflight.running.project_phase import ProjectInput, ProjectPhase

    built: list[str] = []
    for name in ("ImportGraph", "ProjectServers"):
        original = getattr(facts, name)

        def counting(files, _original=original, _name=name):  # type: ignore[no-untyped-def]
            built.append(_name)
            return _original(files)

        monkeypatch.setattr(facts, name, counting)
    phase = ProjectPhase([registry.rules[code] for code in ("FML202", "FML204", "FML205",
                                                            "FML401")])
    project = (facts.FileFacts("pkg/server.py", "pkg.server", True),)
    phase.check(ProjectInput(".", project, frozenset({"pkg/server.py"})))
    assert sorted(built) == ["ImportGraph", "ProjectServers"]
