"""FSRS scheduling: the only module that imports ``fsrs``.

Memory states follow FSRS-6 as trained and as Anki computes them: elapsed time is counted in
*learner days* (see :class:`~srs.clock.LearnerClock`), and two reviews on the same learner day use
FSRS-6's short-term formula. Review cards fall due at the start of a learner day. All four outcomes
of a review are computed together, with one deterministic fuzz factor per card and review, so the
interval previewed on a button is the one its rating applies, and Again < Hard < Good < Easy holds
for review cards in whole days. ``fsrs`` supplies the default weights and their validation.
All times are epoch seconds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from srs.clock import DAY, LearnerClock
from srs.errors import InputError
from srs.model import Memory, Rating, State
from srs.scheduling.fuzz import fuzz_factor, fuzzed, minimum_interval, round_half_up
from srs.scheduling.load_balance import Load, balanced_interval
from srs.scheduling.settings import Settings

if TYPE_CHECKING:
    import fsrs

S_MIN = 0.001
S_MAX = 36500.0
D_MIN = 1.0
D_MAX = 10.0


def to_datetime(ts: int | float) -> datetime:
    """Epoch seconds to an aware UTC datetime (the only kind fsrs accepts)."""
    return datetime.fromtimestamp(ts, tz=UTC)


def to_epoch(dt: datetime) -> int:
    """An aware datetime to whole epoch seconds."""
    return int(dt.timestamp())


class Model:
    """The FSRS-6 memory model for one set of 21 weights (pure arithmetic)."""

    def __init__(self, w: Sequence[float]) -> None:
        self.w = tuple(float(x) for x in w)
        self.decay = -self.w[20]
        self.factor = 0.9 ** (1 / self.decay) - 1
        # Terms that depend on the weights alone, worked out once (the same floats as inline).
        self._reversion = self.w[7] * self._init_difficulty(4)
        self._kept = 1 - self.w[7]
        self._growth = math.exp(self.w[8])

    def retrievability(self, elapsed_days: float, stability: float) -> float:
        """Probability of recall after ``elapsed_days`` at ``stability``."""
        return (1 + self.factor * max(0.0, elapsed_days) / stability) ** self.decay

    def interval(self, stability: float, desired_retention: float) -> float:
        """Days until recall probability falls to ``desired_retention`` (not rounded)."""
        return stability / self.factor * (desired_retention ** (1 / self.decay) - 1)

    def _init_difficulty(self, rating: int) -> float:
        return self.w[4] - math.exp(self.w[5] * (rating - 1)) + 1

    def initial(self, rating: int) -> tuple[float, float]:
        """(stability, difficulty) after a card's first review."""
        s = min(max(self.w[rating - 1], S_MIN), S_MAX)
        return s, min(max(self._init_difficulty(rating), D_MIN), D_MAX)

    def next_difficulty(self, d: float, rating: int) -> float:
        """Difficulty after a review: linear damping, then mean reversion towards D0(Easy)."""
        delta = -self.w[6] * (rating - 3)
        damped = d + delta * (10 - d) / 9
        reverted = self._reversion + self._kept * damped
        return min(max(reverted, D_MIN), D_MAX)

    def short_term(self, s: float, rating: int) -> float:
        """Stability after a review on the same learner day as the previous one."""
        w = self.w
        sinc = math.exp(w[17] * (rating - 3 + w[18])) * s ** -w[19]
        if rating >= 2:  # a pass on the same day never lowers stability
            sinc = max(sinc, 1.0)
        return s * sinc

    def long_term(self, s: float, d: float, r: float, rating: int) -> float:
        """Stability after a review one or more learner days after the previous one."""
        w = self.w
        if rating == 1:
            forget = w[11] * d ** -w[12] * ((s + 1) ** w[13] - 1) * math.exp((1 - r) * w[14])
            return min(forget, s / math.exp(w[17] * w[18]))
        hard = w[15] if rating == 2 else 1.0
        easy = w[16] if rating == 4 else 1.0
        return s * (1 + self._growth * (11 - d) * s ** -w[9] * (math.exp((1 - r) * w[10]) - 1) * hard * easy)

    def step(
        self, state: tuple[float, float] | None, rating: int, elapsed_days: int | None
    ) -> tuple[float, float]:
        """(stability, difficulty) after one review, from ``state`` (None: a new card)."""
        if state is None:
            return self.initial(rating)
        s, d = state
        if not elapsed_days:
            new_s = self.short_term(s, rating)
        else:
            new_s = self.long_term(s, d, self.retrievability(elapsed_days, s), rating)
        return min(max(new_s, S_MIN), S_MAX), self.next_difficulty(d, rating)


