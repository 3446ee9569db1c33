"""Spreading a run's files over worker processes; the engine does each file's work.

First every file is looked up in the cache (with its own settings), in this process; when
all are found and so is the project phase for exactly these entries, the run is assembled
from the cache without building an engine (which imports the rules and LibCST). A file the
lookup had to read goes to its check with its bytes and digest: it is read and hashed once.
A handful of files to check (the pre-commit case) is checked in this process: starting
workers would cost more than it saves. Otherwise files go to a pool of forked workers in
chunks, each worker building its own engine (and sharing the on-disk cache). A worker that
dies (a crash in native code) loses nothing but the file that killed it: the chunks it had
are checked again one file per process, and that file becomes an FML000 diagnostic.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fastmcp_preflight.api import BaseRule, Diagnostic
from fastmcp_preflight.project.facts import FileFacts, Via
from fastmcp_preflight.project.modules import ModuleNames
from fastmcp_preflight.running.cache import Cache, Output
from fastmcp_preflight.running.collector import collector_paused
from fastmcp_preflight.running.results import FileResult, Settings, syntax_error

if TYPE_CHECKING:
    import multiprocessing.context
    from concurrent.futures import ProcessPoolExecutor

    from fastmcp_preflight.running.engine import Engine, Known
    from fastmcp_preflight.running.project_phase import ProjectPhase

#: Below this many files, one process is faster than a pool.
PARALLEL_MIN_FILES = 48

#: A file of the run: path, display path, its settings, facts only (a context file), and
#: (digest, bytes) when the cache lookup read it.
Task = tuple[Path, str, Settings, bool, "Known"]
Spec = tuple[tuple[type[BaseRule], ...], Path | None, str]
Progress = Callable[[int], None]
#: A file's part of a run with the key of its cache entry (None: not stored).
Keyed = tuple[str | None, Output]


class LazyEngine:
    """A run's engine and project phase, built on first use: building them imports the
    rules (and LibCST), which a run whose every file is cached never needs."""

    def __init__(self, build: Callable[[], Engine], cache: Cache | None, project: bool,
                 phase: Callable[[Engine | None], ProjectPhase]) -> None:
        """`project`: whether context files matter (a project rule, or a file rule whose
        findings the project's conditions decide, is enabled);
        `phase`: the run's project phase, given its engine (None: only to assemble a
        result whose project findings come from the cache)."""
        self._build = build
        self._engine: Engine | None = None
        self.cache = cache
        self.project = project
        self._phase = phase

    def get(self) -> Engine:
        if self._engine is None:
            self._engine = self._build()
        return self._engine

    def phase(self, *, with_rules: bool = True) -> ProjectPhase:
        return self._phase(self.get() if with_rules else None)


@dataclass
class Checked:
    """Every file's part of a run (linted files' results, the context files' facts) and
    the project phase's findings over them (before conditions)."""

    results: list[FileResult]
    context: list[FileFacts]
    project_diagnostics: list[Diagnostic]
    #: The cache key of the run's project phase (None: no cache, or a file unreadable).
    project_key: str | None = None
    #: The conditions' answers a run with the same files gave (from the cache).
    answers: Mapping[str, bool | Via] | None = None


def _one(engine: Engine, task: Task) -> Keyed:
    path, display, settings, facts_only, known = task
    if facts_only:
        return engine.facts_keyed(path, display, settings, known)
    return engine.lint_keyed(path, display, settings, known)


def _work(spec: Spec, chunk: Sequence[Task]) -> list[Keyed]:
    """A worker's job: its own engine over a chunk of files."""
    from fastmcp_preflight.running.engine import Engine  # LibCST: only where files are checked

    rules, cache_dir, run_fingerprint = spec
    cache = Cache(cache_dir, run_fingerprint) if cache_dir is not None else None
    engine = Engine(rules, None, cache)
    return [_one(engine, task) for task in chunk]


def _died(task: Task) -> Keyed:
    _, display, _, facts_only, _ = task
    if facts_only:
        return None, None
    return None, FileResult(display, [syntax_error(
        display, "the checking process died on this file (a crash in the parser?); "
                 "the other files were checked")], None)


