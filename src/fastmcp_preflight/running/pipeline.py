"""The run orchestrator: one lint run from start to end: configs -> files -> rules ->
scheduler (cache, workers, the per-file checker) -> project phase -> fixes -> project phase
again over the fixed files -> baseline -> report -> exit status.

Each file has the settings of its own config (the nearest pyproject.toml with our table, as
ruff resolves it; see `ConfigResolver`): the rules of every config are loaded once, and each
file runs those its config selects, and fails the run by its config's `fail-on`. The one
run-wide setting, `cache-dir`, is the first path's config's (or `--config`'s).

The CLI only parses flags into `RunOptions`; everything here is callable from tests.
A run whose every file is cached uses the rules' metadata (see `manifest`) and never
imports a rule, the engine or LibCST; they are imported where a file must be checked.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastmcp_preflight import __version__
from fastmcp_preflight.api import Applicability, BaseRule, Diagnostic
from fastmcp_preflight.errors import UserError
from fastmcp_preflight.plugins.checklist import as_json, score
from fastmcp_preflight.plugins.manifest import Catalog, RuleMeta, describe
from fastmcp_preflight.plugins.meta_codes import SyntaxErrorCode, UnusedNoqa
from fastmcp_preflight.plugins.options import check_rule_options
from fastmcp_preflight.plugins.registry import R, Registry, default_plugins
from fastmcp_preflight.plugins.selection import per_file_ignores, selected_rules, severity_overrides
from fastmcp_preflight.project.projects import Projects, TestCode
from fastmcp_preflight.project.versions import ProjectTargets, TargetResolver, overrides_of
from fastmcp_preflight.reports.summary import BaselineInfo, RuleInfo, RunSummary, SourceRoot
from fastmcp_preflight.running.cache import CACHE_DIR, Cache, fingerprint
from fastmcp_preflight.running.config import Config, ConfigResolver, load_config
from fastmcp_preflight.running.discovery import RealPaths, discover_shown, display_path
from fastmcp_preflight.running.results import Conditions, FileResult, RunResult, Settings
from fastmcp_preflight.running.scheduler import Checked, LazyEngine, lint_files
from fastmcp_preflight.source.suppression import NoqaCodes

if TYPE_CHECKING:
    from fastmcp_preflight.project.facts import ProjectFacts
    from fastmcp_preflight.running.engine import Engine
    from fastmcp_preflight.running.fixing import FixOutcome
    from fastmcp_preflight.running.project_phase import ProjectPhase

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


@dataclass(frozen=True)
class RunOptions:
    """The command line, parsed; selectors already split on commas."""

    paths: tuple[Path, ...] = (Path("."),)
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    config_file: Path | None = None
    fail_on: str | None = None
    exit_zero: bool = False
    verbose: bool = False
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False
    #: Report the noqa comments that suppress nothing (FML001).
    report_unused_noqa: bool = False
    #: Lint test code too (`--include-tests`; config `lint-tests`).
    include_tests: bool = False
    #: Hide the findings recorded in this baseline file.
    baseline: Path | None = None
    #: The tool snapshot FML710 compares the servers' tools with (`--tool-baseline`).
    tool_baseline: Path | None = None
    #: Worker processes (None: one per CPU); `no_cache` ignores and writes no cache.
    jobs: int | None = None
    no_cache: bool = False
    #: Called with the number of files to check, returns a callback per files done.
    progress: Callable[[int], Callable[[int], None]] | None = None
    #: `--exclude` (replaces the configured and default excludes) and `--extend-exclude`.
    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] = ()

    @property
    def fixing(self) -> bool:
        return self.fix or self.unsafe_fixes or self.diff

    @property
    def allowed_fixes(self) -> tuple[Applicability, ...]:
        return ("safe", "unsafe") if self.unsafe_fixes else ("safe",)


def load(options: RunOptions) -> tuple[Config, Registry[type[BaseRule]]]:
    """The configuration and every rule plugin it names (imported: for their docs)."""
    config = with_cli_excludes(load_config(list(options.paths), options.config_file), options)
    registry = Registry.load(default_plugins(config.plugins, config.root))
    return config, registry


def catalog(options: RunOptions, configs: Sequence[Config] = (),
            config: Config | None = None) -> tuple[Config, Catalog]:
    """The run's configuration (`config`, else loaded) and the metadata of its rules and of
    every plugin the `configs` of its files name, from the manifest in the cache folder when
    it is current (importing no rule)."""
    config = config or with_cli_excludes(load_config(list(options.paths), options.config_file),
                                         options)
    local, root, _ = plugin_paths([config, *configs])
    return config, Catalog(local, root, _cache_folder(options, config))


def plugin_paths(configs: Sequence[Config],
                 ) -> tuple[tuple[str, ...], Path, dict[str, frozenset[Config]]]:
    """Every config's local plugins, once, and the folder they are relative to: the one
    config's root when only one names plugins, else absolute paths under the roots'
    common folder. Also which configs name each plugin (by the label its rules' `origin`
    has): a file runs a local plugin's rules only when its own config names the plugin."""
    naming = list(dict.fromkeys(c for c in configs if c.plugins))
    if not naming:
        return (), configs[0].root if configs else Path.cwd(), {}
    if len(naming) == 1:
        return naming[0].plugins, naming[0].root, {
            item: frozenset(naming) for item in naming[0].plugins}
    owners: dict[str, set[Config]] = {}
    for named in naming:
        for item in named.plugins:
            owners.setdefault(os.path.join(os.path.abspath(named.root), item), set()).add(named)
    root = Path(os.path.commonpath([os.path.abspath(c.root) for c in naming]))
    return tuple(owners), root, {label: frozenset(by) for label, by in owners.items()}


