"""The fixture files: expected diagnostics written on the lines they belong to.

`fixtures/rules/<CODE>_<topic>/` holds cases for one rule, linted (as one project) with only
that rule; `fixtures/servers/<name>/` holds whole sample servers linted with the default rules.
A line that must be reported ends with `# expect: CODE` (several: `# expect: FML101, FML301`;
with a column: `FML101@9`); a folder whose topic starts with `clean` expects nothing. Every
case is also run with `# noqa` added to those lines, which must silence them. The checks are
`fastmcp_preflight.testing`'s, which plugin authors use for their own rules.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fastmcp_preflight.plugins.registry import Registry
from fastmcp_preflight.testing import check_fixture, expectations

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
RULE_CASES = sorted(p for p in (FIXTURES / "rules").iterdir() if p.is_dir())
SERVER_CASES = sorted(p for p in (FIXTURES / "servers").iterdir() if p.is_dir())


def _rules_for(case: Path, registry: Registry) -> list:
    if case.parent.name == "rules":
        return [registry.rules[case.name.split("_")[0]]]
    return [r for r in registry.rules.values() if r.default_enabled]


@pytest.mark.parametrize("case", RULE_CASES + SERVER_CASES,
                         ids=[p.name for p in RULE_CASES + SERVER_CASES])
def test_fixture(case: Path, registry: Registry, tmp_path: Path) -> None:
    topic = case.name.split("_", 1)[1] if case.parent.name == "rules" else case.name
    assert expectations(case) or topic.startswith("clean"), f"{case} declares no expectation"
    check_fixture(case, _rules_for(case, registry), scratch=tmp_path)
