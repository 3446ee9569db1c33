"""Pausing Python's cyclic garbage collector around work that allocates many short-lived,
acyclic objects: a file's tree and model, or the entries read from the cache. A collection
triggered by them would scan every object alive again and again, for nothing; what they
leave is freed by reference counting, and any cycles are collected soon after the
collector is back on."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection in the block; a caller's own `gc.disable()` is kept."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
