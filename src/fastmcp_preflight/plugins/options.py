"""Typed per-rule options: what a rule declares, and its config table checked against that.

A rule declares its options as a frozen dataclass in `OPTIONS`: every field has a default
and one of the types a TOML value maps to without guessing (`bool`, `int`, `float`, `str`,
`tuple[str, ...]`). The table `[tool.fastmcp-lint.rules.<CODE>]` sets them by the field
names in kebab-case (`min_characters` -> `min-characters`). The table is checked when the
config is loaded, against the declared types (from the rule class, or from the manifest when
the run imports no rule): an unknown rule, an unknown option or a value of the wrong type is
a UserError naming the file, the table and the option.
"""

from __future__ import annotations

import dataclasses
import difflib
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastmcp_preflight.api import BaseRule
from fastmcp_preflight.errors import UserError

#: The Python types an option may have, and how the documentation names each.
_KINDS: tuple[tuple[object, str], ...] = (
    (bool, "bool"), (int, "int"), (float, "float"), (str, "str"),
    (tuple[str, ...], "list[str]"),
)
_EXPECTED = {"bool": "true or false", "int": "an integer", "float": "a number",
             "str": "a string", "list[str]": "a list of strings"}

#: The checked options of a run: (code, ((field, value), ...)), sorted; plain data, so it is
#: part of the settings that key the cache.
RuleOptions = tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]


@dataclass(frozen=True)
class OptionSpec:
    """One option of a rule: its TOML key, its dataclass field, its kind and default."""

    key: str
    field: str
    kind: str
    default: Any
    help: str = ""


def option_specs(rule: type[BaseRule]) -> tuple[OptionSpec, ...]:
    """The options a rule class declares; a TypeError says what is wrong with them."""
    kind = rule.OPTIONS
    if kind is None:
        return ()
    if not (isinstance(kind, type) and dataclasses.is_dataclass(kind)):
        raise TypeError("OPTIONS must be a dataclass (`@dataclass(frozen=True)`)")
    try:
        hints = typing.get_type_hints(kind)
    except Exception as error:  # an annotation that does not evaluate
        raise TypeError(f"OPTIONS has an annotation that cannot be read: {error}") from None
    specs: list[OptionSpec] = []
    for item in dataclasses.fields(kind):
        if item.default is not dataclasses.MISSING:
            default = item.default
        elif item.default_factory is not dataclasses.MISSING:
            default = item.default_factory()
        else:
            raise TypeError(f"option `{item.name}` has no default")
        name = next((label for python, label in _KINDS if hints.get(item.name) == python), None)
        if name is None:
            raise TypeError(f"option `{item.name}` has type {hints.get(item.name)!r} (expected "
                            "bool, int, float, str or tuple[str, ...])")
        specs.append(OptionSpec(item.name.replace("_", "-"), item.name, name,
                                list(default) if name == "list[str]" else default,
                                str(item.metadata.get("help", ""))))
    return tuple(specs)


def specs_of(rule: Any) -> tuple[OptionSpec, ...]:
    """The options of a rule class, or of a rule's metadata from the manifest."""
    if isinstance(rule, type) and issubclass(rule, BaseRule):
        return option_specs(rule)
    found: tuple[OptionSpec, ...] = getattr(rule, "options", ())
    return found


def _value(spec: OptionSpec, value: object) -> object | None:
    """The value as the option's type, or None when it has another type."""
    if spec.kind == "bool":
        return value if isinstance(value, bool) else None
    if isinstance(value, bool):
        return None
    if spec.kind == "int":
        return value if isinstance(value, int) else None
    if spec.kind == "float":
        return float(value) if isinstance(value, (int, float)) else None
    if spec.kind == "str":
        return value if isinstance(value, str) else None
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    return None


def _type_name(value: object) -> str:
    if isinstance(value, dict):
        return "table"
    if isinstance(value, list):
        return "list" if all(isinstance(i, str) for i in value) else "list of mixed values"
    return type(value).__name__


def check_rule_options(rules: Mapping[str, Any], tables: Mapping[str, Mapping[str, object]],
                       where: Callable[[str], str]) -> RuleOptions:
    """Check `[... .rules.<CODE>]` tables against the rules' declared options.

    `rules` maps codes to rule classes or metadata; `where(code)` names the table in
    messages (`pyproject.toml: [tool.fastmcp-lint.rules.FML704]`).
    """
    checked: list[tuple[str, tuple[tuple[str, Any], ...]]] = []
    for code, table in sorted(tables.items()):
        rule = rules.get(code)
        if rule is None:
            close = difflib.get_close_matches(code, sorted(rules), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise UserError(f"{where(code)}: unknown rule code {code!r}{hint}")
        specs = {spec.key: spec for spec in specs_of(rule)}
        values: list[tuple[str, Any]] = []
        for key, value in table.items():
            spec = specs.get(key)
            if spec is None:
                if not specs:
                    raise UserError(f"{where(code)}: {key}: rule {code} has no options")
                known = ", ".join(sorted(specs))
                close = difflib.get_close_matches(key, sorted(specs), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise UserError(f"{where(code)}: unknown option {key!r} (expected one of: "
                                f"{known}){hint}")
            converted = _value(spec, value)
            if converted is None:
                raise UserError(f"{where(code)}: {key}: expected {_EXPECTED[spec.kind]}, got "
                                f"{_type_name(value)}")
            values.append((spec.field, converted))
        checked.append((code, tuple(sorted(values))))
    return tuple(checked)


def describe_options(specs: tuple[OptionSpec, ...], code: str) -> list[str]:
    """The options section of `--explain`: one line per option."""
    if not specs:
        return []
    lines = [f"Set in `[tool.fastmcp-lint.rules.{code}]`:"]
    for spec in specs:
        default = spec.default
        shown = ("true" if default else "false") if spec.kind == "bool" else repr(default)
        text = f"- `{spec.key}` ({spec.kind}, default {shown})"
        lines.append(f"{text}: {spec.help}" if spec.help else text)
    return lines
