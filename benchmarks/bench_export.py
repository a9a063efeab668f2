"""`srs export anki` on 20k notes against genanki writing the same notes raw (budget: 1.5x).

Builds a temporary srs database of ``--notes`` notes in one bulk insert (``Store.apply_sync``, no deck
files): the flash-card notes of the built-in curriculum (basic, reversed, cloze, type-in: Markdown,
maths, code, CJK) repeated with a distinct number in every front, so no two notes share a field and the
renderer's cache cannot help beyond the shared sources. Then it times

* the core export (``srs.interop.anki.export.export_anki``, in-process),
* genanki writing the same notes raw: the same note types and decks, the fields only HTML-escaped (no
  Markdown, maths or highlighting), ``Package.write_to_file`` (uncompressed); also with Python's cyclic
  garbage collector paused, as the export does,
* one run of the real command (``srs export anki``, a fresh process: start-up and deck sync included),
* the export with ``--with-scheduling`` after giving half of the cards an FSRS state and two reviews,

taking turns round by round (medians of ``--runs`` rounds), and prints the medians and the ratio
export / raw. Run::

    python benchmarks/bench_export.py [--notes 20000 --runs 5]
"""

from __future__ import annotations

import argparse
import html
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from srs.model import CardSpec, Kind  # noqa: E402
from srs.store import Store, open_store  # noqa: E402

NOW = 1_772_445_600  # 2026-03-02 10:00 UTC
DAY = 86400
BUDGET = 1.5


def curriculum_notes() -> list[list[CardSpec]]:
    """The built-in curriculum's flash-card notes, each as its list of card specs."""
    from srs.decks.parser import cards_of, parse_files
    from srs.paths import builtin_decks_dir

    paths = sorted(builtin_decks_dir().glob("*.md"))
    notes, errors = parse_files([(p, f"builtin/{p.name}") for p in paths])
    if errors:
        raise SystemExit(f"curriculum has errors: {errors[0]}")
    flash = (Kind.BASIC, Kind.REVERSED, Kind.CLOZE, Kind.TYPE_IN)
    return [cards_of(n) for n in notes if n.kind in flash]


def make_specs(count: int) -> list[CardSpec]:
    """``count`` distinct notes (their cards) made from the curriculum's, numbered."""
    templates = curriculum_notes()
    specs: list[CardSpec] = []
    for k in range(count):
        note = templates[k % len(templates)]
        note_id = f"bench-{k:06d}"
        for spec in note:
            card_id = note_id + spec.id[len(spec.note_id) :]
            tag = f" (#{k})"
            if spec.kind is Kind.CLOZE:
                changed = replace(spec, front=spec.front + tag)
            elif spec.kind is Kind.TYPE_IN:  # the first line of the back is the exact answer: keep it
                changed = replace(
                    spec, front=spec.front + tag, back=spec.back + (tag if "\n" in spec.back else "")
                )
            else:
                changed = replace(spec, front=spec.front + tag, back=spec.back + tag)
            specs.append(
                replace(
                    changed,
                    id=card_id,
                    note_id=note_id,
                    path=f"bench/{spec.path.split('/')[-1]}",
                    position=k,
                    content_hash=f"{k:016x}",
                )
            )
    return specs


def build_db(path: Path, notes: int) -> int:
    """A database with ``notes`` notes (one bulk transaction). Returns the number of cards."""
    specs = make_specs(notes)
    with open_store(path) as store:
        store.apply_sync(parsed_paths=[], specs=specs, stamps={}, gone_paths=[], now=NOW)
    return len(specs)


def add_history(path: Path) -> int:
    """Give every other card a review state and two reviews in the log. Returns the reviews added."""
    with open_store(path) as store:
        ids = [r[0] for r in store.execute("SELECT id FROM cards ORDER BY id")][::2]
        before: dict[str, Any] = {
            "state": 0,
            "step": None,
            "stability": None,
            "difficulty": None,
            "due": None,
            "last_review": None,
            "reps": 0,
            "lapses": 0,
        }
        rows: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        for i, cid in enumerate(ids):
            t1 = NOW - 20 * DAY + i % 1000
            t2 = t1 + 3 * DAY
            mid = {
                **before,
                "state": 2,
                "stability": 3.1,
                "difficulty": 5.2,
                "due": t1 + 3 * DAY,
                "last_review": t1,
                "reps": 1,
            }
            after = {
                **mid,
                "stability": 9.4,
                "difficulty": 5.0,
                "due": t2 + 9 * DAY,
                "last_review": t2,
                "reps": 2,
            }
            rows.append((cid, t1, 3, 5000, 0, None, None, 3.0, 3.1, 5.2, json.dumps(before), json.dumps(mid)))
            rows.append((cid, t2, 3, 4000, 2, 3.0, 0.9, 9.0, 9.4, 5.0, json.dumps(mid), json.dumps(after)))
            updates.append((t2 + 9 * DAY, t2, cid))
        with store.transaction():
            store.conn.executemany(
                "INSERT INTO reviews (card_id, ts, rating, duration_ms, state, elapsed_days, retrievability, "
                "interval_days, stability, difficulty, state_before, state_after) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                rows,
            )
            store.conn.executemany(
                "UPDATE cards SET state=2, stability=9.4, difficulty=5.0, due=?, last_review=?, "
                "reps=2 WHERE id=?",
                updates,
            )
    return len(rows)


def core_runner(store: Store, out: Path, *, with_scheduling: bool = False) -> Callable[[], dict[str, object]]:
    """One in-process export (the core function the command calls), returning its summary."""
    from srs.interop.anki.export import export_anki

    return lambda: export_anki(store, out, with_scheduling=with_scheduling, now=NOW).to_dict()


