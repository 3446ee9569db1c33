"""The engine: read, parse, build the model, run every enabled rule, collect.

Per file: bytes -> text -> one LibCST parse -> one walk that builds the FastMCP model and
records the events the enabled rules handle -> the rules replay those events (each rule's
visitors, in source order, with the walk's contexts) -> positions of the reported nodes ->
`# noqa` filter -> diagnostics and the file's facts. Then project rules run over all facts.
A file that can't be read or parsed, or a rule that raises, becomes an FML000 diagnostic;
the other files and rules go on.
"""

from __future__ import annotations

import ast
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import libcst as cst
import pathspec

from fastmcp_preflight.api import (
    Applicability,
    BaseRule,
    Diagnostic,
    FileContext,
    Finding,
    Fix,
    ProjectFinding,
    ProjectRule,
    Rule,
)
from fastmcp_preflight.model.context import Tracker
from fastmcp_preflight.model.file_model import FileModel, ModelBuilder
from fastmcp_preflight.model.summarize import summarize
from fastmcp_preflight.model.walker import Event, EventLog, Walker
from fastmcp_preflight.project.facts import (
    CallFact,
    ClassFact,
    FactoryFact,
    FeatureFact,
    FileFacts,
    ImportFact,
    Location,
    ProjectFacts,
    RegistrationFact,
    ServerFact,
    StartFact,
    ToolTargetFact,
    known_condition,
)
from fastmcp_preflight.project.modules import module_name_for, virtual_module_name
from fastmcp_preflight.project.projects import Projects
from fastmcp_preflight.running.cache import Cache
from fastmcp_preflight.running.collector import collector_paused
from fastmcp_preflight.running.fixes import fix_text, to_edits
from fastmcp_preflight.running.results import (
    FML000,
    FML000_NAME,
    Conditions,
    FileResult,
    RunResult,
    Settings,
    assemble,
    syntax_error,
)
from fastmcp_preflight.source.parsing import parse_module
from fastmcp_preflight.source.positions import Positions
from fastmcp_preflight.source.reading import SourceError, SourceText, decode, read_bytes
from fastmcp_preflight.source.suppression import Suppressions, find_suppressions, unused_noqa

#: A file that contains none of these yields no fact a project rule uses.
_PROJECT_WORDS = ("import", "MCP", "mcp", "health", "livez", "readyz", "Route")


_Callbacks = dict[str, list[tuple[Rule, Callable[[cst.CSTNode], object]]]]


def visitor_names(rule: type[Rule]) -> tuple[tuple[str, bool, str], ...]:
    """A rule class's visitors: (node type, is a visit, method name)."""
    found = []
    for attribute in dir(rule):
        if attribute.startswith(("visit_", "leave_")):
            found.append((attribute[6:], attribute.startswith("visit_"), attribute))
    return tuple(found)


class _Dispatch:
    """The rules' pass: calls each enabled rule's visitors for the model walk's events."""

    def __init__(self, tracker: Tracker, rules: list[Rule],
                 names: Callable[[type[Rule]], tuple[tuple[str, bool, str], ...]]) -> None:
        self.tracker = tracker
        self.rules = rules
        self.names = names
        self.failures: list[tuple[type[BaseRule], BaseException, str]] = []
        self._build()

    def _build(self) -> None:
        self.visits: _Callbacks = {}
        self.leaves: _Callbacks = {}
        for rule in self.rules:
            for kind, is_visit, attribute in self.names(type(rule)):
                table = self.visits if is_visit else self.leaves
                table.setdefault(kind, []).append((rule, getattr(rule, attribute)))

    def replay(self, events: list[Event]) -> None:
        """Hear a walk's events, as if the rules walked the tree themselves.

        As in LibCST, a `visit_X` that returns False skips the node's children for that
        rule (its `leave_X` is still called).
        """
        on_field = self.tracker.on_field
        #: id(rule) -> the node whose subtree it skips; id(node) -> the rules it ends for.
        skipping: dict[int, cst.CSTNode] = {}
        ends: dict[int, list[Rule]] = {}
        for node, field_name, entering in events:
            if field_name is not None:
                on_field(node, field_name, entering)
                continue
            if ends and not entering:
                for rule in ends.pop(id(node), ()):
                    del skipping[id(rule)]
            callbacks = (self.visits if entering else self.leaves).get(type(node).__name__)
            if not callbacks:
                continue
            for rule, callback in callbacks:  # one callback per rule, node type and table
                if skipping and id(rule) in skipping:
                    continue
                try:
                    if callback(node) is False and entering:
                        skipping[id(rule)] = node
                        ends.setdefault(id(node), []).append(rule)
                except (Exception, SystemExit) as error:  # a broken rule must not stop others
                    self.failures.append((type(rule), error, traceback.format_exc()))
                    self.rules.remove(rule)
                    self._build()


