"""The GitHub Action (`action.yml`): its metadata has the shape GitHub requires, every input is
declared, described and used, no input is pasted into a shell script, and actionlint accepts the
README's workflows that use it (and refuses one that misspells an input).

actionlint (from the dev dependency group, or any `actionlint` on PATH) validates workflows, not
action metadata: it reads `action.yml` when a workflow uses the action as `./`, and checks the
inputs the workflow passes against it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"
README = (ROOT / "README.md").read_text(encoding="utf-8")
OUR_ACTION = "fastmcp-preflight/fastmcp-preflight@"

#: The action metadata keys GitHub knows (docs: "Metadata syntax for GitHub Actions").
TOP_KEYS = {"name", "author", "description", "inputs", "outputs", "runs", "branding"}
INPUT_KEYS = {"description", "required", "default", "deprecationMessage"}
STEP_KEYS = {"name", "id", "if", "uses", "run", "shell", "with", "env", "working-directory",
             "continue-on-error"}
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def _action() -> dict[str, Any]:
    loaded = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def readme_workflows() -> list[str]:
    """The README's GitHub workflows that use this action, as written."""
    blocks = re.findall(r"```yaml\n(.*?)```", README, re.S)
    return [block for block in blocks
            if block.startswith("# .github/workflows/") and OUR_ACTION in block]


def test_metadata_has_the_shape_github_requires() -> None:
    action = _action()
    assert set(action) <= TOP_KEYS, set(action) - TOP_KEYS
    assert isinstance(action["name"], str) and action["name"]
    assert isinstance(action["description"], str) and action["description"]
    runs = action["runs"]
    assert runs["using"] == "composite"
    assert set(runs) == {"using", "steps"}
    ids = set()
    for step in runs["steps"]:
        assert set(step) <= STEP_KEYS, (step.get("name"), set(step) - STEP_KEYS)
        assert ("uses" in step) != ("run" in step), step
        if "run" in step:
            assert step.get("shell") == "bash", f"a composite run step needs a shell: {step}"
        else:
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@v\d+", step["uses"]), step["uses"]
        if "id" in step:
            assert step["id"] not in ids
            ids.add(step["id"])
    for name, spec in action["inputs"].items():
        assert re.fullmatch(r"[a-z][a-z0-9-]*", name)
        assert set(spec) <= INPUT_KEYS
        assert spec["description"].strip()
        assert spec.get("required") is False and isinstance(spec.get("default"), str), name
    for spec in action["outputs"].values():
        assert spec["description"].strip()
        assert re.fullmatch(r"\$\{\{ steps\.[\w-]+\.outputs\.[\w-]+ \}\}", spec["value"])


def test_every_input_is_used_and_every_reference_is_declared() -> None:
    action = _action()
    text = ACTION.read_text(encoding="utf-8")
    used = set(re.findall(r"\binputs\.([\w-]+)", "".join(EXPRESSION.findall(text))))
    assert used == set(action["inputs"])
    step_ids = {step["id"] for step in action["runs"]["steps"] if "id" in step}
    for step_id in re.findall(r"\bsteps\.([\w-]+)\.", text):
        assert step_id in step_ids


def test_no_expression_is_pasted_into_a_script() -> None:
    """`${{ inputs.args }}` inside `run:` would let an input inject shell code: inputs go
    through `env:`."""
    for step in _action()["runs"]["steps"]:
        if "run" in step:
            assert "${{" not in step["run"], step["name"]


def test_the_action_installs_itself_and_lints_with_github_annotations_or_sarif() -> None:
    text = ACTION.read_text(encoding="utf-8")
    steps = _action()["runs"]["steps"]
    install = next(step for step in steps if "pip install" in step.get("run", ""))
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    assert '"$ACTION_PATH"' in install["run"]
    assert "--format github" in text and "--format sarif" in text
    upload = next(step for step in steps if "upload-sarif" in step.get("uses", ""))
    assert "!cancelled()" in upload["if"] and "inputs.sarif == 'true'" in upload["if"]


def test_the_readme_documents_both_workflows_and_every_input() -> None:
    workflows = readme_workflows()
    assert len(workflows) == 2
    assert any("sarif: true" in block and "security-events: write" in block
               for block in workflows)
    assert any("sarif" not in block for block in workflows)
    for name in _action()["inputs"]:
        assert f"| `{name}` |" in README, f"input {name} is not in the README's table"


def _actionlint() -> str | None:
    beside = Path(sys.executable).with_name("actionlint")
    return str(beside) if beside.is_file() else shutil.which("actionlint")


def _lint_workflow(tmp_path: Path, workflow: str) -> subprocess.CompletedProcess[str]:
    """actionlint over a repository holding this action at its root and `workflow`."""
    binary = _actionlint()
    if binary is None:
        if os.environ.get("FASTMCP_LINT_REQUIRE_ACTIONLINT"):  # set by .ci/run
            pytest.fail("actionlint is not installed: the dev group installs it")
        pytest.skip("actionlint is not installed (the dev dependency group installs it)")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".github" / "workflows").mkdir(parents=True)
    shutil.copy2(ACTION, repo / "action.yml")
    (repo / ".github" / "workflows" / "lint.yml").write_text(workflow, encoding="utf-8")
    return subprocess.run([binary, "-no-color", "-shellcheck=", "-pyflakes="], cwd=repo,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("index", [0, 1])
def test_actionlint_accepts_the_readme_workflows(tmp_path: Path, index: int) -> None:
    local = re.sub(re.escape(OUR_ACTION) + r"\S+", "./", readme_workflows()[index])
    result = _lint_workflow(tmp_path, local)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_refuses_a_misspelled_input(tmp_path: Path) -> None:
    """Shows that actionlint really reads our action.yml: an input it doesn't declare fails."""
    local = re.sub(re.escape(OUR_ACTION) + r"\S+", "./", readme_workflows()[0])
    result = _lint_workflow(tmp_path, local.replace("fail-on:", "fail_on:"))
    assert result.returncode != 0
    assert "fail_on" in result.stdout + result.stderr
