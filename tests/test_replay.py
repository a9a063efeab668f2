"""The batch replay gives exactly the memory states and retrievabilities of Scheduler.rate, review by review."""

from __future__ import annotations

import random

import pytest

from srs.clock import DAY, LearnerClock
from srs.model import Memory, Rating, State
from srs.scheduling.replay import NEW_MEMORY, BatchReplay, replay_many
from srs.scheduling.scheduler import Scheduler, Settings
from tests.conftest import T0, memory_tuple

SETTINGS = [
    (Settings(enable_fuzzing=False), LearnerClock(0, 4)),
    (Settings(), LearnerClock(0, 4)),
    (Settings(), LearnerClock(-5 * 3600, 0)),
    (Settings(learning_steps=(60, 600, 3 * 3600), rollover_hour=2), LearnerClock("Europe/Berlin", 2)),
    (Settings(learning_steps=(), relearning_steps=()), LearnerClock("America/New_York", 4)),
    (
        Settings(learning_steps=(300,), relearning_steps=(60, 1200), maximum_interval=30),
        LearnerClock(3600, 23),
    ),
    (
        Settings(
            desired_retention=0.8,
            parameters=(
                0.3,
                1.0,
                2.5,
                9.0,
                6.5,
                0.6,
                2.0,
                0.01,
                1.6,
                0.15,
                1.0,
                1.8,
                0.1,
                0.3,
                2.2,
                0.2,
                3.0,
                0.5,
                0.6,
                0.2,
                0.3,
            ),
        ),
        LearnerClock("Asia/Kolkata", 6),
    ),
]


def history(rng: random.Random) -> list[tuple[int, int]]:
    """A random history: bursts on one day, gaps from seconds to years, all four buttons, DST changes."""
    ts = T0 + rng.randrange(0, 400 * DAY)
    out = []
    for _ in range(rng.randrange(1, 25)):
        out.append((ts, rng.choice((1, 2, 3, 3, 3, 4))))
        ts += rng.choice(
            (
                rng.randrange(1, 3600),
                rng.randrange(3600, 2 * DAY),
                rng.randrange(DAY, 90 * DAY),
                rng.randrange(DAY, 800 * DAY),
            )
        )
    return out


@pytest.mark.parametrize("index", range(len(SETTINGS)))
def test_batch_replay_equals_rating_one_review_at_a_time(index: int) -> None:
    settings, clock = SETTINGS[index]
    scheduler = Scheduler(settings, clock)
    batch = BatchReplay(scheduler)
    rng = random.Random(index)
    states = set()
    for n in range(400):
        reviews = history(rng)
        card_id = "" if n % 2 else f"card-{n}"
        afters, rets = batch.run(reviews, card_id)
        memory = Memory()
        assert len(afters) == len(rets) == len(reviews)
        for (ts, rating), after, ret in zip(reviews, afters, rets, strict=True):
            assert ret == scheduler.retrievability(memory, ts)
            memory = scheduler.rate(memory, Rating(rating), ts, card_id=card_id)
            expected = memory_tuple(memory)
            assert after == expected and repr(after) == repr(expected)  # the same values of the same types
            states.add((int(memory.state), rating))
    # every state was reached with every button
    reached = {s for s, _r in states}
    assert State.REVIEW in reached
    assert (State.LEARNING in reached) == bool(settings.learning_steps)
    assert (State.RELEARNING in reached) == bool(settings.relearning_steps)
    assert {r for _s, r in states} == {1, 2, 3, 4}


@pytest.mark.parametrize("index", range(len(SETTINGS)))
def test_many_histories_at_once_replay_as_one_at_a_time(index: int) -> None:
    """replay_many (the n-th review of every card in one numpy step) gives run's tuples to the last bit,
    types included, for histories of every length (none too) in any order."""
    batch = BatchReplay(Scheduler(*SETTINGS[index]))
    rng = random.Random(100 + index)
    histories = [(f"card-{n}", history(rng) if n % 37 else []) for n in range(600)]
    histories.append(
        ("long", [(T0 + i * rng.randrange(600, 9 * DAY), rng.choice((1, 3, 3, 4))) for i in range(120)])
    )
    rng.shuffle(histories)
    many = replay_many(batch, histories)
    assert len(many) == len(histories)
    reviews = 0
    for (card_id, reviews_of), (afters, rets) in zip(histories, many, strict=True):
        one_afters, one_rets = batch.run(reviews_of, card_id)
        assert afters == one_afters and repr(afters) == repr(one_afters), card_id
        assert rets == one_rets and repr(rets) == repr(one_rets), card_id
        reviews += len(reviews_of)
    assert reviews > 5000
    assert replay_many(batch, []) == [] and replay_many(batch, [("x", [])]) == [([], [])]


def test_new_memory_is_memory_of_a_new_card() -> None:
    m = Memory()
    assert (
        int(m.state),
        m.step,
        m.stability,
        m.difficulty,
        m.due,
        m.last_review,
        m.reps,
        m.lapses,
    ) == NEW_MEMORY


def test_replayed_tuples_are_logged_as_their_memories_are() -> None:
    """A replayed tuple goes into the log's memory columns as it is: read back, it is that memory."""
    from srs.store.rows import memory_values, review_after

    batch = BatchReplay(Scheduler(*SETTINGS[3]))
    rng = random.Random(5)
    for _ in range(200):
        for m in batch.run(history(rng))[0] + [NEW_MEMORY]:
            memory = Memory(State(m[0]), m[1], m[2], m[3], m[4], m[5], m[6], m[7])
            assert tuple(m) == memory_values(memory)
            assert review_after((*m, None)).to_dict() == memory.to_dict()