class Engine:
    """Lints files with a fixed set of rules; one per process."""

    def __init__(self, rules: Sequence[type[BaseRule]], settings: Settings | None = None,
                 cache: Cache | None = None) -> None:
        self.rules = tuple(rules)
        self.cache = cache
        self.file_rules = [r for r in rules if issubclass(r, Rule)]
        self.project_rules = [r for r in rules if issubclass(r, ProjectRule)]
        self.settings = settings or Settings()
        self.walker = Walker()
        #: Per rule class, its visitor methods; per set of rule classes, the node types
        #: the model's walk records for them.
        self._names: dict[type[Rule], tuple[tuple[str, bool, str], ...]] = {}
        self._wanted: dict[tuple[type[Rule], ...], frozenset[str]] = {}
        #: Project conditions, known once `run` has seen every file's facts.
        self.conditions: Conditions | None = None
        #: Which project each file belongs to: project rules are answered per project.
        self.projects = Projects()
        #: `per-file-ignores` patterns, compiled once.
        self._globs: dict[str, pathspec.GitIgnoreSpec] = {}

    # -- one file ---------------------------------------------------------------------------

    def lint_path(self, path: Path, display: str) -> FileResult:
        """Lint one file, through the cache when the engine has one."""
        try:
            data = read_bytes(path)
        except SourceError as error:
            return FileResult(display, [syntax_error(display, str(error), error.line,
                                                     error.column)], None)
        module, package = module_name_for(path.absolute())
        key = self.cache.key(data, display, module, False) if self.cache else None
        if key is not None and self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                return FileResult(display, *hit)
        try:
            result = self.lint_text(decode(data), display, module, package)
        except SourceError as error:
            result = FileResult(display, [syntax_error(display, str(error), error.line,
                                                       error.column)], None)
        if key is not None and self.cache is not None:
            self.cache.put(key, result.diagnostics, result.facts, result.suppressions)
        return result

    def lint_text(self, source: SourceText, display: str, module_name: str | None,
                  package: str | None) -> FileResult:
        with collector_paused():
            return self._lint_text(source, display, module_name, package)

    def _lint_text(self, source: SourceText, display: str, module_name: str | None,
                   package: str | None) -> FileResult:
        try:
            module = parse_module(source.text)
        except SourceError as error:  # too deeply nested for the parser to survive
            return FileResult(display, [syntax_error(display, str(error), error.line,
                                                     error.column)], None)
        except cst.ParserSyntaxError as error:
            return FileResult(display, [_syntax_error_of(display, source.text, error)], None)
        except RecursionError:
            return FileResult(display, [syntax_error(
                display, "file is too deeply nested to parse")], None)
        except Exception as error:  # the parser's own failures on hostile input
            return FileResult(display, [syntax_error(
                display, f"cannot parse: {type(error).__name__}: {error}")], None)
        try:
            return self._check(module, source.text, display, module_name, package)
        except RecursionError:
            return FileResult(display, [syntax_error(
                display, "file is too deeply nested to analyse")], None)
        except Exception as error:  # a model bug must cost one file, not the run
            message = f"internal error while analysing: {type(error).__name__}: {error}"
            if self.settings.verbose:
                message += "\n" + traceback.format_exc()
            return FileResult(display, [syntax_error(display, message)], None)

    def _visitor_names(self, rule: type[Rule]) -> tuple[tuple[str, bool, str], ...]:
        names = self._names.get(rule)
        if names is None:
            names = self._names[rule] = visitor_names(rule)
        return names

    def _wanted_types(self, rules: tuple[type[Rule], ...]) -> frozenset[str]:
        wanted = self._wanted.get(rules)
        if wanted is None:
            wanted = self._wanted[rules] = frozenset(
                kind for rule in rules for kind, _, _ in self._visitor_names(rule))
        return wanted

    def _check(self, module: cst.Module, text: str, display: str, module_name: str | None,
               package: str | None) -> FileResult:
        failures: list[tuple[type[BaseRule], BaseException, str]] = []
        candidates: list[type[Rule]] = []
        for candidate in self.file_rules:
            try:
                if _may_match(candidate, text):
                    candidates.append(candidate)
            except (Exception, SystemExit) as problem:  # costs this rule, not the file
                failures.append((candidate, problem, traceback.format_exc()))
        builder = ModelBuilder(module, package)
        log = EventLog(self._wanted_types(tuple(candidates)))
        self.walker.walk(module, builder, log)
        model = builder.finish()
        tracker = Tracker(model.module_scope, model.scopes)
        context = FileContext(display, text, module, model, tracker, module_name,
                              self.settings.options, log.order)
        rules: list[Rule] = []
        for candidate in candidates:
            try:
                rules.append(candidate(context))
            except (Exception, SystemExit) as problem:  # costs this rule, not the file
                failures.append((candidate, problem, traceback.format_exc()))
        dispatch = _Dispatch(tracker, list(rules), self._visitor_names)
        if dispatch.visits or dispatch.leaves:
            dispatch.replay(log.events)
        positions = context.positions
        suppressions = find_suppressions(text)
        diagnostics: list[Diagnostic] = []
        for rule in rules:
            try:  # what a rule reported is checked here; garbage costs that rule only
                for finding in rule.findings:
                    d = self._diagnostic(finding, display, module, positions, text)
                    if d is not None and not suppressions.suppresses(d.line, d.code, d.name):
                        diagnostics.append(d)
            except Exception as problem:
                failures.append((type(rule), problem, traceback.format_exc()))
        for rule_class, error, trace in failures + dispatch.failures:
            message = (f"internal error in rule {rule_class.code} ({rule_class.name}): "
                       f"{type(error).__name__}: {error}")
            if self.settings.verbose:
                message += "\n" + trace
            diagnostics.append(syntax_error(display, message))
        facts = _facts(model, display, module_name, positions, suppressions)
        return FileResult(display, diagnostics, facts, suppressions)

    def _diagnostic(self, finding: Finding, path: str, module: cst.Module,
                    positions: Positions, text: str) -> Diagnostic | None:
        rule = finding.rule
        if self._ignored(rule.code, rule.name, path):
            return None
        _check_finding(finding)
        at = positions.find(finding.node)
        if at is None:
            raise ValueError(f"reported a {type(finding.node).__name__} node that is not in "
                             "the file's tree (a node the rule built itself?)")
        fix = (to_edits(finding.fix, module, positions, text) if finding.fix is not None
               else None)
        return Diagnostic(
            rule.code, rule.name, self.settings.severity.get(rule.code, rule.severity),
            finding.message, path, at.line, at.column, at.end_line, at.end_column,
            rule.checklist, rule.hint, fix, finding.condition)

    def _ignored(self, code: str, name: str, path: str) -> bool:
        for pattern, codes in self.settings.per_file_ignores:
            if code in codes and self._glob(pattern).match_file(path):
                return True
        return False

    def _glob(self, pattern: str) -> pathspec.GitIgnoreSpec:
        """A `per-file-ignores` pattern, matched like `exclude`: a gitignore-style glob
        (`serv*.py` at any depth, `tests/` a folder, `/scripts/*.py` from the top)."""
        spec = self._globs.get(pattern)
        if spec is None:
            spec = self._globs[pattern] = pathspec.GitIgnoreSpec.from_lines([pattern])
        return spec

    # -- the project ------------------------------------------------------------------------

    def check_project(self, facts: Sequence[FileFacts], reported: set[str],
                      suppressions: Mapping[str, Suppressions] | None = None,
                      ) -> list[Diagnostic]:
        """Run project rules over each project's facts (RULES.md, "Projects"); keep
        findings in `reported` files.

        `suppressions` are the linted files' own, so their directives count as used.
        """
        by_path = {f.path: f for f in facts}
        diagnostics: list[Diagnostic] = []
        projects = {root: ProjectFacts(group)
                    for root, group in self.projects.group(facts, _path_of).items()}
        for project in projects.values():
            project.options = self.settings.options
        for rule, project in ((rule, project) for rule in self.project_rules
                              for project in projects.values()):
            try:
                findings = list(rule().check(project))
                for finding in findings:
                    if not isinstance(finding, ProjectFinding):
                        raise TypeError(f"check() yielded {type(finding).__name__}, "
                                        "not a ProjectFinding")
                    if not (isinstance(finding.path, str) and isinstance(finding.message, str)
                            and isinstance(finding.location, Location)):
                        raise TypeError("check() yielded a ProjectFinding whose path, message "
                                        "or location has the wrong type")
            except (Exception, SystemExit) as error:
                message = (f"internal error in rule {rule.code} ({rule.name}): "
                           f"{type(error).__name__}: {error}")
                if self.settings.verbose:
                    message += "\n" + traceback.format_exc()
                blamed = sorted(f.path for f in project if f.path in reported)
                diagnostics.append(syntax_error(blamed[0] if blamed else ".", message))
                continue
            for finding in findings:
                if finding.path not in reported or self._ignored(rule.code, rule.name,
                                                                  finding.path):
                    continue
                file_facts = by_path.get(finding.path)
                noqa = (suppressions or {}).get(finding.path) or (
                    Suppressions(file_facts.noqa, file_facts.file_noqa)
                    if file_facts is not None else None)
                if noqa is not None and noqa.suppresses(finding.location.line, rule.code,
                                                        rule.name):
                    continue
                at = finding.location
                diagnostics.append(Diagnostic(
                    rule.code, rule.name, self.settings.severity.get(rule.code, rule.severity),
                    finding.message, finding.path, at.line, at.column, at.end_line,
                    at.end_column, rule.checklist, rule.hint, None,
                    chain=tuple(finding.chain)))
        return diagnostics

    def project_facts(self, path: Path, display: str) -> FileFacts | None:
        """Facts of a project file that is not being linted (so project rules still see it).

        Only files that mention what project rules look at are parsed; no rule runs.
        """
        try:
            data = read_bytes(path)
        except SourceError:
            return None
        module_name, package = module_name_for(path.absolute())
        key = self.cache.key(data, display, module_name, True) if self.cache else None
        if key is not None and self.cache is not None:
            for candidate in (self.cache.key(data, display, module_name, False), key):
                hit = self.cache.get(candidate)
                if hit is not None:
                    return hit[1]
        with collector_paused():
            facts = self._facts_only(data, display, module_name, package)
        if key is not None and self.cache is not None:
            self.cache.put(key, [], facts)
        return facts

    def _facts_only(self, data: bytes, display: str, module_name: str | None,
                    package: str | None) -> FileFacts | None:
        try:
            source = decode(data)
            if not any(word in source.text for word in _PROJECT_WORDS):
                return None
            module = parse_module(source.text)
            builder = ModelBuilder(module, package)
            log = EventLog(frozenset())
            self.walker.walk(module, builder, log)
            return _facts(builder.finish(), display, module_name,
                          Positions(module, source.text, log.order),
                          find_suppressions(source.text))
        except Exception:  # a file that is only context never stops the run
            return None

    def run(self, files: Sequence[tuple[Path, str]],
            context: Sequence[tuple[Path, str]] = ()) -> RunResult:
        """Lint files (path, display path) and run the project rules over them.

        `context` is the rest of the project: files whose facts project rules need (a
        pre-commit run passes only the changed files) but whose problems are not reported.
        """
        results = [self.lint_path(path, display) for path, display in files]
        extra = [self.project_facts(path, display) for path, display in context
                 if self.rules]
        return self.finish(results, [f for f in extra if f is not None])

    def project_phase(self, results: Sequence[FileResult],
                      context_facts: Sequence[FileFacts] = ()) -> list[Diagnostic]:
        """What the project adds to the files' own diagnostics: the project rules' findings
        and (with unused noqa on) the unused directives, before project conditions apply."""
        facts = [r.facts for r in results if r.facts is not None] + list(context_facts)
        suppressions = {r.path: r.suppressions for r in results if r.suppressions is not None}
        diagnostics = self.check_project(facts, {result.path for result in results},
                                         suppressions)
        if self.settings.unused_noqa is not None:
            for display, noqa in suppressions.items():
                diagnostics.extend(unused_noqa(noqa, display, self.settings.unused_noqa))
        return diagnostics

    def finish(self, results: Sequence[FileResult],
               context_facts: Sequence[FileFacts] = ()) -> RunResult:
        """The project phase and project conditions over the per-file results (in any
        order: the diagnostics are sorted)."""
        result, self.conditions = assemble(results, context_facts,
                                           self.project_phase(results, context_facts),
                                           self.projects)
        return result

    def resolve_conditions(self, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
        """Drop findings whose project condition the project does not meet."""
        conditions = self.conditions
        if conditions is None:
            return list(diagnostics)
        return [k for k in map(conditions.resolve, diagnostics) if k is not None]


def _path_of(facts: FileFacts) -> str:
    return facts.path


def _syntax_error_of(path: str, text: str, error: cst.ParserSyntaxError) -> Diagnostic:
    """Report a parse failure with CPython's message and position when it has one (they
    are clearer than the parser's token lists), else with LibCST's."""
    try:
        compile(text, path, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as python:
        if python.lineno is not None:
            return syntax_error(path, f"syntax error: {python.msg}", python.lineno,
                                max(python.offset or 1, 1))
    except (ValueError, RecursionError, MemoryError):
        pass
    return syntax_error(path, f"syntax error: {error.message}", error.raw_line,
                        error.raw_column + 1)


def _check_finding(finding: Finding) -> None:
    """Raise TypeError, naming what is wrong, for a report() a rule got wrong."""
    if not isinstance(finding.node, cst.CSTNode):
        raise TypeError(f"report() was given {type(finding.node).__name__}, not a LibCST node")
    if not isinstance(finding.message, str):
        raise TypeError(f"report() was given a {type(finding.message).__name__} message, "
                        "not a string")
    if finding.fix is not None and not isinstance(finding.fix, Fix):
        raise TypeError(f"report() was given a {type(finding.fix).__name__} fix, not a Fix")
    if not isinstance(finding.condition, str) or not known_condition(finding.condition):
        raise TypeError(f"report() was given the condition {finding.condition!r}, which "
                        "names no known condition (see fastmcp_preflight.api's conditions)")


def _may_match(rule: type[Rule], text: str) -> bool:
    return rule.needles is None or any(needle in text for needle in rule.needles)


def _facts(model: FileModel, path: str, module: str | None, positions: Positions,
           suppressions: Suppressions) -> FileFacts:
    summaries = summarize(model.summary_input, module or path, model.scopes, model.module_scope,
                          positions.of, positions.expect)
    return FileFacts(
        path=path,
        module=module,
        imports_fastmcp=model.imports_fastmcp,
        servers=[ServerFact(positions.of(s.call), s.at_import_time, s.bound_at_module_level)
                 for s in model.server_sites],
        module_servers=list(model.module_server_names),
        health=[positions.of(node) for node in model.health_sites],
        starts=[StartFact(positions.of(s.call), s.method, s.transport) for s in model.starts],
        mounted=list(model.mounted),
        imports=[ImportFact(at, i.targets) for i, at in zip(
            model.imports, positions.of_statements([i.node for i in model.imports]),
            strict=True)],
        own_deferred_imports=[ImportFact(positions.of(i.node), i.targets)
                              for i in model.own_deferred_imports]
        if path.replace("\\", "/").rsplit("/", 1)[-1] == "__init__.py" else [],
        classes=[ClassFact(_qualified(name, module, path), tuple(
                     _qualified(b, module, path) for b in bases), is_server)
                 for name, bases, is_server in model.classes],
        factories=[FactoryFact(_qualified(name, module, path), tuple(
                       _qualified(r, module, path) for r in returns), is_server)
                   for name, returns, is_server in model.factories],
        calls=[CallFact(positions.of(c.call), c.callee, c.at_import_time,
                        c.bound_at_module_level) for c in model.project_calls],
        factory_starts=[(StartFact(positions.of(s.call), s.method, s.transport), callee)
                        for s, callee in model.factory_starts],
        features=[FeatureFact(f.kind, positions.near(f.node), f.what) for f in model.features],
        registrations=[RegistrationFact(kind, key, server, positions.of(name), version,
                                        branches)
                       for kind, key, server, version, branches, name
                       in model.registered_keys(module or path)],
        tool_targets=[ToolTargetFact(*target) for target in model.tool_targets],
        entries=model.request_entries(),
        client_makers=[(name, client, positions.of(call).line)
                       for name, client, call in model.client_makers],
        noqa=suppressions.lines,
        file_noqa=suppressions.file,
        server_module=model.server_module,
        script=model.script,
        deferred_imports=list(model.deferred_imports),
        called_attributes=sorted(model.called_attributes),
        stdout_units=dict(model.stdout_units),
        terminal_units=sorted(model.terminal_units),
        functions=summaries.functions,
        class_summaries=summaries.classes,
        globals=summaries.globals,
    )


def _qualified(name: str, module: str | None, path: str) -> str:
    """`module.name` for a name of this module (the model writes `:name` or a bare name)."""
    if name.startswith(":") or "." not in name:
        return f"{module or path}.{name.lstrip(':')}"
    return name


# -- the API used by tests and by `--fix` ----------------------------------------------------


def lint_source(code: str, rules: Sequence[type[BaseRule]], path: str = "server.py",
                settings: Settings | None = None) -> list[Diagnostic]:
    """Lint one in-memory file as a whole project (examples, fixtures, plugins' own tests)."""
    engine = Engine(rules, settings)
    module, package = virtual_module_name(path)
    try:
        source = decode(code.encode("utf-8"))
    except SourceError as error:
        return [syntax_error(path, str(error), error.line)]
    result = engine.lint_text(source, path, module, package)
    diagnostics = list(result.diagnostics)
    facts = [result.facts] if result.facts is not None else []
    diagnostics.extend(engine.check_project(facts, {path}))
    engine.conditions = Conditions(facts, engine.projects)
    return sorted(engine.resolve_conditions(diagnostics), key=Diagnostic.sort_key)


def fix_source(code: str, rules: Sequence[type[BaseRule]], path: str = "server.py",
               allow: Iterable[Applicability] = ("safe",), max_passes: int = 10) -> str:
    """Apply fixes until nothing changes (bounded); never returns source that doesn't parse."""
    allowed = tuple(allow)
    for _ in range(max_passes):
        diagnostics = lint_source(code, rules, path)
        fixed = fix_text(code, diagnostics, allowed)
        if fixed is None or fixed == code:
            return code
        code = fixed
    return code


__all__ = ["FML000", "FML000_NAME", "Engine", "FileResult", "Location", "RunResult", "Settings",
           "fix_source", "lint_source", "module_name_for", "syntax_error", "virtual_module_name"]
