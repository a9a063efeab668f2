"""Load balancing and easy days: choose the day inside an interval's fuzz range (pure functions).

Fuzz may move an interval by a few days anyway; the load balancer uses that freedom to even out
the daily workload. Each day of the fuzz range gets a weight: fewer cards already due that day
weigh more, earlier days slightly more (so intervals do not drift long), a day holding a sibling of
the card (another card of the same note) or next to one weighs less, and on easy days (weekdays
the learner wants lighter) a day already at its share of the load is all but excluded. The card's
own fuzz factor then picks a day by weight, so the choice is deterministic: the interval shown
on a button is the one its rating applies. Intervals above 90 days are not balanced (little gain).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from srs.scheduling.fuzz import fuzz_bounds

MAX_BALANCED_INTERVAL = 90
# Weight of a day d days away from a day with a sibling due (0 = that very day).
_SIBLING_WEIGHT = (1e-6, 0.2, 0.4, 0.6, 0.8)
_EASY_DAY_SHARE = 0.5  # an easy day should carry about half a normal day's reviews
_EXCLUDED = 1e-4


@dataclass(frozen=True)
class Load:
    """What the balancer needs to know about the days ahead, in learner-day numbers."""

    today: int
    due: Mapping[int, int] = field(default_factory=dict)  # learner day -> review cards due that day
    siblings: frozenset[int] = frozenset()  # learner days on which a sibling of the card is due
    easy_days: frozenset[int] = frozenset()  # weekdays (0 = Monday) with a reduced load


def day_weights(lower: int, upper: int, load: Load, weekday: Callable[[int], int]) -> list[tuple[int, float]]:
    """(interval, weight) for each interval in [lower, upper]."""
    days = range(lower, upper + 1)
    counts = [load.due.get(load.today + ivl, 0) for ivl in days]
    easy = [weekday(load.today + ivl) in load.easy_days for ivl in days]
    shares = [_EASY_DAY_SHARE if e else 1.0 for e in easy]
    total_count, total_share = sum(counts), sum(shares)
    out = []
    for ivl, count, is_easy, share in zip(days, counts, easy, shares, strict=True):
        weight = (1.0 / (count + 1)) ** 2.15 * (1.0 / ivl) ** 3
        if is_easy and total_share > share:
            others = (total_count - count) / (total_share - share)
            if count / share > others:
                weight *= _EXCLUDED
        for sib in load.siblings:
            gap = abs(load.today + ivl - sib)
            if gap < len(_SIBLING_WEIGHT):
                weight *= _SIBLING_WEIGHT[gap]
        out.append((ivl, weight))
    return out


def balanced_interval(
    interval: float,
    minimum: int,
    maximum: int,
    factor: float,
    load: Load,
    weekday: Callable[[int], int],
) -> int | None:
    """A whole-day interval within the fuzz range of ``interval`` chosen by load, or None when the
    interval is too long to balance (then plain fuzz applies)."""
    if interval > MAX_BALANCED_INTERVAL or minimum > MAX_BALANCED_INTERVAL:
        return None
    lower, upper = fuzz_bounds(interval, minimum, maximum)
    weights = day_weights(lower, upper, load, weekday)
    total = sum(w for _, w in weights)
    if total <= 0:
        return None
    point = factor * total
    for ivl, w in weights:
        point -= w
        if point < 0:
            return ivl
    return weights[-1][0]