def with_cli_excludes(config: Config, options: RunOptions) -> Config:
    """The config with the command line's `--exclude` (replacing its `exclude` and the
    defaults, as in ruff) and `--extend-exclude` (added to its own) applied."""
    if options.exclude is None and not options.extend_exclude:
        return config
    return replace(config,
                   exclude=config.exclude if options.exclude is None else options.exclude,
                   extend_exclude=(*config.extend_exclude, *options.extend_exclude))


def _where(config: Config, key: str) -> str:
    name = config.path.name if config.path is not None else "config"
    return f"{name}: [tool.fastmcp-lint] {key}"


def _rules_table(config: Config, code: str) -> str:
    """Where a rule's options table is, for messages."""
    if config.path is None:
        return f"config: [rules.{code}]"
    table = (f"[tool.fastmcp-lint.rules.{code}]" if config.path.name == "pyproject.toml"
             else f"[rules.{code}]")
    return f"{config.path.name}: {table}"


def enabled_rules(options: RunOptions, config: Config, registry: Registry[R]) -> list[R]:
    cli_select = options.select
    select = list(cli_select) if cli_select is not None else (
        list(config.select) if config.select is not None else None)
    return selected_rules(
        registry,
        select=select,
        select_where="--select" if cli_select is not None else _where(config, "select"),
        extend_select=[(config.extend_select, _where(config, "extend-select")),
                       (options.extend_select, "--extend-select")],
        ignore=[(config.ignore, _where(config, "ignore")), (options.ignore, "--ignore")],
    )


