"""Replaying many review histories quickly: the same memory states as :meth:`Scheduler.rate`, step by step.

:meth:`Scheduler.outcomes` works out all four answers of a review (the buttons show them); a replay needs
only the answer that was given. :class:`BatchReplay` follows the same rules for that one answer, with the
scheduler's own pure functions (its :class:`~srs.scheduling.scheduler.Model`, the fuzz functions and its
learner clock), and keeps each state as a plain tuple instead of a :class:`~srs.model.Memory`. Fuzz
factors and day starts are computed once per call site. The load balancer is not used (a replay has no
load), as in :meth:`Scheduler.rate` without ``load``. ``tests/test_replay.py`` checks it against
``rate`` on many random histories and settings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from srs.scheduling.fuzz import fuzzed, minimum_interval, round_half_up
from srs.scheduling.scheduler import S_MAX, S_MIN

if TYPE_CHECKING:
    from srs.scheduling.scheduler import Scheduler

# A memory as a tuple: (state, step, stability, difficulty, due, last_review, reps, lapses), state as in
# srs.model.State (0 new, 1 learning, 2 review, 3 relearning).
MemoryTuple = tuple[int, int | None, float | None, float | None, int | None, int | None, int, int]
NEW_MEMORY: MemoryTuple = (0, None, None, None, None, None, 0, 0)

_LEARNING, _REVIEW, _RELEARNING = 1, 2, 3
_SPAN = 2**64  # fuzz_factor's divisor


def _blake2b() -> Callable[..., Any]:
    import hashlib  # as in fuzz_factor: not at start-up

    return hashlib.blake2b


class BatchReplay:
    """Replays (time, rating) histories from new under one scheduler's settings."""

    def __init__(self, scheduler: Scheduler) -> None:
        settings = scheduler.settings
        self.model = scheduler.model
        self.clock = scheduler.clock
        self.retention = settings.desired_retention
        self.learning_steps = tuple(settings.learning_steps)
        self.relearning_steps = tuple(settings.relearning_steps)
        self.maximum = max(1, settings.maximum_interval)
        self.fuzzing = settings.enable_fuzzing
        tz = self.clock.tz
        # A fixed offset: day numbers by arithmetic (what LearnerClock.day computes for an int zone).
        self._shift = tz - self.clock.rollover_hour * 3600 if isinstance(tz, int) else None
        self._starts: dict[int, int] = {}

    def day(self, ts: int) -> int:
        """The learner day of epoch second ``ts`` (as the scheduler's clock counts it)."""
        if self._shift is not None:
            return (int(ts) + self._shift) // 86400
        return self.clock.day(ts)

    def _start(self, day: int) -> int:
        start = self._starts.get(day)
        if start is None:
            start = self._starts[day] = self.clock.start(day)
        return start

    def run(
        self, history: Sequence[tuple[int, int]], card_id: str = ""
    ) -> tuple[list[MemoryTuple], list[float | None]]:
        """Replay ``(ts, rating)`` reviews (ratings 1-4, time order) from a new card.

        Returns, for each review, the memory after it and the retrievability before it (None for the
        first), as :meth:`Scheduler.rate` and :meth:`Scheduler.retrievability` give them; the memory
        before review ``i`` is the one after review ``i - 1`` (:data:`NEW_MEMORY` before the first).
        """
        model = self.model
        initial, short_term, long_term = model.initial, model.short_term, model.long_term
        next_difficulty = model.next_difficulty
        # Model.interval and Model.retrievability written out below, with their constant terms worked out
        # once (the same operations on the same floats).
        spread, decay = model.factor, model.decay
        to_target = self.retention ** (1 / decay) - 1
        maximum = self.maximum
        learning_steps = self.learning_steps
        relearning_steps = self.relearning_steps
        day = self.day
        shift = self._shift
        fuzzing = self.fuzzing
        # fuzz_factor(card_id, reps), drawn only for the reviews that schedule days (the same bytes hashed).
        prefix = f"{card_id}\x00".encode()
        blake2b = _blake2b()

        def stability(
            r: int, first: bool, s: float | None, d: float | None, ret: float | None, elapsed: int | None
        ) -> float:
            """The stability rating ``r`` would give (what Model.step computes first)."""
            if first:
                return initial(r)[0]
            if elapsed:
                return min(max(long_term(s, d, ret, r), S_MIN), S_MAX)  # type: ignore[arg-type]
            return min(max(short_term(s, r), S_MIN), S_MAX)  # type: ignore[arg-type]

        afters: list[MemoryTuple] = []
        rets: list[float | None] = []
        state, mstep, s, d, due, last = 0, None, None, None, None, None
        lapses = last_day = 0
        for reps, (now, rating) in enumerate(history):
            today = (int(now) + shift) // 86400 if shift is not None else day(now)
            ret = None
            if last is None:
                elapsed = None
            else:
                elapsed = max(0, today - last_day)
                if state != 0 and s is not None:
                    ret = (1 + spread * elapsed / s) ** decay  # model.retrievability (elapsed >= 0)
            rets.append(ret)
            factor = None
            # Model.step for this rating, and the stability other ratings would give (the review
            # outcomes below need it), from the same retrievability.
            if state == 0 or s is None or d is None:
                first = True
                new_s, new_d = initial(rating)
            else:
                first = False
                new_s = long_term(s, d, ret, rating) if elapsed else short_term(s, rating)  # type: ignore[arg-type]
                if new_s < S_MIN:  # min(max(new_s, S_MIN), S_MAX) as comparisons
                    new_s = S_MIN
                elif new_s > S_MAX:
                    new_s = S_MAX
                new_d = next_difficulty(d, rating)

            days: int | None = None
            wait = 0
            new_step: int | None = None
            new_state = _REVIEW
            if state == _REVIEW:
                if rating == 1:
                    if relearning_steps:
                        wait, new_step, new_state = relearning_steps[0], 0, _RELEARNING
                    else:
                        days = min(max(round_half_up(new_s / spread * to_target), 1), maximum)
                else:
                    if fuzzing:
                        factor = (
                            int.from_bytes(blake2b(prefix + b"%d" % reps, digest_size=8).digest(), "big")
                            / _SPAN
                        )
                    scheduled = max(0, day(due) - last_day) if due is not None and last is not None else 0
                    floor = 1
                    for r in range(2, rating + 1):
                        r_s = new_s if r == rating else stability(r, first, s, d, ret, elapsed)
                        ivl = r_s / spread * to_target
                        # minimum_interval's first case written out (the usual one)
                        least = (
                            scheduled + 1
                            if math.floor(ivl + 0.5) > scheduled
                            else minimum_interval(ivl, scheduled, maximum)
                        )
                        if least < floor:  # min(max(least, floor), maximum)
                            least = floor
                        if least > maximum:
                            least = maximum
                        days = fuzzed(factor, ivl, least, maximum)
                        floor = days + 1
            else:
                learning = relearning_steps if state == _RELEARNING else learning_steps
                keep = _RELEARNING if state == _RELEARNING else _LEARNING
                at = mstep or 0
                if fuzzing and (rating != 1 or not learning):  # (Hard may still be a step: drawn anyway)
                    factor = (
                        int.from_bytes(blake2b(prefix + b"%d" % reps, digest_size=8).digest(), "big") / _SPAN
                    )
                if rating == 4:
                    good_s = stability(3, first, s, d, ret, elapsed)
                    good = fuzzed(factor, good_s / spread * to_target, 1, maximum)
                    days = fuzzed(
                        factor,
                        max(1, round_half_up(new_s / spread * to_target)),
                        min(good + 1, maximum),
                        maximum,
                    )
                elif not learning or (rating != 1 and at >= len(learning)):
                    days = fuzzed(factor, max(1, round_half_up(new_s / spread * to_target)), 1, maximum)
                elif rating == 1:
                    wait, new_step, new_state = learning[0], 0, keep
                elif rating == 2:
                    if at == 0 and len(learning) == 1:
                        wait = int(learning[0] * 1.5)
                    elif at == 0:
                        wait = (learning[0] + learning[1]) // 2
                    else:
                        wait = learning[at]
                    new_step, new_state = at, keep
                elif at + 1 >= len(learning):
                    days = fuzzed(factor, max(1, round_half_up(new_s / spread * to_target)), 1, maximum)
                else:
                    wait, new_step, new_state = learning[at + 1], at + 1, keep
            if state == _REVIEW and rating == 1:
                lapses += 1
            if days is not None:
                state, mstep, due = _REVIEW, None, self._start(today + days)
            else:
                state, mstep, due = new_state, new_step, now + wait
            s, d, last, last_day = new_s, new_d, now, today
            afters.append((state, mstep, s, d, due, last, reps + 1, lapses))
        return afters, rets
