"""Smaller losses of an Anki import (issue 24, item 10), on a package written by the real Anki: suspension,
superscripts and subscripts, ruby furigana, Anki's own LaTeX markers and a font colour marking the answer.
Each is checked in the imported card's Markdown and in what srs's web renderer shows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from srs.cli import cli
from srs.decks.importers.writer import stable_id

anki_collection = pytest.importorskip("anki.collection")

FIELDS = {
    "sub": ("H<sub>2</sub>O and x<sup>2</sup> + e<sup>iπ</sup>", "water"),
    "ruby": (
        "<ruby>漢字<rt>かんじ</rt></ruby>を<ruby><rb>読</rb><rp>(</rp><rt>よ</rt><rp>)</rp></ruby>む",
        "kanji",
    ),
    "latex": ("[$]x_i^2[/$] and [$$]\\sum_{i} a_i[/$$]", "[latex]\\frac{a_b}{c_d}[/latex]"),
    "colour": (
        "The capital of Peru",
        'It is <font color="#ff0000">Lima</font>, <span style="color: rgb(0, 0, 255);">on the coast</span>'
        ' <span style="color: rgb(0, 0, 0);">(plain)</span>',
    ),
    "suspended": ("a suspended card", "back"),
    "suspended2": ("another suspended card", "back"),
    "active": ("an active card", "back"),
}


def _package(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    from anki.collection import Collection
    from anki.generic_pb2 import Empty
    from anki.import_export_pb2 import ExportAnkiPackageOptions, ExportLimit

    col = Collection(str(tmp_path / "losses.anki2"))
    guids: dict[str, str] = {}
    cards: dict[str, int] = {}
    for key, (front, back) in FIELDS.items():
        note = col.new_note(col.models.by_name("Basic"))
        note["Front"], note["Back"] = front, back
        col.add_note(note, col.decks.id("Losses"))
        guids[key] = note.guid
        cards[key] = note.cards()[0].id
    col.sched.suspend_cards([cards["suspended"], cards["suspended2"]])
    out = tmp_path / "losses.apkg"
    col.export_anki_package(
        out_path=str(out),
        options=ExportAnkiPackageOptions(with_scheduling=True, with_media=False, legacy=False),
        limit=ExportLimit(whole_collection=Empty()),
    )
    col.close()
    return out, guids


def _cards() -> dict[str, dict[str, Any]]:
    listed = CliRunner().invoke(cli, ["list", "--json"], catch_exceptions=False)
    return {c["id"]: c for c in json.loads(listed.stdout)}


def _web(markdown: str) -> str:
    from srs.web.render import WebRenderer

    return WebRenderer().markdown(markdown)


@pytest.fixture
def imported(home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, dict[str, Any]]:
    monkeypatch.setenv("SRS_NO_BUILTIN", "1")
    package, guids = _package(tmp_path)
    result = CliRunner().invoke(cli, ["import", "anki", str(package), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["cards_suspended"] == 2
    cards = _cards()
    return {key: cards[stable_id("anki", guid)] for key, guid in guids.items()}


def test_suspended_cards_stay_suspended_through_import_and_export(
    imported: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    assert [k for k, c in imported.items() if c["suspended"]] == ["suspended", "suspended2"]
    out = tmp_path / "back.apkg"
    result = CliRunner().invoke(cli, ["export", "anki", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    col = Collection(str(tmp_path / "again.anki2"))
    try:
        col.import_anki_package(
            ImportAnkiPackageRequest(
                package_path=str(out), options=ImportAnkiPackageOptions(with_scheduling=True)
            )
        )
        queues = {
            col.get_note(nid)["Front"]: col.get_note(nid).cards()[0].queue for nid in col.find_notes("")
        }
    finally:
        col.close()
    assert {front for front, queue in queues.items() if queue == -1} == {
        "a suspended card",
        "another suspended card",
    }


def test_superscripts_and_subscripts_as_unicode(imported: dict[str, dict[str, Any]]) -> None:
    card = imported["sub"]
    assert card["front"] == "H₂O and x² + e^(iπ)"
    assert "H₂O" in _web(card["front"])


def test_ruby_readings_in_brackets(imported: dict[str, dict[str, Any]]) -> None:
    assert imported["ruby"]["front"] == "漢字(かんじ)を読(よ)む"


def test_anki_latex_becomes_maths_without_escapes(imported: dict[str, dict[str, Any]]) -> None:
    card = imported["latex"]
    assert card["front"] == "$x_i^2$ and $$\\sum_{i} a_i$$"
    assert card["back"] == "$$\\frac{a_b}{c_d}$$"
    assert "\\_" not in card["front"] + card["back"]
    front = _web(card["front"])
    assert front.count("<math") == 2 and "[$]" not in front and "x_i" not in front


def test_a_colour_marking_the_answer_is_kept_as_bold(imported: dict[str, dict[str, Any]]) -> None:
    card = imported["colour"]
    assert card["back"] == "It is **Lima**, **on the coast** (plain)"
    assert "<strong>Lima</strong>" in _web(card["back"])
