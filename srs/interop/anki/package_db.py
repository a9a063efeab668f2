"""The collection database inside an Anki package (``collection.anki2``): the one place that speaks
Anki's schema (tables ``col``, ``notes``, ``cards``, ``revlog``), not srs's own store.

genanki writes the notes and cards; :mod:`srs.interop.anki.export` then adjusts the collection through
these functions (scheduler version, deck presets, schedules, suspension, the review log).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def open_scratch(path: Path) -> sqlite3.Connection:
    """A new collection file to fill once and zip: no journal and no syncs (nothing to recover)."""
    conn = sqlite3.connect(str(path))
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    return conn


def set_creation_and_v2_scheduler(cursor: sqlite3.Cursor, crt: int) -> None:
    """Set the collection's creation time (``crt``, epoch seconds: Anki counts review days from it) and
    mark it for the v2 scheduler (``schedVer`` 2: four answer buttons in learning too)."""
    conf = json.loads(cursor.execute("SELECT conf FROM col").fetchone()[0])
    conf["schedVer"] = 2
    cursor.execute("UPDATE col SET crt = ?, conf = ?", (crt, json.dumps(conf)))


def deck_config(cursor: sqlite3.Cursor) -> tuple[dict[str, Any], dict[str, Any]]:
    """The collection's deck option presets (``dconf``) and decks, decoded."""
    dconf_text, decks_text = cursor.execute("SELECT dconf, decks FROM col").fetchone()
    return json.loads(dconf_text), json.loads(decks_text)


def set_deck_config(cursor: sqlite3.Cursor, dconf: dict[str, Any], decks: dict[str, Any]) -> None:
    """Store the deck option presets and decks."""
    cursor.execute("UPDATE col SET dconf = ?, decks = ?", (json.dumps(dconf), json.dumps(decks)))


def card_ids(cursor: sqlite3.Cursor) -> dict[tuple[str, int], int]:
    """Every card's id by (its note's guid, its ord)."""
    return {
        (guid, ord_): cid
        for guid, ord_, cid in cursor.execute(
            "SELECT n.guid, c.ord, c.id FROM cards c JOIN notes n ON n.id = c.nid"
        )
    }


def schedule_cards(cursor: sqlite3.Cursor, rows: Iterable[tuple[Any, ...]]) -> None:
    """Write schedules: rows of (type, queue, due, ivl, factor, reps, lapses, left, data, mod, card id)."""
    cursor.executemany(
        "UPDATE cards SET type=?, queue=?, due=?, ivl=?, factor=?, reps=?, lapses=?, left=?, data=?, mod=? WHERE id=?",
        rows,
    )


def add_revlog(cursor: sqlite3.Cursor, rows: Iterable[tuple[Any, ...]]) -> None:
    """Append review-log rows: (id, cid, usn, ease, ivl, lastIvl, factor, time, type)."""
    cursor.executemany(
        "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) VALUES (?,?,?,?,?,?,?,?,?)",
        rows,
    )


def suspend_cards(cursor: sqlite3.Cursor, ids: Iterable[int]) -> None:
    """Suspend the cards with these ids (``queue = -1``)."""
    cursor.executemany("UPDATE cards SET queue = -1 WHERE id = ?", [(cid,) for cid in ids])


def card_count(cursor: sqlite3.Cursor) -> int:
    """How many cards the collection holds."""
    return int(cursor.execute("SELECT COUNT(*) FROM cards").fetchone()[0])
