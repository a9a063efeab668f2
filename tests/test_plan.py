"""Study plans: the calendar, re-spreading after a missed day, the review's quotas, exam dates, the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from srs.cli import cli
from srs.clock import LearnerClock
from srs.decks.sync import DeckRoot, sync
from srs.model import Memory, Rating, State
from srs.paths import builtin_decks_dir
from srs.review.session import Session
from srs.scheduling import plan as core
from srs.scheduling import plan_forecast, plan_status
from srs.scheduling.plan import PlanClock
from srs.scheduling.plan_days import assign_days, curriculum_day, titles
from srs.scheduling.plan_today import plan_today
from srs.scheduling.scheduler import Scheduler, Settings
from srs.store import Store
from tests.conftest import DAY, T0, rate_new_cards, write_deck
from tests.learner import Learner, study_day

CLOCK = PlanClock(LearnerClock(0, 4))
TODAY = CLOCK.day(T0)


def sched(**kw: object) -> Scheduler:
    return Scheduler(Settings(enable_fuzzing=False, **kw))  # type: ignore[arg-type]


def curriculum(store: Store, tmp_path: Path, days: int = 3, per_day: int = 12, own: int = 0) -> None:
    """A small curriculum: ``per_day`` cards tagged dayN for N = 1..days, plus ``own`` untagged cards."""
    folder = tmp_path / "decks"
    for n in range(1, days + 1):
        body = "".join(f"## c{n}-{i:02d}\nQ: q{n} {i}\nA: a{n} {i}\n\n" for i in range(per_day))
        write_deck(
            folder,
            f"day{n}.md",
            f"---\ndeck: Course::Day {n} · 第{n}天 (Topic {n})\ntags: day{n}\norder: {n * 100}\n---\n\n{body}",
        )
    if own:
        body = "".join(f"## mine-{i:02d}\nQ: mine {i}\nA: yes {i}\n\n" for i in range(own))
        write_deck(folder, "mine.md", f"---\ndeck: Mine\n---\n\n{body}")
    assert sync(store, [DeckRoot("user", folder)], T0).errors == ()


def introductions(store: Store) -> list[tuple[str, int]]:
    """(card id, learner day) of each first rating, in the order they happened."""
    return [
        (cid, CLOCK.day(ts))
        for cid, ts in store.execute("SELECT card_id, ts FROM reviews WHERE state = 0 ORDER BY id")
    ]


def follow(store: Store, scheduler: Scheduler, days: list[int], learner: Learner) -> list[tuple[int, int]]:
    """The learner does the whole daily review on each of these plan days (0 = the first)."""
    done = []
    for d in days:
        done.append(study_day(lambda now: Session(store, scheduler, now), learner, T0 + d * DAY))
    return done


# -- the calendar --------------------------------------------------------------------------------------
def test_curriculum_days_spread_over_the_plan_days() -> None:
    groups = [1] * 4 + [2] * 2 + [3] * 6
    assert assign_days(groups, 3) == [0] * 4 + [1] * 2 + [2] * 6
    # Stretched: each curriculum day takes two plan days, its cards split evenly.
    assert assign_days(groups, 6) == [0, 0, 1, 1, 2, 3, 4, 4, 4, 5, 5, 5]
    # Squeezed: curriculum days share plan days, order kept.
    assert assign_days(groups, 2) == [0] * 4 + [0] * 2 + [1] * 6
    # No curriculum days: an even spread.
    assert assign_days([None] * 6, 3) == [0, 0, 1, 1, 2, 2]
    assert curriculum_day("day3 cnn") == 3 and curriculum_day("today daylight") is None


def test_titles_come_from_the_curriculum_deck_names() -> None:
    decks = ["DL Week::Day 3 · 卷积神经网络基础 (CNN basics)::Convolution"] * 2
    assert titles(decks) == ("卷积神经网络基础 (CNN basics)", "CNN basics")
    assert titles(["Mine::Part A", "Mine::Part A", "Other"]) == ("Mine::Part A", "Part A")


def test_learner_days_follow_the_rollover_hour() -> None:
    assert CLOCK.start(TODAY) == T0 - 6 * 3600
    assert CLOCK.day(CLOCK.start(TODAY) - 1) == TODAY - 1
    assert PlanClock(LearnerClock(8 * 3600, 4)).day(T0) == TODAY  # 18:00 in UTC+8, same date


# -- the plan in the daily review -----------------------------------------------------------------------
def test_builtin_seven_day_plan_opens_each_day_in_order_within_the_budget(store: Store) -> None:
    assert sync(store, [DeckRoot("builtin", builtin_decks_dir())], T0).errors == ()
    core.start(store, today=TODAY, now=T0)
    scheduler = sched()
    planned = [
        (r[0], curriculum_day(r[1]), r[2])
        for r in store.execute(
            "SELECT id, tags, tier FROM cards WHERE active = 1 AND deck LIKE 'DL Week::%' "
            "ORDER BY ord, path, position, id"
        )
    ]
    assert len(planned) > 800
    follow(store, scheduler, list(range(3)), Learner(seed=3))
    intro = introductions(store)
    rank = {cid: (tier != "core", cday or 0, i) for i, (cid, cday, tier) in enumerate(planned)}
    # No card before its curriculum day opens; each day in the budget's order (core first, then the
    # curriculum's order) as far as the budget went; far fewer than the whole curriculum.
    for cid, day in intro:
        assert rank[cid][1] <= day - TODAY + 1, cid
    for day in range(TODAY, TODAY + 3):
        ids = [cid for cid, d in intro if d == day]
        assert ids and [rank[c] for c in ids] == sorted(rank[c] for c in ids)
    assert len(intro) < 400


def test_missed_day_keeps_the_next_day_within_the_budget_and_says_so(store: Store, tmp_path: Path) -> None:
    curriculum(store, tmp_path, days=4, per_day=120)
    core.start(store, today=TODAY, now=T0, days=4, deck="Course", minutes=20)
    scheduler = sched()
    learner = Learner(seed=5)
    follow(store, scheduler, [0], learner)  # Day 1 done; day 2 (index 1) missed
    st = plan_status.status(store, scheduler, T0 + 2 * DAY, simulate_runs=1)
    assert st is not None and st.respread and st.behind == 1 and st.day_number == 3
    assert [d.status for d in st.days] == ["done", "missed", "today", "upcoming"]
    assert st.days[2].minutes <= 20 * 1.1 and st.tail is not None and st.tail.days >= 1
    note = plan_status.respread_note(st)
    assert note is not None and "stays within 20 min a day" in note
    today = plan_today(store, T0 + 2 * DAY, LearnerClock(0, 4), scheduler.settings)
    first_day = sum(1 for _, d in introductions(store) if d == TODAY)
    assert today is not None and 0 < today.planned_room <= first_day


def test_own_cards_keep_the_normal_new_limit_beside_the_plan(store: Store, tmp_path: Path) -> None:
    curriculum(store, tmp_path, days=2, per_day=30, own=20)
    core.start(store, today=TODAY, now=T0, days=2, tag="day1")
    core.stop(store, T0)
    core.start(store, today=TODAY, now=T0, days=2, deck="Course")
    scheduler = sched(new_per_day=5)
    session = Session(store, scheduler, T0)
    assert session.progress(T0).new == 30 + 5
    follow(store, scheduler, [0], Learner())
    ids = [cid for cid, _ in introductions(store)]
    assert sum(cid.startswith("mine") for cid in ids) == 5
    assert sum(cid.startswith("c1-") for cid in ids) == 30 and not any(cid.startswith("c2-") for cid in ids)
    # History is kept: the stopped plan is still there.
    assert [p.stopped is not None for p in core.history(store)] == [True, False]


def test_shift_moves_the_calendar(store: Store, tmp_path: Path) -> None:
    curriculum(store, tmp_path, days=2, per_day=5)
    core.start(store, today=TODAY, now=T0, days=2, deck="Course")
    moved = core.shift(store, 1, clock=CLOCK, now=T0)
    assert moved.start == TODAY + 1
    today = plan_today(store, T0, LearnerClock(0, 4), sched().settings)
    assert today is not None and today.planned_room == 0  # the plan starts tomorrow
    tomorrow = plan_today(store, T0 + DAY, LearnerClock(0, 4), sched().settings)
    assert tomorrow is not None and tomorrow.planned_room == 5


# -- exam dates ------------------------------------------------------------------------------------------
def exam_run(store: Store, tmp_path: Path, *, exam: bool, target: float = 0.95) -> list[float]:
    """Plan 36 cards towards a date 12 days out, follow every day before it; recall on the date per card."""
    curriculum(store, tmp_path, days=3, per_day=12)
    exam_day = TODAY + 12
    if exam:
        core.set_exam(store, today=TODAY, now=T0, exam=exam_day, retention=target, deck="Course")
    else:
        core.start(store, today=TODAY, now=T0, days=10, deck="Course")
    scheduler = sched()
    follow(store, scheduler, list(range(12)), Learner(seed=11))
    exam_at = CLOCK.start(exam_day)
    recalls = []
    for card in store.cards(where="state > 0"):
        r = scheduler.retrievability(card.memory, exam_at)
        assert r is not None
        recalls.append(r)
    assert len(recalls) == 36  # everything introduced before the date
    return recalls


def test_exam_date_puts_recall_on_the_date_at_least_the_target(store: Store, tmp_path: Path) -> None:
    exam_run(store, tmp_path, exam=True)
    exam_day = TODAY + 12
    # Recall on the date counts whole learner days (as FSRS and Anki do): a card reviewed on the eve is
    # one day old on the date, so a card whose memory is too weak for the target even one day after a
    # review cannot reach it; the cap brings every such card back on the eve, the latest day possible.
    scheduler = sched()
    weak = [
        c
        for c in store.cards(where="state > 0")
        if (scheduler.retrievability(c.memory, CLOCK.start(exam_day)) or 0) < 0.95
    ]
    for card in weak:
        assert card.memory.last_review is not None
        assert CLOCK.day(card.memory.last_review) == exam_day - 1, card.id
    assert len(weak) <= 6  # without the exam date 22 of the 36 cards fall under the target (below)
    plan = core.running(store)
    assert plan is not None and plan.end == TODAY + 10  # the day before the exam is kept for review
    forecast = plan_forecast.exam_forecast(store, sched(), plan, CLOCK)
    assert forecast.reviewed == 36 and forecast.below_target == len(weak)


def test_without_the_exam_cap_some_cards_fall_under_the_target(store: Store, tmp_path: Path) -> None:
    # The same learner and cards with no exam date: the check above can fail.
    recalls = exam_run(store, tmp_path, exam=False)
    assert min(recalls) < 0.95 and sum(r < 0.95 for r in recalls) > 15


def test_exam_cap_only_shortens_and_stops_at_the_exam(store: Store, tmp_path: Path) -> None:
    curriculum(store, tmp_path, days=1, per_day=3, own=1)
    core.set_exam(store, today=TODAY, now=T0, exam=TODAY + 30, retention=0.9, deck="Course")
    scheduler = sched()
    today = plan_today(store, T0, LearnerClock(0, 4), scheduler.settings)
    assert today is not None
    planned, mine = store.get_card("c1-00"), store.get_card("mine-00")
    r = scheduler.retrievability
    long = Memory(state=State.REVIEW, stability=100.0, difficulty=5.0, due=T0 + 60 * DAY, last_review=T0)
    weak = Memory(state=State.REVIEW, stability=3.0, difficulty=5.0, due=T0 + 40 * DAY, last_review=T0)
    soon = Memory(state=State.REVIEW, stability=3.0, difficulty=5.0, due=T0 + 3 * DAY, last_review=T0)
    assert today.cap(planned, long, T0, r) == long  # recall on the date is high enough
    assert today.cap(planned, weak, T0, r).due == CLOCK.start(TODAY + 29)  # brought back the day before
    assert today.cap(planned, soon, T0, r) == soon  # due before the exam anyway
    assert today.cap(mine, weak, T0, r) == weak  # not a planned card
    assert today.cap(planned, weak, T0 + 31 * DAY, r) == weak  # after the exam: the normal schedule


# -- the command line ------------------------------------------------------------------------------------
def run(runner: CliRunner, *args: str, now: str = "2026-03-02T10:00:00Z") -> tuple[int, str]:
    result = runner.invoke(cli, list(args), env={"SRS_NOW": now}, catch_exceptions=False)
    return result.exit_code, result.output


def test_cli_plan_start_show_shift_stop(home: Path, runner: CliRunner) -> None:
    code, out = run(runner, "plan")
    assert code == 0 and "No plan is running" in out
    code, out = run(runner, "plan", "start")
    assert code == 0, out
    assert "today: Day 1 of 7 - Deep learning foundations:" in out and " new" in out and "min" in out
    assert "深度学习基础 (Deep learning foundations)" in out and "多模态基础与总结" in out
    code, out = run(runner, "plan", "--json")
    data = json.loads(out)
    assert data["day"] == 1 and len(data["days"]) == 7 and data["cards"] > 800
    assert data["minutes_per_day"] == 45 and data["minutes_basis"] == "default costs"
    assert all(d["minutes"] <= 45 * 1.1 for d in data["days"])
    assert sum(d["new"] for d in data["days"]) + data["tail"]["cards"] == pytest.approx(data["cards"], abs=5)
    assert data["current"]["title"].endswith("(Deep learning foundations)")
    code, out = run(runner, "due", "--json")
    assert json.loads(out)["new_today"] == data["days"][0]["new"]
    # Day 3 with nothing done: behind, re-spread, said so.
    code, out = run(runner, "plan", now="2026-03-04T10:00:00Z")
    assert (
        "today: Day 3 of 7 - CNN basics:" in out and "2 plan days missed: what is left stays within 45" in out
    )
    code, out = run(runner, "plan", "shift", "2", "--json")
    assert code == 0 and json.loads(out)["plan"]["start"] == "2026-03-04"
    code, out = run(runner, "plan", "stop")
    assert code == 0 and "history is kept" in out
    code, out = run(runner, "plan", "--json")
    assert json.loads(out)["plan"] is None and len(json.loads(out)["history"]) == 1


def test_cli_plan_stretched_and_exam(home: Path, runner: CliRunner) -> None:
    code, out = run(runner, "plan", "start", "--days", "14", "--from", "2026-03-03", "--json")
    data = json.loads(out)
    assert code == 0 and len(data["days"]) == 14 and data["day"] == 0
    assert data["days"][0]["title"] == data["days"][1]["title"]  # a curriculum day over two plan days
    # The simulator follows the calendar: nothing new before the plan's first day.
    code, out = run(runner, "simulate", "--plan", "--days", "3", "--runs", "1", "--json")
    per_day = json.loads(out)["results"][0]["per_day"]
    assert per_day[0]["new"] == 0 and per_day[1]["new"] == data["days"][0]["new"] > 0
    code, out = run(runner, "plan", "--by", "2026-03-20", "--retention", "0.92", "--json")
    data = json.loads(out)
    assert code == 0 and data["plan"]["exam"] == "2026-03-20" and data["exam"]["target"] == 0.92
    assert data["plan"]["end"] <= "2026-03-18"
    code, out = run(runner, "plan")
    assert "Exam 2026-03-20" in out and "predicted share recalled on the date" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("plan", "stop"), "no plan is running"),
        (("plan", "shift", "1"), "no plan is running"),
        (("plan", "start", "--days", "0"), "--days must be between 1"),
        (("plan", "start", "--from", "03/04/2026"), "is not a date like"),
        (("plan", "start", "--deck", "Nope"), "no cards in deck 'Nope'"),
        (("plan", "--by", "2026-03-01"), "must be after today"),
        (("plan", "--by", "2026-04-01", "--retention", "1.5"), "retention must be between"),
        (("simulate", "--retention", "0.2"), "retention must be between"),
        (("plan", "start", "--minutes", "2"), "--minutes must be between 5 and 600"),
        (("plan", "set", "--minutes", "60"), "no plan is running"),
    ],
)
def test_cli_plan_bad_input(home: Path, runner: CliRunner, args: tuple[str, ...], message: str) -> None:
    code, out = run(runner, *args)
    assert code != 0 and out.startswith("Error: ") and message in out and "Traceback" not in out


def test_cli_plan_minutes_start_set_and_the_daily_minutes_setting(home: Path, runner: CliRunner) -> None:
    code, out = run(runner, "plan", "start", "--minutes", "60", "--json")
    data = json.loads(out)
    assert code == 0 and data["minutes_per_day"] == 60 and data["plan"]["minutes"] == 60
    assert max(d["minutes"] for d in data["days"]) > 50  # the budget is used
    first = data["days"][0]["new"]
    code, out = run(runner, "plan", "set", "--minutes", "20")
    assert code == 0 and "Plan now 20 min a day over 7 days" in out
    assert "20 min a day introduces" in out and "core cards by day 7" in out  # said plainly
    data = json.loads(run(runner, "plan", "--json")[1])
    assert data["days"][0]["new"] < first and all(d["minutes"] <= 22 for d in data["days"])
    assert data["core_shortfall"]["by_end"] < data["core_shortfall"]["core"]
    code, out = run(runner, "plan", "set", "--days", "9", "--json")
    assert code == 0 and len(json.loads(out)["days"]) == 9
    code, out = run(runner, "plan", "set")
    assert code != 0 and "say what to change" in out
    # A plan started without --minutes follows the daily-minutes setting.
    run(runner, "plan", "stop")
    assert run(runner, "config", "set", "daily-minutes", "30")[0] == 0
    code, out = run(runner, "plan", "start", "--json")
    assert code == 0 and json.loads(out)["minutes_per_day"] == 30
    run(runner, "config", "set", "daily-minutes", "50")
    assert json.loads(run(runner, "plan", "--json")[1])["minutes_per_day"] == 50


def test_cli_plan_start_twice_is_refused(home: Path, runner: CliRunner) -> None:
    assert run(runner, "plan", "start")[0] == 0
    code, out = run(runner, "plan", "start")
    assert code == 1 and out.startswith("Error: a plan is already running")


# -- the stored forecast ---------------------------------------------------------------------------------
def forecast_row(store: Store) -> tuple[str, str] | None:
    plan = core.running(store)
    assert plan is not None
    return core.q.load_forecast(store, plan.id)


def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, running the simulator fails the test."""
    from srs.scheduling import simulate

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("simulated again")

    monkeypatch.setattr(simulate, "simulate", refuse)


