"""The project as users get it: a wheel and an sdist, each installed into a fresh venv.

The built-in rules live in the top-level `rules/` folder but must install as
`fastmcp_preflight.rules` (never as a top-level `rules` package), the JSON schema must ship, and the
installed command must find every built-in rule from any working directory. The builds need
PyPI (build isolation fetches setuptools; the venvs fetch the dependencies). Each artefact is
built and installed once per module.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from fastmcp_preflight import __version__
from fastmcp_preflight.plugins.registry import Registry, default_plugins

pytestmark = pytest.mark.slow  # builds, subprocesses or fuzzing: `-m 'not slow'` skips it

ROOT = Path(__file__).resolve().parents[1]
BUILTIN_CODES = {"FML101", "FML201", "FML202", "FML301", "FML401"}
SERVER = "import time\nasync def tool(): time.sleep(1)\n"
_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", "*.pyc",
    ".pytest_cache", ".mypy_cache", ".ruff_cache", ".fastmcp-lint-cache",
)
_RULE_LINE = re.compile(r"^([A-Z]+[0-9]+)\s")


def _env() -> dict[str, str]:
    """The test's environment without anything that would leak the dev checkout or venv."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["NO_COLOR"] = "1"
    return env


Result = subprocess.CompletedProcess[str]


def _run(args: list[str | Path], cwd: Path, timeout: float = 900) -> Result:
    return subprocess.run([str(arg) for arg in args], cwd=cwd, env=_env(), text=True,
                          capture_output=True, timeout=timeout, check=False)


def _ok(args: list[str | Path], cwd: Path, timeout: float = 900) -> Result:
    result = _run(args, cwd, timeout)
    assert result.returncode == 0, (
        f"{' '.join(map(str, args))} exited {result.returncode}\n"
        f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}")
    return result


def _source_copy(tmp: Path) -> Path:
    """A copy of the project tree, so building never writes build/ or *.egg-info into it."""
    target = tmp / "src-copy"
    shutil.copytree(ROOT, target, ignore=_IGNORE)
    return target


def _venv(tmp: Path, name: str) -> Path:
    venv = tmp / name
    _ok([sys.executable, "-m", "venv", venv], tmp)
    return venv


def _listed_codes(output: str) -> set[str]:
    return {match.group(1) for line in output.splitlines() if (match := _RULE_LINE.match(line))}


def _workdir(tmp: Path) -> Path:
    """A working directory away from the project, holding one server file."""
    work = tmp / "work"
    work.mkdir(exist_ok=True)
    (work / "server.py").write_text(SERVER, encoding="utf-8")
    return work


@pytest.fixture(scope="module")
def expected_codes() -> set[str]:
    codes = set(Registry.load(default_plugins()).rules)
    assert codes >= BUILTIN_CODES, f"dev registry lacks built-in rules: {BUILTIN_CODES - codes}"
    return codes


