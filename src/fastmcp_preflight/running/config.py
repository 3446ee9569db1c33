"""Load the ``[tool.fastmcp-lint]`` settings from pyproject.toml or a ``--config`` file.

Every mistake a user can make in the file becomes a one-line ``UserError`` naming the file, the
key and what was expected, so the CLI can exit 2 with a message that says exactly what to fix.
Rule codes are deliberately not checked here: only the registry knows which codes exist.
"""

from __future__ import annotations

import difflib
import fnmatch
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from fastmcp_preflight.errors import UserError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    # tomli is a dependency only below 3.11, so a 3.11+ venv checking for 3.10 may lack it.
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

TOOL_TABLE = "fastmcp-lint"
SEVERITIES = ("error", "warning")


def _empty_mapping() -> Mapping[str, Any]:
    """A read-only empty mapping, so a frozen Config cannot be changed through its tables."""
    return MappingProxyType({})


@dataclass(frozen=True)
class Config:
    """The settings of one run; the defaults are what a project without any config gets."""

    path: Path | None
    root: Path
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(
        default_factory=_empty_mapping, hash=False
    )
    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True
    severity: Mapping[str, str] = field(default_factory=_empty_mapping, hash=False)
    fail_on: str = "warning"
    extend_blocking_calls: tuple[str, ...] = ()
    extend_sync_clients: tuple[str, ...] = ()
    plugins: tuple[str, ...] = ()
    cache_dir: str | None = None
    #: Gitignore-style globs that make a file test code (None: the default list).
    test_paths: tuple[str, ...] | None = None
    #: Lint test code too (it is skipped by default, see RULES.md).
    lint_tests: bool = False


def find_config_file(paths: Sequence[Path]) -> Path | None:
    """The nearest pyproject.toml above the first path that has a [tool.fastmcp-lint] table."""
    found = _find_settings(paths)
    return found[0] if found is not None else None


def load_config(paths: Sequence[Path], explicit: Path | None = None) -> Config:
    """Settings for linting ``paths``: from ``explicit`` (``--config``) or the nearest pyproject.

    ``explicit`` may be a pyproject.toml (its [tool.fastmcp-lint] table is read) or a standalone
    TOML file whose top level holds the settings, like ruff.toml.
    """
    if explicit is not None:
        config_path = Path(os.path.abspath(explicit))
        if not config_path.exists():
            raise UserError(f"config file '{explicit}' does not exist")
        document = _read_toml(config_path)
        if config_path.name == "pyproject.toml":
            settings = _tool_table(document)
            if settings is None:
                raise UserError(
                    f"{_show(config_path)}: no [tool.{TOOL_TABLE}] table "
                    "(a pyproject.toml given to --config must have one)"
                )
            section = f"[tool.{TOOL_TABLE}] "
        else:
            settings, section = document, ""
        return _parse_settings(settings, config_path, section)

    found = _find_settings(paths)
    if found is not None:
        config_path, settings = found
        return _parse_settings(settings, config_path, f"[tool.{TOOL_TABLE}] ")
    return Config(path=None, root=_project_root(_start_dir(paths)))


# --- finding the file --------------------------------------------------------------------------


def _start_dir(paths: Sequence[Path]) -> Path:
    """Where the upward search begins: the first path's folder, or the folder itself."""
    if not paths:
        return Path.cwd()
    first = Path(os.path.abspath(paths[0]))
    return first if first.is_dir() else first.parent


def _find_settings(paths: Sequence[Path]) -> tuple[Path, Any] | None:
    """Walk up from the first path to the filesystem root; the first file with our table wins."""
    start = _start_dir(paths)
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if not candidate.is_file():
            continue
        raw = _read_bytes(candidate)
        # Parse only files that can mention us, so an unrelated broken pyproject.toml (or a huge
        # one) further up the tree neither costs time nor stops the run.
        if TOOL_TABLE.encode() not in raw:
            continue
        settings = _tool_table(_parse_toml(raw, candidate))
        if settings is not None:
            return candidate, settings
    return None


