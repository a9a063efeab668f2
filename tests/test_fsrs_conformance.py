"""srs's FSRS against Anki's own (the real ``anki`` package): memory states and intervals.

Random review histories (times of day from early morning to late evening, same-day repeats,
lapses, long gaps) are replayed in srs under several time zones and rollover hours, and in Anki
from the same review log (FSRS on, the same weights and desired retention). Anki counts learner
days in the time zone of its process; it is given each review time moved onto the zone's wall
clock (``ts + utc_offset(ts)``, less the process's own fixed offset), which yields the learner days
of that zone, daylight saving included. Run with ``-s`` to see the agreement figures. Known differences: a review at the exact
second of a rollover (see :func:`off_boundary`) and intervals at a rounding tie below float32 precision.
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from srs.clock import DAY, LearnerClock
from srs.model import Memory, Rating, State
from srs.scheduling.scheduler import Scheduler
from srs.scheduling.settings import Settings

# Anki draws no fuzz in its test mode (read once, when the backend first needs it).
os.environ.setdefault("ANKI_TEST_MODE", "1")
anki_collection = pytest.importorskip("anki.collection")

# Weights fitted by an optimizer (not the defaults), so every term of the model matters.
PARAMS = (
    0.3254, 1.1802, 3.0416, 15.2441, 7.1949, 0.5345, 1.4604, 0.0046, 1.5458, 0.1192,
    1.0193, 1.9395, 0.11, 0.2961, 2.2698, 0.2315, 2.9898, 0.5166, 0.6621, 0.1133, 0.2,
)  # fmt: skip
CASES = (  # (time zone, rollover hour, desired retention)
    ("UTC", 4, 0.9),
    ("Asia/Kolkata", 0, 0.85),
    ("America/Bogota", 6, 0.9),
    ("Europe/Berlin", 4, 0.92),
    ("America/New_York", 2, 0.9),
    ("Australia/Sydney", 5, 0.8),
)
HISTORIES_PER_CASE = 350


@dataclass
class Replayed:
    card_id: int
    history: list[tuple[int, Rating]]
    memory: Memory
    revlog_types: list[int]


def wall(ts: int, zone: ZoneInfo) -> int:
    """The zone's wall-clock time of ``ts`` read as if it were UTC."""
    offset = datetime.fromtimestamp(ts, zone).utcoffset()
    assert offset is not None
    return ts + int(offset.total_seconds())


def off_boundary(clock: LearnerClock, ts: int) -> int:
    """Move a review from the very second a learner day starts to the next second.

    The one place where Anki differs: it counts days as ``(next_day_at - ts) // 86400``, so the
    instant of a rollover belongs to the day before; srs (like the rest of srs) puts it in the new day.
    """
    return ts + 1 if clock.start(clock.day(ts)) == ts else ts


def random_history(rng: random.Random, end: int) -> list[tuple[int, Rating]]:
    """Review times (ascending, all before ``end``) and ratings of one card."""
    n = rng.choice([1, 2, 2, 3, 4, 5, 6, 8, 10, 14])
    gaps = []
    for _ in range(n - 1):
        kind = rng.random()
        if kind < 0.25:
            gaps.append(rng.randint(60, 3 * 3600))  # same sitting or same evening
        elif kind < 0.45:
            gaps.append(rng.randint(6 * 3600, 16 * 3600))  # late evening, then early next morning
        elif kind < 0.8:
            gaps.append(rng.randint(1, 20) * DAY + rng.randint(-8 * 3600, 8 * 3600))
        else:
            gaps.append(rng.randint(40, 400) * DAY + rng.randint(0, DAY))  # a long gap
    tail = rng.choice([rng.randint(60, 6 * 3600), rng.randint(1, 60) * DAY + rng.randint(0, DAY)])
    t = end - tail - sum(gaps)
    times = [t]
    for g in gaps:
        t += g
        times.append(t)
    ratings = rng.choices(list(Rating), weights=[15, 12, 58, 15], k=n)
    return list(zip(times, ratings, strict=True))


def at_rounding_tie(sched: Scheduler, memory: Memory, now: int) -> bool:
    """True if an unrounded Hard/Good/Easy interval lies within float32 precision of a half day."""
    outcomes = sched.outcomes(memory, now)
    for rating in (Rating.HARD, Rating.GOOD, Rating.EASY):
        s = outcomes[rating][0].stability
        assert s is not None
        days = sched.model.interval(s, sched.settings.desired_retention)
        if abs(days - (int(days) + 0.5)) < 1e-5 * days:
            return True
    return False


