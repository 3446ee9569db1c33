"""The result cache: round trips, keys that change with what decides a result, corruption."""

from __future__ import annotations

from pathlib import Path

from fastmcp_lint.api import Diagnostic, DiagnosticFix, Edit
from fastmcp_lint.cache import Cache, fingerprint
from fastmcp_lint.facts import FileFacts, Location, ServerFact
from fastmcp_lint.registry import Registry
from fastmcp_lint.suppression import find_suppressions


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
