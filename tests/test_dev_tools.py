"""Development tools (ruff, mypy) are a dependency group: never in what users install, and
still installed by `.ci/run` with whatever pip the venv has."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
DEV_TOOLS = {"ruff", "mypy"}


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower()
            for requirement in requirements}


def test_users_never_install_the_development_tools() -> None:
    project = PROJECT["project"]
    installed = _names(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        installed |= _names(extra)
    assert not installed & DEV_TOOLS
    assert _names(PROJECT["dependency-groups"]["dev"]) >= DEV_TOOLS


def test_ci_installs_the_group_without_pip_install_group() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    lines = script.splitlines()
    install = lines.index(".venv/bin/pip install -r .venv/dev-requirements.txt")
    assert lines.index(".venv/bin/ruff check src rules tests") > install
    assert lines.index(".venv/bin/mypy") > install
    assert "--group" not in script.replace("`pip install --group`", "")
    printed = subprocess.run([sys.executable, str(ROOT / ".ci" / "dependency_group.py"), "dev"],
                             capture_output=True, text=True, check=True).stdout
    assert printed.splitlines() == PROJECT["dependency-groups"]["dev"]
