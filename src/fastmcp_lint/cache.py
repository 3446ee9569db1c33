"""The result cache: a file's diagnostics and facts, keyed by everything that decides them.

The key is a hash of the tool version, the enabled rules (code, where they come from, and
their module's size and mtime), the settings, the file's display path and module name,
and its bytes. An entry is one small JSON file under `<cache>/v1/`, written atomically
(temporary file, then rename), so two runs can share the cache; an entry that can't be
read or parsed is ignored and rebuilt. A run whose every file is cached parses nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from fastmcp_lint import __version__
from fastmcp_lint.api import BaseRule, Diagnostic, DiagnosticFix, Edit
from fastmcp_lint.facts import FileFacts
from fastmcp_lint.suppression import Directive, Suppressions

CACHE_DIR = ".fastmcp-lint-cache"
_LAYOUT = "v1"


def fingerprint(rules: Iterable[type[BaseRule]], settings: object) -> str:
    """What, besides a file itself, decides its result: the tool, the rules, the settings."""
    parts: list[str] = [__version__]
    for rule in sorted(rules, key=lambda r: r.code):
        source = inspect.getsourcefile(rule) or ""
        try:
            stat = os.stat(source)
            stamp = f"{stat.st_size}:{stat.st_mtime_ns}"
        except OSError:
            stamp = "?"
        parts.append(f"{rule.code}|{rule.origin}|{source}|{stamp}")
    parts.append(repr(settings))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _diagnostic(data: dict[str, Any]) -> Diagnostic:
    fix = data.get("fix")
    return Diagnostic(**{
        **data,
        "fix": None if fix is None else DiagnosticFix(
            fix["applicability"], tuple(Edit(**edit) for edit in fix["edits"]),
            fix.get("description", "")),
    })


def _suppressions_json(found: Suppressions | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "lines": {str(line): codes for line, codes in found.lines.items()},
        "file": found.file,
        "directives": [{**asdict(d), "used": sorted(d.used)} for d in found.directives],
    }


def _suppressions(data: dict[str, Any] | None) -> Suppressions | None:
    if data is None:
        return None
    return Suppressions(
        {int(line): list(codes) for line, codes in data["lines"].items()}, data["file"],
        [_directive(d) for d in data["directives"]])


def _directive(data: dict[str, Any]) -> Directive:
    """A directive back from JSON: its set and tuple fields were written as lists."""
    values = dict(data)
    for item in fields(Directive):
        value = values.get(item.name)
        if isinstance(value, list):
            kind = str(item.type)
            values[item.name] = (set(value) if kind.startswith("set") else
                                 tuple(value) if kind.startswith("tuple") else value)
    return Directive(**values)


Entry = tuple[list[Diagnostic], FileFacts | None, Suppressions | None]


class Cache:
    """Cached results under one folder, for one fingerprint."""

    def __init__(self, directory: Path, run_fingerprint: str) -> None:
        self.root = directory
        self.directory = directory / _LAYOUT
        self.fingerprint = run_fingerprint

    def key(self, data: bytes, display: str, module: str | None, facts_only: bool) -> str:
        digest = hashlib.sha256()
        for part in (self.fingerprint, display, module or "", "facts" if facts_only else "all"):
            digest.update(part.encode("utf-8", "surrogateescape"))
            digest.update(b"\0")
        digest.update(data)
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> Entry | None:
        """The stored result, or None when there is none (or it is unreadable)."""
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
            diagnostics = [_diagnostic(item) for item in data["diagnostics"]]
            facts = None if data["facts"] is None else FileFacts.from_json(data["facts"])
            suppressions = _suppressions(data["suppressions"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        return diagnostics, facts, suppressions

    def put(self, key: str, diagnostics: Iterable[Diagnostic], facts: FileFacts | None,
            suppressions: Suppressions | None = None) -> None:
        """Store a result; failing to (read-only folder, full disk) only costs speed."""
        path = self._path(key)
        payload = json.dumps({
            "diagnostics": [asdict(d) for d in diagnostics],
            "facts": None if facts is None else facts.to_json(),
            "suppressions": _suppressions_json(suppressions),
        }, separators=(",", ":"))
        temporary = None
        try:
            if not path.parent.is_dir():
                path.parent.mkdir(parents=True, exist_ok=True)
                ignore = self.root / ".gitignore"  # like ruff: git never sees the cache
                if not ignore.exists():
                    ignore.write_text("# created by fastmcp-lint\n*\n", encoding="utf-8")
            handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(payload)
            os.replace(temporary, path)
            temporary = None
        except OSError:
            pass
        finally:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
