"""review-order retrievability against Anki's own "relative overdueness" order (the real `anki` package)."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest

from srs.clock import DAY
from srs.review.session import Session
from srs.scheduling.scheduler import Scheduler, Settings
from srs.store import open_store
from tests.test_review import basic, setup

anki_collection = pytest.importorskip("anki.collection")

RELATIVE_OVERDUENESS = 12  # ReviewCardOrder in Anki's deck_config.proto


def test_retrievability_order_matches_ankis_relative_overdueness(tmp_path: Path) -> None:
    rng = random.Random(5)
    now = int(time.time())  # Anki reads the wall clock for its queue: both sides use the same moment
    cards = []
    for i in range(40):
        stability = rng.uniform(0.5, 120)
        interval = max(1, round(stability * rng.uniform(0.5, 1.5)))
        overdue = rng.randint(0, 30)
        last = now - (interval + overdue) * DAY - rng.randint(0, DAY - 1)
        cards.append((f"c{i}", stability, interval, overdue, last))

    # Anki: FSRS on, one deck, reviews only, ordered by relative overdueness.
    col = anki_collection.Collection(str(tmp_path / "collection.anki2"))
    try:
        col.set_config("fsrs", True)
        conf = col.decks.config_dict_for_deck_id(1)
        conf["reviewOrder"] = RELATIVE_OVERDUENESS
        conf["rev"]["perDay"] = 9999
        conf["new"]["perDay"] = 0
        col.decks.update_config(conf)
        model = col.models.by_name("Basic")
        today = col.sched.today
        anki_ids = {}
        for cid, stability, interval, overdue, last in cards:
            note = col.new_note(model)
            note["Front"], note["Back"] = cid, cid
            col.add_note(note, 1)
            card_id = note.cards()[0].id
            anki_ids[card_id] = cid
            data = json.dumps({"s": stability, "d": 5.0, "dr": 0.9, "decay": 0.1542, "lrt": last})
            col.db.execute(
                "UPDATE cards SET type=2, queue=2, ivl=?, due=?, data=?, reps=3 WHERE id=?",
                interval,
                today - overdue,
                data,
                card_id,
            )
        queued = col.sched.get_queued_cards(fetch_limit=100)
        anki_order = [anki_ids[q.card.id] for q in queued.cards]
    finally:
        col.close()
    assert len(anki_order) == len(cards)

    # srs: the same memories, review-order retrievability.
    with open_store(tmp_path / "srs.db") as store:
        setup(store, tmp_path, basic(len(cards)))
        with store.transaction():
            for cid, stability, _interval, overdue, last in cards:
                store.execute(
                    "UPDATE cards SET state=2, stability=?, difficulty=5, due=?, last_review=?, reps=3 WHERE id=?",
                    (stability, now - overdue * DAY - 1, last, cid),
                )
        sched = Scheduler(Settings(enable_fuzzing=False, review_order="retrievability", reviews_per_day=9999))
        session = Session(store, sched, now)
        srs_order = []
        while (card := session.next(now)) is not None:
            srs_order.append(card.id)
            session.skip(card.id)
    assert srs_order == anki_order
