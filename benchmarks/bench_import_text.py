"""`srs import csv` into a collection that already holds many notes: the duplicate check (every row's first
field against every note in srs, Anki's rule) must cost little next to the import itself.

For each ``--sizes`` N: a fresh ``SRS_HOME``, a first CSV of N rows imported (N notes in srs), then a second
CSV of N other rows plus N/10 rows repeating the first file's fronts. Prints the wall seconds of the second
import, of the duplicate check alone (:func:`srs.decks.importers.writer.drop_duplicates` over the store's
notes) and its share. Run::

    python benchmarks/bench_import_text.py [--sizes 5000 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000])
    args = parser.parse_args()
    from click.testing import CliRunner

    from srs.cli import cli

    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["SRS_HOME"] = str(Path(tmp) / "home")
            os.environ["SRS_NO_BUILTIN"] = "1"
            first, second = Path(tmp) / "first.txt", Path(tmp) / "second.txt"
            first.write_text("".join(f"word {i}\tmeaning {i}\n" for i in range(n)), encoding="utf-8")
            rows = [f"other {i}\tsense {i}\n" for i in range(n)] + [
                f"word {i}\tagain\n" for i in range(n // 10)
            ]
            second.write_text("".join(rows), encoding="utf-8")
            runner = CliRunner()
            assert runner.invoke(cli, ["import", "csv", str(first)]).exit_code == 0
            t0 = time.perf_counter()
            result = runner.invoke(cli, ["import", "csv", str(second), "--json"])
            wall = time.perf_counter() - t0
            assert result.exit_code == 0, result.output
            summary = json.loads(result.stdout)
            assert len(summary["duplicates"]) == n // 10, summary["duplicates"][:3]

            from srs.decks.importers.csv_text import read_csv
            from srs.decks.importers.writer import drop_duplicates
            from srs.store import open_store
            from srs.store.imports import note_fronts

            notes = read_csv(second).notes
            with open_store(Path(os.environ["SRS_HOME"]) / "srs.db") as store:
                t1 = time.perf_counter()
                drop_duplicates(notes, note_fronts(store))
                check = time.perf_counter() - t1
            print(
                f"{n:>6} notes in srs, {len(rows):>6} rows: import {wall:6.2f} s, duplicate check {check:5.3f} s "
                f"({100 * check / wall:4.1f} %)"
            )


if __name__ == "__main__":
    main()
