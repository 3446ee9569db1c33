"""The rules' metadata without importing the rules: a manifest in the cache folder.

Selecting rules, the cache's fingerprint and every report format need only metadata (code,
name, severity, tags, checklist item, docs), but importing the rules to learn it imports
LibCST, which takes longer than a whole run whose every file is cached. So a run that loads
the rules writes their metadata to `<cache>/v1/manifest-<key>.json`, and later runs read it
instead, until a plugin source changes. The key covers the tool (its version and the stamps
of its own modules), the installed distributions, where entry points come from (each
`*.dist-info`/`*.egg-info` on sys.path and its mtime), and the config's local plugins; the
manifest records the stamp (size, mtime) of every file of every plugin it was made from,
checked on each read. A manifest that is missing, unreadable or stale is ignored and
rewritten; `Catalog.classes` imports the real rules only when a file must be linted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from fastmcp_preflight import __version__
from fastmcp_preflight.api import BaseRule, ProjectRule, Severity
from fastmcp_preflight.errors import UserError
from fastmcp_preflight.plugins.options import OptionSpec, option_specs
from fastmcp_preflight.plugins.registry import Plugin, Registry, default_plugins, local_plugins
from fastmcp_preflight.running.cache import rule_source
from fastmcp_preflight.running.storage import write_atomic

_LAYOUT = "v1"


@dataclass(frozen=True)
class RuleMeta:
    """A rule's metadata as plain data: what selection, the cache and the reports use."""

    code: str
    name: str
    severity: Severity
    checklist: str
    summary: str
    what: str
    why: str
    tags: tuple[str, ...]
    security_severity: float | None
    default_enabled: bool
    fixable: str | None
    #: The plugin it came from (its label) and the file its class is defined in.
    origin: str
    source: str
    #: A ProjectRule (over every file's facts) rather than a rule over one file.
    project: bool
    #: `--explain` as text and Markdown, and its web page (SARIF's rule help).
    help_text: str
    help_markdown: str
    help_uri: str | None
    #: The options the rule declares (see `options`), checked against the config.
    options: tuple[OptionSpec, ...] = ()


def describe(rule: type[BaseRule]) -> RuleMeta:
    """The metadata of a rule class (or of a code fastmcp-lint reports itself)."""
    from fastmcp_preflight.plugins.docs import (  # for cold runs only
        explain,
        explain_markdown,
        help_uri,
    )

    return RuleMeta(
        code=rule.code, name=rule.name, severity=rule.severity, checklist=rule.checklist,
        summary=rule.summary, what=rule.what, why=rule.why, tags=tuple(rule.tags),
        security_severity=rule.security_severity, default_enabled=rule.default_enabled,
        fixable=rule.fixable, origin=rule.origin, source=rule_source(rule),
        project=issubclass(rule, ProjectRule), help_text=explain(rule),
        help_markdown=explain_markdown(rule), help_uri=help_uri(rule),
        options=option_specs(rule))


def _meta(data: dict[str, Any]) -> RuleMeta:
    names = {item.name for item in fields(RuleMeta)}
    if set(data) != names:
        raise ValueError("not a rule's metadata")
    options = tuple(OptionSpec(**spec) for spec in data["options"])
    return RuleMeta(**{**data, "tags": tuple(data["tags"]), "options": options})


def stamp(path: str) -> list[Any] | None:
    """What changes when a plugin's source does: a file's size and mtime, a folder's
    Python files with theirs (so an added module counts too); None if it is missing."""
    try:
        if os.path.isdir(path):
            with os.scandir(path) as scan:
                return sorted([e.name, *stamp_of(e.stat())] for e in scan
                              if e.name.endswith(".py"))
        return stamp_of(os.stat(path))
    except OSError:
        return None


def stamp_of(status: os.stat_result) -> list[Any]:
    return [status.st_size, status.st_mtime_ns]


