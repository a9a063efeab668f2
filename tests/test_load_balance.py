"""Load balancing and easy days (issue 11, item 5): flatter days, never outside the fuzz range."""

from __future__ import annotations

import json
import random
import statistics
from pathlib import Path

from click.testing import CliRunner

from srs.cli import cli
from srs.clock import DAY, LearnerClock
from srs.model import Memory, Rating, State
from srs.scheduling.fuzz import fuzz_bounds, minimum_interval, round_half_up
from srs.scheduling.load_balance import Load, balanced_interval, day_weights
from srs.scheduling.scheduler import Scheduler
from srs.scheduling.settings import Settings
from srs.store import Store
from tests.conftest import T0

CLOCK = LearnerClock(0, 4)


def fuzz_range(sched: Scheduler, memory: Memory, when: int, hard: int) -> range:
    """The whole days fuzz may give Good on this card (Anki's ranges and minimums, written out)."""
    good = sched.outcomes(memory, when)[Rating.GOOD][0]
    assert good.stability is not None
    interval = sched.model.interval(good.stability, sched.settings.desired_retention)
    if memory.state is State.REVIEW:  # at least one day past Hard, and not shorter than before
        least = max(minimum_interval(interval, sched.scheduled_days(memory), 36500), hard + 1)
    else:  # graduating from relearning: the rounded interval, at least a day
        interval, least = max(1, round_half_up(interval)), 1
    lower, upper = fuzz_bounds(interval, least, 36500)
    return range(lower, upper + 1)


def simulate(balance: bool, days: int = 75, seed: int = 5) -> tuple[list[int], int]:
    """A learner adding 15 new cards a day, rating every due card Good (Again 10% of the time, then
    relearnt ten minutes later). Returns the reviews done on each of the last 30 days, and how many
    balanced intervals were checked against their fuzz range.
    """
    rng = random.Random(seed)
    sched = Scheduler(Settings(load_balance=balance), CLOCK)
    start = CLOCK.day(T0)
    cards: dict[str, Memory] = {}
    due_days: dict[int, int] = {}
    counts = []
    checked = 0

    def schedule(cid: str, memory: Memory) -> None:
        cards[cid] = memory
        day = CLOCK.day(memory.due or 0)
        due_days[day] = due_days.get(day, 0) + 1

    for d in range(days):
        today = start + d
        now = CLOCK.start(today) + 8 * 3600
        load = Load(today=today, due=due_days) if balance else None
        done = 0
        for cid in sorted(cards):
            memory = cards[cid]
            if CLOCK.day(memory.due or 0) > today:
                continue
            when = now
            if rng.random() < 0.1:  # a lapse: relearnt ten minutes later
                memory = sched.rate(memory, Rating.AGAIN, now, card_id=cid)
                when = now + 600
            after = sched.rate(memory, Rating.GOOD, when, card_id=cid, load=load)
            if balance and d >= days - 30 and checked < 100:
                hard = sched.preview(memory, when, card_id=cid, load=load)[Rating.HARD] // DAY
                assert CLOCK.day(after.due or 0) - today in fuzz_range(sched, memory, when, hard), cid
                checked += 1
            schedule(cid, after)
            done += 1
        for k in range(15):
            cid = f"n{d}-{k}"
            learnt = sched.rate(Memory(), Rating.GOOD, now, card_id=cid)
            schedule(cid, sched.rate(learnt, Rating.GOOD, now + 600, card_id=cid, load=load))
        counts.append(done)
    return counts[-30:], checked


def test_load_balancing_flattens_a_lumpy_forecast_within_the_fuzz_range() -> None:
    plain, _ = simulate(balance=False)
    balanced, checked = simulate(balance=True)
    sd_plain, sd_balanced = statistics.pstdev(plain), statistics.pstdev(balanced)
    print(f"\ndaily reviews over 30 days: sd {sd_plain:.1f} without load balancing, {sd_balanced:.1f} with")
    assert checked == 100
    assert sd_balanced < sd_plain * 0.8
    assert abs(sum(balanced) - sum(plain)) < 0.1 * sum(plain)  # the work moves, it does not vanish


