"""`srs import anki` of a 20,000-note package with 200,000 reviews, next to Anki importing the same file.

Builds, with the real ``anki`` package (a test-only dependency), a collection of ``--notes`` notes (basic,
reversed, cloze and type-in, HTML with MathJax, tags, in a ``::`` deck tree), gives every card a review log
(``--reviews`` rows in all, ten per card, one day apart, buttons varied), and exports it in Anki's current
format (zstd collection). Then, round by round, it times

* Anki importing the package into an empty collection (``import_anki_package``, with scheduling),
* srs importing it into an empty ``SRS_HOME`` (the core ``import_anki``, in-process: package reading, HTML to
  Markdown, deck files written, deck sync into the store, history merged, every card's memory replayed,
  committed; the store is opened before the clock starts and closed after it stops, as Anki's collection is),
* srs importing it again with ``--reviews-only`` (every review already known: the de-duplication path),
* srs merging the whole history with ``--reviews-only`` into a home that holds the cards without history,
* and, as a floor, SQLite alone writing what the import left in the store (its cards and review log copied by
  SQL into an empty store, no Python per row): no import into this schema can be faster than that,

and prints the medians (``--runs`` rounds) of wall-clock and CPU time (this process, all threads, and for srs the
child it forks to share a large import's conversion and parse) and the ratios srs / Anki. On a shared machine
the CPU time is the steadier figure. For Anki the gap between the two is mostly waiting for the disk or, on a
busy machine, for a core; for srs the second core also makes its wall time shorter than its CPU time. The
import replays with fuzz on, as ``srs import anki`` does. Run::

    python benchmarks/bench_import.py [--notes 20000 --reviews 200000 --runs 3]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DAY = 86400
BUDGET = 1.5


def build_package(folder: Path, notes: int, reviews: int) -> Path:
    """A current-format Anki package with ``notes`` notes and about ``reviews`` revlog rows."""
    from anki.collection import Collection
    from anki.generic_pb2 import Empty
    from anki.import_export_pb2 import ExportAnkiPackageOptions, ExportLimit

    col = Collection(str(folder / "source.anki2"))
    rng = random.Random(7)
    models = [
        col.models.by_name(n)
        for n in ("Basic", "Basic (and reversed card)", "Cloze", "Basic (type in the answer)")
    ]
    decks = [col.decks.id(f"Bench::Part {i}") for i in range(10)]
    batch = []
    from anki.collection import AddNoteRequest

    for i in range(notes):
        model = models[i % 4]
        note = col.new_note(model)
        if model["type"] == 1:
            note["Text"] = (
                f"Note {i}: the gradient of {{{{c1::\\(x^2\\)}}}} is {{{{c2::\\(2x\\)}}}} <b>bold</b>"
            )
        else:
            note["Front"] = f"Question {i} about <i>softmax</i> \\(p_i = e^{{z_i}}\\)"
            note["Back"] = f"Answer {i}<br>with a second line &amp; more"
        note.tags = [f"t{i % 17}", "bench"]
        batch.append(AddNoteRequest(note=note, deck_id=decks[i % 10]))
    col.add_notes(batch)
    card_ids = col.db.list("SELECT id FROM cards ORDER BY id")
    per_card, extra = divmod(reviews, len(card_ids))
    start = int(time.time()) - (per_card + 6) * DAY
    rows: list[tuple[Any, ...]] = []
    rid = start * 1000
    for index, cid in enumerate(card_ids):
        for k in range(per_card + (1 if index < extra else 0)):
            rid += 1
            ease = rng.choice((1, 3, 3, 3, 4, 2))
            rows.append(
                (
                    start * 1000 + k * DAY * 1000 + rid % 86_000_000,
                    cid,
                    -1,
                    ease,
                    1,
                    0,
                    2500,
                    5000,
                    1 if k else 0,
                )
            )
    seen: set[int] = set()
    unique = []
    for row in rows:
        rid = row[0]
        while rid in seen:
            rid += 1
        seen.add(rid)
        unique.append((rid, *row[1:]))
    col.close()
    # The review log written straight into the closed collection (Anki's own DB proxy is slow for bulk rows).
    import sqlite3

    conn = sqlite3.connect(folder / "source.anki2")
    conn.executemany(
        "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) VALUES (?,?,?,?,?,?,?,?,?)",
        unique,
    )
    conn.execute("UPDATE cards SET type = 2, queue = 2, ivl = 5, due = 10, reps = ?", (per_card,))
    conn.commit()
    conn.close()
    col = Collection(str(folder / "source.anki2"))
    out = folder / "bench.apkg"
    col.export_anki_package(
        out_path=str(out),
        options=ExportAnkiPackageOptions(with_scheduling=True, with_media=False, legacy=False),
        limit=ExportLimit(whole_collection=Empty()),
    )
    col.close()
    return out


def time_anki(pkg: Path, folder: Path) -> tuple[float, float]:
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    col = Collection(str(folder / "target.anki2"))
    started, cpu = time.perf_counter(), time.process_time()
    col.import_anki_package(
        ImportAnkiPackageRequest(
            package_path=str(pkg),
            options=ImportAnkiPackageOptions(merge_notetypes=True, with_scheduling=True),
        )
    )
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    col.close()
    return seconds, cpu


def time_srs(
    pkg: Path, home: Path, *, with_history: bool = True, reviews_only: bool = False
) -> tuple[tuple[float, float], Any]:
    from srs.decks.sync import DeckRoot, sync
    from srs.interop.anki.importer import import_anki
    from srs.scheduling.scheduler import Scheduler
    from srs.scheduling.settings import Settings
    from srs.store import open_store

    home.mkdir(parents=True, exist_ok=True)
    # As for Anki (whose collection is made and opened before its clock starts, and closed after it stops),
    # the store is opened (made, on a first import) before the clock starts and closed after.
    with open_store(home / "srs.db") as store:
        started, cpu = time.perf_counter(), _cpu_with_children()
        result = import_anki(
            store,
            pkg,
            decks_dir=home / "decks" / "anki",
            media_dir=home / "media",
            sync=lambda: sync(store, [DeckRoot("user", home / "decks")], int(time.time())),
            scheduler=Scheduler(Settings()),  # fuzz on, as `srs import anki` runs it
            with_history=with_history,
            reviews_only=reviews_only,
        )
        seconds, cpu = time.perf_counter() - started, _cpu_with_children() - cpu
    return (seconds, cpu), result


def _cpu_with_children() -> float:
    """CPU seconds of this process and of its children that ended (a large import converts half its notes
    and parses half its files in a forked child: that work counts too)."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def time_sqlite_floor(imported: Path, folder: Path) -> tuple[float, float]:
    """What SQLite alone takes to write what an import leaves in srs's store: the cards and the review log of
    the ``imported`` database copied, with SQL only (no Python per row), into a fresh store: cards in one
    statement (the search index filled by its trigger), reviews with their indexes built after, then every
    card's memory set. A floor under any import that writes the same rows into the same schema."""
    import sqlite3

    from srs.store import open_store

    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "floor.db"
    with open_store(target):
        pass
    conn = sqlite3.connect(target)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"ATTACH DATABASE '{imported}' AS src")
    card_cols = [r[1] for r in conn.execute("PRAGMA table_info(cards)")]
    review_cols = [r[1] for r in conn.execute("PRAGMA table_info(reviews)") if r[1] != "id"]
    indexes = conn.execute(
        "SELECT name, sql FROM main.sqlite_master WHERE type = 'index' AND tbl_name = 'reviews' AND sql IS NOT NULL"
    ).fetchall()
    memory = ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")
    started, cpu = time.perf_counter(), time.process_time()
    with conn:
        new = [c for c in card_cols if c not in memory]
        conn.execute(f"INSERT INTO main.cards ({', '.join(new)}) SELECT {', '.join(new)} FROM src.cards")
        for name, _sql in indexes:
            conn.execute(f"DROP INDEX main.{name}")
        cols = ", ".join(review_cols)
        conn.execute(f"INSERT INTO main.reviews ({cols}) SELECT {cols} FROM src.reviews ORDER BY id")
        for _name, sql in indexes:
            conn.execute(sql)
        conn.execute(
            "UPDATE main.cards SET "
            + ", ".join(f"{c} = s.{c}" for c in memory)
            + " FROM src.cards AS s WHERE main.cards.id = s.id"
        )
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    conn.close()
    return seconds, cpu


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--notes", type=int, default=20_000)
    parser.add_argument("--reviews", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="srs-bench-import-") as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        pkg = build_package(root, args.notes, args.reviews)
        print(
            f"package: {args.notes} notes, {pkg.stat().st_size / 1e6:.1f} MB, built in {time.perf_counter() - t:.1f} s"
        )
        anki_t: list[tuple[float, float]] = []
        srs_t, again_t, merge_t, floor_t = [], [], [], []
        result = merged = None
        for run in range(args.runs):
            folder = root / f"run{run}"
            folder.mkdir()
            anki_t.append(time_anki(pkg, folder))
            seconds, result = time_srs(pkg, folder / "home")
            srs_t.append(seconds)
            floor_t.append(time_sqlite_floor(folder / "home" / "srs.db", folder))
            again_t.append(time_srs(pkg, folder / "home", reviews_only=True)[0])
            time_srs(pkg, folder / "bare", with_history=False)  # the cards, no history
            seconds, merged = time_srs(pkg, folder / "bare", reviews_only=True)
            merge_t.append(seconds)
            shutil.rmtree(folder)
        assert result is not None and merged is not None
        print(
            f"srs import: {result.notes} notes, {result.cards_added} cards, {result.reviews_merged} reviews merged "
            f"into {result.cards_changed} cards"
        )

        def median(times: list[tuple[float, float]]) -> tuple[float, float]:
            return statistics.median(t[0] for t in times), statistics.median(t[1] for t in times)

        (anki_w, anki_c), (srs_w, srs_c) = median(anki_t), median(srs_t)
        print("                                          wall      cpu")
        print(f"Anki import (with scheduling)          {anki_w:7.2f} s {anki_c:7.2f} s")
        print(
            f"srs import anki --with-history         {srs_w:7.2f} s {srs_c:7.2f} s   ratio {srs_w / anki_w:.2f} wall, "
            f"{srs_c / anki_c:.2f} cpu (budget {BUDGET})"
        )
        floor_w, floor_c = median(floor_t)
        print(
            f"floor: SQLite alone, the same rows    {floor_w:7.2f} s {floor_c:7.2f} s   ratio {floor_w / anki_w:.2f} wall, "
            f"{floor_c / anki_c:.2f} cpu (the import's cards and log copied into an empty store by SQL)"
        )
        again_w, again_c = median(again_t)
        print(
            f"srs import anki --reviews-only, again  {again_w:7.2f} s {again_c:7.2f} s   "
            f"(all {result.reviews_merged} known)"
        )
        merge_w, merge_c = median(merge_t)
        print(
            f"srs import anki --reviews-only, merge  {merge_w:7.2f} s {merge_c:7.2f} s   "
            f"({merged.reviews_merged} merged)"
        )


if __name__ == "__main__":
    main()
