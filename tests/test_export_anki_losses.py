"""What the Anki export used to lose: a cloze inside maths, images, the fitted FSRS parameters and desired
retention, and quiz instances served back to back. Each checked in the real Anki after import."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from srs.cli import cli
from srs.interop.anki.cardhtml import HtmlRenderer
from tests.conftest import write_deck

anki_collection = pytest.importorskip("anki.collection")
Collection = anki_collection.Collection

DECK = r"""---
deck: Losses
---

## l-softmax
text: Softmax: $p_i = {{c1::e^{z_i}}} / {{c2::\sum_j e^{z_j}}}$ for each class.

## l-frac
text: A half is $x = {{c1::\frac{1}{2}}}$ and $$\frac{ {{c2::a}} }{b}$$

## l-image
Q: What does this cell show? ![a cell](../../media/cell.png)
A: A neuron ![](../media/neuron%20diagram.svg)

## l-quiz
quiz: conv_output_shape

## l-basic
Q: plain
A: card
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def env(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SRS_NO_BUILTIN", "1")
    monkeypatch.setenv("SRS_NOW", "2026-03-02T10:00:00Z")
    write_deck(home / "decks" / "anki", "losses.md", DECK)
    media = home / "media"
    media.mkdir()
    (media / "cell.png").write_bytes(b"\x89PNG\r\n\x1a\n cell")
    (media / "neuron diagram.svg").write_text("<svg/>")
    return home


@contextmanager
def imported(apkg: Path, tmp_path: Path, *, deck_configs: bool = False) -> Iterator[Any]:
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    col = Collection(str(tmp_path / "col.anki2"))
    try:
        col.import_anki_package(
            ImportAnkiPackageRequest(
                package_path=str(apkg),
                options=ImportAnkiPackageOptions(
                    merge_notetypes=True, with_scheduling=True, with_deck_configs=deck_configs
                ),
            )
        )
        yield col
    finally:
        col.close()


def note(col: Any, srs_id: str) -> Any:
    found = col.find_notes(f'"SrsId:{srs_id}"')
    assert found, srs_id
    return col.get_note(found[0])


def export(out: Path, *args: str) -> None:
    result = run("export", "anki", str(out), *args)
    assert result.exit_code == 0, result.output


def test_cloze_inside_maths_makes_one_card_per_deletion(env: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.apkg"
    export(out)
    with imported(out, tmp_path) as col:
        soft = note(col, "l-softmax")
        assert (
            soft["Text"] == r"Softmax: \(p_i = {{c1::e^{z_i} }} / {{c2::\sum_j e^{z_j} }}\) for each class."
        )
        c1, c2 = sorted(soft.cards(), key=lambda c: c.ord)
        assert "e^{z_i}" not in c1.question() and r"\sum_j e^{z_j}" in c1.question()
        assert "e^{z_i}" in c2.question() and r"\sum_j e^{z_j}" not in c2.question()
        assert "e^{z_i}" in c1.answer()
        half = note(col, "l-frac")
        assert half["Text"] == r"A half is \(x = {{c1::\frac{1}{2} }}\) and \[\frac{ {{c2::a}} }{b}\]"
        assert len(half.cards()) == 2


def test_cloze_maths_escaping_rules() -> None:
    md = HtmlRenderer().markdown
    assert md("$a^{ {{c1::2}} }$") == r"\(a^{ {{c1::2}} }\)"
    assert md("$x = {{c1::y::hint}}$") == r"\(x = {{c1::y::hint}}\)"
    assert md(r"${{c1::\{a\}}}$") == r"\({{c1::\{a\} }}\)"
    assert (
        md("$\\frac{a}{b_{c}}$ {{c1::x}}") == r"\(\frac{a}{b_{c} }\) {{c1::x}}"
    )  # no deletion in maths: as before


def test_images_travel_in_the_package(env: Path, tmp_path: Path) -> None:
    out = tmp_path / "m.apkg"
    export(out, "--json")
    with imported(out, tmp_path) as col:
        img = note(col, "l-image")
        assert '<img src="cell.png" alt="a cell"' in img["Front"]
        assert '<img src="neuron diagram.svg"' in img["Back"]
        folder = Path(col.media.dir())
        assert (folder / "cell.png").read_bytes() == b"\x89PNG\r\n\x1a\n cell"
        assert (folder / "neuron diagram.svg").read_text() == "<svg/>"


def test_missing_image_exports_as_a_dead_link_with_a_warning_naming_file_and_line(
    env: Path, tmp_path: Path
) -> None:
    # e.g. an import killed before its media were in place, or a media file an import refused (issue 19)
    (env / "media" / "cell.png").unlink()
    result = run("export", "anki", str(tmp_path / "x.apkg"))
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert "Warning: media file not found, exported as a dead link: user/anki/losses.md:11: cell.png" in (
        result.output
    )
    with zipfile.ZipFile(tmp_path / "x.apkg") as zf:
        assert "cell.png" not in json.loads(zf.read("media") or b"{}").values()


def test_fitted_parameters_and_retention_in_the_deck_options(env: Path, tmp_path: Path) -> None:
    from srs.scheduling.optimizer import default_parameters

    params = list(default_parameters())
    params[0:4] = [0.3, 1.5, 3.0, 12.0]  # "fitted": other initial stabilities than the defaults
    assert run("config", "set", "desired-retention", "0.85").exit_code == 0
    from srs.store import open_store

    with open_store(env / "srs.db") as store:
        store.set_config("parameters", params)
    out = tmp_path / "p.apkg"
    export(out, "--with-scheduling")
    with imported(out, tmp_path, deck_configs=True) as col:
        did = col.decks.id_for_name("Losses")
        conf = col.decks.config_dict_for_deck_id(did)
        assert conf["desiredRetention"] == pytest.approx(0.85)
        assert conf["fsrsParams6"] == pytest.approx(params, abs=1e-4)


def test_quiz_instances_are_kept_apart_in_the_new_queue(env: Path, tmp_path: Path) -> None:
    out = tmp_path / "q.apkg"
    export(out, "--quiz-instances", "3")
    with imported(out, tmp_path) as col:
        quiz = sorted(
            (col.get_note(n)["Instance"], col.get_note(n).cards()[0].due)
            for n in col.find_notes('"note:srs Quiz"')
        )
        others = sorted(c.due for n in col.find_notes('-"note:srs Quiz"') for c in col.get_note(n).cards())
        dues = [d for _i, d in quiz]
        notes = col.note_count() - 2  # one position per srs note
        # instance i + 1 is queued after every note's first card: N positions after instance i
        assert dues == [dues[0], dues[0] + notes, dues[0] + 2 * notes] and max(others) < dues[1]


def test_deck_check_accepts_cloze_in_maths(env: Path) -> None:
    result = run("deck", "check", str(env / "decks"))
    assert result.exit_code == 0, result.output
    assert "error" not in result.output.lower()
