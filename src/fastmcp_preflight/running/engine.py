"""One process's worker: a file on disk in, its result out, through the cache.

Reads and hashes each file once: a cache miss takes the bytes and digest the run's lookup
already has (or reads and hashes them here) and hands the text to the pure `Checker`; the
result is stored under the key of exactly the bytes that were checked. The project phase
is not here: see `project_phase` (and `pipeline`, the run orchestrator).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from fastmcp_preflight.api import Applicability, BaseRule, Diagnostic
from fastmcp_preflight.project.facts import FileFacts, Location
from fastmcp_preflight.project.modules import module_name_for, virtual_module_name
from fastmcp_preflight.running.cache import Cache
from fastmcp_preflight.running.checker import Checker, visitor_names
from fastmcp_preflight.running.fileindex import content_digest
from fastmcp_preflight.running.fixes import fix_text
from fastmcp_preflight.running.project_phase import ProjectPhase
from fastmcp_preflight.running.results import (
    FML000,
    FML000_NAME,
    FileResult,
    RunResult,
    Settings,
    syntax_error,
)
from fastmcp_preflight.source.reading import SourceError, decode, read_bytes

#: What a file read for the run brings along: the digest of its bytes and the bytes, when
#: the run's cache lookup had to read them (a miss then neither reads nor hashes again).
Known = tuple[str, bytes | None] | None


class Engine:
    """Checks files on disk with a fixed set of rules, through the cache; one per process.

    `settings` are the settings files get when the run passes none of their own.
    """

    def __init__(self, rules: Sequence[type[BaseRule]], settings: Settings | None = None,
                 cache: Cache | None = None) -> None:
        self.rules = tuple(rules)
        self.cache = cache
        self.settings = settings or Settings()
        self.checker = Checker(self.rules, self.settings)

    def lint_path(self, path: Path, display: str, settings: Settings | None = None,
                  known: Known = None) -> FileResult:
        """Lint one file, through the cache when the engine has one."""
        return self.lint_keyed(path, display, settings, known)[1]

    def lint_keyed(self, path: Path, display: str, settings: Settings | None = None,
                   known: Known = None) -> tuple[str | None, FileResult]:
        """(the cache key of the bytes checked, the file's result)."""
        settings = settings or self.settings
        try:
            digest, data = self._read(path, known)
        except SourceError as error:
            return None, FileResult(display, [syntax_error(display, str(error), error.line,
                                                           error.column)], None)
        module, package = module_name_for(path.absolute())
        key = (self.cache.key_of(digest, display, module, False, settings)
               if self.cache is not None and digest is not None else None)
        if key is not None and self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                return key, FileResult(display, *hit)
        try:
            result = self.checker.check(decode(data), display, module, package, settings)
        except SourceError as error:
            result = FileResult(display, [syntax_error(display, str(error), error.line,
                                                       error.column)], None)
        if key is not None and self.cache is not None:
            self.cache.put(key, result.diagnostics, result.facts, result.suppressions)
        return key, result

    def project_facts(self, path: Path, display: str, settings: Settings | None = None,
                      known: Known = None) -> FileFacts | None:
        """Facts of a project file that is not being linted (so project rules still see it)."""
        return self.facts_keyed(path, display, settings, known)[1]

    def facts_keyed(self, path: Path, display: str, settings: Settings | None = None,
                    known: Known = None) -> tuple[str | None, FileFacts | None]:
        settings = settings or self.settings
        try:
            digest, data = self._read(path, known)
        except SourceError:
            return None, None
        module_name, package = module_name_for(path.absolute())
        cache = self.cache
        key = (cache.key_of(digest, display, module_name, True, settings)
               if cache is not None and digest is not None else None)
        if key is not None and cache is not None and digest is not None:
            for candidate in (cache.key_of(digest, display, module_name, False, settings),
                              key):
                hit = cache.get(candidate)
                if hit is not None:
                    return candidate, hit[1]
        try:
            facts = self.checker.facts_only(decode(data), display, module_name, package)
        except SourceError:
            facts = None
        if key is not None and cache is not None:
            cache.put(key, [], facts)
        return key, facts

    def _read(self, path: Path, known: Known) -> tuple[str | None, bytes]:
        """The file's digest (None without a cache: nothing needs it) and bytes: read and
        hashed here only when the run's lookup did not already. Raises SourceError."""
        if known is not None and known[1] is not None:
            return known[0], known[1]
        data = read_bytes(path)
        return (content_digest(data) if self.cache is not None else None), data


# -- the API used by tests and by plugin authors' tests --------------------------------------


def lint_source(code: str, rules: Sequence[type[BaseRule]], path: str = "server.py",
                settings: Settings | None = None) -> list[Diagnostic]:
    """Lint one in-memory file as a whole project (examples, fixtures, plugins' own tests),
    through the same project phase as a run."""
    return lint_sources([(path, code)], rules, settings).diagnostics


def lint_sources(files: Sequence[tuple[str, str]], rules: Sequence[type[BaseRule]],
                 settings: Settings | None = None, reported: int | None = None) -> RunResult:
    """Lint in-memory files (path, code) as one project; only the first `reported` (all,
    when None) are reported, the others are context."""
    checker = Checker(rules, settings)
    phase = ProjectPhase(rules, lambda _: checker.settings)
    results: list[FileResult] = []
    for path, code in files:
        try:
            source = decode(code.encode("utf-8"))
        except SourceError as error:
            results.append(FileResult(path, [syntax_error(path, str(error), error.line)], None))
            continue
        results.append(checker.check(source, path, *virtual_module_name(path)))
    count = len(results) if reported is None else reported
    context = [r.facts for r in results[count:] if r.facts is not None]
    return phase.conclude(results[:count], context).result


def lint_paths(files: Sequence[tuple[Path, str]], rules: Sequence[type[BaseRule]],
               settings: Settings | None = None) -> RunResult:
    """Lint files on disk (path, display path) as one run in this process, without a
    cache (the testing harness's fixture folders)."""
    engine = Engine(rules, settings)
    results = [engine.lint_path(path, display) for path, display in files]
    return ProjectPhase(rules, lambda _: engine.settings).conclude(results).result


def fix_source(code: str, rules: Sequence[type[BaseRule]], path: str = "server.py",
               allow: Iterable[Applicability] = ("safe",), max_passes: int = 10,
               settings: Settings | None = None) -> str:
    """Apply fixes until nothing changes (bounded); never returns source that doesn't parse."""
    allowed = tuple(allow)
    for _ in range(max_passes):
        diagnostics = lint_source(code, rules, path, settings)
        fixed = fix_text(code, diagnostics, allowed)
        if fixed is None or fixed == code:
            return code
        code = fixed
    return code


__all__ = ["FML000", "FML000_NAME", "Checker", "Engine", "FileResult", "Location", "RunResult",
           "Settings", "fix_source", "lint_paths", "lint_source", "lint_sources", "module_name_for",
           "syntax_error", "virtual_module_name", "visitor_names"]
