"""The learner's day: day boundaries at the rollover hour in the learner's time zone.

Pure arithmetic on epoch seconds; nothing here reads the wall clock (only the CLI does).
FSRS counts time in *learner days*: a review at 23:00 and the next at 10:00 the following
morning are one day apart (with the default rollover at 04:00), however few hours lie between.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache

DAY = 86400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def day_start(now: int, utc_offset: int, rollover_hour: int) -> int:
    """Epoch second at which the learner's current day began (local time, with a rollover hour)."""
    local = now + utc_offset - rollover_hour * 3600
    return local - local % DAY - utc_offset + rollover_hour * 3600


@lru_cache(maxsize=64)
def _zone(tz: str | int) -> tzinfo:
    if isinstance(tz, int):
        return timezone(timedelta(seconds=tz))
    from zoneinfo import ZoneInfo

    return ZoneInfo(tz)


@dataclass(frozen=True)
class LearnerClock:
    """Learner-day numbers in one time zone, days starting at ``rollover_hour`` local time.

    ``tz`` is an IANA zone name (``"Europe/Berlin"``: daylight-saving changes are followed) or a
    fixed offset from UTC in seconds. Day 0 is the learner day that holds 1970-01-01 at noon local.
    """

    tz: str | int = 0
    rollover_hour: int = 4

    def __post_init__(self) -> None:
        if not 0 <= self.rollover_hour <= 23:
            raise ValueError(f"rollover hour must be 0-23, not {self.rollover_hour}")
        try:
            _zone(self.tz)  # an unknown zone fails here, not on first use
        except (KeyError, OSError):
            raise ValueError(f"unknown time zone {self.tz!r}") from None

    def day(self, ts: int | float) -> int:
        """The learner-day number that epoch second ``ts`` falls in."""
        return (int(ts) + self.offset(ts) - self.rollover_hour * 3600) // DAY

    def offset(self, ts: int | float) -> int:
        """The zone's offset from UTC at ``ts``, in seconds."""
        if isinstance(self.tz, int):
            return self.tz
        offset = datetime.fromtimestamp(ts, _zone(self.tz)).utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0

    def start(self, day: int) -> int:
        """Epoch second at which learner day ``day`` begins (its local rollover hour)."""
        local = datetime.combine(
            date.fromordinal(day + _EPOCH_ORDINAL), time(self.rollover_hour), tzinfo=_zone(self.tz)
        )
        return int(local.timestamp())

    def today_start(self, now: int) -> int:
        """Epoch second at which the learner day holding ``now`` began."""
        return self.start(self.day(now))

    def days_between(self, earlier: int, later: int) -> int:
        """Learner days from ``earlier`` to ``later`` (0 for two times on the same learner day)."""
        return self.day(later) - self.day(earlier)

    def weekday(self, day: int) -> int:
        """Weekday of learner day ``day``: 0 = Monday ... 6 = Sunday."""
        return date.fromordinal(day + _EPOCH_ORDINAL).weekday()
