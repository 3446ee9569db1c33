"""Warm runs: a run whose every file is cached imports neither a rule nor LibCST, and reports
exactly what a cold run does; the rule manifest and the stat index stay correct when rules
or files change."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_runner import run

from fastmcp_preflight.project.facts import (
    FeatureFact,
    FileFacts,
    ImportFact,
    Location,
    RegistrationFact,
    ServerFact,
    StartFact,
)
from fastmcp_preflight.project.modules import ModuleNames, module_name_for
from fastmcp_preflight.running import fileindex
from fastmcp_preflight.running.discovery import RealPaths
from fastmcp_preflight.running.fileindex import FileIndex, content_digest

SAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "servers" / "weather_server"

#: Runs the command line, then says on stderr whether LibCST (and rich) were imported. The
#: first sys.path entry (the project being linted) goes, as in `python -m fastmcp_preflight`.
WRAPPER = """\
import sys
del sys.path[0]
from fastmcp_preflight.cli import main
try:
    main(sys.argv[1:])
finally:
    sys.stderr.write("RICH=%s\\n" % ("rich" in sys.modules))
    sys.stderr.write("LIBCST=%s\\n" % ("libcst" in sys.modules))
"""

RULE = '''
import libcst as cst

from fastmcp_preflight.api import Invalid, Rule, Valid


class Shout(Rule):
    code = "LOC300"
    name = "no-shout"
    severity = "{severity}"
    checklist = "(tool quality)"
    summary = "print() call"
    what = "Finds print()."
    why = "{why}"
    instead = "Use logging."
    VALID = (Valid("x = 1\\n"),)
    INVALID = (Invalid("print(1)\\n", at=((1, 1),)),)

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.resolve(node.func) == "builtins.print":
            self.report(node, "print() call")
'''


def lint(project: Path, *args: str) -> tuple[int, str, bool]:
    """Exit status, stdout, and whether LibCST was imported, of the CLI in a new process."""
    return _lint(project, *args)[:3]


def _lint(project: Path, *args: str) -> tuple[int, str, bool, bool]:
    """`lint`, and whether rich was imported."""
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("FORCE_COLOR", None)
    done = subprocess.run([sys.executable, "-c", WRAPPER, *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=300)
    rich, imported = done.stderr.rstrip().splitlines()[-2:]
    assert imported in ("LIBCST=True", "LIBCST=False"), done.stderr
    return done.returncode, done.stdout, imported == "LIBCST=True", rich == "RICH=True"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns(".fastmcp-lint-cache"))
    (root / "pyproject.toml").write_text("[project]\nname = 'weather'\n")
    return root


FORMATS = ("text", "concise", "json", "sarif", "github", "gitlab")


def test_a_warm_run_imports_no_libcst_and_reports_the_same(project: Path) -> None:
    cold = {fmt: lint(project, ".", "--format", fmt, "--no-cache") for fmt in FORMATS}
    assert all(imported for _, _, imported in cold.values())
    filled = lint(project, ".", "--format", "json")
    assert filled[2] and filled[:2] == cold["json"][:2]
    for fmt in FORMATS:
        status, out, imported, rich = _lint(project, ".", "--format", fmt)
        assert not imported, f"--format {fmt}: a warm run imported LibCST"
        assert rich == (fmt == "text"), f"--format {fmt}: rich imported: {rich}"
        assert (status, out) == cold[fmt][:2], fmt
    assert cold["json"][0] == 1 and json.loads(cold["json"][1])["summary"]["diagnostics"] > 3


def test_a_changed_file_is_linted_and_the_project_phase_redone(project: Path) -> None:
    server = project / "weather" / "server.py"
    lint(project, ".", "--format", "json")
    before = json.loads(lint(project, ".", "--format", "json")[1])
    server.write_text(server.read_text() + "\n\n@mcp.custom_route('/health', methods=['GET'])\n"
                      "async def health(request):\n    return None\n")
    status, out, imported = lint(project, ".", "--format", "json")
    assert imported
    assert (status, out) == lint(project, ".", "--format", "json", "--no-cache")[:2]
    codes_before = {d["code"] for d in before["diagnostics"]}
    codes_after = {d["code"] for d in json.loads(out)["diagnostics"]}
    assert "FML401" in codes_before and "FML401" not in codes_after
    assert not lint(project, ".", "--format", "json")[2]


def test_one_file_with_the_project_as_context(project: Path) -> None:
    """The pre-commit case: the other files' facts come from the cache, same report."""
    lint(project, ".")
    server = project / "weather" / "server.py"
    server.write_text(server.read_text() + "\n# edited\n")
    status, out, _ = lint(project, "weather/server.py", "--format", "json")
    assert (status, out) == lint(project, "weather/server.py", "--format", "json",
                                 "--no-cache")[:2]
    assert lint(project, "weather/server.py", "--format", "json")[1:] == (out, False)


