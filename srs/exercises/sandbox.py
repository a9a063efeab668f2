"""Run untrusted Python (a learner's exercise code) in a separate, limited process.

The sandbox is meant to contain *accidents* in code the learner wrote on their own machine:
an infinite loop, a runaway allocation, a fork loop, a print flood, a crash. It is not a
security boundary against deliberately hostile code (see "What this does not protect
against" below).

What a run gets
---------------
* A fresh ``python -I -B -u`` process (``sys.executable`` unless told otherwise): isolated
  mode, so no ``PYTHON*`` variables, no user site-packages and no script directory on
  ``sys.path``.
* A scrubbed environment: a minimal ``PATH``, ``LANG``/``LC_ALL=C.UTF-8``, one BLAS/OpenMP
  thread, and ``HOME``/``TMPDIR`` pointing at the working directory.
* Its own session and process group (``start_new_session=True``). When the wall-clock time
  is up, when the output floods, and always after the main process has exited, the whole
  group is killed with ``SIGKILL``, so nothing it started is left behind.
* Resource limits set in the child before ``exec``: ``RLIMIT_CPU`` (soft; the hard limit is
  one second later), ``RLIMIT_AS`` (address space), ``RLIMIT_FSIZE`` (largest file it may
  write), ``RLIMIT_NOFILE``, ``RLIMIT_CORE=0`` and ``RLIMIT_NPROC``.
* On Linux x86-64 and AArch64, a seccomp filter that makes process creation fail with
  ``EAGAIN`` (``fork``, ``vfork``, ``clone`` without ``CLONE_THREAD``; ``clone3`` reports
  ``ENOSYS`` so that the C library falls back to ``clone``). Threads still work. This is
  what contains a fork loop when running as root, where ``RLIMIT_NPROC`` is not enforced
  by the kernel.
* No network where a new network namespace can be created: ``unshare(CLONE_NEWNET)`` as
  root, or ``unshare(CLONE_NEWUSER | CLONE_NEWNET)`` as an ordinary user where user
  namespaces are allowed. Silently skipped otherwise; :attr:`SandboxResult.isolation`
  says what was in effect.
* When running as root, the child switches to the ``nobody`` user (65534) if that user
  can run the interpreter and read the script (probed once); the working directory and the
  files written into it are handed to that user.
* Standard output and error are read concurrently in chunks; the first ``max_output``
  bytes of each are kept, and a process that writes more than ``flood_bytes`` is killed.

What this does not protect against
----------------------------------
* Deliberately hostile code: the learner's code runs with the user's own permissions
  (unless it could be switched to ``nobody``), can read and write any file that user can,
  can start processes in a new session outside the process group where the seccomp filter
  is not available, and can tamper with the checker that runs in the same process.
* Other operating systems than Linux get only the resource limits that they support and
  the process-group kill; ``RLIMIT_AS`` is not enforced on macOS.
* Memory that is not address space (for example, page cache) and disk usage outside the
  file-size limit are not limited.

``run_python`` uses ``preexec_fn``; call it from one thread at a time.
"""

from __future__ import annotations

import contextlib
import functools
import os
import platform
import resource
import selectors
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from srs.errors import SandboxError

__all__ = ["Limits", "SandboxResult", "run_python", "NOBODY_UID"]

