"""Turn the paths a user gives into the Python files to lint.

Excludes and .gitignore are decided per directory entry while walking, so an excluded folder
(a virtualenv, node_modules) is pruned before a single entry inside it is read. Symlinked
folders are never followed during the walk, which makes symlink loops harmless.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pathspec

from fastmcp_preflight.errors import UserError

if TYPE_CHECKING:
    from fastmcp_preflight.running.config import Config, ConfigResolver

# ruff's default excludes, plus what a Python build or this tool leaves behind (build,
# __pycache__, *.egg-info, .fastmcp-lint-cache). They are matched by folder/file name only.
DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".bzr",
    ".direnv",
    ".eggs",
    ".fastmcp-lint-cache",
    ".git",
    ".git-rewrite",
    ".hg",
    ".ipynb_checkpoints",
    ".mypy_cache",
    ".nox",
    ".pants.d",
    ".pyenv",
    ".pytest_cache",
    ".pytype",
    ".ruff_cache",
    ".svn",
    ".tox",
    ".venv",
    ".vscode",
    "__pycache__",
    "__pypackages__",
    "_build",
    "buck-out",
    "build",
    "dist",
    "node_modules",
    "site-packages",
    "venv",
    "*.egg-info",
)

PYTHON_SUFFIX = ".py"
#: What makes a gitignore pattern more than a plain name.
_GLOB = re.compile(r"[*?\[\]/!\\]")

# A .gitignore (or .git/info/exclude) and the folder its patterns are relative to.
_IgnoreFile = tuple[str, pathspec.GitIgnoreSpec]
# The pattern that ignores an explicitly named folder: (its spec, pattern index).
_Inherited = tuple[pathspec.GitIgnoreSpec, int] | None


def display_path(path: Path, cwd: str | None = None) -> str:
    """How a path is shown: relative to cwd with "/" when under it, else absolute posix.

    Bytes of a file name that don't decode (they reach Python as lone surrogates, which no
    report can encode) are shown as ``\\xNN`` escapes, as ``ls -b`` does. (`cwd`: the
    working directory, when the caller has it already.)
    """
    cwd = cwd or os.getcwd()
    absolute = os.path.abspath(path)
    relative = _relative_under(absolute, cwd)
    if relative is None:
        # cwd is usually a resolved path; a path given through a symlinked prefix of it
        # (macOS /var -> /private/var) is still "under cwd".
        relative = _relative_under(os.path.realpath(absolute), os.path.realpath(cwd))
    if relative is None:
        relative = Path(absolute).as_posix()
    return _printable(relative or ".")


def _printable(name: str) -> str:
    """``name`` with undecodable bytes (surrogate escapes) spelled ``\\xNN``."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raw = name.encode("utf-8", "surrogateescape")
        return raw.decode("utf-8", "backslashreplace")
    return name


class RealPaths:
    """`os.path.realpath` of many files, resolving each folder once: a file that is not a
    link is its folder's real path joined with its name (realpath itself checks every
    component of every path, the most costly part of discovering a large project)."""

    def __init__(self) -> None:
        self._folders: dict[str, str] = {}
        self._files: dict[str, str] = {}

    def of(self, path: str | os.PathLike[str]) -> str:
        text = os.fspath(path)
        known = self._files.get(text)
        if known is None:
            known = self._files[text] = self._real(text)
        return known

    def _real(self, text: str) -> str:
        folder, name = os.path.split(text)
        if not name or name in (os.curdir, os.pardir) or os.path.islink(text):
            return os.path.realpath(text)
        real = self._folders.get(folder)
        if real is None:
            real = self._folders[folder] = os.path.realpath(folder)
        return os.path.join(real, name)


def discover(paths: Sequence[Path], config: Config,
             real_paths: RealPaths | None = None,
             configs: ConfigResolver | None = None) -> list[Path]:
    """The .py files to lint under ``paths``, deduplicated and sorted by ``display_path``
    (see `discover_shown`)."""
    return [path for path, _ in discover_shown(paths, config, real_paths, configs)]


