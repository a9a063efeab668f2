"""The learner's day: day boundaries at the rollover hour in the learner's time zone.

Pure arithmetic on epoch seconds; nothing here reads the wall clock (only the CLI does).
"""

from __future__ import annotations

DAY = 86400


def day_start(now: int, utc_offset: int, rollover_hour: int) -> int:
    """Epoch second at which the learner's current day began (local time, with a rollover hour)."""
    local = now + utc_offset - rollover_hour * 3600
    return local - local % DAY - utc_offset + rollover_hour * 3600
