"""Tests for srs.exercises.sandbox: each kind of runaway learner code is contained, the parent is unharmed."""

from __future__ import annotations

import dataclasses
import errno
import os
import platform
import resource
import shutil
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from srs.errors import SandboxError
from srs.exercises import sandbox
from srs.exercises.sandbox import Limits, SandboxResult, run_python

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox tests measure Linux behaviour")

SMALL = Limits(wall_seconds=4, cpu_seconds=2, memory_bytes=256 << 20)


# The containment tests run under each confinement: bubblewrap where it works ("auto") and the fallback;
# a test parametrized with `mode` has `run` use that confinement.
MODES = ["auto", "limits"]
_MODE = {"value": "auto"}


@pytest.fixture(autouse=True)
def _confinement(request: pytest.FixtureRequest) -> None:
    callspec = getattr(request.node, "callspec", None)
    _MODE["value"] = callspec.params.get("mode", "auto") if callspec is not None else "auto"


def run(tmp_path: Path, code: str, limits: Limits = SMALL, **kwargs: object) -> SandboxResult:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(code))
    limits = dataclasses.replace(limits, confinement=_MODE["value"])
    return run_python(script, workdir=tmp_path, limits=limits, **kwargs)  # type: ignore[arg-type]


# Printed by a sandboxed script: its process group and its PID namespace, which identify whatever it
# started (under bubblewrap the group number is the namespace's own, so the namespace is what counts).
WHERE = "print(os.getpgid(0), os.readlink('/proc/self/ns/pid'), flush=True)"


def live_in_group(where: str) -> list[tuple[int, str]]:
    """Processes (not zombies) in the process group, or the PID namespace, printed by ``WHERE``."""
    pgid, pidns = int(where.split()[0]), where.split()[1]
    own_ns = pidns != os.readlink("/proc/self/ns/pid")
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path("/proc", entry, "stat").read_text()
            ns = os.readlink(f"/proc/{entry}/ns/pid") if own_ns else ""
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        member = ns == pidns if own_ns else int(fields[2]) == pgid
        if member and fields[0] != "Z":
            found.append((int(entry), fields[0]))
    return found


def fork_blocked(tmp_path: Path) -> bool:
    return "fork=blocked" in run(tmp_path, "pass").isolation


def test_normal_run(tmp_path: Path) -> None:
    res = run(
        tmp_path,
        """
        import sys
        print("hello")
        print("to stderr", file=sys.stderr)
    """,
    )
    assert res.ok and res.returncode == 0 and res.reason == "" and not res.timed_out
    assert res.stdout == "hello\n"
    assert res.stderr == "to stderr\n"
    assert "network=" in res.isolation and "fork=" in res.isolation and "user=" in res.isolation


def test_environment_is_scrubbed_and_cwd_is_workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SRS_SECRET_TOKEN", "do-not-leak")
    res = run(
        tmp_path,
        """
        import os, sys
        print(sorted(os.environ))
        print(os.getcwd())
        print(os.environ["HOME"], os.environ["OPENBLAS_NUM_THREADS"], os.environ["LC_ALL"])
        print(sys.flags.isolated)
    """,
    )
    env_keys, cwd, values, isolated = res.stdout.splitlines()
    assert "SRS_SECRET_TOKEN" not in env_keys
    assert Path(cwd) == tmp_path.resolve()
    assert values == f"{tmp_path.resolve()} 1 C.UTF-8"
    assert isolated == "1"


@pytest.mark.parametrize("mode", MODES)
def test_infinite_loop_is_stopped(tmp_path: Path, mode: str) -> None:
    start = time.monotonic()
    res = run(tmp_path, "while True:\n    pass\n", Limits(wall_seconds=4, cpu_seconds=1))
    assert time.monotonic() - start < 6
    assert not res.ok
    assert res.reason in ("cpu limit", "timeout after 4 s")  # the wall clock wins on a very busy machine
    assert "\n" not in res.reason


@pytest.mark.parametrize("mode", MODES)
def test_wall_clock_timeout_kills_a_sleeper(tmp_path: Path, mode: str) -> None:
    start = time.monotonic()
    res = run(tmp_path, "import time\nprint('start', flush=True)\ntime.sleep(60)\n", Limits(wall_seconds=1))
    assert time.monotonic() - start < 3
    assert res.timed_out and res.reason == "timeout after 1 s"
    assert res.stdout == "start\n"  # output before the kill is kept