def settings_for(options: RunOptions, config: Config, registry: Registry[Any],
                 rules: Sequence[Any] = ()) -> Settings:
    """The settings of the files `config` applies to, whose enabled rules are `rules`."""
    unused_noqa = (NoqaCodes.of(((code, rule.name) for code, rule in registry.rules.items()),
                                (rule.code for rule in rules))
                   if options.report_unused_noqa else None)
    return Settings(
        severity=severity_overrides(registry, config.severity, _where(config, "severity")),
        per_file_ignores=per_file_ignores(registry, config.per_file_ignores,
                                          _where(config, "per-file-ignores")),
        options={"extend-blocking-calls": tuple(config.extend_blocking_calls),
                 "extend-sync-clients": tuple(config.extend_sync_clients),
                 **{key: value for key, value in (("target-fastmcp", config.target_fastmcp),
                                                  ("target-mcp", config.target_mcp))
                    if value}},
        rule_options=check_rule_options(registry.rules, config.rules,
                                        lambda code: _rules_table(config, code)),
        verbose=options.verbose,
        unused_noqa=unused_noqa,
        enabled=frozenset(rule.code for rule in rules),
        root=os.path.abspath(config.root),
    )


class FileSettings:
    """Each config's enabled rules and settings, resolved once per config."""

    def __init__(self, options: RunOptions, registry: Registry[RuleMeta],
                 owners: Mapping[str, frozenset[Config]] | None = None) -> None:
        """`owners`: the configs that name each local plugin (see `plugin_paths`)."""
        self.options = options
        self.registry = registry
        self.owners = owners or {}
        self._resolved: dict[Config, tuple[list[RuleMeta], Settings]] = {}
        #: Engine options every file gets on top of its config's (target versions, the
        #: tool baseline); set before the first `of`.
        self.extra_options: Mapping[str, object] = {}

    def of(self, config: Config) -> tuple[list[RuleMeta], Settings]:
        found = self._resolved.get(config)
        if found is None:
            rules = [rule for rule in enabled_rules(self.options, config, self.registry)
                     if config in self.owners.get(rule.origin, (config,))]
            settings = settings_for(self.options, config, self.registry, rules)
            if self.extra_options:
                settings = replace(settings, options={**settings.options,
                                                      **self.extra_options})
            found = self._resolved[config] = (rules, settings)
        return found

    def rules(self) -> list[RuleMeta]:
        """Every rule enabled for some file of the run, by code."""
        union = {rule.code: rule for rules, _ in self._resolved.values() for rule in rules}
        return [union[code] for code in sorted(union)]


@dataclass
class LintRun:
    """Everything a lint run produced, for the report and the exit status."""

    result: RunResult
    config: Config
    outcomes: list[FixOutcome]
    rules: list[RuleMeta]
    settings: Settings
    baseline: BaselineInfo | None = None
    #: The findings before the baseline hid any (what --write-baseline records).
    all_diagnostics: list[Diagnostic] = field(default_factory=list)
    #: Test files found and not linted (test code is skipped unless asked for).
    skipped_tests: int = 0
    #: The fastmcp / MCP SDK versions each linted project targets (FML8xx).
    targets: tuple[ProjectTargets, ...] = ()
    #: The files linted, with their display paths (what `--add-noqa` edits).
    files: list[tuple[Path, str]] = field(default_factory=list)
    #: Folders named on the command line in which no Python file was found.
    empty_folders: list[Path] = field(default_factory=list)
    #: Each linted file's `fail-on` (its own config's), by display path.
    fail_on: dict[str, str] = field(default_factory=dict)


