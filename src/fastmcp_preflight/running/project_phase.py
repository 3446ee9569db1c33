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
from fastmcp_preflight.project.facts import FileFacts, Location, ProjectFacts
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
                 projects: Projects | None = None) -> None:
        """`settings_of`: a linted file's settings by its display path (default: none)."""
        self.rules: list[type[ProjectRule]] = [
            rule for rule in rules if issubclass(rule, ProjectRule)]
        default = Settings()
        self.settings_of = settings_of or (lambda _: default)
        #: Which project each file belongs to.
        self.projects = projects or Projects()

    def inputs(self, results: Sequence[FileResult],
               context: Sequence[FileFacts] = ()) -> list[ProjectInput]:
        """The run's files, split by project (in the order the files come)."""
        facts = [r.facts for r in results if r.facts is not None] + list(context)
        reported = {r.path for r in results}
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
        facts = ProjectFacts(list(project.facts))
        first = sorted(project.reported)
        project_settings = self.settings_of(first[0]) if first else self.settings_of(".")
        facts.options = project_settings.options
        rule_options = {code: dict(values) for code, values in project_settings.rule_options}
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
                 project_diagnostics: Sequence[Diagnostic] | None = None) -> Concluded:
        """The run's result from every file's: the project phase (or its `project_
        diagnostics` from the cache), then the conditions, then sorted."""
        found = (self.findings(results, context) if project_diagnostics is None
                 else list(project_diagnostics))
        result, conditions = assemble(results, context, found, self.projects)
        return Concluded(result, found, conditions)


def _path_of(facts: FileFacts) -> str:
    return facts.path