@pytest.mark.parametrize("mode", MODES)
def test_closing_the_pipes_does_not_escape_the_clock(tmp_path: Path, mode: str) -> None:
    start = time.monotonic()
    res = run(tmp_path, "import os, time\nos.close(1)\nos.close(2)\ntime.sleep(60)\n", Limits(wall_seconds=1))
    assert time.monotonic() - start < 3
    assert res.timed_out


@pytest.mark.parametrize("mode", MODES)
def test_memory_bomb_bytearray(tmp_path: Path, mode: str) -> None:
    res = run(tmp_path, "x = bytearray(10**11)\n")
    assert res.reason == "memory limit"
    assert res.stderr.strip().splitlines()[-1] == "MemoryError"


@pytest.mark.parametrize("mode", MODES)
def test_memory_bomb_growing_list(tmp_path: Path, mode: str) -> None:
    res = run(tmp_path, "x = []\nwhile True:\n    x.append(bytearray(10**6))\n")
    assert res.reason == "memory limit"


@pytest.mark.parametrize("mode", MODES)
def test_fork_loop_is_contained_and_leaves_nothing_behind(tmp_path: Path, mode: str) -> None:
    if os.geteuid() == 0 and not fork_blocked(tmp_path):
        pytest.skip("as root without seccomp nothing would stop a fork bomb; not running one")
    res = run(
        tmp_path,
        """
        import os
        WHERE
        while True:
            os.fork()
    """.replace("WHERE", WHERE),
    )
    assert not res.ok
    # Killed processes of a PID namespace leave it a moment after its init dies (the kernel tears it
    # down asynchronously): nothing may still be there after a short grace.
    deadline = time.monotonic() + 2
    while live_in_group(res.stdout) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert live_in_group(res.stdout) == []
    if "fork=blocked" in res.isolation:
        assert "BlockingIOError" in res.stderr


@pytest.mark.parametrize("mode", MODES)
def test_children_are_killed_when_the_main_process_exits(tmp_path: Path, mode: str) -> None:
    """Without the seccomp filter, children still die with the process group."""
    start = time.monotonic()
    res = run(
        tmp_path,
        """
        import os, time
        for _ in range(5):
            if os.fork() == 0:
                time.sleep(60)
                os._exit(0)
        WHERE
    """.replace("WHERE", WHERE),
        Limits(wall_seconds=5, block_fork=False),
    )
    assert time.monotonic() - start < 4  # the children hold the pipes, yet we do not wait for them
    assert res.returncode == 0
    deadline = time.monotonic() + 2
    while live_in_group(res.stdout) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert live_in_group(res.stdout) == []


def test_threads_still_work(tmp_path: Path) -> None:
    res = run(
        tmp_path,
        """
        import threading
        out = []
        threads = [threading.Thread(target=out.append, args=(i,)) for i in range(4)]
        for t in threads: t.start()
        for t in threads: t.join()
        print(sorted(out))
    """,
    )
    assert res.ok and res.stdout == "[0, 1, 2, 3]\n"


@pytest.mark.parametrize("mode", MODES)
def test_subprocess_is_refused_when_fork_is_blocked(tmp_path: Path, mode: str) -> None:
    if not fork_blocked(tmp_path):
        pytest.skip("seccomp filter not available here")
    res = run(tmp_path, "import subprocess\nsubprocess.run(['true'])\n")
    assert res.returncode == 1 and "BlockingIOError" in res.stderr


@pytest.mark.parametrize("mode", MODES)
def test_print_flood_is_cut_and_parent_memory_is_fine(tmp_path: Path, mode: str) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    limits = Limits(wall_seconds=10, cpu_seconds=5, memory_bytes=512 << 20)
    res = run(tmp_path, "import sys\nsys.stdout.write('x' * 100_000_000)\n", limits)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert res.reason == "output limit"
    assert res.stdout.startswith("x" * limits.max_output)
    assert len(res.stdout) < limits.max_output + 100
    assert "more bytes not shown" in res.stdout
    assert (after - before) * 1024 < 64 << 20  # ru_maxrss is in KiB on Linux


def test_endless_printing_is_stopped(tmp_path: Path) -> None:
    res = run(tmp_path, "while True:\n    print('spam' * 100)\n")
    assert res.reason == "output limit"


