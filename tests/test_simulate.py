"""The workload simulator against the scheduler itself and against common sense; `srs simulate`."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from srs.cli import cli
from srs.clock import LearnerClock
from srs.model import Memory, Rating, State
from srs.scheduling.scheduler import Scheduler, Settings
from srs.scheduling.simulate import SimCards, SimSettings, simulate
from srs.store import Store
from tests.conftest import DAY, T0

SCHED = Scheduler(Settings(enable_fuzzing=False))
W = SCHED.parameters


def review_days(first: Rating, horizon: int, retention: float = 0.9) -> list[int]:
    """Independent computation: one card rated ``first`` on day 0 (then Good through its learning steps),
    then Good on every due day, by the scheduler (fsrs) itself at day-aligned times."""
    sched = Scheduler(Settings(enable_fuzzing=False, desired_retention=retention))
    m = sched.rate(Memory(), first, T0)
    while m.state is not State.REVIEW:
        m = sched.rate(m, Rating.GOOD, T0)
    days = []
    while (day := sched.clock.day(m.due or 0) - sched.clock.day(T0)) < horizon:
        days.append(day)
        m = sched.rate(m, Rating.GOOD, T0 + day * DAY)
    return days


def test_one_card_follows_the_schedulers_own_intervals() -> None:
    res = simulate(SimCards.fresh(1), W, SimSettings(days=400, new_per_day=1, perfect_recall=True))
    assert [d for d, n in enumerate(res.reviews) if n] == review_days(Rating.GOOD, 400)
    res = simulate(
        SimCards.fresh(1), W, SimSettings(days=400, new_per_day=1, perfect_recall=True, desired_retention=0.8)
    )
    assert [d for d, n in enumerate(res.reviews) if n] == review_days(Rating.GOOD, 400, 0.8)


def test_daily_reviews_add_up_like_the_independent_computation() -> None:
    # 5 new cards a day for 20 days, all recalled: reviews on day d = sum over intro days of cards due on d.
    horizon = 60
    one = review_days(Rating.GOOD, horizon)
    expected = [0] * horizon
    for start in range(20):
        for d in one:
            if start + d < horizon:
                expected[start + d] += 5
    res = simulate(SimCards.fresh(100), W, SimSettings(days=horizon, new_per_day=5, perfect_recall=True))
    assert [int(x) for x in res.reviews] == expected
    assert res.new[:20] == (5.0,) * 20 and sum(res.new) == 100


def test_more_new_cards_and_higher_retention_cost_more_reviews() -> None:
    cards = SimCards.fresh(2000)
    base = SimSettings(days=60, new_per_day=20, reviews_per_day=10**6, runs=2)
    few = simulate(cards, W, base)
    many = simulate(cards, W, SimSettings(days=60, new_per_day=40, reviews_per_day=10**6, runs=2))
    strict = simulate(
        cards, W, SimSettings(days=60, new_per_day=20, reviews_per_day=10**6, runs=2, desired_retention=0.95)
    )
    loose = simulate(
        cards, W, SimSettings(days=60, new_per_day=20, reviews_per_day=10**6, runs=2, desired_retention=0.8)
    )
    assert sum(many.reviews) > 1.5 * sum(few.reviews)
    assert sum(strict.reviews) > sum(few.reviews) > sum(loose.reviews)
    assert sum(strict.minutes) > sum(loose.minutes)
    # Recall on reviews is what the retention asks for, give or take the learner's noise.
    success = 1 - sum(few.lapses) / sum(few.reviews)
    assert 0.85 < success < 0.95
    assert few.known_at_end > loose.known_at_end * 0.95


def test_starts_from_real_memory_states_and_respects_the_review_limit() -> None:
    # Three reviewed cards: one overdue, one due in 5 days, one far ahead; two new cards.
    cards = SimCards.build(
        [10.0, 10.0, 300.0, None, None], [5.0, 5.0, 5.0, None, None], [-12, -5, -1, 0, 0], [-2, 5, 200, 0, 0]
    )
    res = simulate(cards, W, SimSettings(days=10, new_per_day=0, perfect_recall=True))
    assert res.reviews[0] == 1 and res.reviews[5] == 1 and sum(res.new) == 0
    overdue = SimCards.build([5.0] * 50, [5.0] * 50, [-5] * 50, [0] * 50)
    limited = simulate(
        overdue, W, SimSettings(days=3, new_per_day=0, reviews_per_day=20, perfect_recall=True)
    )
    assert limited.reviews == (20.0, 20.0, 10.0)


def test_plan_quota_introduces_planned_cards_and_the_limit_the_others() -> None:
    cards = SimCards.build([None] * 30, [None] * 30, [0] * 30, [0] * 30, [True] * 20 + [False] * 10)
    res = simulate(cards, W, SimSettings(days=4, new_per_day=2, plan_quota=(12, 8), perfect_recall=True))
    assert res.new == (14.0, 10.0, 2.0, 2.0)


# -- the command line ------------------------------------------------------------------------------------
def run(runner: CliRunner, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli, list(args), env={"SRS_NOW": "2026-03-02T10:00:00Z"}, catch_exceptions=False)
    return result.exit_code, result.output


def test_cli_simulate_compares_two_retentions(home: Path, runner: CliRunner) -> None:
    code, out = run(
        runner, "simulate", "--days", "20", "--retention", "0.85", "--compare-retention", "0.95", "--json"
    )
    assert code == 0, out
    data = json.loads(out)
    low, high = data["results"]
    assert (
        len(low["per_day"]) == 20 and low["desired_retention"] == 0.85 and high["desired_retention"] == 0.95
    )
    assert sum(d["reviews"] for d in high["per_day"]) > sum(d["reviews"] for d in low["per_day"])
    assert low["cards"] > 800 and sum(d["new"] for d in low["per_day"]) == 20 * 20


def test_cli_simulate_plan_shows_the_cost_before_starting(home: Path, runner: CliRunner) -> None:
    code, out = run(runner, "simulate", "--days", "10", "--plan")
    assert code == 0, out
    assert "7-day plan" in out and "Reviews per day" in out and "Minutes per day" in out
    assert "cards known at day 10" in out
    code, out = run(runner, "simulate", "--days", "10", "--plan", "--json")
    per_day = json.loads(out)["results"][0]["per_day"]
    # Within the 45 minutes a day of a plan, so the curriculum goes on after the week.
    assert all(d["minutes"] <= 45 * 1.1 for d in per_day) and all(d["new"] > 0 for d in per_day)
    assert 150 < sum(d["new"] for d in per_day[:7]) < 600


@pytest.mark.parametrize("args", [("simulate", "--days", "0"), ("simulate", "--new-per-day", "-1")])
def test_cli_simulate_bad_numbers(home: Path, runner: CliRunner, args: tuple[str, ...]) -> None:
    code, out = run(runner, *args)
    assert code == 2 and "Error: Invalid value" in out


def test_exam_cap_in_the_simulator_lifts_recall_on_the_date() -> None:
    cards = SimCards.build([None] * 300, [None] * 300, [0] * 300, [0] * 300, [True] * 300)
    quota = (60,) * 5
    capped = simulate(cards, W, SimSettings(days=40, plan_quota=quota, exam_day=40, exam_target=0.95, runs=2))
    free = simulate(cards, W, SimSettings(days=40, plan_quota=quota, exam_day=40, exam_target=0.0, runs=2))
    assert capped.exam_share is not None and free.exam_share is not None
    assert capped.exam_share >= 0.95 > free.exam_share
    assert sum(capped.reviews) > sum(free.reviews)  # the price: more reviews before the date


def test_real_cards_become_simulator_days(store: Store) -> None:
    from srs.scheduling.plan import PlanClock
    from srs.scheduling.plan_forecast import sim_cards

    with store.transaction():
        for cid, state, due, last in (
            ("a", 2, T0 + 3 * DAY, T0 - 2 * DAY),
            ("b", 0, None, None),
            ("c", 2, T0 - DAY, T0 - 9 * DAY),
        ):
            store.execute(
                "INSERT INTO cards (id, note_id, kind, deck, state, stability, difficulty, due, last_review) "
                "VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    cid,
                    cid,
                    "basic",
                    "D",
                    state,
                    None if state == 0 else 4.0,
                    None if state == 0 else 6.0,
                    due,
                    last,
                ),
            )
    cards, ids = sim_cards(store, T0, PlanClock(LearnerClock(0, 4)), planned={"b"})
    at = {cid: i for i, cid in enumerate(ids)}
    a, b, c = at["a"], at["b"], at["c"]
    assert (cards.due[a], cards.last[a], cards.due[c], cards.last[c]) == (3, -2, -1, -9)
    assert bool(cards.new[b]) and not cards.new[a] and bool(cards.planned[b]) and not cards.planned[a]
    assert cards.stability[a] == 4.0 and cards.difficulty[c] == 6.0


# -- under a daily budget ------------------------------------------------------------------------------
def test_a_budget_fills_each_day_by_priority_and_opening_day_and_never_over() -> None:
    import numpy as np

    n = 300
    costs = np.tile([20.0, 8.0, 8.0], (n, 1))
    cards = SimCards(
        *(lambda c: (c.stability, c.difficulty, c.last, c.due, c.new, c.planned))(
            SimCards.fresh(n, planned=True)
        ),
        costs=costs,
        core=np.arange(n) % 2 == 0,  # every other card core
        avail=np.repeat([0.0, 3.0], n // 2),  # the second half opens on day 3
        priority=np.arange(n) % 2 * n + np.arange(n),  # core first
    )
    res = simulate(cards, W, SimSettings(days=6, new_per_day=0, minutes_budget=20, runs=1))
    per_new = 20 + 1.39 * 8
    # Day 0: 20 min of new cards at their expected cost, core first (all 75 open core cards fit? no:
    # 20 min / 31.1 s is 38 cards, all core).
    assert res.new[0] == int(20 * 60 // per_new) and res.new_core[0] == res.new[0]
    # Nothing of the second half before day 3, whatever room the budget leaves.
    assert sum(res.new[:3]) <= n // 2
    # The budget holds every day (the learner's steps and lapses vary around their expected cost).
    assert max(res.minutes) <= 20 * 1.15


def test_exam_recall_is_scored_on_the_exam_day_and_the_eve_has_no_review_limit() -> None:
    one = SimCards.build([5.0] * 300, [5.0] * 300, [0.0] * 300, [4.0] * 300, [True] * 300)
    base = SimSettings(days=6, new_per_day=0, reviews_per_day=100, perfect_recall=True, exam_day=5)
    res = simulate(one, W, base)
    # Every card due on day 4 (the eve) is reviewed there, 300 over a limit of 100.
    assert res.reviews[4] == 300
    # Recall on the exam day itself: one day after the eve's review, not zero days.
    good = SCHED.rate(Memory(State.REVIEW, None, 5.0, 5.0, T0, T0 - 4 * DAY, 1, 0), Rating.GOOD, T0)
    assert res.exam_share == pytest.approx(SCHED.retrievability(good, T0 + DAY), abs=0.01)
    assert res.exam_share < 0.999


def test_the_simulated_balancer_weighs_days_as_the_review_does() -> None:
    """The simulator's vectorised weights equal the review's load balancer's, day for day."""
    import numpy as np

    from srs.scheduling.fuzz import fuzz_bounds
    from srs.scheduling.load_balance import Load, day_weights
    from srs.scheduling.simulate import balance_weights, fuzz_ranges

    rng = np.random.default_rng(3)
    for easy in (frozenset(), frozenset({5, 6})):
        intervals = rng.integers(3, 91, size=40)
        lower, upper = fuzz_ranges(intervals, 36500)
        assert [fuzz_bounds(float(i), 1, 36500) for i in intervals] == list(zip(lower, upper, strict=True))
        load = rng.integers(0, 30, size=120).astype(float)
        weekday_of = (2 + np.arange(len(load))) % 7
        offsets, weights = balance_weights(lower, upper, load, weekday_of, easy)
        ref_load = Load(today=0, due={k: int(v) for k, v in enumerate(load)}, easy_days=easy)
        for row in range(len(intervals)):
            ref = day_weights(int(lower[row]), int(upper[row]), ref_load, lambda k: (2 + k) % 7)
            got = [(int(o), float(w)) for o, w in zip(offsets[row], weights[row], strict=True) if w > 0]
            assert [o for o, _ in got] == [o for o, _ in ref]
            assert np.allclose([w for _, w in got], [w for _, w in ref], rtol=1e-12)


