"""Which rules run, at which severity: `select`/`extend-select`/`ignore` from config and CLI.

Like ruff: a selector is a code (`FML101`), a name (`blocking-sleep-in-async`), a code prefix
(`FML1`, `FML`), a tag (`security`) or `ALL`. The CLI's `--select` replaces the config's;
`extend-select` and `ignore` from both add up. An unknown selector is a UserError naming where
it was written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastmcp_preflight.api import Severity
from fastmcp_preflight.errors import UserError
from fastmcp_preflight.plugins.registry import R, Registry


def expand(registry: Registry[Any], selectors: Iterable[str], where: str) -> set[str]:
    """The codes a list of selectors means; `where` names the option or key for errors."""
    codes: set[str] = set()
    for selector in selectors:
        selector = selector.strip()
        if not selector:
            continue
        found = registry.select(selector)
        if not found:
            raise UserError(f"{where}: unknown rule selector '{selector}' (expected a rule "
                            "code, a rule name, a code prefix like FML1, a tag, or ALL; "
                            "see --list-rules)")
        codes |= found
    return codes


def selected_rules(
    registry: Registry[R],
    *,
    select: Sequence[str] | None,
    extend_select: Sequence[tuple[Sequence[str], str]] = (),
    ignore: Sequence[tuple[Sequence[str], str]] = (),
    select_where: str = "--select",
) -> list[R]:
    """The enabled rules (classes or metadata, as the registry holds), sorted by code.

    `select` is the winning select list (CLI over config), None for the default selection;
    `extend_select` and `ignore` are (selectors, where) pairs from config and CLI.
    """
    if select is None:
        codes = {code for code, rule in registry.rules.items() if rule.default_enabled}
    else:
        codes = expand(registry, select, select_where)
    for selectors, where in extend_select:
        codes |= expand(registry, selectors, where)
    for selectors, where in ignore:
        codes -= expand(registry, selectors, where)
    return [registry.rules[code] for code in sorted(codes)]


def severity_overrides(registry: Registry[Any], overrides: Mapping[str, str],
                       where: str) -> dict[str, Severity]:
    """Per-code severities from config: keys are selectors, values error/warning."""
    result: dict[str, Severity] = {}
    for selector, severity in overrides.items():
        if severity not in ("error", "warning"):
            raise UserError(f"{where}: '{selector}' = '{severity}' (expected error or warning)")
        for code in expand(registry, [selector], where):
            result[code] = "error" if severity == "error" else "warning"
    return result


def per_file_ignores(registry: Registry[Any], table: Mapping[str, Sequence[str]],
                     where: str) -> tuple[tuple[str, frozenset[str]], ...]:
    return tuple((pattern, frozenset(expand(registry, selectors, f"{where} '{pattern}'")))
                 for pattern, selectors in sorted(table.items()))