def test_balancer_prefers_emptier_days_and_avoids_siblings() -> None:
    load = Load(today=100, due={108: 30, 109: 0, 110: 30, 111: 30, 112: 30})
    weights = dict(day_weights(8, 12, load, CLOCK.weekday))
    assert max(weights, key=weights.__getitem__) == 9
    with_sibling = Load(today=100, due=load.due, siblings=frozenset({109}))
    assert dict(day_weights(8, 12, with_sibling, CLOCK.weekday))[9] < weights[9] / 1000
    picks = [balanced_interval(10.0, 1, 36500, i / 200, load, CLOCK.weekday) for i in range(200)]
    assert set(picks) <= {8, 9, 10, 11, 12} and picks.count(9) > 150
    assert balanced_interval(120.0, 1, 36500, 0.5, load, CLOCK.weekday) is None  # too long to balance


def test_easy_days_get_a_lighter_load() -> None:
    today = CLOCK.day(T0)  # a Monday
    due = {today + k: 20 for k in range(1, 40)}
    easy = Load(today=today, due=due, easy_days=frozenset({5, 6}))
    picks = [balanced_interval(30.0, 1, 36500, i / 500, easy, CLOCK.weekday) for i in range(500)]
    weekend = sum(1 for p in picks if p is not None and CLOCK.weekday(today + p) >= 5)
    normal = Load(today=today, due=due)
    plain = [balanced_interval(30.0, 1, 36500, i / 500, normal, CLOCK.weekday) for i in range(500)]
    plain_weekend = sum(1 for p in plain if p is not None and CLOCK.weekday(today + p) >= 5)
    assert plain_weekend > 50 and weekend < plain_weekend / 10


def test_config_easy_days_and_load_balance(home: Path, runner: CliRunner) -> None:
    ok = runner.invoke(cli, ["config", "set", "easy-days", "Sat, sunday"])
    assert ok.exit_code == 0, ok.output
    assert ok.output.strip() == "easy-days = sat,sun"
    got = runner.invoke(cli, ["config", "get", "--json"])
    data = json.loads(got.output)
    assert data["easy-days"] == "sat,sun" and data["load-balance"] == "on"
    assert runner.invoke(cli, ["config", "set", "load-balance", "off"]).output.strip() == "load-balance = off"
    assert runner.invoke(cli, ["config", "set", "easy-days", "none"]).output.strip() == "easy-days = none"
    for name, value, message in (
        ("easy-days", "sat,funday", "Error: bad weekday 'funday'"),
        ("easy-days", "mon tue wed thu fri sat sun", "Error: easy-days cannot be every day"),
        ("load-balance", "maybe", "Error: expected on or off"),
    ):
        bad = runner.invoke(cli, ["config", "set", name, value])
        assert bad.exit_code != 0 and bad.output.startswith(message), bad.output
        assert "Traceback" not in bad.output


def test_session_passes_the_days_ahead_to_the_balancer(store: Store, tmp_path: Path) -> None:
    from srs.decks.sync import DeckRoot, sync
    from srs.review.session import Session
    from tests.conftest import write_deck

    decks = tmp_path / "decks"
    write_deck(decks, "d.md", "".join(f"## c{i}\nQ: q{i}\nA: a{i}\n\n" for i in range(30)))
    assert sync(store, [DeckRoot("user", decks)], T0).errors == ()
    sched = Scheduler(Settings(new_per_day=30), CLOCK)
    session = Session(store, sched, T0)
    while (card := session.next(T0)) is not None:
        shown = session.intervals(card, T0)
        outcome = session.rate(card.id, Rating.EASY, T0)
        assert outcome.after.due == CLOCK.start(CLOCK.day(T0) + shown[Rating.EASY] // DAY)
        (logged,) = store.reviews(card.id)
        assert logged.interval_days == shown[Rating.EASY] // DAY
    assert session._due_days is not None and sum(session._due_days.values()) == 30
