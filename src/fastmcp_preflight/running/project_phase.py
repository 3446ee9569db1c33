"""The project phase: project rules over each project's facts, then what the whole run
decides (unused `# noqa`, project conditions).

Every way of running goes through `ProjectPhase.conclude`: the command line (cold, warm,
one worker or many), `--fix`/`--diff` after the files are fixed, and `lint_source` (tests,
the testing harness). Project rules see one project at a time (RULES.md, "Projects"): its
`ProjectInput`, every file's facts, linted or only context; they never see a tree.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from fastmcp_preflight.api import BaseRule, Diagnostic, ProjectFinding, ProjectRule
from fastmcp_preflight.project.facts import FileFacts, Location, ProjectFacts, Via
from fastmcp_preflight.project.projects import Projects
from fastmcp_preflight.running.results import (
    Conditions,
    FileResult,
    RunResult,
    Settings,
    assemble,
    syntax_error,
)
from fastmcp_preflight.source.suppression import Suppressions, unused_noqa


@dataclass(frozen=True)
class ProjectInput:
    """One project's part of a run: the facts of every file of the project, and the
    display paths of those being linted (findings elsewhere are not reported)."""

    root: str
    facts: tuple[FileFacts, ...]
    reported: frozenset[str]
    #: The linted files' own directives (their use is recorded, for unused noqa).
    suppressions: Mapping[str, Suppressions] = field(default_factory=dict)


@dataclass
class Concluded:
    """A run's end: its result, the project rules' findings (before conditions; the cache
    stores them) and the projects' conditions (for `--fix`, which only fixes what is kept)."""

    result: RunResult
    project_diagnostics: list[Diagnostic]
    conditions: Conditions


class ProjectPhase:
    """Runs the enabled project rules, each file's findings under that file's settings."""

    def __init__(self, rules: Sequence[type[BaseRule]],
                 settings_of: Callable[[str], Settings] | None = None,
                 projects: Projects | None = None,
                 built: dict[str, tuple[tuple[int, ...], ProjectFacts]] | None = None) -> None:
        """`settings_of`: a linted file's settings by its display path (default: none);
        `built`: the projects' facts the run's other phases built (see `project_facts`)."""
        self.rules: list[type[ProjectRule]] = [
            rule for rule in rules if issubclass(rule, ProjectRule)]
        default = Settings()
        self.settings_of = settings_of or (lambda _: default)
        #: Which project each file belongs to.
        self.projects = projects or Projects()
        self._built = built if built is not None else {}
        #: The display paths of the files being linted (not only context).
        self._linted: frozenset[str] = frozenset()

    def project_facts(self, root: str, files: Sequence[FileFacts]) -> ProjectFacts:
        """One project's facts, built once per run: the project rules and the conditions
        share them, and the index and analyses they cache. Their options are those of the
        project's first file in path order."""
        same = tuple(map(id, files))
        built = self._built.get(root)
        if built is not None and built[0] == same:
            return built[1]
        found = ProjectFacts(list(files))
        found.options = self._project_settings(files).options
        self._built[root] = (same, found)  # it holds the files: their ids stay theirs
        return found

    def _project_settings(self, files: Sequence[FileFacts]) -> Settings:
        """The settings of the project's first linted file (its config's options)."""
        first = min((f.path for f in files if f.path in self._linted), default=".")
        return self.settings_of(first)

    def inputs(self, results: Sequence[FileResult],
               context: Sequence[FileFacts] = ()) -> list[ProjectInput]:
        """The run's files, split by project (in the order the files come)."""
        facts = [r.facts for r in results if r.facts is not None] + list(context)
        reported = {r.path for r in results}
        self._linted = frozenset(reported)
        suppressions = {r.path: r.suppressions for r in results if r.suppressions is not None}
        return [ProjectInput(root, tuple(group), frozenset(f.path for f in group) & reported,
                             {f.path: suppressions[f.path] for f in group
                              if f.path in suppressions})
                for root, group in self.projects.group(facts, _path_of).items()]

    def check(self, project: ProjectInput) -> list[Diagnostic]:
        """Every enabled project rule over one project; findings in its reported files.

        A rule that raises costs that rule in that project: one FML000 on a file of the
        project (the first linted one), never on another project's file.
        """
        by_path = {f.path: f for f in project.facts}
        diagnostics: list[Diagnostic] = []
        facts = self.project_facts(project.root, project.facts)
        facts.reported = project.reported
        rule_options = {code: dict(values) for code, values
                        in self._project_settings(project.facts).rule_options}
        for rule in self.rules:
            try:
                findings = list(rule(rule_options.get(rule.code)).check(facts))
                for finding in findings:
                    if not isinstance(finding, ProjectFinding):
                        raise TypeError(f"check() yielded {type(finding).__name__}, "
                                        "not a ProjectFinding")
                    if not (isinstance(finding.path, str) and isinstance(finding.message, str)
                            and isinstance(finding.location, Location)):
                        raise TypeError("check() yielded a ProjectFinding whose path, message "
                                        "or location has the wrong type")
            except (Exception, SystemExit) as error:
                blamed = sorted(project.reported)
                where = blamed[0] if blamed else "."
                message = (f"internal error in rule {rule.code} ({rule.name}): "
                           f"{type(error).__name__}: {error}")
                if self.settings_of(where).verbose:
                    message += "\n" + traceback.format_exc()
                diagnostics.append(syntax_error(where, message))
                continue
            for finding in findings:
                if finding.path not in project.reported:
                    continue
                settings = self.settings_of(finding.path)
                if not settings.runs(rule.code) or settings.ignores(rule.code, finding.path):
                    continue
                file_facts = by_path.get(finding.path)
                noqa = project.suppressions.get(finding.path) or (
                    Suppressions(file_facts.noqa, file_facts.file_noqa)
                    if file_facts is not None else None)
                if noqa is not None and noqa.suppresses(finding.location.line, rule.code,
                                                        rule.name):
                    continue
                at = finding.location
                diagnostics.append(Diagnostic(
                    rule.code, rule.name, settings.severity.get(rule.code, rule.severity),
                    finding.message, finding.path, at.line, at.column, at.end_line,
                    at.end_column, rule.checklist, rule.hint, None,
                    chain=tuple(finding.chain)))
        return diagnostics

    def findings(self, results: Sequence[FileResult],
                 context: Sequence[FileFacts] = ()) -> list[Diagnostic]:
        """What the project adds to the files' own diagnostics: the project rules' findings
        in every project and (where it is on) the unused directives, before conditions."""
        diagnostics: list[Diagnostic] = []
        for project in self.inputs(results, context):
            if self.rules:
                diagnostics.extend(self.check(project))
        for result in results:  # after the project rules: they mark directives used
            codes = self.settings_of(result.path).unused_noqa
            if codes is not None and result.suppressions is not None:
                diagnostics.extend(unused_noqa(result.suppressions, result.path, codes))
        return diagnostics

    def conclude(self, results: Sequence[FileResult], context: Sequence[FileFacts] = (),
                 project_diagnostics: Sequence[Diagnostic] | None = None,
                 known: Mapping[str, bool | Via] | None = None) -> Concluded:
        """The run's result from every file's: the project phase (or its `project_
        diagnostics` from the cache), then the conditions (`known`: their answers from the
        cache), then sorted."""
        self._linted = frozenset(r.path for r in results)
        found = (self.findings(results, context) if project_diagnostics is None
                 else list(project_diagnostics))
        result, conditions = assemble(results, context, found, self.projects, known,
                                      self.project_facts)
        return Concluded(result, found, conditions)


def _path_of(facts: FileFacts) -> str:
    return facts.path
