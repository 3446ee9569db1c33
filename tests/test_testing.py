"""`fastmcp_preflight.testing`, the harness plugin authors use: it passes right rules and fails
wrong expectations, saying what differs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fastmcp_preflight.api import Invalid, Valid
from fastmcp_preflight.plugins.registry import Registry
from fastmcp_preflight.testing import check_examples, check_fixture

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "rules"
SLEEP = "import time\n\n\nasync def f():\n    time.sleep(1)\n"


def test_examples_pass_and_wrong_ones_fail(registry: Registry) -> None:
    rule = registry.rules["FML101"]
    check_examples(rule)

    def variant(**examples: object) -> type:
        return type("Variant", (rule,), examples)

    with pytest.raises(AssertionError, match=r"INVALID example reports \[\('FML101', 5, 5\)\]"):
        check_examples(variant(INVALID=(Invalid(SLEEP, at=((5, 6),)),)))
    with pytest.raises(AssertionError, match="does not contain 'fine'"):
        check_examples(variant(INVALID=(Invalid(SLEEP, at=((5, 5),), message="fine"),)))
    check_examples(variant(INVALID=(Invalid(SLEEP, at=((5, 5),), message="blocks"),)))
    with pytest.raises(AssertionError, match="VALID example reports"):
        check_examples(variant(VALID=(Valid(SLEEP),)))
    with pytest.raises(AssertionError, match="fixes to"):
        check_examples(variant(INVALID=(Invalid(SLEEP, at=((5, 5),), fixed=SLEEP),)))
    with pytest.raises(AssertionError, match="needs VALID and INVALID"):
        check_examples(variant(VALID=()))


def test_fixture_checks_positions_columns_and_noqa(registry: Registry, tmp_path: Path) -> None:
    rule = registry.rules["FML101"]
    folder = tmp_path / "case"
    shutil.copytree(FIXTURES / "FML101_import_forms", folder)
    check_fixture(folder, [rule], scratch=tmp_path / "scratch1")
    server = folder / "server.py"
    text = server.read_text()
    server.write_text(text.replace("# expect: FML101@5", "# expect: FML101@99", 1))
    with pytest.raises(AssertionError, match="not 99"):
        check_fixture(folder, [rule])
    server.write_text(text.replace("# expect: FML101@5", "", 1))
    with pytest.raises(AssertionError, match="case reports"):
        check_fixture(folder, [rule])
