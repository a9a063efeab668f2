"""Hostile exercise solutions: none may forge a pass, reach outside its folder, or outlive srs.

Each case grades a learner file through :func:`srs.exercises.run` in a separate "srs" process
(so that killing its parent, reading its environment or pressing Ctrl-C cannot hit pytest),
started by a small reaper process that adopts whatever that "srs" process leaves behind
(``PR_SET_CHILD_SUBREAPER``) and reports it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from srs import exercises
from srs.exercises import sandbox

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox tests measure Linux behaviour")

EXERCISE = "stable_softmax"

# The stand-in for srs: grade argv[2] and print the result as JSON.
SRS = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from srs import exercises
    from srs.exercises import sandbox
    name, path, seed, timeout, mode = sys.argv[1:6]
    limits = None
    if mode != "auto":
        limits = sandbox.Limits(
            wall_seconds=float(timeout), cpu_seconds=int(float(timeout)) + 1, confinement=mode
        )
    print("grading", flush=True, file=sys.stderr)
    res = exercises.run(name, Path(path), int(seed), timeout=float(timeout), limits=limits)
    print(json.dumps({
        "status": str(res.status),
        "message": res.message,
        "checks": [[c.name, c.passed, c.detail] for c in res.checks],
    }), flush=True)
""")

# Runs SRS as its child, adopts orphans, optionally sends SIGINT, then reports what was left.
REAPER = textwrap.dedent("""
    import ctypes, json, os, signal, subprocess, sys, time
    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    srs_code, interrupt_after, sig, args = sys.argv[1], float(sys.argv[3]), int(sys.argv[4]), sys.argv[5:]
    proc = subprocess.Popen([sys.executable, "-c", srs_code, *args], start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if interrupt_after > 0:
        assert proc.stderr.readline().strip() == "grading"
        time.sleep(interrupt_after)
        os.killpg(proc.pid, sig)  # SIGINT: what a terminal does on Ctrl-C
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    ended = time.monotonic()

    def orphans():
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = open(f"/proc/{entry}/stat").read()
                cmd = open(f"/proc/{entry}/cmdline", "rb").read().replace(b"\\0", b" ").decode()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == os.getpid():
                if fields[0] == "Z":
                    os.waitpid(int(entry), os.WNOHANG)
                else:
                    found.append([int(entry), cmd[:200]])
        return found

    left = orphans()
    while left and time.monotonic() < ended + 1.0:
        time.sleep(0.05)
        left = orphans()
    for pid, _ in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    print(json.dumps({"rc": proc.returncode, "out": out, "err": err[-2000:], "left": left}))
""")