@pytest.mark.parametrize("mode", MODES)
def test_exception_is_reported(tmp_path: Path, mode: str) -> None:
    res = run(tmp_path, "raise ValueError('boom')\n")
    assert res.returncode == 1 and res.reason == ""
    assert res.stderr.strip().splitlines()[-1] == "ValueError: boom"


@pytest.mark.parametrize("mode", MODES)
def test_crash_is_reported_with_the_signal(tmp_path: Path, mode: str) -> None:
    res = run(tmp_path, "import ctypes\nctypes.string_at(0)\n")
    assert res.reason == "killed by signal 11 (SIGSEGV)"


@pytest.mark.parametrize("mode", MODES)
def test_file_size_limit(tmp_path: Path, mode: str) -> None:
    res = run(
        tmp_path, "open('big', 'wb').write(b'x' * (8 << 20))\n", Limits(wall_seconds=4, file_bytes=1 << 20)
    )
    assert res.reason == "file size limit"
    assert (tmp_path / "big").stat().st_size <= 1 << 20


@pytest.mark.parametrize("mode", MODES)
def test_network_is_unreachable_when_isolated(tmp_path: Path, mode: str) -> None:
    res = run(
        tmp_path,
        """
        import socket
        try:
            socket.create_connection(("192.0.2.1", 80), timeout=2)
        except OSError as exc:
            print(type(exc).__name__, exc.errno)
    """,
    )
    if "network=none" not in res.isolation:
        pytest.skip(f"no network namespace here ({res.isolation})")
    if "no-tcp" in res.isolation:  # the fallback's Landlock refuses the connection before routing
        assert res.stdout.strip() == "PermissionError 13"
    else:
        assert res.stdout.strip() == "OSError 101"  # ENETUNREACH: not even a route


def test_numpy_works_under_the_default_limits(tmp_path: Path) -> None:
    res = run(
        tmp_path,
        "import numpy as np\nprint(int((np.ones((200, 200)) @ np.ones((200, 200))).sum()))\n",
        Limits(wall_seconds=10),
    )
    assert res.ok and res.stdout == "8000000\n"


def test_extra_files_are_written(tmp_path: Path) -> None:
    res = run(
        tmp_path,
        "print(open('sub/a.txt').read(), open('b.bin', 'rb').read())\n",
        extra_files={"sub/a.txt": "hi", "b.bin": b"\x00\x01"},
    )
    assert res.stdout == "hi b'\\x00\\x01'\n"


@pytest.mark.parametrize("name", ["../escape.py", "/etc/passwd", ""])
def test_extra_files_must_stay_inside(tmp_path: Path, name: str) -> None:
    with pytest.raises(SandboxError):
        run(tmp_path, "pass", extra_files={name: "x"})


def test_missing_script_or_workdir(tmp_path: Path) -> None:
    with pytest.raises(SandboxError):
        run_python(tmp_path / "nope.py", workdir=tmp_path)
    script = tmp_path / "s.py"
    script.write_text("pass")
    with pytest.raises(SandboxError):
        run_python(script, workdir=tmp_path / "missing")


def test_bad_interpreter_is_a_sandbox_error(tmp_path: Path) -> None:
    script = tmp_path / "s.py"
    script.write_text("pass")
    with pytest.raises(SandboxError, match="could not start"):
        run_python(script, workdir=tmp_path, python=str(tmp_path / "no-python"))


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError):
        Limits(wall_seconds=0)


@pytest.mark.skipif(os.geteuid() != 0, reason="dropping privileges needs root")
def test_runs_as_nobody_when_root_and_possible() -> None:
    system_python = shutil.which("python3", path="/usr/bin:/bin")
    if system_python is None:
        pytest.skip("no system python3 that user nobody could run")
    # pytest's tmp_path lives in a 0700 directory: use a world-traversable one
    with tempfile.TemporaryDirectory(prefix="srs-nobody-test-") as tmp:
        workdir = Path(tmp)
        workdir.chmod(0o755)
        script = workdir / "s.py"
        script.write_text(
            "import os\nprint(os.getuid())\nopen('mine.txt', 'w').write('ok')\n"
            "try:\n    open('/root/srs-sandbox-test', 'w')\nexcept OSError as e:\n    print(e.errno)\n"
        )
        script.chmod(0o644)
        if not sandbox._nobody_can_run(system_python, str(script)):
            pytest.skip("user nobody cannot run the system python here")
        limits = dataclasses.replace(SMALL, confinement="limits")  # the fallback's own switch to nobody
        res = run_python(script, workdir=workdir, limits=limits, python=system_python)
        assert "user=nobody" in res.isolation
        assert res.stdout.split() == [str(sandbox.NOBODY_UID), "13"]  # EACCES outside the workdir
        assert (workdir / "mine.txt").read_text() == "ok"
        assert not Path("/root/srs-sandbox-test").exists()


