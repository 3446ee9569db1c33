"""Linting text that stands in for one file: stdin (`fastmcp-lint -`) and editor buffers.

The text replaces the file at its path and nothing else changes: the configuration, the
per-file ignores, the excludes and the test-code rule are those of that path, and the
project's other files on disk give the project rules their facts, as in a pre-commit run.
It is the run's own path (the `Checker`, then the `ProjectPhase` with the project's
facts), not a second pipeline. A `ProjectLinter` keeps its engine and the other files'
facts (checked against each file's stat), so an editor pays only for the text it changed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from fastmcp_preflight.api import Applicability, Diagnostic
from fastmcp_preflight.project.facts import FileFacts
from fastmcp_preflight.project.modules import module_name_for
from fastmcp_preflight.running.cache import CACHE_DIR, Cache, fingerprint
from fastmcp_preflight.running.discovery import RealPaths, display_path, excluded_by_config
from fastmcp_preflight.running.engine import Engine
from fastmcp_preflight.running.fixing import FixOutcome, fix_source_text
from fastmcp_preflight.running.pipeline import (
    LintRun,
    RunOptions,
    catalog,
    enabled_rules,
    project_context,
    settings_for,
    test_code,
)
from fastmcp_preflight.running.project_phase import Concluded, ProjectPhase
from fastmcp_preflight.running.results import RunResult
from fastmcp_preflight.source.reading import SourceText

#: A file's stat as far as its facts care: (mtime_ns, size).
_Stamp = tuple[int, int]


@dataclass(frozen=True)
class Buffer:
    """The text of one file and where it stands in the tree (`path` need not exist;
    `path` None: stdin without `--stdin-filename`, shown as "-")."""

    path: Path | None
    text: str

    @property
    def display(self) -> str:
        return "-" if self.path is None else display_path(self.path)

    def module(self) -> tuple[str | None, str | None]:
        return (None, None) if self.path is None else module_name_for(self.path.absolute())


class ProjectLinter:
    """One project's configuration, rules and engine, and its files' facts, for linting
    buffers of that project again and again (an editor) or once (stdin).

    Not thread-safe (the facts it keeps): callers serialize.
    """

    def __init__(self, options: RunOptions) -> None:
        """`options.paths[0]` is a file of the project: the configuration is found from
        it, as for a command line naming that file. Raises UserError for a broken config."""
        self.options = options
        self.config, rule_catalog = catalog(options)
        self.rules = enabled_rules(options, self.config, rule_catalog.registry)
        self.settings = settings_for(options, self.config, rule_catalog.registry, self.rules)
        cache = None if options.no_cache else Cache(
            self.config.root / (self.config.cache_dir or CACHE_DIR),
            fingerprint(self.rules, "per-file settings"))
        self.engine = Engine(rule_catalog.classes([rule.code for rule in self.rules]),
                             self.settings, cache)
        self.phase = ProjectPhase(self.engine.rules, lambda _: self.settings)
        self._is_test = test_code(options, self.config)
        #: The project's files (None: not listed yet) and their facts by stat.
        self._files: list[tuple[Path, str]] | None = None
        self._facts: dict[str, tuple[_Stamp, FileFacts | None]] = {}

    @property
    def config_file(self) -> Path | None:
        return self.config.path

    def skips(self, buffer: Buffer) -> bool:
        """Whether a run naming this file would skip it (excluded, or test code)."""
        if buffer.path is None:
            return False
        return excluded_by_config(buffer.path, self.config) or self._is_test(buffer.path)

    def lint(self, buffer: Buffer) -> LintRun:
        """The buffer's findings, project rules included (none when the file is skipped)."""
        if self.skips(buffer):
            return self.run_of(RunResult(0, []))
        return self.run_of(self._conclude(buffer).result)

    def _conclude(self, buffer: Buffer) -> Concluded:
        module, package = buffer.module()
        result = self.engine.checker.check(_source_of(buffer.text), buffer.display, module,
                                           package, self.settings)
        return self.phase.conclude([result], self._context(buffer))

    def fix(self, buffer: Buffer, allow: Sequence[Applicability]) -> tuple[LintRun, FixOutcome]:
        """The buffer's text with fixes applied, and the findings that remain."""
        if self.skips(buffer):
            return self.run_of(RunResult(0, [])), FixOutcome(buffer.display, [], buffer.text,
                                                           buffer.text)
        conditions = self._conclude(buffer).conditions  # only what the project keeps
        module, package = buffer.module()
        outcome = fix_source_text(self.engine.checker, _source_of(buffer.text),
                                  buffer.display, module, package, allow,
                                  settings=self.settings, conditions=conditions)
        run = self.lint(replace(buffer, text=outcome.after))
        if outcome.errors:
            run.result.diagnostics = sorted([*run.result.diagnostics, *outcome.errors],
                                            key=Diagnostic.sort_key)
        run.outcomes = [outcome]
        return run, outcome

    def forget(self, path: Path | None = None) -> None:
        """Drop what is known of the project's files: of one file, or (None) the list of
        files too (a file was created or deleted)."""
        if path is None:
            self._files = None
            self._facts.clear()
        else:
            self._facts.pop(os.path.abspath(path), None)

    def run_of(self, result: RunResult) -> LintRun:
        """A run of this project's settings that produced `result`."""
        return LintRun(result, self.config, [], self.rules, self.settings,
                       all_diagnostics=list(result.diagnostics))

    def _context(self, buffer: Buffer) -> list[FileFacts]:
        """The facts of the project's other files, for the project rules and conditions."""
        if self._files is None:
            real = RealPaths()
            self._files = [(path, shown) for path, shown
                           in project_context([], self.config, (), real)
                           if not self._is_test(path)]
        own = os.path.realpath(buffer.path) if buffer.path is not None else None
        found: list[FileFacts] = []
        for path, shown in self._files:
            key = os.path.abspath(path)
            if own is not None and os.path.realpath(key) == own:
                continue
            facts = self._facts_of(path, shown, key)
            if facts is not None:
                found.append(facts)
        return found

    def _facts_of(self, path: Path, shown: str, key: str) -> FileFacts | None:
        try:
            status = os.stat(key)
        except OSError:
            return None
        stamp = (status.st_mtime_ns, status.st_size)
        known = self._facts.get(key)
        if known is not None and known[0] == stamp:
            return known[1]
        facts = self.engine.project_facts(path, shown)
        self._facts[key] = (stamp, facts)
        return facts


def _source_of(text: str) -> SourceText:
    """Text already decoded (an editor's buffer, or stdin decoded by the caller)."""
    return SourceText(text, "utf-8", False)


def linter_for(options: RunOptions, path: Path | None) -> ProjectLinter:
    """A linter for the project of `path` (the current folder's for stdin without a name)."""
    return ProjectLinter(replace(options, paths=(path if path is not None else Path("."),)))
