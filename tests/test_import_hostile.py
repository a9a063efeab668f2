"""Hostile input to the importers and the deck files (issue 19, items 1, 4, 5, 6 and 10b): each test is an
attack that broke srs, and what srs does now."""

from __future__ import annotations

import json
import os
import sqlite3
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from srs.decks import MAX_DECK_BYTES
from srs.decks.authoring import NewCard, card_block, render
from srs.decks.importers.writer import PART_BYTES, ImportedNote, render_note
from srs.decks.parser import parse_text
from srs.errors import InputError
from srs.model import Kind
from tests.conftest import fail_alone, ok, run

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SEPARATORS = ["\n", "\r", "\r\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


def cards() -> dict[str, dict[str, Any]]:
    result = run("list", "--json")
    assert result.exit_code == 0, result.output
    return {c["id"]: c for c in json.loads(result.stdout)}


BASIC_MODEL = {
    "id": 1,
    "name": "Basic",
    "type": 0,
    "flds": [{"name": "Front", "ord": 0}, {"name": "Back", "ord": 1}],
    "tmpls": [{"name": "Card 1", "ord": 0, "qfmt": "{{Front}}", "afmt": "{{Back}}"}],
}
SRS_MODEL = {
    "id": 2,
    "name": "srs Basic",
    "type": 0,
    "flds": [{"name": n, "ord": i} for i, n in enumerate(("Front", "Back", "Extra", "Source", "SrsId"))],
    "tmpls": [{"name": "Card 1", "ord": 0, "qfmt": "{{Front}}", "afmt": "{{Back}}"}],
}


def apkg(
    path: Path,
    notes: list[tuple[int, list[str]]],
    *,
    deck: str = "Default",
    media: dict[str, bytes] | None = None,
    names: dict[str, str] | None = None,
    sql: str = "",
) -> Path:
    """A legacy .apkg built by hand: notes as (model id, fields), media as name -> bytes (``names`` maps a
    zip entry to a name with no bytes of its own), ``sql`` run on the collection at the end."""
    db = path.with_suffix(".anki2")
    db.unlink(missing_ok=True)
    conn = sqlite3.connect(db)
    conn.executescript(
        "CREATE TABLE col (ver, models, decks, conf);"
        "CREATE TABLE notes (id, guid, mid, tags, flds);"
        "CREATE TABLE cards (id, nid, did, odid, ord);"
        "CREATE TABLE revlog (id, cid, ease, factor, time, type);"
    )
    models = {"1": BASIC_MODEL, "2": SRS_MODEL}
    conn.execute(
        "INSERT INTO col VALUES (11, ?, ?, ?)",
        (json.dumps(models), json.dumps({"1": {"id": 1, "name": deck}}), json.dumps({"schedVer": 2})),
    )
    for i, (mid, fields) in enumerate(notes, 1):
        conn.execute("INSERT INTO notes VALUES (?, ?, ?, '', ?)", (i, f"guid{i}", mid, "\x1f".join(fields)))
        conn.execute("INSERT INTO cards VALUES (?, ?, 1, 0, 0)", (1000 + i, i))
    if sql:
        conn.executescript(sql)
    conn.commit()
    conn.close()
    with zipfile.ZipFile(path, "w") as zf:
        zf.write(db, "collection.anki2")
        mapping = {}
        for k, (name, data) in enumerate((media or {}).items()):
            zf.writestr(str(k), data)
            mapping[str(k)] = name
        for entry, name in (names or {}).items():
            zf.writestr(entry, b"")
            mapping[entry] = name
        zf.writestr("media", json.dumps(mapping))
    return path


# -- item 4: no pattern backtracks on hostile text ---------------------------------------------------------------


def test_a_deck_of_repeated_cloze_openings_loads_at_once(env: Path) -> None:
    decks = env / "decks"
    decks.mkdir(parents=True, exist_ok=True)
    # 2 MiB of unclosed deletions, then one real card: was > 30 s at 9 KB, cubic
    hostile = "{{c1::" * (MAX_DECK_BYTES // 7)
    (decks / "hostile.md").write_text(f"## h1\ntext: {hostile}\n\n## h2\ntext: a {{{{c1::b}}}}\n")
    started = time.perf_counter()
    result = run("due", "--json")
    assert result.exit_code == 0, result.output
    check = run("deck", "check")
    assert time.perf_counter() - started < 20
    assert "hostile.md:2: cloze text has no deletion" in check.output
    assert "h2/c1" in cards()


def test_hostile_text_in_csv_markdown_and_anki_imports_finishes(env: Path, tmp_path: Path) -> None:
    n = 20_000
    csv = tmp_path / "h.txt"
    cloze, sound = "{{c1::" * n, "[sound:" * n
    csv.write_text("#separator:tab\n" + cloze + "\tback\n" + sound + "\tx\n", encoding="utf-8")
    md = tmp_path / "note.md"
    md.write_text("==a " * 32_000 + "\n\n" + "<!--SR:" * n + "\n\nq::a\n", encoding="utf-8")
    pkg = apkg(tmp_path / "h.apkg", [(1, ["{{c1::" * n, "\\(" * n + "<img" * n])], media={})
    started = time.perf_counter()
    run("import", "csv", str(csv))
    run("import", "markdown", str(md))
    run("import", "anki", str(pkg))
    run("due")
    assert time.perf_counter() - started < 30


def test_tags_nested_deeper_than_the_stack_give_their_text_not_a_traceback() -> None:
    from srs.decks.importers.htmltext import html_to_markdown

    assert html_to_markdown("<a>" * 5000 + "deep_text*") == "deep\\_text\\*"


# -- item 5: importers read only regular files, boundedly -----------------------------------------------------


def test_a_media_name_that_is_a_path_is_never_read(env: Path, tmp_path: Path) -> None:
    pkg = apkg(
        tmp_path / "zero.apkg",
        [(1, ['<img src="/dev/zero">', '<img src="../../x.png"> [sound:/dev/zero]'])],
        names={"0": "/dev/zero", "1": "../../x.png"},
    )
    summary = ok("import", "anki", str(pkg))
    assert summary["cards_added"] == 1 and summary["media_copied"] == 0
    assert any("/dev/zero" in why and "plain file name" in why for why in summary["media_refused"])


@pytest.fixture
def deadline() -> Any:
    """Fail (instead of hanging the suite) a test still running after 20 s: SIGALRM interrupts a blocked read."""
    import signal

    def expired(*_a: object) -> None:
        raise TimeoutError("still running after 20 s: blocked on a read?")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.mark.usefixtures("deadline")
def test_a_fifo_or_a_link_to_a_device_given_as_a_note_is_refused_at_once(env: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    link = tmp_path / "zero.md"
    link.symlink_to("/dev/zero")
    for target in (fifo, link):
        result = run("import", "markdown", str(target))
        assert result.exit_code != 0 and "not a regular file" in result.output, result.output
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "good.md").write_text("q::a\n")
    (vault / "out.md").symlink_to(tmp_path / "elsewhere.md")
    (tmp_path / "elsewhere.md").write_text("secret::text\n")
    result = run("import", "markdown", str(vault))
    assert result.exit_code != 0 and "outside" in result.output, result.output
    csv_fifo = tmp_path / "rows.txt"
    os.mkfifo(csv_fifo)
    result = run("import", "csv", str(csv_fifo))
    assert result.exit_code != 0 and "not a regular file" in result.output, result.output
    pkg_fifo = tmp_path / "p.apkg"
    os.mkfifo(pkg_fifo)
    for package in (pkg_fifo, Path("/dev/zero")):
        result = run("import", "anki", str(package))
        assert result.exit_code != 0 and "not a regular file" in result.output, result.output


def test_a_view_or_trigger_in_the_collection_is_refused_without_running_it(env: Path, tmp_path: Path) -> None:
    endless = (
        "ALTER TABLE notes RENAME TO real_notes;"
        "CREATE VIEW notes AS WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) "
        "SELECT i AS id, 'g' AS guid, 1 AS mid, '' AS tags, 'a' AS flds FROM r;"
    )
    pkg = apkg(tmp_path / "view.apkg", [(1, ["q", "a"])], sql=endless)
    started = time.perf_counter()
    result = run("import", "anki", str(pkg))
    assert time.perf_counter() - started < 10
    assert result.exit_code != 0 and "view" in result.output and "Traceback" not in result.output
    trig = apkg(
        tmp_path / "trig.apkg",
        [(1, ["q", "a"])],
        sql="CREATE TRIGGER t AFTER INSERT ON notes BEGIN SELECT 1; END;",
    )
    result = run("import", "anki", str(trig))
    assert result.exit_code != 0 and "trigger" in result.output


def test_reading_the_collection_is_time_bounded(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import srs.interop.anki.importer as importer

    pkg = apkg(tmp_path / "slow.apkg", [(1, [f"q{i}", "a"]) for i in range(3000)])
    monkeypatch.setattr(importer, "COLLECTION_SECONDS", 0)  # every query is over its time at once
    result = run("import", "anki", str(pkg))
    assert result.exit_code != 0 and "took over 0 s; refused" in result.output, result.output
    monkeypatch.setattr(importer, "COLLECTION_SECONDS", 60)
    assert ok("import", "anki", str(pkg))["cards_added"] == 3000


# -- item 1: executable media are refused at import -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("lesson.html", b"<script>alert(1)</script>"),
        ("app.js", b"alert(1)"),
        ("x.mjs", b"export {}"),
        ("pic.svg", b"<svg onload='alert(1)'/>"),
        ("a.htm", b"<b>"),
        ("a.xhtml", b"<html/>"),
        ("a.xml", b"<x/>"),
        ("a.css", b"body{}"),
        ("fake.png", b"<script>alert(1)</script>"),  # an image name, bytes that are not an image
    ],
)
def test_media_that_are_not_images_sounds_or_videos_are_refused(
    env: Path, tmp_path: Path, name: str, data: bytes
) -> None:
    pkg = apkg(
        tmp_path / "m.apkg",
        [(1, [f"[sound:{name}] <img src='ok.png'>", "back"])],
        media={name: data, "ok.png": PNG},
    )
    summary = ok("import", "anki", str(pkg))
    assert summary["media_copied"] == 1 and (env / "media" / "ok.png").read_bytes() == PNG
    assert not (env / "media" / name).exists()
    assert [why for why in summary["media_refused"] if why.startswith(name)], summary
    text = run("import", "anki", str(pkg)).output
    assert f"Media refused (not imported): {name}" in text
    # the card that links to the refused file still exports, with a warning
    exported = run("export", "anki", str(tmp_path / "out.apkg"))
    assert exported.exit_code == 0, exported.output
    assert "media file not found, exported as a dead link" in exported.output and name in exported.output
    with zipfile.ZipFile(tmp_path / "out.apkg") as zf:
        assert name not in json.loads(zf.read("media")).values()


def test_a_media_file_over_the_size_bound_is_refused_not_the_import(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import srs.interop.anki.importer as importer

    monkeypatch.setattr(importer, "MAX_MEDIA_BYTES", 100)
    pkg = apkg(
        tmp_path / "big.apkg", [(1, ["<img src='big.png'>", "b"])], media={"big.png": PNG + b"x" * 100}
    )
    summary = ok("import", "anki", str(pkg))
    assert summary["cards_added"] == 1 and summary["media_copied"] == 0
    assert summary["media_refused"] == ["big.png: media file 'big.png' is larger than 0 MiB"]


# -- item 6: one writer; no value writes a field of its own ----------------------------------------------------


INJECT = "kind: exercise{sep}exercise: stable_softmax{sep}order: -5{sep}tags: pwned{sep}## evil{sep}---"


@pytest.mark.parametrize("sep", SEPARATORS, ids=[repr(s) for s in SEPARATORS])
def test_every_field_written_with_every_line_break_reads_back_as_written(sep: str) -> None:
    inject = INJECT.format(sep=sep)
    for kind, fields in (
        (Kind.BASIC, {"front": "q" + sep + inject, "back": "a" + sep + inject, "extra": "e" + sep + inject}),
        (Kind.CLOZE, {"text": "{{c1::x}}" + sep + inject, "extra": inject}),
        (Kind.REVERSED, {"front": inject + sep + "q", "back": "a"}),
    ):
        note = ImportedNote(
            "n-1",
            kind,
            "D",
            tags=("t",),
            source="src" + sep + inject,
            **fields,  # type: ignore[arg-type]
        )
        block = render_note(note)
        result = parse_text("---\ndeck: D\n---\n\n" + block, "x.md")
        assert not result.errors and len(result.notes) == 1, (block, result.errors)
        got = result.notes[0]
        assert (got.id, got.kind, got.tags, got.order) == ("n-1", kind, ("t",), 1000)
        assert got.source == " ".join(("src" + sep + inject).split())
        for key in fields:  # the text, line breaks normalised, lines that looked like fields indented
            value = getattr(got, key)
            if inject not in fields[key]:
                continue
            assert "exercise: stable_softmax" in value and "\nkind:" not in value
            assert [line.strip() for line in value.splitlines()] == [
                line.strip() for line in fields[key].strip().splitlines()
            ]
        assert not got.item and not got.params


@pytest.mark.parametrize("sep", SEPARATORS, ids=[repr(s) for s in SEPARATORS])
def test_ids_with_a_line_break_are_refused_by_the_writer(sep: str) -> None:
    with pytest.raises(InputError, match="bad id"):
        card_block("ok" + sep + "kind: exercise", [("Q", "q"), ("A", "a")])
    with pytest.raises(InputError, match="bad id"):
        render(NewCard(deck="D", kind=Kind.BASIC, front="q", back="a", id="x" + sep), "x" + sep)


def test_an_unclosed_code_fence_in_a_value_is_refused() -> None:
    with pytest.raises(InputError, match="code fence"):
        render_note(ImportedNote("n-1", Kind.BASIC, "D", front="```\n## other\nQ: x", back="a"))


@pytest.mark.parametrize("sep", ["\n", "\r", "\u2028", "\x85"], ids=repr)
def test_srs_add_csv_markdown_and_anki_imports_inject_nothing(env: Path, tmp_path: Path, sep: str) -> None:
    inject = INJECT.format(sep=sep)
    result = run(
        "add", "--deck", "Mine", "--front", "q" + sep + inject, "--back", "a", "--source", "s" + sep + inject
    )
    assert result.exit_code == 0, result.output
    result = run("add", "--deck", "Mine" + sep + "kind: exercise", "--front", "q2", "--back", "a")
    assert result.exit_code != 0 and "bad deck name" in result.output, result.output
    csv = tmp_path / "rows.txt"
    csv.write_text(
        "#separator:tab\n#deck column:3\n" + f'"front{sep}{inject}"\tback\t"Deck{sep}{inject}"\n',
        encoding="utf-8",
    )
    run("import", "csv", str(csv))
    md = tmp_path / "n.md"
    md.write_text(f"front{sep.strip() or ' '}x::back\n", encoding="utf-8")
    run("import", "markdown", str(md))
    pkg = apkg(
        tmp_path / "a.apkg",
        [(2, ["f", "b", "", "", "good-id" + sep + inject]), (1, ["front" + sep + inject, "back"])],
        deck="Anki" + sep + inject,
    )
    run("import", "anki", str(pkg))
    every = cards()
    assert every, "nothing was imported"
    for card in every.values():
        assert card["kind"] in ("basic", "reversed", "cloze"), card
        assert "pwned" not in card["tags"] and card["id"] != "evil"
    for path in (env / "decks").rglob("*.md"):
        for line in path.read_text(encoding="utf-8").splitlines():
            assert not line.startswith(("kind: exercise", "exercise:", "order:", "tags: pwned", "## evil")), (
                path,
                line,
            )


# -- item 10b: an import larger than a deck file is split, and never "0 cards added" silently ---------------------


def test_a_csv_over_the_deck_file_limit_is_split_into_parts_that_all_load(env: Path, tmp_path: Path) -> None:
    rows = MAX_DECK_BYTES // 100 + 1000  # each row gives > 100 bytes of deck file: just over the limit
    csv = tmp_path / "big.txt"
    pad = "x" * 60
    csv.write_text(
        "#separator:tab\n#deck:Big\n" + "".join(f"front {i} {pad}\tback {i}\n" for i in range(rows)),
        encoding="utf-8",
    )
    summary = ok("import", "csv", str(csv))
    assert summary["cards_added"] == rows and summary["files_written"] >= 2
    files = sorted((env / "decks" / "csv").glob("big*.md"))
    assert [p.name for p in files][:2] == ["big.md", "big.part2.md"]
    assert all(p.stat().st_size <= PART_BYTES for p in files)
    again = ok("import", "csv", str(csv))  # the same file again: nothing new, nothing lost
    assert again["cards_added"] == 0 and len(cards()) == rows
    check = run("deck", "check")
    assert "larger than" not in check.output


def test_an_import_whose_cards_would_not_load_fails_instead_of_adding_nothing(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import srs.decks.importers.writer as writer

    monkeypatch.setattr(writer, "PART_BYTES", MAX_DECK_BYTES * 4)  # as before: one file over the limit
    rows = MAX_DECK_BYTES // 100 + 1000
    csv = tmp_path / "big.txt"
    pad = "x" * 60
    csv.write_text(
        "#separator:tab\n" + "".join(f"front {i} {pad}\tback {i}\n" for i in range(rows)), encoding="utf-8"
    )
    result = run("import", "csv", str(csv))
    assert result.exit_code != 0 and "larger than 2 MiB" in result.output, result.output
    assert not list((env / "decks" / "csv").glob("*.md")) and not cards()


# -- item 9: an import killed with SIGKILL leaves no card without its media ------------------------------------


def test_an_anki_import_killed_while_copying_media_leaves_nothing_half_done(
    env: Path, tmp_path: Path
) -> None:
    import signal
    import subprocess
    import sys

    n = 3000
    media = {f"m{i}.png": PNG + os.urandom(20_000) for i in range(n)}
    pkg = apkg(
        tmp_path / "media.apkg", [(1, [f'<img src="m{i}.png">', f"back {i}"]) for i in range(n)], media=media
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SRS_")}
    environ.update(SRS_HOME=str(env), SRS_NO_BUILTIN="1")
    proc = subprocess.Popen([sys.executable, "-m", "srs", "import", "anki", str(pkg)], env=environ)
    staged: list[Path] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        # media written so far, staged or in place
        staged = [p for p in (env / "media").rglob("*") if p.is_file()] if (env / "media").is_dir() else []
        if len(staged) >= 200:
            break
        time.sleep(0.01)
    assert proc.poll() is None and len(staged) >= 200, "the import ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # killed while staging media: no card, no deck file, no media in place; every command still works
    assert not list((env / "decks").rglob("*.md")) if (env / "decks").is_dir() else True
    assert not [p for p in (env / "media").iterdir() if not p.name.startswith(".")]
    assert not cards()
    assert run("due").exit_code == 0
    # the next import cleans the leftover up and does the whole job
    summary = ok("import", "anki", str(pkg))
    assert summary["cards_added"] == n and summary["media_copied"] == n
    assert sorted(p.name for p in (env / "media").iterdir()) == sorted(media)
    out = tmp_path / "out.apkg"
    assert run("export", "anki", str(out)).exit_code == 0


_DAMAGED_ROWS = {
    "a time far past any date (the year 36 million)": "(1152921504606846976, 1001, 3, 2500, 4000, 1)",
    "a time before 1970": "(-4611686018427387904, 1001, 3, 2500, 4000, 1)",
    "no id": "(NULL, 1001, 3, 2500, 4000, 1)",
    "an id in text": "('abc', 1001, 3, 2500, 4000, 1)",
    "a fractional id": "(1600000000000.5, 1001, 3, 2500, 4000, 1)",
    "no button": "(1600000000000, 1001, NULL, 2500, 4000, 1)",
    "a button in text": "(1600000000000, 1001, 'x', 2500, 4000, 1)",
    "a fractional button": "(1600000000000, 1001, 3.5, 2500, 4000, 1)",
    "no ease factor": "(1600000000000, 1001, 3, NULL, 4000, 1)",
    "a duration in text": "(1600000000000, 1001, 3, 2500, 'x', 1)",
    "no type": "(1600000000000, 1001, 3, 2500, 4000, NULL)",
    "a card id in bytes": "(1600000000000, x'01', 3, 2500, 4000, 1)",
}


@pytest.mark.parametrize("why", list(_DAMAGED_ROWS))
def test_a_damaged_review_row_is_left_out_and_counted(env: Path, tmp_path: Path, why: str) -> None:
    """A revlog row holding what Anki never writes (NULL, text, a fraction, bytes, a time that is no date)
    stopped the import with a traceback (TypeError, or ValueError: year out of range), or was read as a
    review. Each such row is left out and counted; the card's good review comes in."""
    values = f"(1500000000000, 1001, 3, 2500, 4000, 1), {_DAMAGED_ROWS[why]}"
    package = apkg(tmp_path / "damaged.apkg", [(1, ["q", "a"])], sql=f"INSERT INTO revlog VALUES {values};")
    _import_says(
        package,
        {"reviews_damaged": 1, "reviews_merged": 1},
        "1 damaged review rows left out (a value that is not a whole number, or a time that is no date).",
    )


def _import_says(package: Path, counts: dict[str, int], line: str) -> None:
    """``import anki --with-history`` of ``package`` succeeds with these counts in its JSON summary, and a
    second import says ``line``."""
    result = run("import", "anki", str(package), "--with-history", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert {k: summary[k] for k in counts} == counts
    again = run("import", "anki", str(package), "--with-history")
    assert again.exit_code == 0 and line in again.output, again.output


_DAMAGED_NOTES = {
    "no fields": "UPDATE notes SET flds = NULL WHERE id = 2",
    "fields as a number": "UPDATE notes SET flds = 5 WHERE id = 2",
    "fields as bytes": "UPDATE notes SET flds = x'ff00' WHERE id = 2",
    "no guid": "UPDATE notes SET guid = NULL WHERE id = 2",
    "a guid as a number": "UPDATE notes SET guid = 7 WHERE id = 2",
    "no tags": "UPDATE notes SET tags = NULL WHERE id = 2",
    "a note id in text": "UPDATE notes SET id = 'x' WHERE id = 2",
    "a note type id in text": "UPDATE notes SET mid = 'x' WHERE id = 2",
    "a card's template number missing": "UPDATE cards SET ord = NULL WHERE nid = 2",
    "a card's template number in text": "UPDATE cards SET ord = 'x' WHERE nid = 2",
    "a fractional template number": "UPDATE cards SET ord = 0.5 WHERE nid = 2",
    "a card's note id missing": "UPDATE cards SET nid = NULL WHERE nid = 2",
}


@pytest.mark.parametrize("why", list(_DAMAGED_NOTES))
def test_a_damaged_note_or_card_row_is_left_out_and_counted(env: Path, tmp_path: Path, why: str) -> None:
    """A notes or cards row holding what Anki never writes there (NULL, bytes, a number for text, text or a
    fraction for a number) stopped the import with a traceback (AttributeError, TypeError), or was read wrong.
    It is left out and counted, and the package's other notes, with their history, come in."""
    package = apkg(
        tmp_path / "damaged.apkg",
        [(1, ["q1", "a1"]), (1, ["q2", "a2"]), (1, ["q3", "a3"])],
        sql=f"{_DAMAGED_NOTES[why]}; INSERT INTO revlog VALUES (1500000000000, 1001, 3, 2500, 4000, 1);",
    )
    _import_says(
        package,
        {"notes_damaged": 1, "notes": 2, "reviews_merged": 1},
        "1 damaged note or card rows left out (a value of a type Anki never writes there).",
    )
    assert {c["front"] for c in cards().values()} == {"q1", "q3"}


_DAMAGED_JSON = {
    "note types as a list": ("models", json.dumps([BASIC_MODEL])),
    "decks as a list": ("decks", "[1, 2]"),
    "the config as a list": ("conf", "[1]"),
    "a front template that is null": (
        "models",
        json.dumps(
            {"1": {**BASIC_MODEL, "tmpls": [{"name": "C", "ord": 0, "qfmt": None, "afmt": "{{Back}}"}]}}
        ),
    ),
    "a back template that is a number": (
        "models",
        json.dumps(
            {"1": {**BASIC_MODEL, "tmpls": [{"name": "C", "ord": 0, "qfmt": "{{Front}}", "afmt": 3}]}}
        ),
    ),
    "a field name that is a number": (
        "models",
        json.dumps({"1": {**BASIC_MODEL, "flds": [{"name": 1, "ord": 0}, {"name": "Back", "ord": 1}]}}),
    ),
}


@pytest.mark.parametrize("why", list(_DAMAGED_JSON))
def test_note_types_decks_or_config_of_the_wrong_shape_are_one_line_error(
    env: Path, tmp_path: Path, why: str
) -> None:
    """A legacy collection's note types, decks or config of a shape Anki never writes (a list for a map, a
    template or field name that is not text) stopped the import with a traceback (AttributeError,
    TypeError), or skipped every note without a word. Now: one line naming the package as damaged, exit 1,
    nothing imported."""
    column, value = _DAMAGED_JSON[why]
    package = apkg(tmp_path / "shape.apkg", [(1, ["q", "a"])], sql=f"UPDATE col SET {column} = '{value}';")
    result = run("import", "anki", str(package))
    fail_alone(result, f"damaged package {package}: unreadable note types or decks")
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert cards() == {}


@pytest.mark.parametrize("shared", [False, True])
def test_the_conversion_reports_its_progress_over_all_notes_shared_or_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared: bool
) -> None:
    """A large import converts its notes in two processes when it can: the progress it reports (from this
    process's part, scaled) climbs to the number of notes and never past it, as when one process does all."""
    from srs import workers
    from srs.decks.sync import DeckRoot, sync
    from srs.interop.anki.importer import import_anki
    from srs.scheduling.scheduler import Scheduler
    from srs.scheduling.settings import Settings
    from srs.store import open_store

    if shared and not workers.can_split():
        pytest.skip("needs fork, two cores and a single thread")
    monkeypatch.setattr(workers, "can_split", lambda: shared)
    pkg = apkg(tmp_path / "many.apkg", [(1, [f"q{i}", "a"]) for i in range(2600)])
    reports: list[tuple[int, int]] = []
    home = tmp_path / "home"
    home.mkdir()
    with open_store(home / "srs.db") as store:
        result = import_anki(
            store,
            pkg,
            decks_dir=home / "decks" / "anki",
            media_dir=home / "media",
            sync=lambda: sync(store, [DeckRoot("user", home / "decks")], 1_800_000_000),
            scheduler=Scheduler(Settings()),
            progress=lambda done, total, stage: (
                reports.append((done, total)) if stage == "converting" else None
            ),
        )
    assert result.cards_added == 2600
    assert reports and all(total == 2600 and 0 < done <= total for done, total in reports)
    assert [d for d, _t in reports] == sorted({d for d, _t in reports})  # climbing
    assert reports[-1][0] >= 2000