def lint(options: RunOptions) -> LintRun:
    """Lint (and with --fix/--diff, fix) the paths of `options`; apply `--baseline`.

    Raises UserError for anything the user must fix first.
    """
    baseline = None
    if options.baseline is not None:
        from fastmcp_preflight.running.baseline import Baseline

        baseline = Baseline.load(options.baseline)
    configs = ConfigResolver.for_run(options.config_file,
                                     lambda config: with_cli_excludes(config, options))
    run_config = with_cli_excludes(load_config(list(options.paths), options.config_file),
                                   options)
    real_paths = RealPaths()
    found = discover_shown(list(options.paths), run_config, real_paths, configs)
    is_test = _TestCode(options, configs)
    pairs = [pair for pair in found if not is_test(pair[0])]
    context = [pair for pair in _context(pairs, options.paths, configs, real_paths)
               if not is_test(pair[0])]
    file_configs = {path: configs.for_file(path) for path, _ in (*pairs, *context)}
    used = list(dict.fromkeys(file_configs.values()))
    config, rule_catalog = catalog(options, used, run_config)
    resolved = FileSettings(options, rule_catalog.registry, plugin_paths([config, *used])[2])
    # The tool baseline decides FML710's findings: it joins every file's settings. A
    # project's target versions decide the FML8xx findings: they join the settings of that
    # project's files only, so a pre-commit run over a few files reuses the cache entries of
    # a full run, and the cache of a project whose requirements changed is not reused.
    if options.tool_baseline is not None:
        from fastmcp_preflight.project.tool_snapshot import load_snapshot

        resolved.extra_options = {"tool-baseline": load_snapshot(options.tool_baseline)}
    projects_of = Projects(config.root)
    resolver = TargetResolver(overrides_of(
        settings_for(options, config, rule_catalog.registry).options))
    by_project: dict[tuple[Config, str], Settings] = {}

    def settings_of_file(path: Path) -> Settings:
        file_config, root = file_configs[path], projects_of.root_of(path)
        known = by_project.get((file_config, root))
        if known is None:
            known = resolved.of(file_config)[1]
            known = by_project[file_config, root] = replace(known, options={
                **known.options, "targets": (resolver.of_root(root),)})
        return known

    targets = tuple(resolver.of_root(root)
                    for root in sorted({projects_of.root_of(path) for path, _ in pairs}))
    settings = resolved.of(config)[1]
    files = [(path, shown, settings_of_file(path)) for path, shown in pairs]
    others = [(path, shown, settings_of_file(path)) for path, shown in context]
    rules = resolved.rules()
    cache = _cache(options, config, rules)
    settings_of = {shown: file_settings for _, shown, file_settings in files}

    def build() -> Engine:
        from fastmcp_preflight.running.engine import (
            Engine,  # LibCST: only when a file must be checked
        )

        return Engine(rule_catalog.classes([rule.code for rule in rules]), settings, cache)

    def phase(engine: Engine | None) -> ProjectPhase:
        from fastmcp_preflight.running.project_phase import ProjectPhase

        return ProjectPhase(engine.rules if engine is not None else (),
                            lambda shown: settings_of.get(shown, settings), projects, built)

    projects = Projects()
    built: dict[str, tuple[tuple[int, ...], ProjectFacts]] = {}  # shared by the run's phases
    # The project's other files matter to file rules too: a finding may hold only under a
    # condition the project decides (a tool registered by another module, a request path).
    engine = LazyEngine(build, cache, bool(rules), phase)
    jobs = options.jobs if options.jobs is not None else (os.cpu_count() or 1)
    advance = options.progress(len(files) + len(others)) if options.progress else None
    checked = lint_files(engine, files, others, jobs=jobs, progress=advance)
    concluded = engine.phase(with_rules=False).conclude(
        checked.results, checked.context, checked.project_diagnostics, checked.answers)
    if cache is not None and checked.project_key and not concluded.conditions.complete:
        cache.put_answers(checked.project_key, concluded.conditions.asked)
    result = concluded.result
    outcomes: list[FixOutcome] = []
    if options.fixing:
        result, outcomes = _fix(engine, checked, files, options, concluded.conditions)
    run = LintRun(result, config, outcomes, rules, settings,
                  all_diagnostics=list(result.diagnostics),
                  skipped_tests=len(found) - len(pairs), targets=targets, files=pairs,
                  empty_folders=empty_folders(options.paths, [path for path, _ in found]),
                  fail_on={shown: file_configs[path].fail_on for path, shown in pairs})
    if baseline is not None and options.baseline is not None:
        kept, hidden, stale = baseline.split(result.diagnostics)
        run.result = replace(result, diagnostics=kept)
        run.baseline = BaselineInfo(display_path(options.baseline), hidden, stale)
    return run