def test_stays_root_when_nobody_cannot_run_the_interpreter(tmp_path: Path) -> None:
    res = run(tmp_path, "import os\nprint(os.geteuid())\n")
    if os.geteuid() != 0:
        assert "user=self" in res.isolation
    elif "user=nobody" in res.isolation:
        assert res.stdout == f"{sandbox.NOBODY_UID}\n"
    else:
        assert res.stdout == "0\n" and "user=root" in res.isolation


needs_bwrap = pytest.mark.skipif(not sandbox.bwrap_works(), reason="bubblewrap does not work here")


@needs_bwrap
def test_bwrap_confines_files_processes_and_user(tmp_path: Path) -> None:
    res = run(
        tmp_path,
        """
        import os
        print(os.getuid(), sorted(p for p in os.listdir("/proc") if p.isdigit()))
        for path in ("/root/srs-sandbox-test", "/etc/srs-sandbox-test", os.path.expanduser("~/../x")):
            try:
                open(path, "w")
            except OSError as e:
                print(e.errno)
        open("mine.txt", "w").write("ok")
        print(sorted(os.listdir("/tmp")))
    """,
    )
    assert res.ok, res.stderr
    assert "sandbox=bwrap" in res.isolation and "fork=blocked" in res.isolation
    uid_line, *errnos, tmp_line = res.stdout.splitlines()
    expected_uid = sandbox.NOBODY_UID if os.geteuid() == 0 else os.geteuid()
    assert uid_line.split(" ", 1) == [str(expected_uid), "['1', '2']"]  # bwrap's init and us: nothing else
    assert errnos == ["30", "30", "30"]  # EROFS: the whole file system is read-only
    assert (tmp_path / "mine.txt").read_text() == "ok"
    assert not Path("/etc/srs-sandbox-test").exists()
    # the host's /tmp is covered: only the paths down to the work folder and to the interpreter's own
    # folders (a virtual environment may live under /tmp, as in a fresh clone there) are there
    shown = [tmp_path, *sandbox._interpreter_paths(sys.executable)]
    tops = {Path(p).resolve() for p in shown}
    expected = sorted(
        {p.relative_to("/tmp").parts[0] for p in tops if p.is_relative_to("/tmp") and p != Path("/tmp")}
    )
    assert tmp_line == str(expected)


@needs_bwrap
def test_bwrap_hides_given_folders(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "answer.txt").write_text("42")
    work = tmp_path / "work"
    work.mkdir()
    script = work / "s.py"
    script.write_text(f"import os\nprint(os.listdir({str(secret)!r}))\n")
    res = run_python(script, workdir=work, limits=SMALL, hide=[secret])
    assert res.ok and res.stdout == "[]\n"


def test_unknown_confinement_is_refused() -> None:
    with pytest.raises(ValueError, match="confinement"):
        Limits(confinement="chroot")


# --------------------------------------------------------------------------- every system call ABI

# Learner code that tries to create a process through each ABI the x86-64 kernel offers: the native
# fork, the i386 fork (2) and clone (120) through `int 0x80` from a small executable buffer, and the
# x32 fork (57 | 0x40000000) through syscall(). A child that is created writes a file and leaves.
ABI_FORKS = """
import ctypes, mmap, os
libc = ctypes.CDLL(None, use_errno=True)
made = []

def child(name):
    open("child-" + name, "w").close()
    os._exit(0)

def int80(nr, ebx=0, ecx=0):
    code = (b"\\x53\\xb8" + nr.to_bytes(4, "little") + b"\\xbb" + ebx.to_bytes(4, "little")
            + b"\\xb9" + ecx.to_bytes(4, "little") + b"\\xcd\\x80\\x5b\\xc3")  # push rbx; int 0x80; pop rbx
    buf = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    buf.write(code)
    return ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(buf)))()

results = {}
try:
    pid = os.fork()
except OSError as exc:
    pid = -exc.errno
if pid == 0:
    child("native")
results["native"] = pid
for name, nr, flags in (("i386-fork", 2, 0), ("i386-clone", 120, 17)):  # 17: SIGCHLD, no CLONE_THREAD
    pid = int80(nr, flags)
    if pid == 0:
        child(name)
    results[name] = pid
pid = libc.syscall(57 | 0x40000000)
if pid == 0:
    child("x32")
results["x32"] = pid if pid != -1 else -ctypes.get_errno()
results["i386-getpid"] = int80(20) == os.getpid()
print(results)
"""


