"""Export to an Anki package (.apkg): the only module that imports ``genanki``.

The export reads the active cards, turns them into Anki notes (:mod:`srs.interop.anki.notes`, in the note
types of :mod:`srs.interop.anki.notetypes`), writes them with genanki into a fresh collection, then applies
suspension and, with ``with_scheduling``, the schedule and review log (:mod:`srs.interop.anki.schedule`).
Each note's guid is derived from its stable srs id (:func:`note_guid`), so that importing a later export
UPDATES the notes already in Anki instead of adding copies.

The package is written compressed to a temporary file in the output folder and renamed into place at
the end: a failed or interrupted export never leaves a partial file at ``out``.

Where the package may be written is checked first (:mod:`srs.interop.anki.output`).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import tempfile
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import genanki

from srs import kinds
from srs.clock import LearnerClock
from srs.errors import InputError, SrsError
from srs.interop.anki import cycle_collector_paused, package_db
from srs.interop.anki.cardhtml import HtmlRenderer
from srs.interop.anki.notes import (
    DEFAULT_QUIZ_INSTANCES,
    PlannedNote,
    ProgressFn,
    deck_id,
    load_cards,
    localise_media,
    plain_media_sources,
    plan_notes,
)
from srs.interop.anki.notetypes import CSS, FIELDS, MODEL_IDS, MODEL_NAMES, TEMPLATES
from srs.interop.anki.output import check_output
from srs.interop.anki.schedule import (
    CRT_DAYS,
    DAY,
    PRESET_ID,
    PRESET_NAME,
    ExportClock,
    card_row,
    deck_options,
    revlog_rows,
)
from srs.model import Kind
from srs.store import Filter, Store

if TYPE_CHECKING:
    import sqlite3

    from srs.scheduling.settings import Settings

COMPRESS_LEVEL = 1  # deflate's fastest level: 15 MB -> 2.6 MB in 0.08 s (level 6: 2.2 MB, 0.2 s)


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    path: Path
    notes: int
    cards: int
    decks: int
    bytes: int
    reviews: int
    with_scheduling: bool
    seconds: float
    missing_media: tuple[str, ...] = ()  # "file:line: name" of each linked media file not found

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "missing_media": list(self.missing_media),
            "path": str(self.path),
            "notes": self.notes,
            "cards": self.cards,
            "decks": self.decks,
            "bytes": self.bytes,
            "reviews": self.reviews,
            "with_scheduling": self.with_scheduling,
            "seconds": round(self.seconds, 3),
        }


def note_guid(note_id: str) -> str:
    """The Anki guid of a note: a hash of its stable srs id, so a re-export updates it."""
    return str(genanki.guid_for(note_id))


def build_models() -> dict[Kind, genanki.Model]:
    """The note types of every card kind, with their fixed ids."""
    models: dict[Kind, genanki.Model] = {}
    for kind, model_id in MODEL_IDS.items():
        models[kind] = genanki.Model(
            model_id,
            MODEL_NAMES[kind],
            fields=[{"name": f} for f in FIELDS[kind]],
            templates=TEMPLATES[kind],
            css=CSS,
            model_type=genanki.Model.CLOZE if kinds.get(kind).anki.cloze else genanki.Model.FRONT_BACK,
        )
    return models


def _fill_database(
    conn: sqlite3.Connection,
    planned: Sequence[PlannedNote],
    *,
    timestamp: float,
    store: Store,
    flt: Filter,
    clock: ExportClock,
    settings: Settings | None,
    decay: float,
    progress: ProgressFn | None = None,
    deck_options: dict[str, Any] | None = None,
) -> tuple[int, int]:
    """Write the notes with genanki into a fresh collection, then apply suspension and scheduling.
    Returns (Anki cards written, revlog rows written)."""
    models = build_models()
    decks: dict[str, genanki.Deck] = {}
    notes: list[tuple[genanki.Note, int, int]] = []
    for plan in planned:
        deck = decks.get(plan.deck)
        if deck is None:
            deck = decks[plan.deck] = genanki.Deck(deck_id(plan.deck), plan.deck)
        model = models[plan.kind]
        deck.add_model(model)
        notes.append(
            (
                genanki.Note(
                    model=model, fields=plan.fields, tags=plan.tags, guid=plan.guid, due=plan.position
                ),
                deck.deck_id,
                plan.mod,
            )
        )
    cursor = conn.cursor()
    id_gen = itertools.count(int(timestamp * 1000))
    # The collection with its decks and note types, stamped now (genanki's Package, decks without notes) ...
    genanki.Package(list(decks.values())).write_to_db(cursor, timestamp, id_gen)
    # ... then every note (and its cards), stamped with the time its content last changed.
    for number, (note, did, mod) in enumerate(notes, 1):
        note.write_to_db(cursor, mod, did, id_gen)
        if progress is not None and number % 2000 == 0:
            progress(number, len(notes), "writing")
    # schedVer 2: our review log has four answer buttons in learning too (a v1 collection is read as three,
    # and Anki would shift those ratings up when importing).
    package_db.set_creation_and_v2_scheduler(cursor, clock.now - CRT_DAYS * DAY)
    if deck_options:
        # The learner's desired retention and fitted FSRS parameters in the deck options (Anki applies them
        # when the package is imported with its deck presets).
        # A preset of our own (fixed id): Anki does not overwrite its Default preset on import.
        dconf, deck_rows = package_db.deck_config(cursor)
        preset = dict(dconf["1"], id=PRESET_ID, name=PRESET_NAME, mod=int(timestamp), usn=-1, **deck_options)
        dconf[str(PRESET_ID)] = preset
        for row in deck_rows.values():
            if int(row["id"]) != 1:
                row["conf"] = PRESET_ID
        package_db.set_deck_config(cursor, dconf, deck_rows)
    reviews = 0
    if settings is not None or any(p.suspended_ords for p in planned):
        anki_ids = package_db.card_ids(cursor)
        if settings is not None:
            updates = []
            card_ids: dict[str, int] = {}
            for plan in planned:
                for ord_, card in plan.cards.items():
                    cid = anki_ids.get((plan.guid, ord_))
                    if cid is None:
                        continue
                    card_ids[card.id] = cid
                    row = card_row(card, plan.position, clock, settings, decay)
                    if row is not None:
                        updates.append((*row, int(timestamp), cid))
            package_db.schedule_cards(cursor, updates)
            revlog = revlog_rows(store, flt, card_ids)
            package_db.add_revlog(cursor, revlog)
            reviews = len(revlog)
        package_db.suspend_cards(
            cursor,
            [anki_ids[(p.guid, o)] for p in planned for o in p.suspended_ords if (p.guid, o) in anki_ids],
        )
    conn.commit()
    return package_db.card_count(cursor), reviews


def export_anki(
    store: Store,
    out: Path | str,
    *,
    flt: Filter = Filter(),
    with_scheduling: bool = False,
    quiz_instances: int = DEFAULT_QUIZ_INSTANCES,
    now: int | None = None,
    utc_offset: int = 0,
    progress: ProgressFn | None = None,
    media_dir: Path | None = None,
    force: bool = False,
) -> ExportResult:
    """Export the active cards matching ``flt`` to the Anki package ``out``; see the module docstring.

    An existing ``out`` that is not an Anki package is only replaced with ``force``; the
    database itself never (see :func:`check_output`).

    ``now`` (epoch seconds, default the current time) is the moment due dates are counted from.
    Raises :class:`InputError` for an unwritable output or when no card matches.
    """
    started = time.perf_counter()
    out = Path(out)
    if quiz_instances < 1:
        raise InputError("--quiz-instances must be at least 1")
    check_output(out, force=force, database=store.path)
    with cycle_collector_paused():
        return _export(
            store,
            out,
            flt=flt,
            with_scheduling=with_scheduling,
            quiz_instances=quiz_instances,
            now=now,
            utc_offset=utc_offset,
            progress=progress,
            started=started,
            media_dir=media_dir,
        )


def _export(
    store: Store,
    out: Path,
    *,
    flt: Filter,
    with_scheduling: bool,
    quiz_instances: int,
    now: int | None,
    utc_offset: int,
    progress: ProgressFn | None,
    started: float,
    media_dir: Path | None = None,
) -> ExportResult:
    cards = load_cards(store, flt)
    missing: list[str] = []
    cards, media = localise_media(store, cards, media_dir, missing)
    if not cards:
        if flt.deck or flt.tag:
            what = " and ".join(
                part
                for part in (f"deck {flt.deck!r}" if flt.deck else "", f"tag {flt.tag!r}" if flt.tag else "")
                if part
            )
            raise InputError(f"no cards match {what}; see `srs decks`")
        raise InputError("nothing to export: the collection has no cards")
    now = int(time.time()) if now is None else int(now)
    timestamp = time.time()
    settings: Settings | None = None
    decay = 0.1542
    rollover = 4
    if with_scheduling:
        from srs.scheduling.scheduler import Scheduler
        from srs.scheduling.settings import load_settings

        settings = load_settings(store, enable_fuzzing=False)
        decay = float(Scheduler(settings).parameters[20])
        rollover = settings.rollover_hour
    clock = ExportClock(now, LearnerClock(utc_offset, rollover))

    planned = plan_notes(
        cards, HtmlRenderer(), guid=note_guid, quiz_instances=quiz_instances, progress=progress
    )
    if media:
        plain_media_sources(planned, media)
    if progress is not None:
        progress(0, len(planned), "writing")
    tmp_apkg = out.parent / f".{out.name}.{os.urandom(4).hex()}.tmp"
    try:
        with tempfile.TemporaryDirectory(prefix="srs-anki-") as work:
            db_path = Path(work) / "collection.anki2"
            conn = package_db.open_scratch(db_path)
            try:
                count, reviews = _fill_database(
                    conn,
                    planned,
                    timestamp=timestamp,
                    store=store,
                    flt=flt,
                    clock=clock,
                    settings=settings,
                    decay=decay,
                    progress=progress,
                    deck_options=deck_options(store),
                )
            finally:
                conn.close()
            if progress is not None:
                progress(len(planned), len(planned), "compressing")
            with zipfile.ZipFile(
                tmp_apkg, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL
            ) as zf:
                zf.write(db_path, "collection.anki2")
                for number, file in enumerate(media.values()):
                    zf.write(file, str(number))
                zf.writestr("media", json.dumps({str(i): name for i, name in enumerate(media)}))
        os.replace(tmp_apkg, out)
    except OSError as exc:
        _remove(tmp_apkg)
        raise SrsError(f"cannot write {out}: {exc.strerror or exc}") from None
    except BaseException:
        _remove(tmp_apkg)
        raise
    return ExportResult(
        path=out,
        notes=len(planned),
        cards=count,
        decks=len({p.deck for p in planned}),
        bytes=out.stat().st_size,
        reviews=reviews,
        with_scheduling=with_scheduling,
        seconds=time.perf_counter() - started,
        missing_media=tuple(dict.fromkeys(missing)),
    )


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
