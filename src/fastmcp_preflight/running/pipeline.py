"""One lint run from start to end: config -> rules -> files -> engine -> fixes -> baseline ->
report -> exit status.

The CLI only parses flags into `RunOptions`; everything here is callable from tests.
A run whose every file is cached uses the rules' metadata (see `manifest`) and never
imports a rule, the engine or LibCST; they are imported where a file must be checked.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastmcp_preflight import __version__
from fastmcp_preflight.api import Applicability, BaseRule, Diagnostic
from fastmcp_preflight.errors import UserError
from fastmcp_preflight.plugins.checklist import as_json, score
from fastmcp_preflight.plugins.manifest import Catalog, RuleMeta, describe
from fastmcp_preflight.plugins.meta_codes import SyntaxErrorCode, UnusedNoqa
from fastmcp_preflight.plugins.registry import R, Registry, default_plugins
from fastmcp_preflight.plugins.selection import per_file_ignores, selected_rules, severity_overrides
from fastmcp_preflight.project.projects import Projects, TestCode
from fastmcp_preflight.reports.summary import BaselineInfo, RuleInfo, RunSummary, SourceRoot
from fastmcp_preflight.running.cache import CACHE_DIR, Cache, fingerprint
from fastmcp_preflight.running.config import Config, load_config
from fastmcp_preflight.running.discovery import RealPaths, discover_shown, display_path
from fastmcp_preflight.running.results import RunResult, Settings
from fastmcp_preflight.running.scheduler import LazyEngine, lint_files
from fastmcp_preflight.source.suppression import NoqaCodes

if TYPE_CHECKING:
    from fastmcp_preflight.running.engine import Engine
    from fastmcp_preflight.running.fixing import FixOutcome

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
    #: Worker processes (None: one per CPU); `no_cache` ignores and writes no cache.
    jobs: int | None = None
    no_cache: bool = False
    #: Called with the number of files to check, returns a callback per files done.
    progress: Callable[[int], Callable[[int], None]] | None = None

    @property
    def fixing(self) -> bool:
        return self.fix or self.unsafe_fixes or self.diff

    @property
    def allowed_fixes(self) -> tuple[Applicability, ...]:
        return ("safe", "unsafe") if self.unsafe_fixes else ("safe",)


def load(options: RunOptions) -> tuple[Config, Registry[type[BaseRule]]]:
    """The configuration and every rule plugin it names (imported: for their docs)."""
    config = load_config(list(options.paths), options.config_file)
    registry = Registry.load(default_plugins(config.plugins, config.root))
    return config, registry


def catalog(options: RunOptions) -> tuple[Config, Catalog]:
    """The configuration and its rules' metadata, from the manifest in the cache folder
    when it is current (importing no rule)."""
    config = load_config(list(options.paths), options.config_file)
    return config, Catalog(config.plugins, config.root, _cache_folder(options, config))


def _where(config: Config, key: str) -> str:
    name = config.path.name if config.path is not None else "config"
    return f"{name}: [tool.fastmcp-lint] {key}"


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
    unused_noqa = (NoqaCodes.of(((code, rule.name) for code, rule in registry.rules.items()),
                                (rule.code for rule in rules))
                   if options.report_unused_noqa else None)
    return Settings(
        severity=severity_overrides(registry, config.severity, _where(config, "severity")),
        per_file_ignores=per_file_ignores(registry, config.per_file_ignores,
                                          _where(config, "per-file-ignores")),
        options={"extend-blocking-calls": tuple(config.extend_blocking_calls),
                 "extend-sync-clients": tuple(config.extend_sync_clients)},
        verbose=options.verbose,
        unused_noqa=unused_noqa,
    )


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


def lint(options: RunOptions) -> LintRun:
    """Lint (and with --fix/--diff, fix) the paths of `options`; apply `--baseline`.

    Raises UserError for anything the user must fix first.
    """
    baseline = None
    if options.baseline is not None:
        from fastmcp_preflight.running.baseline import Baseline

        baseline = Baseline.load(options.baseline)
    config, rule_catalog = catalog(options)
    rules = enabled_rules(options, config, rule_catalog.registry)
    settings = settings_for(options, config, rule_catalog.registry, rules)
    cache = _cache(options, config, rules, settings)

    def build() -> Engine:
        from fastmcp_preflight.running.engine import (
            Engine,  # LibCST: only when a file must be checked
        )

        return Engine(rule_catalog.classes([rule.code for rule in rules]), settings, cache)

    # The project's other files matter to file rules too: a finding may hold only under a
    # condition the project decides (a tool registered by another module, a request path).
    engine = LazyEngine(build, cache, bool(rules))
    real_paths = RealPaths()
    found = discover_shown(list(options.paths), config, real_paths)
    is_test = test_code(options, config)
    pairs = [pair for pair in found if not is_test(pair[0])]
    files = [path for path, _ in pairs]
    context = [pair for pair in project_context(files, config, options.paths, real_paths)
               if not is_test(pair[0])]
    jobs = options.jobs if options.jobs is not None else (os.cpu_count() or 1)
    advance = options.progress(len(pairs) + len(context)) if options.progress else None
    result = lint_files(engine, pairs, context, jobs=jobs, progress=advance)
    outcomes: list[FixOutcome] = []
    if options.fixing:
        result, outcomes = _fix(engine.get(), result, pairs, options)
        if options.report_unused_noqa and not options.diff and any(
                o.changed for o in outcomes):
            # Whether a directive is used is known only from a whole run, and fixes move
            # lines: check the fixed tree again.
            result = lint_files(engine, pairs, context, jobs=jobs)
    run = LintRun(result, config, outcomes, rules, settings,
                  all_diagnostics=list(result.diagnostics),
                  skipped_tests=len(found) - len(pairs))
    if baseline is not None and options.baseline is not None:
        kept, hidden, stale = baseline.split(result.diagnostics)
        run.result = replace(result, diagnostics=kept)
        run.baseline = BaselineInfo(display_path(options.baseline), hidden, stale)
    return run


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


def _cache(options: RunOptions, config: Config, rules: Sequence[RuleMeta],
           settings: Settings) -> Cache | None:
    """The project's result cache."""
    folder = _cache_folder(options, config)
    return None if folder is None else Cache(folder, fingerprint(rules, settings))