def i386_works_here() -> bool:
    """True if this kernel runs i386 system calls (`int 0x80`) of a 64-bit process at all."""
    if platform.machine() != "x86_64":
        return False
    scope: dict[str, object] = {}
    exec(ABI_FORKS.split("results = {}")[0], scope)  # noqa: S102 - the helpers above, run here
    return scope["int80"](20) == os.getpid()  # type: ignore[operator]


@pytest.mark.parametrize("mode", MODES)
def test_no_system_call_abi_can_create_a_process(tmp_path: Path, mode: str) -> None:
    if platform.machine() != "x86_64":
        pytest.skip("the i386 and x32 ABIs exist on x86-64 only")
    if not fork_blocked(tmp_path):
        pytest.skip("seccomp filter not available here")
    res = run(tmp_path, ABI_FORKS)
    assert res.ok, res.stderr
    results = eval(res.stdout)  # noqa: S307 - a dict literal printed by the script above
    assert sorted(p.name for p in tmp_path.glob("child-*")) == []
    for abi in ("native", "i386-fork", "i386-clone", "x32"):
        assert results[abi] < 0, (abi, results)  # an errno, never a child's pid
    assert results["native"] == -errno.EAGAIN
    # every i386 system call is refused, not only the process-creating ones
    assert results["i386-getpid"] is False
    assert results["i386-fork"] == results["i386-clone"] == -errno.ENOSYS


def test_the_i386_attempt_is_real_outside_the_sandbox() -> None:
    """The same `int 0x80` code reaches the kernel here (so the test above is not vacuous)."""
    if platform.machine() != "x86_64":
        pytest.skip("the i386 ABI exists on x86-64 only")
    if not i386_works_here():
        pytest.skip("this kernel runs no i386 system calls (ia32 emulation off)")
    assert i386_works_here()


@pytest.mark.parametrize("mode", MODES)
def test_a_thread_bomb_is_bounded(mode: str) -> None:
    """With fork refused, threads are what is left: their number is bounded too, also as root."""
    # pytest's tmp_path lives in a 0700 directory: as root the sandbox switches to user nobody, who
    # must be able to read the script, as it can read srs's own
    with tempfile.TemporaryDirectory(prefix="srs-threads-test-") as tmp:
        workdir = Path(tmp)
        workdir.chmod(0o755)
        res = run(
            workdir,
            """
            import threading
            threading.stack_size(64 * 1024)  # small stacks: the address-space limit is not what stops it
            stop = threading.Event()
            made = 0
            try:
                while made < 2000:
                    threading.Thread(target=stop.wait, daemon=True).start()
                    made += 1
            except RuntimeError:
                pass
            print(made, flush=True)
            stop.set()
            """,
            dataclasses.replace(SMALL, processes=16),
        )
    assert "processes<=16(" in res.isolation, res.isolation  # (cgroup) as root, else (rlimit)
    made = int(res.stdout)
    assert 0 < made <= 16, made


@pytest.mark.parametrize("mode", ["limits"])
def test_the_fallback_allows_changes_only_in_the_work_folder_and_no_signals_out(
    tmp_path: Path, mode: str
) -> None:
    outside = Path(tempfile.gettempdir()) / f"srs-landlock-{os.getpid()}-{time.monotonic_ns()}"
    res = run(
        tmp_path,
        f"""
        import os, signal
        open("mine.txt", "w").write("ok")
        for action in (lambda: open({str(outside)!r}, "w"), lambda: os.kill(os.getppid(), signal.SIGCONT)):
            try:
                action()
                print("done")
            except OSError as exc:
                print(exc.errno)
        """,
    )
    probe = sandbox._landlock_ruleset(tmp_path)
    if probe is None:
        pytest.skip("this kernel has no Landlock")
    os.close(probe[0])
    assert "files=write-workdir-only(landlock" in res.isolation, res.isolation
    assert res.ok, res.stderr
    assert (tmp_path / "mine.txt").read_text() == "ok"
    assert not outside.exists()
    lines = res.stdout.split()
    assert lines[0] == "13"  # EACCES: no file outside the work folder
    if "no-signals-out" in res.isolation:
        assert lines[1] == "1"  # EPERM: no signal to a process outside the sandbox