def time_cli(db: Path, out: Path, home: Path) -> float:
    exe = Path(sys.executable).parent / "srs"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "srs"]
    env = {**os.environ, "SRS_HOME": str(home), "SRS_NO_BUILTIN": "1", "SRS_NOW": "2026-03-02T10:00:00Z"}
    t = time.perf_counter()
    proc = subprocess.run(
        [*cmd, "--db", str(db), "export", "anki", str(out)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"srs export anki failed: {proc.stderr.strip()}")
    print(f"  CLI said: {proc.stdout.strip()}")
    return elapsed


def raw_notes(db: Path) -> list[tuple[Kind, str, str, list[str], list[str]]]:
    """(kind, deck, guid source, fields, tags) per note, the text only HTML-escaped: what a plain genanki
    script would write for the same notes."""
    from srs.interop.anki.notes import group_by_note, load_cards

    with open_store(db) as store:
        cards = load_cards(store)
    out = []
    esc = lambda s: html.escape(s, quote=False)  # noqa: E731
    for group in group_by_note(cards):
        s = next((c for c in group if c.sub != "rev"), group[0])
        kind = Kind(s.kind)
        if kind is Kind.CLOZE:
            fields = [esc(s.front), esc(s.extra), esc(s.source), esc(s.note_id)]
        elif kind is Kind.TYPE_IN:
            answer, _, rest = s.back.partition("\n")
            fields = [esc(s.front), esc(answer), esc(rest), esc(s.extra), esc(s.source), esc(s.note_id)]
        else:
            fields = [esc(s.front), esc(s.back), esc(s.extra), esc(s.source), esc(s.note_id)]
        out.append((kind, s.deck, s.note_id, fields, s.tags.split()))
    return out


def raw_runner(db: Path, out: Path, *, pause_gc: bool = False) -> Callable[[], None]:
    """genanki alone: build the notes (same note types, decks, guids) and ``write_to_file``."""
    import gc

    import genanki

    from srs.interop.anki.export import build_models
    from srs.interop.anki.notes import deck_id

    notes = raw_notes(db)

    def run() -> None:
        if pause_gc:
            gc.disable()
        try:
            models = build_models()
            decks: dict[str, genanki.Deck] = {}
            for kind, deck, note_id, fields, tags in notes:
                if deck not in decks:
                    decks[deck] = genanki.Deck(deck_id(deck), deck)
                decks[deck].add_note(
                    genanki.Note(model=models[kind], fields=fields, tags=tags, guid=genanki.guid_for(note_id))
                )
            genanki.Package(list(decks.values())).write_to_file(str(out))
        finally:
            gc.enable()

    return run


def interleaved(runs: int, jobs: dict[str, Callable[[], Any]]) -> dict[str, float]:
    """Median seconds of each job, the jobs taking turns round by round (so that a busy moment of a
    shared machine hits them alike). One warm-up round first."""
    samples: dict[str, list[float]] = {name: [] for name in jobs}
    for round_ in range(runs + 1):
        for name, job in jobs.items():
            t = time.perf_counter()
            job()
            if round_:
                samples[name].append(time.perf_counter() - t)
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notes", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="srs-bench-export-") as tmp:
        folder = Path(tmp)
        db = folder / "bench.db"
        t = time.perf_counter()
        cards = build_db(db, args.notes)
        print(f"database: {args.notes} notes, {cards} cards, built in {time.perf_counter() - t:.2f} s")

        summaries: dict[str, dict[str, object]] = {}

        def keep(name: str, job: Callable[[], dict[str, object]]) -> Callable[[], None]:
            return lambda: summaries.__setitem__(name, job())

        with open_store(db) as store:
            times = interleaved(
                args.runs,
                {
                    "raw": raw_runner(db, folder / "raw.apkg"),
                    "raw_nogc": raw_runner(db, folder / "raw.apkg", pause_gc=True),
                    "export": keep("export", core_runner(store, folder / "core.apkg")),
                },
            )
        raw_size = (folder / "raw.apkg").stat().st_size
        cli_time = time_cli(db, folder / "cli.apkg", folder / "home")
        reviews = add_history(db)
        with open_store(db) as store:
            sched = interleaved(
                args.runs,
                {"sched": keep("sched", core_runner(store, folder / "sched.apkg", with_scheduling=True))},
            )["sched"]
        summary, sched_summary = summaries["export"], summaries["sched"]
        raw, raw_nogc, core = times["raw"], times["raw_nogc"], times["export"]

        print(f"medians of {args.runs} interleaved runs (after one warm-up round):")
        print(
            f"  genanki raw                    : {raw:6.3f} s   {raw_size / 1e6:5.1f} MB (stored, not compressed)"
        )
        print(f"  genanki raw, cyclic GC paused  : {raw_nogc:6.3f} s   (srs pauses it during an export)")
        print(
            f"  srs export (core function)     : {core:6.3f} s   {int(str(summary['bytes'])) / 1e6:5.1f} MB (deflate)"
            f"   {summary['notes']} notes, {summary['cards']} cards, {summary['decks']} decks"
        )
        print(
            f"  srs export --with-scheduling   : {sched:6.3f} s   {reviews} reviews in the store, "
            f"{sched_summary['reviews']} revlog rows written"
        )
        print(
            f"one CLI run, srs export anki     : {cli_time:6.3f} s   (process start-up and deck sync included)"
        )
        ratio = core / raw
        print(
            f"ratio export / raw: {ratio:.2f}x (budget {BUDGET}x) -> {'OK' if ratio <= BUDGET else 'OVER BUDGET'}"
            f"   (against raw with GC paused: {core / raw_nogc:.2f}x)"
        )


if __name__ == "__main__":
    main()