def clump(n: int, stability: float = 12.0) -> SimCards:
    """``n`` cards learnt together: the same memory, all due today."""
    return SimCards.build([stability] * n, [5.0] * n, [-stability] * n, [0.0] * n)


def test_the_load_balancer_spreads_a_clump_in_the_forecast() -> None:
    base = SimSettings(days=60, new_per_day=0, reviews_per_day=10_000, perfect_recall=True)
    plain = simulate(clump(3000), Scheduler().parameters, base)
    balanced = simulate(clump(3000), Scheduler().parameters, replace(base, load_balance=True))
    assert abs(sum(balanced.reviews) - sum(plain.reviews)) <= 0.05 * sum(plain.reviews)
    assert max(balanced.reviews[1:]) < 0.5 * max(plain.reviews[1:])


def test_easy_days_carry_less_in_the_forecast() -> None:
    import numpy as np

    rng = np.random.default_rng(5)
    n = 4000
    s = list(rng.uniform(3, 40, size=n))
    cards = SimCards.build(s, [5.0] * n, [-x for x in s], list(rng.integers(0, 20, size=n).astype(float)))
    st = SimSettings(days=70, new_per_day=0, reviews_per_day=10_000, perfect_recall=True, load_balance=True)
    out = simulate(cards, Scheduler().parameters, replace(st, easy_days=(5, 6), first_weekday=0))
    days = np.arange(21, 70)
    reviews = np.array(out.reviews)[days]
    weekend = reviews[days % 7 >= 5].mean()
    weekdays = reviews[days % 7 < 5].mean()
    assert weekend < 0.7 * weekdays


