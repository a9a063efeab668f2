"""Labs in the plan (`srs plan --json`, the /plan page) and the lab page of `srs serve` with its drawings
served under fixed types."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from srs.cli import cli
from srs.cli.common import scheduler_for
from srs.labs import catalog, workspace
from srs.labs.runner import LabResult, Status, save_result
from srs.review.labs import record_check
from srs.scheduling.scheduler import Scheduler
from srs.store import open_store
from tests.conftest import T0
from tests.webutil import WebHome, course, write

LAB = "d1-lab-mlp-scratch"
LAB_NOTE = (
    f"---\ndeck: Course::Day 1 · 第1天\ntags: day1\norder: 150\n---\n\n## course-lab\nkind: lab\nlab: {LAB}\n"
)


@pytest.fixture
def web(home: Path, monkeypatch: pytest.MonkeyPatch) -> WebHome:
    monkeypatch.setenv("SRS_NO_BUILTIN", "1")
    monkeypatch.setenv("SRS_NOW", "2026-03-02T10:00:00Z")
    course(home, days=2)
    write(home, "lab.md", LAB_NOTE)
    return WebHome(home)


@pytest.fixture
def client(web: WebHome) -> Iterator[TestClient]:
    with TestClient(web.app(home=web.home)) as made:
        yield made


def srs_json(*args: str) -> Any:
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def passed(rebuild: bool = False) -> LabResult:
    return LabResult(LAB, Status.PASSED, "all met", accuracy={"relu": 0.9}, small=True, rebuild=rebuild)


def test_plan_day_lists_its_lab_and_marks_it_done_when_the_check_passed(
    web: WebHome, client: TestClient
) -> None:
    srs_json("plan", "start", "--deck", "Course", "--days", "2")
    data = srs_json("plan")
    assert data["days"][0]["labs"] == [
        {
            "id": LAB,
            "card": "course-lab",
            "title": catalog.catalog().get(LAB).title,
            "minutes": 90,
            "done": False,
        }
    ]
    assert data["days"][1]["labs"] == []
    assert data["cards"] == 8  # the lab is not one of the plan's new cards
    page = client.get("/plan").text
    assert f'<a href="/lab/{LAB}">' in page and "90 min · to do" in page
    assert "Lab, day 1: d1-lab-mlp-scratch · 90 min, afternoon" in CliRunner().invoke(cli, ["plan"]).output
    # a passing check, an hour after the start, is the lab's review
    lab = catalog.catalog().get(LAB)
    workspace.start(lab, web.home, now=T0)
    with open_store(web.db) as store:
        recorded = record_check(store, scheduler_for(store), lab, passed(), now=T0 + 3600, started_at=T0)
    assert recorded.rating is not None and recorded.rating.name == "GOOD" and recorded.due is not None
    data = srs_json("plan")
    assert data["days"][0]["labs"][0]["done"] is True
    assert "✓ done" in client.get("/plan").text


def test_a_due_rebuild_counts_in_that_days_review_minutes(web: WebHome) -> None:
    lab = catalog.catalog().get(LAB)
    srs_json("due")  # syncs the decks
    with open_store(web.db) as store:
        recorded = record_check(store, scheduler_for(store), lab, passed(), now=T0, started_at=T0 - 600)
    assert recorded.due is not None
    due_day = -(-(recorded.due - T0) // 86400)  # the learner day it falls on
    # the card's due date as `srs due` sees it, and the simulated minutes of that day
    runner = CliRunner()
    when = datetime.fromtimestamp(T0 + due_day * 86400, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    due = json.loads(runner.invoke(cli, ["due", "--json"], env={"SRS_NOW": when}).stdout)
    assert due["labs_due"] == [LAB] and all(
        d["deck"] != "Course::Day 1 · 第1天" or d["due"] == 0 for d in due["decks"]
    )
    out = runner.invoke(
        cli,
        ["simulate", "--days", str(due_day + 2), "--runs", "1", "--json"],
        env={"SRS_NOW": "2026-03-02T11:00:00Z"},
    )
    per_day = json.loads(out.stdout)["results"][0]["per_day"]
    assert max(d["minutes"] for d in per_day) >= 30  # the rebuild's half hour


def test_lab_page_shows_goal_state_last_result_and_drawings(web: WebHome, client: TestClient) -> None:
    assert client.get(f"/lab/{LAB}").status_code == 200
    lab = catalog.catalog().get(LAB)
    folder = workspace.start(lab, web.home, now=T0).folder
    result = LabResult(
        LAB,
        Status.FAILED,
        "1 of 2 requirements not met",
        accuracy={"relu": 0.5},
        artefacts=("curves.svg",),
    )
    save_result(folder, result, T0)
    (folder / "curves.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    )
    (folder / "feature_maps.png").write_text("<html><script>alert(1)</script></html>")  # not a PNG
    page = client.get(f"/lab/{LAB}").text
    assert lab.title in page and "包含多种激活函数" in page and "1 of 2 requirements not met" in page
    assert f'<img src="/lab/{LAB}/curves.svg"' in page and "50.00 %" in page
    svg = client.get(f"/lab/{LAB}/curves.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert (
        "sandbox" in svg.headers["content-security-policy"]
        and svg.headers["x-content-type-options"] == "nosniff"
    )
    assert client.get(f"/lab/{LAB}/feature_maps.png").status_code == 404  # its bytes are not a PNG's
    assert client.get(f"/lab/{LAB}/README.md").status_code == 404  # only the drawings
    assert client.get(f"/lab/{LAB}/..%2f.lab.json").status_code == 404
    assert (
        client.get("/lab/no-such-lab").status_code == 500
        and "unknown lab" in client.get("/lab/no-such-lab").text
    )


def unfuzzed(store: Any) -> Scheduler:
    made = scheduler_for(store)
    return Scheduler(made.settings._replace(enable_fuzzing=False), made.clock)


@pytest.mark.parametrize(("minutes", "rating", "days_at_0_9"), [(60, "GOOD", 2), (100, "HARD", 1)])
def test_a_passed_lab_comes_back_weeks_later_at_the_lab_retention(
    web: WebHome, minutes: int, rating: str, days_at_0_9: int
) -> None:
    """The first rebuild after a pass: FSRS's interval at the labs' retention (0.7) from py-fsrs, weeks
    away; at the collection's 0.9 it would be 1-2 days, most of a day's minutes within the week."""
    import fsrs

    lab = catalog.catalog().get(LAB)
    srs_json("due")  # syncs the decks
    with open_store(web.db) as store:
        recorded = record_check(store, unfuzzed(store), lab, passed(), now=T0 + 60 * minutes, started_at=T0)
        card = store.get_card("course-lab")
    assert recorded.rating is not None and recorded.rating.name == rating and recorded.due is not None
    reviewed = datetime.fromtimestamp(T0 + 60 * minutes, UTC)
    days = {}
    for retention in (0.7, 0.9):
        reference = fsrs.Scheduler(desired_retention=retention, learning_steps=(), enable_fuzzing=False)
        after, _ = reference.review_card(fsrs.Card(), fsrs.Rating[rating.title()], reviewed)
        days[retention] = (after.due - reviewed) // timedelta(days=1)
        if retention == 0.7:
            assert card.memory.stability == pytest.approx(after.stability, rel=1e-6)
    assert days[0.9] == days_at_0_9 and days[0.7] >= 9
    # due at the start (04:00) of the learner day that many days after the check's day
    assert recorded.due == T0 - 6 * 3600 + days[0.7] * 86400


def test_rescheduling_under_new_parameters_keeps_a_lab_a_lab(web: WebHome) -> None:
    """`srs optimize --apply` replays every card: a lab card under the labs' settings (no learning steps,
    their retention), so it stays in review with the interval its check gave, not a 10-minute step."""
    from srs.model import State
    from srs.scheduling import optimizer

    lab = catalog.catalog().get(LAB)
    srs_json("due")
    with open_store(web.db) as store:
        scheduler = unfuzzed(store)
        recorded = record_check(store, scheduler, lab, passed(), now=T0 + 3600, started_at=T0)
        optimizer.apply(store, optimizer.default_parameters(), scheduler.settings, clock=scheduler.clock)
        card = store.get_card("course-lab")
    assert card.memory.state is State.REVIEW and card.memory.step is None
    assert card.memory.due == recorded.due
