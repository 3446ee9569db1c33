"""Spreading a run's files over worker processes; the engine does each file's work.

First every file is looked up in the cache, in this process; when all are found and so is
the project phase for exactly these entries, the run is assembled from the cache without
building an engine (which imports the rules and LibCST). A handful of files to check (the
pre-commit case) is checked in this process: starting workers would cost more than it
saves. Otherwise files go to a pool of forked workers in chunks, each worker building its
own engine (and sharing the on-disk cache). A worker that dies
(a crash in native code) loses nothing but the file that killed it: the chunks it had are
checked again one file per process, and that file becomes an FML000 diagnostic.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from fastmcp_preflight.api import BaseRule
from fastmcp_preflight.project.facts import FileFacts
from fastmcp_preflight.project.modules import ModuleNames
from fastmcp_preflight.project.projects import Projects
from fastmcp_preflight.running.cache import Cache, Output
from fastmcp_preflight.running.collector import collector_paused
from fastmcp_preflight.running.results import (
    Conditions,
    FileResult,
    RunResult,
    Settings,
    assemble,
    syntax_error,
)

if TYPE_CHECKING:
    import multiprocessing.context
    from concurrent.futures import ProcessPoolExecutor

    from fastmcp_preflight.running.engine import Engine

#: Below this many files, one process is faster than a pool.
PARALLEL_MIN_FILES = 48

Task = tuple[Path, str, bool]  # path, display path, facts only (a context file)
Spec = tuple[tuple[type[BaseRule], ...], Settings, Path | None, str]
Progress = Callable[[int], None]


class LazyEngine:
    """A run's engine, built on first use: building it imports the rules (and LibCST),
    which a run whose every file is cached never needs."""

    def __init__(self, build: Callable[[], Engine], cache: Cache | None,
                 project: bool) -> None:
        """`project`: whether context files matter (a project rule, or a file rule whose
        findings the project's conditions decide, is enabled)."""
        self._build = build
        self._engine: Engine | None = None
        self.cache = cache
        self.project = project
        #: The projects' conditions, once a run has assembled its result without an
        #: engine; an engine built later (for --fix) gets them.
        self.conditions: Conditions | None = None
        self.projects = Projects()

    @classmethod
    def of(cls, engine: Engine) -> LazyEngine:
        return cls(lambda: engine, engine.cache, bool(engine.rules))

    def get(self) -> Engine:
        if self._engine is None:
            self._engine = self._build()
            if self.conditions is not None:
                self._engine.conditions = self.conditions
        return self._engine


def _one(engine: Engine, task: Task) -> Output:
    path, display, facts_only = task
    return engine.project_facts(path, display) if facts_only else engine.lint_path(path, display)


def _work(spec: Spec, chunk: Sequence[Task]) -> list[Output]:
    """A worker's job: its own engine over a chunk of files."""
    from fastmcp_preflight.running.engine import Engine  # LibCST: only where files are checked

    rules, settings, cache_dir, run_fingerprint = spec
    cache = Cache(cache_dir, run_fingerprint) if cache_dir is not None else None
    engine = Engine(rules, settings, cache)
    return [_one(engine, task) for task in chunk]


def _died(task: Task) -> Output:
    _, display, facts_only = task
    if facts_only:
        return None
    return FileResult(display, [syntax_error(
        display, "the checking process died on this file (a crash in the parser?); "
                 "the other files were checked")], None)


def _isolated(spec: Spec, chunk: Sequence[Task],
              context: multiprocessing.context.BaseContext) -> list[Output]:
    """Check each file of a chunk in a process of its own, to find the one that kills it."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    outputs: list[Output] = []
    for task in chunk:
        try:
            with ProcessPoolExecutor(1, mp_context=context, initializer=_ignore_sigint) as pool:
                try:
                    outputs.extend(pool.submit(_work, spec, [task]).result())
                except BaseException:
                    _stop(pool)
                    raise
        except BrokenProcessPool:
            outputs.append(_died(task))
    return outputs


def _ignore_sigint() -> None:
    """In a worker: leave Ctrl-C to the parent (see `_stop`). A worker that got it would
    hand a KeyboardInterrupt back as a chunk's result and go on with the next chunk."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Kill the workers and drop the chunks not started, so an interrupted run ends at
    once. Cache entries are written with a rename, so a killed worker never leaves one half
    written (at most a stray temporary file in the cache folder); `--fix` writes files in
    the parent, never in a worker."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


def _chunks(tasks: Sequence[Task], jobs: int) -> list[Sequence[Task]]:
    size = max(4, min(64, len(tasks) // (jobs * 8) or 1))
    return [tasks[start:start + size] for start in range(0, len(tasks), size)]


def _run(source: LazyEngine, tasks: Sequence[Task], jobs: int,
         progress: Progress) -> RunResult:
    """Cached results straight from the cache in this process; the rest computed; then
    the project phase, from the cache too when every file's entry is the same."""
    cache = source.cache
    names = ModuleNames()
    outputs: list[Output] = [None] * len(tasks)
    keys: list[str | None] = [None] * len(tasks)
    missing: list[int] = []
    with collector_paused():
        for index, (path, display, facts_only) in enumerate(tasks):
            found = (cache.lookup(path, display, names.of(path)[0], facts_only)
                     if cache is not None else None)
            if found is not None:
                keys[index], outputs[index] = found
                progress(1)
            else:
                missing.append(index)
        if cache is not None and not missing:
            project_key = _project_key(cache, tasks, keys)
            project = cache.get(project_key)
            if project is not None:
                cache.index.save()
                results, facts = _split(outputs)
                result, source.conditions = assemble(results, facts, project[0],
                                                     source.projects)
                cache.prune([*keys, project_key], len(tasks))
                return result
        engine = source.get()
    computed = _compute(engine, [tasks[index] for index in missing], jobs, progress)
    for index, output in zip(missing, computed, strict=True):
        outputs[index] = output
    results, facts = _split(outputs)
    with collector_paused():
        diagnostics = engine.project_phase(results, facts)
        result, engine.conditions = assemble(results, facts, diagnostics, engine.projects)
    if cache is not None:
        for index in missing:  # the entries the computed files have now...
            path, display, facts_only = tasks[index]
            key = cache.entry_key(path, display, names.of(path)[0], facts_only)
            # ...if they hold what was computed: a file changed during the run must not
            # pair its new entry with the old facts (in the project key or the pack)
            if key is not None and cache.get_facts(key) != (_facts_of(outputs[index]),):
                key = None
            keys[index] = key
        if all(key is not None for key in keys):
            cache.put(_project_key(cache, tasks, keys), diagnostics, None)
        cache.update_pack({key: _facts_of(output) for key, output in zip(keys, outputs,
                                                                          strict=True)
                           if key is not None})
        cache.index.save()
        cache.prune([*keys, _project_key(cache, tasks, keys)], len(tasks))
    return result


def _facts_of(output: Output) -> FileFacts | None:
    return output.facts if isinstance(output, FileResult) else output


def _project_key(cache: Cache, tasks: Sequence[Task], keys: Sequence[str | None]) -> str:
    return cache.project_key([(display, facts_only, key or "")
                              for (_, display, facts_only), key in zip(tasks, keys, strict=True)])


def _split(outputs: Sequence[Output]) -> tuple[list[FileResult], list[FileFacts]]:
    return ([o for o in outputs if isinstance(o, FileResult)],
            [o for o in outputs if isinstance(o, FileFacts)])


def _serial(engine: Engine, tasks: Sequence[Task], progress: Progress) -> list[Output]:
    outputs: list[Output] = []
    for task in tasks:
        outputs.append(_one(engine, task))
        progress(1)
    return outputs


def _compute(engine: Engine, tasks: Sequence[Task], jobs: int,
             progress: Progress) -> list[Output]:
    if jobs <= 1 or len(tasks) < PARALLEL_MIN_FILES:
        return _serial(engine, tasks, progress)
    # Imported only here: worker pools cost a pre-commit run's start-up time for nothing.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    cache = engine.cache
    spec: Spec = (engine.rules, engine.settings, cache.root if cache else None,
                  cache.fingerprint if cache else "")
    method = worker_start_method()
    if method != "fork" and not _picklable(spec):
        return _serial(engine, tasks, progress)  # a rule a fresh process could not import
    context = multiprocessing.get_context(method)
    chunks = _chunks(tasks, jobs)
    done: dict[int, list[Output]] = {}
    broken: list[int] = []
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_ignore_sigint) as pool:
        try:
            futures = {pool.submit(_work, spec, chunk): index
                       for index, chunk in enumerate(chunks)}
            for future in as_completed(futures):
                index = futures[future]
                try:
                    done[index] = future.result()
                except BrokenProcessPool:
                    broken.append(index)
                    continue
                progress(len(chunks[index]))
        except BaseException:  # Ctrl-C: stop now, not when the queued chunks are done
            _stop(pool)
            raise
    for index in sorted(broken):
        done[index] = _isolated(spec, chunks[index], context)
        progress(len(chunks[index]))
    return [output for index in range(len(chunks)) for output in done[index]]


def worker_start_method() -> str:
    """How worker processes start: forked on Linux (cheap, and the parent's imports come
    along), spawned elsewhere: macOS's system libraries are not safe to use after a fork,
    and Windows has no fork."""
    import multiprocessing

    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return "fork"
    return "spawn"


def _picklable(spec: Spec) -> bool:
    """Whether a spawned worker can be handed the rules (each class is pickled by its
    module's name: a rule defined in `__main__` or a script is not)."""
    import pickle

    try:
        pickle.dumps(spec)
    except Exception:
        return False
    return True


def lint_files(engine: Engine | LazyEngine, files: Sequence[tuple[Path, str]],
               context: Sequence[tuple[Path, str]] = (), *, jobs: int = 1,
               progress: Progress | None = None) -> RunResult:
    """Lint files (and read the facts of the project's other files) with `jobs` workers."""
    source = engine if isinstance(engine, LazyEngine) else LazyEngine.of(engine)
    tasks: list[Task] = [(path, display, False) for path, display in files]
    if source.project:
        tasks += [(path, display, True) for path, display in context]
    return _run(source, tasks, jobs, progress or (lambda _: None))