NOBODY_UID = 65534
_MIB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Resource limits for one sandboxed run.

    ``processes`` is how many more processes/threads the sandboxed user may create
    (added to the number it already has, since ``RLIMIT_NPROC`` counts all of them);
    ``open_files`` caps file descriptors. ``isolate_network``, ``block_fork`` and
    ``drop_privileges`` switch the optional protections off when ``False``.
    """

    wall_seconds: float = 20.0
    cpu_seconds: int = 20
    memory_bytes: int = 1 << 30
    file_bytes: int = 16 * _MIB
    max_output: int = 64 * 1024
    flood_bytes: int = 1 * _MIB
    processes: int = 32
    open_files: int = 256
    isolate_network: bool = True
    block_fork: bool = True
    drop_privileges: bool = True

    def __post_init__(self) -> None:
        for name in (
            "wall_seconds",
            "cpu_seconds",
            "memory_bytes",
            "file_bytes",
            "max_output",
            "flood_bytes",
            "processes",
            "open_files",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"Limits.{name} must be positive")


@dataclass(frozen=True)
class SandboxResult:
    """What happened to one sandboxed run.

    ``returncode`` is ``None`` only if the process could not be reaped. ``stdout`` and
    ``stderr`` hold at most ``Limits.max_output`` bytes each (decoded as UTF-8) plus a
    truncation note. ``reason`` is ``""`` when the process ended by itself without hitting
    a limit, else one line such as ``"timeout after 5 s"``, ``"cpu limit"``,
    ``"memory limit"``, ``"output limit"``, ``"file size limit"`` or
    ``"killed by signal 11 (SIGSEGV)"``. ``isolation`` lists the protections that were in
    effect, e.g. ``"network=none(netns) fork=blocked(seccomp) user=root"``.
    """

    returncode: int | None
    stdout: str
    stderr: str
    timed_out: bool
    reason: str
    isolation: str = ""

    @property
    def ok(self) -> bool:
        """True if the process exited with status 0 and hit no limit."""
        return self.returncode == 0 and not self.reason


# --------------------------------------------------------------------------- seccomp

_BPF_LD_W_ABS = 0x00 | 0x00 | 0x20
_BPF_JEQ_K = 0x05 | 0x10 | 0x00
_BPF_JGE_K = 0x05 | 0x30 | 0x00
_BPF_JSET_K = 0x05 | 0x40 | 0x00
_BPF_RET_K = 0x06 | 0x00
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_EAGAIN = 11
_ENOSYS = 38
_CLONE_THREAD = 0x00010000
_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2

# arch -> (AUDIT_ARCH value, process-creating syscalls without flags, clone, clone3)
_ARCHES: dict[str, tuple[int, tuple[int, ...], int, int]] = {
    "x86_64": (0xC000003E, (57, 58), 56, 435),  # fork, vfork; clone; clone3
    "aarch64": (0xC00000B7, (), 220, 435),
}


def _stmt(code: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, 0, 0, k)


def _jump(code: int, k: int, jt: int, jf: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def _seccomp_program() -> bytes | None:
    """A classic-BPF seccomp filter that refuses to create processes, or None if unsupported."""
    if sys.platform != "linux" or sys.byteorder != "little":
        return None
    arch = _ARCHES.get(platform.machine())
    if arch is None:
        return None
    audit_arch, plain, clone, clone3 = arch
    deny = _SECCOMP_RET_ERRNO | _EAGAIN
    prog: list[bytes] = [
        _stmt(_BPF_LD_W_ABS, 4),  # seccomp_data.arch
        _jump(_BPF_JEQ_K, audit_arch, 1, 0),
        _stmt(_BPF_RET_K, _SECCOMP_RET_ALLOW),  # another ABI (e.g. 32-bit): leave alone
        _stmt(_BPF_LD_W_ABS, 0),  # seccomp_data.nr
    ]
    if audit_arch == 0xC000003E:  # x32 system calls share the arch value: refuse them all
        prog += [_jump(_BPF_JGE_K, 0x40000000, 0, 1), _stmt(_BPF_RET_K, _SECCOMP_RET_ERRNO | _ENOSYS)]
    for nr in plain:
        prog += [_jump(_BPF_JEQ_K, nr, 0, 1), _stmt(_BPF_RET_K, deny)]
    prog += [
        _jump(_BPF_JEQ_K, clone3, 0, 1),
        _stmt(_BPF_RET_K, _SECCOMP_RET_ERRNO | _ENOSYS),  # glibc then falls back to clone
        _jump(_BPF_JEQ_K, clone, 1, 0),
        _stmt(_BPF_RET_K, _SECCOMP_RET_ALLOW),
        _stmt(_BPF_LD_W_ABS, 16),  # low 32 bits of args[0] = clone flags
        _jump(_BPF_JSET_K, _CLONE_THREAD, 0, 1),
        _stmt(_BPF_RET_K, _SECCOMP_RET_ALLOW),  # a thread
        _stmt(_BPF_RET_K, deny),  # a process
    ]
    return b"".join(prog)


# --------------------------------------------------------------------------- helpers


def _count_tasks(uid: int) -> int | None:
    """Number of tasks (processes and threads) whose real uid is ``uid``; None if unknown."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    total = 0
    for entry in os.scandir(proc):
        if not entry.name.isdigit():
            continue
        try:
            text = Path(entry.path, "status").read_text()
        except OSError:
            continue
        real_uid = threads = None
        for line in text.splitlines():
            if line.startswith("Uid:"):
                real_uid = int(line.split()[1])
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
        if real_uid == uid:
            total += threads or 1
    return total