def discover_shown(paths: Sequence[Path], config: Config,
                   real_paths: RealPaths | None = None,
                   configs: ConfigResolver | None = None) -> list[tuple[Path, str]]:
    """The .py files to lint under ``paths`` with their ``display_path``, deduplicated and
    sorted by it.

    Paths come back as the user spelled them joined with the names found (never resolved
    through symlinks), so reports show what the user typed. Files named explicitly are linted
    whatever their suffix, even when gitignored or inside a default-excluded folder, but the
    config's own ``exclude``/``extend-exclude`` still skip them, so pre-commit honours them.

    With ``configs``, each folder's excludes (and ``respect-gitignore``) are those of the
    config that applies to it (see `ConfigResolver`), else ``config``'s everywhere.
    """
    for given in paths:
        if not given.exists():
            raise UserError(f"path '{given}' does not exist")

    excludes_of = _ExcludesOf(config, configs)
    gitignores = _GitIgnores()
    by_real_path: dict[str, tuple[str, Path]] = {}
    real_path = real_paths or RealPaths()
    cwd = os.getcwd()

    def add(path: Path) -> None:
        real = real_path.of(path)
        shown = display_path(path, cwd)
        kept = by_real_path.get(real)
        if kept is None or shown < kept[0]:
            by_real_path[real] = (shown, path)

    for given in paths:
        absolute = os.path.abspath(given)
        if given.is_dir():
            if not excludes_of.folder(absolute).by_user(absolute, is_dir=True):
                for found in _walk(os.fspath(given), absolute, excludes_of, gitignores):
                    add(found)
        elif given.is_file() and not excludes_of.folder(
                os.path.dirname(absolute)).by_user(absolute, is_dir=False):
            add(given)
        # anything else (a FIFO, a socket, a device) is not source code: skip it

    return [(path, shown) for shown, path in sorted(by_real_path.values(),
                                                    key=lambda kept: kept[0])]


def excluded_by_config(path: Path, config: Config) -> bool:
    """Whether the config's exclude/extend-exclude skip a file named explicitly (as
    `discover_shown` does), for text that stands in for it (stdin, an editor's buffer): the
    file need not exist."""
    return _Excludes(config).by_user(os.path.abspath(path), is_dir=False)


def _relative_under(path: str, folder: str) -> str | None:
    """``path`` relative to ``folder`` with "/" separators ("" for the folder itself), or None."""
    if path == folder:
        return ""
    prefix = folder if folder.endswith(os.sep) else folder + os.sep
    if not path.startswith(prefix):
        return None
    return path[len(prefix) :].replace(os.sep, "/")


#: What pathspec raises for a pattern it can't compile: ValueError for some, and the
#: regular-expression error (not a ValueError) for others, such as the range in "[z-a]".
_BAD_PATTERN = (ValueError, re.error)


def _compile(patterns: Iterable[str], origin: str) -> pathspec.GitIgnoreSpec:
    patterns = list(patterns)
    try:
        return pathspec.GitIgnoreSpec.from_lines(patterns)
    except _BAD_PATTERN:
        pass
    for index, pattern in enumerate(patterns):
        try:
            pathspec.GitIgnoreSpec.from_lines([pattern])
        except _BAD_PATTERN as exc:
            raise UserError(f"{origin}[{index}]: invalid pattern {pattern!r} ({exc}); expected "
                            "a gitignore-style pattern such as 'build/' or 'gen/*.py'") from None
    raise UserError(f"{origin}: invalid patterns")  # pragma: no cover - each one compiled


