"""The result cache: round trips, keys that change with what decides a result, corruption."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from cli_runner import run

from fastmcp_preflight.api import Diagnostic, DiagnosticFix, Edit
from fastmcp_preflight.plugins.registry import Registry
from fastmcp_preflight.project.facts import FileFacts, Location, ServerFact
from fastmcp_preflight.running.cache import Cache, fingerprint
from fastmcp_preflight.source.suppression import find_suppressions


def _result() -> tuple[list[Diagnostic], FileFacts]:
    fix = DiagnosticFix("safe", (Edit(1, 1, 1, 5, "x"),), "why")
    diagnostic = Diagnostic("FML101", "blocking-sleep-in-async", "error", "m", "a.py",
                            1, 1, 1, 5, "c", "h", fix, "")
    facts = FileFacts("a.py", "a", True, [ServerFact(Location(1, 2, 3, 4), True, True)])
    return [diagnostic], facts


def test_round_trip(tmp_path: Path) -> None:
    cache = Cache(tmp_path, "f")
    key = cache.key(b"data", "a.py", "a", False)
    assert cache.get(key) is None
    diagnostics, facts = _result()
    cache.put(key, diagnostics, facts)
    assert cache.get(key) == (diagnostics, facts, None)
    found = find_suppressions("x = 1  # noqa: FML101\n")
    found.directives[0].used.add("FML101")
    cache.put(key, diagnostics, None, found)
    assert cache.get(key) == (diagnostics, None, found)


def test_key_depends_on_content_path_module_mode_and_fingerprint(tmp_path: Path) -> None:
    base = Cache(tmp_path, "f").key(b"data", "a.py", "a", False)
    assert Cache(tmp_path, "g").key(b"data", "a.py", "a", False) != base
    assert Cache(tmp_path, "f").key(b"datb", "a.py", "a", False) != base
    assert Cache(tmp_path, "f").key(b"data", "b.py", "a", False) != base
    assert Cache(tmp_path, "f").key(b"data", "a.py", "b", False) != base
    assert Cache(tmp_path, "f").key(b"data", "a.py", "a", True) != base


def test_corrupt_entry_is_ignored_and_rebuilt(tmp_path: Path) -> None:
    cache = Cache(tmp_path, "f")
    key = cache.key(b"data", "a.py", "a", False)
    diagnostics, facts = _result()
    cache.put(key, diagnostics, facts)
    entry = next(tmp_path.rglob(f"{key}.json"))
    entry.write_text("{not json")
    assert cache.get(key) is None
    cache.put(key, diagnostics, facts)
    assert cache.get(key) == (diagnostics, facts, None)
    assert not list(tmp_path.rglob("*.tmp"))


def test_unwritable_cache_costs_only_speed(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    cache = Cache(blocker, "f")  # a file where the folder should be
    diagnostics, facts = _result()
    cache.put("ab" * 32, diagnostics, facts)
    assert cache.get("ab" * 32) is None


def test_fingerprint_changes_with_rules_and_settings(registry: Registry) -> None:
    rules = list(registry.rules.values())
    assert fingerprint(rules, "s") == fingerprint(rules, "s")
    assert fingerprint(rules[:-1], "s") != fingerprint(rules, "s")
    assert fingerprint(rules, "t") != fingerprint(rules, "s")


def _app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **modules: str) -> Path:
    """A project (run from its root) with a package `app` of these modules; its folder."""
    (tmp_path / "pyproject.toml").write_text("")
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    for name, text in modules.items():
        (app / f"{name}.py").write_text(text)
    monkeypatch.chdir(tmp_path)
    return app


def _bump(path: Path, text: str) -> None:
    """Rewrite a file with a new mtime, as an editor would."""
    path.write_text(text)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_fingerprint_covers_every_engine_module(tmp_path: Path, registry: Registry,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """An edit of any stage of the package (`model/...`, `project/...`, `reports/...`),
    not only of `running/` where the cache lives, decides results as much as a rule does."""
    from fastmcp_preflight.running import cache as cache_module

    engine = tmp_path / "fastmcp_preflight"
    for name in ("running/cache.py", "model/file_model.py", "project/index.py",
                 "reports/text.py", "api.py"):
        (engine / name).parent.mkdir(parents=True, exist_ok=True)
        (engine / name).write_text("x = 1\n")
    monkeypatch.setattr(cache_module, "__file__", str(engine / "running" / "cache.py"))
    rules = list(registry.rules.values())
    seen = {fingerprint(rules, "s")}
    for name in ("model/file_model.py", "project/index.py", "reports/text.py", "api.py"):
        _bump(engine / name, "x = 2\n")
        seen.add(fingerprint(rules, "s"))
    assert len(seen) == 5
    (engine / "model" / "dataflow.py").write_text("")
    assert fingerprint(rules, "s") not in seen


HELPED_RULE = '''
import libcst as cst

from fastmcp_preflight.api import Rule
from helped_rules_helper import MESSAGE


class Helped(Rule):
    code = "HLP100"
    name = "helped-rule"
    severity = "warning"
    checklist = "(tool quality)"
    summary = "a call"
    what = why = instead = "test"

    def visit_Call(self, node: cst.Call) -> None:
        self.report(node, MESSAGE)
'''


def test_a_warm_run_sees_an_edited_plugin_helper(tmp_path: Path, capsys,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A plugin's helper module beside the rule decides results: editing it must not leave
    a warm run printing the old answer."""
    plugin = tmp_path / "lint_rules"
    plugin.mkdir()
    (plugin / "helped.py").write_text(HELPED_RULE)
    (plugin / "helped_rules_helper.py").write_text("MESSAGE = 'old answer'\n")
    (tmp_path / "pyproject.toml").write_text(
        "[tool.fastmcp-lint]\nplugins = ['lint_rules/helped.py']\n"
        "extend-exclude = ['lint_rules']\n")
    (tmp_path / "app.py").write_text("f()\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(plugin))
    args = ["--select", "HLP100", "--format", "concise"]
    assert run(args, capsys)[1] == "app.py:1:1: HLP100 old answer\n"
    assert run(args, capsys)[1] == "app.py:1:1: HLP100 old answer\n"  # warm
    _bump(plugin / "helped_rules_helper.py", "MESSAGE = 'new answer'\n")
    monkeypatch.delitem(sys.modules, "helped_rules_helper")
    assert run(args, capsys)[1] == "app.py:1:1: HLP100 new answer\n"


def test_prune_keeps_what_the_run_used_and_drops_the_oldest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastmcp_preflight.running import cache as cache_module

    monkeypatch.setattr(cache_module, "MAX_ENTRIES", 4)
    cache = Cache(tmp_path, "f")
    diagnostics, facts = _result()
    keys = [cache.key(str(n).encode(), "a.py", "a", False) for n in range(8)]
    for age, key in enumerate(reversed(keys)):  # keys[0] is the newest, keys[7] the oldest
        cache.put(key, diagnostics, facts)
        entry = tmp_path / "v1" / key[:2] / f"{key}.json"
        os.utime(entry, (1_000_000 + age, 1_000_000 + age))
    (tmp_path / "v1" / "facts-oldfingerprint.json").write_text("{}")
    assert cache.prune([keys[7], None], files=1) == 5  # 4 oldest unused entries + old pack
    assert [cache.get(key) is not None for key in keys] == [
        True, True, True, False, False, False, False, True]
    assert not (tmp_path / "v1" / "facts-oldfingerprint.json").exists()
    cache.put(keys[3], diagnostics, facts)
    assert cache.prune([], files=1) == 0  # at most once a day
    assert cache.prune([], files=1, force=True) == 1


_SERVER = ("from fastmcp import FastMCP\n\nfrom app.store import get_report\n\n"
           "mcp = FastMCP('x')\n\n\n@mcp.tool\nasync def report(key: str) -> dict:\n"
           "    return get_report(key)\n")
_PURE = "def get_report(key):\n    return {'key': key}\n"
_BLOCKING = ("import requests\n\n\ndef get_report(key):\n"
             "    return requests.get('https://x.invalid/' + key, timeout=5).json()\n")


@pytest.mark.parametrize("named", [[], ["app/server.py"]], ids=["whole-project", "one-file"])
def test_a_finding_through_another_file_follows_that_file(
        tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch, named: list[str]) -> None:
    """FML106 in server.py depends on store.py: edit the helper, run warm (the whole project,
    or only server.py as pre-commit does), and the finding appears, then goes again."""
    store = _app(tmp_path, monkeypatch, server=_SERVER, store=_PURE) / "store.py"
    args = ["--select", "FML106", "--format", "concise", *(named or ["."])]
    assert run(args, capsys)[1] == ""
    assert (tmp_path / ".fastmcp-lint-cache").is_dir()
    assert run(args, capsys)[1] == ""  # warm
    _bump(store, _BLOCKING)
    found = run(args, capsys)[1]
    assert found.startswith("app/server.py:10:12: FML106 `get_report()` -> `requests.get` "
                            "(store.py:5) blocks the event loop")
    assert run(args, capsys)[1] == found  # warm again: the same finding
    _bump(store, _PURE)
    assert run(args, capsys)[1] == ""


_TOOL = ("from fastmcp import FastMCP\n\nfrom app.ops import restart\n\n"
         "mcp = FastMCP('x')\n\n\n@mcp.tool\ndef restart_service(name: str) -> int:\n"
         "    restart(name)\n    return open(f'/srv/{name}.log').read()\n")
_SHELL = "import os\n\n\ndef restart(name):\n    return os.system('systemctl restart ' + name)\n"
_GUARD = ("import os\n\nSERVICES = {'web'}\n\n\ndef restart(name):\n"
          "    if name not in SERVICES:\n        raise ValueError(name)\n"
          "    return os.system('systemctl restart ' + name)\n")


@pytest.mark.parametrize("named", [[], ["app/server.py"]], ids=["whole-project", "one-file"])
def test_tool_input_through_another_file_follows_that_file(
        tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch, named: list[str]) -> None:
    """FML901/FML902 in server.py depend on ops.py: the helper's shell is reported at the
    tool's call, and once the helper guards its input, the tool's own `open` after the call
    is guarded too; edit the helper back and forth, run warm, the findings follow."""
    ops = _app(tmp_path, monkeypatch, server=_TOOL, ops=_SHELL) / "ops.py"
    args = ["--select", "FML9", "--format", "concise", *(named or ["."])]
    found = run(args, capsys)[1]
    shell = ("app/server.py:10:5: FML901 tool parameter `name` reaches the shell of "
             "`os.system(...)` through `restart()` -> `os.system` (ops.py:5)")
    assert found.startswith(shell)
    assert "app/server.py:11:12: FML902 tool parameter `name` reaches `open()`" in found
    assert run(args, capsys)[1] == found  # warm
    _bump(ops, _GUARD)
    assert run(args, capsys)[1] == ""
    assert run(args, capsys)[1] == ""  # warm
    _bump(ops, _SHELL)
    assert run(args, capsys)[1] == found


_RESULT_TOOL = ("from fastmcp import FastMCP\n\nfrom app.shell import run\n"
                "from app.text import build\n\nmcp = FastMCP('x')\n\n\n@mcp.tool\n"
                "def show(name: str) -> int:\n    return run(build(name))\n")
_RESULT_SHELL = "import os\n\n\ndef run(command):\n    return os.system(command)\n"
_BUILD = "def build(name):\n    return 'ls ' + name\n"
_BUILD_BASENAME = ("import os.path\n\n\ndef build(name):\n"
                   "    return 'ls ' + os.path.basename(name)\n")


@pytest.mark.parametrize("named", [[], ["app/server.py"]], ids=["whole-project", "one-file"])
def test_tool_input_through_a_helpers_result_follows_that_helper(
        tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch, named: list[str]) -> None:
    """FML901 in server.py depends on text.py, the helper whose result the tool gives the
    shell helper of shell.py: once `build` returns only a file name the finding goes, and
    it comes back with the edit undone, in warm runs too."""
    text = _app(tmp_path, monkeypatch, server=_RESULT_TOOL, shell=_RESULT_SHELL,
                text=_BUILD) / "text.py"
    args = ["--select", "FML9", "--format", "concise", *(named or ["."])]
    found = run(args, capsys)[1]
    assert found.startswith(
        "app/server.py:11:12: FML901 tool parameter `name` reaches the shell of "
        "`os.system(...)` through `build()` and `run()` -> `os.system` (shell.py:5)")
    assert run(args, capsys)[1] == found  # warm
    _bump(text, _BUILD_BASENAME)
    assert run(args, capsys)[1] == ""
    assert run(args, capsys)[1] == ""  # warm
    _bump(text, _BUILD)
    assert run(args, capsys)[1] == found


_CLIENT_SERVER = ("from fastmcp import FastMCP\n\nfrom app.store import fetch\n\n"
                  "mcp = FastMCP('x')\n\n\n@mcp.tool\nasync def report(key: str) -> dict:\n"
                  "    return await fetch(key)\n")
_CLIENT_STORE = ("import httpx\n\n\nasync def fetch(key):\n"
                 "    async with httpx.AsyncClient() as client:\n"
                 "        return (await client.get('https://x.invalid/' + key)).json()\n")


def test_a_warm_run_takes_the_conditions_answers_from_the_cache(
        tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """FML402's finding in server.py holds through store.py (a condition the project index
    answers): a warm run gives the same report, chain included, without building the index;
    a change to store.py makes the next run work the answer out again."""
    store = _app(tmp_path, monkeypatch, server=_CLIENT_SERVER, store=_CLIENT_STORE) / "store.py"
    args = ["--select", "FML402", "--format", "json", "."]
    cold = run(args, capsys)[1]
    assert '"code": "FML402"' in cold and '"chain"' in cold

    from fastmcp_preflight.project import index as index_module

    built: list[int] = []
    original = index_module.ProjectIndex.__init__

    def counting(self: object, *args: object, **kwargs: object) -> None:
        built.append(1)
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(index_module.ProjectIndex, "__init__", counting)
    assert run(args, capsys)[1] == cold  # warm
    assert built == []
    _bump(store, _CLIENT_STORE.replace("    async with httpx.AsyncClient() as client:\n"
                                       "        return", "    client = CLIENT\n    return")
          .replace("import httpx\n", "import httpx\n\nCLIENT = httpx.AsyncClient()\n"))
    assert '"code": "FML402"' not in run(args, capsys)[1]  # not the stored answer
