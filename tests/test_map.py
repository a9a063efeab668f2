"""The knowledge map: the concept graph's soundness, the placing of notes, the mastery figures against a
direct computation, and `srs map` in 80 columns without colour."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from srs.cli.app import cli
from srs.clock import LearnerClock
from srs.conceptmap import (
    LEARNING,
    MASTERED,
    NOT_STARTED,
    WEAK,
    Concept,
    MapError,
    build_graph,
    find_cycle,
    knowledge_map,
    load_graph,
    weakest,
)
from srs.decks.parser import parse_file
from srs.decks.sync import DeckRoot, sync
from srs.model import Rating, State, Tier
from srs.paths import builtin_decks_dir
from srs.scheduling.scheduler import Scheduler, Settings
from srs.store import open_store
from tests.conftest import DAY, T0, fail_alone

GRAPH = load_graph()


def test_the_concept_graph_has_no_cycle() -> None:
    assert 40 <= len(GRAPH.concepts) <= 70
    assert find_cycle({c.id: c.requires for c in GRAPH.concepts}) == []
    # ... and the check finds one when there is one.
    looped = [Concept("a", "甲", "A", 1, ("b",)), Concept("b", "乙", "B", 1, ("a",))]
    with pytest.raises(MapError, match="cycle"):
        build_graph(looped)


def test_every_prerequisite_is_introduced_no_later_than_its_concept() -> None:
    late = [(c.id, r) for c in GRAPH.concepts for r in c.requires if GRAPH.by_id[r].day > c.day]  # type: ignore[operator]
    assert late == []
    with pytest.raises(MapError, match="introduced on day 3"):
        build_graph([Concept("a", "甲", "A", 3), Concept("b", "乙", "B", 2, ("a",))])


def test_each_concept_has_a_chinese_and_an_english_name_and_a_plan_day() -> None:
    for c in GRAPH.concepts:
        assert re.search(r"[\u4e00-\u9fff]", c.zh), c.id
        assert c.en and c.day in range(1, 8), c.id
        assert c.day in GRAPH.days


def _decks_folder() -> Path:
    """The decks the coverage test reads: SRS_MAP_DECKS (a folder) if set, else the built-in curriculum."""
    return Path(os.environ.get("SRS_MAP_DECKS") or builtin_decks_dir())


def test_every_builtin_core_note_belongs_to_exactly_one_concept() -> None:
    unplaced = []
    for path in sorted(_decks_folder().glob("*.md")):
        for note in parse_file(path).notes:
            if note.tier is Tier.CORE and GRAPH.assign(note.id, note.tags, note.concept) is None:
                unplaced.append(f"{path.name}: {note.id} {note.tags}")
    assert unplaced == []


def test_every_builtin_depth_note_is_on_the_map_too() -> None:
    unplaced = [
        f"{path.name}: {note.id}"
        for path in sorted(_decks_folder().glob("*.md"))
        for note in parse_file(path).notes
        if GRAPH.assign(note.id, note.tags, note.concept) is None
    ]
    assert unplaced == []


def test_placing_a_note_follows_the_documented_order() -> None:
    # concept: field first (by id or by Chinese name), then a listed note id, then the first claimed tag.
    assert GRAPH.assign("x", ("day3", "pooling"), "感受野") == "receptive-field"
    assert GRAPH.assign("x", ("day3",), "Receptive FIELD") == "receptive-field"
    assert GRAPH.assign("term-receptive-field", ("terms", "day3"), "") == "receptive-field"
    assert GRAPH.assign("x", ("day2", "vanishing-gradients", "activations")) == "vanishing-gradients"
    assert GRAPH.assign("x", ("day2", "activations", "vanishing-gradients")) == "activations"
    assert GRAPH.assign("x", ("day9", "paper")) is None
    assert GRAPH.assign("x", ("day1",), "my own idea") == "my own idea"


def test_a_tag_claimed_twice_is_refused() -> None:
    with pytest.raises(MapError, match="claimed by"):
        build_graph([Concept("a", "甲", "A", 1, tags=("t",)), Concept("b", "乙", "B", 1, tags=("t",))])


# -- mastery on a fixed history ---------------------------------------------------------------------------
DECK = """---
deck: Mine
tags: day1
---
## m-la1
tags: linear-algebra
Q: la one?
A: yes

## m-la2
tags: linear-algebra
Q: la two?
A: yes

## m-la3
tags: linear-algebra
tier: depth
Q: la depth?
A: yes

## m-calc1
tags: calculus
Q: calc one?
A: yes

## m-calc2
tags: calculus
Q: calc two?
A: yes

## m-np1
tags: numpy
Q: np one?
A: yes

## m-np2
tags: broadcasting
Q: np two?
A: yes

## m-soft
concept: Softmax 与交叉熵
Q: softmax by name?
A: yes

