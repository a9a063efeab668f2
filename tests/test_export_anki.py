"""`srs export anki`: every package is imported into a real, temporary Anki collection and checked there."""

from __future__ import annotations

import html
import io
import json
import os
import re
import sqlite3
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from srs.cli import cli
from srs.decks.sync import DeckRoot, sync
from srs.interop.anki.cardhtml import HtmlRenderer, is_inline, is_plain
from srs.interop.anki.export import export_anki, note_guid
from srs.interop.anki.notes import anki_tags, deck_id, quiz_seed
from srs.interop.anki.notetypes import MODEL_IDS, MODEL_NAMES
from srs.interop.anki.schedule import CRT_DAYS
from srs.model import Kind, Rating, State
from srs.review.session import Session
from srs.scheduling.scheduler import Scheduler, Settings
from srs.store import Filter, open_store
from tests.conftest import DAY, T0, write_deck
from tests.conftest import fail_alone as fail

anki_collection = pytest.importorskip("anki.collection")
Collection = anki_collection.Collection

NOW = "2026-03-02T10:00:00Z"

DECK_ONE = r"""---
deck: Export Test::Part 1 · 基础
tags: export
source: Test source, "chapter 1"
---

## t-basic
tags: activations relu
Q: What does a **ReLU** unit compute? 深度学习
A: $f(x) = \max(0, x)$: it thresholds at *zero*.

$$
\frac{\partial L}{\partial x} = a_{ij} \cdot b_{jk}
$$

## t-rev
kind: reversed
Q: $\sigma(x) = 1 / (1 + e^{-x})$
A: the logistic sigmoid

## t-cloze
text: The derivative of ReLU is {{c1::1}} for $x > 0$ and {{c2::0}} for $x < 0$.
extra: At exactly $x = 0$ it is undefined.

## t-type
kind: type-in
Q: Input 32×32, filter 5×5, stride 1, padding 2. Output width?
A: 32
$(32 - 5 + 2 \cdot 2)/1 + 1 = 32$

## t-script
Q: What does <script>alert("x")</script> do here?
A: Nothing: it is <b>escaped</b> & shown as text.

## t-code
Q: What does this print?

```python
print(sum(x * x for x in range(3)))  # $not maths$
```
A: `5`

## t-lab
lab: d1-lab-mlp-scratch
"""

DECK_TWO = r"""---
deck: Export Test::Part 2
tags: other
source: Another source
---

## t-quiz
quiz: conv_output_shape
params: W=8..32 F=3,5

## t-ex
exercise: pairwise_l2
"""

CHOICE_CARD = """
## t-choice
Q: Which loss for ten classes?
options:
- [ ] MSE
- [x] Cross-entropy
"""


