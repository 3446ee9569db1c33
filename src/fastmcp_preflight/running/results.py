"""What a run produces, as plain data: per-file results, the run's result, FML000.

Kept apart from the engine (which needs LibCST) so that a run whose every file is cached can
be assembled and reported without importing the parser or a rule.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from fastmcp_preflight.api import Diagnostic, Severity
from fastmcp_preflight.project.facts import (
    CONDITIONS,
    FILE_CONDITIONS,
    VIA,
    FileFacts,
    ProjectFacts,
    Via,
)
from fastmcp_preflight.project.index import ChainStep
from fastmcp_preflight.project.projects import Projects
from fastmcp_preflight.project.through import THROUGH_CONDITIONS
from fastmcp_preflight.source.suppression import NoqaCodes, Suppressions

if TYPE_CHECKING:
    import pathspec

FML000 = "FML000"
FML000_NAME = "syntax-error"


@dataclass(frozen=True)
class Settings:
    """What the engine needs from one file's configuration, already resolved to codes.

    Each file has the settings of its own config (see `ConfigResolver`); their `repr` is
    part of the file's cache key.
    """

    severity: dict[str, Severity] = field(default_factory=dict)
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    options: dict[str, object] = field(default_factory=dict)
    #: Per rule code, its options from `[tool.fastmcp-lint.rules.<CODE>]`, checked against
    #: what the rule declares: ((code, ((field, value), ...)), ...).
    rule_options: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    verbose: bool = False
    #: Set to report the unused noqa comments (FML001) of the linted files.
    unused_noqa: NoqaCodes | None = None
    #: The codes enabled for the file (None: every rule the engine has).
    enabled: frozenset[str] | None = None
    #: The config's folder: `per-file-ignores` patterns are relative to it (None: to the
    #: current folder, as display paths are).
    root: str | None = None
    #: `per-file-ignores` patterns, compiled on first use.
    _globs: dict[str, pathspec.GitIgnoreSpec] = field(
        default_factory=dict, repr=False, compare=False, hash=False)

    @cached_property
    def digest(self) -> str:
        """What the cache key of a file with these settings includes (the same in every
        process: sets are sorted, whatever the string hash seed)."""
        return hashlib.sha256(_stable(self).encode("utf-8", "surrogateescape")).hexdigest()

    def runs(self, code: str) -> bool:
        """Whether the rule `code` is enabled for the file."""
        return self.enabled is None or code in self.enabled

    def ignores(self, code: str, path: str) -> bool:
        """Whether `per-file-ignores` turn `code` off in the file shown as `path`: patterns
        are matched like `exclude` (gitignore-style: `serv*.py` at any depth, `tests/` a
        folder, `/scripts/*.py` from the config's folder)."""
        if not self.per_file_ignores:
            return False
        subject = path
        if self.root is not None:
            relative = os.path.relpath(os.path.abspath(path), self.root)
            if relative != os.pardir and not relative.startswith(os.pardir + os.sep):
                subject = relative.replace(os.sep, "/")
        for pattern, codes in self.per_file_ignores:
            if code in codes and self._glob(pattern).match_file(subject):
                return True
        return False

    def _glob(self, pattern: str) -> pathspec.GitIgnoreSpec:
        spec = self._globs.get(pattern)
        if spec is None:
            import pathspec

            spec = self._globs[pattern] = pathspec.GitIgnoreSpec.from_lines([pattern])
        return spec


def _stable(value: object) -> str:
    """A repr that does not depend on set order (which varies with the hash seed)."""
    if isinstance(value, (set, frozenset)):
        return "{" + ",".join(sorted(_stable(item) for item in value)) + "}"
    if isinstance(value, dict):
        return "{" + ",".join(f"{_stable(k)}:{_stable(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_stable(item) for item in value) + "]"
    if is_dataclass(value) and not isinstance(value, type):
        return type(value).__name__ + "(" + ",".join(
            f"{item.name}={_stable(getattr(value, item.name))}" for item in fields(value)
            if item.repr) + ")"
    return repr(value)


@dataclass
class FileResult:
    path: str
    diagnostics: list[Diagnostic]
    facts: FileFacts | None
    suppressions: Suppressions | None = None


@dataclass
class RunResult:
    files: int
    diagnostics: list[Diagnostic]
    facts: list[FileFacts] = field(default_factory=list)


def syntax_error(path: str, message: str, line: int = 1, column: int = 1) -> Diagnostic:
    return Diagnostic(FML000, FML000_NAME, "error", message, path, line, column, line, column)


class Conditions:
    """Each project's answer to each condition a finding may depend on ("may run over
    stdio", or a per-file one named `name:path`): a finding is kept when the project of its
    file meets its condition. Answers are worked out on first use, per project and
    condition: most runs ask few of them, and a pre-commit run has the whole project's facts."""

    def __init__(self, facts: Sequence[FileFacts], projects: Projects,
                 known: Mapping[str, bool | Via] | None = None,
                 project_facts: ProjectFactsOf | None = None) -> None:
        """`known`: answers a run with the same files gave (`asked`), by `root\0condition`;
        `project_facts`: a project's facts from its root and files, as the project phase
        built them (with their index and options) for its rules."""
        self._projects = projects
        self._facts = facts
        self._project_facts = project_facts or _plain_project_facts
        self._groups: dict[str, ProjectFacts] | None = None
        self._known = known or {}
        self._answers: dict[tuple[str, str], bool | Mapping[str, bool | Via]] = {}
        #: Every answer given, by `root\0condition`: what a later run with the same files
        #: can take from the cache instead of building the project index.
        self.asked: dict[str, bool | Via] = {}

    def _group(self, root: str) -> ProjectFacts | None:
        if self._groups is None:
            #: One ProjectFacts per project, so that conditions share its index.
            self._groups = {key: self._project_facts(key, group) for key, group
                            in self._projects.group(self._facts, _path_of).items()}
        return self._groups.get(root)

    def _answer(self, diagnostic: Diagnostic) -> bool | Via:
        condition = diagnostic.condition
        if not condition:
            return True
        root = self._projects.root_of(diagnostic.path)
        known_key = f"{root}\0{condition}"
        found = self.asked.get(known_key)
        if found is None:
            found = self._known.get(known_key)
            if found is None:
                found = self._work_out(root, condition)
            self.asked[known_key] = found
        return found

    def _work_out(self, root: str, condition: str) -> bool | Via:
        name, per_file, key = condition.partition(":")
        conditions = _PER_FILE if per_file else CONDITIONS
        if name not in conditions:
            return True
        group = self._group(root)
        if group is None:
            return True
        answer = self._answers.get((root, name))
        if answer is None:
            answer = self._answers[root, name] = conditions[name](group)
        if isinstance(answer, Mapping):
            return answer.get(key, True)
        return answer

    @property
    def complete(self) -> bool:
        """Whether every answer came from `known` (nothing new to store)."""
        return all(key in self._known for key in self.asked)

    def allows(self, diagnostic: Diagnostic) -> bool:
        return bool(self._answer(diagnostic))

    def resolve(self, diagnostic: Diagnostic) -> Diagnostic | None:
        """The diagnostic as its project decides it: None when its condition does not hold;
        with its message completed (`VIA`) and its chain when the answer is a `Via`."""
        answer = self._answer(diagnostic)
        if not answer:
            return None
        if isinstance(answer, Via):
            return dataclasses.replace(
                diagnostic, message=diagnostic.message.replace(VIA, answer.text),
                chain=diagnostic.chain or answer.chain)
        return diagnostic


_PER_FILE = {**FILE_CONDITIONS, **THROUGH_CONDITIONS}

#: How a project's facts are built from its root and files.
ProjectFactsOf = Callable[[str, Sequence[FileFacts]], ProjectFacts]


def _plain_project_facts(root: str, files: Sequence[FileFacts]) -> ProjectFacts:
    return ProjectFacts(files)


def _path_of(facts: FileFacts) -> str:
    return facts.path


def answers_to_json(answers: Mapping[str, bool | Via]) -> dict[str, Any]:
    """Conditions' answers as JSON (the cache keeps them beside the project's findings)."""
    return {key: value if isinstance(value, bool) else
            {"text": value.text, "chain": [list(step) for step in value.chain]}
            for key, value in answers.items()}


def answers_from_json(data: Mapping[str, Any]) -> dict[str, bool | Via]:
    return {key: value if isinstance(value, bool) else
            Via(value["text"], tuple(ChainStep(*step) for step in value["chain"]))
            for key, value in data.items()}


def assemble(results: Sequence[FileResult], context_facts: Sequence[FileFacts],
             project: Iterable[Diagnostic], projects: Projects,
             known: Mapping[str, bool | Via] | None = None,
             project_facts: ProjectFactsOf | None = None,
             ) -> tuple[RunResult, Conditions]:
    """The run's result from the files' results and the project phase's diagnostics
    (`project`): findings whose condition their project does not meet are dropped, the
    rest sorted. Also returns the projects' conditions (`known`, `project_facts`: see
    `Conditions`)."""
    diagnostics = [d for result in results for d in result.diagnostics]
    diagnostics.extend(project)
    facts = [result.facts for result in results if result.facts is not None]
    facts.extend(context_facts)
    conditions = Conditions(facts, projects, known, project_facts)
    kept = [k for k in map(conditions.resolve, diagnostics) if k is not None]
    kept.sort(key=Diagnostic.sort_key)
    return RunResult(len(results), kept, facts), conditions