class _Excludes:
    """The config's exclude patterns, split by whether they apply to explicitly named paths."""

    def __init__(self, config: Config) -> None:
        self.root = os.path.abspath(config.root)
        self.respect_gitignore = config.respect_gitignore
        where = f"{display_path(config.path)}: " if config.path is not None else ""
        user: list[pathspec.GitIgnoreSpec] = []
        defaults = DEFAULT_EXCLUDES if config.exclude is None else ()
        # A plain name matches exactly that name: a set lookup, not a pattern per entry.
        self.default_names = frozenset(p for p in defaults if not _GLOB.search(p))
        self.defaults = _compile([p for p in defaults if _GLOB.search(p)], "default excludes")
        if config.exclude is not None:
            user.append(_compile(config.exclude, f"{where}[tool.fastmcp-lint] exclude"))
        user.append(_compile(config.extend_exclude, f"{where}[tool.fastmcp-lint] extend-exclude"))
        self.user = [spec for spec in user if len(spec)]

    def by_user(self, absolute: str, *, is_dir: bool) -> bool:
        """Whether the config's exclude/extend-exclude skip this path.

        Under the root the pattern sees the root-relative path (so "gen" matches at any depth
        and "/gen" or "src/gen" only there); outside it, only the entry's name can be matched.
        """
        if not self.user:
            return False
        subject = _relative_under(absolute, self.root)
        if subject is None:
            subject = os.path.basename(absolute)
        if not subject:
            return False  # the root itself (or the filesystem root) is never excluded
        if is_dir:
            subject += "/"
        return any(spec.match_file(subject) for spec in self.user)

    def by_default(self, name: str, *, is_dir: bool) -> bool:
        return name in self.default_names or (
            len(self.defaults) > 0 and self.defaults.match_file(name + "/" if is_dir else name))


class _ExcludesOf:
    """Each folder's excludes: its config's (compiled once per config)."""

    def __init__(self, config: Config, configs: ConfigResolver | None) -> None:
        self._configs = configs
        self._one = _Excludes(config)
        self._compiled: dict[Config, _Excludes] = {config: self._one}

    def folder(self, absolute: str) -> _Excludes:
        if self._configs is None:
            return self._one
        config = self._configs.for_folder(absolute)
        found = self._compiled.get(config)
        if found is None:
            found = self._compiled[config] = _Excludes(config)
        return found

    def changes_at(self, names: set[str]) -> bool:
        """Whether a folder with these entries may have a config of its own."""
        return self._configs is not None and "pyproject.toml" in names


class _GitIgnores:
    """Reads each .gitignore once per run and answers "does git ignore this entry?"."""

    def __init__(self) -> None:
        self._specs: dict[str, pathspec.GitIgnoreSpec | None] = {}

    def _load(self, file: str) -> pathspec.GitIgnoreSpec | None:
        if file not in self._specs:
            self._specs[file] = _read_ignore_file(file)
        return self._specs[file]

    def repository_files(self, work_tree: str) -> tuple[_IgnoreFile, ...]:
        """A work tree's own ignore files: .git/info/exclude below its root .gitignore."""
        files: list[_IgnoreFile] = []
        for file in (
            os.path.join(work_tree, ".git", "info", "exclude"),
            os.path.join(work_tree, ".gitignore"),
        ):
            spec = self._load(file)
            if spec is not None:
                files.append((work_tree, spec))
        return tuple(files)

    def with_folder(self, chain: tuple[_IgnoreFile, ...], folder: str) -> tuple[_IgnoreFile, ...]:
        spec = self._load(os.path.join(folder, ".gitignore"))
        return chain if spec is None else (*chain, (folder, spec))

    def chain_for(self, folder: str) -> tuple[_IgnoreFile, ...]:
        """Every ignore file that applies inside ``folder``: from its work tree's root down."""
        work_tree = _work_tree_root(folder)
        if work_tree is None:
            return ()  # like ruff and git: .gitignore means nothing outside a repository
        chain = self.repository_files(work_tree)
        relative = _relative_under(folder, work_tree) or ""
        current = work_tree
        for part in relative.split("/") if relative else ():
            current = os.path.join(current, part)
            chain = self.with_folder(chain, current)
        return chain


def _read_ignore_file(file: str) -> pathspec.GitIgnoreSpec | None:
    """A compiled ignore file, or None when absent; bad lines are skipped, as git does."""
    try:
        with open(file, encoding="utf-8", errors="surrogateescape") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except _BAD_PATTERN:
        valid: list[str] = []
        for line in lines:
            try:
                pathspec.GitIgnoreSpec.from_lines([line])
            except _BAD_PATTERN:
                continue
            valid.append(line)
        return pathspec.GitIgnoreSpec.from_lines(valid)