def test_stored_forecast_gives_the_same_status_as_a_fresh_one(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    curriculum(store, tmp_path, days=3, per_day=12)
    core.set_exam(store, today=TODAY, now=T0, exam=TODAY + 8, retention=0.9, deck="Course")
    scheduler = sched()
    follow(store, scheduler, [0, 1], Learner(seed=3))
    now = T0 + 2 * DAY
    fresh = plan_status.status(store, scheduler, now, cached=False)
    assert fresh is not None and fresh.exam is not None and fresh.exam.following_plan is not None
    assert sum(d.reviews for d in fresh.days) > 0
    first = plan_status.status(store, scheduler, now)
    no_simulation(monkeypatch)
    again = plan_status.status(store, scheduler, now + 3600)  # later the same learner day: read back
    assert first == fresh and again == fresh
    assert again is not None and again.to_dict() == fresh.to_dict()


def test_stored_forecast_is_recomputed_after_a_review_a_shift_and_on_the_next_day(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    curriculum(store, tmp_path, days=3, per_day=12)
    core.start(store, today=TODAY, now=T0, days=3, deck="Course")
    scheduler = sched()
    calls: list[int] = []
    from srs.scheduling import simulate

    real = simulate.simulate

    def counting(*args: object, **kw: object) -> object:
        calls.append(1)
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(simulate, "simulate", counting)
    plan_status.status(store, scheduler, T0, simulate_runs=2)
    plan_status.status(store, scheduler, T0 + 60, simulate_runs=2)
    assert len(calls) == 1 and forecast_row(store) is not None
    # A review: the memories changed.
    session = Session(store, scheduler, T0 + 120)
    card = session.next(T0 + 120)
    assert card is not None
    session.rate(card.id, Rating.GOOD, T0 + 130)
    after_review = plan_status.status(store, scheduler, T0 + 140, simulate_runs=2)
    assert len(calls) == 2
    assert after_review == plan_status.status(store, scheduler, T0 + 140, simulate_runs=2, cached=False)
    plan_status.status(store, scheduler, T0 + 150, simulate_runs=2)
    assert len(calls) == 3  # one for the uncached call, none for the repeat
    # A shift of the calendar.
    core.shift(store, 1, clock=CLOCK, now=T0 + 160)
    shifted = plan_status.status(store, scheduler, T0 + 160, simulate_runs=2)
    assert len(calls) == 4 and shifted is not None and shifted.plan.shifted == 1
    # The next learner day.
    next_day = plan_status.status(store, scheduler, T0 + DAY, simulate_runs=2)
    assert len(calls) == 5 and next_day is not None and next_day.today == TODAY + 1
    plan_status.status(store, scheduler, T0 + DAY + 60, simulate_runs=2)
    assert len(calls) == 5
    # A new exam date changes the plan too.
    core.set_exam(store, today=TODAY + 1, now=T0 + DAY, exam=TODAY + 9, retention=0.9)
    with_exam = plan_status.status(store, scheduler, T0 + DAY + 120, simulate_runs=2)
    assert len(calls) == 6 and with_exam is not None and with_exam.exam is not None


def test_repeated_cli_plan_loads_neither_numpy_nor_the_simulator(home: Path, runner: CliRunner) -> None:
    import os
    import subprocess
    import sys

    code, out = run(runner, "plan", "start")
    assert code == 0, out
    script = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from srs.cli import cli\n"
        "r = CliRunner().invoke(cli, ['plan'], catch_exceptions=False)\n"
        "assert r.exit_code == 0, r.output\n"
        "assert 'today: Day 1 of 7' in r.output, r.output\n"
        "print(sorted(m for m in ('numpy',) if m in sys.modules))\n"
    )
    env = {**os.environ, "SRS_HOME": str(home), "SRS_NOW": "2026-03-02T11:00:00Z"}
    first = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert first.stdout.strip() == "[]", first.stderr  # `plan start` stored the forecast
    env["SRS_NOW"] = "2026-03-03T11:00:00Z"  # the next day: computed again, then stored
    second = subprocess.run(
        [sys.executable, "-c", script.replace("Day 1", "Day 2")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "numpy" in second.stdout
    third = subprocess.run(
        [sys.executable, "-c", script.replace("Day 1", "Day 2")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert third.stdout.strip() == "[]"


def test_plan_table_lines_up_wide_titles_and_wraps_to_the_width(store: Store, tmp_path: Path) -> None:
    from srs.tui.plantable import cells, plan_lines, table_lines, wrap

    assert cells("第1天 (x)") == 9 and wrap("第一天 ab cd", 7) == ["第一天", "ab cd"]
    assert wrap("abcdefgh", 3) == ["abc", "def", "gh"]
    curriculum(store, tmp_path, days=3, per_day=4)
    core.start(store, today=TODAY, now=T0, days=3, deck="Course")
    st = plan_status.status(store, sched(), T0, simulate_runs=1)
    assert st is not None
    wide = table_lines(st, 120)
    assert wide[0].split() == ["Day", "Date", "Title", "New", "Reviews", "Min", "Done"]
    assert len(wide) == 4 and "第1天 (Topic 1)" in wide[1] and wide[1].endswith("▶ today")
    new_at = cells(wide[0][: wide[0].index("New") + 3])  # right-aligned: every row's figure ends here
    for line, d in zip(wide[1:], st.days, strict=True):
        ends = [cells(line[: i + 1]) for i in range(len(line)) if line[: i + 1].endswith(f" {d.new}")]
        assert new_at in ends
    narrow = plan_lines(st, 40)
    assert all(cells(line) <= 40 for line in narrow if not line.startswith(("  1", "  2", "  3", "Day")))
    assert "\x1b[" not in "".join(narrow) and "\x1b[1;33m" in "".join(plan_lines(st, 120, color=True))
    assert any(line.startswith("today: Day 1 of 3") for line in narrow)


def test_stored_forecast_follows_a_sync_that_renames_a_day(store: Store, tmp_path: Path) -> None:
    curriculum(store, tmp_path, days=2, per_day=3)
    core.start(store, today=TODAY, now=T0, days=2, deck="Course")
    st = plan_status.status(store, sched(), T0, simulate_runs=1)
    assert st is not None and st.days[0].short == "Topic 1"
    body = "".join(f"## c1-{i:02d}\nQ: q1 {i}\nA: a1 {i}\n\n" for i in range(3))
    write_deck(
        tmp_path / "decks",
        "day1.md",
        f"---\ndeck: Course::Day 1 · 第1天 (Renamed)\ntags: day1\norder: 100\n---\n\n{body}",
    )
    assert sync(store, [DeckRoot("user", tmp_path / "decks")], T0 + 60).errors == ()
    again = plan_status.status(store, sched(), T0 + 120, simulate_runs=1)
    assert again is not None and again.days[0].short == "Renamed"
    assert again == plan_status.status(store, sched(), T0 + 120, simulate_runs=1, cached=False)


def test_the_eve_of_the_exam_shows_every_due_card_whatever_the_limit_and_siblings(
    store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "decks"
    body = "## n1\ntext: {{c1::a}} {{c2::b}} {{c3::c}}\n\n" + "".join(
        f"## b{i}\nQ: q{i}\nA: a{i}\n\n" for i in range(3)
    )
    write_deck(folder, "d.md", f"---\ndeck: Course\ntags: day1\n---\n\n{body}")
    assert sync(store, [DeckRoot("user", folder)], T0).errors == ()
    scheduler = sched(reviews_per_day=2)
    core.set_exam(store, today=TODAY, now=T0, exam=TODAY + 5, retention=0.9, deck="Course")
    eve = CLOCK.start(TODAY + 4)
    ids = [r[0] for r in store.execute("SELECT id FROM cards")]
    for cid in ids:  # every card reviewed long ago and due on the eve
        before = Memory()
        after = Memory(State.REVIEW, None, 3.0, 5.0, eve, T0 - 3 * DAY, 1, 0)
        store.record_review(
            cid,
            version=store.card_version(cid),
            before=before,
            after=after,
            ts=T0 - 3 * DAY,
            rating=3,
            duration_ms=0,
            elapsed_days=None,
            retrievability=None,
            signals={},
        )

    def drain(now: int) -> list[str]:
        session, seen = Session(store, scheduler, now), []
        while (card := session.next(now)) is not None and len(seen) < 20:
            seen.append(card.id)
            session.rate(card.id, Rating.GOOD, now)
            now += 30
        return seen

    assert len(drain(eve - DAY + 3600 * 8)) == 0  # nothing due the day before
    assert sorted(drain(eve + 3600 * 8)) == sorted(ids)  # 6 cards, 3 of one note, a limit of 2


def test_exam_cap_spreads_over_the_last_days_once_the_eve_is_full(store: Store, tmp_path: Path) -> None:
    curriculum(store, tmp_path, days=1, per_day=3)
    core.set_exam(store, today=TODAY, now=T0, exam=TODAY + 30, retention=0.9, deck="Course")
    scheduler = sched(reviews_per_day=2)
    today = plan_today(store, T0, LearnerClock(0, 4), scheduler.settings)
    assert today is not None and today.review_limit == 2 and today.due_on is not None
    card, r = store.get_card("c1-00"), scheduler.retrievability
    weak = Memory(state=State.REVIEW, stability=3.0, difficulty=5.0, due=T0 + 40 * DAY, last_review=T0)
    eve = TODAY + 29
    assert today.cap(card, weak, T0, r).due == CLOCK.start(eve)  # nothing due yet: the eve
    due = {eve: 2, eve - 1: 2, eve - 2: 1}
    spread = today._replace(due_on=lambda day: due.get(day, 0))
    assert spread.cap(card, weak, T0, r).due == CLOCK.start(eve - 2)  # the latest day with room
    due[eve - 2] = 2
    assert spread.cap(card, weak, T0, r).due == CLOCK.start(eve)  # all full: the eve, never cut there
    # The real counts: two cards due on the eve fill it.
    for cid in ("c1-01", "c1-02"):
        after = Memory(State.REVIEW, None, 3.0, 5.0, CLOCK.start(eve) + 60, T0 - DAY, 1, 0)
        store.record_review(
            cid, version=store.card_version(cid), before=Memory(), after=after, ts=T0 - DAY, rating=3,
            duration_ms=0, elapsed_days=None, retrievability=None, signals={},
        )  # fmt: skip
    assert today.cap(card, weak, T0, r).due == CLOCK.start(eve - 1)


def test_cards_without_a_curriculum_day_open_evenly_over_the_plan(store: Store, tmp_path: Path) -> None:
    curriculum(store, tmp_path, days=1, per_day=2, own=10)
    core.start(store, today=TODAY, now=T0, days=2, deck="Mine")
    settings = sched().settings
    first = plan_today(store, T0, LearnerClock(0, 4), settings)
    second = plan_today(store, T0 + DAY, LearnerClock(0, 4), settings)
    assert first is not None and first.planned_ids == tuple(f"mine-{i:02d}" for i in range(5))
    assert second is not None and second.planned_ids == tuple(f"mine-{i:02d}" for i in range(10))


# -- shifting the calendar after a missed day: the past stays as it happened -------------------------------
def rows(st: plan_status.PlanStatus) -> list[tuple[int | None, int, str]]:
    """(plan day, date, status) of each row of `srs plan`, in date order."""
    return [(d.number, d.day, d.status) for d in st.days]


def test_shift_after_a_missed_day_moves_only_the_future(store: Store, tmp_path: Path) -> None:
    curriculum(store, tmp_path, days=4, per_day=80)
    core.start(store, today=TODAY, now=T0, days=4, deck="Course", minutes=20)
    scheduler = sched()
    follow(store, scheduler, [0], Learner(seed=5))  # day 1 studied (not all of its cards), day 2 missed
    wed = T0 + 2 * DAY
    before = plan_status.status(store, scheduler, wed, simulate_runs=1)
    assert before is not None and rows(before)[:3] == [
        (1, TODAY, before.days[0].status),
        (2, TODAY + 1, "missed"),
        (3, TODAY + 2, "today"),
    ]
    day1 = before.days[0]
    assert day1.status in ("done", "partial") and 0 < day1.done_new < 80
    moved = core.shift(store, 1, clock=CLOCK, now=wed)
    assert moved.start == TODAY and moved.end == TODAY + 4 and moved.shifted == 1
    st = plan_status.status(store, scheduler, wed, simulate_runs=1)
    assert st is not None
    # Monday stays day 1 with what was done on it; Tuesday is a day off, no plan day; day 2 is today.
    assert rows(st) == [
        (1, TODAY, day1.status),
        (None, TODAY + 1, "off"),
        (2, TODAY + 2, "today"),
        (3, TODAY + 3, "upcoming"),
        (4, TODAY + 4, "upcoming"),
    ]
    assert (st.days[0].done_new, st.days[0].new, st.days[0].title) == (day1.done_new, day1.new, day1.title)
    assert st.days[1].title == "day off (calendar moved by 1)"
    assert st.day_number == 2 and st.current is not None and st.current.title == before.days[1].title
    assert not st.respread and st.behind == 0
    assert plan_status.today_line(st).startswith("today: Day 2 of 4 - Topic 2:")
    data = st.to_dict()
    assert data["plan"]["start"] == "2026-03-02" and data["plan"]["end"] == "2026-03-06"
    assert data["plan"]["gaps"] == [{"from": "2026-03-03", "days": 1}]
    assert [(d["day"], d["date"], d["status"]) for d in data["days"][:3]] == [
        (1, "2026-03-02", day1.status),
        (None, "2026-03-03", "off"),
        (2, "2026-03-04", "today"),
    ]
    # The day's new cards are day 2's: day 3's cards do not open before tomorrow.
    today = plan_today(store, wed, LearnerClock(0, 4), scheduler.settings)
    assert today is not None and today.planned_ids
    assert all(cid.startswith(("c1-", "c2-")) for cid in today.planned_ids)
    # A second shift the same day: today is a day off too, day 2 comes tomorrow.
    core.shift(store, 1, clock=CLOCK, now=wed)
    st = plan_status.status(store, scheduler, wed, simulate_runs=1)
    assert st is not None and rows(st)[:4] == [
        (1, TODAY, day1.status),
        (None, TODAY + 1, "off"),
        (None, TODAY + 2, "off"),
        (2, TODAY + 3, "upcoming"),
    ]
    assert st.current is None and st.plan.end == TODAY + 5
    assert (
        plan_status.today_line(st)
        == "today: a day off (calendar moved by 2); Day 2 of 4 comes on Thu 2026-03-05"
    )
    # A day off introduces no planned card, though day 1's are still waiting; nor does the forecast.
    assert plan_today(store, wed, LearnerClock(0, 4), scheduler.settings).planned_room == 0  # type: ignore[union-attr]
    assert st.days[2].new == 0 and st.days[3].new > 0
    # Back by 2: as before any shift.
    core.shift(store, -2, clock=CLOCK, now=wed)
    st = plan_status.status(store, scheduler, wed, simulate_runs=1)
    assert st is not None and rows(st) == rows(before) and st.plan.gaps == ()
    # Back by 1 more: the future comes a day earlier (day 4 today), the past unchanged.
    core.shift(store, -1, clock=CLOCK, now=wed)
    st = plan_status.status(store, scheduler, wed, simulate_runs=1)
    assert st is not None and rows(st) == [
        (1, TODAY, day1.status),
        (2, TODAY + 1, "missed"),
        (4, TODAY + 2, "today"),
    ]
    assert st.plan.end == TODAY + 2


def test_plan_day_and_date_map_both_ways() -> None:
    plan = core.Plan(
        id=1, deck="Course", tag=None, start=TODAY, days=6, gaps=((TODAY + 1, 2), (TODAY + 5, -1))
    )
    assert [plan.number(TODAY + i) for i in range(-1, 8)] == [0, 1, 1, 1, 2, 3, 5, 6, 7]
    assert [plan.is_off(TODAY + i) for i in range(5)] == [False, True, True, False, False]
    assert [plan.date(k) for k in range(1, 8)] == [
        TODAY,
        TODAY + 3,
        TODAY + 4,
        TODAY + 5,
        TODAY + 5,
        TODAY + 6,
        TODAY + 7,
    ]
    assert plan.end == TODAY + 6
    assert plan.calendar_days() == (
        (TODAY, 1),
        (TODAY + 1, None),
        (TODAY + 2, None),
        (TODAY + 3, 2),
        (TODAY + 4, 3),
        (TODAY + 5, 5),
        (TODAY + 6, 6),
    )


def test_cli_shift_after_a_missed_day_keeps_day_one(home: Path, runner: CliRunner) -> None:
    run(runner, "plan", "start")
    monday = int(datetime(2026, 3, 2, 10, 0, tzinfo=UTC).timestamp())
    assert rate_new_cards(home / "srs.db", 30, monday) == 30
    wed = "2026-03-04T10:00:00Z"
    code, out = run(runner, "plan", "shift", "1", now=wed)
    assert code == 0, out
    code, out = run(runner, "plan", now=wed)
    lines = [" ".join(line.split()) for line in out.splitlines()]
    assert any(
        line.startswith("1 Mon 2026-03-02 深度学习基础") and "◐ partly (30 new, 0 reviews)" in line
        for line in lines
    ), out
    assert "– Tue 2026-03-03 day off (calendar moved by 1)" in lines, out
    assert any(
        line.startswith("2 Wed 2026-03-04 反向传播与优化基础") and "▶ today" in line for line in lines
    ), out
    assert any(line.startswith("7 Mon 2026-03-09 多模态基础与总结") for line in lines), out
    assert "today: Day 2 of 7 - Backpropagation and optimization basics:" in " ".join(lines)
    data = json.loads(run(runner, "plan", "--json", now=wed)[1])
    days = data["days"]
    assert [(d["day"], d["date"], d["status"]) for d in days[:3]] == [
        (1, "2026-03-02", "partial"),
        (None, "2026-03-03", "off"),
        (2, "2026-03-04", "today"),
    ]
    assert (days[0]["done_new"], days[0]["new"]) == (30, 30) and len(days) == 8
    assert data["plan"]["start"] == "2026-03-02" and data["plan"]["end"] == "2026-03-09" and data["day"] == 2


def test_moves_of_the_calendar_stay_coherent() -> None:
    plan = core.Plan(id=1, deck="Course", tag=None, start=TODAY, days=5)
    mon, tue, wed = TODAY, TODAY + 1, TODAY + 2

    def on(*days: int) -> Callable[[int], bool]:
        return lambda d: d in days

    # Before the first rating: the start moves, later or (not before today) earlier.
    assert core.move_calendar(plan, 2, mon, on()).start == TODAY + 2
    early = core.move_calendar(plan, -1, mon, on())
    assert (early.start, early.number(mon), early.end) == (TODAY, 2, TODAY + 3)
    # Something rated today and nothing missed: tomorrow is the day off, today keeps its plan day.
    rated = core.move_calendar(plan, 1, tue + 1, on(mon, tue))
    assert rated.gaps == ((wed, 1),) and rated.number(tue) == 2 and rated.date(3) == wed + 1
    assert rated.days_off(tue) == (1,)
    # Two missed days, one shift: the latest missed day is the day off; day 2 stays as it was.
    two = core.move_calendar(plan, 1, wed + 1, on(mon))
    assert two.gaps == ((wed, 1),) and two.number(tue) == 2 and two.number(wed + 1) == 3
    # Earlier after the plan began: the plan days ahead come that much earlier, the past unchanged;
    # a move later on the same day takes it back.
    ahead = core.move_calendar(plan, -2, wed, on(mon))
    assert [ahead.number(d) for d in (mon, tue, wed)] == [1, 2, 5] and ahead.end == wed
    assert core.move_calendar(ahead, 2, wed, on(mon)).gaps == ()
    assert core.move_calendar(ahead, 3, wed, on(mon)).gaps == ((tue, 1),)


def test_day_titles_are_read_in_one_pass_as_the_pattern_they_replace() -> None:
    """`Day N · full (short)` is read by a scanner (a deck name is learner text: the old pattern was quadratic
    on "Day 1·" repeated); it reads what the pattern read on 20,000 random names."""
    import random
    import re
    import time

    from srs.scheduling.plan_days import day_title

    old = re.compile(r"Day\s+(\d+)\s*·\s*(.+?)\s*\(([^()]+)\)\s*$")

    def reference(part: str) -> tuple[int, str, str] | None:
        m = old.search(part)
        if m is None or not m.group(2).strip():  # a title of spaces only is no title
            return None
        return int(m.group(1)), m.group(2), m.group(3)

    assert day_title("Day 3 · 卷积神经网络基础 (CNN basics)") == (3, "卷积神经网络基础", "CNN basics")
    rng = random.Random(7)
    for _ in range(20_000):
        name = "".join(rng.choice("Day 1·()x \t2") for _ in range(rng.randint(0, 24)))
        assert day_title(name) == reference(name), repr(name)
    started = time.perf_counter()
    assert day_title("Day 1·" * 50_000 + " (x") is None
    assert time.perf_counter() - started < 1.0
