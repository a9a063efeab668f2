"""`srs import anki`: packages written by the real Anki (legacy and current formats) imported into srs, note by
note and review by review; the phone round trip (export, review in Anki, bring the reviews back); bad files."""

from __future__ import annotations

import json
import sqlite3
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from srs.decks.sync import DeckRoot, sync
from srs.model import Rating
from srs.review.session import Session
from srs.scheduling.scheduler import Scheduler, Settings
from srs.store import open_store
from tests.conftest import DAY, T0, ok, run, write_deck
from tests.conftest import fail_alone as fail

anki_collection = pytest.importorskip("anki.collection")
Collection = anki_collection.Collection


@contextmanager
def collection(path: Path) -> Iterator[Any]:
    col = Collection(str(path))
    try:
        yield col
    finally:
        col.close()


def answer(col: Any, deck: str, ratings: list[int]) -> list[int]:
    """Answer the next queued cards of a deck in Anki with these buttons (its v3 scheduler API). Returns the
    card ids."""
    from anki.scheduler.v3 import CardAnswer

    col.decks.select(col.decks.id(deck))

    buttons = {1: CardAnswer.AGAIN, 2: CardAnswer.HARD, 3: CardAnswer.GOOD, 4: CardAnswer.EASY}
    done = []
    for rating in ratings:
        queued = col.sched.get_queued_cards().cards[0]
        card = col.get_card(queued.card.id)
        card.start_timer()
        col.sched.answer_card(col.sched.build_answer(card=card, states=queued.states, rating=buttons[rating]))
        done.append(card.id)
    return done


def build_anki(tmp_path: Path) -> dict[str, Any]:
    """A real Anki collection: notes of each standard type, a cloze, a custom type, media, a review log."""
    from anki.collection import Collection

    col = Collection(str(tmp_path / "source.anki2"))
    french = col.decks.id("Lang::French")
    maths = col.decks.id("Maths")
    image = tmp_path / "cell.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n fake image")
    stored = col.media.add_file(str(image))

    def add(model: str, deck: int, tags: list[str], **fields: str) -> Any:
        note = col.new_note(col.models.by_name(model))
        for key, value in fields.items():
            note[key.replace("_", " ")] = value
        note.tags = tags
        col.add_note(note, deck)
        return note

    custom = col.models.new("Vocab")
    for name in ("Word", "Meaning", "Example"):
        col.models.add_field(custom, col.models.new_field(name))
    tmpl = col.models.new_template("Recognise")
    tmpl["qfmt"], tmpl["afmt"] = "{{Word}}", "{{FrontSide}}<hr id=answer>{{Meaning}}<br>{{Example}}"
    col.models.add_template(custom, tmpl)
    col.models.add(custom)

    notes = {
        "basic": add(
            "Basic",
            french,
            ["fr", "greetings"],
            Front=f'<b>bonjour</b> <img src="{stored}">',
            Back="hello &amp; welcome \\(x^2 < y\\)",
        ),
        "reversed": add("Basic (and reversed card)", french, ["fr"], Front="chat", Back="cat"),
        "optional_on": add(
            "Basic (optional reversed card)", french, [], Front="chien", Back="dog", Add_Reverse="y"
        ),
        "optional_off": add("Basic (optional reversed card)", french, [], Front="oiseau", Back="bird"),
        "typein": add("Basic (type in the answer)", maths, ["arith"], Front="2 + 2 = ?", Back="4"),
        "cloze": add(
            "Cloze",
            maths,
            ["calc"],
            Text="The derivative of {{c1::\\(x^2\\)}} is {{c2::\\(2x\\)}}.",
            Back_Extra="<i>power rule</i>",
        ),
        "vocab": add(
            "Vocab", french, ["vocab"], Word="pomme", Meaning="apple", Example="une <b>pomme</b> rouge"
        ),
    }
    reviewed = answer(col, "Lang::French", [3, 1, 3, 4]) + answer(col, "Maths", [3, 2])
    col.sched.set_due_date([reviewed[0]], "0")  # a manual reschedule: a revlog row FSRS leaves out
    revlog = col.db.all("SELECT id, cid, ease, time, type FROM revlog ORDER BY id")
    cards = {
        c: (col.get_card(c).note().guid, col.get_card(c).ord) for c in col.db.list("SELECT id FROM cards")
    }
    return {"col": col, "notes": {k: n.id for k, n in notes.items()}, "revlog": revlog, "cards": cards}