def empty_folders(given: Sequence[Path], found: Sequence[Path]) -> list[Path]:
    """The folders among `given` below which nothing was `found` (a typo'd path, a folder
    excluded by the config, a folder of another language): worth a warning, as in ruff."""
    found_abs = [os.path.abspath(path) for path in found]
    empty = []
    for folder in given:
        if folder.is_dir():
            top = os.path.join(os.path.abspath(folder), "")
            if not any(path.startswith(top) for path in found_abs):
                empty.append(folder)
    return empty


class _TestCode:
    """Whether a file is test code this run skips, by its own config (see `test_code`)."""

    def __init__(self, options: RunOptions, configs: ConfigResolver) -> None:
        self.options = options
        self.configs = configs
        self._by_config: dict[Config, Callable[[Path], bool]] = {}

    def __call__(self, path: Path) -> bool:
        config = self.configs.for_file(path)
        decide = self._by_config.get(config)
        if decide is None:
            decide = self._by_config[config] = test_code(self.options, config)
        return decide(path)


def _context(pairs: Sequence[tuple[Path, str]], given: Sequence[Path],
             configs: ConfigResolver, real_paths: RealPaths) -> list[tuple[Path, str]]:
    """The rest of the projects the linted files belong to (see `project_context`), once."""
    by_config: dict[Config, list[Path]] = {}
    for path, _ in pairs:
        by_config.setdefault(configs.for_file(path), []).append(path)
    seen = {real_paths.of(path) for path, _ in pairs}
    found: list[tuple[Path, str]] = []
    for config, files in by_config.items():
        for path, shown in project_context(files, config, given, real_paths, configs):
            real = real_paths.of(path)
            if real not in seen:
                seen.add(real)
                found.append((path, shown))
    return sorted(found, key=lambda pair: pair[1])


def test_code(options: RunOptions, config: Config) -> Callable[[Path], bool]:
    """Whether a file is test code that this run skips (never, with `--include-tests` or
    `lint-tests`). Files named on the command line are skipped too: pre-commit names them,
    and a pre-commit run must agree with a full run."""
    if options.include_tests or config.lint_tests:
        return lambda _: False
    return TestCode(Projects(config.root), config.test_paths)


def _cache_folder(options: RunOptions, config: Config) -> Path | None:
    """The project's cache folder (`.fastmcp-lint-cache/` at its root, or `cache-dir`)."""
    return None if options.no_cache else config.root / (config.cache_dir or CACHE_DIR)


def _cache(options: RunOptions, config: Config, rules: Sequence[RuleMeta]) -> Cache | None:
    """The project's result cache (each entry's key has its file's own settings)."""
    folder = _cache_folder(options, config)
    return None if folder is None else Cache(folder, fingerprint(rules, "per-file settings"))


def _fix(engine: LazyEngine, checked: Checked, files: Sequence[tuple[Path, str, Settings]],
         options: RunOptions, conditions: Conditions) -> tuple[RunResult, list[FixOutcome]]:
    """Fix the files that have fixable diagnostics (only what their project's conditions
    keep), then conclude the run again over the fixed files' results: the project phase
    sees their new facts and directives, as the next run would."""
    from fastmcp_preflight.running.fixing import fix_file

    allow = options.allowed_fixes
    fixable = {d.path for result in checked.results for d in result.diagnostics
               if d.fix is not None and d.fix.applicability in allow and conditions.allows(d)}
    checker = engine.get().checker
    outcomes = [fix_file(checker, path, display, allow, write=not options.diff,
                         settings=file_settings, conditions=conditions)
                for path, display, file_settings in files if display in fixable]
    fixed = {outcome.path: outcome for outcome in outcomes}
    results = []
    for result in checked.results:
        outcome = fixed.get(result.path)
        if outcome is not None:
            result = outcome.result or result
            result = FileResult(result.path, result.diagnostics + outcome.errors,
                                result.facts, result.suppressions)
        results.append(result)
    return engine.phase().conclude(results, checked.context).result, outcomes


