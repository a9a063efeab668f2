"""`srs import anki|csv|markdown`: bring cards (and Anki review history) in from other programs.

Nothing heavy is imported here (zstandard, markdownify, rich and fsrs come in inside the commands).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from srs.cli.common import App, SrsGroup, emit, json_option, scheduler_for, sync_decks, utc_offset

if TYPE_CHECKING:
    from srs.decks.importers import TextImport


@click.group("import", cls=SrsGroup)
def import_() -> None:
    """Import cards from Anki packages, Anki text (CSV) files or Obsidian notes."""


def _write_notes(app: App, imported: TextImport, folder: str, source: str) -> dict[str, Any]:
    """Write imported notes (a :class:`srs.decks.importers.TextImport`) into deck files under
    $SRS_HOME/decks/FOLDER and sync them, all or nothing; notes that repeat one already in srs are left out."""
    from srs.cli.paths import user_decks_dir
    from srs.decks.importers.writer import check_read_back, drop_duplicates, plan_files, unique
    from srs.store.imports import note_fronts

    with app.store(sync=False) as store:
        notes, duplicates = drop_duplicates(unique(imported.notes), note_fronts(store))
        batch = plan_files(notes, user_decks_dir() / folder, header_source=source, read_back=False)
        app.backup(store, "before-import")
        batch.commit()
        try:
            with store.transaction():
                report = sync_decks(store)
                # every file written must load whole (never "0 cards added" and exit 0 for a skipped file)
                check_read_back(store, batch, user_decks_dir() / folder, getattr(report, "errors", ()))
        except BaseException:
            batch.restore()
            raise
    return {
        "notes": len(notes),
        "files_written": len(batch.texts),
        "cards_added": report.added,
        "cards_updated": report.changed,
        "files": sorted(str(p) for p in batch.texts),
        "skipped": [{"where": s.where, "reason": s.reason} for s in imported.skipped],
        "duplicates": [{"where": d.where, "note": d.note_id, "deck": d.deck} for d in duplicates],
    }


def _say(result: dict[str, Any], unit: str = "row") -> None:
    def text() -> None:
        if not result["notes"]:
            click.echo("Nothing imported: every note repeats one already in srs.")
        elif not result["files_written"]:
            click.echo(f"Nothing new: the {result['notes']} notes are already in srs as imported.")
        else:
            click.echo(
                f"Imported {result['notes']} notes into {result['files_written']} deck file(s): "
                f"{result['cards_added']} cards added, {result['cards_updated']} updated."
            )
        for row in result["skipped"]:
            click.echo(f"{row['where']}: {row['reason']}; {unit} skipped")
        for dup in result["duplicates"]:
            click.echo(
                f"{dup['where']}: a duplicate of note {dup['note']} in deck {dup['deck']!r} (the same first "
                f"field), already in srs; {unit} skipped"
            )
        if result["skipped"] or result["duplicates"]:
            left = len(result["skipped"]) + len(result["duplicates"])
            click.echo(f"{left} skipped (listed above); the others were imported.")

    emit(result, text)


@import_.command("anki")
@click.argument("package", metavar="FILE.apkg|FILE.colpkg", type=click.Path(path_type=Path))
@click.option(
    "--deck-prefix", metavar="P", default="", help="Put the imported decks under deck P (P::Anki deck)."
)
@click.option(
    "--with-history", is_flag=True, help="Bring the review log too, and replay each card's memory from it."
)
@click.option(
    "--reviews-only",
    is_flag=True,
    help="Only merge new reviews of cards already in srs (the phone round trip); no deck file is written.",
)
@json_option
@click.pass_obj
def import_anki_cmd(
    app: App, package: Path, deck_prefix: str, with_history: bool, reviews_only: bool, as_json: bool
) -> None:
    """Import an Anki package: every note becomes a card in a deck file under $SRS_HOME/decks/anki/.

    Re-importing the same package updates the same cards (ids come from Anki's note ids), never
    duplicates them. Media go to $SRS_HOME/media/. Everything or nothing is imported.

    \b
    Examples:
      srs import anki French.apkg --deck-prefix Languages --with-history
      srs import anki collection.colpkg --reviews-only      (reviews made in Anki on the phone)
    """
    from srs.cli.paths import home, user_decks_dir
    from srs.interop.anki.importer import import_anki
    from srs.tui.progress import LazyProgress

    progress = LazyProgress()
    try:
        with app.store(sync=not reviews_only, warn=False) as store:
            app.backup(store, "before-import")
            result = import_anki(
                store,
                package,
                decks_dir=user_decks_dir() / "anki",
                media_dir=home() / "media",
                sync=lambda: sync_decks(store),
                scheduler=scheduler_for(store),
                utc_offset=utc_offset(),
                deck_prefix=deck_prefix,
                with_history=with_history or reviews_only,
                reviews_only=reviews_only,
                progress=progress,
            )
    finally:
        progress.close()

    def text() -> None:
        if reviews_only:
            click.echo(
                f"Merged {result.reviews_merged} new reviews into {result.cards_changed} cards "
                f"({result.reviews_known} already known, {result.conflicts} conflicts: reviewed on both sides "
                "the same day, both kept in time order)."
            )
        else:
            click.echo(
                f"Imported {result.notes} notes into {result.files_written} deck file(s): {result.cards_added} cards "
                f"added, {result.cards_updated} updated, {result.media_copied} media files copied."
            )
            for why in result.media_refused:
                click.echo(f"Media refused (not imported): {why}")
            if result.cards_suspended:
                click.echo(f"{result.cards_suspended} cards suspended in Anki are suspended in srs too.")
            if with_history:
                click.echo(
                    f"History: {result.reviews_merged} reviews merged into {result.cards_changed} cards "
                    f"({result.reviews_known} already known)."
                )
        if result.reviews_excluded:
            click.echo(
                f"{result.reviews_excluded} manual reschedules and cram reviews left out (as Anki's FSRS does)."
            )
        if result.notes_damaged:
            click.echo(
                f"{result.notes_damaged} damaged note or card rows left out (a value of a type Anki never "
                "writes there)."
            )
        if result.reviews_damaged:
            click.echo(
                f"{result.reviews_damaged} damaged review rows left out (a value that is not a whole number, "
                "or a time that is no date)."
            )
        if result.reviews_before_reset:
            click.echo(
                f"{result.reviews_before_reset} reviews before a Forget/Reset left out (the card's history "
                "starts after its last reset, as in Anki's FSRS)."
            )
        if result.reviews_unmatched:
            click.echo(f"{result.reviews_unmatched} reviews of cards not in srs were left out.")
        for guid, kept, nid, first in result.duplicate_guids:
            click.echo(
                f"Note skipped (Anki note {nid}, {first!r}): its guid {guid} is also note {kept}'s, imported once"
            )
        for nid, first, why in result.notes_unreadable:
            click.echo(f"Note skipped (Anki note {nid}, {first!r}): {why}")
        if result.skipped_notes:
            click.echo(
                f"{result.skipped_notes} notes skipped (already in srs, srs quizzes and exercises, or "
                "not readable as a card)."
            )

    emit(result.to_dict(), text)


@import_.command("csv")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--deck", "-d", help="Deck for rows without one (default: the file's #deck: or its name).")
@json_option
@click.pass_obj
def import_csv_cmd(app: App, file: Path, deck: str | None, as_json: bool) -> None:
    """Import an Anki text file (CSV/TSV with #separator:, #deck:, #tags column:, #guid column: ... headers).

    The first field is the front, the second the back. UTF-8, or UTF-16 with a byte order mark. A row that
    makes no card, or repeats the first field of an earlier row or of a note already in srs (Anki's duplicate
    rule), is listed (file:line: reason) and skipped; the others come in. Cards go to $SRS_HOME/decks/csv/;
    importing the file again updates them.

    \b
    Example:
      srs import csv vocab.txt --deck "Vocabulary"
    """
    from srs.decks.importers.csv_text import read_csv

    if not os.path.lexists(file):
        raise click.ClickException(f"no such file: {file}")
    _say(_write_notes(app, read_csv(file, deck=deck), "csv", f"CSV: {file.name}"))


@import_.command("markdown")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--clozes",
    metavar="SYNTAX[,SYNTAX...]",
    default="highlight",
    show_default=True,
    help="Which marks make cloze deletions, as in the plugin's settings: highlight (==x==), bold (**x**), "
    "curly ({{x}}).",
)
@json_option
@click.pass_obj
def import_markdown_cmd(app: App, path: Path, clozes: str, as_json: bool) -> None:
    """Import flash cards from Obsidian notes (a file or a folder) written for the spaced-repetition plugin.

    front::back, front:::back (reversed), multi-line cards split by a '?' (or '??') line, clozes in the
    plugin's syntax (==answer==, ==2;;answer;;hint==, ==answer==^[hint][^2]) and {{c1::cloze}}. Footnote
    definitions ([^1]: text) go to the extra of the cards that refer to them. A card that cannot be read is
    listed (file:line: reason) and the others come in. Cards go to $SRS_HOME/decks/obsidian/; importing again
    updates them.

    \b
    Examples:
      srs import markdown ~/Vault/Deep\\ learning
      srs import markdown notes.md --clozes highlight,bold
    """
    from srs.decks.importers.obsidian import read_markdown

    syntaxes = tuple(s.strip() for s in clozes.split(",") if s.strip())
    _say(
        _write_notes(app, read_markdown(path, clozes=syntaxes), "obsidian", f"Obsidian: {path.name}"), "card"
    )
