"""`import anki --with-history` writes each card's review log and memory exactly as replaying it with
Scheduler.rate, one review at a time, would (fuzz on, a zone with daylight saving, same-day reviews)."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from srs.clock import DAY, LearnerClock
from srs.decks.sync import DeckRoot, sync
from srs.interop.anki.importer import ImportResult, import_anki
from srs.model import Memory, Rating
from srs.scheduling.scheduler import Scheduler, Settings
from srs.store import Store, open_store
from tests.conftest import T0

anki_collection = pytest.importorskip("anki.collection")


def build_package(folder: Path, rng: random.Random) -> Path:
    """An Anki package of basic, reversed and cloze notes whose cards have random review logs."""
    from anki.generic_pb2 import Empty
    from anki.import_export_pb2 import ExportAnkiPackageOptions, ExportLimit

    col = anki_collection.Collection(str(folder / "source.anki2"))
    deck = col.decks.id("Replay")
    for i in range(30):
        model = col.models.by_name(("Basic", "Basic (and reversed card)", "Cloze")[i % 3])
        note = col.new_note(model)
        if i % 3 == 2:
            note["Text"] = f"{{{{c1::one {i}}}}} and {{{{c2::two}}}}"
        else:
            note["Front"], note["Back"] = f"front <b>{i}</b>", f"back {i}"
        col.add_note(note, deck)
    card_ids = col.db.list("SELECT id FROM cards ORDER BY id")
    col.close()
    rows = []
    used: set[int] = set()
    for cid in card_ids:
        ts = T0 - 700 * DAY + rng.randrange(0, 30 * DAY)  # all in the past: Anki refuses future reviews
        for _ in range(rng.randrange(1, 15)):
            rid = ts * 1000 + rng.randrange(1000)
            while rid in used:
                rid += 1
            used.add(rid)
            rows.append((rid, cid, -1, rng.choice((1, 2, 3, 3, 4)), 1, 0, 2500, 4000, 1))
            ts += rng.choice((rng.randrange(60, 7200), rng.randrange(DAY, 40 * DAY)))
    conn = sqlite3.connect(folder / "source.anki2")
    conn.executemany(
        "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) VALUES (?,?,?,?,?,?,?,?,?)",
        rows,
    )
    conn.execute("UPDATE cards SET type = 2, queue = 2, ivl = 5, due = 10, reps = 3")
    conn.commit()
    conn.close()
    col = anki_collection.Collection(str(folder / "source.anki2"))
    out = folder / "replay.apkg"
    col.export_anki_package(
        out_path=str(out),
        options=ExportAnkiPackageOptions(with_scheduling=True, with_media=False, legacy=False),
        limit=ExportLimit(whole_collection=Empty()),
    )
    col.close()
    return out


def run_import(
    store: Store,
    home: Path,
    package: Path,
    scheduler: Scheduler,
    sync_decks: Callable[[], Any] | None = None,
    **options: Any,
) -> ImportResult:
    """The core import, with history, into ``home`` (deck files under decks/anki, synced at T0 unless
    ``sync_decks`` syncs them)."""
    return import_anki(
        store,
        package,
        decks_dir=home / "decks" / "anki",
        media_dir=home / "media",
        sync=sync_decks or (lambda: sync(store, [DeckRoot("user", home / "decks")], T0)),
        scheduler=scheduler,
        with_history=True,
        **options,
    )


@pytest.mark.parametrize("rebuild_from", [1, 10**9], ids=["indexes-rebuilt", "indexes-kept"])
def test_imported_history_is_logged_as_rating_one_review_at_a_time_logs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rebuild_from: int
) -> None:
    """Both ways of writing the log (a bulk insert drops and rebuilds the review indexes; a small one keeps
    them) give the same rows, and the same indexes afterwards."""
    import srs.store.imports

    monkeypatch.setattr(srs.store.imports, "_REBUILD_FROM", rebuild_from)
    package = build_package(tmp_path, random.Random(3))
    scheduler = Scheduler(
        Settings(learning_steps=(60, 600, 3600), rollover_hour=3), LearnerClock("Europe/Paris", 3)
    )
    home = tmp_path / "home"
    home.mkdir()
    with open_store(home / "srs.db") as store:
        schema = "SELECT type, name, sql FROM sqlite_master ORDER BY name"
        objects = store.execute(schema).fetchall()
        result = run_import(store, home, package, scheduler)
        assert result.cards_changed == 50 and result.reviews_merged > 200
        assert store.execute(schema).fetchall() == objects
        assert store.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # The per-deck new-card counts (recounted once after a bulk write, else kept by triggers).
        waiting = (
            "SELECT deck, COUNT(*) FROM cards WHERE state = 0 AND active = 1 AND suspended = 0 GROUP BY deck"
        )
        assert store.execute("SELECT deck, n FROM deck_new_counts WHERE n > 0 ORDER BY deck").fetchall() == (
            store.execute(waiting + " ORDER BY deck").fetchall()
        )
        assert store.execute("SELECT COUNT(*) FROM deck_new_counts").fetchone()[0] > 0
        plan = store.execute("EXPLAIN QUERY PLAN SELECT id FROM reviews WHERE card_id = 'x' ORDER BY id")
        assert "idx_reviews_card" in " ".join(str(row) for row in plan)
        # The lean log (m010): a history replayed from new keeps no memory as JSON.
        assert store.execute(
            "SELECT COUNT(*) FROM reviews WHERE state_before IS NOT NULL OR state_after IS NOT NULL"
        ).fetchone() == (0,)
        checked = 0
        for card_id in {r[0] for r in store.execute("SELECT card_id FROM reviews")}:
            memory = Memory()
            for row in store.reviews(card_id):
                ts, rating, state, elapsed, ret, interval = row[2], row[3], row[5], row[6], row[7], row[8]
                after = scheduler.rate(memory, Rating(rating), ts, card_id=card_id)
                assert state == int(memory.state)
                assert elapsed == (
                    (ts - memory.last_review) / DAY if memory.last_review is not None else None
                )
                assert ret == scheduler.retrievability(memory, ts)
                assert interval == 1.0  # Anki's revlog ivl (1 day in every row), not srs's replayed due
                assert (row.stability, row.difficulty) == (after.stability, after.difficulty)
                assert row.before == memory and row.after == after
                memory = after
                checked += 1
            assert store.get_card(card_id).memory == memory
        assert checked == result.reviews_merged


def test_a_large_import_says_which_stage_it_is_in(tmp_path: Path) -> None:
    """Every stage that takes time reports progress, in order, and the review log ends complete."""
    package = build_package(tmp_path, random.Random(4))
    home = tmp_path / "home"
    home.mkdir()
    seen: list[tuple[int, int, str]] = []
    with open_store(home / "srs.db") as store:
        result = run_import(
            store,
            home,
            package,
            Scheduler(Settings(enable_fuzzing=False)),
            progress=lambda done, total, stage: seen.append((done, total, stage)),
        )
    stages = list(dict.fromkeys(stage for _d, _t, stage in seen))
    assert stages == ["reading", "writing", "adding cards", "replaying", "saving"]
    assert [(d, t) for d, t, stage in seen if stage == "replaying"] == [(0, result.cards_changed)]
    saving = [(d, t) for d, t, stage in seen if stage == "saving"]
    assert saving[-1] == (result.reviews_merged, result.reviews_merged)
    assert all(d <= t for d, t in saving)


def test_identical_imported_histories_spread_over_days_by_each_cards_own_fuzz(tmp_path: Path) -> None:
    """40 cards with the same review log (issue 24, item 9): each gets its own fuzz (the one srs draws for
    that card in review), so their due days spread (Anki spreads such a group over about 16 days); and each
    due date is exactly what rating the card one review at a time with its own id gives."""
    from anki.generic_pb2 import Empty
    from anki.import_export_pb2 import ExportAnkiPackageOptions, ExportLimit

    col = anki_collection.Collection(str(tmp_path / "same.anki2"))
    for i in range(40):
        note = col.new_note(col.models.by_name("Basic"))
        note["Front"], note["Back"] = f"q{i}", f"a{i}"
        col.add_note(note, 1)
    card_ids = col.db.list("SELECT id FROM cards ORDER BY id")
    col.close()
    start = T0 - 400 * DAY
    history = [(start, 3), (start + 3 * DAY, 3), (start + 15 * DAY, 3), (start + 60 * DAY, 3)]
    conn = sqlite3.connect(tmp_path / "same.anki2")
    conn.executemany(
        "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) VALUES (?,?,-1,?,0,0,2500,4000,1)",
        [(ts * 1000 + k, cid, rating) for k, cid in enumerate(card_ids) for ts, rating in history],
    )
    conn.commit()
    conn.close()
    col = anki_collection.Collection(str(tmp_path / "same.anki2"))
    package = tmp_path / "same.apkg"
    col.export_anki_package(
        out_path=str(package),
        options=ExportAnkiPackageOptions(with_scheduling=True, with_media=False, legacy=False),
        limit=ExportLimit(whole_collection=Empty()),
    )
    col.close()
    scheduler = Scheduler(Settings(enable_fuzzing=True), LearnerClock("UTC", 4))
    home = tmp_path / "home"
    home.mkdir()
    with open_store(home / "srs.db") as store:
        result = run_import(store, home, package, scheduler)
        assert result.cards_changed == 40
        dues = {}
        for (card_id,) in store.execute("SELECT id FROM cards").fetchall():
            memory = Memory()
            for ts, rating in history:
                memory = scheduler.rate(memory, Rating(rating), ts, card_id=card_id)
            assert store.get_card(card_id).memory == memory
            dues[card_id] = store.get_card(card_id).memory.due
    days = {due // DAY for due in dues.values()}
    print(f"\n40 identical histories: due on {len(days)} different days")
    assert len(days) >= 8, sorted(days)


def _hostile_log(n_cards: int, rng: random.Random, odd: str) -> str:
    """SQL filling a hand-made collection's revlog (with an ivl column) with every kind of row the merge
    sorts: reviews of each type and button, learning steps (negative ivl) and none (0), rows Anki's FSRS
    does not learn from, resets in the middle and at the end of a history, a button out of range, durations
    below 0 and over an hour, rows of a card that is not in the package; ``odd`` adds one whole number past
    what the columns take as exact (2**52): an interval, or a time (that is no date either)."""
    rows: list[tuple[object, ...]] = []
    rid = (T0 - 500 * DAY) * 1000
    for i in range(1, n_cards + 1):
        cid = 1000 + i
        for k in range(rng.randrange(0, 12)):
            rid += rng.choice((rng.randrange(1, 600_000), rng.randrange(DAY * 1000, 30 * DAY * 1000)))
            rtype = rng.choice((0, 1, 1, 1, 2, 3, 3, 4, 5))
            ease = rng.choice((1, 2, 3, 3, 4, 0, 5, -1)) if rtype != 4 else 0
            factor = rng.choice((2500, 0)) if rtype in (3, 4) else 2500
            taken = rng.choice((4000, -5, 7_200_000, 0))
            ivl = rng.choice((3, -600, 0, 40))
            rows.append((rid, cid, ease, factor, taken, rtype, ivl))
            if k == 3 and i % 4 == 0:
                rid += 1000
                rows.append((rid, cid, 0, 0, 0, 4, 0))  # a reset in the middle
        if i % 9 == 0:
            rid += 1000
            rows.append((rid, cid, 0, 0, 0, 4, 0))  # a reset last: the card is new
    for _ in range(5):
        rid += 1000
        rows.append((rid, 99_999, 3, 2500, 4000, 1, 1))  # a card the package does not have
    if odd == "an interval past 2**52":
        rows[7] = (*rows[7][:6], 2**60)
    elif odd == "an id past 2**52":
        rows.append((2**60, 1001, 3, 2500, 4000, 1, 1))
    values = ",".join(f"({','.join(str(v) for v in row)})" for row in rows)
    return f"ALTER TABLE revlog ADD COLUMN ivl; INSERT INTO revlog VALUES {values};"


@pytest.mark.parametrize("sched_ver", [1, 2])
@pytest.mark.parametrize("odd", ["none", "an interval past 2**52", "an id past 2**52"])
def test_the_column_merge_writes_what_the_review_by_review_merge_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sched_ver: int, odd: str
) -> None:
    """A first import's history is merged on numpy columns (no card has reviews yet); any other merge, and a
    log with a number of 2**52 or more, goes review by review. Both give the same counts, the same
    review rows (value and type of every column), card memories, new counts and schema, for a log with every kind of
    row."""
    import srs.interop.anki.importer as importer
    from tests.test_import_hostile import apkg

    n = 120
    package = apkg(
        tmp_path / "log.apkg",
        [(1, [f"q{i}", f"a{i}"]) for i in range(n)],
        sql=_hostile_log(n, random.Random(5), odd)
        + f"""UPDATE col SET conf = '{{"schedVer": {sched_ver}}}';""",
    )
    scheduler = Scheduler(
        Settings(learning_steps=(60, 600), enable_fuzzing=True), LearnerClock("Europe/Paris", 4)
    )
    columns = importer._history_columns
    ran: list[bool] = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        out = columns(*args, **kwargs)
        ran.append(out is not None)
        return out

    written = {}
    for way in ("columns", "review by review"):
        monkeypatch.setattr(importer, "_history_columns", spy if way == "columns" else lambda *a, **k: None)
        home = tmp_path / way
        home.mkdir()
        with open_store(home / "srs.db") as store:
            written[way] = _written(store, run_import(store, home, package, scheduler))
    # the first import's history is worked out on columns (ahead of the sync's cards); a log it cannot take
    # is tried there and again by the ordinary merge, which goes review by review
    assert ran == ([True] if odd == "none" else [False, False])
    counts, rows, cards, _new, _schema = written["columns"]
    assert counts["reviews_merged"] > 150 and counts["reviews_excluded"] > 150
    assert counts["reviews_before_reset"] > 5 and counts["reviews_unmatched"] == 5
    assert counts["reviews_damaged"] == (odd == "an id past 2**52")
    assert any(c[1] == 0 for c in cards) and any(c[1] == 2 for c in cards)
    assert written["columns"] == written["review by review"]


def _written(store: Store, result: ImportResult) -> tuple[Any, ...]:
    """What an import left: its counts, every review row (value and type of each column), the cards'
    memories, the per-deck new counts and the schema."""
    return (
        {k: v for k, v in result.to_dict().items() if k not in ("seconds", "path")},
        [
            tuple((type(v).__name__, v) for v in row)
            for row in store.execute("SELECT * FROM reviews ORDER BY id")
        ],
        store.execute(
            "SELECT id, state, step, stability, difficulty, due, last_review, reps, lapses, suspended FROM cards "
            "ORDER BY id"
        ).fetchall(),
        store.execute("SELECT * FROM deck_new_counts ORDER BY deck").fetchall(),
        store.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").fetchall(),
    )


def test_a_history_written_while_a_second_process_parses_is_the_history_merged_after_the_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first import writes its review log while a forked child parses the deck files it wrote (before
    the cards are in the store), and sets the cards' memories after the sync: the counts, rows, memories,
    new counts and schema equal those of the merge after the sync, and the parse really was the child's."""
    import os

    import srs.decks.parser as parser
    import srs.interop.anki.importer as importer
    import srs.store.imports
    import srs.workers as workers
    from tests.test_import_hostile import apkg

    if not workers.can_split():
        pytest.skip("needs fork, two cores and a single thread")
    package = apkg(
        tmp_path / "log.apkg",
        [(1, [f"q{i}", f"a{i}"]) for i in range(120)],
        sql=_hostile_log(120, random.Random(8), "none")
        + "ALTER TABLE cards ADD COLUMN queue DEFAULT 0; UPDATE cards SET queue = -1 WHERE id % 7 = 0;"
        + "UPDATE cards SET did = 2 WHERE id % 2 = 0;",  # two decks (Alpha, Default): two files to parse
        deck="Alpha",
    )
    scheduler = Scheduler(
        Settings(learning_steps=(60, 600), enable_fuzzing=True), LearnerClock("Europe/Paris", 4)
    )
    monkeypatch.setattr(srs.store.imports, "_REBUILD_FROM", 1)  # the bulk writes of a large import
    real_parse, real_run = parser.parse_file, importer._HistoryAhead.run
    written = {}
    for way in ("ahead, while the child parses", "after the sync"):
        pids = tmp_path / f"pids-{len(written)}.txt"

        def noted(what: str, real: Any, pids: Path = pids) -> Any:
            def call(*args: Any, **kwargs: Any) -> Any:
                with pids.open("a", encoding="utf-8") as out:
                    out.write(f"{what} {os.getpid()}\n")
                return real(*args, **kwargs)

            return call

        ahead = way.startswith("ahead")
        monkeypatch.setattr(workers, "can_split", lambda ahead=ahead: ahead)
        monkeypatch.setattr(parser, "_SPLIT_BYTES", 1)
        monkeypatch.setattr(parser, "parse_file", noted("parse", real_parse))
        monkeypatch.setattr(importer._HistoryAhead, "run", noted("history", real_run))
        if not ahead:  # the ordinary merge, after the sync
            monkeypatch.setattr(importer, "_HistoryAhead", _NoHistoryAhead)
        home = tmp_path / f"home-{len(written)}"
        home.mkdir()
        with open_store(home / "srs.db") as store:
            result = run_import(store, home, package, scheduler)
            written[way] = _written(store, result)
        seen = [line.split() for line in pids.read_text(encoding="utf-8").splitlines()]
        parsed_by = {pid for what, pid in seen if what == "parse"}
        if ahead:  # the history written here, every file parsed by the child
            assert ["history", str(os.getpid())] in seen
            assert len(parsed_by) == 1 and str(os.getpid()) not in parsed_by
        else:
            assert parsed_by == {str(os.getpid())}
        monkeypatch.undo()
    counts, rows, cards, _new, _schema = written["after the sync"]
    assert (
        counts["reviews_merged"] > 150
        and counts["cards_suspended"] > 5
        and len(rows) == counts["reviews_merged"]
    )
    assert any(c[1] == 2 for c in cards)
    assert written["ahead, while the child parses"] == written["after the sync"]