def grade_outside(
    tmp_path: Path,
    source: str,
    *,
    mode: str = "auto",
    timeout: float = 10,
    interrupt_after: float = 0.0,
    interrupt: signal.Signals = signal.SIGINT,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Grade ``source`` in a separate srs process; its result (or None) and what it left running."""
    learner = tmp_path / f"{EXERCISE}.py"
    learner.write_text(textwrap.dedent(source))
    full_env = {**os.environ, **(env or {})}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            REAPER,
            SRS,
            "srs-forgery-reaper",  # marks the reaper's command line: a hostile case stops there
            str(interrupt_after),
            str(int(interrupt)),
            EXERCISE,
            str(learner),
            "7",
            str(timeout),
            mode,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=full_env,
        check=True,
        start_new_session=True,  # a hostile case that kills process groups cannot reach pytest
    )
    report: dict[str, Any] = json.loads(done.stdout)
    lines = [line for line in report["out"].splitlines() if line.startswith("{")]
    report["result"] = json.loads(lines[-1]) if lines else None
    return report


def details(report: dict[str, Any]) -> str:
    result = report["result"]
    assert result is not None, report
    return " | ".join([result["message"], *(str(check[2]) for check in result["checks"])])


def check_names() -> list[str]:
    spec = importlib.util.spec_from_file_location(
        "_forgery_checks", exercises.FILES_DIR / EXERCISE / "checks.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [check.name for check in module.CHECKS]


def bwrap_active() -> bool:
    return bool(getattr(sandbox, "bwrap_works", lambda: True)())


needs_bwrap = pytest.mark.skipif(
    "not bwrap_active()", reason="bubblewrap is not available here: the fallback cannot stop this"
)
MODES = ["auto", "limits"]


@pytest.fixture
def outside() -> Iterator[Path]:
    """A folder outside the sandbox's work folder that anyone may write to (a stand-in home)."""
    with tempfile.TemporaryDirectory(prefix="srs-forgery-home-") as tmp:
        home = Path(tmp)
        home.chmod(0o777)
        (home / "srs.db").write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
        (home / "srs.db").chmod(0o666)
        yield home


# --------------------------------------------------------------------------- forging the verdict


@pytest.mark.parametrize("mode", MODES)
def test_fake_lines_in_the_results_file_do_not_pass(tmp_path: Path, mode: str) -> None:
    names = check_names()
    source = f"""
        import glob, json, os
        lines = [json.dumps({{"event": "check", "name": n, "passed": True, "detail": "ok"}}) for n in {names!r}]
        lines.append(json.dumps({{"event": "done"}}))
        targets = glob.glob("results-*.jsonl") + glob.glob("/tmp/srs-exercise-*/results-*.jsonl")
        try:
            targets.append(json.load(open("job.json"))["results"])
        except (OSError, ValueError, KeyError):
            pass
        for target in {{os.path.realpath(t) for t in targets}}:
            try:
                with open(target, "a") as fh:
                    fh.write("\\n".join(lines) + "\\n")
            except OSError:
                pass
        if targets:
            os._exit(0)  # stop before the real checks write their verdicts

        def softmax(x):
            return x
    """
    report = grade_outside(tmp_path, source, mode=mode)
    assert report["result"] is not None, report
    assert report["result"]["status"] != "passed", report["result"]


@pytest.mark.parametrize("mode", MODES)
def test_calling_the_loaded_reference_does_not_pass(tmp_path: Path, mode: str) -> None:
    source = """
        import importlib.util, json, sys

        def _reference():
            module = sys.modules.get("_srs_reference")
            if module is not None:
                return module
            exercise_dir = json.load(open("job.json"))["exercise_dir"]
            spec = importlib.util.spec_from_file_location("ref", exercise_dir + "/reference.py")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module

        def softmax(x):
            return _reference().softmax(x)
    """
    report = grade_outside(tmp_path, source, mode=mode)
    assert report["result"]["status"] == "failed", report["result"]


@needs_bwrap
def test_reading_the_reference_from_the_package_does_not_pass(tmp_path: Path) -> None:
    source = f"""
        import importlib.util
        def softmax(x):
            from srs.exercises import FILES_DIR
            spec = importlib.util.spec_from_file_location("ref", FILES_DIR / {EXERCISE!r} / "reference.py")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module.softmax(x)
    """
    report = grade_outside(tmp_path, source)
    assert report["result"]["status"] == "failed", report["result"]


@pytest.mark.parametrize("mode", MODES)
def test_patching_assert_close_and_the_checks_does_not_pass(tmp_path: Path, mode: str) -> None:
    source = """
        import sys

        def _always(*args, **kwargs):
            return "ok"

        for name, module in list(sys.modules.items()):
            if name.endswith("checklib"):
                module.assert_close = _always
                module.assert_finite = _always
                module.to_array = lambda label, value, shape=None: value
            if name == "_srs_checks":
                for check in module.CHECKS:
                    object.__setattr__(check, "func", _always)
        try:
            import srs.exercises.checklib as cl
            cl.assert_close = _always
        except ImportError:
            pass

        def softmax(x):
            return x * 0
    """
    report = grade_outside(tmp_path, source, mode=mode)
    assert report["result"]["status"] == "failed", report["result"]
    assert not any(check[1] for check in report["result"]["checks"]), report["result"]


# --------------------------------------------------------------------------- reaching outside


@needs_bwrap
def test_the_parents_environment_is_not_readable(tmp_path: Path) -> None:
    secret = "srs-secret-" + secrets.token_hex(8)
    source = """
        import glob, os

        def softmax(x):
            found, seen = [], 0
            for path in [f"/proc/{os.getppid()}/environ", *glob.glob("/proc/[0-9]*/environ")]:
                try:
                    data = open(path, "rb").read()
                except OSError:
                    continue
                seen += 1
                if b"SRS_TEST_SECRET=" in data:
                    found.append(data.split(b"SRS_TEST_SECRET=")[1].split(b"\\0")[0].decode())
            raise ValueError(f"read {seen} environments; found {found}")
    """
    report = grade_outside(tmp_path, source, env={"SRS_TEST_SECRET": secret})
    text = details(report)
    assert "environments; found" in text  # the probe ran
    assert secret not in text


@needs_bwrap
def test_writing_outside_the_work_folder_fails(tmp_path: Path, outside: Path) -> None:
    target = outside / "planted.txt"
    in_tmp = Path(tempfile.gettempdir()) / f"srs-planted-{secrets.token_hex(6)}.txt"
    source = f"""
        import os
        def softmax(x):
            errors = []
            for path in ({str(target)!r}, os.path.expanduser("~/../planted.txt"), {str(in_tmp)!r}):
                try:
                    with open(path, "w") as fh:
                        fh.write("owned")
                except OSError as exc:
                    errors.append(type(exc).__name__)
            raise ValueError(f"write errors: {{errors}}")
    """
    report = grade_outside(tmp_path, source)
    assert "write errors" in details(report)
    assert not target.exists()
    assert not in_tmp.exists()


@needs_bwrap
def test_deleting_the_database_fails(tmp_path: Path, outside: Path) -> None:
    db = outside / "srs.db"
    source = f"""
        import os
        def softmax(x):
            try:
                os.remove({str(db)!r})
                raise ValueError("removed")
            except OSError as exc:
                raise ValueError(f"could not remove: {{type(exc).__name__}}")
    """
    report = grade_outside(tmp_path, source)
    assert "could not remove" in details(report)
    assert db.read_bytes().startswith(b"SQLite format 3")


@needs_bwrap
def test_killing_the_parents_leaves_srs_running_and_nothing_behind(tmp_path: Path) -> None:
    source = """
        import os, signal, time

        def _ancestors():
            # every process above this one, up to (not including) the test's reaper
            pid, chain = os.getpid(), []
            while pid > 1:
                try:
                    stat = open(f"/proc/{pid}/stat").read()
                    pid = int(stat.rsplit(")", 1)[1].split()[1])
                    if b"srs-forgery-reaper" in open(f"/proc/{pid}/cmdline", "rb").read():
                        break
                except (OSError, ValueError):
                    break
                chain.append(pid)
            return chain

        def softmax(x):
            for pid in _ancestors():
                for kill in (lambda: os.killpg(os.getpgid(pid), signal.SIGKILL),
                             lambda: os.kill(pid, signal.SIGKILL)):
                    try:
                        kill()
                    except OSError:
                        pass
            time.sleep(30)
            return x
    """
    report = grade_outside(tmp_path, source, timeout=8)
    assert report["result"] is not None, report  # srs itself survived and reported
    assert report["result"]["status"] != "passed"
    assert report["left"] == [], report["left"]


# --------------------------------------------------------------------------- Ctrl-C


LOOP = """
    def softmax(x):
        while True:
            pass
"""


@pytest.mark.parametrize("mode", MODES)
def test_ctrl_c_during_a_check_kills_the_sandbox_at_once(tmp_path: Path, mode: str) -> None:
    report = grade_outside(tmp_path, LOOP, mode=mode, timeout=30, interrupt_after=2.0)
    assert report["result"] is None  # srs was interrupted
    assert "KeyboardInterrupt" in report["err"]
    assert report["left"] == [], report["left"]


@pytest.mark.parametrize("mode", MODES)
def test_srs_killed_during_a_check_takes_the_sandbox_with_it(tmp_path: Path, mode: str) -> None:
    report = grade_outside(
        tmp_path, LOOP, mode=mode, timeout=30, interrupt_after=2.0, interrupt=signal.SIGKILL
    )
    assert report["rc"] == -signal.SIGKILL
    assert report["left"] == [], report["left"]


# --------------------------------------------------------------------------- the fallback, unprivileged

# Run as root inside a private mount namespace: refuse new user namespaces to everything below with a
# seccomp filter (unshare and clone with CLONE_NEWUSER fail with EPERM, clone3 with ENOSYS, as on a
# kernel or distribution that refuses them: bubblewrap cannot start, by trying), become user nobody,
# then exec the reaper. The filter is inherited by every process started below and cannot be removed.
NO_USERNS = textwrap.dedent("""
    import ctypes, os, platform, struct, sys
    ARCH = {"x86_64": (0xC000003E, 272, 56, 435), "aarch64": (0xC00000B7, 97, 220, 435)}
    audit, unshare, clone, clone3 = ARCH[platform.machine()]
    def stmt(code, k): return struct.pack("=HBBI", code, 0, 0, k)
    def jump(code, k, jt, jf): return struct.pack("=HBBI", code, jt, jf, k)
    LD, JEQ, JSET, RET = 0x20, 0x15, 0x45, 0x06
    ALLOW, ERRNO = 0x7FFF0000, 0x00050000
    prog = b"".join([
        stmt(LD, 4), jump(JEQ, audit, 1, 0), stmt(RET, ALLOW),  # srs's own filter is what refuses i386
        stmt(LD, 0),
        jump(JEQ, clone3, 0, 1), stmt(RET, ERRNO | 38),
        jump(JEQ, unshare, 1, 0),
        jump(JEQ, clone, 0, 3),
        stmt(LD, 16), jump(JSET, 0x10000000, 0, 1), stmt(RET, ERRNO | 1),
        stmt(RET, ALLOW),
    ])
    class Fprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
    buf = ctypes.create_string_buffer(prog, len(prog))
    fprog = Fprog(len(prog) // 8, ctypes.addressof(buf))
    libc = ctypes.CDLL(None, use_errno=True)
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
    assert libc.prctl(38, 1, 0, 0, 0) == 0  # PR_SET_NO_NEW_PRIVS
    assert libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) == 0, ctypes.get_errno()  # SECCOMP_MODE_FILTER
    os.execv(sys.executable, [sys.executable, *sys.argv[1:]])
""")


def _reach_for_nobody(paths: list[Path]) -> str:
    """Shell lines that, in a private mount namespace, let user nobody reach ``paths`` through
    folders it may not enter (here /root, where the interpreter is): a world-traversable tmpfs over
    such a folder, with just the needed entry bound back into it."""
    lines, hold = [], 0
    for path in paths:
        parts = Path(path).resolve().parts
        for depth in range(1, len(parts) - 1):
            folder, entry = Path(*parts[: depth + 1]), parts[depth + 1]
            if folder.stat().st_mode & 0o001:
                continue
            keep = f"/tmp/srs-nobody-hold-{os.getpid()}-{hold}"
            hold += 1
            lines += [
                f"mkdir -p {keep} && mount --bind {folder / entry} {keep}",
                f"mount -t tmpfs -o mode=755 tmpfs {folder}",
                f"mkdir -p {folder / entry} && mount --bind {keep} {folder / entry}",
            ]
    return "\n".join(lines)


def grade_as_nobody_without_userns(work: Path, source: str, timeout: float = 10) -> dict[str, Any]:
    """Grade ``source`` as user nobody with user namespaces refused: srs falls back to ``limits``."""
    learner = work / f"{EXERCISE}.py"
    learner.write_text(textwrap.dedent(source))
    learner.chmod(0o644)
    repo = Path(exercises.__file__).resolve().parents[2]
    reach = _reach_for_nobody([Path(sys.executable), Path(sys.base_prefix), Path(sys.prefix), repo])
    args = [REAPER, SRS, "srs-forgery-reaper", "0", str(int(signal.SIGINT))]
    args += [EXERCISE, str(learner), "7", str(timeout), "auto"]
    script = f'set -e\n{reach}\nexec "$@"\n'
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"]
        + [sys.executable, "-c", NO_USERNS, "-c", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(repo), "TMPDIR": "/tmp"},
        cwd="/",
        check=False,
        start_new_session=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, Any] = json.loads(done.stdout)
    lines = [line for line in report["out"].splitlines() if line.startswith("{")]
    report["result"] = json.loads(lines[-1]) if lines else None
    return report