def _fix(engine: Engine, result: RunResult, pairs: Sequence[tuple[Path, str]],
         options: RunOptions) -> tuple[RunResult, list[FixOutcome]]:
    """Fix the files that have fixable diagnostics; their diagnostics become what remains."""
    from fastmcp_preflight.running.fixing import fix_file

    allow = options.allowed_fixes
    fixable = {d.path for d in result.diagnostics
               if d.fix is not None and d.fix.applicability in allow}
    project_codes = {rule.code for rule in engine.project_rules}
    outcomes = [fix_file(engine, path, display, allow, write=not options.diff)
                for path, display in pairs if display in fixable]
    fixed_paths = {outcome.path for outcome in outcomes}
    diagnostics = [d for d in result.diagnostics
                   if d.path not in fixed_paths or d.code in project_codes]
    for outcome in outcomes:
        diagnostics.extend(outcome.remaining + outcome.errors)
    diagnostics.sort(key=Diagnostic.sort_key)
    return RunResult(result.files, diagnostics), outcomes


def project_context(files: Sequence[Path], config: Config, given: Sequence[Path] = (),
                    real_paths: RealPaths | None = None) -> list[tuple[Path, str]]:
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
    return [(path, shown) for path, shown in discover_shown([root], config, real)
            if real.of(path) not in linted]


def summary_of(result: RunResult, run: LintRun | None = None) -> RunSummary:
    """What the reports render; with `run`, also the rules, the baseline and the root."""
    if run is None:
        return RunSummary(files=result.files, diagnostics=tuple(result.diagnostics),
                          tool_version=__version__)
    return RunSummary(files=result.files, diagnostics=tuple(result.diagnostics),
                      tool_version=__version__, rules=rule_infos(run.rules, run.settings),
                      baseline=run.baseline, root=source_root(),
                      skipped_tests=run.skipped_tests,
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


def exit_status(diagnostics: Sequence[Diagnostic], options: RunOptions, config: Config) -> int:
    """0 when nothing fails the run, 1 when something does (`--fail-on`, `--exit-zero`)."""
    if options.exit_zero:
        return EXIT_CLEAN
    fail_on = options.fail_on or config.fail_on
    if fail_on not in ("error", "warning"):
        raise UserError(f"--fail-on: '{fail_on}' (expected error or warning)")
    failing = [d for d in diagnostics
               if fail_on == "warning" or d.severity == "error" or d.code == "FML000"]
    return EXIT_FINDINGS if failing else EXIT_CLEAN
