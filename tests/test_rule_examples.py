"""Every rule's VALID and INVALID examples, as test cases: a rule is tested by being written."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest

from fastmcp_preflight.api import BaseRule, Invalid, Valid
from fastmcp_preflight.model.file_model import string_value
from fastmcp_preflight.plugins.registry import Registry, default_plugins
from fastmcp_preflight.running.engine import lint_source
from fastmcp_preflight.testing import check_example

RULES = sorted(Registry.load(default_plugins()).rules.values(), key=lambda r: r.code)


def _cases(kind: str) -> list[tuple[type[BaseRule], int, Valid | Invalid]]:
    cases = []
    for rule in RULES:
        for index, example in enumerate(getattr(rule, kind)):
            cases.append((rule, index, Valid(example) if isinstance(example, str) else example))
    return cases


def _ids(cases: list[tuple[type[BaseRule], int, object]]) -> list[str]:
    return [f"{rule.code}-{index}" for rule, index, _ in cases]


VALID_CASES = _cases("VALID")
INVALID_CASES = _cases("INVALID")


@pytest.mark.parametrize(("rule", "index", "example"), VALID_CASES, ids=_ids(VALID_CASES))
def test_valid_example_gives_no_diagnostic(
    rule: type[BaseRule], index: int, example: Valid
) -> None:
    check_example(rule, example)


@pytest.mark.parametrize(("rule", "index", "example"), INVALID_CASES, ids=_ids(INVALID_CASES))
def test_invalid_example_gives_exactly_its_diagnostics(
    rule: type[BaseRule], index: int, example: Invalid
) -> None:
    check_example(rule, example)


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
    from fastmcp_preflight.rules.fml501_hardcoded_secret import literal_text

    value = ast.literal_eval(literal)
    expected = value if isinstance(value, str) else None
    assert literal_text(cst.parse_expression(literal)) == expected
    assert string_value(cst.parse_expression(literal)) == expected


@pytest.mark.parametrize(("source", "names"), [
    ("GITHUB_TOKEN = 'Sup3rS3cretValue'\n", "`GITHUB_TOKEN`"),
    ("x = 'Bearer github_pat_11ABCDEFG0123456789_abcdefghij'\n", "fine-grained personal access"),
    ("x = 'sk-proj-8sJd72Hs9aKq0LmNbV'\n", "OpenAI API key"),
    ("x = 'sk_live_51Hx9aZ8bY7cX6dW5eV4f'\n", "Stripe secret key"),
    ("aws_access_key = 'AKIAQ2W3E4R5T6Y7U8I9'\n", "`aws_access_key` holds an AWS access key ID"),
    ("log.info('searching with key sk-ant-api03-Qx7Rt2Lm9Np4Vb8Zk3Hs')\n",
     "holds an OpenAI/Anthropic-style secret key"),
])
def test_fml501_message_names_what_matched_and_no_part_of_the_secret(
        source: str, names: str) -> None:
    from fastmcp_preflight.rules.fml501_hardcoded_secret import HardcodedSecret, leaks

    [diagnostic] = lint_source(source, [HardcodedSecret], "server.py")
    assert names in diagnostic.message
    assert not leaks(diagnostic.message, source.split("'")[1].split()[-1])


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