def test_memory_states_and_intervals_match_anki(tmp_path: Path) -> None:
    from anki.collection import Collection

    if time.daylight:
        pytest.skip(
            "Anki counts days in this process's time zone: run the test where it has no daylight saving"
        )
    process = time.localtime().tm_gmtoff  # Anki's fixed offset; review times are moved to its wall clock
    totals = {"histories": 0, "state_ok": 0, "intervals": 0, "interval_ok": 0, "ties": 0}
    worst = 0.0
    mismatches: list[str] = []
    for case_no, (tz, rollover, retention) in enumerate(CASES):
        zone = ZoneInfo(tz)
        settings = Settings(
            enable_fuzzing=False,
            parameters=PARAMS,
            desired_retention=retention,
            rollover_hour=rollover,
        )
        sched = Scheduler(settings, LearnerClock(tz, rollover))
        col = Collection(str(tmp_path / f"case{case_no}.anki2"))
        try:
            col.set_config("rollover", rollover)
            col.set_config("fsrs", True)
            conf = col.decks.get_config(1)
            assert conf is not None
            conf["fsrsParams6"] = list(PARAMS)
            conf["desiredRetention"] = retention
            col.decks.update_config(conf)
            # Anki's clock: its "now" (shifted by 2 h between 02:00 and 04:00 in its test mode).
            cutoff = col.sched.day_cutoff
            anki_now = int(time.time())
            if 2 <= time.localtime(anki_now).tm_hour < 4:
                anki_now -= 7200
            anki_now = min(anki_now, cutoff - 1)
            # The srs moment whose wall clock in the zone is Anki's now.
            target = anki_now + process
            now = target - (wall(target, zone) - target)
            now = target - (wall(now, zone) - now)
            rng = random.Random(1000 + case_no)
            notetype = col.models.by_name("Basic")
            assert notetype is not None
            replayed: list[Replayed] = []
            for i in range(HISTORIES_PER_CASE):
                note = col.new_note(notetype)
                note["Front"] = f"q{i}"
                col.add_note(note, 1)
                card_id = note.card_ids()[0]
                history = [(off_boundary(sched.clock, ts), r) for ts, r in random_history(rng, now)]
                memory = Memory()
                types = []
                for ts, rating in history:
                    types.append(
                        {State.NEW: 0, State.LEARNING: 0, State.REVIEW: 1, State.RELEARNING: 2}[memory.state]
                    )
                    memory = sched.rate(memory, rating, ts, card_id=str(card_id))
                replayed.append(Replayed(card_id, history, memory, types))
            rows = []
            for k, r in enumerate(replayed):
                for (ts, rating), kind in zip(r.history, r.revlog_types, strict=True):
                    rows.append(((wall(ts, zone) - process) * 1000 + k % 1000, r.card_id, int(rating), kind))
            col.db.executemany(
                "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) "
                "VALUES (?, ?, -1, ?, 0, 0, 0, 6000, ?)",
                rows,
            )
            for r in replayed:
                if r.memory.state is State.REVIEW:
                    ivl = sched.scheduled_days(r.memory)
                    col.db.execute(
                        "UPDATE cards SET type = 2, queue = 2, ivl = ?, due = ?, reps = ? WHERE id = ?",
                        ivl,
                        col.sched.today,
                        len(r.history),
                        r.card_id,
                    )
            for r in replayed:
                totals["histories"] += 1
                state = col.compute_memory_state(r.card_id)
                s, d = state.stability, state.difficulty
                assert s is not None and d is not None
                ours_s, ours_d = r.memory.stability, r.memory.difficulty
                assert ours_s is not None and ours_d is not None
                err = max(abs(ours_s - s) / s, abs(ours_d - d) / d)
                worst = max(worst, err)
                if err <= 1e-3:
                    totals["state_ok"] += 1
                elif len(mismatches) < 5:
                    mismatches.append(
                        f"{tz} {r.history}: srs S={ours_s:.4f} D={ours_d:.4f}, Anki S={s:.4f} D={d:.4f}"
                    )
                if r.memory.state is not State.REVIEW:
                    continue
                states = col._backend.get_scheduling_states(r.card_id)
                theirs = [
                    states.hard.normal.review.scheduled_days,
                    states.good.normal.review.scheduled_days,
                    states.easy.normal.review.scheduled_days,
                ]
                preview = sched.preview(r.memory, now, card_id=str(r.card_id))
                ours = [preview[x] // DAY for x in (Rating.HARD, Rating.GOOD, Rating.EASY)]
                totals["intervals"] += 1
                if ours == theirs:
                    totals["interval_ok"] += 1
                elif at_rounding_tie(sched, r.memory, now):
                    # Anki computes in 32-bit floats: an interval of 372.49998 days can round either way.
                    totals["ties"] += 1
                elif len(mismatches) < 10:
                    mismatches.append(f"{tz} {r.history}: srs {ours}, Anki {theirs}")
        finally:
            col.close()
    print(
        f"\nFSRS conformance with Anki: {totals['histories']} histories, memory state (S, D within 1e-3) "
        f"{totals['state_ok']}/{totals['histories']}, worst relative difference {worst:.2e}; "
        f"Hard/Good/Easy intervals of review cards {totals['interval_ok']}/{totals['intervals']} "
        f"(+{totals['ties']} one day apart at a rounding tie within float32 precision)"
    )
    assert totals["histories"] >= 2000
    assert totals["intervals"] >= 500
    assert totals["state_ok"] == totals["histories"], "\n".join(mismatches)
    assert totals["interval_ok"] + totals["ties"] == totals["intervals"], "\n".join(mismatches)
    assert totals["ties"] <= totals["intervals"] // 100