@functools.lru_cache(maxsize=8)
def _nobody_can_run(python: str, script: str) -> bool:
    """True if user ``nobody`` can start ``python`` and read ``script`` (probed once)."""
    if sys.platform != "linux":
        return False
    try:
        probe = subprocess.run(
            [python, "-I", "-S", "-c", "import sys; open(sys.argv[1], 'rb').close()", script],
            user=NOBODY_UID,
            group=NOBODY_UID,
            extra_groups=[],
            cwd="/",
            env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return probe.returncode == 0


def _scrubbed_env(workdir: Path) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": str(workdir),
        "TMPDIR": str(workdir),
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "NUMEXPR_NUM_THREADS": "1",
        "VECLIB_MAXIMUM_THREADS": "1",
        "MPLBACKEND": "Agg",
    }


def _write_extra_files(workdir: Path, extra_files: Mapping[str, str | bytes], owner: int | None) -> None:
    for name, content in extra_files.items():
        rel = PurePosixPath(name)
        if rel.is_absolute() or not rel.parts or ".." in rel.parts:
            raise SandboxError(
                f"extra file name must be a relative path inside the working directory: {name!r}"
            )
        target = workdir.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        target.write_bytes(data)
        if owner is not None:
            for path in [target, *target.parents]:
                if path == workdir or workdir not in path.parents:
                    break
                os.chown(path, owner, owner)


def _set_limit(which: int, soft: int, hard: int | None = None) -> bool:
    """Lower a resource limit (never above the current hard limit). True on success."""
    hard = soft if hard is None else hard
    try:
        _cur_soft, cur_hard = resource.getrlimit(which)
        if cur_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, cur_hard), min(hard, cur_hard)
        resource.setrlimit(which, (soft, hard))
    except (OSError, ValueError):
        return False
    return True


