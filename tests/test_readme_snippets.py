"""Every install and CI snippet of the README, run as written against a wheel built here.

pip gets no index while a snippet runs (`PIP_NO_INDEX`), only a local folder of wheels: this
project's wheel and its dependencies. So `pip install fastmcp-preflight` can only install the
code of this tree, never a package of that name from elsewhere. Covered: the Install section,
the GitLab job, the GitHub Action's steps (with the README workflows' inputs), the pre-commit
snippet with the real framework against a tagged commit, and the plugin guide's package
(installed, its tests run, its rule fired by the command).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from readme_blocks import ROOT, blocks, named_files, section, shell_commands

from fastmcp_preflight import __version__

yaml = pytest.importorskip("yaml")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]

SAMPLE = ROOT / "fixtures" / "servers" / "weather_server"
_IGNORE = shutil.ignore_patterns(
    ".git", ".venv*", "venv", "build", "dist", "*.egg-info", "__pycache__", "*.pyc",
    ".pytest_cache", ".mypy_cache", ".ruff_cache", ".fastmcp-lint-cache", "bench")
BLOCKING_SERVER = '''\
import time

from fastmcp import FastMCP

mcp = FastMCP("demo")


@mcp.custom_route("/health", methods=["GET"])
async def health(request):
    return None


@mcp.tool
async def slow() -> str:
    """Wait one second, then report that the work is done."""
    time.sleep(1)
    return "done"
'''
SLEEP_LINE = 16
Result = subprocess.CompletedProcess[str]


def _env(wheelhouse: Path, tmp: Path, venv: Path | None = None,
         **extra: str) -> dict[str, str]:
    """No index, only `wheelhouse`; git and pre-commit isolated in `tmp`."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")
           and not (key.startswith("GIT_") and key != "GIT_SSL_CAINFO")}
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    env.update({
        "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheelhouse),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1", "NO_COLOR": "1", "HOME": str(home),
        "PRE_COMMIT_HOME": str(tmp / "pre-commit-home"), "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
    })
    if venv is not None:
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(venv)
    env.update(extra)
    return env


def _run(command: str | list[str], cwd: Path, env: dict[str, str]) -> Result:
    return subprocess.run(command, cwd=cwd, env=env, text=True, capture_output=True,
                          timeout=900, check=False, shell=isinstance(command, str),
                          executable="/bin/bash" if isinstance(command, str) else None)


def _ok(command: str | list[str], cwd: Path, env: dict[str, str]) -> Result:
    result = _run(command, cwd, env)
    assert result.returncode == 0, (
        f"{command} exited {result.returncode}\n"
        f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}")
    return result


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of this tree: what a clone, the action's checkout or an sdist holds."""
    target = tmp_path_factory.mktemp("source") / "fastmcp-preflight"
    shutil.copytree(ROOT, target, ignore=_IGNORE)
    return target