class _NoHistoryAhead:
    """In place of the importer's history written ahead: writes nothing, so the history is merged after the sync."""

    def __init__(self, *_args: Any) -> None:
        self.weight = 0

    def run(self) -> None:
        return None

    def finish(self) -> None:
        return None


@pytest.mark.parametrize("mismatch", ["a card fewer expected", "a review the sync wrote"])
def test_a_history_written_ahead_of_a_store_other_than_expected_is_undone_and_merged_after_the_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mismatch: str
) -> None:
    """If the store after the sync is not what the history written ahead (while a child parses) expected
    (one expected card fewer than the sync made; a review the sync wrote), the whole import is undone and
    done again with the merge after the sync: the same store as that merge alone leaves, written ahead once
    and merged once."""
    import srs.decks.parser as parser
    import srs.interop.anki.importer as importer
    import srs.workers as workers
    from tests.test_import_hostile import apkg

    if not workers.can_split():
        pytest.skip("needs fork, two cores and a single thread")
    package = apkg(
        tmp_path / "log.apkg",
        [(1, [f"q{i}", f"a{i}"]) for i in range(40)],
        sql=_hostile_log(40, random.Random(2), "none") + "UPDATE cards SET did = 2 WHERE id % 2 = 0;",
        deck="Alpha",
    )
    scheduler = Scheduler(Settings(enable_fuzzing=False), LearnerClock("UTC", 4))
    real_run, real_merge = importer._HistoryAhead.run, importer._merge_history
    runs: list[int] = []
    merges: list[int] = []

    def merge(*args: Any) -> Any:
        merges.append(1)
        return real_merge(*args)

    def mistaken(self: Any) -> None:
        real_run(self)
        runs.append(1)
        if mismatch == "a card fewer expected":
            merged, memories, expected, reviews = self.written
            self.written = (merged, memories, expected - {min(expected)}, reviews)

    def sync_and_review(store: Store, home: Path) -> Any:
        """The sync, then (for the second mismatch) a review of srs's own for the first imported card."""
        report = sync(store, [DeckRoot("user", home / "decks")], T0)
        if mismatch == "a review the sync wrote":
            (card,) = store.execute("SELECT id FROM cards ORDER BY id LIMIT 1").fetchone()
            store.execute(
                "INSERT INTO reviews (card_id, ts, rating, state, after_state, after_reps, after_lapses) "
                "VALUES (?, ?, 3, 0, 1, 1, 0)",
                (card, T0),
            )
        return report

    written = {}
    for way in ("mistaken ahead", "after the sync"):
        monkeypatch.setattr(parser, "_SPLIT_BYTES", 1)  # two files: parsed by a child
        if way == "mistaken ahead":
            monkeypatch.setattr(importer._HistoryAhead, "run", mistaken)
            monkeypatch.setattr(importer, "_merge_history", merge)
        else:
            monkeypatch.setattr(importer, "_HistoryAhead", _NoHistoryAhead)
        home = tmp_path / way.replace(" ", "-")
        home.mkdir()
        with open_store(home / "srs.db") as store:
            result = run_import(
                store, home, package, scheduler, lambda store=store, home=home: sync_and_review(store, home)
            )
            written[way] = _written(store, result)
        monkeypatch.undo()
    assert runs == [1] and merges == [1]  # written ahead once, then merged after the sync once
    assert written["mistaken ahead"][0]["reviews_merged"] > 20
    assert written["mistaken ahead"] == written["after the sync"]
