"""The per-file checker: one file's text in, its diagnostics and facts out.

Text -> one LibCST parse -> one walk that builds the FastMCP model and records the events the
enabled rules handle -> the rules replay those events (each rule's visitors, in source order,
with the walk's contexts) -> positions of the reported nodes -> `per-file-ignores` and
`# noqa` -> diagnostics, and the facts project rules read. No file is read, no cache is
consulted, nothing outside the call is changed: the run orchestrator (`pipeline`) does that.
A file that can't be parsed, or a rule that raises, becomes an FML000 diagnostic; the other
rules go on.
"""

from __future__ import annotations

import ast
import functools
import traceback
from collections.abc import Callable, Sequence

import libcst as cst

from fastmcp_preflight.api import BaseRule, Diagnostic, FileContext, Finding, Fix, Rule
from fastmcp_preflight.model.context import Tracker
from fastmcp_preflight.model.file_model import FileModel, ModelBuilder
from fastmcp_preflight.model.input_summary import function_inputs
from fastmcp_preflight.model.interface import interfaces, server_sites
from fastmcp_preflight.model.summarize import summarize
from fastmcp_preflight.model.sync_tools import inline_tools
from fastmcp_preflight.model.walker import Event, EventLog, Walker
from fastmcp_preflight.project.facts import (
    CallFact,
    ClassFact,
    FactoryFact,
    FeatureFact,
    FileFacts,
    ImportFact,
    InterfaceFact,
    RegistrationFact,
    ServerFact,
    StartFact,
    ToolTargetFact,
    known_condition,
)
from fastmcp_preflight.project.projects import Projects
from fastmcp_preflight.project.versions import (
    NO_TARGETS,
    ProjectTargets,
    TargetResolver,
    overrides_of,
)
from fastmcp_preflight.running.collector import collector_paused
from fastmcp_preflight.running.fixes import FileFixes, to_edits
from fastmcp_preflight.running.results import FileResult, Settings, syntax_error
from fastmcp_preflight.source.parsing import parse_module
from fastmcp_preflight.source.positions import Positions
from fastmcp_preflight.source.reading import SourceError, SourceText
from fastmcp_preflight.source.suppression import Suppressions, find_suppressions

#: A file that contains none of these yields no fact a project rule uses (a function's
#: summary is one even without imports: a helper that returns what it is given makes its
#: result tool input, FML901-905).
_PROJECT_WORDS = ("import", "def ", "MCP", "mcp", "health", "livez", "readyz", "Route")


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