def _work_tree_root(folder: str) -> str | None:
    """The nearest folder at or above ``folder`` holding .git (a folder, or a worktree's file)."""
    current = folder
    while True:
        if os.path.lexists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _git_decision(
    absolute: str, is_dir: bool, chain: tuple[_IgnoreFile, ...]
) -> tuple[bool, _Inherited]:
    """Whether git ignores ``absolute``, and which pattern decided it.

    Deeper ignore files override shallower ones; within a file the last matching pattern wins.
    """
    for base, spec in reversed(chain):
        relative = _relative_under(absolute, base)
        if not relative:
            continue
        result = spec.check_file(relative + "/" if is_dir else relative)
        if result.include is not None and result.index is not None:
            return result.include, (spec, result.index)
    return False, None


def _same_pattern(one: _Inherited, other: _Inherited) -> bool:
    """Identity, not equality: two .gitignore files with the same text are different files."""
    return one is not None and other is not None and one[0] is other[0] and one[1] == other[1]


def _is_source(entry: os.DirEntry[str]) -> bool:
    """A regular file, or a symlink that can't be followed (a loop, or to nothing).

    Such a link is returned so that reading it reports the problem (one FML000) rather than
    silently skipping a file the project says exists. FIFOs, sockets and devices are skipped:
    they are not source code, and reading a FIFO would block.
    """
    try:
        if entry.is_file():
            return True
        return entry.is_symlink() and not os.path.exists(entry.path)
    except OSError:  # ELOOP: a symlink loop
        return True


def _walk(
    given: str,
    absolute: str,
    excludes_of: _ExcludesOf,
    gitignores: _GitIgnores,
) -> Iterable[Path]:
    """The .py files below one explicitly named folder."""
    top = excludes_of.folder(absolute)
    chain: tuple[_IgnoreFile, ...] = ()
    inherited: _Inherited = None
    if top.respect_gitignore:
        chain = gitignores.chain_for(absolute)
        ignored, pattern = _git_decision(absolute, True, chain)
        # The user named this folder, so it is linted even if git ignores it; but the pattern
        # that ignores it also matches everything below it, and must not hide those entries.
        inherited = pattern if ignored else None
    elif excludes_of.changes_at({"pyproject.toml"}):  # a nested config may respect it
        chain = gitignores.chain_for(absolute)

    stack: list[tuple[str, str, tuple[_IgnoreFile, ...], _Excludes]] = [
        (given, absolute, chain, top)]
    while stack:
        folder, folder_abs, folder_chain, excludes = stack.pop()
        try:
            with os.scandir(folder) as scan:
                entries = list(scan)
        except OSError:
            continue  # an unreadable folder is skipped, not fatal
        if folder_abs != absolute:
            names = {entry.name for entry in entries}
            if excludes_of.changes_at(names):
                excludes = excludes_of.folder(folder_abs)
            if ".git" in names:
                # A nested repository (a submodule) has its own ignore rules, not ours.
                folder_chain = gitignores.repository_files(folder_abs)
            elif ".gitignore" in names:
                folder_chain = gitignores.with_folder(folder_chain, folder_abs)
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            is_file = not is_dir and entry.name.endswith(PYTHON_SUFFIX) and _is_source(entry)
            if not (is_dir or is_file):
                continue
            if excludes.by_default(entry.name, is_dir=is_dir):
                continue
            entry_abs = os.path.join(folder_abs, entry.name)
            if excludes.by_user(entry_abs, is_dir=is_dir):
                continue
            if excludes.respect_gitignore:
                ignored, pattern = _git_decision(entry_abs, is_dir, folder_chain)
                if ignored and not _same_pattern(pattern, inherited):
                    continue
            if is_dir:
                stack.append((entry.path, entry_abs, folder_chain, excludes))
            else:
                yield Path(entry.path)
