"""Curriculum tiers and requirements: parsed from deck files, stored by the sync, read back by queries."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from srs.cli import cli
from srs.decks.parser import cards_of, parse_text
from srs.decks.sync import DeckRoot, sync
from srs.model import Tier
from srs.store import Filter, Store, deckfiles, open_store
from srs.store.migrations import MIGRATIONS, SCHEMA_VERSION
from srs.store.queries import card_requires, card_tiers, tier_counts
from tests.conftest import T0, write_deck

DECK = """---
deck: D
tier: depth
requires: base-a
---
## n1
Q: q1
A: a1

## n2
tier: core
requires: base-b, base-c
text: {{c1::x}} and {{c2::y}}

## n3
tier: Depth
requires: base-a n1
Q: q3
A: a3
"""


def test_front_matter_gives_defaults_and_the_note_overrides_tier_and_adds_requires() -> None:
    result = parse_text(DECK, "f.md")
    assert result.errors == ()
    by_id = {n.id: n for n in result.notes}
    assert (by_id["n1"].tier, by_id["n1"].requires) == (Tier.DEPTH, ("base-a",))
    assert (by_id["n2"].tier, by_id["n2"].requires) == (Tier.CORE, ("base-a", "base-b", "base-c"))
    # The union keeps each id once; the tier is read in any case.
    assert (by_id["n3"].tier, by_id["n3"].requires) == (Tier.DEPTH, ("base-a", "n1"))
    cards = [c for n in result.notes for c in cards_of(n)]
    assert {c.id: c.tier for c in cards} == {
        "n1": Tier.DEPTH,
        "n2/c1": Tier.CORE,
        "n2/c2": Tier.CORE,
        "n3": Tier.DEPTH,
    }
    assert cards[1].requires == ("base-a", "base-b", "base-c")


def test_no_tier_means_core_and_no_requires() -> None:
    (note,) = parse_text("## a\nQ: q\nA: a\n", "f.md").notes
    assert (note.tier, note.requires) == (Tier.CORE, ())
    assert cards_of(note)[0].tier is Tier.CORE


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("---\ntier: deep\n---\n## a\nQ: q\nA: a\n", "f.md:2:", "unknown tier 'deep'"),
        ("## a\nQ: q\ntier: basic\nA: a\n", "f.md:3:", "unknown tier 'basic'"),
        ("## a\nQ: q\nA: a\nrequires: x/c1\n", "f.md:4:", "bad id 'x/c1'"),
        ("## a\nQ: q\nA: a\nrequires: b a\n", "f.md:4:", "requires itself"),
        ("---\nrequires: ok b@d\n---\n## a\nQ: q\nA: a\n", "f.md:2:", "bad id 'b@d'"),
    ],
)
def test_bad_tier_or_requires_is_a_file_line_error(text: str, where: str, message: str) -> None:
    result = parse_text(text, "f.md")
    assert [str(e) for e in result.errors if message in str(e)], result.errors
    assert any(str(e).startswith(where) for e in result.errors), result.errors


def test_file_requires_naming_a_note_of_the_same_file_does_not_make_it_require_itself() -> None:
    result = parse_text("---\nrequires: a\n---\n## a\nQ: q\nA: a\n\n## b\nQ: q\nA: a\n", "f.md")
    assert result.errors == ()
    assert [n.requires for n in result.notes] == [(), ("a",)]


def test_tier_and_requires_enter_the_content_hash_only_when_set() -> None:
    plain = cards_of(parse_text("## a\nQ: q\nA: a\n", "f.md").notes[0])[0]
    core = cards_of(parse_text("## a\ntier: core\nQ: q\nA: a\n", "f.md").notes[0])[0]
    depth = cards_of(parse_text("## a\ntier: depth\nQ: q\nA: a\n", "f.md").notes[0])[0]
    needs = cards_of(parse_text("## a\nrequires: b\nQ: q\nA: a\n", "f.md").notes[0])[0]
    # Cards stored before tiers existed keep their hash; a depth tier or a requirement is an edit.
    assert plain.content_hash == core.content_hash
    assert len({plain.content_hash, depth.content_hash, needs.content_hash}) == 3


@pytest.mark.parametrize("many", [False, True], ids=["small-sync", "staged-sync"])
def test_sync_stores_tier_and_requires_and_an_edit_of_them_resyncs(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, many: bool
) -> None:
    # Both ways a sync writes cards: row by row, and through the temporary staging table.
    monkeypatch.setattr(deckfiles, "_STAGE_FROM", 1 if many else 10**6)
    decks = tmp_path / "decks"
    path = write_deck(decks, "a.md", DECK)
    report = sync(store, [DeckRoot("user", decks)], T0)
    assert report.added == 4 and report.errors == ()
    assert card_tiers(store) == {"n1": Tier.DEPTH, "n2/c1": Tier.CORE, "n2/c2": Tier.CORE, "n3": Tier.DEPTH}
    assert store.get_card("n3").spec.requires == ("base-a", "n1")
    assert card_requires(store, Filter(tier="core")) == {
        "n2/c1": ("base-a", "base-b", "base-c"),
        "n2/c2": ("base-a", "base-b", "base-c"),
    }
    # Only the tier of n1 and the requirement of n3 change: both are edits that re-sync.
    path.write_text(
        DECK.replace("## n1\n", "## n1\ntier: core\n").replace("requires: base-a n1", "requires: n2"),
        encoding="utf-8",
    )
    os.utime(path, ns=(T0 * 10**9 + 7, T0 * 10**9 + 7))
    again = sync(store, [DeckRoot("user", decks)], T0 + 60)
    assert (again.added, again.changed) == (0, 2)
    assert store.get_card("n1").spec.tier is Tier.CORE
    assert store.get_card("n3").spec.requires == ("base-a", "n2")  # the file's base-a still applies
    assert [c.id for c in store.cards(Filter(tier="depth"))] == ["n3"]


def test_tier_counts_give_introduced_and_total_per_tier_core_first(store: Store) -> None:
    specs = [c for n in parse_text(DECK, "user/a.md").notes for c in cards_of(n)]
    store.apply_sync(parsed_paths=["user/a.md"], specs=specs, stamps={}, gone_paths=[], now=T0)
    store.execute("UPDATE cards SET state = 2 WHERE id = 'n1'")
    assert [tuple(t) for t in tier_counts(store)] == [("core", 0, 2), ("depth", 1, 2)]
    assert [tuple(t) for t in tier_counts(store, Filter(tier="depth"))] == [("depth", 1, 2)]


def test_migration_on_an_existing_database_makes_its_cards_core(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    from sqlite_utils import Database

    db = Database(conn)
    for number, step in enumerate(MIGRATIONS[:6], start=1):
        step(db)
        conn.execute(f"PRAGMA user_version = {number}")
    conn.execute(
        "INSERT INTO cards (id, note_id, kind, deck, front, back) VALUES ('old', 'old', 'basic', 'D', 'q', 'a')"
    )
    conn.close()
    with open_store(path) as store:
        assert store.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        card = store.get_card("old")
        assert (card.spec.tier, card.spec.requires) == (Tier.CORE, ())


def test_a_learners_own_card_is_core(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SRS_NO_BUILTIN", "1")
    monkeypatch.setenv("SRS_NOW", "2026-03-02T10:00:00Z")
    added = CliRunner().invoke(cli, ["add", "-d", "Mine", "-f", "q", "-b", "a", "--json"])
    assert added.exit_code == 0, added.output
    card_id = json.loads(added.stdout)["id"]
    shown = CliRunner().invoke(cli, ["show", card_id, "--json"])
    assert json.loads(shown.stdout)["tier"] == "core"
    assert json.loads(shown.stdout)["requires"] == []


TIERED = """---
deck: T
tags: day1
tier: depth
---
## t-depth
requires: t-core
Q: deep?
A: yes

