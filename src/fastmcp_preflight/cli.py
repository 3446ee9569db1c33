"""The `fastmcp-lint` command (click).

Meta actions (`--list-rules`, `--explain`, `--version`) are options, not subcommands:
`rules` is a folder name in real projects. Every user error is one line on stderr and exit 2.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

# Ctrl-C while these load is one line and exit 130, like a Ctrl-C later on, not a
# traceback: `main` can't catch what happens before it exists. What only some runs need
# (rich, the reports, the rules' docs) is imported where it is used: start-up time is
# most of a pre-commit run's time.
try:
    import click

    from fastmcp_preflight import __version__
    from fastmcp_preflight.errors import UserError
    from fastmcp_preflight.running.collector import collections_spaced
    from fastmcp_preflight.running.pipeline import (
        EXIT_CLEAN,
        EXIT_ERROR,
        EXIT_FINDINGS,
        RunOptions,
        exit_status,
        lint,
        load,
        summary_of,
    )
except KeyboardInterrupt:
    sys.stderr.write("\nfastmcp-lint: interrupted\n")
    raise SystemExit(130) from None

if TYPE_CHECKING:
    from rich.console import Console

    from fastmcp_preflight.reports.summary import RunSummary
    from fastmcp_preflight.running.pipeline import LintRun

FORMATS = ("text", "concise", "json", "sarif", "github", "gitlab", "checklist")


def _selectors(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def _console() -> Console:
    from rich.console import Console

    plain = bool(os.environ.get("NO_COLOR"))
    return Console(color_system=None if plain else "auto", no_color=plain, highlight=False,
                   soft_wrap=True)


def _render(summary: RunSummary, fmt: str, console: Callable[[], Console],
            fix_note: str | None = None, statistics: bool = False) -> str | None:
    """The report as text for machine formats; the text format prints itself (on the
    console `console()` makes: rich is imported only for it)."""
    if statistics:
        from fastmcp_preflight.reports.statistics import render_statistics, statistics_json

        return statistics_json(summary) if fmt == "json" else render_statistics(summary)
    if fmt != "text":
        from fastmcp_preflight.reports.formats import STRING_FORMATS

        return STRING_FORMATS[fmt](summary)
    from fastmcp_preflight.reports.text import render_text

    render_text(summary, console(), fix_hint=fix_note)
    return None


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--select", multiple=True, metavar="CODES",
              help="Rules to enable (codes, names, prefixes like FML1, tags, ALL); "
                   "replaces the configured selection.")
@click.option("--extend-select", multiple=True, metavar="CODES",
              help="Rules to enable on top of the selection.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Rules to disable.")
@click.option("--format", "--output-format", "fmt", type=click.Choice(FORMATS), default="text",
              show_default=True,
              help="Report format (--statistics, --diff and --list-rules: text or json).")
@click.option("--output-file", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the report to FILE; a one-line summary still goes to the terminal.")
@click.option("--fix", is_flag=True, help="Apply safe fixes to the files.")
@click.option("--unsafe-fixes", is_flag=True,
              help="Apply unsafe fixes too (they may change behaviour or a tool's schema).")
@click.option("--diff", is_flag=True,
              help="Print a unified diff of what --fix would change; write nothing.")
@click.option("--fix-only", is_flag=True,
              help="Apply fixes, but don't report the problems that remain (exit 0).")
@click.option("--show-fixes", is_flag=True,
              help="List the problems the fixes removed (or, without --fix, would remove).")
@click.option("--add-noqa", is_flag=True,
              help="Add a `# noqa: CODE` comment for every problem found, and exit.")
@click.option("--exclude", multiple=True, metavar="PATTERNS",
              help="Gitignore-style patterns of paths to skip; replaces the configured and "
                   "default excludes.")
@click.option("--extend-exclude", multiple=True, metavar="PATTERNS",
              help="Patterns of paths to skip, on top of the configured excludes.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--fail-on", type=click.Choice(["error", "warning"]),
              help="Lowest severity that fails the run (default: warning, from config).")
@click.option("--statistics", is_flag=True,
              help="Print how many problems of each code were found, instead of the report.")
@click.option("--baseline", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="Report only problems that are not recorded in FILE (see --write-baseline).")
@click.option("--write-baseline", "baseline_out",
              type=click.Path(path_type=Path, dir_okay=False),
              metavar="FILE", help="Record every current problem in FILE and exit 0.")
@click.option("--tool-baseline", type=click.Path(path_type=Path, dir_okay=False),
              metavar="FILE", help="Report tools, resources and prompts whose interface changed "
                                   "incompatibly since the snapshot in FILE (FML710).")
@click.option("--write-tool-baseline", "tool_baseline_out",
              type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="Write a snapshot of every server's tools, resources and prompts to FILE "
                   "and exit 0.")
@click.option("--report-unused-noqa", is_flag=True,
              help="Report `# noqa` directives that suppress nothing (FML001).")
@click.option("--include-tests", is_flag=True,
              help="Lint test code too (skipped by default; config: lint-tests = true).")
@click.option("--quiet", "-q", is_flag=True, help="Print only the diagnostics, no summary.")
@click.option("--verbose", "-v", is_flag=True, help="Show tracebacks of internal errors.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), metavar="N",
              help="Worker processes (default: one per CPU; small runs use one).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache.")
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Read settings from FILE instead of the nearest pyproject.toml.")
@click.option("--stdin-filename", type=click.Path(path_type=Path), metavar="PATH",
              help="With `-` as the path: the file the text read from stdin stands for "
                   "(its config, per-file ignores and project apply).")
@click.option("--lsp", is_flag=True,
              help="Run the language server on stdin/stdout (needs the `lsp` extra).")
@click.option("--show-settings", type=click.Path(path_type=Path), metavar="PATH",
              help="Show which config applies to PATH and its resolved settings, and exit.")
@click.option("--list-rules", is_flag=True, help="List every available rule and exit.")
@click.option("--explain", "explain_rule", metavar="CODE|NAME",
              help="Show a rule's documentation and exit.")
@click.version_option(__version__, "--version", prog_name="fastmcp-lint",
                      message="%(prog)s %(version)s")
def command(paths: tuple[Path, ...], select: tuple[str, ...], extend_select: tuple[str, ...],
            ignore: tuple[str, ...], fmt: str, output_file: Path | None, fix: bool,
            unsafe_fixes: bool, diff: bool, fix_only: bool, show_fixes: bool, add_noqa: bool,
            exclude: tuple[str, ...], extend_exclude: tuple[str, ...], exit_zero: bool,
            fail_on: str | None, statistics: bool, baseline: Path | None,
            baseline_out: Path | None, tool_baseline: Path | None,
            tool_baseline_out: Path | None, report_unused_noqa: bool, include_tests: bool,
            quiet: bool, verbose: bool, jobs: int | None, no_cache: bool, config_file: Path | None,
            stdin_filename: Path | None, lsp: bool, show_settings: Path | None,
            list_rules: bool, explain_rule: str | None) -> int:
    """Check FastMCP servers for production problems (default path: the current folder).

    Exit status: 0 clean, 1 findings, 2 usage or configuration error.
    """
    options = RunOptions(
        paths=paths or (Path("."),),
        select=_selectors(select) if select else None,
        extend_select=_selectors(extend_select),
        ignore=_selectors(ignore),
        config_file=config_file,
        fail_on=fail_on,
        exit_zero=exit_zero,
        verbose=verbose,
        fix=fix or fix_only,
        unsafe_fixes=unsafe_fixes,
        diff=diff,
        report_unused_noqa=report_unused_noqa,
        include_tests=include_tests,
        baseline=baseline if baseline_out is None else None,
        tool_baseline=tool_baseline if tool_baseline_out is None else None,
        jobs=jobs,
        no_cache=no_cache,
        progress=_progress if fmt == "text" and not quiet and output_file is None else None,
        exclude=_selectors(exclude) if exclude else None,
        extend_exclude=_selectors(extend_exclude),
    )
    if show_settings is not None:
        from fastmcp_preflight.running.show_settings import render, resolved_settings

        click.echo(render(resolved_settings(options, show_settings), fmt), nl=False)
        return EXIT_CLEAN
    if list_rules or explain_rule:
        from fastmcp_preflight.plugins.docs import explain, rules_json, rules_lines
        from fastmcp_preflight.plugins.meta_codes import find_meta_code

        config, registry = load(options)
        listed = list(registry.rules.values())
        if select or extend_select or ignore:  # the rules this selection would run
            from fastmcp_preflight.running.pipeline import enabled_rules

            listed = enabled_rules(options, config, registry)
        if explain_rule:
            rule = registry.find(explain_rule) or find_meta_code(explain_rule)
            if rule is None:
                raise UserError(f"--explain: unknown rule '{explain_rule}' (see --list-rules)")
            click.echo(explain(rule), nl=False)
        elif fmt == "json":
            click.echo(rules_json(listed), nl=False)
        else:
            click.echo(rules_lines(listed), nl=False)
        return EXIT_CLEAN
    if baseline_out is not None and diff:
        raise UserError("--write-baseline records findings; it cannot be used with --diff")
    if add_noqa and (options.fixing or baseline_out is not None):
        raise UserError("--add-noqa cannot be used with --fix, --diff or --write-baseline")
    if lsp:
        return _language_server(paths)
    if Path("-") in paths or stdin_filename is not None:
        return _stdin_command(paths, options, stdin_filename, fmt, output_file, quiet,
                              statistics, baseline_out)
    run = lint(options)
    result, config, outcomes = run.result, run.config, run.outcomes
    for folder in run.empty_folders:
        click.echo(f"fastmcp-lint: warning: no Python files found in {folder}", err=True)
    if verbose:
        for project in run.targets:
            click.echo(f"fastmcp-lint: target versions of {project.root or '.'}:", err=True)
            for target in project.targets:
                click.echo(f"fastmcp-lint:   {target.describe()}", err=True)
    if add_noqa:
        return _add_noqa(run)
    if tool_baseline_out is not None:
        from fastmcp_preflight.project.tool_snapshot import write_snapshot

        count = write_snapshot(tool_baseline_out, run.result.facts)
        click.echo(f"fastmcp-lint: recorded {count} tools, resources and prompts in "
                   f"{tool_baseline_out}", err=True)
        return EXIT_CLEAN
    if baseline_out is not None:
        from fastmcp_preflight.running.baseline import write_baseline

        count = write_baseline(baseline_out, run.all_diagnostics)
        click.echo(f"fastmcp-lint: recorded {count} problem{'s' if count != 1 else ''} in "
                   f"{baseline_out}", err=True)
        return EXIT_CLEAN
    names = {rule.code: rule.name for rule in run.rules}
    if diff:
        return _diff(run, fmt, quiet, exit_zero, show_fixes, names)
    fixed = sum(outcome.fixed for outcome in outcomes if outcome.changed)
    fix_note = f"Fixed {fixed} problem{'s' if fixed != 1 else ''}." if options.fixing else None
    if show_fixes:
        _show_fixes(run, options, names)
    if fix_only:
        refused = [error for outcome in outcomes for error in outcome.errors]
        for error in refused:
            click.echo(f"fastmcp-lint: {error.path}: {error.message}", err=True)
        if not quiet and not show_fixes:
            click.echo(f"fastmcp-lint: {fix_note}", err=True)
        return EXIT_FINDINGS if refused and not exit_zero else EXIT_CLEAN
    summary = summary_of(result, run)
    if quiet and fmt == "text":
        fmt = "concise"
    in_report = fmt == "text" and not statistics and output_file is None
    notes = [note for note in (summary.baseline.note() if summary.baseline else None,
                               summary.skipped_note()) if note is not None]
    notes = [] if quiet or in_report else notes
    if output_file is not None:
        sink = io.StringIO()

        def to_sink() -> Console:
            from rich.console import Console

            return Console(file=sink, no_color=True, width=100)

        text = _render(summary, fmt, to_sink, fix_note, statistics)
        text = sink.getvalue() if text is None else text
        try:
            output_file.write_text(text, encoding="utf-8")
        except OSError as error:
            raise UserError(f"--output-file: cannot write {output_file}: "
                            f"{error.strerror or error}") from None
        if not quiet:
            count = len(summary.diagnostics)
            click.echo(f"fastmcp-lint: {count} problem{'s' if count != 1 else ''} in "
                       f"{summary.files} file{'s' if summary.files != 1 else ''}; "
                       f"report written to {output_file}", err=True)
    else:
        text = _render(summary, fmt, _console, fix_note, statistics)
        if fix_note is not None and (fmt != "text" or statistics) and not quiet:
            click.echo(f"fastmcp-lint: {fix_note}", err=True)
        if text is not None:
            sys.stdout.write(text)
    for note in notes:
        click.echo(f"fastmcp-lint: {note}", err=True)
    return exit_status(result.diagnostics, options, config, run.fail_on)


def _diff(run: LintRun, fmt: str, quiet: bool, exit_zero: bool, show_fixes: bool,
          names: dict[str, str]) -> int:
    """`--diff`: what --fix would change, as a unified diff or (`--format json`) a list."""
    outcomes = run.outcomes
    changed = [outcome for outcome in outcomes if outcome.changed]
    refused = [error for outcome in outcomes for error in outcome.errors]
    count = sum(outcome.fixed for outcome in changed)
    if fmt == "json":
        import json

        sys.stdout.write(json.dumps({
            "fixes": count,
            "files": [{"path": outcome.path, "fixes": outcome.fixed,
                       "fixed": dict(sorted(outcome.fixed_codes.items())),
                       "diff": outcome.diff()} for outcome in changed],
            "errors": [{"path": error.path, "message": error.message} for error in refused],
        }, indent=2) + "\n")
    else:
        sys.stdout.write("".join(outcome.diff() for outcome in changed))
    if show_fixes:
        from fastmcp_preflight.reports.fix_list import render_fix_list

        click.echo(render_fix_list("Would fix", [(o.path, o.fixed_codes) for o in changed],
                                   names), err=True, nl=False)
    if not quiet:
        click.echo(f"fastmcp-lint: {count} fix{'es' if count != 1 else ''} would be applied "
                   f"to {len(changed)} file{'s' if len(changed) != 1 else ''}", err=True)
    for error in refused:
        click.echo(f"fastmcp-lint: {error.path}: {error.message}", err=True)
    return EXIT_FINDINGS if (changed or refused) and not exit_zero else EXIT_CLEAN


def _show_fixes(run: LintRun, options: RunOptions, names: dict[str, str]) -> None:
    """`--show-fixes`: the findings the fixes removed, or without --fix the ones they would."""
    from fastmcp_preflight.reports.fix_list import render_fix_list

    if options.fixing:
        files = [(o.path, o.fixed_codes) for o in run.outcomes if o.changed]
        click.echo(render_fix_list("Fixed", files, names) or "fastmcp-lint: nothing to fix",
                   err=True, nl=False)
        return
    allowed = options.allowed_fixes
    by_file: dict[str, dict[str, int]] = {}
    for d in run.result.diagnostics:
        if d.fix is not None and d.fix.applicability in allowed:
            codes = by_file.setdefault(d.path, {})
            codes[d.code] = codes.get(d.code, 0) + 1
    option = "--unsafe-fixes" if options.unsafe_fixes else "--fix"
    click.echo(render_fix_list(f"{option} would fix", list(by_file.items()), names)
               or f"fastmcp-lint: nothing that {option} would fix\n", err=True, nl=False)


def _add_noqa(run: LintRun) -> int:
    """`--add-noqa`: silence every finding in place; exit 1 only if some could not be."""
    from fastmcp_preflight.running.add_noqa import add_noqa

    outcomes = add_noqa(run.files, run.result.diagnostics)
    added = sum(outcome.added for outcome in outcomes)
    files = sum(1 for outcome in outcomes if outcome.added)
    click.echo(f"fastmcp-lint: added {added} noqa code{'s' if added != 1 else ''} to "
               f"{files} file{'s' if files != 1 else ''}", err=True)
    problems = [(outcome.path, problem) for outcome in outcomes for problem in outcome.problems]
    for path, problem in problems:
        click.echo(f"fastmcp-lint: {path}: {problem}", err=True)
    return EXIT_FINDINGS if problems else EXIT_CLEAN
def _language_server(paths: Sequence[Path]) -> int:
    """`--lsp`: serve the editor on stdin/stdout until it says exit."""
    if paths:
        raise UserError("--lsp takes no paths (the editor names the files)")
    try:
        from fastmcp_preflight.lsp.server import serve
    except ImportError as error:
        if error.name is None or not error.name.startswith(("pygls", "lsprotocol")):
            raise
        raise UserError("--lsp needs pygls; install the extra: "
                        "pip install 'fastmcp-preflight[lsp]'") from None
    return serve()


def _stdin_command(paths: Sequence[Path], options: RunOptions, filename: Path | None, fmt: str,
                   output_file: Path | None, quiet: bool, statistics: bool,
                   baseline_out: Path | None) -> int:
    """`fastmcp-lint - --stdin-filename PATH`: lint the text on stdin as the file at PATH.

    The report goes to stdout, or with `--fix` the fixed text does and the report goes to
    stderr (as ruff does); `--diff` prints the diff.
    """
    from fastmcp_preflight.running.buffers import Buffer, linter_for
    from fastmcp_preflight.source.reading import SourceError, decode

    if tuple(paths) not in ((), (Path("-"),)):
        raise UserError("`-` (stdin, named by --stdin-filename) cannot be combined with "
                        "other paths")
    if baseline_out is not None:
        raise UserError("--write-baseline records a project's findings; not from stdin")
    data = sys.stdin.buffer.read()
    linter = linter_for(options, filename)
    buffer = Buffer(filename, "")
    try:
        source = decode(data)
    except SourceError as error:
        from fastmcp_preflight.running.results import RunResult, syntax_error

        run = linter.run_of(RunResult(1, [syntax_error(buffer.display, str(error), error.line,
                                                     error.column)]))
        source = None
    if source is not None:
        buffer = Buffer(filename, source.text)
        if options.fix or options.unsafe_fixes:
            run, outcome = linter.fix(buffer, options.allowed_fixes)
            buffer = Buffer(filename, outcome.after)  # what the report's lines come from
            out = sys.stdout.buffer
            try:
                out.write(source.encode(outcome.after))
            except SourceError:
                out.write(data)  # unchanged: the text can't be given back in its encoding
            out.flush()
        elif options.diff:
            run, outcome = linter.fix(buffer, options.allowed_fixes)
            sys.stdout.write(outcome.diff())
            return EXIT_FINDINGS if outcome.changed and not options.exit_zero else EXIT_CLEAN
        else:
            run = linter.lint(buffer)
    if options.baseline is not None:
        from fastmcp_preflight.running.baseline import Baseline

        kept, _, _ = Baseline.load(options.baseline).split(run.result.diagnostics)
        run.result.diagnostics = kept
    summary = dataclasses.replace(summary_of(run.result, run),
                                  texts={d.path: buffer.text for d in run.result.diagnostics})
    if quiet and fmt == "text":
        fmt = "concise"
    to_stderr = (options.fix or options.unsafe_fixes) and source is not None
    if output_file is not None or to_stderr:
        sink = io.StringIO()

        def to_sink() -> Console:
            from rich.console import Console

            return Console(file=sink, no_color=True, width=100)

        text = _render(summary, fmt, to_sink, None, statistics)
        text = sink.getvalue() if text is None else text
        if output_file is not None:
            try:
                output_file.write_text(text, encoding="utf-8")
            except OSError as error:
                raise UserError(f"--output-file: cannot write {output_file}: "
                                f"{error.strerror or error}") from None
        elif not quiet or summary.diagnostics:
            sys.stderr.write(text)
    else:
        text = _render(summary, fmt, _console, None, statistics)
        if text is not None:
            sys.stdout.write(text)
    return exit_status(run.result.diagnostics, options, run.config)


#: Below this many files a run is too short for a progress bar to help.
PROGRESS_MIN_FILES = 300


def _progress(total: int) -> Callable[[int], None]:
    """A progress bar on stderr, only on a terminal and for long runs; it erases itself."""
    if total < PROGRESS_MIN_FILES:
        return lambda _: None
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    console = Console(stderr=True)
    if not console.is_terminal:
        return lambda _: None
    bar = Progress(TextColumn("checking"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=console, transient=True)
    task = bar.add_task("checking", total=total)
    bar.start()

    def advance(count: int) -> None:
        bar.advance(task, count)
        if bar.finished:
            bar.stop()

    return advance


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the command, turning every user error into one line and exit 2."""
    # A path the terminal's encoding can't show (a Japanese file name on a cp1252 console, an
    # undecodable name on an ASCII one) is printed escaped, never a UnicodeEncodeError.
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        with contextlib.suppress(Exception):
            reconfigure(errors="backslashreplace")
    try:
        with collections_spaced():
            status = command.main(args=list(argv) if argv is not None else None,
                                  prog_name="fastmcp-lint", standalone_mode=False)
    except UserError as error:
        click.echo(f"fastmcp-lint: error: {error}", err=True)
        sys.exit(EXIT_ERROR)
    except click.exceptions.Abort:
        click.echo("fastmcp-lint: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as error:
        click.echo(f"fastmcp-lint: error: {error.format_message()}", err=True)
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        click.echo("fastmcp-lint: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(EXIT_ERROR)
    code = status if isinstance(status, int) else EXIT_CLEAN
    if argv is None and _may_end_at_once():  # the process's own command line
        _end_process(code)
    sys.exit(code)


#: Set (to anything but "" or "0") to end the process normally, running exit handlers.
NO_FAST_EXIT = "FASTMCP_LINT_NO_FAST_EXIT"


def _may_end_at_once() -> bool:
    """Whether nothing needs the interpreter's normal shutdown: not under coverage (which
    writes its data at exit), and not when the user asked for exit handlers to run (a
    plugin's `atexit`, a profiler)."""
    if os.environ.get(NO_FAST_EXIT, "") not in ("", "0"):
        return False
    return "coverage" not in sys.modules and sys.gettrace() is None


def _end_process(code: int) -> NoReturn:
    """End the process at once, with `code`, once the output is flushed.

    Tearing the interpreter down (every module, every file's facts, a last full collection)
    took 35-50 ms of a half-second pre-commit run; mypy ends the same way. Everything the run
    writes (reports, cache entries, fixed files) is closed by now.
    """
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # the reader went away, as in `main`
        code = EXIT_ERROR
    except ValueError:  # closed already: the language server closes stdout when it exits
        pass
    os._exit(code)
