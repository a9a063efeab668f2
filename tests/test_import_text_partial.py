"""`srs import csv|markdown` on files that are partly wrong, in other encodings, or that repeat notes already in
srs (issue 24, item 11): every good row comes in, each skipped row is listed as ``file:line: reason``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from srs.decks.importers.csv_text import read_csv
from srs.decks.importers.obsidian import read_markdown
from srs.errors import InputError
from srs.model import Kind
from tests.conftest import fail_alone as fail
from tests.conftest import ok, run


def cards() -> list[dict[str, Any]]:
    result = run("list", "--json")
    assert result.exit_code == 0, result.output
    return list(json.loads(result.stdout))


# The shape of Anki's own test file pylib/tests/support/text-2fields.txt (other words): a comment line, good
# rows, a row repeated, a reversed pair, a row with too many fields, one with too few, an empty back, an
# empty front.
TWO_FIELDS = (
    "# words for the test\n"  # 1
    "猫\tcat\n"  # 2
    "犬\tdog\n"  # 3
    "鳥\tbird\n"  # 4
    "cat\t猫\n"  # 5
    "犬\tdog\n"  # 6: the same first field as line 3
    "大きすぎる\tone\ttwo\n"  # 7: three fields
    "one, two, three\n"  # 8: one field
    "魚\t\n"  # 9: empty back
    "\tto swim\n"  # 10: empty front
)


def test_one_bad_row_no_longer_rejects_the_file(env: Path, tmp_path: Path) -> None:
    src = tmp_path / "two.txt"
    src.write_text(TWO_FIELDS, encoding="utf-8")
    result = run("import", "csv", str(src))
    assert result.exit_code == 0, result.output
    assert "Imported 5 notes" in result.output
    skipped = [line for line in result.output.splitlines() if line.startswith(str(src))]
    assert skipped == [
        f"{src}:6: a duplicate of line 3 (the same first field); row skipped",
        f"{src}:8: the second field (the back) is empty; row skipped",
        f"{src}:9: the second field (the back) is empty; row skipped",
        f"{src}:10: the first field (the front) is empty; row skipped",
    ]
    got = sorted((c["front"], c["back"], c["extra"]) for c in cards())
    assert got == sorted(
        [
            ("猫", "cat", ""),
            ("犬", "dog", ""),
            ("鳥", "bird", ""),
            ("cat", "猫", ""),
            ("大きすぎる", "one", "two"),
        ]
    )
    as_json = ok("import", "csv", str(src))
    assert as_json["files_written"] == 0 and len(as_json["skipped"]) == 4
    assert as_json["skipped"][0] == {
        "where": f"{src}:6",
        "reason": "a duplicate of line 3 (the same first field)",
    }


def test_a_file_with_no_good_row_is_still_an_error(env: Path, tmp_path: Path) -> None:
    src = tmp_path / "bad.txt"
    src.write_text("#separator:tab\nfront only\n\tback only\n", encoding="utf-8")
    fail(run("import", "csv", str(src)), "bad.txt:2: the second field (the back) is empty (and 1 more row")
    assert not (env / "decks").exists()


def test_a_row_csv_cannot_read_is_skipped_not_fatal(tmp_path: Path) -> None:
    src = tmp_path / "big.csv"
    src.write_text("a,b\n" + '"' + "x" * 200_000 + '",y\n' + "c,d\n", encoding="utf-8")
    result = read_csv(src)
    assert [n.front for n in result.notes][0] == "a"
    assert any("cannot read this row" in s.reason for s in result.skipped)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-8"])
def test_utf16_and_utf8_files_with_a_bom_are_read(tmp_path: Path, encoding: str) -> None:
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff", "utf-8": b"\xef\xbb\xbf"}[encoding]
    src = tmp_path / "words.txt"
    src.write_bytes(bom + "#separator:tab\r\n猫\tcat\r\nnaïve\tnaive\r\n".encode(encoding))
    result = read_csv(src)
    assert [(n.front, n.back) for n in result.notes] == [("猫", "cat"), ("naïve", "naive")]
    md = tmp_path / "note.md"
    md.write_bytes(bom + "猫::cat\n".encode(encoding))
    assert [(n.front, n.back) for n in read_markdown(md).notes] == [("猫", "cat")]


def test_undecodable_bytes_give_one_line(env: Path, tmp_path: Path) -> None:
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9\tcoffee\n".encode("latin-1"))
    fail(run("import", "csv", str(latin)), f"{latin}: not UTF-8/UTF-16 text")
    odd = tmp_path / "odd.txt"
    odd.write_bytes(b"\xff\xfea\x00b")  # UTF-16 with a BOM, cut in the middle of a character
    fail(run("import", "csv", str(odd)), f"{odd}: not UTF-8/UTF-16 text")
    md = tmp_path / "latin.md"
    md.write_bytes("caf\xe9::coffee\n".encode("latin-1"))
    fail(run("import", "markdown", str(md)), "latin.md: not UTF-8/UTF-16 text")
    assert not (env / "decks").exists()


ANIMALS = [("猫", "cat"), ("犬", "dog"), ("<b>鳥</b>", "bird")]
SAME_AS_CSV = (
    "猫\tcat\n犬\ta dog\n鳥\tbird\n魚\tfish\n"  # two the same, one changed back, one HTML-less, one new
)


def animals_apkg(tmp_path: Path) -> Path:
    """An Anki package (written by the real Anki) with three Basic notes."""
    from anki.collection import Collection
    from anki.generic_pb2 import Empty
    from anki.import_export_pb2 import ExportAnkiPackageOptions, ExportLimit

    col = Collection(str(tmp_path / "src.anki2"))
    basic = col.models.by_name("Basic")
    for front, back in ANIMALS:
        note = col.new_note(basic)
        note["Front"], note["Back"] = front, back
        col.add_note(note, col.decks.id("Animals"))
    out = tmp_path / "animals.apkg"
    col.export_anki_package(
        out_path=str(out),
        options=ExportAnkiPackageOptions(with_scheduling=True, with_media=True, legacy=False),
        limit=ExportLimit(whole_collection=Empty()),
    )
    col.close()
    return out


def anki_matches(tmp_path: Path, apkg: Path, csv_file: Path) -> set[str]:
    """The CSV rows that Anki itself matches to notes of the package (its default duplicate handling, the
    rows given the package's note type): first fields of the rows it found as duplicates or first-field
    matches."""
    from anki.collection import (
        Collection,
        ImportAnkiPackageOptions,
        ImportAnkiPackageRequest,
        ImportCsvRequest,
    )

    col = Collection(str(tmp_path / "ref.anki2"))
    try:
        col.import_anki_package(
            ImportAnkiPackageRequest(
                package_path=str(apkg), options=ImportAnkiPackageOptions(with_scheduling=True)
            )
        )
        notetype = col.get_note(col.find_notes("")[0]).mid
        meta = col.get_csv_metadata(path=str(csv_file), delimiter=None)
        meta.global_notetype.id = notetype
        log = col.import_csv(ImportCsvRequest(path=str(csv_file), metadata=meta)).log
        assert len(log.new) == 1 and col.note_count() == 4
        return {n.fields[0] for n in [*log.duplicate, *log.first_field_match]}
    finally:
        col.close()


def test_notes_imported_from_an_apkg_then_a_csv_are_reported_not_duplicated(
    env: Path, tmp_path: Path
) -> None:
    pytest.importorskip("anki.collection")
    apkg = animals_apkg(tmp_path)
    src = tmp_path / "animals.txt"
    src.write_text(SAME_AS_CSV, encoding="utf-8")
    assert anki_matches(tmp_path, apkg, src) == {"猫", "犬", "鳥"}
    assert ok("import", "anki", str(apkg))["cards_added"] == 3
    result = run("import", "csv", str(src))
    assert result.exit_code == 0, result.output
    assert sorted(c["front"] for c in cards()) == ["**鳥**", "犬", "猫", "魚"]  # only the new note came in
    dups = [line for line in result.output.splitlines() if line.startswith(str(src))]
    assert len(dups) == 3 and all("(the same first field), already in srs; row skipped" in d for d in dups)
    assert [d.split(":")[1] for d in dups] == ["1", "2", "3"] and "in deck 'Animals'" in dups[0]
    again = ok(
        "import", "csv", str(src)
    )  # the file's own note is updated in place, never a duplicate of itself
    assert again["files_written"] == 0 and len(again["duplicates"]) == 3 and len(cards()) == 4


def obsidian(tmp_path: Path, text: str, **options: Any) -> list[tuple[Kind, str, str, str]]:
    note = tmp_path / "note.md"
    note.write_text(text, encoding="utf-8")
    return [(n.kind, n.text or n.front, n.back, n.extra) for n in read_markdown(note, **options).notes]


def test_obsidian_plugin_default_cloze_pattern_with_numbers_and_hints(tmp_path: Path) -> None:
    # the plugin's default pattern: ==[123;;]answer[;;hint]==
    got = obsidian(tmp_path, "Paris is the ==capital;;city== of ==2;;France== in ==1;;Europe;;continent==\n")
    assert got == [
        (
            Kind.CLOZE,
            "Paris is the {{c3::capital::city}} of {{c2::France}} in {{c1::Europe::continent}}",
            "",
            "",
        )
    ]


def test_obsidian_footnote_style_hints_and_sequence_numbers(tmp_path: Path) -> None:
    simplified = "This ==note== doesn't need to have ==number==^[hint] on clozes\n"
    assert (
        obsidian(tmp_path, simplified)[0][1]
        == "This {{c1::note}} doesn't need to have {{c2::number::hint}} on clozes"
    )
    classic = (
        "This is a ==cloze==^[a hint][^1]. This is ==too, but without hint==[^2]. "
        "And this one is asked ==together with the first cloze==[^1].\n"
    )
    assert obsidian(tmp_path, classic)[0][1] == (
        "This is a {{c1::cloze::a hint}}. This is {{c2::too, but without hint}}. "
        "And this one is asked {{c1::together with the first cloze}}."
    )
    # generalized overlapping: the card a deletion is asked on (hide/show on the others is not carried over)
    overlap = "==context==[^hsh] then ==one==[^ahh], ==two==[^hah] and ==three==[^hha]\n"
    assert obsidian(tmp_path, overlap)[0][1] == "context then {{c1::one}}, {{c2::two}} and {{c3::three}}"


def test_obsidian_footnotes_with_definitions_go_to_the_extra(tmp_path: Path) -> None:
    text = (
        "The ==mitochondrion==[^1] makes ATP.\n\n"
        "Who named it::Benda[^src]\n\n"
        "[^1]: Coined in 1898.\n"
        "[^src]: ==Benda==, 1898.\n"
    )
    assert obsidian(tmp_path, text) == [
        (Kind.CLOZE, "The {{c1::mitochondrion}}[^1] makes ATP.", "", "[^1]: Coined in 1898."),
        (Kind.BASIC, "Who named it", "Benda[^src]", "[^src]: ==Benda==, 1898."),
    ]  # the definitions are not cards of their own


def test_obsidian_bold_and_curly_clozes_follow_the_plugin_settings(env: Path, tmp_path: Path) -> None:
    text = "A **bold** word, a {{curly;;hint}} one, an ==highlight== and {{c1::Anki's}}\n"
    assert (
        obsidian(tmp_path, text)[0][1]
        == "A **bold** word, a {{curly;;hint}} one, an {{c2::highlight}} and {{c1::Anki's}}"
    )
    both = obsidian(tmp_path, text, clozes=("highlight", "bold", "curly"))[0][1]
    assert both == "A {{c2::bold}} word, a {{c3::curly::hint}} one, an {{c4::highlight}} and {{c1::Anki's}}"
    assert obsidian(tmp_path, "A ==**nested**== mark\n", clozes=("highlight", "bold"))[0][1] == (
        "A {{c1::**nested**}} mark"
    )
    assert not read_markdown_or_none(tmp_path, "Only **bold** here\n")
    note = tmp_path / "cli.md"
    note.write_text("Only **bold** here\n", encoding="utf-8")
    summary = ok("import", "markdown", str(note), "--clozes", "bold,highlight")
    assert summary["cards_added"] == 1 and cards()[0]["front"] == "Only {{c1::bold}} here"
    fail(run("import", "markdown", str(note), "--clozes", "italic"), "unknown cloze syntax 'italic'")


def read_markdown_or_none(tmp_path: Path, text: str) -> list[Any]:
    try:
        return obsidian(tmp_path, text)
    except InputError:
        return []


def test_obsidian_a_bad_card_is_listed_and_the_others_come_in(env: Path, tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "a.md").write_text(
        "Question without answer::\n\nLogit::raw score\n\nSigmoid:::logistic\n\nThe ==chain rule== again\n",
        encoding="utf-8",
    )
    (vault / "b.md").write_text("Logit::a raw score\n", encoding="utf-8")  # the same first field as a.md:3
    result = run("import", "markdown", str(vault))
    assert result.exit_code == 0, result.output
    assert "a.md:1: a card needs text on both sides of its separator; card skipped" in result.output
    assert "b.md:1: a duplicate of a.md:3 (the same first field); card skipped" in result.output
    assert sorted(c["front"] for c in cards()) == [
        "Logit",
        "Sigmoid",
        "The {{c1::chain rule}} again",
        "logistic",
    ]
    # the same cards from another note later: reported against the notes now in srs (basic, reversed, cloze)
    other = tmp_path / "other.md"
    other.write_text("Logit::x\n\nSigmoid:::y\n\nThe ==chain rule== again\n\nNew::card\n", encoding="utf-8")
    summary = ok("import", "markdown", str(other))
    assert [d["where"] for d in summary["duplicates"]] == ["other.md:1", "other.md:3", "other.md:5"]
    assert summary["notes"] == 1 and len(cards()) == 5
