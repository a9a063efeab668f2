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
from typing import TYPE_CHECKING, Any, NamedTuple

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


def _fuzz_delta(np: Any, interval: Any) -> Any:
    """fuzz_delta on an array (its ranges as ``fuzzed`` writes them out: the same floats)."""
    from srs.scheduling.fuzz import _UP_TO_7, _UP_TO_20

    return np.where(
        interval < 2.5,
        0.0,
        np.where(
            interval < 7.0,
            1.0 + 0.15 * (interval - 2.5),
            np.where(
                interval < 20.0,
                1.0 + (_UP_TO_7 + 0.10 * (interval - 7.0)),
                1.0 + (_UP_TO_20 + 0.05 * (interval - 20.0)),
            ),
        ),
    )


def _bounds(np: Any, interval: Any, minimum: Any, maximum: int) -> tuple[Any, Any]:
    """fuzz_bounds on arrays (``interval`` already within [minimum, maximum])."""
    delta = _fuzz_delta(np, interval)
    lower = np.minimum(np.maximum(np.floor(interval - delta + 0.5), minimum), maximum)
    upper = np.minimum(np.maximum(np.floor(interval + delta + 0.5), minimum), maximum)
    upper = np.where((upper == lower) & (upper > 2) & (upper < maximum), lower + 1, upper)
    return lower, upper


def _fuzzed(np: Any, factor: Any, interval: Any, minimum: Any, maximum: int) -> Any:
    """:func:`~srs.scheduling.fuzz.fuzzed` on arrays (``factor`` None: no fuzz), as float64 whole days."""
    interval = np.asarray(interval, dtype=np.float64)
    if factor is None:
        return np.minimum(np.maximum(np.floor(interval + 0.5), minimum), maximum)
    minimum = np.minimum(minimum, maximum)
    interval = np.minimum(np.maximum(interval, minimum), maximum)
    lower, upper = _bounds(np, interval, minimum, maximum)
    return np.floor(lower + factor * (1 + upper - lower))


class ReplayColumns(NamedTuple):
    """Replayed reviews as flat columns, one entry per review, cards one after another in the callers'
    order: the memory after each review (state, step with -1 for none, stability, difficulty, due, lapses;
    its last review is the review's own time, its reps the review's place in its card's history, from 1)
    and the retrievability before it (NaN for a card's first review)."""

    state: Any
    step: Any
    stability: Any
    difficulty: Any
    due: Any
    lapses: Any
    retrievability: Any


def replay_many(
    batch: BatchReplay, histories: Sequence[tuple[str, Sequence[tuple[int, int]]]]
) -> list[tuple[list[MemoryTuple], list[float | None]]]:
    """:meth:`BatchReplay.run` for many cards at once, with the same results to the last bit (see
    :func:`replay_columns`). ``histories``: (card id, its ``(ts, rating)`` reviews in time order, ratings
    1-4); the results come in the same order."""
    import numpy as np

    n = len(histories)
    if n == 0:
        return []
    lengths = np.fromiter((len(h) for _c, h in histories), dtype=np.int64, count=n)
    total = int(lengths.sum())
    if total == 0:
        return [([], []) for _ in histories]
    flat = np.array([pair for _c, h in histories for pair in h], dtype=np.int64)
    ts_all = flat[:, 0]
    out = replay_columns(batch, [c for c, _h in histories], lengths, ts_all, flat[:, 1])
    rows = list(
        zip(
            out.state.tolist(),
            [None if x < 0 else x for x in out.step.tolist()],
            out.stability.tolist(),
            out.difficulty.tolist(),
            out.due.tolist(),
            ts_all.tolist(),
            strict=True,
        )
    )
    lapses_list = out.lapses.tolist()
    rets = [None if x != x else x for x in out.retrievability.tolist()]
    results: list[tuple[list[MemoryTuple], list[float | None]]] = []
    start = 0
    for length in lengths.tolist():
        end = start + length
        afters = [
            (*rows[p], p - start + 1, lapses_list[p])  # type: ignore[misc]
            for p in range(start, end)
        ]
        results.append((afters, rets[start:end]))
        start = end
    return results


