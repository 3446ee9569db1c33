"""One lint run from start to end: config -> rules -> files -> engine -> report -> exit status.

The CLI only parses flags into `RunOptions`; everything here is callable from tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fastmcp_lint import __version__
from fastmcp_lint.api import Applicability, BaseRule, Diagnostic
from fastmcp_lint.config import Config, load_config
from fastmcp_lint.discovery import discover, display_path
from fastmcp_lint.engine import Engine, RunResult, Settings
from fastmcp_lint.errors import UserError
from fastmcp_lint.fixing import FixOutcome, fix_file
from fastmcp_lint.registry import Registry, default_plugins
from fastmcp_lint.reports.summary import RunSummary
from fastmcp_lint.selection import per_file_ignores, selected_rules, severity_overrides

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

    @property
    def fixing(self) -> bool:
        return self.fix or self.unsafe_fixes or self.diff

    @property
    def allowed_fixes(self) -> tuple[Applicability, ...]:
        return ("safe", "unsafe") if self.unsafe_fixes else ("safe",)


def load(options: RunOptions) -> tuple[Config, Registry]:
    """The configuration and every rule plugin it names."""
    config = load_config(list(options.paths), options.config_file)
    registry = Registry.load(default_plugins(config.plugins, config.root))
    return config, registry


def _where(config: Config, key: str) -> str:
    name = config.path.name if config.path is not None else "config"
    return f"{name}: [tool.fastmcp-lint] {key}"


def enabled_rules(options: RunOptions, config: Config,
                  registry: Registry) -> list[type[BaseRule]]:
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


def settings_for(options: RunOptions, config: Config, registry: Registry) -> Settings:
    return Settings(
        severity=severity_overrides(registry, config.severity, _where(config, "severity")),
        per_file_ignores=per_file_ignores(registry, config.per_file_ignores,
                                          _where(config, "per-file-ignores")),
        options={"extend-blocking-calls": tuple(config.extend_blocking_calls)},
        verbose=options.verbose,
    )


def lint(options: RunOptions) -> tuple[RunResult, Config, list[FixOutcome]]:
    """Lint (and with --fix/--diff, fix) the paths of `options`.

    Raises UserError for anything the user must fix first.
    """
    config, registry = load(options)
    rules = enabled_rules(options, config, registry)
    engine = Engine(rules, settings_for(options, config, registry))
    files = discover(list(options.paths), config)
    pairs = [(path, display_path(path)) for path in files]
    result = engine.run(pairs, project_context(files, config))
    outcomes: list[FixOutcome] = []
    if options.fixing:
        result, outcomes = _fix(engine, result, pairs, options)
    return result, config, outcomes


def _fix(engine: Engine, result: RunResult, pairs: Sequence[tuple[Path, str]],
         options: RunOptions) -> tuple[RunResult, list[FixOutcome]]:
    """Fix the files that have fixable diagnostics; their diagnostics become what remains."""
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


def project_context(files: Sequence[Path], config: Config) -> list[tuple[Path, str]]:
    """The project's other files, when only part of it is linted (pre-commit, one file).

    The project is the folder of the config file, else the nearest folder with a
    `pyproject.toml` or `.git`; outside such a folder there is no project to complete.
    """
    root = config.root
    if config.path is None and not ((root / "pyproject.toml").is_file()
                                    or (root / ".git").exists()):
        return []
    linted = {path.resolve() for path in files}
    return [(path, display_path(path)) for path in discover([root], config)
            if path.resolve() not in linted]


def summary_of(result: RunResult) -> RunSummary:
    return RunSummary(files=result.files, diagnostics=tuple(result.diagnostics),
                      tool_version=__version__)


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