## t-core
tier: core
Q: core?
A: yes
"""


@pytest.fixture
def tiered(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SRS_NO_BUILTIN", "1")
    monkeypatch.setenv("SRS_NOW", "2026-03-02T10:00:00Z")
    write_deck(home / "decks", "t.md", TIERED)
    return home


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_list_filters_by_tier_and_its_json_carries_the_tier(tiered: Path) -> None:
    assert [c["id"] for c in json.loads(run("list", "--tier", "core", "--json"))] == ["t-core"]
    depth = json.loads(run("list", "--tier", "depth", "--json"))
    assert [(c["id"], c["tier"], c["requires"]) for c in depth] == [("t-depth", "depth", ["t-core"])]
    assert len(json.loads(run("list", "--json"))) == 2
    bad = CliRunner().invoke(cli, ["list", "--tier", "deep"])
    assert bad.exit_code != 0 and "deep" in bad.output


def test_show_prints_tier_and_requires(tiered: Path) -> None:
    text = run("show", "t-depth")
    assert "          tier: depth" in text and "      requires: t-core" in text
    assert "requires" not in run("show", "t-core")  # nothing required: no line


def test_stats_counts_introduced_and_total_cards_per_tier(tiered: Path) -> None:
    assert json.loads(run("stats", "--json"))["tiers"] == [
        {"tier": "core", "introduced": 0, "total": 1},
        {"tier": "depth", "introduced": 0, "total": 1},
    ]
    assert "Tiers (introduced/total) core 0/1 · depth 0/1" in run("stats")
