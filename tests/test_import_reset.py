"""A Reset/Forget in an Anki review log starts the card's history (issue 24, item 5), checked against Anki.

Each card's log has reviews, a Forget row (type 4, no button, ease factor 0: what Anki's "Reset" writes), and
reviews after it; some have two resets, a set-due-date row (type 4 with an ease factor: not a reset), or a
reset as their last row. After ``import anki --with-history`` each card's memory (stability, difficulty)
equals Anki's own ``compute_memory_state`` (FSRS on, the same weights) within 1e-3, and a card whose last row
is a reset is new. All reviews are at noon UTC, months in the past (Anki counts rows after its real clock
oddly), with Anki's rollover hour (4) in srs: learner days are the same in both.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from srs.clock import DAY, LearnerClock
from srs.decks.importers.writer import stable_id
from srs.model import Memory, Rating, State
from srs.scheduling.scheduler import Scheduler, Settings
from srs.store import open_store
from tests.conftest import T0
from tests.test_fsrs_conformance import PARAMS
from tests.test_import_replay import run_import

anki_collection = pytest.importorskip("anki.collection")

REVIEW_KIND = {State.NEW: 0, State.LEARNING: 0, State.REVIEW: 1, State.RELEARNING: 2}


def _reviews(sched: Scheduler, rng: random.Random, start: int, count: int) -> tuple[list[tuple], int]:
    """``count`` reviews of a new card from day ``start`` (noon UTC): (ts, rating, revlog type) rows."""
    memory = Memory()
    rows = []
    ts = start
    for _ in range(count):
        rating = Rating(rng.choice((1, 2, 3, 3, 3, 4)))
        rows.append((ts, int(rating), REVIEW_KIND[memory.state]))
        memory = sched.rate(memory, rating, ts)
        ts += rng.choice((1, 2, 4, 9, 20, 45)) * DAY
    return rows, ts


def build(folder: Path, sched: Scheduler, rng: random.Random) -> tuple[Path, dict[int, str], set[int]]:
    """The package, Anki card id -> case, and the cards whose last row is a reset."""
    from anki.generic_pb2 import Empty
    from anki.import_export_pb2 import ExportAnkiPackageOptions, ExportLimit

    col = anki_collection.Collection(str(folder / "reset.anki2"))
    col.set_config("rollover", 4)
    col.set_config("fsrs", True)
    conf = col.decks.get_config(1)
    assert conf is not None
    conf["fsrsParams6"] = list(sched.settings.parameters)
    conf["desiredRetention"] = sched.settings.desired_retention
    col.decks.update_config(conf)
    cases = ["reset", "reset", "reset", "two resets", "set due date", "reset last"] * 6
    ids: dict[int, str] = {}
    for i, case in enumerate(cases):
        note = col.new_note(col.models.by_name("Basic"))
        note["Front"], note["Back"] = f"q{i}", f"a{i}"
        col.add_note(note, 1)
        ids[note.card_ids()[0]] = case
    col.close()
    rows: list[tuple[int, int, int, int, int]] = []  # (ms, cid, ease, factor, type)
    noon = T0 - T0 % DAY + 12 * 3600
    new_at_end: set[int] = set()
    for k, (cid, case) in enumerate(ids.items()):
        day = noon - 300 * DAY + rng.randrange(30) * DAY
        first, day = _reviews(sched, rng, day, rng.randrange(3, 9))
        rows += [(ts * 1000 + k, cid, r, 2500, t) for ts, r, t in first]
        if case == "set due date":
            rows.append((day * 1000 + k, cid, 0, 2500, 4))  # not a reset: the history goes on
            day += DAY
            more, day = _reviews(sched, rng, day, 0)
            continue
        rows.append((day * 1000 + k, cid, 0, 0, 4))
        day += rng.randrange(1, 5) * DAY
        if case == "reset last":
            new_at_end.add(cid)
            continue
        after, day = _reviews(sched, rng, day, rng.randrange(2, 8))
        rows += [(ts * 1000 + k, cid, r, 2500, t) for ts, r, t in after]
        if case == "two resets":
            rows.append((day * 1000 + k, cid, 0, 0, 4))
            after, day = _reviews(sched, rng, day + DAY, rng.randrange(2, 6))
            rows += [(ts * 1000 + k, cid, r, 2500, t) for ts, r, t in after]
    conn = sqlite3.connect(folder / "reset.anki2")
    conn.executemany(
        "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) VALUES (?,?,-1,?,0,0,?,5000,?)",
        rows,
    )
    for cid in ids:
        if cid not in new_at_end:
            conn.execute(
                "UPDATE cards SET type = 2, queue = 2, ivl = 5, due = 10, reps = 3 WHERE id = ?", (cid,)
            )
    conn.commit()
    conn.close()
    col = anki_collection.Collection(str(folder / "reset.anki2"))
    out = folder / "reset.apkg"
    col.export_anki_package(
        out_path=str(out),
        options=ExportAnkiPackageOptions(with_scheduling=True, with_media=False, legacy=False),
        limit=ExportLimit(whole_collection=Empty()),
    )
    col.close()
    return out, ids, new_at_end


def test_memory_after_a_reset_equals_ankis(tmp_path: Path) -> None:
    sched = Scheduler(
        Settings(enable_fuzzing=False, rollover_hour=4, parameters=PARAMS), LearnerClock("UTC", 4)
    )
    package, ids, new_at_end = build(tmp_path, sched, random.Random(24))
    home = tmp_path / "home"
    home.mkdir()
    with open_store(home / "srs.db") as store:
        result = run_import(store, home, package, sched)
        assert result.reviews_before_reset > 0
        col = anki_collection.Collection(str(tmp_path / "reset.anki2"))
        try:
            compared = 0
            for cid, case in ids.items():
                guid = col.get_card(cid).note().guid
                card = store.get_card(stable_id("anki", guid))
                assert card is not None
                if cid in new_at_end:
                    assert card.memory.state is State.NEW and card.memory.stability is None, case
                    continue
                theirs = col.compute_memory_state(cid)
                ours = card.memory
                assert ours.stability is not None and ours.difficulty is not None
                assert theirs.stability == pytest.approx(ours.stability, rel=1e-3), (case, cid)
                assert theirs.difficulty == pytest.approx(ours.difficulty, rel=1e-3), (case, cid)
                compared += 1
        finally:
            col.close()
    assert compared == 30 and len(new_at_end) == 6
