"""The garbage collector's settings during a run: frozen long-lived data only in a command
run, and nothing left frozen or disabled after it."""

from __future__ import annotations

import gc

from fastmcp_preflight.running.collector import collections_spaced, collector_paused


def test_long_lived_data_is_frozen_only_in_a_command_run() -> None:
    gc.unfreeze()
    with collector_paused(long_lived=True):
        kept = [[n] for n in range(1000)]
        assert not gc.isenabled()
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0  # the library and the language server: never frozen
    with collections_spaced():
        with collector_paused(long_lived=True):
            kept += [[n] for n in range(1000)]
        assert gc.get_freeze_count() > 0
        with collector_paused():  # short-lived work: nothing more frozen
            frozen = gc.get_freeze_count()
            scratch = [[n] for n in range(1000)]
        assert gc.get_freeze_count() == frozen and scratch
    assert gc.get_freeze_count() == 0  # the command's end gives it all back
    assert kept


def test_a_callers_own_disable_is_kept() -> None:
    gc.disable()
    try:
        with collector_paused(long_lived=True):
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
