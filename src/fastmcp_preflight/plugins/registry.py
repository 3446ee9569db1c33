"""The registry: finds rule plugins and checks their metadata.

Built-in rules, third-party packages (entry-point group `fastmcp_preflight.rules`) and local rule
modules named in the config all load the same way: a plugin is a module (or a package of
modules) whose `Rule`/`ProjectRule` subclasses are its rules. A plugin that fails to import,
reuses a code or lacks metadata is a UserError naming the plugin.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import inspect
import pkgutil
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Generic, Protocol, TypeVar

from fastmcp_preflight.api import SEVERITIES, BaseRule, ProjectRule, Rule
from fastmcp_preflight.errors import UserError
from fastmcp_preflight.plugins.checklist import CHECKLIST_KEYS
from fastmcp_preflight.plugins.options import option_specs

ENTRY_POINT_GROUP = "fastmcp_preflight.rules"
#: The group before the package was renamed to `fastmcp_preflight` (0.2): still read, with a
#: note, until 0.3. The `fastmcp_lint` import name belongs to another PyPI project.
DEPRECATED_ENTRY_POINT_GROUP = "fastmcp_lint.rules"
BUILTIN_PLUGIN = "fastmcp_preflight.rules"
_CODE = re.compile(r"^[A-Z]+[1-9][0-9]*$")
_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")


@dataclass(frozen=True)
class Plugin:
    """Where rules come from: an import name or a file path, and how the user refers to it."""

    label: str
    target: str
    is_path: bool = False


def _rules_of(module: ModuleType) -> list[type[BaseRule]]:
    found: list[type[BaseRule]] = []
    for _, value in inspect.getmembers(module, inspect.isclass):
        if (issubclass(value, (Rule, ProjectRule)) and value not in (Rule, ProjectRule)
                and value.__module__ == module.__name__ and not inspect.isabstract(value)):
            found.append(value)
    return found


def _import_path(path: Path) -> ModuleType:
    """Import a local rule file under a top-level name, so its rules pickle by reference
    (worker processes receive rule classes that way)."""
    name = "fastmcp_preflight_local_" + re.sub(r"\W", "_", str(path.with_suffix("")))
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _load(plugin: Plugin) -> list[type[BaseRule]]:
    if plugin.is_path:
        path = Path(plugin.target)
        files = sorted(path.glob("*.py")) if path.is_dir() else [path]
        if not path.exists():
            raise UserError(f"[tool.fastmcp-lint] plugins: '{plugin.label}' does not exist "
                            f"({plugin.target}); expected a rule module or a folder of them")
        return [rule for file in files if not file.name.startswith("_")
                for rule in _rules_of(_import_path(file))]
    target = plugin.target.split(":")[0]
    module = importlib.import_module(target)
    rules = _rules_of(module)
    if hasattr(module, "__path__"):
        for info in sorted(pkgutil.iter_modules(module.__path__), key=lambda i: i.name):
            if not info.name.startswith("_"):
                rules.extend(_rules_of(importlib.import_module(f"{target}.{info.name}")))
    return rules


def _check_metadata(rule: type[BaseRule], label: str) -> None:
    missing = [key for key in BaseRule.REQUIRED if not getattr(rule, key, "")]
    if missing:
        raise UserError(f"plugin '{label}': rule {rule.__name__} lacks {', '.join(missing)}")
    if not _CODE.match(rule.code):
        raise UserError(f"plugin '{label}': rule {rule.__name__} has code '{rule.code}' "
                        "(expected letters then digits, like FML101)")
    if not _NAME.match(rule.name):
        raise UserError(f"plugin '{label}': rule {rule.code} has name '{rule.name}' "
                        "(expected kebab-case, like blocking-sleep-in-async)")
    if rule.checklist not in CHECKLIST_KEYS:
        known = ", ".join(sorted(CHECKLIST_KEYS))
        raise UserError(f"plugin '{label}': rule {rule.code} has checklist '{rule.checklist}', "
                        f"which is not on the scorecard (expected one of: {known})")
    try:
        option_specs(rule)
    except TypeError as error:
        raise UserError(f"plugin '{label}': rule {rule.code}: {error}") from None
    if rule.severity not in SEVERITIES:
        raise UserError(f"plugin '{label}': rule {rule.code} has severity '{rule.severity}' "
                        "(expected error or warning)")


#: The attributes LibCST's matcher decorators (`@m.visit`, `@m.call_if_inside`, ...) set on a
#: method; fastmcp-lint's walk does not run matcher-decorated visitors.
_MATCHER_ATTRIBUTES = ("_call_if_inside_matcher", "_call_if_not_inside_matcher",
                       "_visit_matcher", "_leave_matcher")


def _check_visitors(rule: type[BaseRule], label: str) -> None:
    """Every `visit_X`/`leave_X` of a file rule names a LibCST node type: a misspelled one
    (`visit_Cal`), a per-field one (`visit_Call_func`) or a matcher decorator would silently
    never be called."""
    if not issubclass(rule, Rule):
        return
    import libcst as cst  # only when rules are loaded, never on a cached run

    nodes = {name for name, value in vars(cst).items()
             if isinstance(value, type) and issubclass(value, cst.CSTNode)}
    where = f"plugin '{label}': rule {rule.code}"
    for attribute in sorted(dir(rule)):
        method = getattr(rule, attribute, None)
        if any(getattr(method, marker, None) for marker in _MATCHER_ATTRIBUTES):
            raise UserError(f"{where}: `{attribute}` uses a LibCST matcher decorator, which "
                            "fastmcp-lint does not run; test the node in a visit_<Node> "
                            "method with `libcst.matchers.matches()` instead")
        prefix, _, kind = attribute.partition("_")
        if prefix not in ("visit", "leave") or not kind or kind in nodes:
            continue
        node, _, field_name = kind.partition("_")
        if node in nodes and field_name:
            raise UserError(f"{where}: `{attribute}` is a per-field visitor, which fastmcp-lint "
                            f"does not call; use `{prefix}_{node}` and read `node.{field_name}`")
        close = difflib.get_close_matches(kind, sorted(nodes), n=1)
        hint = f" (did you mean `{prefix}_{close[0]}`?)" if close else ""
        raise UserError(f"{where}: `{attribute}` names no LibCST node type{hint}")


def default_plugins(local: Iterable[str] = (), root: Path | None = None) -> list[Plugin]:
    """The built-in rules, every installed entry point, then the config's local paths."""
    # Importing importlib.metadata takes longer than a run that finds its rules listed in
    # the manifest (see `manifest`): only a run that loads the rules pays for it.
    from importlib.metadata import entry_points

    plugins = [Plugin("fastmcp-lint (built-in rules)", BUILTIN_PLUGIN)]
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if entry.value.split(":")[0] != BUILTIN_PLUGIN:
            plugins.append(Plugin(f"{entry.name} ({entry.value})", entry.value))
    for entry in sorted(entry_points(group=DEPRECATED_ENTRY_POINT_GROUP), key=lambda e: e.name):
        if entry.value.split(":")[0] == "fastmcp_lint.rules":  # an old install of ourselves
            continue
        sys.stderr.write(f"fastmcp-lint: plugin '{entry.name}' registers its rules under the "
                         f"entry-point group '{DEPRECATED_ENTRY_POINT_GROUP}', which is "
                         f"deprecated and read until 0.3; use '{ENTRY_POINT_GROUP}'\n")
        plugins.append(Plugin(f"{entry.name} ({entry.value})", entry.value))
    return plugins + local_plugins(local, root)