# -- helpers ----------------------------------------------------------------------------------------
@pytest.fixture
def env(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A learner with two small deck files, no built-in curriculum, a pinned clock."""
    monkeypatch.setenv("SRS_NO_BUILTIN", "1")
    monkeypatch.setenv("SRS_NOW", NOW)
    write_deck(home / "decks", "one.md", DECK_ONE)
    write_deck(home / "decks", "two.md", DECK_TWO)
    return home


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def export(out: Path, *args: str) -> Result:
    result = run("export", "anki", str(out), *args)
    assert result.exit_code == 0, result.output
    return result


@contextmanager
def collection(path: Path) -> Iterator[Any]:
    col = Collection(str(path))
    try:
        yield col
    finally:
        col.close()


def import_into(col: Any, apkg: Path, *, with_scheduling: bool = True) -> Any:
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    return col.import_anki_package(
        ImportAnkiPackageRequest(
            package_path=str(apkg),
            options=ImportAnkiPackageOptions(merge_notetypes=True, with_scheduling=with_scheduling),
        )
    ).log


def note_by_id(col: Any, srs_id: str) -> Any:
    found = col.find_notes(f'"SrsId:{srs_id}"')
    assert len(found) == 1, (srs_id, found)
    return col.get_note(found[0])


def text_of(fragment: str) -> str:
    """The text of an HTML fragment (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def our_cards() -> list[dict[str, Any]]:
    result = run("list", "--json")
    assert result.exit_code == 0, result.output
    return list(json.loads(result.stdout))


def expected_counts(cards: list[dict[str, Any]], instances: int = 3) -> tuple[int, int]:
    """(notes, cards) Anki should hold: one note per srs note, ``instances`` notes per quiz card."""
    notes = {c["note_id"] for c in cards}
    quizzes = sum(1 for c in cards if c["kind"] == "quiz")
    return len(notes) + (instances - 1) * quizzes, len(cards) + (instances - 1) * quizzes


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- content ----------------------------------------------------------------------------------------
def test_import_counts_decks_tags_and_rendered_fields(env: Path, tmp_path: Path) -> None:
    # One card of every kind, so that every note type is in the package.
    write_deck(env / "decks", "three.md", "---\ndeck: Export Test::Part 2\n---\n" + CHOICE_CARD)
    out = tmp_path / "week.apkg"
    result = export(out)
    ours = our_cards()
    notes, cards = expected_counts(ours)
    assert result.stdout.strip() == (
        f"Exported {notes} notes, {cards} cards, 2 decks to {out} ({result.stdout.split('(')[-1].strip()}"
    )
    assert zipfile.ZipFile(out).getinfo("collection.anki2").compress_type == zipfile.ZIP_DEFLATED
    with collection(tmp_path / "col.anki2") as col:
        log = import_into(col, out)
        assert (len(log.new), len(log.updated), len(log.duplicate)) == (notes, 0, 0)
        assert (col.note_count(), col.card_count()) == (notes, cards) == (12, 14)
        names = {d.name for d in col.decks.all_names_and_ids()}
        assert {"Export Test", "Export Test::Part 1 · 基础", "Export Test::Part 2"} <= names

        basic = note_by_id(col, "t-basic")
        assert basic.note_type()["name"] == "srs Basic" and basic.note_type()["id"] == MODEL_IDS[Kind.BASIC]
        assert sorted(basic.tags) == ["activations", "export", "relu"]
        assert basic["Front"] == "What does a <strong>ReLU</strong> unit compute? 深度学习"
        assert basic["Back"].startswith(r"<p>\(f(x) = \max(0, x)\): it thresholds at <em>zero</em>.</p>")
        assert r"<p>\[\frac{\partial L}{\partial x} = a_{ij} \cdot b_{jk}\]</p>" in basic["Back"]
        assert basic["Source"] == "Test source, &quot;chapter 1&quot;"
        assert col.decks.name(basic.cards()[0].did) == "Export Test::Part 1 · 基础"

        lab = note_by_id(col, "t-lab")
        assert lab.note_type()["id"] == MODEL_IDS[Kind.LAB]
        assert "srs lab check d1-lab-mlp-scratch" in lab["Back"]

        typed = note_by_id(col, "t-type")
        assert typed["Back"] == "32"  # exactly what the learner must type
        assert typed["Explanation"] == r"\((32 - 5 + 2 \cdot 2)/1 + 1 = 32\)"
        assert "{{type:Back}}" in typed.note_type()["tmpls"][0]["qfmt"]

        code = note_by_id(col, "t-code")
        assert '<pre class="code" style="background:' in code["Front"]
        assert (
            '<span style="color: #008000; font-weight: bold">print</span>' not in code["Front"]
        )  # a builtin
        assert 'style="color:' in code["Front"] and "# $not maths$" in code["Front"]  # no maths in code
        assert code["Back"] == "<code>5</code>"

        exercise = note_by_id(col, "t-ex")
        assert exercise.note_type()["name"] == "srs Exercise" and exercise["Exercise"] == "pairwise_l2"
        assert exercise["Description"].startswith("<h1>")
        assert "def pairwise_l2" in text_of(exercise["Starter"]) and "def pairwise_l2" in text_of(
            exercise["Reference"]
        )
        assert exercise["Checks"]
        assert exercise["Reference"] != exercise["Starter"]

        for kind, name in MODEL_NAMES.items():
            model = col.models.by_name(name)
            assert model is not None and model["id"] == MODEL_IDS[kind]
            assert "SrsId" in col.models.field_names(model) and "Source" in col.models.field_names(model)
            assert ".nightMode" in model["css"] and ".night_mode" in model["css"]


def test_script_in_a_card_arrives_escaped(env: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.apkg"
    export(out)
    with collection(tmp_path / "col.anki2") as col:
        import_into(col, out)
        note = note_by_id(col, "t-script")
        assert note["Front"] == "What does &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; do here?"
        assert note["Back"] == "Nothing: it is &lt;b&gt;escaped&lt;/b&gt; &amp; shown as text."
        question = note.cards()[0].question()
        assert "<script>alert" not in question and "&lt;script&gt;alert" in question


def test_reversed_note_is_one_note_with_two_cards(env: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.apkg"
    export(out)
    with collection(tmp_path / "col.anki2") as col:
        import_into(col, out)
        note = note_by_id(col, "t-rev")
        assert note.note_type()["name"] == "srs Basic (and reversed)"
        forward, backward = sorted(note.cards(), key=lambda c: c.ord)
        assert r"\(\sigma(x) = 1 / (1 + e^{-x})\)" in forward.question()
        assert "the logistic sigmoid" in backward.question() and r"\sigma(x)" not in backward.question()


def test_cloze_note_makes_one_card_per_deletion(env: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.apkg"
    export(out)
    with collection(tmp_path / "col.anki2") as col:
        import_into(col, out)
        note = note_by_id(col, "t-cloze")
        assert note.note_type()["name"] == "srs Cloze" and note.note_type()["type"] == 1
        assert note["Text"] == (
            r"The derivative of ReLU is {{c1::1}} for \(x &gt; 0\) and {{c2::0}} for "
            r"\(x &lt; 0\)."
        )
        c1, c2 = sorted(note.cards(), key=lambda c: c.ord)
        assert (c1.ord, c2.ord) == (0, 1)
        assert "[...]" in c1.question() and "for \\(x &lt; 0\\)" in c1.question()
        assert ">1<" not in c1.question() and ">1<" in c1.answer()
        assert "[...]" in c2.question() and ">0<" in c2.answer()


def test_quiz_instances_are_frozen_notes_with_fixed_seeds(env: Path, tmp_path: Path) -> None:
    from srs import quiz

    out = tmp_path / "q.apkg"
    export(out, "--quiz-instances", "4", "--tag", "other")
    with collection(tmp_path / "col.anki2") as col:
        import_into(col, out)
        found = [col.get_note(n) for n in col.find_notes('"note:srs Quiz"')]
        assert len(found) == 4 and col.note_count() == 5  # 4 quiz instances + the exercise
        seeds = sorted(int(n["Seed"]) for n in found)
        assert seeds == sorted(quiz_seed("t-quiz", i) for i in range(1, 5)) and len(set(seeds)) == 4
        first = next(n for n in found if n["Instance"] == "1/4")
        inst = quiz.generate("conv_output_shape", int(first["Seed"]), "W=8..32 F=3,5")
        assert (
            first["Answer"] == HtmlRenderer().markdown(inst.answer) and first["Prompt"] and first["Solution"]
        )
        assert {n["SrsId"] for n in found} == {"t-quiz"}
    # The same instances, note for note, at the next export: re-importing changes nothing.
    export(out, "--quiz-instances", "4", "--tag", "other")
    with collection(tmp_path / "col.anki2") as col:
        log = import_into(col, out)
        assert (len(log.new), len(log.updated), len(log.duplicate)) == (0, 0, 5)


def test_edited_card_reexported_updates_the_note(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "e.apkg"
    export(out)
    with collection(tmp_path / "col.anki2") as col:
        first = import_into(col, out)
        count = col.note_count()
        deck = env / "decks" / "one.md"
        deck.write_text(
            deck.read_text(encoding="utf-8").replace("it thresholds at *zero*", "it clips at **zero**"),
            encoding="utf-8",
        )
        monkeypatch.setenv("SRS_NOW", "2026-03-03T08:00:00Z")  # edited the next day
        export(out)
        log = import_into(col, out)
        assert (len(log.new), len(log.updated)) == (0, 1) and len(log.duplicate) == len(first.new) - 1
        assert col.note_count() == count
        assert "it clips at <strong>zero</strong>" in note_by_id(col, "t-basic")["Back"]


# -- scheduling ---------------------------------------------------------------------------------------
def build_history(home: Path) -> dict[str, Any]:
    """Review some cards with the core at fixed UTC times (no fuzzing). Returns the export moment."""
    with open_store(home / "srs.db") as store:
        assert sync(store, [DeckRoot("user", home / "decks")], T0).errors == ()
        session = Session(store, Scheduler(Settings(enable_fuzzing=False)), T0)
        session.rate("t-basic", Rating.GOOD, T0, duration_ms=4200)
        session.rate("t-basic", Rating.GOOD, T0 + 600, duration_ms=3100)  # graduates: review
        session.rate("t-cloze/c1", Rating.EASY, T0 + 60, duration_ms=2000)  # review at once
        session.rate("t-cloze/c1", Rating.AGAIN, T0 + 2 * DAY)  # a lapse: relearning
        session.rate("t-cloze/c1", Rating.AGAIN, T0 + 2 * DAY + 600)  # a relearning step failed
        session.rate("t-quiz", Rating.GOOD, T0 + 120)
        session.rate("t-quiz", Rating.GOOD, T0 + 720)
        session.rate("t-rev", Rating.GOOD, T0 + 3 * DAY - 630)  # learning: the second step
        session.rate("t-rev", Rating.HARD, T0 + 3 * DAY - 30)  # the same step again, due in 10 min
        store.set_suspended(["t-rev/rev", "t-code"], True)
        cards = {c.id: c for c in store.cards()}
        reviews = store.reviews()
    return {"cards": cards, "reviews": reviews, "now": T0 + 3 * DAY}


def day_index(ts: float) -> int:
    from srs.cli import utc_offset

    return int((ts + utc_offset() - 4 * 3600) // DAY)


def test_with_scheduling_carries_due_dates_intervals_and_the_review_log(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = build_history(env)
    monkeypatch.setenv("SRS_NOW", "2026-03-05T10:00:00Z")
    out = tmp_path / "sched.apkg"
    result = export(out, "--with-scheduling", "--json")
    summary = json.loads(result.stdout)
    assert summary["reviews"] == len(history["reviews"]) == 9 and summary["with_scheduling"] is True
    cards = history["cards"]
    with collection(tmp_path / "col.anki2") as col:
        import_into(col, out)
        today = col.sched.today

        def anki_card(srs_id: str, ord_: int = 0) -> Any:
            notes = [col.get_note(n) for n in col.find_notes(f'"SrsId:{srs_id}"')]
            note = next(n for n in notes if "Instance" not in n or n["Instance"] == "1/3")
            return next(c for c in note.cards() if c.ord == ord_)

        for srs_id, ord_ in (("t-basic", 0), ("t-quiz", 0)):
            ours, theirs = cards[srs_id].memory, anki_card(srs_id, ord_)
            assert ours.state is State.REVIEW and (theirs.type, theirs.queue) == (2, 2)
            assert theirs.ivl == round((ours.due - ours.last_review) / DAY) >= 1
            # The same calendar day (Anki keeps due days relative to its own collection's creation).
            assert theirs.due - today == day_index(ours.due) - day_index(time.time())
            assert theirs.memory_state.stability == pytest.approx(ours.stability, abs=1e-3)
            assert theirs.memory_state.difficulty == pytest.approx(ours.difficulty, abs=1e-3)
            assert theirs.last_review_time == ours.last_review and theirs.reps == ours.reps
            assert theirs.desired_retention == pytest.approx(0.9)

        relearn, theirs = cards["t-cloze/c1"].memory, anki_card("t-cloze", 0)
        assert relearn.state is State.RELEARNING and relearn.lapses == 1
        assert (theirs.type, theirs.queue, theirs.due, theirs.lapses) == (3, 1, relearn.due, 1)
        # One relearning step to go; the interval Anki keeps for a relearning card is its stability.
        assert relearn.stability is not None and (theirs.left % 1000, theirs.ivl) == (
            1,
            max(1, round(relearn.stability)),
        )
        learning, theirs = cards["t-rev"].memory, anki_card("t-rev", 0)
        assert learning.state is State.LEARNING and (theirs.type, theirs.queue, theirs.due) == (
            1,
            1,
            learning.due,
        )
        assert learning.step == 1 and theirs.left % 1000 == 1  # on the last of the two learning steps
        assert anki_card("t-rev", 1).queue == -1 and anki_card("t-code").queue == -1  # suspended
        assert (anki_card("t-cloze", 1).type, anki_card("t-cloze", 1).queue) == (0, 0)  # never reviewed: new
        others = [col.get_note(n) for n in col.find_notes('"note:srs Quiz"')]
        assert sorted((n["Instance"], n.cards()[0].type) for n in others) == [
            ("1/3", 2),
            ("2/3", 0),
            ("3/3", 0),
        ]

        revlog = col.db.all("SELECT id, cid, ease, ivl, lastIvl, time, type, factor FROM revlog ORDER BY id")
        reviews = sorted(history["reviews"], key=lambda r: (r.ts, r.id))
        assert [r[2] for r in revlog] == [r.rating for r in reviews]
        assert [r[0] // 1000 for r in revlog] == [r.ts for r in reviews]
        basic_id = anki_card("t-basic").id
        basic_log = [r for r in revlog if r[1] == basic_id]
        assert [(r[2], r[4], r[5], r[6]) for r in basic_log] == [(3, 0, 4200, 0), (3, -600, 3100, 0)]
        assert basic_log[1][3] == anki_card("t-basic").ivl  # the interval the last review gave
        assert basic_log[0][3] == -600  # a learning step: minus its seconds, as Anki logs it
        # FSRS keeps the difficulty after each review in the factor column: 100 + 1000 (D - 1) / 9.
        assert basic_log[1][7] == 100 + round((cards["t-basic"].memory.difficulty - 1) / 9 * 1000)
        cloze_log = [r for r in revlog if r[1] == anki_card("t-cloze", 0).id]
        assert [(r[2], r[6]) for r in cloze_log] == [(4, 0), (1, 1), (1, 2)]  # learn, review, relearn
        # The same export imported again adds no second copy of the history.
        import_into(col, out)
        assert col.db.scalar("SELECT COUNT(*) FROM revlog") == len(revlog)


def test_without_scheduling_cards_import_as_new(env: Path, tmp_path: Path) -> None:
    build_history(env)
    out = tmp_path / "new.apkg"
    export(out)
    with collection(tmp_path / "col.anki2") as col:
        import_into(col, out)
        types = col.db.list("SELECT DISTINCT type FROM cards")
        assert types == [0] and col.db.scalar("SELECT COUNT(*) FROM revlog") == 0
        assert sorted(col.db.list("SELECT DISTINCT queue FROM cards")) == [-1, 0]  # two suspended cards


# -- the whole curriculum --------------------------------------------------------------------------------
def test_whole_builtin_curriculum_imports_with_equal_counts(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SRS_NO_BUILTIN", raising=False)
    monkeypatch.setenv("SRS_NOW", NOW)
    out = tmp_path / "curriculum.apkg"
    summary = json.loads(export(out, "--json").stdout)
    ours = our_cards()
    notes, cards = expected_counts(ours)
    assert (summary["notes"], summary["cards"]) == (notes, cards) and notes > 500
    with collection(tmp_path / "col.anki2") as col:
        log = import_into(col, out)
        assert len(log.new) == notes and (col.note_count(), col.card_count()) == (notes, cards)
        names = {d.name for d in col.decks.all_names_and_ids()}
        assert {c["deck"] for c in ours} <= names and summary["decks"] == len({c["deck"] for c in ours})


# -- filters, bad input, no partial file ------------------------------------------------------------------
def test_deck_and_tag_filters(env: Path, tmp_path: Path) -> None:
    out = tmp_path / "f.apkg"
    summary = json.loads(export(out, "--deck", "Export Test::Part 1 · 基础", "--json").stdout)
    assert (summary["notes"], summary["cards"], summary["decks"]) == (7, 9, 1)  # the lab note included
    summary = json.loads(export(out, "--tag", "relu", "--json").stdout)
    assert (summary["notes"], summary["cards"]) == (1, 1)


def test_output_folder_missing(env: Path, tmp_path: Path) -> None:
    fail(run("export", "anki", str(tmp_path / "nope" / "x.apkg")), "does not exist")
    assert not (tmp_path / "nope").exists()


def test_output_is_a_folder(env: Path, tmp_path: Path) -> None:
    fail(run("export", "anki", str(tmp_path)), "is a folder")


def unwritable_folder(tmp_path: Path) -> Path:
    """A folder this process cannot create files in (root can write almost anywhere: /sys is the exception)."""
    if os.geteuid() != 0:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o500)
        return folder
    import tempfile

    try:
        fd, name = tempfile.mkstemp(dir="/sys")
    except OSError:
        return Path("/sys")
    os.close(fd)  # pragma: no cover
    os.unlink(name)  # pragma: no cover
    pytest.skip("no folder that root cannot write to")  # pragma: no cover


def test_output_folder_not_writable(env: Path, tmp_path: Path) -> None:
    folder = unwritable_folder(tmp_path)
    before = leftovers(folder)
    fail(run("export", "anki", str(folder / "x.apkg")), "cannot write to folder")
    assert leftovers(folder) == before


def test_filter_that_matches_nothing(env: Path, tmp_path: Path) -> None:
    fail(
        run("export", "anki", str(tmp_path / "x.apkg"), "--deck", "No such deck"),
        "there is no deck 'No such deck'",
    )
    fail(run("export", "anki", str(tmp_path / "x.apkg"), "--tag", "nosuchtag"), "there is no tag 'nosuchtag'")
    assert leftovers(tmp_path) == ["home"]


def test_empty_collection(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SRS_NO_BUILTIN", "1")
    fail(run("export", "anki", str(tmp_path / "x.apkg")), "nothing to export")
    assert leftovers(tmp_path) == ["home"]


def test_a_failure_while_writing_leaves_no_partial_file(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "keep.apkg"
    out.write_bytes(b"the previous export")

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", broken)
    fail(run("export", "anki", str(out)), "No space left on device")
    assert out.read_bytes() == b"the previous export" and leftovers(tmp_path) == ["home", "keep.apkg"]


def test_ids_are_fixed_and_progress_is_quiet_off_a_terminal(env: Path, tmp_path: Path) -> None:
    assert deck_id("DL Week::Day 1") == deck_id("DL Week::Day 1") != deck_id("DL Week::Day 2")
    assert 1 << 30 <= deck_id("x") < 1 << 31 and len(set(MODEL_IDS.values())) == 8
    assert note_guid("d1-relu-def") == note_guid("d1-relu-def") != note_guid("d1-relu-deriv")
    assert anki_tags(["two words", "Relu", "relu", " a\tb "]) == ["two_words", "Relu", "a_b"]
    out = tmp_path / "p.apkg"
    result = CliRunner().invoke(cli, ["export", "anki", str(out)], catch_exceptions=False)
    assert result.exit_code == 0 and result.stderr == "" and len(result.stdout.splitlines()) == 1
    with sqlite3.connect(":memory:") as conn:  # the package's own collection: note guids and decks
        data = zipfile.ZipFile(out).read("collection.anki2")
        db = tmp_path / "inner.anki2"
        db.write_bytes(data)
        conn.execute(f"ATTACH '{db}' AS p")
        guids = {g for (g,) in conn.execute("SELECT guid FROM p.notes")}
        assert note_guid("t-basic") in guids and note_guid("t-cloze") in guids
        decks = json.loads(conn.execute("SELECT decks FROM p.col").fetchone()[0])
        assert str(deck_id("Export Test::Part 2")) in decks
        assert conn.execute("SELECT crt FROM p.col").fetchone()[0] == T0 - CRT_DAYS * DAY


def test_progress_bar_shows_on_a_terminal_after_the_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    from srs.tui import progress as cli_module
    from srs.tui.progress import LazyProgress

    buffer = io.StringIO()
    monkeypatch.setattr(
        cli_module, "make_console", lambda stderr=False: Console(file=buffer, force_terminal=True)
    )
    quick = LazyProgress(delay=60)
    quick(1, 10, "rendering")
    assert quick.bar is None
    slow = LazyProgress(delay=0)
    slow(5, 10, "rendering")
    assert slow.bar is not None
    # drawn at the report, by this thread: no thread of its own (a large import forks while the bar is up)
    assert "5/10" in buffer.getvalue()
    assert threading.active_count() == 1
    slow(10, 10, "rendering")
    assert "10/10" in buffer.getvalue()
    slow.close()
    assert "rendering" in buffer.getvalue()


def test_core_export_function(tmp_path: Path) -> None:
    with open_store(tmp_path / "core.db") as store:
        write_deck(tmp_path / "decks", "one.md", DECK_ONE)
        assert sync(store, [DeckRoot("user", tmp_path / "decks")], T0).errors == ()
        result = export_anki(store, tmp_path / "core.apkg", flt=Filter(tag="relu"), now=T0)
    assert (result.notes, result.cards, result.decks, result.reviews) == (1, 1, 1, 0)
    assert result.bytes == (tmp_path / "core.apkg").stat().st_size


# -- HTML ------------------------------------------------------------------------------------------------
def test_html_rendering() -> None:
    r = HtmlRenderer()
    assert r.markdown("$a<b$ and $$x_1 * y_2$$") == r"\(a&lt;b\) and \[x_1 * y_2\]"
    assert r.markdown(r"costs \$5, or $5 and $6") == "costs $5, or $5 and $6"
    assert r.markdown("`$x$` *em*") == "<code>$x$</code> <em>em</em>"
    assert r.markdown("{{c1::$\\frac{a}{b^{2}}$::hint}} {{c2::**b**}}") == (
        "{{c1::\\(\\frac{a}{b^{2} }\\)::hint}} {{c2::<strong>b</strong>}}"
    )
    assert r.markdown(r"$$\frac{a}{b^{2}}$$") == r"\[\frac{a}{b^{2}}\]"  # spaced only in cloze text
    assert r.markdown("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert r.markdown("[x](javascript:alert(1))") == "[x](javascript:alert(1))"
    assert r.markdown("梯度 **消失**") == "梯度 <strong>消失</strong>"
    assert r.markdown("- a\n- b") == "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"
    block = r.markdown("```python\nx = 1  # c\n```")
    assert (
        block.startswith('<pre class="code" style="') and "<span style=" in block and 'class="k' not in block
    )
    assert r.code("a {{c1::b}}", "python").endswith("a {{c1::b}}</code></pre>")  # markers left whole
    assert r.plain('3 < 4\n"x"') == '3 &lt; 4<br>"x"'


TRICKY = "ab $*_`[]()<>&!#-+=%@^1.\\ \n|~:{}\"'深\t"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=TRICKY, max_size=30))
def test_fast_paths_render_exactly_like_stock_markdown_it(text: str) -> None:
    """The shortcuts (plain text, inline-only, fewer text terminators) change nothing in the output."""
    renderer = HtmlRenderer()
    assert renderer.markdown(text) == renderer.full_markdown(text)
    if is_plain(text):
        assert is_inline(text)


def test_every_curriculum_field_renders_like_stock_markdown_it() -> None:
    from srs.decks.parser import parse_files
    from srs.paths import builtin_decks_dir

    notes, errors = parse_files([(p, p.name) for p in sorted(builtin_decks_dir().glob("*.md"))])
    assert not errors and len(notes) > 500
    renderer = HtmlRenderer()
    texts = {t for n in notes for t in (n.front, n.back, n.text, n.extra, n.source) if t}
    assert all(renderer.markdown(t) == renderer.full_markdown(t) for t in texts)


def test_quiz_instances_use_fixed_seeds_from_the_note_id(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Against a stand-in generator: each instance is generate(name, seed(note id, index), params)."""
    from types import SimpleNamespace

    from srs import quiz

    calls: list[tuple[str, int, str | None]] = []

    def fake(name: str, seed: int, spec: str | None = None) -> Any:
        calls.append((name, seed, spec))
        return SimpleNamespace(prompt=f"What is **{seed}**?", answer=f"{seed % 7}", solution="$x_1$")

    monkeypatch.setattr(quiz, "generate", fake)
    out = tmp_path / "fake.apkg"
    export(out, "--tag", "other", "--quiz-instances", "2")
    export(out, "--tag", "other", "--quiz-instances", "2")
    seeds = [quiz_seed("t-quiz", 1), quiz_seed("t-quiz", 2)]
    assert calls == [("conv_output_shape", s, "W=8..32 F=3,5") for s in seeds] * 2 and seeds[0] != seeds[1]
    with collection(tmp_path / "col.anki2") as col:
        import_into(col, out)
        found = sorted(
            (col.get_note(n) for n in col.find_notes('"note:srs Quiz"')), key=lambda n: n["Instance"]
        )
        assert [n["Prompt"] for n in found] == [f"What is <strong>{s}</strong>?" for s in seeds]
        assert [n["Solution"] for n in found] == [r"\(x_1\)"] * 2


def test_start_up_imports_nothing_heavy_for_export() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from srs.cli import cli; import srs.cli.export; "
        "print(sorted(m for m in ('genanki', 'markdown_it', 'pygments', 'rich', 'fsrs') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