def test_a_lab_card_is_simulated_at_the_labs_retention() -> None:
    """A passed lab comes back at the labs' retention (0.7), as record_check schedules it, while the other
    cards keep the collection's: the lab's review days are those of the same card simulated at 0.7."""
    import dataclasses

    import numpy as np

    def days_reviewed(cards: SimCards, retention: float) -> list[int]:
        settings = SimSettings(days=400, new_per_day=0, perfect_recall=True, desired_retention=retention)
        return [d for d, n in enumerate(simulate(cards, W, settings).reviews) if n]

    plain = SimCards.build([5.0], [5.0], [-5], [0])
    lab = dataclasses.replace(plain, lab=np.array([True]))
    at_lab_retention = days_reviewed(plain, 0.7)
    assert days_reviewed(lab, 0.9) == at_lab_retention != days_reviewed(plain, 0.9)
    assert len(at_lab_retention) < len(days_reviewed(plain, 0.9))
    # a mixed collection: each card at its own target
    both = dataclasses.replace(
        SimCards.build([5.0, 5.0], [5.0, 5.0], [-5, -5], [0, 0]), lab=np.array([True, False])
    )
    settings = SimSettings(days=400, new_per_day=0, perfect_recall=True, load_balance=False)
    assert sum(simulate(both, W, settings).reviews) == len(at_lab_retention) + len(days_reviewed(plain, 0.9))
