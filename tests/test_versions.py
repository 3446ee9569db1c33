"""Target versions (RULES.md, "FML8xx"): read from the project's requirement and lock files,
overridable in config, shown by --verbose and in the JSON report."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest

from fastmcp_preflight.cli import main
from fastmcp_preflight.project.versions import (
    Target,
    newest_allowed,
    poetry_specifier,
    project_targets,
)


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _versions(root: Path, **overrides: str) -> dict[str, str | None]:
    targets = project_targets(str(root), overrides)
    return {t.package: t.version for t in targets.targets}


def test_pep621_unbounded_targets_the_newest(tmp_path: Path) -> None:
    _write(tmp_path, {"pyproject.toml": '[project]\nname = "x"\n'
                      'dependencies = ["fastmcp>=3.2", "httpx"]\n'})
    assert _versions(tmp_path) == {"fastmcp": "4.1.6", "mcp": None}


def test_a_requirement_on_the_project_itself_is_no_target(tmp_path: Path) -> None:
    # The fastmcp / SDK repositories install their own extras in a dev group (`fastmcp[tasks]`,
    # `mcp[cli]`); uv resolves that to the working tree, not to the newest release.
    _write(tmp_path, {"pyproject.toml": '[project]\nname = "FastMCP"\ndynamic = ["version"]\n'
                      '[dependency-groups]\ndev = ["fastmcp[tasks]", "mcp>=1.2"]\n',
                      "uv.lock": '[[package]]\nname = "fastmcp"\nsource = { editable = "." }\n'})
    assert _versions(tmp_path) == {"fastmcp": None, "mcp": "2.3.0"}
    _write(tmp_path / "poetry", {"pyproject.toml": '[tool.poetry]\nname = "mcp"\n'
                                 '[tool.poetry.dependencies]\nmcp = "^1.2"\n'})
    assert _versions(tmp_path / "poetry")["mcp"] is None


def test_only_the_known_packages_requirements_are_parsed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Requirements of other packages are not parsed (`packaging.requirements` is not even
    imported for them); a malformed one does not hide a known package's."""
    import sys

    monkeypatch.delitem(sys.modules, "packaging.requirements", raising=False)
    _write(tmp_path, {"pyproject.toml": '[project]\nname = "x"\n'
                      'dependencies = ["httpx>=0.27", "pydantic[email]", "not valid ((("]\n'})
    assert _versions(tmp_path) == {"fastmcp": None, "mcp": None}
    assert "packaging.requirements" not in sys.modules
    _write(tmp_path, {"requirements.txt": "not valid (((\nFast_MCP[tasks] >= 3.2\n"})
    assert _versions(tmp_path)["fastmcp"] is None  # `fast-mcp` is another distribution
    _write(tmp_path, {"requirements.txt": "not valid (((\n  FastMCP[tasks] >= 3.2\n"})
    assert _versions(tmp_path)["fastmcp"] == "4.1.6"


def test_capped_requirement_targets_the_newest_below_the_cap(tmp_path: Path) -> None:
    _write(tmp_path, {"pyproject.toml": '[project]\nname = "x"\ndependencies = '
                      '["fastmcp>=2.3,<3", "mcp[cli]>=1.2,<2; python_version>\'3\'"]\n'})
    assert _versions(tmp_path) == {"fastmcp": "2.14.1", "mcp": "1.29.0"}


def test_lock_file_pin_wins(tmp_path: Path) -> None:
    _write(tmp_path, {
        "pyproject.toml": '[project]\nname = "x"\ndependencies = ["mcp>=1.2"]\n',
        "uv.lock": 'version = 1\n\n[[package]]\nname = "anyio"\nversion = "4.0.0"\n\n'
                   '[[package]]\nname = "mcp"\nversion = "1.9.4"\nsource = { registry = "x" }\n',
    })
    targets = project_targets(str(tmp_path))
    mcp = targets.get("mcp")
    assert mcp is not None and (mcp.version, mcp.source) == ("1.9.4", "uv.lock")
    # The lock decides the target, not what a fresh install of the requirement gets.
    assert mcp.allows("2.0.0")


