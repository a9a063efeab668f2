"""Live probes of the sandbox, run as a script INSIDE it by ``srs doctor`` (never imported by srs).

    python -I -B -u _probes.py OUTSIDE_FOLDER MAX_THREADS

Each probe tries what the sandbox should stop and says what happened; one JSON object is printed:

* ``numpy``: numpy imports and computes (the sandbox is usable);
* ``fork``: a process is created by the native ``fork``, by the i386 ``fork`` and ``clone`` through
  ``int 0x80`` (x86-64 only) and by the x32 ``fork`` (``nr | 0x40000000``): for each ABI
  ``"blocked"`` or ``"ALLOWED"`` (a child was made; it leaves at once);
* ``network``: ``"blocked"`` if no socket can be made or only the loopback interface exists and
  a connection to a documentation address fails, else ``"ALLOWED"``;
* ``write``: ``"blocked"`` if a file cannot be created in ``OUTSIDE_FOLDER`` (a folder the user
  may write to, outside the work folder), else ``"ALLOWED"``;
* ``threads``: how many threads could be started, trying up to ``MAX_THREADS``.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import mmap
import os
import socket
import sys
import threading


def _int80(nr: int, ebx: int = 0) -> int:
    """The i386 system call ``nr`` (one argument), from a small executable buffer."""
    code = b"\x53\xb8" + nr.to_bytes(4, "little") + b"\xbb" + ebx.to_bytes(4, "little")
    code += b"\x31\xc9\xcd\x80\x5b\xc3"  # xor ecx, ecx; int 0x80; pop rbx; ret
    buf = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    buf.write(code)
    func = ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(buf)))
    return int(func())


def _outcome(pid: int) -> str:
    if pid == 0:  # the child: leave at once
        os._exit(0)
    if pid > 0:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        return "ALLOWED"
    return "blocked"


def probe_fork() -> dict[str, str]:
    found: dict[str, str] = {}
    try:
        pid = os.fork()
    except OSError:
        pid = -1
    found["native"] = _outcome(pid)
    if os.uname().machine == "x86_64":
        try:
            fork, clone = _int80(2), _int80(120, 17)  # 17: SIGCHLD, no CLONE_THREAD
        except (OSError, ValueError):
            fork = clone = -1
        found["i386"] = "ALLOWED" if "ALLOWED" in (_outcome(fork), _outcome(clone)) else "blocked"
        found["x32"] = _outcome(int(ctypes.CDLL(None, use_errno=True).syscall(57 | 0x40000000)))
    return found


def probe_network() -> str:
    try:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    except OSError:
        return "blocked"
    with sock:
        names = {name for _, name in socket.if_nameindex()}
        sock.settimeout(2)
        try:
            sock.connect(("192.0.2.1", 80))  # TEST-NET-1: nothing answers, but a route may exist
        except OSError:
            return "blocked" if names <= {"lo"} else "ALLOWED"
    return "ALLOWED"


def probe_write(outside: str) -> str:
    try:
        with open(os.path.join(outside, "written-by-the-sandbox"), "x") as fh:
            fh.write("x")
    except OSError:
        return "blocked"
    return "ALLOWED"


def probe_threads(most: int) -> int:
    threading.stack_size(64 * 1024)
    stop = threading.Event()
    made = 0
    try:
        while made < most:
            threading.Thread(target=stop.wait, daemon=True).start()
            made += 1
    except RuntimeError:
        pass
    stop.set()
    return made


def main() -> int:
    outside, most = sys.argv[1], int(sys.argv[2])
    import numpy

    report = {
        "numpy": int(numpy.ones(3).sum()) == 3,
        "fork": probe_fork(),
        "network": probe_network(),
        "write": probe_write(outside),
        "threads": probe_threads(most),
    }
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
