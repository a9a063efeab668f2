"""Slowloris against `srs serve` (a script that prints figures, not a test).

    python benchmarks/bench_slowloris.py                       # 1,100 half-open connections, 1,024 files
    python benchmarks/bench_slowloris.py --connections 2000 --open-files 512

Runs the real server (`srs serve --port 0`, a separate process allowed ``--open-files`` descriptors) on
127.0.0.1 over an empty SRS_HOME, opens ``--connections`` connections from 127.0.0.1 that each send
the start of a request's headers and then nothing, and measures:

* a request from another address (127.0.0.2) while they are open;
* a request from the attacker's own address while they are still held open (the server must drop
  them by itself);
* a request from 127.0.0.1 once the attacker has closed them all;
* whether the server process is still running.

Each request waits at most 5 s; a "no answer" means it got none in that time (or was refused).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HALF_REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


def request(port: int, cookie: str, source: str, timeout: float = 5.0) -> float | None:
    """Seconds to get an answer to one GET from ``source``, or None when none came."""
    start = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request("GET", "/static/app.css", headers={"Cookie": cookie})
        status = conn.getresponse().status
    except OSError:
        return None
    finally:
        conn.close()
    return time.monotonic() - start if status == 200 else None


def until_served(port: int, cookie: str, source: str, limit: float) -> float | None:
    """Seconds until a request from ``source`` is answered (retrying), or None within ``limit``."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if request(port, cookie, source, timeout=2.0) is not None:
            return time.monotonic() - start
        time.sleep(0.5)
    return None


def shown(seconds: float | None) -> str:
    return "no answer" if seconds is None else f"{seconds:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=1100)
    parser.add_argument("--open-files", type=int, default=1024)
    parser.add_argument("--wait", type=float, default=60.0, help="longest wait for a recovery, seconds")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < args.connections + 64:  # this script holds the attacker's sockets itself
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.connections + 256), hard))

    def few_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (args.open_files, args.open_files))

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        env = {**os.environ, "SRS_HOME": str(home), "SRS_NO_BUILTIN": "1", "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "srs", "serve", "--port", "0"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=few_files,
            cwd=tmp,  # `python -m` puts the current folder first: let PYTHONPATH choose the srs to run
        )
        attack: list[socket.socket] = []
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            m = re.search(r"http://127\.0\.0\.1:(\d+)/(?:\?token=(\S+))?", line)
            if m is None:
                raise SystemExit(f"server did not start: {line}")
            port = int(m.group(1))
            cookie = f"srs_token_{port}={m.group(2) or ''}"
            if until_served(port, cookie, "127.0.0.1", 30) is None:
                raise SystemExit("the server never answered")
            refused = 0
            for _ in range(args.connections):
                try:
                    s = socket.create_connection(("127.0.0.1", port), timeout=2)
                except OSError:
                    refused += 1
                    continue
                attack.append(s)
                with contextlib.suppress(OSError):
                    s.sendall(HALF_REQUEST)
            other = request(port, cookie, "127.0.0.2")
            same_held = until_served(port, cookie, "127.0.0.1", args.wait)
            for s in attack:
                s.close()
            attack = []
            after = until_served(port, cookie, "127.0.0.1", args.wait)
            alive = proc.poll() is None
        finally:
            for s in attack:
                s.close()
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log = proc.stdout.read() if proc.stdout else ""

    print(
        f"{args.connections} half-open connections from 127.0.0.1 against {args.open_files} open files "
        f"({refused} could not connect)"
    )
    print(f"request from 127.0.0.2 while they are open: {shown(other)}")
    print(f"request from 127.0.0.1 while they are held open: {shown(same_held)}")
    print(f"request from 127.0.0.1 once they are closed: {shown(after)}")
    print(f"server process running: {'yes' if alive else 'NO'}")
    if os.environ.get("SHOW_LOG"):
        print(log[-3000:])


if __name__ == "__main__":
    main()
