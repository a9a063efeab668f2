"""`srs import anki` of a package with many media files: the time must grow linearly with their number.

Builds a legacy .apkg by hand (one basic note per media file, each referring to its own small PNG) for each
``--sizes`` count, imports it with the CLI (in-process, a fresh ``SRS_HOME`` each time) and prints the seconds
and the seconds per 1,000 media. Before issue 19 every media file reopened the package's zip (re-reading its
whole central directory), so 10,000 files were not done after 180 s; one open zip makes the work per file
constant. Run::

    python benchmarks/bench_import_media.py [--sizes 2500 5000 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 256


def build(path: Path, n: int) -> Path:
    """A legacy package of ``n`` notes, each with its own media file."""
    db = path.with_suffix(".anki2")
    conn = sqlite3.connect(db)
    conn.executescript(
        "CREATE TABLE col (ver, models, decks, conf); CREATE TABLE notes (id, guid, mid, tags, flds);"
        "CREATE TABLE cards (id, nid, did, odid, ord); CREATE TABLE revlog (id, cid, ease, factor, time, type);"
    )
    model = {
        "id": 1,
        "name": "Basic",
        "type": 0,
        "flds": [{"name": "Front", "ord": 0}, {"name": "Back", "ord": 1}],
        "tmpls": [{"name": "Card 1", "ord": 0, "qfmt": "{{Front}}", "afmt": "{{Back}}"}],
    }
    conn.execute(
        "INSERT INTO col VALUES (11, ?, ?, '{}')",
        (json.dumps({"1": model}), json.dumps({"1": {"id": 1, "name": "Media"}})),
    )
    conn.executemany(
        "INSERT INTO notes VALUES (?, ?, 1, '', ?)",
        ((i, f"g{i}", f'<img src="m{i}.png">\x1fback {i}') for i in range(1, n + 1)),
    )
    conn.executemany("INSERT INTO cards VALUES (?, ?, 1, 0, 0)", ((10**6 + i, i) for i in range(1, n + 1)))
    conn.commit()
    conn.close()
    with zipfile.ZipFile(path, "w") as zf:
        zf.write(db, "collection.anki2")
        for i in range(1, n + 1):
            zf.writestr(str(i), PNG + i.to_bytes(4, "big"))
        zf.writestr("media", json.dumps({str(i): f"m{i}.png" for i in range(1, n + 1)}))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2500, 5000, 10000])
    args = parser.parse_args()
    from click.testing import CliRunner

    from srs.cli import cli

    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            pkg = build(Path(tmp) / "media.apkg", n)
            os.environ.update(SRS_HOME=str(Path(tmp) / "home"), SRS_NO_BUILTIN="1")
            started = time.perf_counter()
            result = CliRunner().invoke(cli, ["import", "anki", str(pkg), "--json"])
            seconds = time.perf_counter() - started
            assert result.exit_code == 0, result.output
            copied = json.loads(result.stdout)["media_copied"]
            print(f"{n:>6} media: {seconds:6.1f} s ({1000 * seconds / n:.2f} s per 1,000), {copied} copied")


if __name__ == "__main__":
    main()