def replay_columns(
    batch: BatchReplay, card_ids: Sequence[str], lengths: Any, ts: Any, ratings: Any
) -> ReplayColumns:
    """:meth:`BatchReplay.run` for many cards at once, as flat columns: card ``card_ids[i]`` has
    ``lengths[i]`` reviews, at ``ts`` with ``ratings`` (1-4; numpy int arrays, cards one after another, each
    in time order). The n-th review of every card is worked out in one step on numpy arrays, with the same
    float operations in the same order as the scalar path, so the results equal ``run``'s to the last bit
    (``tests/test_replay.py`` compares the two)."""
    import numpy as np

    n = len(card_ids)
    lengths = np.asarray(lengths, dtype=np.int64)
    model = batch.model
    w = model.w
    spread, decay = model.factor, model.decay
    to_target = batch.retention ** (1 / decay) - 1
    maximum = batch.maximum
    # Model.initial for each rating, and the constant terms of long_term and short_term.
    init_s = np.array([0.0] + [model.initial(r)[0] for r in (1, 2, 3, 4)])
    init_d = np.array([0.0] + [model.initial(r)[1] for r in (1, 2, 3, 4)])
    lapse_cap = math.exp(w[17] * w[18])
    growth, reversion, kept = model._growth, model._reversion, model._kept

    def long_term(s: Any, d: Any, r: Any, g: Any) -> Any:
        forget = w[11] * np.power(d, -w[12]) * (np.power(s + 1, w[13]) - 1) * np.exp((1 - r) * w[14])
        forget = np.minimum(forget, s / lapse_cap)
        hard = np.where(g == 2, w[15], 1.0)
        easy = np.where(g == 4, w[16], 1.0)
        kept_s = s * (
            1 + growth * (11 - d) * np.power(s, -w[9]) * (np.exp((1 - r) * w[10]) - 1) * hard * easy
        )
        return np.where(g == 1, forget, kept_s)

    def short_term(s: Any, g: Any) -> Any:
        sinc = np.exp(w[17] * (g - 3 + w[18])) * np.power(s, -w[19])
        sinc = np.where(g >= 2, np.maximum(sinc, 1.0), sinc)
        return s * sinc

    def stability(g: Any, s: Any, d: Any, r: Any, elapsed: Any) -> Any:
        later = np.minimum(np.maximum(long_term(s, d, r, g), S_MIN), S_MAX)
        same_day = np.minimum(np.maximum(short_term(s, g), S_MIN), S_MAX)
        return np.where(elapsed > 0, later, same_day)

    shift = batch._shift

    def days_of(ts: Any) -> Any:
        if shift is not None:
            return (ts + shift) // 86400
        return np.fromiter((batch.day(int(t)) for t in ts.tolist()), dtype=np.int64, count=len(ts))

    def starts(days: Any) -> Any:
        unique, inverse = np.unique(days, return_inverse=True)
        return np.array([batch._start(int(x)) for x in unique.tolist()], dtype=np.int64)[inverse]

    # Cards by length, longest first: the cards still replaying at review k are a prefix.
    order = np.argsort(-lengths, kind="stable")
    lengths_sorted = lengths[order]
    offsets = np.zeros(n, dtype=np.int64)
    np.cumsum(lengths_sorted[:-1], out=offsets[1:])
    total = int(lengths_sorted.sum())
    # where = the position, in the callers' layout, of each review in the sorted layout
    input_offsets = np.zeros(n, dtype=np.int64)
    np.cumsum(lengths[:-1], out=input_offsets[1:])
    where = np.repeat(input_offsets[order] - offsets, lengths_sorted) + np.arange(total, dtype=np.int64)
    if total == 0:
        empty = np.zeros(0, dtype=np.int64)
        return ReplayColumns(empty, empty, np.zeros(0), np.zeros(0), empty, empty, np.zeros(0))
    ts_all = np.asarray(ts, dtype=np.int64)[where]
    rating_all = np.asarray(ratings, dtype=np.int64)[where]
    prefixes = [f"{card_ids[i]}\x00".encode() for i in order.tolist()]
    blake2b = _blake2b()

    def factors(cards: Any, k: int) -> Any:
        # fuzz_factor's digests read as big-endian 64-bit numbers and divided by 2**64: the conversion to a
        # float rounds as Python's int / int does, and dividing by a power of two is exact.
        tail = b"%d" % k
        digests = b"".join([blake2b(prefixes[i] + tail, digest_size=8).digest() for i in cards.tolist()])
        return np.frombuffer(digests, dtype=">u8").astype(np.float64) / _SPAN

    o_state = np.empty(total, dtype=np.int64)
    o_step = np.empty(total, dtype=np.int64)
    o_s = np.empty(total)
    o_d = np.empty(total)
    o_due = np.empty(total, dtype=np.int64)
    o_lapses = np.empty(total, dtype=np.int64)
    o_ret = np.empty(total)
    state = np.zeros(n, dtype=np.int64)
    mstep = np.full(n, -1, dtype=np.int64)
    s = np.zeros(n)
    d = np.zeros(n)
    due = np.zeros(n, dtype=np.int64)
    last_day = np.zeros(n, dtype=np.int64)
    lapses = np.zeros(n, dtype=np.int64)
    neg = -lengths_sorted
    for k in range(int(lengths_sorted[0])):
        m = int(np.searchsorted(neg, -k, side="left"))  # cards with more than k reviews
        at_pos = offsets[:m] + k
        now = ts_all[at_pos]
        g = rating_all[at_pos]
        today = days_of(now)
        st, ms, s0, d0 = state[:m], mstep[:m], s[:m], d[:m]
        if k == 0:
            ret = np.full(m, np.nan)
            elapsed = np.zeros(m, dtype=np.int64)
            new_s, new_d = init_s[g], init_d[g]
        else:
            elapsed = np.maximum(0, today - last_day[:m])
            ret = (1 + spread * elapsed / s0) ** decay
            new_s = stability(g, s0, d0, ret, elapsed)
            delta = -w[6] * (g - 3)
            damped = d0 + delta * (10 - d0) / 9
            new_d = np.minimum(np.maximum(reversion + kept * damped, 1.0), 10.0)

        def other(
            r: int, idx: Any, k: int = k, s0: Any = s0, d0: Any = d0, ret: Any = ret, elapsed: Any = elapsed
        ) -> Any:
            """The stability rating ``r`` would give, for the cards ``idx`` (Model.step's first part)."""
            if k == 0:
                return np.full(len(idx), init_s[r])
            return stability(np.full(len(idx), r), s0[idx], d0[idx], ret[idx], elapsed[idx])

        days = np.full(m, -1.0)
        wait = np.zeros(m, dtype=np.int64)
        new_step = np.full(m, -1, dtype=np.int64)
        new_state = np.full(m, _REVIEW, dtype=np.int64)
        review = st == _REVIEW
        # A lapse in review: a relearning step, or days at once without one.
        idx = np.flatnonzero(review & (g == 1))
        if len(idx):
            if batch.relearning_steps:
                wait[idx], new_step[idx], new_state[idx] = batch.relearning_steps[0], 0, _RELEARNING
            else:
                days[idx] = np.minimum(
                    np.maximum(np.floor(new_s[idx] / spread * to_target + 0.5), 1), maximum
                )
        # A pass in review: Hard, Good, Easy in turn, each at least a day past the one before.
        idx = np.flatnonzero(review & (g > 1))
        if len(idx):
            factor = factors(idx, k) if batch.fuzzing else None
            scheduled = np.maximum(0, days_of(due[:m][idx]) - last_day[:m][idx])
            floor = np.ones(len(idx))
            gi = g[idx]
            got = np.zeros(len(idx))
            for r in (2, 3, 4):
                sel = np.flatnonzero(gi >= r)
                if not len(sel):
                    break
                r_s = np.where(gi[sel] == r, new_s[idx][sel], other(r, idx[sel]))
                ivl = r_s / spread * to_target
                sch = scheduled[sel]
                _lo, upper = _bounds(np, np.minimum(np.maximum(ivl, 1), maximum), 1, maximum)
                least = np.where(np.floor(ivl + 0.5) > sch, sch + 1, np.where(sch <= upper, sch, 0)).astype(
                    np.float64
                )
                least = np.minimum(np.maximum(least, floor[sel]), maximum)
                got[sel] = _fuzzed(np, None if factor is None else factor[sel], ivl, least, maximum)
                floor[sel] = got[sel] + 1
            days[idx] = got
        # New, learning and relearning cards: their steps.
        for states, steps, keep in (
            ((0, _LEARNING), batch.learning_steps, _LEARNING),
            ((_RELEARNING,), batch.relearning_steps, _RELEARNING),
        ):
            idx = np.flatnonzero(np.isin(st, states))
            if not len(idx):
                continue
            gi = g[idx]
            at = np.where(ms[idx] < 0, 0, ms[idx])
            factor = None
            if batch.fuzzing:
                factor = np.full(len(idx), np.nan)
                draw = np.flatnonzero((gi != 1) | (not steps))
                factor[draw] = factors(idx[draw], k)
            graduating = np.floor(new_s[idx] / spread * to_target + 0.5)
            graduating = np.maximum(graduating, 1)
            easy = gi == 4
            if easy.any():
                e = np.flatnonzero(easy)
                fe = None if factor is None else factor[e]
                good = _fuzzed(np, fe, other(3, idx[e]) / spread * to_target, 1, maximum)
                days[idx[e]] = _fuzzed(np, fe, graduating[e], np.minimum(good + 1, maximum), maximum)
            out = ~easy & ((gi != 1) & (at >= len(steps)) if steps else np.ones(len(idx), dtype=bool))
            rest = ~easy & ~out
            if steps:
                again = rest & (gi == 1)
                wait[idx[again]], new_step[idx[again]], new_state[idx[again]] = steps[0], 0, keep
                hard = np.flatnonzero(rest & (gi == 2))
                if len(hard):
                    a = at[hard]
                    first_wait = int(steps[0] * 1.5) if len(steps) == 1 else (steps[0] + steps[1]) // 2
                    wait[idx[hard]] = np.where(a == 0, first_wait, np.array(steps)[a])
                    new_step[idx[hard]], new_state[idx[hard]] = a, keep
                good_ = rest & (gi == 3)
                last_step = good_ & (at + 1 >= len(steps))
                out = out | last_step
                moving = np.flatnonzero(good_ & ~last_step)
                if len(moving):
                    a = at[moving] + 1
                    wait[idx[moving]] = np.array(steps)[a]
                    new_step[idx[moving]], new_state[idx[moving]] = a, keep
            o = np.flatnonzero(out)
            if len(o):
                days[idx[o]] = _fuzzed(np, None if factor is None else factor[o], graduating[o], 1, maximum)
        lapses[:m] += review & (g == 1)
        scheduled_days = days >= 0
        due_now = now + wait
        if scheduled_days.any():
            sd = np.flatnonzero(scheduled_days)
            due_now[sd] = starts(today[sd] + days[sd].astype(np.int64))
        state[:m] = np.where(scheduled_days, _REVIEW, new_state)
        mstep[:m] = np.where(scheduled_days, -1, new_step)
        due[:m] = due_now
        s[:m], d[:m], last_day[:m] = new_s, new_d, today
        o_state[at_pos], o_step[at_pos], o_s[at_pos], o_d[at_pos] = state[:m], mstep[:m], new_s, new_d
        o_due[at_pos], o_lapses[at_pos], o_ret[at_pos] = due[:m], lapses[:m], ret
    # Back to the callers' layout.
    back = np.empty(total, dtype=np.int64)
    back[where] = np.arange(total, dtype=np.int64)
    return ReplayColumns(
        o_state[back], o_step[back], o_s[back], o_d[back], o_due[back], o_lapses[back], o_ret[back]
    )