def _isolated(spec: Spec, chunk: Sequence[Task],
              context: multiprocessing.context.BaseContext) -> list[Keyed]:
    """Check each file of a chunk in a process of its own, to find the one that kills it."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    outputs: list[Keyed] = []
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
         progress: Progress) -> Checked:
    """Cached results straight from the cache in this process (each file read and hashed
    at most once, and only when its stat is not in the file index); the rest checked,
    handed the bytes the lookup read; then the project phase, from the cache too when
    every file's entry is the same."""
    cache = source.cache
    names = ModuleNames()
    outputs: list[Keyed] = [(None, None)] * len(tasks)
    missing: list[int] = []
    with collector_paused(long_lived=True):
        if cache is not None:
            tasks = list(tasks)
            for index, (path, display, settings, facts_only, _) in enumerate(tasks):
                found, known = cache.lookup(path, display, names.of(path)[0], facts_only,
                                            settings)
                if found is not None:
                    outputs[index] = found
                    progress(1)
                else:
                    tasks[index] = (path, display, settings, facts_only, known)
                    missing.append(index)
        else:
            missing = list(range(len(tasks)))
        keys = [key for key, _ in outputs]
        if cache is not None and not missing:
            project_key = _project_key(cache, tasks, keys)
            project = cache.get(project_key)
            if project is not None:
                cache.index.save()
                cache.prune([*keys, project_key, cache.answers_key(project_key)], len(tasks))
                return Checked(*_split(outputs), project[0], project_key,
                               cache.get_answers(project_key))
        engine = source.get()
    computed = _compute(engine, [tasks[index] for index in missing], jobs, progress)
    for index, output in zip(missing, computed, strict=True):
        outputs[index] = output
    results, facts = _split(outputs)
    with collector_paused(long_lived=True):  # the project index lives until the report
        diagnostics = source.phase().findings(results, facts)
    if cache is not None:
        # Each key is that of the bytes checked: a file changed during the run pairs its
        # new entry with nothing (its next run reads and checks it again).
        keys = [key for key, _ in outputs]
        stored: str | None = None
        if all(key is not None for key in keys):
            stored = _project_key(cache, tasks, keys)
            cache.put(stored, diagnostics, None)
        cache.update_pack({key: _facts_of(output) for key, output in outputs
                           if key is not None})
        cache.index.save()
        cache.prune([*keys, stored], len(tasks))
        return Checked(results, facts, diagnostics, stored)
    return Checked(results, facts, diagnostics)


def _facts_of(output: Output) -> FileFacts | None:
    return output.facts if isinstance(output, FileResult) else output


def _project_key(cache: Cache, tasks: Sequence[Task], keys: Sequence[str | None]) -> str:
    return cache.project_key([(display, facts_only, key or "")
                              for (_, display, _, facts_only, _), key
                              in zip(tasks, keys, strict=True)])


def _split(outputs: Sequence[Keyed]) -> tuple[list[FileResult], list[FileFacts]]:
    return ([o for _, o in outputs if isinstance(o, FileResult)],
            [o for _, o in outputs if isinstance(o, FileFacts)])


def _serial(engine: Engine, tasks: Sequence[Task], progress: Progress) -> list[Keyed]:
    outputs: list[Keyed] = []
    for task in tasks:
        outputs.append(_one(engine, task))
        progress(1)
    return outputs


def _compute(engine: Engine, tasks: Sequence[Task], jobs: int,
             progress: Progress) -> list[Keyed]:
    if jobs <= 1 or len(tasks) < PARALLEL_MIN_FILES:
        return _serial(engine, tasks, progress)
    # Imported only here: worker pools cost a pre-commit run's start-up time for nothing.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    cache = engine.cache
    spec: Spec = (engine.rules, cache.root if cache else None,
                  cache.fingerprint if cache else "")
    method = worker_start_method()
    if method != "fork" and not _picklable(spec):
        return _serial(engine, tasks, progress)  # a rule a fresh process could not import
    context = multiprocessing.get_context(method)
    chunks = _chunks(tasks, jobs)
    done: dict[int, list[Keyed]] = {}
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


def lint_files(engine: LazyEngine, files: Sequence[tuple[Path, str, Settings]],
               context: Sequence[tuple[Path, str, Settings]] = (), *, jobs: int = 1,
               progress: Progress | None = None) -> Checked:
    """Check files (path, display path, settings) and read the facts of the project's
    other files with `jobs` workers; run the project phase over them."""
    tasks: list[Task] = [(path, display, settings, False, None)
                         for path, display, settings in files]
    if engine.project:
        tasks += [(path, display, settings, True, None) for path, display, settings in context]
    return _run(engine, tasks, jobs, progress or (lambda _: None))