@pytest.fixture(scope="module")
def wheel_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The wheel, and the copy of the tree it was built from."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = _source_copy(tmp)
    out = tmp / "dist"
    _ok([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", out, source], tmp)
    wheels = sorted(out.glob("fastmcp_preflight-*.whl"))
    assert len(wheels) == 1, f"expected one wheel, found {wheels}"
    return wheels[0], source


@pytest.fixture(scope="module")
def wheel(wheel_build: tuple[Path, Path]) -> Path:
    return wheel_build[0]


@pytest.fixture(scope="module")
def wheel_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    tmp = tmp_path_factory.mktemp("wheel-venv")
    venv = _venv(tmp, "venv")
    _ok([venv / "bin" / "python", "-m", "pip", "install", wheel], tmp)
    yield venv


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("sdist")
    source = _source_copy(tmp)
    out = tmp / "dist"
    _ok([sys.executable, "-m", "build", "--sdist", "--outdir", out, source], tmp)
    archives = sorted(out.glob("fastmcp_preflight-*.tar.gz"))
    assert len(archives) == 1, f"expected one sdist, found {archives}"
    return archives[0]


@pytest.fixture(scope="module")
def sdist_venv(sdist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    tmp = tmp_path_factory.mktemp("sdist-venv")
    venv = _venv(tmp, "venv")
    _ok([venv / "bin" / "python", "-m", "pip", "install", sdist], tmp)
    yield venv


def test_wheel_contents(wheel_build: tuple[Path, Path]) -> None:
    wheel, source = wheel_build
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    # Every module of the engine and every built-in rule ships (the package list is static).
    package = source / "src" / "fastmcp_preflight"
    expected = {f"fastmcp_preflight/{path.relative_to(package).as_posix()}"
                for path in package.rglob("*.py")}
    expected |= {f"fastmcp_preflight/rules/{path.name}"
                 for path in (source / "rules").glob("*.py")}
    assert expected <= set(names), f"missing from the wheel: {sorted(expected - set(names))}"
    assert any(re.fullmatch(r"fastmcp_preflight/rules/fml101_\w+\.py", name)
               for name in names), names
    assert "fastmcp_preflight/rules/__init__.py" in names
    assert "fastmcp_preflight/reports/report.schema.json" in names
    assert "fastmcp_preflight/py.typed" in names
    top_level = {name.split("/", 1)[0] for name in names}
    assert "rules" not in top_level, "the wheel ships a top-level `rules` package"
    assert {name for name in top_level if not name.endswith(".dist-info")} == {"fastmcp_preflight"}
    entry_points = next(name for name in names if name.endswith(".dist-info/entry_points.txt"))
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read(entry_points).decode()
    assert "[fastmcp_preflight.rules]" in text and "fastmcp_preflight.rules" in text
    assert "fastmcp-lint = fastmcp_preflight.cli:main" in text


def test_wheel_installed_cli(wheel_venv: Path, expected_codes: set[str],
                             tmp_path: Path) -> None:
    work = _workdir(tmp_path)
    python = wheel_venv / "bin" / "python"

    where = _ok([python, "-c", "import fastmcp_preflight, importlib.util; "
                 "print(fastmcp_preflight.__file__); "
                 "print(importlib.util.find_spec('rules'))"], work)
    module_file, rules_spec = where.stdout.splitlines()
    assert Path(module_file).resolve().is_relative_to(wheel_venv.resolve()), module_file
    assert rules_spec == "None", "a top-level `rules` module is importable from the wheel"

    listed = _ok([wheel_venv / "bin" / "fastmcp-lint", "--list-rules"], work)
    assert _listed_codes(listed.stdout) == expected_codes, listed.stdout

    result = _run([python, "-m", "fastmcp_preflight", "server.py", "--format", "concise",
                   "--select", "FML101"], work)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert any(re.match(r"server\.py:2:\d+: FML101 ", line) for line in lines), result.stdout
    assert all(" FML101 " in line for line in lines if line.startswith("server.py:")), lines

    version = _ok([wheel_venv / "bin" / "fastmcp-lint", "--version"], work)
    assert __version__ in version.stdout


def test_sdist_contents(sdist: Path) -> None:
    with tarfile.open(sdist) as archive:
        names = [name.split("/", 1)[1] for name in archive.getnames() if "/" in name]
    for required in ("pyproject.toml", "README.md", "rules/__init__.py",
                     "src/fastmcp_preflight/__init__.py",
                     "src/fastmcp_preflight/reports/report.schema.json"):
        assert required in names, f"{required} missing from the sdist"
    assert any(re.fullmatch(r"rules/fml101_\w+\.py", name) for name in names), names


def test_sdist_installed_cli(sdist_venv: Path, expected_codes: set[str],
                             tmp_path: Path) -> None:
    work = _workdir(tmp_path)
    where = _ok([sdist_venv / "bin" / "python", "-c",
                 "import importlib.util; print(importlib.util.find_spec('rules'))"], work)
    assert where.stdout.strip() == "None", "a top-level `rules` module is importable"

    listed = _ok([sdist_venv / "bin" / "fastmcp-lint", "--list-rules"], work)
    assert _listed_codes(listed.stdout) == expected_codes, listed.stdout

    result = _run([sdist_venv / "bin" / "fastmcp-lint", "server.py", "--format", "concise",
                   "--select", "FML101"], work)
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"^server\.py:2:\d+: FML101 ", result.stdout, re.MULTILINE), result.stdout