needs_root_and_unshare = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("unshare") or platform.machine() not in ("x86_64", "aarch64"),
    reason="switching to user nobody with user namespaces refused needs root, unshare(1) and x86-64/AArch64",
)


@pytest.fixture
def open_folder() -> Iterator[Path]:
    """A folder that user nobody may enter and write to (pytest's own is private to root)."""
    with tempfile.TemporaryDirectory(prefix="srs-nobody-") as tmp:
        folder = Path(tmp)
        folder.chmod(0o777)
        yield folder


@needs_root_and_unshare
def test_the_fallback_is_what_an_unprivileged_user_without_user_namespaces_gets(open_folder: Path) -> None:
    source = f"""
        import os, socket
        def softmax(x):
            try:
                socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                net = "open"
            except OSError as exc:
                net = exc.errno
            # under bubblewrap /tmp is an empty folder; the fallback hides no file
            seen = os.path.isdir({str(open_folder)!r})
            raise ValueError(f"uid={{os.getuid()}} sees-tmp={{seen}} socket={{net}}")
    """
    text = details(grade_as_nobody_without_userns(open_folder, source))
    assert "uid=65534 sees-tmp=True socket=13" in text, text  # the fallback; sockets refused (EACCES)


HOSTILE_FALLBACK = """
    import ctypes, json, mmap, os, time

    OUT = {out!r}
    FAKE = {fake!r}

    def ancestors():
        pid, chain = os.getpid(), []
        while pid > 1:
            try:
                pid = int(open(f"/proc/{{pid}}/stat").read().rsplit(")", 1)[1].split()[1])
                if b"srs-forgery-reaper" in open(f"/proc/{{pid}}/cmdline", "rb").read():
                    break
            except (OSError, ValueError):
                break
            chain.append(pid)
        return chain

    # 1. forge the verdict: write passing lines into every descriptor of every ancestor
    opened = denied = 0
    for pid in ancestors():
        try:
            fds = os.listdir(f"/proc/{{pid}}/fd")
        except OSError:
            denied += 1
            continue
        for fd in fds:
            try:
                w = os.open(f"/proc/{{pid}}/fd/{{fd}}", os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                denied += 1
                continue
            try:
                os.write(w, FAKE.encode())
                opened += 1
            except OSError:
                denied += 1
            finally:
                os.close(w)

    # 2. leave a child behind, through every ABI
    def survive(name):
        time.sleep(4)
        open(os.path.join(OUT, "survivor-" + name), "w").close()
        os._exit(0)

    def int80(nr, ebx=0):
        code = b"\\x53\\xb8" + nr.to_bytes(4, "little") + b"\\xbb" + ebx.to_bytes(4, "little")
        code += b"\\x31\\xc9\\xcd\\x80\\x5b\\xc3"  # xor ecx, ecx; int 0x80; pop rbx; ret
        buf = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        buf.write(code)
        return ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(buf)))()

    children = 0
    try:
        if os.fork() == 0:
            os.setsid()
            survive("native")
        children += 1
    except OSError:
        pass
    if os.uname().machine == "x86_64":
        for name, nr, flags in (("i386-fork", 2, 0), ("i386-clone", 120, 17)):
            pid = int80(nr, flags)
            if pid == 0:
                survive(name)
            children += pid > 0
        pid = ctypes.CDLL(None).syscall(57 | 0x40000000)
        if pid == 0:
            survive("x32")
        children += pid > 0

    # 3. a link to a file outside, in a folder the clean-up cannot empty without changing its mode
    os.mkdir("trap")
    os.symlink(os.path.join(OUT, "victim.txt"), os.path.join("trap", "link"))
    os.chmod("trap", 0o500)

    def softmax(x):
        raise ValueError(f"opened={{opened}} denied={{denied}} children={{children}}")
"""


