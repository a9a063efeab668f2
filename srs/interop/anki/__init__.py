"""Anki: note types and package writing (export), package reading (import)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the duration, then back as it was. An export or an import allocates
    millions of small objects (rows, notes, tuples) and frees them by reference counting, none forming a
    cycle; the collector, set off by the allocations alone, would walk them again and again (15-20 % of a
    20,000-note export, about a tenth of a 200,000-review import)."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