## term-gradient
tags: linear-algebra
tier: depth
Q: 梯度
A: gradient

## m-gc
tags: gradient-check
Q: gradient check?
A: yes

## m-own
concept: my idea
requires: m-la1
Q: my own?
A: yes
"""

# (card, [(day offset, rating)]): la mastered, calculus weak (lapses), numpy learning, softmax learning.
HISTORY = {
    "m-la1": [(0, Rating.GOOD), (1, Rating.GOOD), (4, Rating.GOOD)],
    "m-la2": [(0, Rating.GOOD), (2, Rating.EASY)],
    "m-calc1": [(0, Rating.GOOD), (1, Rating.GOOD), (4, Rating.AGAIN), (4, Rating.GOOD), (5, Rating.AGAIN)],
    "m-calc2": [(0, Rating.GOOD), (1, Rating.AGAIN), (1, Rating.GOOD)],
    "m-np1": [(0, Rating.GOOD), (2, Rating.GOOD)],
    "m-soft": [(3, Rating.GOOD)],
    "m-own": [(1, Rating.GOOD)],
    "term-gradient": [(2, Rating.GOOD), (4, Rating.GOOD)],
}
NOW = T0 + 6 * DAY


def _scheduler() -> Scheduler:
    return Scheduler(Settings(enable_fuzzing=False), LearnerClock(0, 4))


def _record_history(store) -> None:  # type: ignore[no-untyped-def]
    scheduler = _scheduler()
    for card_id, steps in HISTORY.items():
        for offset, rating in steps:
            card, version = store.get_card_versioned(card_id)
            ts = T0 + offset * DAY + 60
            after = scheduler.rate(card.memory, rating, ts, card_id=card_id)
            store.record_review(
                card_id,
                version=version,
                before=card.memory,
                after=after,
                ts=ts,
                rating=int(rating),
                duration_ms=1000,
                elapsed_days=None,
                retrievability=None,
                signals={},
            )


def test_mastery_figures_equal_a_direct_computation_from_the_store(tmp_path: Path) -> None:
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "mine.md").write_text(DECK, encoding="utf-8")
    with open_store(tmp_path / "t.db") as store:
        sync(store, [DeckRoot("user", decks)], T0)
        _record_history(store)
        _check_mastery(store)


def _check_mastery(store) -> None:  # type: ignore[no-untyped-def]
    scheduler = _scheduler()
    kmap = knowledge_map(store, scheduler, NOW)
    # Direct: every card, placed by the rules, its recall from the scheduler.
    direct: dict[str, dict[str, float]] = {}
    for card in store.cards():
        cid = kmap.graph.assign(card.spec.note_id, card.spec.tags, card.spec.concept)
        assert cid is not None
        d = direct.setdefault(
            cid, {"cards": 0, "core": 0, "core_in": 0, "seen": 0, "r": 0.0, "week": 0.0, "lapses": 0}
        )
        d["cards"] += 1
        d["lapses"] += card.memory.lapses
        if card.spec.tier is Tier.CORE:
            d["core"] += 1
            d["core_in"] += card.memory.state is not State.NEW
        r = scheduler.retrievability(card.memory, NOW)
        if r is not None:
            d["seen"] += 1
            d["r"] += r
            d["week"] += scheduler.retrievability(card.memory, NOW + 7 * DAY) or 0.0
    for node in kmap.nodes:
        d = direct.get(node.concept.id)
        if d is None:
            assert (node.cards, node.seen, node.status) == (0, 0, NOT_STARTED)
            continue
        assert (node.cards, node.core, node.core_introduced, node.seen, node.lapses) == (
            d["cards"],
            d["core"],
            d["core_in"],
            d["seen"],
            d["lapses"],
        ), node.concept.id
        if d["seen"]:
            assert node.recall == pytest.approx(d["r"] / d["seen"], abs=1e-12)
            assert node.recall_week == pytest.approx(d["week"] / d["seen"], abs=1e-12)
        else:
            assert node.recall is None and node.status == NOT_STARTED
    status = {n.concept.id: n.status for n in kmap.nodes}
    assert status["linear-algebra"] == MASTERED  # its depth card is new: only core cards count
    assert status["numpy"] == LEARNING  # one of its two core cards is still new
    assert kmap.node("linear-algebra").core_introduced == kmap.node("linear-algebra").core == 2
    assert status["calculus"] == WEAK  # 2 lapses over 2 cards seen
    assert kmap.node("softmax").cards == 1  # placed by its concept: field, a Chinese name
    assert status["probability"] == NOT_STARTED
    # The learner's own concept is a node of its own, resting on the concept of the note it requires.
    own = kmap.node("my idea")
    assert own.concept.requires == ("linear-algebra",) and own.concept.day == 1 and not own.concept.builtin
    # --weakest starts from concepts whose prerequisites are held: calculus (weak) has none.
    assert [n.concept.id for n in weakest(kmap)][0] == "calculus"


def test_mastered_needs_every_core_card_introduced_and_recall_that_lasts_a_week() -> None:
    from srs.conceptmap import status_of

    assert status_of(2, 2, 2, 0.95, 0, 0.9, 0.92) == MASTERED
    assert status_of(2, 2, 2, 0.99, 0, 0.9, 0.80) == LEARNING  # learnt today, gone in a week
    assert status_of(3, 2, 2, 0.95, 0, 0.9, 0.92) == LEARNING
    assert status_of(3, 2, 2, 0.85, 0, 0.9, 0.80) == WEAK
    assert status_of(3, 3, 4, 0.95, 2, 0.9, 0.92) == WEAK
    assert status_of(3, 3, 5, 0.95, 2, 0.9, 0.92) == MASTERED
    assert status_of(3, 0, 0, None, 0, 0.9, None) == NOT_STARTED
    # At the target exactly: not under it, so not weak; a week on at the target still counts.
    assert status_of(2, 2, 2, 0.9, 0, 0.9, 0.9) == MASTERED
    assert status_of(2, 1, 2, 0.9, 1, 0.9, None) == LEARNING


# -- the command -------------------------------------------------------------------------------------------
def _cli_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    (home / "decks").mkdir(parents=True)
    (home / "decks" / "mine.md").write_text(DECK, encoding="utf-8")
    monkeypatch.setenv("SRS_HOME", str(home))
    monkeypatch.setenv("SRS_NO_BUILTIN", "1")
    monkeypatch.setenv("SRS_NOW", "2026-03-08T10:00:00Z")
    monkeypatch.setenv("TZ", "UTC")
    first = CliRunner().invoke(cli, ["due"])
    assert first.exit_code == 0, first.output
    with open_store(home / "srs.db") as store:
        _record_history(store)


def test_srs_map_fits_80_columns_and_tells_statuses_apart_without_colour(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.cells import cell_len

    _cli_home(tmp_path, monkeypatch)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")  # a wide terminal still gets the 80-column map
    result = CliRunner().invoke(cli, ["map"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "\x1b[" not in result.output
    assert max(cell_len(line) for line in lines) <= 80
    row = {line.split()[1]: line for line in lines if line[:1] in "●◐▲○" and len(line.split()) > 1}
    assert row["线性代数"].startswith("●") and row["线性代数"].rstrip().endswith("mastered")
    assert row["NumPy"].startswith("◐") and row["NumPy"].rstrip().endswith("learning")
    assert row["导数与梯度"].startswith("▲") and row["导数与梯度"].rstrip().endswith("WEAK")
    assert row["概率基础"].startswith("○") and row["概率基础"].rstrip().endswith("not started")
    assert "    calculus" in result.output and "softmax ← linear-classifier, probability" in result.output
    assert "mean predicted recall today" in " ".join(result.output.split())  # the basis, said plainly
    assert "my idea ← linear-algebra" in result.output


def test_srs_map_json_gives_the_same_figures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _cli_home(tmp_path, monkeypatch)
    result = CliRunner().invoke(cli, ["map", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    by = {c["id"]: c for c in data["concepts"]}
    assert by["calculus"]["status"] == "weak" and by["calculus"]["lapses"] == 2
    assert by["linear-algebra"]["core_introduced"] == 2 and by["linear-algebra"]["cards"] == 3
    assert by["calculus"]["cards"] == 3 and by["calculus"]["seen"] == 3  # with the pinned term-gradient
    assert data["target_recall"] == 0.9 and "retrievability" in data["basis"]


def test_srs_map_concept_by_chinese_or_english_name_lists_its_cards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cli_home(tmp_path, monkeypatch)
    by_zh = CliRunner().invoke(cli, ["map", "--concept", "导数与梯度", "--json"])
    by_id = CliRunner().invoke(cli, ["map", "--concept", "calculus", "--json"])
    assert by_zh.exit_code == 0, by_zh.output
    assert by_zh.stdout == by_id.stdout
    data = json.loads(by_zh.stdout)
    # term-gradient carries another concept's tag, but the map lists the note by id under calculus.
    assert [c["id"] for c in data["cards"]] == ["m-calc1", "m-calc2", "term-gradient"]
    assert [c["lapses"] for c in data["cards"]] == [2, 0, 0]
    text = CliRunner().invoke(cli, ["map", "--concept", "calculus"])
    assert "m-calc1" in text.output and "WEAK" in text.output
    fail_alone(CliRunner().invoke(cli, ["map", "--concept", "calculsu"]), "there is no concept 'calculsu'")


# -- reviewing by concept, and the note on a failed card ------------------------------------------------------
def _fronts(output: str) -> set[str]:
    return set(
        re.findall(
            r"\b(la one|la two|la depth|calc one|calc two|np one|np two|gradient check|my own)\?", output
        )
    )


def test_review_concept_shows_only_that_concept_and_what_it_rests_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cli_home(tmp_path, monkeypatch)
    result = CliRunner().invoke(cli, ["review", "--concept", "NumPy 与广播"], input=" \n3\n" * 8 + "q\n")
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "Concept NumPy 与广播 NumPy and broadcasting, with what it rests on: linear-algebra" in flat
    shown = _fronts(result.output)
    assert "np two" in shown and shown <= {"la one", "la two", "la depth", "np one", "np two"}


def test_review_weakest_starts_with_weak_concepts_whose_prerequisites_are_held(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cli_home(tmp_path, monkeypatch)
    result = CliRunner().invoke(cli, ["review", "--weakest"], input=" \n3\n" * 8 + "q\n")
    assert result.exit_code == 0, result.output
    assert "导数与梯度 Derivatives and gradients (weak)" in " ".join(result.output.split())
    assert "calc one" in _fronts(result.output)
    fail_alone(CliRunner().invoke(cli, ["review", "--weakest", "--concept", "numpy"]), "not both")


def test_a_failed_card_says_its_concept_rests_on_a_weak_prerequisite_and_changes_no_other_card(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from srs.conceptmap import failure_note

    _cli_home(tmp_path, monkeypatch)
    db = tmp_path / "home" / "srs.db"
    with open_store(db) as store:
        before = {c.id: c.memory for c in store.cards()}
        note = failure_note(store, _scheduler(), NOW, "m-gc", ("day1", "gradient-check"))
        assert note is not None
        assert note.startswith(
            "梯度检验 Gradient checking lapsed; its prerequisite '导数与梯度 Derivatives and gradients' is weak"
        )
        assert "srs review --concept calculus" in note
        assert {c.id: c.memory for c in store.cards()} == before
        # A card whose concept rests on nothing weak gets no note.
        assert failure_note(store, _scheduler(), NOW, "m-np1", ("day1", "numpy")) is None
    result = CliRunner().invoke(cli, ["review", "--concept", "gradient-check"], input=" \n1\n" * 3 + "q\n")
    assert result.exit_code == 0, result.output
    assert "Map: 梯度检验 Gradient checking lapsed" in " ".join(result.output.split())
    with open_store(db) as store:
        after = {c.id: c.memory for c in store.cards()}
    changed = {cid for cid in after if after[cid] != before[cid]}
    assert changed <= {"m-gc", "m-calc1", "m-calc2"}  # only the cards rated


def test_the_concept_field_in_front_matter_and_in_a_note() -> None:
    from srs.decks.parser import cards_of, parse_text

    text = "---\ndeck: Mine\nconcept: 感受野\n---\n## a\nQ: a?\nA: a\n\n## b\nconcept:   my   idea \nQ: b?\nA: b\n"
    result = parse_text(text, "mine.md")
    assert result.errors == ()
    a, b = result.notes
    assert (a.concept, b.concept) == ("感受野", "my idea")
    assert cards_of(a)[0].concept == "感受野"
    # The field enters the content hash only when given: cards without it keep the hash they had.
    same_deck = "---\ndeck: Mine\n---\n## a\nQ: a?\nA: a\n"
    plain = parse_text(same_deck, "mine.md").notes[0]
    assert cards_of(plain)[0].content_hash != cards_of(a)[0].content_hash
    assert cards_of(plain)[0].content_hash == "9cb84121c48234e9"  # as computed before concept: existed
    bad = parse_text("## c\nconcept:\nQ: c?\nA: c\n", "bad.md")
    assert bad.notes == () and "'concept:' needs a value" in str(bad.errors[0])


def test_the_map_in_colour_on_a_terminal_keeps_its_80_columns(tmp_path: Path) -> None:
    import io

    from rich.console import Console

    from srs.tui.map import map_lines, print_lines

    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "mine.md").write_text(DECK, encoding="utf-8")
    with open_store(tmp_path / "t.db") as store:
        sync(store, [DeckRoot("user", decks)], T0)
        _record_history(store)
        kmap = knowledge_map(store, _scheduler(), NOW)
    buffer = io.StringIO()
    out = Console(file=buffer, force_terminal=True, color_system="standard", width=120)
    print_lines(out, map_lines(kmap, out.width))
    text = buffer.getvalue()
    assert "\x1b[" in text  # coloured
    stripped = re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines()
    from rich.cells import cell_len

    assert max(cell_len(line) for line in stripped) <= 80
    assert any(line.startswith("▲ 导数与梯度") and line.rstrip().endswith("WEAK") for line in stripped)
