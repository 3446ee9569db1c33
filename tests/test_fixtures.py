"""The fixture files: expected diagnostics written on the lines they belong to.

`fixtures/rules/<CODE>/` holds cases for one rule, linted (as one project) with only that
rule; `fixtures/servers/<name>/` holds whole sample servers linted with the default rules.
A line that must be reported ends with `# expect: CODE` (several: `# expect: FML101, FML301`;
with a column: `FML101@9`). Every case is also run with `# noqa` added to those lines, which
must silence them.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from fastmcp_lint.discovery import display_path
from fastmcp_lint.engine import Engine
from fastmcp_lint.registry import Registry

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>[A-Z0-9@,\s]+)")

RULE_CASES = sorted(p for p in (FIXTURES / "rules").iterdir() if p.is_dir())
SERVER_CASES = sorted(p for p in (FIXTURES / "servers").iterdir() if p.is_dir())


def _expectations(root: Path) -> set[tuple[str, int, str, int | None]]:
    expected = set()
    for path in sorted(root.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = EXPECT.search(line)
            if match is None:
                continue
            for item in match.group("codes").replace(",", " ").split():
                code, _, column = item.partition("@")
                expected.add(
                    (
                        path.relative_to(root).as_posix(),
                        number,
                        code,
                        int(column) if column else None,
                    )
                )
    return expected


def _lint(root: Path, rules: list, monkeypatch: pytest.MonkeyPatch) -> list:
    monkeypatch.chdir(root)
    files = sorted(root.rglob("*.py"))
    engine = Engine(rules)
    return engine.run([(path, display_path(path)) for path in files]).diagnostics


def _check(root: Path, rules: list, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _expectations(root)
    topic = root.name.split("_", 1)[1] if root.parent.name == "rules" else root.name
    assert expected or topic.startswith("clean"), f"{root} declares no expectation"
    found = _lint(root, rules, monkeypatch)
    actual = {(d.path, d.line, d.code) for d in found}
    assert actual == {(path, line, code) for path, line, code, _ in expected}
    columns: dict[tuple[str, int, str], set[int]] = {}
    for d in found:
        columns.setdefault((d.path, d.line, d.code), set()).add(d.column)
    for path, line, code, column in expected:
        if column is not None:
            assert column in columns[(path, line, code)], (path, line, code)


def _with_noqa(root: Path, target: Path) -> Path:
    shutil.copytree(root, target)
    for path in target.rglob("*.py"):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text(
            "".join(
                line.rstrip("\n") + "  # noqa\n" if EXPECT.search(line) else line for line in lines
            ),
            encoding="utf-8",
        )
    return target


def _rules_for(case: Path, registry: Registry) -> list:
    if case.parent.name == "rules":
        return [registry.rules[case.name.split("_")[0]]]
    return [r for r in registry.rules.values() if r.default_enabled]


@pytest.mark.parametrize("case", RULE_CASES, ids=[p.name for p in RULE_CASES])
def test_rule_fixture(case: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    _check(case, _rules_for(case, registry), monkeypatch)


@pytest.mark.parametrize("case", SERVER_CASES, ids=[p.name for p in SERVER_CASES])
def test_sample_server(case: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    _check(case, _rules_for(case, registry), monkeypatch)


@pytest.mark.parametrize(
    "case", RULE_CASES + SERVER_CASES, ids=[p.name for p in RULE_CASES + SERVER_CASES]
)
def test_noqa_silences_every_expected_line(
    case: Path, registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = _with_noqa(case, tmp_path / case.name)
    assert _lint(copy, _rules_for(case, registry), monkeypatch) == []