def _distributions() -> list[Any]:
    """Every distribution on sys.path (where entry points are declared), with its mtime."""
    found: list[Any] = []
    for entry in sys.path:
        folder = os.path.abspath(entry or os.curdir)
        try:
            with os.scandir(folder) as scan:
                found += sorted([folder, e.name, e.stat().st_mtime_ns] for e in scan
                                if e.name.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
    return found


def manifest_key(local: Sequence[Plugin]) -> str:
    """What decides which plugins a run loads: the tool, the distributions, local paths."""
    tool = os.path.dirname(os.path.abspath(__file__))
    parts = [__version__, sys.version, stamp(tool), _distributions(),
             [[p.label, p.target] for p in local]]
    return hashlib.sha256(json.dumps(parts).encode("utf-8", "surrogateescape")).hexdigest()


def _sources(plugins: Iterable[Plugin]) -> list[str]:
    """The files and folders the loaded plugins came from."""
    found: list[str] = []
    for plugin in plugins:
        if plugin.is_path:
            found.append(plugin.target)
            continue
        module = sys.modules.get(plugin.target.split(":")[0])
        if module is None:
            continue
        found += list(getattr(module, "__path__", []))
        if getattr(module, "__file__", None):
            found.append(str(module.__file__))
    return found


class Catalog:
    """The rules a run can select: metadata (from the manifest when it is current), and
    the rule classes, imported only when `classes` is first asked for them."""

    def __init__(self, local: Sequence[str], root: Path, folder: Path | None) -> None:
        """`local` and `root` are the config's plugins and root; `folder` is the cache
        folder (None: no manifest)."""
        self._local, self._root = list(local), root
        #: The plugins the manifest was made from: loading them needs no entry-point scan.
        self._plugins: list[Plugin] | None = None
        self._path: Path | None = None
        self._key = ""
        self._loaded: Registry[type[BaseRule]] | None = None
        plugins = local_plugins(local, root)  # checked on every run, manifest or not
        if folder is not None:
            self._key = manifest_key(plugins)
            self._folder = folder
            self._path = folder / _LAYOUT / f"manifest-{self._key[:32]}.json"
            rules = self._read()
            if rules is not None:
                self.registry: Registry[RuleMeta] = Registry(rules)
                return
        self.registry = Registry([describe(rule) for rule in self._load().rules.values()])

    def _read(self) -> list[RuleMeta] | None:
        if self._path is None:
            return None
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
            if data["key"] != self._key or any(stamp(path) != recorded
                                               for path, recorded in data["sources"]):
                return None
            rules = [_meta(item) for item in data["rules"]]
            self._plugins = [Plugin(label, target, bool(is_path))
                             for label, target, is_path in data["plugins"]]
            return rules
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _load(self) -> Registry[type[BaseRule]]:
        """The rule classes (imports every plugin, and LibCST); writes the manifest."""
        if self._loaded is None:
            plugins = self._plugins or default_plugins(self._local, self._root)
            self._loaded = Registry.load(plugins)
            if self._path is not None and self._plugins is None:
                text = json.dumps({
                    "key": self._key,
                    "plugins": [[p.label, p.target, p.is_path] for p in plugins],
                    "sources": [[path, stamp(path)] for path in _sources(plugins)],
                    "rules": [asdict(describe(rule)) for rule in self._loaded.rules.values()],
                }, separators=(",", ":"))
                write_atomic(self._folder, self._path, text)
        return self._loaded

    def classes(self, codes: Iterable[str]) -> list[type[BaseRule]]:
        """The rule classes of `codes`, loading the plugins on first use."""
        loaded = self._load()
        missing = [code for code in codes if code not in loaded.rules]
        if missing:  # a plugin changed in a way its stamps did not show
            if self._path is not None:
                with contextlib.suppress(OSError):
                    self._path.unlink()  # so that the next run writes it anew
            raise UserError(f"rule {missing[0]} is no longer defined by any plugin; "
                            "run again")
        return [loaded.rules[code] for code in codes]