def _with_local_rule(project: Path, severity: str = "warning", why: str = "Noise.") -> Path:
    rules = project / "lint_rules"
    rules.mkdir(exist_ok=True)
    module = rules / "shout.py"
    module.write_text(RULE.format(severity=severity, why=why))
    (project / "pyproject.toml").write_text(
        "[project]\nname = 'weather'\n[tool.fastmcp-lint]\nplugins = ['lint_rules/']\n"
        "extend-exclude = ['lint_rules']\nextend-select = ['LOC300']\n")
    (project / "weather" / "talk.py").write_text("print('hello')\n")
    return module


def _severity(out: str, code: str) -> set[str]:
    return {d["severity"] for d in json.loads(out)["diagnostics"] if d["code"] == code}


def test_the_manifest_is_rebuilt_when_a_local_rule_changes(project: Path) -> None:
    module = _with_local_rule(project)
    first = lint(project, ".", "--format", "json")
    assert _severity(first[1], "LOC300") == {"warning"}
    assert lint(project, ".", "--format", "json") == (first[0], first[1], False)
    module.write_text(RULE.format(severity="error", why="Noise on the protocol stream."))
    changed = lint(project, ".", "--format", "json")
    assert changed[2]  # the rules were loaded again
    assert _severity(changed[1], "LOC300") == {"error"}
    assert lint(project, ".", "--format", "json") == (changed[0], changed[1], False)


def test_a_new_module_in_a_plugin_folder_counts(project: Path) -> None:
    _with_local_rule(project)
    lint(project, ".", "--format", "json")
    (project / "lint_rules" / "shout_two.py").write_text(
        RULE.replace("Shout", "ShoutTwo").replace("LOC300", "LOC301")
        .replace("no-shout", "no-shout-two").format(severity="error", why="Noise."))
    (project / "pyproject.toml").write_text(
        (project / "pyproject.toml").read_text().replace("'LOC300'", "'LOC300', 'LOC301'"))
    status, out, imported = lint(project, ".", "--format", "json")
    assert status == 1 and imported
    assert _severity(out, "LOC301") == {"error"}


@pytest.mark.parametrize("garbage", ["{not json", '{"key": "x", "sources": [], "rules": []}',
                                     "[]", ""])
def test_a_corrupt_manifest_is_ignored_and_rebuilt(project: Path, garbage: str) -> None:
    first = lint(project, ".", "--format", "sarif")
    (manifest,) = (project / ".fastmcp-lint-cache" / "v1").glob("manifest-*.json")
    manifest.write_text(garbage)
    again = lint(project, ".", "--format", "sarif")
    assert again[:2] == first[:2]
    assert json.loads(manifest.read_text())["rules"]  # written anew
    assert lint(project, ".", "--format", "sarif") == (first[0], first[1], False)


def test_explain_and_list_rules_still_load_the_rules(project: Path) -> None:
    lint(project, ".")
    status, out, _ = lint(project, "--explain", "FML101")
    assert status == 0 and "## What it does" in out
    status, out, _ = lint(project, "--list-rules")
    assert status == 0 and "FML101" in out


# -- the stat index --------------------------------------------------------------------------


@pytest.fixture
def short_racy_window(monkeypatch: pytest.MonkeyPatch) -> float:
    """Shrink the racy window to 50 ms; returns how long to wait to be past it."""
    monkeypatch.setattr(fileindex, "RACY_NS", 50_000_000)
    return 0.1


