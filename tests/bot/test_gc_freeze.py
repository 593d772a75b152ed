"""bot/gc_freeze.py: start-up objects leave the collector's sight, later ones do not."""

from __future__ import annotations

import gc

from bot.gc_freeze import freeze_startup_objects


def test_live_objects_are_frozen_and_new_garbage_is_still_collected():
    try:
        frozen = freeze_startup_objects()
        assert frozen == gc.get_freeze_count() > 1000
        cycle: list = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() >= 1  # made after the freeze: still collected
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