class Checker:
    """Checks files with a fixed set of file rules; each file with its own settings."""

    def __init__(self, rules: Sequence[type[BaseRule]], settings: Settings | None = None) -> None:
        """`rules`: every rule of the run (project rules are the project phase's);
        `settings`: those of a file checked without its own."""
        self.file_rules = [r for r in rules if issubclass(r, Rule)]
        self.settings = settings or Settings()
        self.walker = Walker()
        #: Per rule class, its visitor methods; per set of rule classes, the node types
        #: the model's walk records for them.
        self._names: dict[type[Rule], tuple[tuple[str, bool, str], ...]] = {}
        self._wanted: dict[tuple[type[Rule], ...], frozenset[str]] = {}
        #: Which project a file is of, and each project's target versions (FML8xx): the
        #: run's, else read from the project's requirement files on first use.
        self.projects = Projects()
        self.targets = TargetResolver(overrides_of(self.settings.options))
        known = self.settings.options.get("targets")
        if isinstance(known, tuple):
            self.targets.seed(t for t in known if isinstance(t, ProjectTargets))

    def check(self, source: SourceText, display: str, module_name: str | None,
              package: str | None, settings: Settings | None = None) -> FileResult:
        """One file's diagnostics, facts and `# noqa` directives, from its text alone.

        `display` is the path reports show; `module_name` and `package` are its module's.
        """
        with collector_paused():
            return self._check_text(source, display, module_name, package,
                                    settings or self.settings)

    def _check_text(self, source: SourceText, display: str, module_name: str | None,
                    package: str | None, settings: Settings) -> FileResult:
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
            return self._check(module, source.text, display, module_name, package, settings)
        except RecursionError:
            return FileResult(display, [syntax_error(
                display, "file is too deeply nested to analyse")], None)
        except Exception as error:  # a model bug must cost one file, not the run
            message = f"internal error while analysing: {type(error).__name__}: {error}"
            if settings.verbose:
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
               package: str | None, settings: Settings) -> FileResult:
        failures: list[tuple[type[BaseRule], BaseException, str]] = []
        candidates: list[type[Rule]] = []
        for candidate in self.file_rules:
            if not settings.runs(candidate.code):
                continue
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
        targets = self._targets_of(display, settings)
        context = FileContext(display, text, module, model, tracker, module_name,
                              settings.options, log.order,
                              {code: dict(values) for code, values in settings.rule_options},
                              targets)
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
        file_fixes = FileFixes(module, positions, text,
                               module_name.split(".")[0] if module_name else None)
        suppressions = find_suppressions(text)
        diagnostics: list[Diagnostic] = []
        for rule in rules:
            try:  # what a rule reported is checked here; garbage costs that rule only
                for finding in rule.findings:
                    d = _diagnostic(finding, display, positions, file_fixes, settings)
                    if d is not None and not suppressions.suppresses(d.line, d.code, d.name):
                        diagnostics.append(d)
            except Exception as problem:
                failures.append((type(rule), problem, traceback.format_exc()))
        for rule_class, error, trace in failures + dispatch.failures:
            message = (f"internal error in rule {rule_class.code} ({rule_class.name}): "
                       f"{type(error).__name__}: {error}")
            if settings.verbose:
                message += "\n" + trace
            diagnostics.append(syntax_error(display, message))
        # What the rules shared refers back to the model (FML801/802's `ApiUses`): a cycle
        # that would keep the file's tree alive until a cyclic collection.
        model.shared.clear()
        facts = _facts(model, display, module_name, positions, suppressions, targets)
        return FileResult(display, diagnostics, facts, suppressions)

    def _targets_of(self, display: str, settings: Settings) -> ProjectTargets:
        """The file's project targets: those its settings carry (the run resolved them with
        the run's config, `--config` included; a worker's own settings have no overrides),
        else read for its project here."""
        known = settings.options.get("targets")
        if isinstance(known, tuple) and len(known) == 1 and isinstance(known[0], ProjectTargets):
            return known[0]
        return self.targets.of_root(self.projects.root_of(display))

    def facts_only(self, source: SourceText, display: str, module_name: str | None,
                   package: str | None) -> FileFacts | None:
        """The facts of a project file that is not being linted (so project rules still see
        it): only files that mention what project rules look at are parsed; no rule runs."""
        try:
            if not any(word in source.text for word in _PROJECT_WORDS):
                return None
            with collector_paused():
                module = parse_module(source.text)
                builder = ModelBuilder(module, package)
                log = EventLog(frozenset())
                self.walker.walk(module, builder, log)
                targets = self.targets.of_root(self.projects.root_of(display))
                return _facts(builder.finish(), display, module_name,
                              Positions(module, source.text, log.order),
                              find_suppressions(source.text), targets)
        except Exception:  # a file that is only context never stops the run
            return None


def _diagnostic(finding: Finding, path: str, positions: Positions, file_fixes: FileFixes,
                settings: Settings) -> Diagnostic | None:
    rule = finding.rule
    if settings.ignores(rule.code, path):
        return None
    _check_finding(finding)
    at = positions.find(finding.node)
    if at is None:
        raise ValueError(f"reported a {type(finding.node).__name__} node that is not in "
                         "the file's tree (a node the rule built itself?)")
    fix = to_edits(finding.fix, file_fixes) if finding.fix is not None else None
    return Diagnostic(
        rule.code, rule.name, settings.severity.get(rule.code, rule.severity),
        finding.message, path, at.line, at.column, at.end_line, at.end_column,
        rule.checklist, rule.hint, fix, finding.condition)


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
           suppressions: Suppressions, targets: ProjectTargets = NO_TARGETS) -> FileFacts:
    summaries = summarize(model.summary_input, module or path, model.scopes, model.module_scope,
                          positions.of, positions.expect,
                          functools.partial(function_inputs, model))
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
        once_calls=[(name, *positions.of(call)) for name, call in model.once_calls],
        inline_tools=inline_tools(model, module or path, targets),
        noqa=suppressions.lines,
        file_noqa=suppressions.file,
        server_module=model.server_module,
        script=model.script,
        in_process=model.in_process,
        deferred_imports=list(model.deferred_imports),
        called_attributes=sorted(model.called_attributes),
        stdout_units=dict(model.stdout_units),
        terminal_units=sorted(model.terminal_units),
        functions=summaries.functions,
        class_summaries=summaries.classes,
        globals=summaries.globals,
        version_imports=[(positions.of(node), names) for node, names in model.version_imports],
        targets=targets.targets if targets.root else (),
        interfaces=[InterfaceFact(i.kind, i.key, i.server, positions.of(i.function),
                                  i.description, i.parameters)
                    for i in interfaces(model, module or path)],
        server_sites={name: positions.of(node)
                      for name, node in server_sites(model, module or path).items()},
    )


def _qualified(name: str, module: str | None, path: str) -> str:
    """`module.name` for a name of this module (the model writes `:name` or a bare name)."""
    if name.startswith(":") or "." not in name:
        return f"{module or path}.{name.lstrip(':')}"
    return name