def _project_root(start: Path) -> Path:
    """Nearest folder holding pyproject.toml or .git, so globs mean the same from any subfolder."""
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file() or (folder / ".git").exists():
            return folder
    return Path.cwd()


def _tool_table(document: Mapping[str, Any]) -> Any:
    """The [tool.fastmcp-lint] value (any type; validated later), or None when absent."""
    tool = document.get("tool")
    if not isinstance(tool, dict):
        return None
    return tool.get(TOOL_TABLE)


# --- reading TOML --------------------------------------------------------------------------------


def _show(path: Path) -> str:
    """The file as the user thinks of it: relative to cwd when under it."""
    try:
        return Path(path).relative_to(Path.cwd()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UserError(f"{_show(path)}: cannot read: {exc.strerror or exc}") from None


def _parse_toml(raw: bytes, path: Path) -> dict[str, Any]:
    try:
        document: dict[str, Any] = tomllib.loads(raw.decode("utf-8"))
        return document
    except UnicodeDecodeError as exc:
        raise UserError(f"{_show(path)}: invalid TOML: not UTF-8 ({exc.reason})") from None
    except tomllib.TOMLDecodeError as exc:
        message = " ".join(str(exc).split())  # keep it on one line
        raise UserError(f"{_show(path)}: invalid TOML: {message}") from None


def _read_toml(path: Path) -> dict[str, Any]:
    return _parse_toml(_read_bytes(path), path)


# --- validating the settings --------------------------------------------------------------------


def _type_name(value: object) -> str:
    """The TOML-ish name of a value's type, for 'expected X, got Y'."""
    if isinstance(value, dict):
        return "table"
    return type(value).__name__


class _Where:
    """Builds the 'file: [table] key: ' prefix of every message about one config file."""

    def __init__(self, path: Path, section: str) -> None:
        self.prefix = f"{_show(path)}: {section}"
        self.folder = path.parent  # the project root that relative paths start from

    def error(self, key: str, message: str) -> UserError:
        return UserError(f"{self.prefix}{key}: {message}")

    def expected(self, key: str, what: str, value: object) -> UserError:
        return self.error(key, f"expected {what}, got {_type_name(value)}")


def _string_list(value: object, key: str, where: _Where) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise where.expected(key, "a list of strings", value)
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise where.expected(f"{key}[{index}]", "a string", item)
    return tuple(value)


def _non_empty_string_list(value: object, key: str, where: _Where) -> tuple[str, ...]:
    items = _string_list(value, key, where)
    for index, item in enumerate(items):
        if not item.strip():
            raise where.error(f"{key}[{index}]", "expected a non-empty string")
    return items


def _dotted_names(value: object, key: str, where: _Where) -> tuple[str, ...]:
    """Blocking-call names must be importable dotted names, or they would silently never match."""
    names = _string_list(value, key, where)
    for index, name in enumerate(names):
        if not all(part.isidentifier() for part in name.split(".")):
            raise where.error(
                f"{key}[{index}]",
                f"expected a dotted name like 'mylib.fetch_sync', got {name!r}",
            )
    return names


def _level(value: object, key: str, where: _Where) -> str:
    if not isinstance(value, str):
        raise where.expected(key, '"error" or "warning"', value)
    if value not in SEVERITIES:
        raise where.error(key, f'expected "error" or "warning", got {value!r}')
    return value


def _severity_table(value: object, key: str, where: _Where) -> Mapping[str, str]:
    if not isinstance(value, dict):
        raise where.expected(key, 'a table of code = "error" | "warning"', value)
    return MappingProxyType(
        {code: _level(level, f"{key}.{code}", where) for code, level in value.items()}
    )


def _per_file_ignores(value: object, key: str, where: _Where) -> Mapping[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise where.expected(key, "a table of glob = [codes]", value)
    for glob in value:
        _check_glob(glob, f'{key}."{glob}"', where)
    return MappingProxyType(
        {glob: _string_list(codes, f'{key}."{glob}"', where) for glob, codes in value.items()}
    )


def _check_glob(glob: str, key: str, where: _Where) -> None:
    """A glob that can never match is a mistake, not a setting: say so instead of ignoring it."""
    example = "expected a glob such as 'tests/*' or '*_test.py'"
    if not glob.strip():
        raise where.error(key, f"empty glob; {example}")
    if "(?!)" in fnmatch.translate(glob):  # fnmatch's "matches nothing", e.g. for [z-a]
        raise where.error(key, f"the glob can never match (an empty character range?); "
                               f"{example}")


def _plugin_paths(value: object, key: str, where: _Where) -> tuple[str, ...]:
    """Local plugin modules or folders: only ever loaded from inside the project root.

    (Whether they exist is the registry's to say, when it loads them.)
    """
    items = _non_empty_string_list(value, key, where)
    root = os.path.realpath(where.folder)
    for index, item in enumerate(items):
        path = os.path.realpath(os.path.join(root, item))  # Path.resolve raises on a loop
        if path != root and not path.startswith(root.rstrip(os.sep) + os.sep):
            raise where.error(f"{key}[{index}]", f"{item!r} is outside the project; expected a "
                                                 f"module or folder inside the project root {root}")
    return items


def _bool(value: object, key: str, where: _Where) -> bool:
    if not isinstance(value, bool):
        raise where.expected(key, "true or false", value)
    return value


def _non_empty_string(value: object, key: str, where: _Where) -> str:
    if not isinstance(value, str):
        raise where.expected(key, "a string", value)
    if not value.strip():
        raise where.error(key, "expected a non-empty string")
    return value


_Parser = Callable[[object, str, _Where], Any]

# TOML key -> (Config field, parser). The one list of what a config file may say.
_KEYS: Mapping[str, tuple[str, _Parser]] = MappingProxyType(
    {
        "select": ("select", _string_list),
        "ignore": ("ignore", _string_list),
        "extend-select": ("extend_select", _string_list),
        "per-file-ignores": ("per_file_ignores", _per_file_ignores),
        "exclude": ("exclude", _string_list),
        "extend-exclude": ("extend_exclude", _string_list),
        "respect-gitignore": ("respect_gitignore", _bool),
        "severity": ("severity", _severity_table),
        "fail-on": ("fail_on", _level),
        "extend-blocking-calls": ("extend_blocking_calls", _dotted_names),
        "extend-sync-clients": ("extend_sync_clients", _dotted_names),
        "plugins": ("plugins", _plugin_paths),
        "cache-dir": ("cache_dir", _non_empty_string),
        "test-paths": ("test_paths", _non_empty_string_list),
        "lint-tests": ("lint_tests", _bool),
    }
)


def _unknown_key(key: str, where: _Where, standalone: bool) -> UserError:
    known = sorted(_KEYS)
    message = f"{where.prefix}unknown key {key!r} (expected one of: {', '.join(known)})"
    close = difflib.get_close_matches(key, known, n=1)
    if close:
        message += f"; did you mean {close[0]!r}?"
    elif standalone and key == "tool":
        message += (
            f"; [tool.{TOOL_TABLE}] is read only from pyproject.toml,"
            " a standalone config file holds the settings at its top level"
        )
    return UserError(message)


def _parse_settings(settings: object, path: Path, section: str) -> Config:
    where = _Where(path, section)
    if not isinstance(settings, dict):
        label = section.strip() or "top level"
        raise UserError(f"{_show(path)}: {label}: expected a table, got {_type_name(settings)}")
    values: dict[str, Any] = {}
    for key, value in settings.items():
        if key not in _KEYS:
            raise _unknown_key(key, where, standalone=not section)
        field_name, parse = _KEYS[key]
        values[field_name] = parse(value, key, where)
    return Config(path=path, root=path.parent, **values)
