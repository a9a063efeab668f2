"""`srs stats`, `srs history`, `srs leeches` and `srs optimize` through the command line."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rich.cells import cell_len

from srs.cli import cli
from srs.model import Rating
from srs.review.session import Session
from srs.scheduling import optimizer as opt
from srs.scheduling.scheduler import Scheduler, Settings
from srs.store import open_store
from tests.conftest import DAY, T0, write_deck
from tests.conftest import fail_among as fail
from tests.learner import Simulated, simulate, write

NOW = "2026-03-02T10:00:00Z"  # = T0
DECK = """---
deck: Week::Day 1
tags: day1
---
## a
Q: What is a logit?
A: An unnormalised score.

## b
Q: What does ReLU compute?
A: max(0, x)

## c
tags: extra
Q: Softmax of equal logits?
A: Uniform.
"""


@pytest.fixture
def env(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A learner with one small deck, no built-in curriculum, a pinned clock and local time = UTC."""
    monkeypatch.setenv("SRS_NO_BUILTIN", "1")
    monkeypatch.setenv("SRS_NOW", NOW)
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    write_deck(home / "decks", "week.md", DECK)
    yield home
    monkeypatch.undo()
    time.tzset()


def run(*args: str, **env: str | None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env or None, catch_exceptions=False)


@pytest.fixture
def reviewed(env: Path) -> Path:
    """Card a rated Easy ten days ago (now overdue, an 8-day interval), b rated Good an hour ago, c new."""
    assert run("list").exit_code == 0  # creates the database and syncs the deck
    sched = Scheduler(Settings(enable_fuzzing=False))
    with open_store(env / "srs.db") as store:
        Session(store, sched, T0 - 10 * DAY).rate("a", Rating.EASY, T0 - 10 * DAY, duration_ms=6000)
        Session(store, sched, T0 - 3600).rate("b", Rating.GOOD, T0 - 3600, duration_ms=9000)
    return env


def test_stats_json_fields(reviewed: Path) -> None:
    result = run("stats", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["now"] == "2026-03-02T10:00:00+00:00" and data["filter"] == {"deck": None, "tag": None}
    # Due: a (overdue) and b (learning, its 10-minute step over).
    assert data["today"] == {
        "reviewed": 1,
        "again": 0,
        "new_introduced": 1,
        "seconds": 9.0,
        "due": 2,
        "again_rate": 0.0,
    }
    assert data["streak"] == {"current": 1, "longest": 1, "reviewed_today": True, "days_studied": 2}
    # a: overdue (due 2 days ago) and b: learning, due in minutes: both fall on today.
    assert data["forecast"]["days"][0] == {"offset": 0, "date": "2026-03-02", "due": 2}
    assert data["forecast"]["total"] == 2 and len(data["forecast"]["days"]) == 30
    assert [w["days"] for w in data["retention"]["windows"]] == [7, 30, 365]
    assert all(w["total"] is None for w in data["retention"]["windows"])  # no review-state review yet
    assert data["retention"]["desired"] == 0.9
    assert data["progress"][0] == {
        "day": 1,
        "tag": "day1",
        "new": 1,
        "learning": 1,
        "young": 1,
        "mature": 0,
        "suspended": 0,
        "total": 3,
    }
    assert data["memory"]["cards"] == 2 and [c["id"] for c in data["memory"]["lowest"]] == ["a", "b"]
    assert data["heatmap"]["total"] == 2 and data["heatmap"]["days"][-1]["date"] == "2026-03-02"
    assert data["leeches"] == []


def test_stats_filters(reviewed: Path) -> None:
    data = json.loads(run("stats", "--tag", "extra", "--json").stdout)
    assert data["filter"] == {"deck": None, "tag": "extra"}
    assert data["today"]["reviewed"] == 0 and data["progress"][0]["total"] == 1
    data = json.loads(run("stats", "--deck", "Week", "--json").stdout)
    assert data["today"]["reviewed"] == 1 and data["progress"][0]["total"] == 3
    # A deck that does not exist is an error, not empty statistics (issue: filters naming nothing).
    fail(run("stats", "--deck", "Nope", "--json"), "there is no deck 'Nope'")


def test_stats_without_colour_writes_no_escape_codes(reviewed: Path) -> None:
    # Forced to act as a colour terminal, rich would colour; NO_COLOR must remove every escape code.
    coloured = run("stats", NO_COLOR=None, FORCE_COLOR="1", TERM="xterm-256color")
    assert coloured.exit_code == 0 and "\x1b[" in coloured.stdout
    plain = run("stats", NO_COLOR="1", FORCE_COLOR="1", TERM="xterm-256color")
    assert plain.exit_code == 0, plain.output
    assert "\x1b" not in plain.stdout
    # The charts still read without colour: blocks and heat characters carry the meaning.
    assert "Forecast: 2 due in the next 30 days, 2 today" in plain.stdout
    assert "Curriculum progress" in plain.stdout and "Day 1 " in plain.stdout
    assert "less ·░▒▓█ more" in plain.stdout


@pytest.mark.parametrize("columns", ["40", "20"])
def test_stats_in_a_narrow_terminal(reviewed: Path, columns: str) -> None:
    result = run("stats", COLUMNS=columns)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) > 20
    assert max(cell_len(line) for line in lines) <= int(columns)
    assert any(line.startswith("Mon ") for line in lines)  # the heatmap kept some weeks