class Scheduler:
    """FSRS-6 with the learner's settings, counting days on the learner's clock."""

    def __init__(self, settings: Settings = Settings(), clock: LearnerClock | None = None) -> None:
        self.settings = settings
        self.clock = clock if clock is not None else LearnerClock(0, settings.rollover_hour)

    @cached_property
    def _fsrs(self) -> fsrs.Scheduler:
        """The fsrs scheduler, built (and fsrs imported) on first use: it validates the settings."""
        import fsrs

        settings = self.settings
        try:
            return fsrs.Scheduler(
                parameters=tuple(settings.parameters or fsrs.scheduler.DEFAULT_PARAMETERS),
                desired_retention=settings.desired_retention,
                learning_steps=tuple(timedelta(seconds=s) for s in settings.learning_steps),
                relearning_steps=tuple(timedelta(seconds=s) for s in settings.relearning_steps),
                maximum_interval=settings.maximum_interval,
                enable_fuzzing=False,
            )
        except ValueError as exc:
            raise InputError(f"invalid scheduler settings: {exc}") from None

    @cached_property
    def model(self) -> Model:
        """The FSRS-6 memory model with these weights."""
        return Model(self._fsrs.parameters)

    def check(self) -> None:
        """Raise InputError now if FSRS cannot work with these settings."""
        self._fsrs  # noqa: B018

    @property
    def parameters(self) -> tuple[float, ...]:
        """The 21 FSRS-6 weights in use."""
        return tuple(self._fsrs.parameters)

    # -- days -----------------------------------------------------------------------------------
    def elapsed_days(self, memory: Memory, now: int) -> int | None:
        """Learner days since the card's last review (None if never reviewed)."""
        if memory.last_review is None:
            return None
        return max(0, self.clock.day(now) - self.clock.day(memory.last_review))

    def scheduled_days(self, memory: Memory) -> int:
        """The interval in learner days the card was last given (0 if none)."""
        if memory.due is None or memory.last_review is None:
            return 0
        return max(0, self.clock.day(memory.due) - self.clock.day(memory.last_review))

    # -- the four outcomes --------------------------------------------------------------------------
    def outcomes(
        self, memory: Memory, now: int, *, card_id: str = "", load: Load | None = None
    ) -> dict[Rating, tuple[Memory, int]]:
        """For each rating: the memory after it and the wait it gives in seconds (for a review-state
        outcome a whole number of days, the interval shown on the button)."""
        settings = self.settings
        model = self.model
        today = self.clock.day(now)
        elapsed = self.elapsed_days(memory, now) if memory.state is not State.NEW else None
        previous = None
        if memory.state is not State.NEW and memory.stability is not None and memory.difficulty is not None:
            previous = (memory.stability, memory.difficulty)
        states = {r: model.step(previous, int(r), elapsed) for r in Rating}
        dr = settings.desired_retention
        ivl = {r: model.interval(states[r][0], dr) for r in Rating}
        factor = fuzz_factor(card_id, memory.reps) if settings.enable_fuzzing else None
        maximum = max(1, settings.maximum_interval)

        def fuzz(interval: float, minimum: int) -> int:
            minimum = min(max(minimum, 1), maximum)
            if factor is not None and load is not None and settings.load_balance:
                chosen = balanced_interval(interval, minimum, maximum, factor, load, self.clock.weekday)
                if chosen is not None:
                    return chosen
            return fuzzed(factor, interval, minimum, maximum)

        days: dict[Rating, int] = {}  # review-state outcomes: interval in days
        steps: dict[Rating, tuple[int, int | None, State]] = {}  # (seconds, step, state) otherwise
        if memory.state is State.REVIEW:
            self._review_outcomes(memory, ivl, fuzz, days, steps)
        else:
            learning = (
                settings.relearning_steps if memory.state is State.RELEARNING else settings.learning_steps
            )
            keep = State.RELEARNING if memory.state is State.RELEARNING else State.LEARNING
            self._step_outcomes(memory.step or 0, learning, keep, ivl, fuzz, days, steps)

        out: dict[Rating, tuple[Memory, int]] = {}
        for r in Rating:
            s, d = states[r]
            lapse = memory.state is State.REVIEW and r is Rating.AGAIN
            common = {
                "stability": s,
                "difficulty": d,
                "last_review": now,
                "reps": memory.reps + 1,
                "lapses": memory.lapses + (1 if lapse else 0),
            }
            if r in days:
                n = days[r]
                after = Memory(state=State.REVIEW, step=None, due=self.clock.start(today + n), **common)  # type: ignore[arg-type]
                out[r] = (after, n * DAY)
            else:
                wait, step, state = steps[r]
                after = Memory(state=state, step=step, due=now + wait, **common)  # type: ignore[arg-type]
                out[r] = (after, wait)
        return out

    def _review_outcomes(
        self,
        memory: Memory,
        ivl: dict[Rating, float],
        fuzz: _Fuzz,
        days: dict[Rating, int],
        steps: dict[Rating, tuple[int, int | None, State]],
    ) -> None:
        settings = self.settings
        maximum = max(1, settings.maximum_interval)
        if settings.relearning_steps:
            steps[Rating.AGAIN] = (settings.relearning_steps[0], 0, State.RELEARNING)
        else:
            days[Rating.AGAIN] = min(max(round_half_up(ivl[Rating.AGAIN]), 1), maximum)
        previous = self.scheduled_days(memory)
        floor = 1
        for r in (Rating.HARD, Rating.GOOD, Rating.EASY):
            least = max(minimum_interval(ivl[r], previous, maximum), floor)
            days[r] = fuzz(ivl[r], least)
            floor = days[r] + 1

    def _step_outcomes(
        self,
        step: int,
        learning: tuple[int, ...],
        keep: State,
        ivl: dict[Rating, float],
        fuzz: _Fuzz,
        days: dict[Rating, int],
        steps: dict[Rating, tuple[int, int | None, State]],
    ) -> None:
        def graduate(r: Rating) -> None:
            if r is Rating.EASY:
                good = fuzz(ivl[Rating.GOOD], 1)
                days[r] = fuzz(max(1, round_half_up(ivl[r])), good + 1)
            else:
                days[r] = fuzz(max(1, round_half_up(ivl[r])), 1)

        if not learning:
            for r in Rating:
                graduate(r)
            return
        steps[Rating.AGAIN] = (learning[0], 0, keep)
        if step >= len(learning):
            for r in (Rating.HARD, Rating.GOOD, Rating.EASY):
                graduate(r)
            return
        if step == 0 and len(learning) == 1:
            hard = int(learning[0] * 1.5)
        elif step == 0:
            hard = (learning[0] + learning[1]) // 2
        else:
            hard = learning[step]
        steps[Rating.HARD] = (hard, step, keep)
        if step + 1 >= len(learning):
            graduate(Rating.GOOD)
        else:
            steps[Rating.GOOD] = (learning[step + 1], step + 1, keep)
        graduate(Rating.EASY)

    # -- the public face ----------------------------------------------------------------------------
    def rate(
        self,
        memory: Memory,
        rating: Rating,
        now: int,
        duration_ms: int = 0,
        *,
        card_id: str = "",
        load: Load | None = None,
    ) -> Memory:
        """The memory after rating a card at ``now`` (epoch seconds). Pure: the input is unchanged.

        ``card_id`` seeds the fuzz; ``load`` (days ahead) lets the load balancer pick the day.
        """
        del duration_ms  # FSRS does not use it; the review log keeps it
        return self.outcomes(memory, now, card_id=card_id, load=load)[rating][0]

    def preview(
        self, memory: Memory, now: int, *, card_id: str = "", load: Load | None = None
    ) -> dict[Rating, int]:
        """Seconds each rating waits (whole days for review outcomes): what the answer buttons show.
        With the same ``card_id`` and ``load`` it is exactly what :meth:`rate` applies."""
        return {r: wait for r, (_m, wait) in self.outcomes(memory, now, card_id=card_id, load=load).items()}

    def retrievability(self, memory: Memory, now: int) -> float | None:
        """Probability of recall at ``now`` (elapsed learner days); None for a card never reviewed."""
        if memory.state is State.NEW or memory.last_review is None or memory.stability is None:
            return None
        return self.model.retrievability(self.elapsed_days(memory, now) or 0, memory.stability)

    def replay(self, history: Sequence[tuple[int, Rating, int]], *, card_id: str = "") -> Memory:
        """The memory after replaying (ts, rating, duration_ms) reviews from new, under these settings."""
        memory = Memory()
        for ts, rating, duration in history:
            memory = self.rate(memory, rating, ts, duration, card_id=card_id)
        return memory


if TYPE_CHECKING:
    from collections.abc import Callable

    _Fuzz = Callable[[float, int], int]


def format_interval(seconds: int) -> str:
    """Anki-style short interval: ``<1m``, ``10m``, ``3h``, ``4d``, ``2.1mo``, ``1.3y``."""
    if seconds < 60:
        return "<1m"
    if seconds < 3600:
        return f"{round(seconds / 60)}m"
    if seconds < 86400:
        return f"{round(seconds / 3600)}h"
    days = seconds / 86400
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{days / 30:.1f}mo"
    return f"{days / 365:.1f}y"