def export_package(col: Any, out: Path, legacy: bool) -> Path:
    from anki.generic_pb2 import Empty
    from anki.import_export_pb2 import ExportAnkiPackageOptions, ExportLimit

    col.export_anki_package(
        out_path=str(out),
        options=ExportAnkiPackageOptions(with_scheduling=True, with_media=True, legacy=legacy),
        limit=ExportLimit(whole_collection=Empty()),
    )
    return out


def srs_cards() -> dict[str, dict[str, Any]]:
    result = run("list", "--json")
    assert result.exit_code == 0, result.output
    return {c["id"]: c for c in json.loads(result.stdout)}


def reviews(home: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(home / "srs.db")
    try:
        return conn.execute(
            "SELECT card_id, ts, rating, duration_ms, anki_id FROM reviews ORDER BY card_id, ts, id"
        ).fetchall()
    finally:
        conn.close()


def snapshot(home: Path) -> dict[str, bytes]:
    """The learner's files (deck files, media), not the database and its backups (one before each import)."""
    return {
        str(p.relative_to(home)): p.read_bytes()
        for p in sorted(home.rglob("*"))
        if p.is_file() and not p.name.startswith("srs.db") and p.relative_to(home).parts[0] != "backups"
    }


# -- import, note by note and review by review ---------------------------------------------------------
@pytest.mark.parametrize("fmt", ["legacy.apkg", "current.apkg", "legacy.colpkg", "current.colpkg"])
def test_anki_package_imports_notes_media_and_history(env: Path, tmp_path: Path, fmt: str) -> None:
    built = build_anki(tmp_path)
    col = built["col"]
    legacy = fmt.startswith("legacy")
    if fmt.endswith("colpkg"):
        pkg = tmp_path / fmt
        col.export_collection_package(str(pkg), include_media=True, legacy=legacy)  # closes the collection
    else:
        pkg = export_package(col, tmp_path / fmt, legacy)
        col.close()
    if not legacy:
        names = zipfile.ZipFile(pkg).namelist()
        assert "collection.anki21b" in names and "meta" in names

    summary = ok("import", "anki", str(pkg), "--with-history")
    assert summary["notes"] == 7 and summary["media_copied"] == 1
    assert summary["cards_added"] == 10  # 7 notes: reversed 2, optional-on 2, cloze 2, the rest 1
    from srs.decks.importers.writer import stable_id

    with collection(tmp_path / "check.anki2") as check:
        from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

        if fmt.endswith("apkg"):
            check.import_anki_package(
                ImportAnkiPackageRequest(
                    package_path=str(pkg), options=ImportAnkiPackageOptions(with_scheduling=True)
                )
            )
        guids = {check.get_note(n).guid: check.get_note(n) for n in check.find_notes("")}
    cards = srs_cards()
    if guids:  # note by note (from the same package as Anki itself imports it)
        for g, note in guids.items():
            nid = stable_id("anki", g)
            assert nid in cards or f"{nid}/c1" in cards, (g, list(note.keys()))
    by_front = {c["front"]: c for c in cards.values()}
    basic = by_front["**bonjour** ![cell.png](../../media/cell.png)"]
    assert basic["kind"] == "basic" and basic["back"] == "hello & welcome $x^2 < y$"
    assert basic["deck"] == "Lang::French" and basic["tags"] == ["fr", "greetings"]
    assert (env / "media" / "cell.png").read_bytes() == b"\x89PNG\r\n\x1a\n fake image"
    assert by_front["chat"]["kind"] == "reversed" and by_front["cat"]["sub"] == "rev"
    assert by_front["chien"]["kind"] == "reversed" and by_front["oiseau"]["kind"] == "basic"
    assert by_front["2 + 2 = ?"]["kind"] == "type-in" and by_front["2 + 2 = ?"]["back"] == "4"
    assert by_front["2 + 2 = ?"]["deck"] == "Maths"
    cloze = [c for c in cards.values() if c["kind"] == "cloze"]
    assert sorted(c["sub"] for c in cloze) == ["c1", "c2"]
    assert cloze[0]["front"] == "The derivative of {{c1::$x^2$}} is {{c2::$2x$}}."
    assert cloze[0]["extra"] == "*power rule*"
    vocab = by_front["pomme"]
    # what its template shows below the answer rule: {{Meaning}}<br>{{Example}}
    assert vocab["kind"] == "basic" and vocab["back"] == "apple\nune **pomme** rouge"
    assert (env / "decks" / "anki" / "lang--french.md").exists() and (
        env / "decks" / "anki" / "maths.md"
    ).exists()

    # review by review: every revlog row but the manual one, with Anki's id, time, button and duration
    def srs_id(cid: int) -> str:
        g, o = built["cards"][cid]
        nid = stable_id("anki", g)
        matches = [c for c in cards.values() if c["note_id"] == nid]
        kind = matches[0]["kind"]
        return f"{nid}/c{o + 1}" if kind == "cloze" else (f"{nid}/rev" if o == 1 else nid)

    expected = sorted(
        (srs_id(cid), rid // 1000, ease, duration, rid)
        for rid, cid, ease, duration, kind in built["revlog"]
        if kind != 4
    )
    assert len(expected) == 6 and summary["reviews_merged"] == 6 and summary["reviews_excluded"] == 1
    assert reviews(env) == expected
    reviewed = {e[0] for e in expected}
    for cid, card in srs_cards().items():
        assert (card["reps"] > 0) == (cid in reviewed)

    # re-import is a no-op: no file, card or review changes
    before, log = snapshot(env), reviews(env)
    again = ok("import", "anki", str(pkg), "--with-history")
    assert again["files_written"] == 0 and again["cards_added"] == 0 and again["reviews_merged"] == 0
    assert again["reviews_known"] == 6
    assert snapshot(env) == before and reviews(env) == log


def test_deck_prefix_and_edited_note_updates_in_place(env: Path, tmp_path: Path) -> None:
    built = build_anki(tmp_path)
    col = built["col"]
    pkg = export_package(col, tmp_path / "a.apkg", legacy=False)
    ok("import", "anki", str(pkg), "--deck-prefix", "From Anki")
    assert {c["deck"] for c in srs_cards().values()} == {"From Anki::Lang::French", "From Anki::Maths"}
    note = col.get_note(built["notes"]["reversed"])
    note["Back"] = "a cat"
    col.update_note(note)
    export_package(col, pkg, legacy=False)
    col.close()
    summary = ok("import", "anki", str(pkg), "--deck-prefix", "From Anki")
    assert summary["cards_added"] == 0 and summary["cards_updated"] == 2 and summary["files_written"] == 1
    cards = srs_cards()
    assert len(cards) == 10 and {c["back"] for c in cards.values() if c["front"] == "chat"} == {"a cat"}


# -- the phone round trip ------------------------------------------------------------------------------
PHONE_DECK = """---
deck: Phone
---

## p-a
Q: alpha
A: one

## p-b
Q: beta
A: two

## p-c
kind: reversed
Q: gamma
A: three
"""


def test_phone_round_trip_merges_exactly_the_reviews_made_in_anki(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_deck(env / "decks", "phone.md", PHONE_DECK)
    with open_store(env / "srs.db") as store:
        assert sync(store, [DeckRoot("user", env / "decks")], T0).errors == ()
        session = Session(store, Scheduler(Settings(enable_fuzzing=False)), T0)
        session.rate("p-a", Rating.GOOD, T0, duration_ms=3000)
        session.rate("p-a", Rating.GOOD, T0 + 600, duration_ms=2000)
    monkeypatch.setenv("SRS_NOW", "2026-03-03T10:00:00Z")
    apkg = tmp_path / "srs.apkg"
    assert run("export", "anki", str(apkg), "--with-scheduling").exit_code == 0
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    col = Collection(str(tmp_path / "phone.anki2"))
    col.import_anki_package(
        ImportAnkiPackageRequest(
            package_path=str(apkg),
            options=ImportAnkiPackageOptions(merge_notetypes=True, with_scheduling=True),
        )
    )
    answered = answer(col, "Phone", [3, 1, 3])  # new cards in Anki: p-b, p-c (forward), p-c/rev...
    made = col.db.all("SELECT id, cid, ease FROM revlog WHERE id > ? ORDER BY id", (T0 + DAY) * 1000)
    assert len(made) == 3 and [m[1] for m in made] == answered
    colpkg = tmp_path / "collection.colpkg"
    col.export_collection_package(str(colpkg), include_media=True, legacy=False)

    # srs reviewed p-b too, the same day (a conflict): both reviews are kept, in time order
    monkeypatch.delenv("SRS_NOW")
    # A minute before Anki's answers, on the same learner day (an hour before crossed the 04:00 rollover when
    # the suite ran between 04:00 and 05:00, and the conflict was not one).
    now = int(time.time())
    earlier = now - min(60, max(1, (now - 4 * 3600) % DAY - 1))
    with open_store(env / "srs.db") as store:
        Session(store, Scheduler(Settings(enable_fuzzing=False)), now).rate("p-b", Rating.HARD, earlier)
    before = reviews(env)
    summary = ok("import", "anki", str(colpkg), "--reviews-only")
    assert summary["reviews_merged"] == 3 and summary["reviews_known"] == 2  # p-a's two came back from srs
    assert summary["cards_changed"] == 3 and summary["conflicts"] == 1 and summary["files_written"] == 0
    after = reviews(env)
    added = [r for r in after if r[4] is not None]
    assert sorted(r[4] for r in added) == [m[0] for m in made]
    assert [r for r in after if r[4] is None] == [r for r in before]
    pb = [r for r in after if r[0] == "p-b"]
    assert [r[2] for r in pb] == [2, 3] and pb[0][1] < pb[1][1]  # srs's Hard, then Anki's Good
    assert srs_cards()["p-b"]["reps"] == 2
    assert not (env / "decks" / "anki").exists()
    # the same file again adds nothing
    again = ok("import", "anki", str(colpkg), "--reviews-only")
    assert again["reviews_merged"] == 0 and again["reviews_known"] == 5 and reviews(env) == after


# -- bad input: one clear error, nothing changed --------------------------------------------------------
def _good_package(tmp_path: Path) -> Path:
    built = build_anki(tmp_path)
    pkg = export_package(built["col"], tmp_path / "good.apkg", legacy=False)
    built["col"].close()
    return pkg


def _bad(tmp_path: Path, case: str) -> tuple[Path, str]:
    if case == "missing":
        return tmp_path / "nope.apkg", "no such file"
    if case == "text":
        p = tmp_path / "notes.apkg"
        p.write_text("front,back\n")
        return p, "not an Anki package"
    if case == "truncated":
        good = _good_package(tmp_path).read_bytes()
        p = tmp_path / "cut.apkg"
        p.write_bytes(good[: len(good) // 2])
        return p, "not an Anki package"
    if case == "no-collection":
        p = tmp_path / "other.apkg"
        with zipfile.ZipFile(p, "w") as zf:
            zf.writestr("readme.txt", "hi")
        return p, "no collection inside"
    if case == "password":
        p = tmp_path / "locked.apkg"
        with zipfile.ZipFile(p, "w") as zf:
            zf.writestr("collection.anki2", b"x" * 100)
        data = bytearray(p.read_bytes())  # set the "encrypted" flag in the local and central headers
        for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            data[data.index(signature) + offset] |= 0x1
        p.write_bytes(bytes(data))
        return p, "password-protected"
    if case == "version":
        p = tmp_path / "future.apkg"
        with zipfile.ZipFile(p, "w") as zf:
            zf.writestr("meta", b"\x08\x09")
            zf.writestr("collection.anki21b", b"")
        return p, "unknown version (9)"
    if case == "schema":
        db = tmp_path / "c.anki2"
        conn = sqlite3.connect(db)
        conn.execute("CREATE TABLE col (ver, models, decks, conf)")
        conn.execute("INSERT INTO col VALUES (99, '', '', '')")
        conn.commit()
        conn.close()
        p = tmp_path / "schema.apkg"
        with zipfile.ZipFile(p, "w") as zf:
            zf.write(db, "collection.anki21")
        return p, "unknown version (schema 99)"
    if case == "garbage-collection":
        p = tmp_path / "garbage.apkg"
        with zipfile.ZipFile(p, "w") as zf:
            zf.writestr("collection.anki21", b"this is not sqlite" * 100)
        return p, "damaged"
    if case == "bad-zstd":
        p = tmp_path / "zstd.apkg"
        with zipfile.ZipFile(p, "w") as zf:
            zf.writestr("meta", b"\x08\x03")
            zf.writestr("collection.anki21b", b"(\xb5/\xfd garbage")
        return p, "cannot decompress"
    raise AssertionError(case)


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "text",
        "truncated",
        "no-collection",
        "password",
        "version",
        "schema",
        "garbage-collection",
        "bad-zstd",
    ],
)
def test_bad_packages_give_one_error_and_change_nothing(env: Path, tmp_path: Path, case: str) -> None:
    pkg, message = _bad(tmp_path, case)
    write_deck(env / "decks", "mine.md", "## m1\nQ: q\nA: a\n")
    assert run("list").exit_code == 0
    before = snapshot(env)
    fail(run("import", "anki", str(pkg), "--with-history"), message)
    assert snapshot(env) == before


@pytest.mark.parametrize("step", ["_history_columns", "_suspend"])
def test_failure_inside_the_transaction_restores_the_deck_files(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    """A failure while the history is worked out (written along the parse of the deck files) or after it
    undoes the whole import."""
    pkg = _good_package(tmp_path)
    import srs.interop.anki.importer as importer

    def boom(*_a: Any, **_k: Any) -> Any:
        raise importer.SrsError("disk full")

    monkeypatch.setattr(importer, step, boom)
    fail(run("import", "anki", str(pkg), "--with-history"), "disk full")
    assert (
        not list((env / "decks").rglob("*.md"))
        and not (env / "media").exists()
        or not list((env / "media").iterdir())
    )
    assert srs_cards() == {}


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda text: text[: text.rindex("\n## ")] + "\n", "imported cards would not read back"),
        (
            lambda text: text.replace("\nQ: ", "\nQ:: ", 1).replace("\nA: ", "\nkind: nonsense\nA: ", 1),
            "cannot be written as a deck file",
        ),
    ],
)
def test_a_deck_file_that_does_not_read_back_whole_is_refused(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: Any, message: str
) -> None:
    """The import parses its deck files once, in the sync: a file that gives back fewer notes than were
    written into it, or an error, undoes the whole import."""
    pkg = _good_package(tmp_path)
    import srs.interop.anki.importer as importer

    real = importer.plan_files

    def damaged(*args: Any, **kwargs: Any) -> Any:
        batch = real(*args, **kwargs)
        path = max(batch.texts, key=lambda p: batch.notes[p])
        batch.texts[path] = damage(batch.texts[path])
        return batch

    monkeypatch.setattr(importer, "plan_files", damaged)
    write_deck(env / "decks", "mine.md", "## m1\nQ: q\nA: a\n")
    assert run("list").exit_code == 0
    before = snapshot(env)
    fail(run("import", "anki", str(pkg), "--with-history"), message)
    assert snapshot(env) == before
    assert set(srs_cards()) == {"m1"} and reviews(env) == []


def test_protobuf_and_revlog_rules() -> None:
    from srs.interop.anki.importer import AnkiReview, excluded, proto_fields

    assert list(proto_fields(b"\x08\x03\x12\x02hi")) == [(1, 3), (2, b"hi")]
    with pytest.raises(ValueError):
        list(proto_fields(b"\x12\x09hi"))
    keep = AnkiReview(1, 1, 3, 2500, 1000, 1)
    assert not excluded(keep)
    assert (
        excluded(keep._replace(type=4))
        and excluded(keep._replace(type=5))
        and excluded(keep._replace(ease=0))
    )
    assert excluded(keep._replace(type=3, factor=0)) and not excluded(keep._replace(type=3))


def test_memory_columns_read_back_as_the_memory() -> None:
    """The review log keeps the memory after a rating in plain columns (m010): written in SET_MEMORY's
    order, they read back as the very same memory, and the memory before falls back to it."""
    from srs.model import Memory, State
    from srs.store.rows import memory_values, review_after, review_before

    for memory in (
        Memory(),
        Memory(State.REVIEW, None, 3.1234567891, 5.5, 1_772_445_600, 1_772_400_000, 4, 1),
        Memory(State.LEARNING, 1, 0.4, 7.25, 1_772_445_600, 1_772_440_000, 1, 0),
    ):
        after = review_after((*memory_values(memory), None))
        assert after == memory and after.to_dict() == memory.to_dict()
        assert review_before(None, after) == memory and review_before(None, None) == Memory()
        assert review_before(json.dumps(memory.to_dict()), None) == memory


def test_srs_own_export_imported_back_is_recognised(env: Path, tmp_path: Path) -> None:
    write_deck(env / "decks", "phone.md", PHONE_DECK)
    out = tmp_path / "own.apkg"
    assert run("export", "anki", str(out)).exit_code == 0
    summary = ok("import", "anki", str(out))
    assert summary["skipped_notes"] == 3 and summary["files_written"] == 0 and summary["cards_added"] == 0
    assert not (env / "decks" / "anki").exists()
    # a package of cards srs does not have: --reviews-only merges nothing and says so
    built = build_anki(tmp_path)
    pkg = export_package(built["col"], tmp_path / "other.apkg", legacy=False)
    built["col"].close()
    before = reviews(env)
    other = ok("import", "anki", str(pkg), "--reviews-only")
    assert other["reviews_merged"] == 0 and other["reviews_unmatched"] == 6 and other["reviews_excluded"] == 1
    assert reviews(env) == before
    text = run("import", "anki", str(pkg), "--reviews-only")
    assert text.exit_code == 0 and text.output.startswith("Merged 0 new reviews into 0 cards")
    assert "6 reviews of cards not in srs were left out." in text.output


def test_an_imported_id_already_used_by_a_card_of_mine_is_refused(env: Path, tmp_path: Path) -> None:
    from srs.decks.importers.writer import stable_id

    built = build_anki(tmp_path)
    pkg = export_package(built["col"], tmp_path / "a.apkg", legacy=True)
    guid = built["col"].get_note(built["notes"]["basic"]).guid
    built["col"].close()
    write_deck(env / "decks", "mine.md", f"## {stable_id('anki', guid)}\nQ: mine\nA: mine\n")
    assert run("list").exit_code == 0
    before = snapshot(env)
    fail(run("import", "anki", str(pkg)), "clashes with a card already in srs")
    assert snapshot(env) == before and set(srs_cards()) == {stable_id("anki", guid)}


def test_the_cycle_collector_is_back_on_after_an_import_that_fails(env: Path, tmp_path: Path) -> None:
    import gc

    pkg, message = _bad(tmp_path, "bad-zstd")
    assert gc.isenabled()
    fail(run("import", "anki", str(pkg)), message)
    assert gc.isenabled()
    gc.disable()
    try:
        fail(run("import", "anki", str(pkg)), message)
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


def test_merged_anki_reviews_show_the_interval_anki_gave(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 23 item 11: a card graduated in Anki with a 1-day interval showed "4h" in `srs history` (the
    time to srs's replayed due date, at the next 04:00). The interval is Anki's revlog ivl."""
    write_deck(env / "decks", "phone.md", PHONE_DECK)
    with open_store(env / "srs.db") as store:
        assert sync(store, [DeckRoot("user", env / "decks")], T0).errors == ()
        Session(store, Scheduler(Settings(enable_fuzzing=False)), T0).rate("p-a", Rating.GOOD, T0)
    apkg = tmp_path / "srs.apkg"
    assert run("export", "anki", str(apkg), "--with-scheduling").exit_code == 0
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    col = Collection(str(tmp_path / "phone.anki2"))
    col.import_anki_package(
        ImportAnkiPackageRequest(
            package_path=str(apkg),
            options=ImportAnkiPackageOptions(merge_notetypes=True, with_scheduling=True),
        )
    )
    col.decks.select(col.decks.id("Phone"))
    (pb,) = [c for c in col.find_cards("deck:Phone") if "beta" in col.get_card(c).note().fields[0]]
    from anki.scheduler.v3 import CardAnswer

    for _ in range(2):  # Good on a new card (learning step, 10 min), Good again: graduated, 1 day
        card = col.get_card(pb)
        card.start_timer()
        states = col._backend.get_scheduling_states(card.id)
        col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=CardAnswer.GOOD))
    ivls = col.db.list("SELECT ivl FROM revlog WHERE cid = ? ORDER BY id", pb)
    assert ivls == [-600, 1]
    colpkg = tmp_path / "collection.colpkg"
    col.export_collection_package(str(colpkg), include_media=True, legacy=False)
    col.close()
    summary = ok("import", "anki", str(colpkg), "--reviews-only")
    assert summary["reviews_merged"] == 2
    shown = ok("history", "p-b")["reviews"]
    assert [r["interval_days"] for r in shown] == [600 / 86400, 1.0]
    text = run("history", "p-b").output.splitlines()
    assert [line.split()[4] for line in text[1:]] == ["10m", "1d"]
    # srs's own review of p-a, rewritten by no merge, keeps the interval it was given
    own = ok("history", "p-a")["reviews"]
    assert len(own) == 1 and own[0]["interval_days"] is not None