def test_the_index_reads_a_file_only_when_its_stat_changes(
        tmp_path: Path, short_racy_window: float) -> None:
    source = tmp_path / "a.py"
    source.write_bytes(b"x = 1\n")
    time.sleep(short_racy_window)
    index = FileIndex(tmp_path, tmp_path / "index.json")
    assert index.digest(source) == (content_digest(b"x = 1\n"), b"x = 1\n")
    index.save()
    again = FileIndex(tmp_path, tmp_path / "index.json")
    assert again.digest(source) == (content_digest(b"x = 1\n"), None)  # not read
    # the same size and the same mtime, other bytes: the ctime still gives it away
    stamp = os.stat(source)
    source.write_bytes(b"x = 2\n")
    os.utime(source, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert os.stat(source).st_size == stamp.st_size
    assert os.stat(source).st_mtime_ns == stamp.st_mtime_ns
    assert again.digest(source) == (content_digest(b"x = 2\n"), b"x = 2\n")


def test_a_file_changed_just_now_is_not_recorded(tmp_path: Path) -> None:
    source = tmp_path / "a.py"
    source.write_bytes(b"x = 1\n")
    assert time.time_ns() - os.stat(source).st_mtime_ns < fileindex.RACY_NS
    index = FileIndex(tmp_path, tmp_path / "index.json")
    index.digest(source)
    index.save()
    assert FileIndex(tmp_path, tmp_path / "index.json").digest(source)[1] == b"x = 1\n"


def test_the_index_forgets_files_that_are_gone(tmp_path: Path,
                                              short_racy_window: float) -> None:
    old, new = tmp_path / "old.py", tmp_path / "new.py"
    old.write_bytes(b"x = 1\n")
    time.sleep(short_racy_window)
    index = FileIndex(tmp_path, tmp_path / "index.json")
    index.digest(old)
    index.save()
    old.rename(new)  # a rename: the old name's entry is dropped when anything is saved
    time.sleep(short_racy_window)
    index = FileIndex(tmp_path, tmp_path / "index.json")
    index.digest(new)
    index.save()
    assert list(json.loads((tmp_path / "index.json").read_text())) == [str(new)]


@pytest.mark.parametrize("garbage", ["{not json", "[]", '{"/a.py": 3}', ""])
def test_a_corrupt_index_is_ignored(tmp_path: Path, garbage: str,
                                    short_racy_window: float) -> None:
    source = tmp_path / "a.py"
    source.write_bytes(b"x = 1\n")
    time.sleep(short_racy_window)
    (tmp_path / "index.json").write_text(garbage)
    index = FileIndex(tmp_path, tmp_path / "index.json")
    assert index.digest(source) == (content_digest(b"x = 1\n"), b"x = 1\n")
    index.save()
    assert str(source) in json.loads((tmp_path / "index.json").read_text())


def test_a_warm_run_reads_no_unchanged_source(
        project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        short_racy_window: float) -> None:
    """Once the index knows the files, a warm run never opens them, and reports the same."""
    time.sleep(short_racy_window)
    monkeypatch.chdir(project)
    first = run([".", "--format", "json"], capsys)

    def refuse(path: Path) -> bytes:
        raise AssertionError(f"read {path}")

    monkeypatch.setattr(fileindex, "read_bytes", refuse)
    assert run([".", "--format", "json"], capsys) == first


# -- the pieces --------------------------------------------------------------------------------


def test_module_names_agree_with_module_name_for(tmp_path: Path) -> None:
    for folder in ("src/pkg/sub", "pkg2/inner", "plain", "src/pkg/src/deep"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    for package in ("src/pkg", "src/pkg/sub", "pkg2", "pkg2/inner", "src/pkg/src",
                    "src/pkg/src/deep", "src"):
        (tmp_path / package / "__init__.py").write_text("")
    names = ModuleNames()
    files = [tmp_path / f for f in ("src/pkg/sub/a.py", "src/pkg/__init__.py", "pkg2/b.py",
                                    "pkg2/inner/__init__.py", "plain/c.py",
                                    "src/pkg/src/deep/d.py", "src/top.py", "e.py")]
    for path in files:
        assert names.of(path) == module_name_for(path), path
    assert names.of(tmp_path / "src/pkg/sub/a.py") == ("pkg.sub.a", "pkg.sub")


def test_real_paths_agree_with_realpath(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.py").write_text("")
    (tmp_path / "linked").symlink_to(tmp_path / "real")
    (tmp_path / "real" / "b.py").symlink_to(tmp_path / "real" / "a.py")
    (tmp_path / "loop.py").symlink_to(tmp_path / "loop.py")
    real = RealPaths()
    for path in ("real/a.py", "linked/a.py", "real/b.py", "linked/b.py", "loop.py",
                 "real/../real/a.py", "linked/../real/a.py", "real/"):
        assert real.of(tmp_path / path) == os.path.realpath(tmp_path / path), path


def test_facts_round_trip_through_json() -> None:
    at = Location(1, 2, 3, 4)
    facts = FileFacts(
        path="a.py", module="a", imports_fastmcp=True,
        servers=[ServerFact(at, True, False)], module_servers=["mcp"], health=[at],
        starts=[StartFact(at, "run", "stdio"), StartFact(at, "run", None)], mounted=["x"],
        imports=[ImportFact(at, (("a.b", "a"), ("c",)))],
        features=[FeatureFact("retry", at, "tenacity")],
        registrations=[RegistrationFact("tool", "t", "a:mcp", at, "1", ((3, True),))],
        noqa={4: ["FML101"], 7: ["*"]}, file_noqa=["FML301"], in_process=True)
    assert FileFacts.from_json(json.loads(json.dumps(facts.to_json()))) == facts


def test_default_excludes_by_name_match_the_patterns() -> None:
    from fastmcp_preflight.running.config import Config
    from fastmcp_preflight.running.discovery import DEFAULT_EXCLUDES, _compile, _Excludes

    excludes = _Excludes(Config(path=None, root=Path.cwd()))
    patterns = _compile(DEFAULT_EXCLUDES, "default excludes")
    names = [*DEFAULT_EXCLUDES, "a.egg-info", ".egg-info", "x.egg-info.py", "build.py",
             "mybuild", "venv2", "dist-info", "[x]", "*", "a b", "server.py"]
    for name in names:
        for is_dir in (True, False):
            expected = patterns.match_file(name + "/" if is_dir else name)
            assert excludes.by_default(name, is_dir=is_dir) == expected, (name, is_dir)


HTTP_SERVER = """\
import time

from fastmcp import FastMCP

mcp = FastMCP("s")


@mcp.tool
async def slow(x: int) -> int:
    \"\"\"Wait a second, then give the number back.\"\"\"
    print("waiting")
    time.sleep(1)
    return x


if __name__ == "__main__":
    mcp.run(transport="http")
"""


def test_fix_after_a_warm_run_honours_the_project_conditions(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A warm run assembles its result without an engine; the engine --fix builds later
    must still know the project runs over HTTP (so the stdio-only print fix is not made)."""
    fixed = {}
    for name, warm in (("cold", False), ("warm", True)):
        project = tmp_path / name
        project.mkdir()
        (project / "pyproject.toml").write_text("[project]\nname = 's'\n")
        (project / "server.py").write_text(HTTP_SERVER)
        monkeypatch.chdir(project)
        if warm:
            run(["."], capsys)
            run(["."], capsys)
        code, _, _ = run([".", "--fix"] + ([] if warm else ["--no-cache"]), capsys)
        fixed[name] = ((project / "server.py").read_text(), code)
    assert fixed["warm"] == fixed["cold"]
    assert "time.sleep" not in fixed["cold"][0] and 'print("waiting")\n' in fixed["cold"][0]


def test_a_file_changed_during_the_run_does_not_poison_the_cache(
        project: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The file is linted as A but holds B (already cached) by the end of the run: B's entry
    must not be paired with A's facts, in the project phase's key or in the facts pack."""
    from fastmcp_preflight.running.engine import Engine

    monkeypatch.chdir(project)
    server = project / "weather" / "server.py"
    b_text = server.read_text()
    a_text = b_text + ("\n\n@mcp.custom_route('/health', methods=['GET'])\n"
                       "async def health(request):\n    return None\n")
    cached_b = run([".", "--format", "json"], capsys)
    server.write_text(a_text)
    real = Engine.lint_keyed

    def lint_then_change(self: Engine, path: Path, display: str,
                         *args: object) -> object:
        result = real(self, path, display, *args)  # type: ignore[arg-type]
        if path.name == "server.py":
            server.write_text(b_text)
        return result

    monkeypatch.setattr(Engine, "lint_keyed", lint_then_change)
    linted_a = run([".", "--format", "json"], capsys)
    assert linted_a != cached_b  # A has a health route: no FML401
    monkeypatch.setattr(Engine, "lint_keyed", real)
    assert run([".", "--format", "json"], capsys) == cached_b
    assert run(["weather/__init__.py", "--format", "json"], capsys) == run(
        ["weather/__init__.py", "--format", "json", "--no-cache"], capsys)


def test_a_cold_run_with_every_rule_imports_no_libcst_matchers(project: Path) -> None:
    """`libcst.matchers` is a generated module of thousands of classes: importing it costs
    every cold run about 0.15 s, a third of a small project's time."""
    code = WRAPPER.replace('("libcst" in sys.modules)', '("libcst.matchers" in sys.modules)')
    done = subprocess.run([sys.executable, "-c", code, ".", "--no-cache", "--select", "ALL",
                           "--extend-select", "FML705"], cwd=project, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert done.stderr.rstrip().splitlines()[-1] == "LIBCST=False"