class _Preexec:
    """Applies limits and isolation in the child between fork and exec.

    Everything that allocates or imports is prepared in the parent; the child only makes
    system calls, then writes one line saying what is in effect to ``status_fd``.
    """

    def __init__(self, limits: Limits, status_fd: int, drop_to: int | None, nproc: int | None) -> None:
        self.limits = limits
        self.status_fd = status_fd
        self.drop_to = drop_to
        self.nproc = nproc
        self.libc: Any = None
        self.fprog: Any = None
        self._keep: Any = None
        program = _seccomp_program() if limits.block_fork else None
        wants_libc = program is not None or (limits.isolate_network and sys.platform == "linux")
        if wants_libc:
            import ctypes

            try:
                self.libc = ctypes.CDLL(None, use_errno=True)
            except OSError:
                self.libc = None
            if program is not None and self.libc is not None:

                class SockFprog(ctypes.Structure):
                    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

                buf = ctypes.create_string_buffer(program, len(program))
                self._keep = buf
                self.fprog = ctypes.pointer(SockFprog(len(program) // 8, ctypes.addressof(buf)))

    def __call__(self) -> None:
        lim = self.limits
        notes: list[str] = []
        _set_limit(resource.RLIMIT_CORE, 0)
        _set_limit(resource.RLIMIT_CPU, lim.cpu_seconds, lim.cpu_seconds + 1)
        if not _set_limit(resource.RLIMIT_AS, lim.memory_bytes):
            notes.append("memory=unlimited")
        _set_limit(resource.RLIMIT_FSIZE, lim.file_bytes)
        _set_limit(resource.RLIMIT_NOFILE, lim.open_files)
        if self.nproc is not None and _set_limit(resource.RLIMIT_NPROC, self.nproc):
            notes.append(f"nproc={self.nproc}")

        net = "open"
        if lim.isolate_network and self.libc is not None:
            if self.libc.unshare(_CLONE_NEWNET) == 0:
                net = "none(netns)"
            elif self.drop_to is None and self.libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0:
                net = "none(userns+netns)"
        notes.insert(0, f"network={net}")

        if self.drop_to is not None:
            os.setgroups([])
            os.setgid(self.drop_to)
            os.setuid(self.drop_to)
        notes.insert(
            1, f"user={'nobody' if self.drop_to is not None else ('root' if os.geteuid() == 0 else 'self')}"
        )

        fork = "allowed"
        if self.fprog is not None:
            no_new_privs = self.libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0
            if no_new_privs and self.libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, self.fprog, 0, 0) == 0:
                fork = "blocked(seccomp)"
        if fork == "allowed" and self.nproc is not None and os.geteuid() != 0:
            fork = "limited(rlimit)"
        notes.insert(1, f"fork={fork}")
        with contextlib.suppress(OSError):
            os.write(self.status_fd, " ".join(notes).encode())


class _Capture:
    """Keeps the first ``keep`` bytes of a stream and counts the rest."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.data = bytearray()
        self.total = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.keep - len(self.data)
        if room > 0:
            self.data += chunk[:room]

    def text(self) -> str:
        out = self.data.decode("utf-8", errors="replace")
        if self.total > len(self.data):
            out += f"\n[... {self.total - len(self.data)} more bytes not shown]"
        return out


def _killpg(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _exited(pid: int) -> bool:
    """True if the child has exited; does not reap it, so its process group stays valid."""
    waitid: Callable[..., Any] | None = getattr(os, "waitid", None)
    if waitid is None:  # cannot tell without reaping: assume it has, and block in wait4
        return True
    try:
        return waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _signal_name(sig: int) -> str:
    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _supervise(
    proc: subprocess.Popen[bytes], limits: Limits
) -> tuple[int | None, _Capture, _Capture, str, float]:
    """Read output, enforce the wall clock and the flood limit, kill the group, reap.

    Returns (returncode, stdout, stderr, kill reason or "", cpu seconds used).
    """
    assert proc.stdout is not None and proc.stderr is not None
    pgid = proc.pid  # start_new_session: the child leads its own group
    captures = {
        proc.stdout.fileno(): _Capture(limits.max_output),
        proc.stderr.fileno(): _Capture(limits.max_output),
    }
    kill_reason = ""
    deadline = time.monotonic() + limits.wall_seconds
    grace_end: float | None = None
    with selectors.DefaultSelector() as sel:
        for fd in captures:
            sel.register(fd, selectors.EVENT_READ)
        while sel.get_map():
            now = time.monotonic()
            if not kill_reason and now >= deadline:
                kill_reason = f"timeout after {limits.wall_seconds:g} s"
                _killpg(pgid)
                grace_end = now + 1.0
            if grace_end is None and _exited(proc.pid):
                _killpg(pgid)  # whatever it left running still holds our pipes
                grace_end = now + 1.0
            if grace_end is not None and now >= grace_end:
                break
            wait = min(0.1, max(0.0, (grace_end if grace_end is not None else deadline) - now))
            for key, _ in sel.select(timeout=wait):
                fd = int(key.fd)
                chunk = os.read(fd, 65536)
                if not chunk:
                    sel.unregister(fd)
                    continue
                cap = captures[fd]
                cap.add(chunk)
                if cap.total > limits.flood_bytes and not kill_reason:
                    kill_reason = "output limit"
                    _killpg(pgid)
                    grace_end = time.monotonic() + 1.0
    proc.stdout.close()
    proc.stderr.close()
    # The pipes can close before the process ends (it may close them itself): keep the clock.
    while not kill_reason and not _exited(proc.pid):
        if time.monotonic() >= deadline:
            kill_reason = f"timeout after {limits.wall_seconds:g} s"
            break
        time.sleep(0.02)
    _killpg(pgid)
    returncode: int | None
    cpu = 0.0
    try:
        _pid, status, usage = os.wait4(proc.pid, 0)
        returncode = os.waitstatus_to_exitcode(status)
        cpu = usage.ru_utime + usage.ru_stime
    except ChildProcessError:
        returncode = None
    proc.returncode = returncode
    out, err = captures.values()
    return returncode, out, err, kill_reason, cpu


def _reason(returncode: int | None, kill_reason: str, stderr: str, cpu: float, limits: Limits) -> str:
    if kill_reason:
        return kill_reason
    if returncode is None:
        return "lost track of the process"
    if returncode < 0:
        sig = -returncode
        if sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu >= limits.cpu_seconds - 0.5):
            return "cpu limit"
        if sig == getattr(signal, "SIGXFSZ", -1):
            return "file size limit"
        return f"killed by signal {sig} ({_signal_name(sig)})"
    last = _last_line(stderr)
    if returncode != 0 and "MemoryError" in last:
        return "memory limit"
    if returncode != 0 and "File too large" in last:
        return "file size limit"
    return ""


def run_python(
    script: Path,
    *,
    workdir: Path,
    limits: Limits = Limits(),  # noqa: B008 - frozen, so a shared default is safe
    extra_files: Mapping[str, str | bytes] = {},  # noqa: B006 - never mutated
    python: str | None = None,
) -> SandboxResult:
    """Run ``script`` with ``python -I -B -u`` in ``workdir`` under ``limits``.

    ``workdir`` must be an existing directory that the caller created for this run (and
    removes afterwards); it becomes the process's current directory, ``HOME`` and
    ``TMPDIR``. ``extra_files`` maps relative paths to contents written there first.
    ``python`` overrides the interpreter (default: ``sys.executable``).

    Raises :class:`SandboxError` only if the process could not be started; everything the
    script does (including crashing or hitting a limit) is reported in the result.
    """
    script = Path(script).resolve()
    workdir = Path(workdir).resolve()
    interpreter = python or sys.executable
    if not script.is_file():
        raise SandboxError(f"sandbox script not found: {script}")
    if not workdir.is_dir():
        raise SandboxError(f"sandbox working directory does not exist: {workdir}")

    drop_to: int | None = None
    if (
        limits.drop_privileges
        and sys.platform == "linux"
        and os.geteuid() == 0
        and _nobody_can_run(interpreter, str(script))
    ):
        drop_to = NOBODY_UID
    if drop_to is not None:
        os.chown(workdir, drop_to, drop_to)
    _write_extra_files(workdir, extra_files, drop_to)

    run_uid = drop_to if drop_to is not None else os.getuid()
    nproc: int | None = None
    if run_uid != 0:
        existing = _count_tasks(run_uid)
        if existing is not None:
            nproc = existing + limits.processes

    status_r, status_w = os.pipe()
    try:
        preexec = _Preexec(limits, status_w, drop_to, nproc)
        try:
            proc = subprocess.Popen(
                [interpreter, "-I", "-B", "-u", str(script)],
                cwd=workdir,
                env=_scrubbed_env(workdir),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                close_fds=True,
                preexec_fn=preexec,  # not thread-safe: see the module docstring
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise SandboxError(f"could not start the sandboxed Python ({interpreter}): {exc}") from exc
        finally:
            os.close(status_w)
        with os.fdopen(status_r, "rb") as status:
            status_r = -1
            isolation = status.read(4096).decode("utf-8", errors="replace")
    finally:
        if status_r != -1:
            os.close(status_r)

    returncode, out, err, kill_reason, cpu = _supervise(proc, limits)
    stderr = err.text()
    return SandboxResult(
        returncode=returncode,
        stdout=out.text(),
        stderr=stderr,
        timed_out=kill_reason.startswith("timeout"),
        reason=_reason(returncode, kill_reason, stderr, cpu, limits),
        isolation=isolation,
    )