def local_plugins(local: Iterable[str] = (), root: Path | None = None) -> list[Plugin]:
    """The config's local rule paths, each checked to be inside the project root."""
    plugins: list[Plugin] = []
    base = (root or Path.cwd()).resolve()
    for item in local:
        path = (base / item).resolve()
        if not path.is_relative_to(base):
            raise UserError(f"plugin '{item}': local plugins must be inside the project "
                            f"root {base}")
        plugins.append(Plugin(item, str(path), is_path=True))
    return plugins


class RuleMetadata(Protocol):
    """What selection needs of a rule: a rule class, or its metadata from the manifest."""

    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def tags(self) -> tuple[str, ...]: ...

    @property
    def default_enabled(self) -> bool: ...


R = TypeVar("R", bound=RuleMetadata)


class Registry(Generic[R]):
    """Every loaded rule by code, with lookups by name, prefix and tag."""

    def __init__(self, rules: Sequence[R]) -> None:
        self.rules = {rule.code: rule for rule in sorted(rules, key=lambda r: r.code)}
        self.by_name = {rule.name: rule for rule in self.rules.values()}

    @classmethod
    def load(cls, plugins: Sequence[Plugin]) -> Registry[type[BaseRule]]:
        seen: dict[str, str] = {}
        names: dict[str, str] = {}
        rules: list[type[BaseRule]] = []
        for plugin in plugins:
            try:
                loaded = _load(plugin)
            except UserError:
                raise
            except BaseException as error:  # a plugin's import may raise anything
                if isinstance(error, KeyboardInterrupt):
                    raise
                raise UserError(f"plugin '{plugin.label}' could not be loaded: "
                                f"{type(error).__name__}: {error}") from None
            for rule in loaded:
                _check_metadata(rule, plugin.label)
                _check_visitors(rule, plugin.label)
                if rule.code in seen:
                    raise UserError(f"plugin '{plugin.label}': rule code {rule.code} is "
                                    f"already defined by '{seen[rule.code]}'")
                if rule.name in names:
                    raise UserError(f"plugin '{plugin.label}': rule name {rule.name} is "
                                    f"already defined by '{names[rule.name]}'")
                seen[rule.code] = names[rule.name] = plugin.label
                rule.origin = plugin.label
                rules.append(rule)
        return Registry(rules)

    def find(self, code_or_name: str) -> R | None:
        return self.rules.get(code_or_name.upper()) or self.by_name.get(code_or_name.lower())

    def select(self, selector: str) -> set[str]:
        """Codes a selector means: a code, a name, a code prefix, a tag, or ALL. Empty if none."""
        if selector.upper() == "ALL":
            return set(self.rules)
        rule = self.find(selector)
        if rule is not None:
            return {rule.code}
        prefixed = {code for code in self.rules if code.startswith(selector.upper())}
        if prefixed:
            return prefixed
        return {code for code, rule in self.rules.items() if selector.lower() in rule.tags}
