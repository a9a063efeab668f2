"""`srs export anki`: write the cards to an Anki package. Registered on the `srs` group at start-up.

Nothing heavy is imported here (genanki, rich, markdown-it come in inside the command).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from srs.cli.common import App, SrsGroup, checked_filter, emit, filter_options, json_option, now, utc_offset

if TYPE_CHECKING:
    from srs.store import Filter


def human_size(size: int) -> str:
    """Bytes as a short human figure: 950 B, 12.3 kB, 4.1 MB."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"  # pragma: no cover


@click.group(cls=SrsGroup)
def export() -> None:
    """Export cards to other programs (Anki)."""


@export.command("anki")
@click.argument("out", metavar="OUT.apkg", type=click.Path(path_type=Path))
@filter_options
@click.option(
    "--with-scheduling",
    is_flag=True,
    help="Carry each card's FSRS state (due date, interval, stability, difficulty) and the review "
    "history, so Anki with FSRS continues the schedule. Without it cards import as new.",
)
@click.option(
    "--quiz-instances",
    type=click.IntRange(min=1, max=100),
    default=3,
    show_default=True,
    metavar="N",
    help="Frozen instances (notes) written for each quiz card.",
)
@click.option(
    "--force", is_flag=True, help="Overwrite OUT even if it is not an Anki package or lies in a deck folder."
)
@json_option
@click.pass_obj
def export_anki_cmd(
    app: App,
    out: Path,
    flt: Filter,
    with_scheduling: bool,
    quiz_instances: int,
    force: bool,
    as_json: bool,
) -> None:
    """Write the cards to an Anki package (.apkg) for Anki's File > Import.

    One Anki note per srs note, in decks named as here ('::' sub-decks), Markdown, code and maths
    rendered. Importing a later export updates the notes already in Anki instead of adding copies.

    \b
    Examples:
      srs export anki week.apkg
      srs export anki day3.apkg --tag day3 --with-scheduling
      srs export anki week.apkg --deck "DL Week" --quiz-instances 5 --json
    """
    from srs.cli.common import roots
    from srs.cli.paths import home
    from srs.interop.anki.export import export_anki
    from srs.interop.anki.output import check_output, clean_litter
    from srs.tui.progress import LazyProgress

    # Before syncing the decks: a wrong path fails at once, and nothing precious is overwritten.
    check_output(out, force=force, database=app.db_path(), decks_dirs=[r.path for r in roots()])
    clean_litter(out.parent, now=time.time())
    with LazyProgress() as progress, app.store() as store:
        result = export_anki(
            store,
            out,
            flt=checked_filter(store, flt),
            with_scheduling=with_scheduling,
            quiz_instances=quiz_instances,
            now=now(),
            utc_offset=utc_offset(),
            progress=progress,
            media_dir=home() / "media",
            force=force,
        )

    def text() -> None:
        details: list[Any] = [
            f"{result.notes} notes",
            f"{result.cards} cards",
            f"{result.decks} deck{'s' if result.decks != 1 else ''}",
        ]
        if with_scheduling:
            details.append(f"{result.reviews} reviews")
        click.echo(f"Exported {', '.join(details)} to {result.path} ({human_size(result.bytes)}).")
        for where in result.missing_media:
            click.echo(f"Warning: media file not found, exported as a dead link: {where}")

    emit(result.to_dict(), text)