def project_context(files: Sequence[Path], config: Config, given: Sequence[Path] = (),
                    real_paths: RealPaths | None = None,
                    configs: ConfigResolver | None = None) -> list[tuple[Path, str]]:
    """The project's other files, when only part of it is linted (pre-commit, one file).

    The project is the folder of the config file, else the nearest folder with a
    `pyproject.toml` or `.git`; outside such a folder there is no project to complete.
    When the project's root is among the `given` paths, every file is linted already.
    """
    root = config.root
    if config.path is None and not ((root / "pyproject.toml").is_file()
                                    or (root / ".git").exists()):
        return []
    # realpath, not Path.resolve: resolve raises on a symlink loop, which discover returns
    real = real_paths or RealPaths()
    top = os.path.realpath(root)
    if any(path.is_dir() and os.path.realpath(path) == top for path in given):
        return []
    linted = {real.of(path) for path in files}
    return [(path, shown) for path, shown in discover_shown([root], config, real, configs)
            if real.of(path) not in linted]


def summary_of(result: RunResult, run: LintRun | None = None) -> RunSummary:
    """What the reports render; with `run`, also the rules, the baseline and the root."""
    if run is None:
        return RunSummary(files=result.files, diagnostics=tuple(result.diagnostics),
                          tool_version=__version__)
    return RunSummary(files=result.files, diagnostics=tuple(result.diagnostics),
                      tool_version=__version__, rules=rule_infos(run.rules, run.settings),
                      baseline=run.baseline, root=source_root(),
                      skipped_tests=run.skipped_tests, targets=run.targets,
                      checklist=as_json(score(result.diagnostics, result.facts, run.rules)))


def rule_infos(rules: Sequence[RuleMeta], settings: Settings) -> tuple[RuleInfo, ...]:
    """The enabled rules as reports describe them (with configured severities), and the
    codes the engine reports itself: FML000 always, FML001 when it is on."""
    described = [describe(SyntaxErrorCode)]
    if settings.unused_noqa is not None:
        described.append(describe(UnusedNoqa))
    described += sorted(rules, key=lambda rule: rule.code)
    return tuple(
        RuleInfo(
            code=rule.code, name=rule.name,
            severity=settings.severity.get(rule.code, rule.severity),
            summary=rule.summary, what=rule.what, why=rule.why, checklist=rule.checklist,
            tags=rule.tags, fixable=rule.fixable,
            security_severity=rule.security_severity, help_text=rule.help_text,
            help_markdown=rule.help_markdown, help_uri=rule.help_uri,
        )
        for rule in described
    )


def source_root(cwd: Path | None = None) -> SourceRoot:
    """The repository root: the nearest folder above the current one with `.git`, else the
    current folder itself. SARIF and GitHub annotations give paths relative to it."""
    here = Path(os.path.abspath(cwd or Path.cwd()))
    root = next((folder for folder in (here, *here.parents) if (folder / ".git").exists()),
                here)
    return SourceRoot(root=root.as_posix(), cwd=here.as_posix())


def exit_status(diagnostics: Sequence[Diagnostic], options: RunOptions, config: Config,
                fail_on_of: Mapping[str, str] | None = None) -> int:
    """0 when nothing fails the run, 1 when something does (`--fail-on`, `--exit-zero`).

    Without `--fail-on`, a finding fails the run by its own file's `fail-on` (from
    `fail_on_of`, by display path), else by `config`'s.
    """
    if options.exit_zero:
        return EXIT_CLEAN
    if options.fail_on is not None and options.fail_on not in ("error", "warning"):
        raise UserError(f"--fail-on: '{options.fail_on}' (expected error or warning)")
    of = fail_on_of or {}

    def fails(d: Diagnostic) -> bool:
        fail_on = options.fail_on or of.get(d.path, config.fail_on)
        return fail_on == "warning" or d.severity == "error" or d.code == "FML000"

    return EXIT_FINDINGS if any(fails(d) for d in diagnostics) else EXIT_CLEAN
