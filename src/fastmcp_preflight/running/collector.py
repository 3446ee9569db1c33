"""Keeping Python's cyclic garbage collector from scanning what is sure to be alive.

Its work is paused around work that allocates many short-lived, acyclic objects: a file's
tree and model, or the entries read from the cache. A collection triggered by them would scan
every object alive again and again, for nothing; what they leave is freed by reference
counting, and any cycles are collected soon after the collector is back on. And a run of the
command spaces its collections out: it builds tables that live until it ends (every project
file's facts, LibCST's classes), which a collection every 700 allocations, the default,
scans again and again (mypy raises the threshold for the same reason).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused(*, long_lived: bool = False) -> Iterator[None]:
    """No cyclic garbage collection in the block; a caller's own `gc.disable()` is kept.

    `long_lived`: what the block leaves alive lives until the command ends (the facts of
    every project file, read from the cache): in a command run (see `collections_spaced`),
    it is frozen out of the collector's view, which would otherwise scan all of it at its
    next collection (a fifth of a warm run's time on a 1,000-file project). Elsewhere (the
    language server, the library) nothing is frozen.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if long_lived and gc.get_threshold()[0] >= RUN_THRESHOLD:
            gc.freeze()
        gc.enable()


#: Allocations between two collections of the youngest generation during a command run.
RUN_THRESHOLD = 200_000


@contextlib.contextmanager
def collections_spaced() -> Iterator[None]:
    """A youngest-generation collection only every RUN_THRESHOLD allocations in the block;
    the previous thresholds are back afterwards, and what the block froze is seen by the
    collector again (a command run in-process, as the tests do, leaves nothing frozen)."""
    previous = gc.get_threshold()
    gc.set_threshold(max(previous[0], RUN_THRESHOLD), *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()
