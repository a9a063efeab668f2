"""Benchmark `srs serve` on a large collection (a script that prints figures, not a test).

    python benchmarks/bench_web.py                 # builds 100k cards / 1M reviews in a temporary folder
    python benchmarks/bench_web.py --db /tmp/b.db  # works on a copy of that file (built once if absent)

Runs the real server (`srs serve --port 0`, a separate process) and measures over HTTP on localhost:
the time from a request to the rendered card page, and a rating round trip (the rating posted, the
redirect followed, the next card's page received). Budget: 50 ms each (median). Also the server's
memory (resident set now and at its peak).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from builddb import DEFAULT_NOW, build  # noqa: E402

BUDGET_MS = 50.0


def field(page: str, name: str) -> str:
    m = re.search(rf'name="{name}" value="([^"]*)"', page)
    if m is None:
        raise SystemExit(f"no {name} on the page:\n{page[:2000]}")
    return m.group(1)


class Client:
    """One keep-alive HTTP connection to the server."""

    def __init__(self, port: int, token: str) -> None:
        import socket

        self.cookie = {"Cookie": f"srs_token_{port}={token}"}  # the access token `srs serve` printed
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.conn.connect()
        # As a browser does: no Nagle delay between a request's header and body packets.
        assert self.conn.sock is not None
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def get(self, path: str = "/") -> str:
        self.conn.request("GET", path, headers=self.cookie)
        r = self.conn.getresponse()
        body = r.read().decode()
        if r.status != 200:
            raise SystemExit(f"GET {path}: {r.status} {body[:300]}")
        return body

    def post(self, action: str, page: str, **fields: str) -> str:
        data = {"csrf": field(page, "csrf"), "nonce": field(page, "nonce"), **fields}
        body = urllib.parse.urlencode(data)
        self.conn.request(
            "POST",
            f"/act/{action}",
            body,
            {"Content-Type": "application/x-www-form-urlencoded", **self.cookie},
        )
        r = self.conn.getresponse()
        r.read()
        if r.status != 303:
            raise SystemExit(f"POST {action}: {r.status}")
        return self.get(r.getheader("location") or "/")


def rss_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in kB."""
    values = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
    )
    return int(values["VmRSS"].split()[0]), int(values["VmHWM"].split()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="benchmark database (built if absent); a copy is used")
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--ratings", type=int, default=40)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        source = args.db or Path(tmp) / "source.db"
        if not source.exists():
            t = time.perf_counter()
            build(source, cards=args.cards, reviews=args.reviews, now=DEFAULT_NOW)
            print(f"built {source} in {time.perf_counter() - t:.1f} s")
        db = Path(tmp) / "bench.db"
        shutil.copyfile(source, db)
        home = Path(tmp) / "home"
        home.mkdir()
        env = {
            **os.environ,
            "SRS_HOME": str(home),
            "SRS_NO_BUILTIN": "1",
            "SRS_NOW": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(DEFAULT_NOW)),
        }
        # A full day of reviews (the default 200 a day are already done at this moment of the history).
        for key, value in (("reviews-per-day", "9999"), ("new-per-day", "50")):
            subprocess.run(
                [sys.executable, "-m", "srs", "--db", str(db), "config", "set", key, value],
                env=env,
                check=True,
                capture_output=True,
            )
        proc = subprocess.Popen(
            [sys.executable, "-m", "srs", "--db", str(db), "serve", "--port", "0"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            m = re.search(r"http://127\.0\.0\.1:(\d+)/\?token=(\S+)", line)
            if m is None:
                raise SystemExit(f"server did not start: {line}{proc.stdout.read()}")
            port = int(m.group(1))
            client = Client(port, m.group(2))
            time.sleep(0.3)
            rss_idle = rss_kb(proc.pid)[0]

            t = time.perf_counter()
            page = client.get()
            first = (time.perf_counter() - t) * 1000

            card_ms = []
            for _ in range(30):
                t = time.perf_counter()
                page = client.get()
                card_ms.append((time.perf_counter() - t) * 1000)

            reveal_ms, rate_ms = [], []
            for _ in range(args.ratings):
                if 'name="nonce"' not in page:
                    break
                t = time.perf_counter()
                page = client.post("reveal", page)
                reveal_ms.append((time.perf_counter() - t) * 1000)
                if 'data-key="3"' not in page:
                    raise SystemExit("no rating buttons after reveal (not a flash card?)")
                t = time.perf_counter()
                page = client.post("rate", page, rating="3")
                rate_ms.append((time.perf_counter() - t) * 1000)

            stats_ms = []
            for _ in range(3):
                t = time.perf_counter()
                client.get("/stats")
                stats_ms.append((time.perf_counter() - t) * 1000)
            rss, peak = rss_kb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(10)

    def report(name: str, values: list[float]) -> None:
        med = statistics.median(values)
        p90 = sorted(values)[int(len(values) * 0.9) - 1]
        verdict = "ok" if med < BUDGET_MS else "OVER BUDGET"
        print(
            f"{name:<38} median {med:6.1f} ms  p90 {p90:6.1f} ms  (n={len(values)}, budget {BUDGET_MS:.0f} ms: {verdict})"
        )

    print(f"collection: {args.cards} cards, {args.reviews} reviews")
    print(f"first page (opens the store, builds the day's queue): {first:.0f} ms")
    report("request -> rendered card", card_ms)
    report("reveal round trip (post + page)", reveal_ms)
    report("rating round trip (post + next card)", rate_ms)
    print(f"stats page (srs.stats.collect and four SVG charts): {', '.join(f'{v:.0f}' for v in stats_ms)} ms")
    print(
        f"server memory: {rss_idle / 1024:.0f} MB idle, {rss / 1024:.0f} MB after the run, peak {peak / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
