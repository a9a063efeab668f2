"""Interval fuzz, deterministic per card and review (pure functions, no randomness drawn).

Fuzz spreads cards that were learnt together over neighbouring days. The amount grows with the
interval (the same ranges as Anki: 15% of the days between 2.5 and 7, 10% up to 20, 5% beyond,
plus one day; none below 2.5 days). The draw is a number in [0, 1) derived from the card's id and
its review count, so the interval a button shows is exactly the interval that rating applies.
"""

from __future__ import annotations

import math

# (start, end, share of the days in [start, end) added to the fuzz delta)
FUZZ_RANGES: tuple[tuple[float, float, float], ...] = (
    (2.5, 7.0, 0.15),
    (7.0, 20.0, 0.10),
    (20.0, math.inf, 0.05),
)


def round_half_up(x: float) -> int:
    """Round a non-negative number to the nearest whole, halves upwards (not to even)."""
    return math.floor(x + 0.5)


def fuzz_factor(card_id: str, reps: int) -> float:
    """A number in [0, 1) fixed by the card and how many times it has been reviewed."""
    import hashlib  # here, not at the top: loading OpenSSL's hashes costs every start-up a few ms

    digest = hashlib.blake2b(f"{card_id}\x00{reps}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


# The first ranges' full shares, as fuzz_delta adds them (the terms of the later ranges are 0.0 below them).
_UP_TO_7 = 0.15 * (7.0 - 2.5)
_UP_TO_20 = 0.15 * (7.0 - 2.5) + 0.10 * (20.0 - 7.0)


def fuzz_delta(interval: float) -> float:
    """Days the interval may move either way."""
    if interval < 2.5:
        return 0.0
    # FUZZ_RANGES written out (a hot path of replays): the same terms, added in the same order.
    return 1.0 + (
        0.15 * max(0.0, min(interval, 7.0) - 2.5)
        + 0.10 * max(0.0, min(interval, 20.0) - 7.0)
        + 0.05 * max(0.0, interval - 20.0)
    )


def fuzz_bounds(interval: float, minimum: int, maximum: int) -> tuple[int, int]:
    """The whole-day range an interval may be fuzzed into, kept inside [minimum, maximum]."""
    minimum = min(minimum, maximum)
    interval = min(max(interval, minimum), maximum)
    delta = fuzz_delta(interval)
    lower = min(max(round_half_up(interval - delta), minimum), maximum)
    upper = min(max(round_half_up(interval + delta), minimum), maximum)
    if upper == lower and 2 < upper < maximum:
        upper = lower + 1
    return lower, upper


def fuzzed(factor: float | None, interval: float, minimum: int, maximum: int) -> int:
    """The interval in whole days: fuzzed by ``factor`` (None: just rounded), within [minimum, maximum]."""
    if factor is None:
        return min(max(math.floor(interval + 0.5), minimum), maximum)
    # fuzz_bounds and fuzz_delta written out (a hot path of replays): the same operations on the same
    # floats, so the same days to the last bit (tests/test_scheduler_fidelity.py compares them); the
    # clamps min(max(x, low), high) as comparisons (the same value, without two calls each).
    if minimum > maximum:
        minimum = maximum
    if interval < minimum:
        interval = minimum
    if interval > maximum:
        interval = maximum
    if interval < 2.5:
        delta = 0.0
    elif interval < 7.0:
        delta = 1.0 + 0.15 * (interval - 2.5)
    elif interval < 20.0:
        delta = 1.0 + (_UP_TO_7 + 0.10 * (interval - 7.0))
    else:
        delta = 1.0 + (_UP_TO_20 + 0.05 * (interval - 20.0))
    lower = math.floor(interval - delta + 0.5)
    if lower < minimum:
        lower = minimum
    if lower > maximum:
        lower = maximum
    upper = math.floor(interval + delta + 0.5)
    if upper < minimum:
        upper = minimum
    if upper > maximum:
        upper = maximum
    if upper == lower and 2 < upper < maximum:
        upper = lower + 1
    return math.floor(lower + factor * (1 + upper - lower))


def minimum_interval(interval: float, previous: int, maximum: int) -> int:
    """The least a passing review may schedule, given the interval it had (fuzz must not shrink it)."""
    if round_half_up(interval) > previous:
        return previous + 1
    _lower, upper = fuzz_bounds(interval, 1, maximum)  # pure: only needed from here on
    if previous <= upper:
        return previous
    return 0
