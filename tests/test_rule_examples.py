"""Every rule's VALID and INVALID examples, as test cases: a rule is tested by being written."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest

from fastmcp_lint.api import BaseRule, Diagnostic, Invalid, Valid
from fastmcp_lint.engine import Engine, fix_source, lint_source, virtual_module_name
from fastmcp_lint.model import string_value
from fastmcp_lint.reading import decode
from fastmcp_lint.registry import Registry, default_plugins

RULES = sorted(Registry.load(default_plugins()).rules.values(), key=lambda r: r.code)


def _cases(kind: str) -> list[tuple[type[BaseRule], int, Valid | Invalid]]:
    cases = []
    for rule in RULES:
        for index, example in enumerate(getattr(rule, kind)):
            cases.append((rule, index, Valid(example) if isinstance(example, str) else example))
    return cases


def _ids(cases: list[tuple[type[BaseRule], int, object]]) -> list[str]:
    return [f"{rule.code}-{index}" for rule, index, _ in cases]


def _lint(example: Valid | Invalid, rule: type[BaseRule]) -> list[Diagnostic]:
    """The example's diagnostics; with `others`, linted as one project with those files."""
    if not example.others:
        return lint_source(example.code, [rule], example.path)
    engine = Engine([rule])
    results = [engine.lint_text(decode(code.encode("utf-8")), path, *virtual_module_name(path))
               for path, code in [(example.path, example.code), *example.others]]
    return engine.finish(results[:1], [r.facts for r in results[1:] if r.facts]).diagnostics


VALID_CASES = _cases("VALID")
INVALID_CASES = _cases("INVALID")


@pytest.mark.parametrize(("rule", "index", "example"), VALID_CASES, ids=_ids(VALID_CASES))
def test_valid_example_gives_no_diagnostic(
    rule: type[BaseRule], index: int, example: Valid
) -> None:
    diagnostics = _lint(example, rule)
    assert [(d.code, d.line, d.column, d.message) for d in diagnostics] == []


@pytest.mark.parametrize(("rule", "index", "example"), INVALID_CASES, ids=_ids(INVALID_CASES))
def test_invalid_example_gives_exactly_its_diagnostics(
    rule: type[BaseRule], index: int, example: Invalid
) -> None:
    diagnostics = _lint(example, rule)
    assert [(d.code, d.line, d.column) for d in diagnostics] == [
        (rule.code, line, column) for line, column in example.at
    ]
    if example.fixed is not None:
        fixed = fix_source(example.code, [rule], example.path, allow=("safe", "unsafe"))
        assert fixed == example.fixed
        cst.parse_module(fixed)
        assert fix_source(fixed, [rule], example.path, allow=("safe", "unsafe")) == fixed


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_every_rule_has_examples_and_docs(rule: type[BaseRule]) -> None:
    assert rule.VALID, f"{rule.code} has no VALID examples"
    assert rule.INVALID, f"{rule.code} has no INVALID examples"
    for key in ("summary", "what", "why", "instead", "hint", "checklist"):
        assert getattr(rule, key).strip(), f"{rule.code} lacks {key}"
    if rule.fixable is not None:
        assert rule.fix_safety and any(e.fixed for e in rule.INVALID), (
            f"{rule.code} is fixable but shows no fix"
        )


@pytest.mark.parametrize("literal", [
    '"abc"', "'abc'", '"""a\nb"""', "r'x\\y'", "b'xx'", "Rb'x'", "u'é'", "''", '""""""',
    "'a\\nb'", "'''q'''", "'a\\\\b'", "'tab\\tx'", "rb'\\x00'",
])
def test_fml501_reads_a_literal_as_python_would(literal: str) -> None:
    from fastmcp_lint.rules.fml501_hardcoded_secret import literal_text

    value = ast.literal_eval(literal)
    expected = value if isinstance(value, str) else None
    assert literal_text(cst.parse_expression(literal)) == expected
    assert string_value(cst.parse_expression(literal)) == expected


def _reported_sources(rule: type[BaseRule]) -> list[tuple[str, str]]:
    """(where, source) of every example and fixture file in which `rule` reports."""
    sources = [(f"{rule.code} INVALID {index}", example.code)
               for index, example in enumerate(rule.INVALID)]
    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    for path in sorted(fixtures.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if any(rule.code in line for line in text.splitlines() if "# expect:" in line):
            sources.append((str(path.relative_to(fixtures)), text))
    return sources


@pytest.mark.parametrize("rule", [r for r in RULES if getattr(r, "needles", None)],
                         ids=[r.code for r in RULES if getattr(r, "needles", None)])
def test_needles_never_hide_a_finding(rule: type[BaseRule]) -> None:
    """A file without any of a rule's needles is not checked by it, so every file the rule
    reports on must contain one."""
    needles = getattr(rule, "needles", None) or ()
    sources = _reported_sources(rule)
    assert sources
    for where, source in sources:
        assert any(needle in source for needle in needles), where