@needs_root_and_unshare
def test_the_unprivileged_fallback_keeps_the_verdict_kills_children_and_spares_outside_files(
    open_folder: Path,
) -> None:
    names = check_names()
    fake = "".join(
        json.dumps(event) + "\n"
        for event in [
            {"event": "start", "count": len(names)},
            *({"event": "check", "name": name, "passed": True, "detail": "ok"} for name in names),
            {"event": "done"},
        ]
    )
    out = open_folder / "out"
    out.mkdir()
    os.chown(out, 65534, 65534)
    victim = out / "victim.txt"
    victim.write_text("the user's own file")
    os.chown(victim, 65534, 65534)  # a file of the user who runs srs, read-only to them
    victim.chmod(0o400)
    source = HOSTILE_FALLBACK.format(out=str(out), fake=fake)
    report = grade_as_nobody_without_userns(open_folder, source, timeout=15)
    result = report["result"]
    assert result is not None, report
    assert result["status"] == "failed", result
    text = details(report)
    assert "opened=0 " in text and "children=0" in text, text
    assert int(text.split("denied=")[1].split()[0]) > 0, text  # it did try
    assert report["left"] == [], report["left"]
    time.sleep(5)  # any survivor would have written its file by now
    assert sorted(p.name for p in out.iterdir()) == ["victim.txt"]
    assert victim.stat().st_mode & 0o777 == 0o400
    assert victim.read_text() == "the user's own file"