@pytest.fixture(scope="module")
def wheelhouse(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This project's wheel and every wheel a snippet needs, in one folder (the only place
    pip may install from while a snippet runs)."""
    house = tmp_path_factory.mktemp("wheelhouse")
    env = {key: value for key, value in os.environ.items()
           if key not in ("PIP_NO_INDEX", "PIP_FIND_LINKS")}
    _ok([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(house), str(source)],
        house, env)
    ours = sorted(house.glob("fastmcp_preflight-*.whl"))
    assert [wheel.name for wheel in ours] == [
        f"fastmcp_preflight-{__version__}-py3-none-any.whl"]
    # the dependencies, pytest for the plugin's tests, and the build backend for source
    # installs (the action's checkout, the pre-commit hook, the plugin package)
    _ok([sys.executable, "-m", "pip", "wheel", "-w", str(house), str(ours[0]), "pytest>=8",
         "setuptools>=77", "wheel"], house, env)
    return house


def _venv(tmp: Path, env: dict[str, str]) -> Path:
    venv = tmp / "venv"
    _ok([sys.executable, "-m", "venv", str(venv)], tmp, env)
    return venv


def _sample_project(tmp: Path) -> Path:
    work = tmp / "project"
    shutil.copytree(SAMPLE, work / SAMPLE.name)
    (work / ".git").mkdir()  # the repository root, for repository-relative report paths
    return work


def test_pip_install_snippet_installs_this_project(wheelhouse: Path, tmp_path: Path) -> None:
    env = _env(wheelhouse, tmp_path)
    venv = _venv(tmp_path, env)
    env = _env(wheelhouse, tmp_path, venv)
    work = _sample_project(tmp_path)
    install, lint = shell_commands(blocks(section("Install"), "sh")[0])
    assert install == "pip install fastmcp-preflight"
    _ok(install, work, env)
    shown = _ok("pip show fastmcp-preflight", work, env).stdout
    assert f"Version: {__version__}" in shown
    assert _run("pip show fastmcp-lint", work, env).returncode != 0  # the other project
    linted = _run(lint, work, env)
    assert linted.returncode == 1, linted.stdout + linted.stderr
    assert "FML101" in linted.stdout and "weather_server/" in linted.stdout


def test_gitlab_job_writes_a_code_quality_report(wheelhouse: Path, tmp_path: Path) -> None:
    block = next(body for body in blocks(section("CI"), "yaml")
                 if body.startswith("# .gitlab-ci.yml"))
    job = yaml.safe_load(block)["fastmcp-lint"]
    env = _env(wheelhouse, tmp_path)
    venv = _venv(tmp_path, env)  # stands for the job's python image
    env = _env(wheelhouse, tmp_path, venv)
    work = _sample_project(tmp_path)
    install, lint = job["script"]
    assert install == f"pip install fastmcp-preflight=={__version__}"
    _ok(install, work, env)
    linted = _run(lint, work, env)
    assert linted.returncode == 1, linted.stderr  # findings fail the job
    report_name = job["artifacts"]["reports"]["codequality"]
    report = json.loads((work / report_name).read_text(encoding="utf-8"))
    assert job["artifacts"]["when"] == "always"
    assert any(issue["check_name"] == "FML101" for issue in report)
    assert all(issue["location"]["path"].startswith("weather_server/") for issue in report)


def _action_run(source: Path, inputs: dict[str, str], work: Path, env: dict[str, str],
                tmp: Path) -> tuple[dict[str, str], list[Result]]:
    """Run the action's `run:` steps as the runner would: inputs (README values over the
    defaults) through each step's `env:`, outputs through $GITHUB_OUTPUT. Returns the lint
    step's outputs and each step's result."""
    action = yaml.safe_load((source / "action.yml").read_text(encoding="utf-8"))
    values = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    values.update({name: str(value).lower() if isinstance(value, bool) else str(value)
                   for name, value in inputs.items()})
    outputs: dict[str, dict[str, str]] = {"python": {"python-path": sys.executable}}
    runner_temp = tmp / "runner-temp"
    runner_temp.mkdir()
    results = []

    def expand(text: str) -> str:
        def value(match: re.Match[str]) -> str:
            expression = match.group(1).strip()
            if expression == "github.action_path":
                return str(source)
            if expression.startswith("inputs."):
                return values[expression[len("inputs."):]]
            step_id, _, name = expression[len("steps."):].partition(".outputs.")
            return outputs.get(step_id, {}).get(name, "")
        return re.sub(r"\$\{\{(.*?)\}\}", value, text)

    for step in action["runs"]["steps"]:
        if "run" not in step:
            continue
        if ("exit-code != '0'" in step.get("if", "")
                and outputs.get("lint", {}).get("exit-code") == "0"):
            continue
        github_output = tmp / f"output-{len(results)}"
        github_output.write_text("", encoding="utf-8")
        step_env = {**env, "RUNNER_TEMP": str(runner_temp), "GITHUB_OUTPUT": str(github_output),
                    **{key: expand(value) for key, value in step.get("env", {}).items()}}
        results.append(_run(["bash", "-e", "-c", step["run"]], work, step_env))
        if "id" in step:
            lines = github_output.read_text(encoding="utf-8").splitlines()
            outputs[step["id"]] = dict(line.split("=", 1) for line in lines if "=" in line)
        if results[-1].returncode != 0:
            break
    return outputs.get("lint", {}), results


@pytest.mark.parametrize("mode", ["annotations", "sarif"])
def test_github_action_steps_with_the_readme_inputs(source: Path, wheelhouse: Path,
                                                    tmp_path: Path, mode: str) -> None:
    workflows = [yaml.safe_load(body) for body in blocks(section("CI"), "yaml")
                 if body.startswith("# .github/workflows/")]
    steps = [step for workflow in workflows for step in workflow["jobs"]["lint"]["steps"]
             if step.get("uses", "").startswith("fastmcp-preflight/fastmcp-preflight@")]
    assert [step["uses"] for step in steps] == [
        f"fastmcp-preflight/fastmcp-preflight@v{__version__}"] * 2
    inputs = next(step.get("with", {}) for step in steps
                  if ("sarif" in step.get("with", {})) == (mode == "sarif"))
    work = tmp_path / "repo"
    (work / ".git").mkdir(parents=True)
    (work / "src").mkdir()
    (work / "src" / "server.py").write_text(BLOCKING_SERVER, encoding="utf-8")
    (work / "clean.py").write_text("x = 1\n", encoding="utf-8")

    outputs, results = _action_run(source, inputs, work, _env(wheelhouse, tmp_path), tmp_path)
    install, lint, fail = results
    assert install.returncode == 0, install.stderr
    assert lint.returncode == 0 and outputs["exit-code"] == "1", lint.stderr
    assert fail.returncode == 1 and "fastmcp-lint exited with status 1" in fail.stdout
    if mode == "annotations":
        assert f"::error file=src/server.py,line={SLEEP_LINE},col=5" in lint.stdout
        assert "clean.py" not in lint.stdout
    else:
        sarif = json.loads(Path(outputs["sarif-file"]).read_text(encoding="utf-8"))
        assert sarif["version"] == "2.1.0"
        [result] = sarif["runs"][0]["results"]
        assert result["ruleId"] == "FML101"
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "src/server.py"
        assert "::error" not in lint.stdout


def _git_repo(path: Path, env: dict[str, str]) -> None:
    _ok(["git", "init", "-q", str(path)], path.parent, env)
    _ok(["git", "config", "commit.gpgsign", "false"], path, env)


def test_pre_commit_snippet_at_the_release_tag(source: Path, wheelhouse: Path,
                                               tmp_path: Path) -> None:
    env = _env(wheelhouse, tmp_path)
    clone = tmp_path / "clone"
    shutil.copytree(source, clone)
    _git_repo(clone, env)
    _ok(["git", "add", "-A"], clone, env)
    _ok(["git", "commit", "-q", "-m", "release"], clone, env)
    _ok(["git", "tag", f"v{__version__}"], clone, env)

    block = next(body for body in blocks(section("CI"), "yaml")
                 if body.startswith("# .pre-commit-config.yaml"))
    [repo] = yaml.safe_load(block)["repos"]
    assert repo["rev"] == f"v{__version__}"
    user = tmp_path / "user"
    user.mkdir()
    _git_repo(user, env)
    (user / ".pre-commit-config.yaml").write_text(
        block.replace(repo["repo"], clone.as_posix()), encoding="utf-8")
    _ok([sys.executable, "-m", "pre_commit", "install"], user, env)
    server = user / "server.py"
    server.write_text(BLOCKING_SERVER, encoding="utf-8")
    _ok(["git", "add", "-A"], user, env)
    refused = _run(["git", "commit", "-m", "x"], user, env)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0 and "FML101" in output, output
    server.write_text(BLOCKING_SERVER.replace("import time", "import asyncio").replace(
        "time.sleep(1)", "await asyncio.sleep(1)"), encoding="utf-8")
    _ok(["git", "add", "-A"], user, env)
    accepted = _run(["git", "commit", "-m", "x"], user, env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr


def test_the_plugin_guide_package_installs_tests_and_fires(wheelhouse: Path,
                                                           tmp_path: Path) -> None:
    guide = section("Writing a rule plugin")
    files = named_files(guide)
    assert set(files) == {"pyproject.toml", "acme_rules/__init__.py",
                          "acme_rules/no_eval_in_tools.py", "tests/test_no_eval_in_tools.py",
                          "tests/fixtures/eval_in_tools/server.py"}
    package = tmp_path / "acme-fastmcp-rules"
    for name, body in files.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(body, encoding="utf-8")
    pyproject = files["pyproject.toml"]
    assert '[project.entry-points."fastmcp_preflight.rules"]' in pyproject
    env = _env(wheelhouse, tmp_path)
    venv = _venv(tmp_path, env)
    env = _env(wheelhouse, tmp_path, venv)
    _ok("pip install fastmcp-preflight", package, env)

    install_and_test, explain, lint = shell_commands(blocks(guide, "sh")[-1])
    tested = _ok(install_and_test, package, env)
    assert re.search(r"\b2 passed\b", tested.stdout), tested.stdout
    explained = _ok(explain, package, env)
    assert "no-eval-in-tools" in explained.stdout
    linted = _run(lint, package, env)
    assert linted.returncode == 1, linted.stdout + linted.stderr
    where = re.search(r"ACME101 at (\d+:\d+)", guide)
    assert where is not None
    assert f"server.py:{where.group(1)}: ACME101" in linted.stdout, linted.stdout
    assert "FML" not in linted.stdout  # --select: only the plugin's rule
    # the harness really checks: a wrong expected position fails the plugin's own tests
    fixture = package / "tests" / "fixtures" / "eval_in_tools" / "server.py"
    fixture.write_text(fixture.read_text(encoding="utf-8").replace(
        "  # expect: ACME101", "").replace("# not a tool: not reported", "# expect: ACME101"),
        encoding="utf-8")
    failing = _run("python -m pytest", package, env)
    assert failing.returncode == 1 and "1 failed, 1 passed" in failing.stdout, failing.stdout