def test_history_json(reviewed: Path) -> None:
    result = run("history", "a", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["card"] == "a"
    (review,) = data["reviews"]
    assert review["time"] == "2026-02-20T10:00:00+00:00"
    assert (review["rating"], review["rating_value"], review["state_before"]) == ("easy", 4, "new")
    assert (
        review["interval_days"] == 8.0 and review["retrievability"] is None and review["duration_ms"] == 6000
    )
    assert review["stability"] == pytest.approx(8.2956, abs=1e-3) and 1 <= review["difficulty"] <= 10
    text = run("history", "a")
    assert text.exit_code == 0 and "easy" in text.stdout and "8d" in text.stdout


def test_history_of_an_unknown_card_is_one_error_line(reviewed: Path) -> None:
    fail(run("history", "nope"), "no card with id 'nope'")
    assert "has not been reviewed yet" in run("history", "c").stdout


def test_leeches(env: Path) -> None:
    assert run("list").exit_code == 0
    sched = Scheduler(Settings(enable_fuzzing=False, leech_lapses=2))
    with open_store(env / "srs.db") as store:
        t = T0 - 40 * DAY
        after = Session(store, sched, t).rate("b", Rating.EASY, t).after
        for _ in range(2):
            t = after.due or t
            outcome = Session(store, sched, t).rate("b", Rating.AGAIN, t)
            after = outcome.after
            if not outcome.leech:
                t += 600
                after = Session(store, sched, t).rate("b", Rating.GOOD, t).after
    data = json.loads(run("leeches", "--json").stdout)
    assert data == [
        {
            "id": "b",
            "deck": "Week::Day 1",
            "front": "What does ReLU compute?",
            "lapses": 2,
            "reps": 4,
            "suspended": True,
        }
    ]
    text = run("leeches")
    assert text.exit_code == 0 and text.stdout.startswith("b ") and "2 lapses" in text.stdout
    assert json.loads(run("stats", "--json").stdout)["leeches"][0]["id"] == "b"


def test_optimize_with_nothing_usable_changes_nothing_and_says_why(reviewed: Path) -> None:
    # Nothing to fit is a state, not an error (the README's `srs optimize` runs on a fresh home).
    for args in (["optimize"], ["optimize", "--apply"]):
        result = run(*args)
        assert result.exit_code == 0 and "Nothing to fit yet: no usable review" in result.stdout
    data = json.loads(run("optimize", "--apply", "--json").stdout)
    assert (data["fitted"], data["applied"], data["rescheduled_cards"]) == (False, False, 0)
    assert "no usable review" in data["reason"]


@pytest.fixture(scope="module")
def learner() -> Simulated:
    return simulate(cards=400, days=80, new_per_day=8, seed=3)


def test_optimize_apply_saves_and_reschedules(env: Path, learner: Simulated) -> None:
    assert run("list").exit_code == 0
    with open_store(env / "srs.db") as store:
        write(store, learner.histories)
        due_before = dict(store.execute("SELECT id, due FROM cards WHERE id LIKE 'sim%'"))
    shown = run("optimize", "--no-retention")
    assert shown.exit_code == 0, shown.output
    assert "log loss" in shown.stdout and "Run `srs optimize --apply`" in shown.stdout
    result = run("optimize", "--apply", "--json", "--no-retention")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # no progress bar when stderr is not a terminal
    data = json.loads(result.stdout)
    assert data["applied"] is True and data["improved"] is True
    assert data["rescheduled_cards"] == len(learner.histories)
    assert data["held_out"]["fitted"]["log_loss"] < data["held_out"]["default"]["log_loss"]
    with open_store(env / "srs.db") as store:
        params = tuple(store.config()["parameters"])
        assert params == pytest.approx(tuple(data["parameters"]), abs=1e-6)
        replayer = Scheduler(Settings(enable_fuzzing=False, parameters=params))
        moved = 0
        for cid in list(due_before)[:50]:
            memory = replayer.replay(
                [(r.ts, Rating(r.rating), r.duration_ms) for r in store.reviews(card_id=cid)]
            )
            assert store.get_card(cid).memory == memory
            moved += memory.due != due_before[cid]
        assert moved > 25
    # The stored parameters are now the ones in use: a second fit shows them next to the defaults.
    again = json.loads(run("optimize", "--json", "--no-retention").stdout)
    assert again["current_parameters"] == pytest.approx(data["parameters"], abs=1e-6)
    assert set(again["held_out"]) == {"default", "current", "fitted"}


def test_optimize_apply_reschedules_in_the_learners_time_zone(
    env: Path, learner: Simulated, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In Shanghai (UTC+8) review cards fall due at 04:00 local: the replay counts local learner days,
    # as the fit did, not the UTC days of a default Scheduler.
    from srs.clock import LearnerClock

    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    assert run("list").exit_code == 0
    with open_store(env / "srs.db") as store:
        write(store, learner.histories)
    data = json.loads(run("optimize", "--apply", "--json", "--no-retention").stdout)
    assert data["applied"] is True
    assert data["reviews"] == opt.usable_reviews(learner.histories, LearnerClock("Asia/Shanghai", 4))
    settings = Settings(enable_fuzzing=False, parameters=tuple(data["parameters"]))
    with open_store(env / "srs.db") as store:
        params = tuple(store.config()["parameters"])
        local = Scheduler(settings._replace(parameters=params), LearnerClock("Asia/Shanghai", 4))
        utc = Scheduler(settings._replace(parameters=params))
        moved = 0
        for cid in sorted(learner.histories)[:50]:
            history = [(r.ts, Rating(r.rating), r.duration_ms) for r in store.reviews(card_id=cid)]
            memory = local.replay(history)
            assert store.get_card(cid).memory == memory
            moved += memory.due != utc.replay(history).due
        assert moved > 25


def test_optimize_apply_refuses_a_fit_no_better_than_the_defaults(
    env: Path, learner: Simulated, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("list").exit_code == 0
    with open_store(env / "srs.db") as store:
        write(store, dict(list(learner.histories.items())[:150]))
    real = opt.fit

    def worse(*args: object, **kwargs: object) -> opt.FitResult:
        result = real(*args, **kwargs)  # type: ignore[arg-type]
        held = dict(result.held_out)
        held["fitted"] = opt.Metrics(held["default"].log_loss + 0.01, held["default"].rmse_bins)
        return opt.FitResult(**{**result.__dict__, "held_out": held})

    monkeypatch.setattr(opt, "fit", worse)
    fail(run("optimize", "--apply", "--no-retention"), "not applied")
    with open_store(env / "srs.db") as store:
        assert "parameters" not in store.config()


def test_optimize_small_history_fits_initial_stabilities_and_says_so(env: Path, learner: Simulated) -> None:
    assert run("list").exit_code == 0
    small = dict(list(learner.histories.items())[:30])
    with open_store(env / "srs.db") as store:
        write(store, small)
    usable = opt.usable_reviews(small, opt.learner_days(0, 4))  # learner days: UTC, rollover 04:00
    assert usable < opt.MIN_REVIEWS
    result = run("optimize", "--no-retention")
    assert result.exit_code == 0, result.output
    assert "Fitted only the four initial stabilities (w0-w3)" in result.stdout
    assert f"all 21 parameters need {opt.MIN_REVIEWS}" in result.stdout
    assert f"Health check: needs more than {opt.HEALTH_MIN_ITEMS} usable reviews." in result.stdout
    data = json.loads(run("optimize", "--no-retention", "--json").stdout)
    assert data["partial"] is True and data["reviews"] == usable and data["health_check"] is None


def test_optimize_health_check_and_ignore_before(env: Path, learner: Simulated) -> None:
    assert run("list").exit_code == 0
    with open_store(env / "srs.db") as store:
        write(store, learner.histories)
    shown = run("optimize", "--no-retention")
    assert shown.exit_code == 0, shown.output
    assert "Health check (fitted on earlier reviews, predicting later ones): log loss" in shown.stdout
    assert "FSRS can adapt to your memory well." in shown.stdout
    data = json.loads(run("optimize", "--no-retention", "--json").stdout)
    health = data["health_check"]
    assert health["passed"] is True and 0 < health["log_loss"] < 1 and 0 < health["rmse_bins"] < 0.2
    assert health["log_loss_bound"] == opt.HEALTH_LOG_LOSS and health["rmse_bins_bound"] == opt.HEALTH_RMSE
    # --ignore-before: cards first studied before that local date are left out.
    starts = sorted(h[0].ts for h in learner.histories.values())
    from datetime import UTC, datetime

    day = datetime.fromtimestamp(starts[len(starts) // 2], UTC).date()
    cutoff = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
    kept = opt.ignore_before(learner.histories, cutoff)
    result = run("optimize", "--no-retention", "--json", "--ignore-before", day.isoformat())
    assert result.exit_code == 0, result.output
    later = json.loads(result.stdout)
    assert later["ignored_cards"] == len(learner.histories) - len(kept) > 0
    assert later["reviews"] == opt.usable_reviews(kept, opt.learner_days(0, 4))
    text = run("optimize", "--no-retention", "--ignore-before", day.isoformat()).stdout
    assert "cards first studied before the --ignore-before date" in text
    bad = run("optimize", "--ignore-before", "15/01/2026")
    assert bad.exit_code != 0 and "Traceback" not in bad.output and "15/01/2026" in bad.output


def test_optimize_health_warning_says_hard_is_a_pass(
    env: Path, learner: Simulated, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("list").exit_code == 0
    with open_store(env / "srs.db") as store:
        write(store, learner.histories)
    real = opt.health_check

    def poor(items):  # type: ignore[no-untyped-def]
        h = real(items)
        return opt.Health(h.log_loss, h.rmse_bins, h.pass_rate, 1.5, 2.0)

    monkeypatch.setattr(opt, "health_check", poor)
    shown = run("optimize", "--no-retention")
    assert "Warning: your memory is hard for FSRS to predict. Hard is a passing grade" in shown.stdout


def test_optimize_suggests_a_retention(
    env: Path, learner: Simulated, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("list").exit_code == 0
    with open_store(env / "srs.db") as store:
        write(store, learner.histories)
    real = opt.suggest_retention
    monkeypatch.setattr(
        opt, "suggest_retention", lambda *a, **k: real(*a, **{**k, "deck_size": 100, "days": 90})
    )
    result = run("optimize")
    assert result.exit_code == 0, result.output
    assert "Least review time per card remembered at desired retention" in result.stdout
    assert "minutes a day" in result.stdout and "remembered after 90 d" in result.stdout


def test_chart_drawing_by_hand() -> None:
    from datetime import date

    from srs.stats import Forecast, ForecastDay
    from srs.tui.charts import Pen, _segments, forecast_chart

    # Largest remainders fill the width exactly; a small non-zero count still gets a cell.
    assert _segments([3, 1, 0, 0, 0], 8) == [6, 2, 0, 0, 0]
    assert _segments([100, 0, 0, 1, 0], 10) == [9, 0, 0, 1, 0]
    assert sum(_segments([5, 7, 11, 13, 1], 23)) == 23
    # Bars of 8, 4 and 1 cards, 2 rows high: heights 16, 8 and max(1, round(2)) = 2 eighths.
    days = tuple(ForecastDay(i, date(2026, 3, 2 + i), n) for i, n in enumerate([8, 4, 1]))
    lines = [line.plain for line in forecast_chart(Forecast(days), 40, Pen(False), height=2)]
    assert lines[0] == "Forecast: 13 due in the next 3 days, 8 today"
    assert lines[1] == "8 │█     "
    assert lines[2] == "0 │█ █ ▂ "
    assert lines[3] == "   today"