# --------------------------------------------------------------------------- the signed verdict


def test_only_verdict_lines_signed_by_the_checker_count() -> None:
    """Lines written into the verdict stream by anyone without the checker's key, or replayed, are
    ignored; the checker's own lines are read in order."""
    import io

    from srs.exercises import _harness

    key, other = secrets.token_bytes(32), secrets.token_bytes(32)
    genuine, forged = io.StringIO(), io.StringIO()
    checker, forger = _harness._Signed(genuine, key), _harness._Signed(forged, other)
    names = check_names()
    _harness._emit(checker, event="start", count=len(names))
    _harness._emit(forger, event="check", name=names[0], passed=True, detail="forged, wrong key")
    for name in names:
        _harness._emit(checker, event="check", name=name, passed=False, detail="wrong")
    text = genuine.getvalue().splitlines()
    unsigned = json.dumps({"event": "done"})
    replayed = text[0]  # the genuine "start" line again, out of its place
    stream = [text[0], forged.getvalue().strip(), unsigned, *text[1:], replayed]
    events = exercises._read_events("\n".join(stream) + "\n", key)
    assert [e["event"] for e in events] == ["start", *(["check"] * len(names))]
    assert all(e["passed"] is False for e in events[1:])
    assert exercises._read_events(unsigned + "\n", key) == []