def test_poetry_requirements_and_lock(tmp_path: Path) -> None:
    _write(tmp_path, {"pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.10"\n'
                      'fastmcp = "^2.3"\nmcp = {version = "~1.9", extras = ["cli"]}\n'})
    assert _versions(tmp_path) == {"fastmcp": "2.14.1", "mcp": None}
    assert poetry_specifier("^2.3") == ">=2.3,<3"
    assert poetry_specifier("^0.4") == ">=0.4,<0.5"
    assert poetry_specifier({"version": "~1.9"}) == ">=1.9,<1.10"
    _write(tmp_path, {"poetry.lock": '[[package]]\nname = "fastmcp"\nversion = "2.9.0"\n'})
    assert _versions(tmp_path)["fastmcp"] == "2.9.0"


def test_requirements_txt_setup_cfg_and_setup_py(tmp_path: Path) -> None:
    _write(tmp_path / "a", {"requirements-dev.txt": "-r base.txt\n# c\nmcp==1.24.0  # pin\n"})
    assert _versions(tmp_path / "a")["mcp"] == "1.24.0"
    _write(tmp_path / "b", {"setup.cfg": "[options]\ninstall_requires =\n    fastmcp~=2.12\n"})
    assert _versions(tmp_path / "b")["fastmcp"] == "2.14.1"
    _write(tmp_path / "c", {"setup.py": "from setuptools import setup\n"
                            "setup(name='x', install_requires=['fastmcp<2.9', 'rich'])\n"})
    assert _versions(tmp_path / "c")["fastmcp"] == "2.8.1"


def test_override_and_no_requirement(tmp_path: Path) -> None:
    _write(tmp_path, {"pyproject.toml": '[project]\nname = "x"\ndependencies = []\n'})
    assert _versions(tmp_path) == {"fastmcp": None, "mcp": None}
    assert _versions(tmp_path, fastmcp="2.14") == {"fastmcp": "2.14", "mcp": None}
    assert "target-mcp" in Target("mcp", None).describe()


def test_unknown_pin_is_itself_and_bounds() -> None:
    assert newest_allowed("fastmcp", "==2.10.1") == "2.10.1"
    assert newest_allowed("fastmcp", "") == "4.1.6"
    bounded = Target("mcp", "1.29.0", "pyproject.toml", ">=1.2,<2", ("pyproject.toml",))
    assert not bounded.allows("2.0.0")
    assert Target("mcp", "2.3.0", "pyproject.toml", ">=1.2", ("pyproject.toml",)).allows("2.0.0")


def test_verbose_and_json_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path, {
        "pyproject.toml": '[project]\nname = "x"\ndependencies = ["fastmcp>=2.3,<3"]\n'
                          '[tool.fastmcp-lint]\ntarget-mcp = "1.24"\n',
        "server.py": "from fastmcp import FastMCP\n\nmcp = FastMCP('x')\n",
    })
    previous = os.getcwd()
    os.chdir(tmp_path)
    try:
        with pytest.raises(SystemExit):
            main(["--no-cache", "--verbose", "--format", "json", "."])
    finally:
        os.chdir(previous)
    out, err = capsys.readouterr()
    assert "fastmcp 2.14.1 (pyproject.toml" in err
    assert "mcp 1.24 (config target-mcp" in err
    report = json.loads(out)
    assert report["targets"] == [
        {"project": ".", "package": "fastmcp", "version": "2.14.1", "source": "pyproject.toml",
         "requirement": "<3,>=2.3"},
        {"project": ".", "package": "mcp", "version": "1.24", "source": "config target-mcp",
         "requirement": ""},
    ]
    schema = json.loads((Path(__file__).parent.parent / "src" / "fastmcp_preflight"
                         / "reports" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(report, schema)


def test_bad_override_is_a_config_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path, {"pyproject.toml": '[tool.fastmcp-lint]\ntarget-fastmcp = "four"\n',
                      "server.py": "x = 1\n"})
    with pytest.raises(SystemExit) as ended:
        main(["--no-cache", str(tmp_path)])
    assert ended.value.code == 2
    assert "target-fastmcp" in capsys.readouterr().err
