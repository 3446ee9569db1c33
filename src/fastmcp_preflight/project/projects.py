"""Which project a file belongs to, and whether it is test code.

A monorepo holds many servers, each with its own `pyproject.toml`: project rules (health
check, server object, import cycles, transports) are answered per project, so one server's
health route never hides another's missing one. Test code is found relative to the file's
project root, so a checkout that happens to live under a folder named `tests` is not all
test code.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

import pathspec

#: The files whose folder is a project's root, as RULES.md ("Projects") names them.
PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg")
#: What makes a file test code unless config `test-paths` says otherwise (gitignore globs).
DEFAULT_TEST_PATHS = ("tests/", "test/", "testing/", "integtests/", "integration_tests/",
                      "test_*.py", "*_test.py", "conftest.py")

T = TypeVar("T")


class Projects:
    """Project roots of files, found once per folder: the folder of the nearest
    `pyproject.toml`, `setup.py` or `setup.cfg`, else the nearest folder with `.git`, else
    `fallback` (the linted root)."""

    def __init__(self, fallback: str | os.PathLike[str] | None = None) -> None:
        self._fallback = os.path.abspath(fallback if fallback is not None else os.curdir)
        self._marked: dict[str, str | None] = {}
        self._git: dict[str, str | None] = {}
        #: By the path as given: a run asks about each of its diagnostics' paths.
        self._roots: dict[str, str] = {}

    def root_of(self, path: str | os.PathLike[str]) -> str:
        """The absolute project root of a file (given as any path, e.g. a display path)."""
        text = os.fspath(path)
        root = self._roots.get(text)
        if root is None:
            folder = os.path.dirname(os.path.abspath(text))
            root = self._roots[text] = (
                self._nearest(folder, self._marked, PROJECT_MARKERS)
                or self._nearest(folder, self._git, (".git",)) or self._fallback)
        return root

    def _nearest(self, folder: str, memo: dict[str, str | None],
                 names: tuple[str, ...]) -> str | None:
        if folder in memo:
            return memo[folder]
        if any(os.path.exists(os.path.join(folder, name)) for name in names):
            found: str | None = folder
        else:
            parent = os.path.dirname(folder)
            found = None if parent == folder else self._nearest(parent, memo, names)
        memo[folder] = found
        return found

    def group(self, items: Iterable[T], path_of: Callable[[T], str]) -> dict[str, list[T]]:
        """Items by the project root of their path, in their given order."""
        groups: dict[str, list[T]] = {}
        for item in items:
            groups.setdefault(self.root_of(path_of(item)), []).append(item)
        return groups


class TestCode:
    """Decides whether a file is test code: its path below its project root matches one of
    the gitignore-style `patterns` (`DEFAULT_TEST_PATHS` unless config `test-paths`)."""

    __test__ = False  # not a pytest class, whatever its name

    def __init__(self, projects: Projects, patterns: Sequence[str] | None = None) -> None:
        self._projects = projects
        self._spec = pathspec.GitIgnoreSpec.from_lines(
            DEFAULT_TEST_PATHS if patterns is None else patterns)

    def __call__(self, path: str | os.PathLike[str]) -> bool:
        absolute = os.path.abspath(path)
        relative = os.path.relpath(absolute, self._projects.root_of(absolute))
        if relative.startswith(os.pardir):
            relative = os.path.basename(absolute)
        return bool(self._spec.match_file(relative.replace(os.sep, "/")))