def test_undumpable_blocks_overlap_and_restore_the_state() -> None:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    before = libc.prctl(3, 0, 0, 0, 0)  # PR_GET_DUMPABLE
    outer = sandbox.undumpable()
    outer.__enter__()
    with sandbox.undumpable():
        assert libc.prctl(3, 0, 0, 0, 0) == 0
    assert libc.prctl(3, 0, 0, 0, 0) == 0  # the outer block (another grading) is still running
    outer.__exit__(None, None, None)
    assert libc.prctl(3, 0, 0, 0, 0) == before


@needs_bwrap
@pytest.mark.skipif(os.geteuid() != 0, reason="starting bubblewrap as nobody is what root does")
def test_root_starts_bwrap_as_nobody_when_nobody_can_run_the_interpreter() -> None:
    """Then the sandbox is user nobody outside too (not root mapped to nobody inside)."""
    system_python = shutil.which("python3", path="/usr/bin:/bin")
    if system_python is None:
        pytest.skip("no system python3 that user nobody could run")
    with tempfile.TemporaryDirectory(prefix="srs-nobody-bwrap-") as tmp:
        workdir = Path(tmp)
        workdir.chmod(0o755)
        script = workdir / "s.py"
        script.write_text("import os\nprint(os.getuid())\nopen('mine.txt', 'w').write('ok')\n")
        script.chmod(0o644)
        if not sandbox._nobody_can_run(system_python, str(script)):
            pytest.skip("user nobody cannot run the system python here")
        res = run_python(script, workdir=workdir, limits=SMALL, python=system_python)
        assert res.ok, res.stderr
        assert "sandbox=bwrap" in res.isolation and "processes<=" in res.isolation
        assert res.stdout == f"{sandbox.NOBODY_UID}\n"
        assert (workdir / "mine.txt").stat().st_uid == sandbox.NOBODY_UID  # nobody outside as well


def test_remove_tree_never_follows_a_link(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("mine")
    (outside / "keep.txt").chmod(0o400)
    outside_mode = outside.stat().st_mode
    work = tmp_path / "work"
    (work / "deep" / "locked").mkdir(parents=True)
    (work / "deep" / "locked" / "to-dir").symlink_to(outside)
    (work / "deep" / "locked" / "to-file").symlink_to(outside / "keep.txt")
    (work / "deep" / "locked").chmod(0o500)
    (work / "to-dir").symlink_to(outside, target_is_directory=True)
    sandbox.remove_tree(work)
    assert not work.exists()
    assert (outside / "keep.txt").read_text() == "mine"
    assert (outside / "keep.txt").stat().st_mode & 0o777 == 0o400
    assert outside.stat().st_mode == outside_mode
    link_root = tmp_path / "link-root"
    link_root.symlink_to(outside, target_is_directory=True)
    with pytest.raises(OSError):
        sandbox.remove_tree(link_root)  # a link given as the folder itself is refused, not followed
    assert (outside / "keep.txt").exists()


def test_remove_tree_handles_any_depth_and_locked_folders(tmp_path: Path) -> None:
    """Learner code can nest folders far deeper than the recursion limit, or lock them."""
    work = tmp_path / "work"
    work.mkdir()
    fd = os.open(work, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(sys.getrecursionlimit() + 500):  # deeper than PATH_MAX as a path, too
            os.mkdir("d", dir_fd=fd)
            Path(f"/proc/self/fd/{fd}/f").write_text("x")
            sub = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = sub
        os.mkdir("locked", dir_fd=fd)
        Path(f"/proc/self/fd/{fd}/locked/f").write_text("x")
        os.chmod(f"/proc/self/fd/{fd}/locked", 0)
    finally:
        os.close(fd)
    sandbox.remove_tree(work)
    assert not work.exists()
