"""Run untrusted Python (a learner's exercise code) in a separate, confined process.

Three confinements, chosen per run by :attr:`Limits.confinement`:

``bwrap`` (used by ``auto`` wherever bubblewrap works here; probed once per process)
    The process runs under ``bwrap`` with the whole file system mounted read-only, fresh
    ``/proc`` and ``/dev``, empty read-only folders over ``/home``, ``/root``, ``/tmp``,
    ``/var/tmp``, ``/run``, ``/mnt``, ``/media`` and ``/srv`` (or the folders they link to; the
    interpreter's own folders are mounted back read-only where they lie below one of them) and
    over any path in ``hide``, and its working directory as the only writable place. It has new
    user (uid ``nobody`` when started as root), PID, network, IPC, UTS and cgroup namespaces, no
    capabilities, may not create further user namespaces, is killed when its parent dies
    (``--die-with-parent``) and has its own session (``--new-session``, so it cannot push keys
    into the terminal). Inside, the seccomp filter and the resource limits below still apply.
``limits`` (the fallback, where bubblewrap cannot make its namespaces: decided by trying)
    Resource limits, the seccomp filter, a network namespace where ``unshare`` is allowed (else
    ``socket`` is refused by the filter), when running as root the ``nobody`` user if that user
    can run the interpreter, and where the kernel has Landlock a ruleset that allows changes to
    the file system only in the working directory (and, by its ABI, no TCP and no signals to
    processes outside). It does not hide files or other processes.
``none``
    Resource limits, its own session and death with the parent only: for trusted code.

Every run gets
--------------
* A fresh ``python -I -B -u`` process (``sys.executable`` unless told otherwise): isolated
  mode, so no ``PYTHON*`` variables, no user site-packages and no script directory on
  ``sys.path``.
* A scrubbed environment: a minimal ``PATH``, ``LANG``/``LC_ALL=C.UTF-8``, one BLAS/OpenMP
  thread, and ``HOME``/``TMPDIR`` pointing at the working directory.
* Its own session and process group (``run_python``), or its parent's group (``start`` with
  ``new_session=False``, so that killing the parent's group kills it too). When the wall-clock
  time is up, when the output floods, and always after the main process has exited, the whole
  group is killed with ``SIGKILL``, so nothing it started is left behind; if the caller is
  interrupted (Ctrl-C) the group is killed at once. ``PR_SET_PDEATHSIG`` kills it if its parent
  dies first.
* Resource limits set in the child before ``exec``: ``RLIMIT_CPU`` (soft; the hard limit is
  one second later), ``RLIMIT_AS`` (address space), ``RLIMIT_FSIZE`` (largest file it may
  write), ``RLIMIT_NOFILE``, ``RLIMIT_CORE=0`` and (not as root) ``RLIMIT_NPROC``.
* On Linux x86-64 and AArch64 (``bwrap`` and ``limits``), a seccomp filter that first refuses
  (``ENOSYS``) every system call of another ABI than the native one (the i386 ``int 0x80`` calls
  on x86-64) and every x32 call, then makes process creation fail with ``EAGAIN`` (``fork``,
  ``vfork``, ``clone`` without ``CLONE_THREAD``; ``clone3`` reports ``ENOSYS`` so that the C
  library falls back to ``clone``) and refuses ``ptrace``, ``process_vm_readv``/``writev``,
  ``pidfd_getfd`` and ``io_uring_setup``. Threads still work. See :func:`_seccomp_program`.
* A bound on its processes and threads (``Limits.processes``): as root, where ``RLIMIT_NPROC``
  is not enforced, a fresh cgroup of a writable ``pids`` hierarchy (v1 or v2) with ``pids.max``,
  through which the whole run is also killed at the end; otherwise ``RLIMIT_NPROC``.
* Standard output and error are read concurrently in chunks; the first ``max_output``
  bytes of each are kept, and a process that writes more than ``flood_bytes`` is killed.

:attr:`SandboxResult.isolation` says what was in effect, e.g.
``"sandbox=bwrap network=none(bwrap) fork=blocked(seccomp) user=nobody(userns) processes<=32(cgroup)"``.
That is what was set up; ``srs doctor`` (``_probes.py``) verifies it by trying.

What this does not protect against
----------------------------------
* Under ``bwrap``: reading files outside the hidden folders (system files, a database or deck
  folder kept elsewhere), using CPU, memory and disk up to the limits, and kernel bugs.
* Under the ``limits`` fallback: the code runs with the user's own permissions (unless it could
  be switched to ``nobody``), can read any file that user can and see that user's processes;
  without Landlock it can also write that user's files and signal that user's processes.
* Other operating systems than Linux get only the resource limits that they support and
  the process-group kill; ``RLIMIT_AS`` is not enforced on macOS.
* Memory that is not address space (for example, page cache) and disk usage outside the
  file-size limit are not limited.

``run_python`` and ``start`` use ``preexec_fn``; call them from one thread at a time.
"""

from __future__ import annotations

import contextlib
import functools
import os
import platform
import resource
import selectors
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from srs.errors import SandboxError

__all__ = [
    "CONFINEMENTS",
    "Limits",
    "NOBODY_UID",
    "Running",
    "SandboxResult",
    "adopt_bwrap_probe",
    "bwrap_description",
    "bwrap_probe",
    "bwrap_works",
    "confinement_in_effect",
    "make_undumpable",
    "remove_tree",
    "run_python",
    "start",
    "undumpable",
    "work_folder",
]

NOBODY_UID = 65534
_MIB = 1 << 20
CONFINEMENTS = ("auto", "bwrap", "limits", "none")
# Folders that may hold the user's files: covered by an empty read-only folder under bwrap.
HIDDEN_DIRS = ("/home", "/root", "/tmp", "/var/tmp", "/run", "/mnt", "/media", "/srv")
_GRACE = 1.0  # seconds to wait for the pipes after a kill or after the main process ended


@dataclass(frozen=True)
class Limits:
    """Resource limits and confinement for one sandboxed run.

    ``processes`` is how many more processes/threads the sandboxed user may create
    (added to the number it already has, since ``RLIMIT_NPROC`` counts all of them);
    ``open_files`` caps file descriptors. ``isolate_network``, ``block_fork`` and
    ``drop_privileges`` switch the optional protections off when ``False``.
    ``confinement`` is one of :data:`CONFINEMENTS` (see the module docstring): ``auto`` uses
    bubblewrap where it works and the ``limits`` fallback elsewhere; ``bwrap`` insists on it.
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
    confinement: str = "auto"

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
        if self.confinement not in CONFINEMENTS:
            raise ValueError(f"Limits.confinement must be one of {', '.join(CONFINEMENTS)}")


@dataclass(frozen=True)
class SandboxResult:
    """What happened to one sandboxed run.

    ``returncode`` is ``None`` only if the process could not be reaped. ``stdout`` and
    ``stderr`` hold at most ``Limits.max_output`` bytes each (decoded as UTF-8) plus a
    truncation note. ``reason`` is ``""`` when the process ended by itself without hitting
    a limit, else one line such as ``"timeout after 5 s"``, ``"cpu limit"``,
    ``"memory limit"``, ``"output limit"``, ``"file size limit"`` or
    ``"killed by signal 11 (SIGSEGV)"``. ``isolation`` lists the protections that were in
    effect, e.g. ``"sandbox=bwrap network=none(bwrap) fork=blocked(seccomp) user=nobody(userns)"``.
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
_PR_SET_PDEATHSIG = 1
_SECCOMP_MODE_FILTER = 2

_EPERM = 1
_EACCES = 13


@dataclass(frozen=True)
class _Arch:
    """System call numbers of one native ABI (``audit``: its AUDIT_ARCH value)."""

    audit: int
    plain_forks: tuple[int, ...]  # fork, vfork (no flags to look at)
    clone: int
    clone3: int
    refused: tuple[int, ...]  # ptrace, process_vm_readv/writev, pidfd_getfd: reach into other processes
    no_io_uring: int  # io_uring_setup: its requests are not seen by seccomp
    socket: int


_ARCHES: dict[str, _Arch] = {
    "x86_64": _Arch(0xC000003E, (57, 58), 56, 435, (101, 310, 311, 438), 425, 41),
    "aarch64": _Arch(0xC00000B7, (), 220, 435, (117, 270, 271, 438), 425, 198),
}


def _stmt(code: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, 0, 0, k)


def _jump(code: int, k: int, jt: int, jf: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def _seccomp_program(*, no_sockets: bool = False) -> bytes | None:
    """A classic-BPF seccomp filter that refuses to create processes, or None if unsupported.

    First the ABI: a system call of any other architecture than the native one (on x86-64 the
    i386 ``int 0x80`` calls) and every x32 call (numbers with bit 30 set) fail with ``ENOSYS``,
    whatever they are. Then, for the native ABI: ``fork``/``vfork`` and ``clone`` without
    ``CLONE_THREAD`` fail with ``EAGAIN``, ``clone3`` with ``ENOSYS`` (the C library then falls
    back to ``clone``), ``io_uring_setup`` with ``ENOSYS``, and ``ptrace``,
    ``process_vm_readv``/``writev`` and ``pidfd_getfd`` with ``EPERM``. With ``no_sockets``,
    ``socket`` fails with ``EACCES`` (the network where no namespace could be made).
    """
    if sys.platform != "linux" or sys.byteorder != "little":
        return None
    arch = _ARCHES.get(platform.machine())
    if arch is None:
        return None
    deny = _SECCOMP_RET_ERRNO | _EAGAIN
    enosys = _SECCOMP_RET_ERRNO | _ENOSYS
    prog: list[bytes] = [
        _stmt(_BPF_LD_W_ABS, 4),  # seccomp_data.arch
        _jump(_BPF_JEQ_K, arch.audit, 1, 0),
        _stmt(_BPF_RET_K, enosys),  # another ABI (i386 on x86-64): nothing of it runs
        _stmt(_BPF_LD_W_ABS, 0),  # seccomp_data.nr
    ]
    if arch.audit == 0xC000003E:  # x32 system calls share the arch value: refuse them all
        prog += [_jump(_BPF_JGE_K, 0x40000000, 0, 1), _stmt(_BPF_RET_K, enosys)]
    refusals = [(nr, deny) for nr in arch.plain_forks]
    refusals += [(arch.clone3, enosys), (arch.no_io_uring, enosys)]
    refusals += [(nr, _SECCOMP_RET_ERRNO | _EPERM) for nr in arch.refused]
    if no_sockets:
        refusals.append((arch.socket, _SECCOMP_RET_ERRNO | _EACCES))
    for nr, action in refusals:
        prog += [_jump(_BPF_JEQ_K, nr, 0, 1), _stmt(_BPF_RET_K, action)]
    prog += [
        _jump(_BPF_JEQ_K, arch.clone, 1, 0),
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


# --------------------------------------------------------------------------- Landlock (the fallback)

_LANDLOCK_CREATE, _LANDLOCK_ADD_RULE, _LANDLOCK_RESTRICT = 444, 445, 446  # same on x86-64 and AArch64
_LANDLOCK_WRITES = [  # (first ABI version, access rights): every way to change the file system
    (1, (1 << 1) | (0x7FF << 4)),  # WRITE_FILE, REMOVE_DIR/FILE, MAKE_CHAR/DIR/REG/SOCK/FIFO/BLOCK/SYM
    (2, 1 << 13),  # REFER
    (3, 1 << 14),  # TRUNCATE
    (5, 1 << 15),  # IOCTL_DEV
]
_LANDLOCK_FILE_WRITES = (1 << 1) | (1 << 14)  # the rights that apply to a single file (/dev/null)


def _landlock_ruleset(workdir: Path) -> tuple[int, str] | None:
    """A Landlock ruleset (an fd, and a note) that allows changes to the file system only below
    ``workdir`` (and writing ``/dev/null``), refuses TCP (ABI 4+), signals to and abstract Unix
    sockets of processes outside the sandbox (ABI 6+). Built here, applied in the child with
    ``landlock_restrict_self``. None where Landlock is not available."""
    if sys.platform != "linux" or platform.machine() not in _ARCHES:
        return None
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    abi = int(libc.syscall(_LANDLOCK_CREATE, None, 0, 1))  # LANDLOCK_CREATE_RULESET_VERSION
    if abi < 1:
        return None
    writes = 0
    for version, rights in _LANDLOCK_WRITES:
        if abi >= version:
            writes |= rights
    attr = struct.pack("=QQQ", writes, 3 if abi >= 4 else 0, 3 if abi >= 6 else 0)
    size = 24 if abi >= 6 else (16 if abi >= 4 else 8)
    buf = ctypes.create_string_buffer(attr[:size], size)
    fd = int(libc.syscall(_LANDLOCK_CREATE, buf, size, 0))
    if fd < 0:
        return None
    try:
        for path, rights in ((workdir, writes), (Path("/dev/null"), _LANDLOCK_FILE_WRITES & writes)):
            target = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                rule = ctypes.create_string_buffer(struct.pack("=Qi", rights, target), 12)
                if libc.syscall(_LANDLOCK_ADD_RULE, fd, 1, rule, 0) != 0:  # LANDLOCK_RULE_PATH_BENEATH
                    raise OSError(ctypes.get_errno(), "landlock_add_rule")
            finally:
                os.close(target)
    except OSError:
        os.close(fd)
        return None
    extra = "+no-tcp" if abi >= 4 else ""
    extra += "+no-signals-out" if abi >= 6 else ""
    return fd, f"files=write-workdir-only(landlock{extra})"


# --------------------------------------------------------------------------- work folders


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _open_dir_to_empty(dir_fd: int, name: str) -> int | None:
    """Remove the entry ``name`` of ``dir_fd`` if it is not a directory (None), else open it, never
    through a link, with the permissions needed to empty it (its descriptor)."""
    import stat

    try:
        os.unlink(name, dir_fd=dir_fd)
        return None
    except FileNotFoundError:
        return None
    except (IsADirectoryError, PermissionError):
        pass  # a directory (EISDIR on Linux, EPERM elsewhere)
    try:
        sub = os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
    except FileNotFoundError:
        return None
    except PermissionError:
        # no read permission: the mode changes through a descriptor of the directory itself
        # (O_PATH | O_NOFOLLOW opens a link as a link, which is then refused)
        probe = os.open(name, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
        try:
            if not stat.S_ISDIR(os.fstat(probe).st_mode):
                raise
            os.chmod(f"/proc/self/fd/{probe}", 0o700)
        finally:
            os.close(probe)
        sub = os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
    if os.fstat(sub).st_mode & 0o700 != 0o700:
        os.fchmod(sub, 0o700)  # the directory itself, through its descriptor: never a link
    return sub


def remove_tree(path: Path) -> None:
    """Remove the folder ``path`` and all in it without following symbolic links, and without ever
    changing the mode of anything but a directory opened with ``O_NOFOLLOW`` inside it.

    ``tempfile.TemporaryDirectory`` before Python 3.11.8 (CVE-2023-6597) chmods a file *through* a
    link planted inside the folder when a removal fails; learner code can plant such links. The
    walk is iterative and holds one directory open at a time, so no depth of nesting exhausts the
    stack or the descriptors; each directory is listed once.
    """
    try:
        fd = os.open(path, _DIR_FLAGS)
    except FileNotFoundError:
        return
    try:
        if os.fstat(fd).st_mode & 0o700 != 0o700:
            os.fchmod(fd, 0o700)
        stack: list[tuple[str | None, list[str]]] = [(None, os.listdir(fd))]  # (name in parent, left)
        while stack:
            here, left = stack[-1]
            if left:
                name = left.pop()
                sub = _open_dir_to_empty(fd, name)
                if sub is not None:
                    os.close(fd)
                    fd = sub
                    stack.append((name, os.listdir(fd)))
                continue
            stack.pop()
            if here is None:
                break
            parent = os.open("..", _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = parent
            os.rmdir(here, dir_fd=fd)
    finally:
        os.close(fd)
    os.rmdir(path)


_PR_SET_DUMPABLE = 4
_PR_GET_DUMPABLE = 3


def make_undumpable() -> bool:
    """Make this process non-dumpable (Linux): a process of the same user can then neither open
    its ``/proc/<pid>/fd`` (the ends of its pipes), nor read its memory or environment, nor trace
    it. True if that took effect."""
    if sys.platform != "linux":
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    return bool(libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) == 0)


_UNDUMPABLE = {"depth": 0, "before": 1}
_UNDUMPABLE_LOCK = threading.Lock()


@contextlib.contextmanager
def undumpable() -> Iterator[None]:
    """This process is non-dumpable (see :func:`make_undumpable`) inside the block, then as before
    (blocks may overlap, in threads: the last to leave restores it)."""
    if sys.platform != "linux":
        yield
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    with _UNDUMPABLE_LOCK:
        if _UNDUMPABLE["depth"] == 0:
            _UNDUMPABLE["before"] = int(libc.prctl(_PR_GET_DUMPABLE, 0, 0, 0, 0))
            libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
        _UNDUMPABLE["depth"] += 1
    try:
        yield
    finally:
        with _UNDUMPABLE_LOCK:
            _UNDUMPABLE["depth"] -= 1
            if _UNDUMPABLE["depth"] == 0 and _UNDUMPABLE["before"] in (1, 2):
                libc.prctl(_PR_SET_DUMPABLE, _UNDUMPABLE["before"], 0, 0, 0)


@contextlib.contextmanager
def work_folder(prefix: str) -> Iterator[Path]:
    """A fresh private temporary folder, removed with :func:`remove_tree` afterwards."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        remove_tree(path)


# --------------------------------------------------------------------------- bubblewrap


@dataclass(frozen=True)
class _Bwrap:
    """How bubblewrap can be used here (found by :func:`_bwrap`)."""

    path: str
    userns: bool  # a new user namespace works (uid mapping, --disable-userns)
    disable_userns: bool  # this bwrap knows --disable-userns


def _bwrap_binary() -> str | None:
    found = shutil.which("bwrap")
    if found:
        return found
    return next((p for p in ("/usr/bin/bwrap", "/bin/bwrap") if os.access(p, os.X_OK)), None)


def _under(path: str, folders: Sequence[str]) -> bool:
    return any(path == folder or path.startswith(folder.rstrip("/") + "/") for folder in folders)


def _interpreter_paths(python: str) -> list[str]:
    """Folders an interpreter needs to start and import numpy (without importing numpy here)."""
    paths = [python, os.path.dirname(os.path.abspath(python))]
    if os.path.realpath(python) == os.path.realpath(sys.executable):
        import importlib.util
        import site
        import sysconfig

        paths += [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
        paths += [sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")]
        with contextlib.suppress(AttributeError):
            paths += site.getsitepackages()
        with contextlib.suppress(ImportError, ValueError):
            spec = importlib.util.find_spec("numpy")
            if spec is not None and spec.origin:
                paths.append(str(Path(spec.origin).parent.parent))
    else:
        paths.append(str(Path(os.path.realpath(python)).parent.parent))
    return paths


def _rebinds(covered: Sequence[str], wanted: Sequence[str]) -> list[tuple[str, str]]:
    """(source, destination) read-only binds that bring ``wanted`` paths back from under ``covered``."""
    pairs: list[tuple[str, str]] = []
    for raw in wanted:
        literal = os.path.normpath(os.path.abspath(raw))
        real = os.path.realpath(literal)
        if not os.path.exists(real):
            continue
        for dest in dict.fromkeys((literal, real)):
            if _under(dest, covered):
                pairs.append((real if dest == literal else dest, dest))
    pairs.sort(key=lambda pair: len(pair[1]))
    kept: list[tuple[str, str]] = []
    for src, dest in pairs:
        if not any(_under(dest, [done]) for _, done in kept):
            kept.append((src, dest))
    return kept


def _bwrap_args(
    info: _Bwrap,
    *,
    workdir: Path | None,
    visible: Sequence[str] = (),
    hide: Sequence[Path] = (),
    isolate_network: bool = True,
    drop_privileges: bool = True,
    seccomp_fd: int | None = None,
    started_as_nobody: bool = False,
) -> list[str]:
    """The bwrap command line up to ``--`` (see the module docstring for what each part does).

    ``started_as_nobody``: root starts bwrap as the user ``nobody`` (whose uid it keeps inside).
    """
    covered: list[str] = []
    for folder in HIDDEN_DIRS:  # a symbolic link (/home -> /var/home) is hidden where it points
        real = os.path.realpath(folder)
        if os.path.isdir(real) and real != "/" and not _under(real, covered):
            covered = [c for c in covered if not _under(c, [real])] + [real]
    args = [info.path, "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev"]
    for folder in covered:
        args += ["--tmpfs", folder]
    for src, dest in _rebinds(covered, visible):
        args += ["--ro-bind", src, dest]
    hidden = [str(Path(p).resolve()) for p in hide if Path(p).is_dir()]
    for folder in hidden:
        args += ["--tmpfs", folder]
    if workdir is not None:
        args += ["--bind", str(workdir), str(workdir)]
    for folder in [*covered, *hidden, "/dev"]:
        args += ["--remount-ro", folder]
    args.append("--unshare-all")
    if not isolate_network:
        args.append("--share-net")
    if info.userns:
        args.append("--unshare-user")
        if drop_privileges and os.geteuid() == 0 and not started_as_nobody:
            args += ["--uid", str(NOBODY_UID), "--gid", str(NOBODY_UID)]
        if info.disable_userns:
            args.append("--disable-userns")
    args += ["--cap-drop", "ALL", "--die-with-parent", "--new-session"]
    args += ["--chdir", str(workdir) if workdir is not None else "/"]
    if seccomp_fd is not None:
        args += ["--seccomp", str(seccomp_fd)]
    args.append("--")
    return args


_PROBED: dict[str, _Bwrap | None] = {}


def _bwrap() -> _Bwrap | None:
    """Whether bubblewrap can confine a process here, and how: probed once per process."""
    if "bwrap" not in _PROBED:
        _PROBED["bwrap"] = _probe_bwrap()
    return _PROBED["bwrap"]


def bwrap_probe() -> dict[str, Any] | None:
    """What the probe found, as plain data for :func:`adopt_bwrap_probe` in a child process."""
    info = _bwrap()
    return (
        None
        if info is None
        else {"path": info.path, "userns": info.userns, "disable_userns": info.disable_userns}
    )


def adopt_bwrap_probe(found: Mapping[str, Any] | None) -> None:
    """Take the result of :func:`bwrap_probe` from the (trusted) parent instead of probing again."""
    if found is None:
        _PROBED["bwrap"] = None
        return
    path = str(found["path"])
    if not os.path.isfile(path):
        raise SandboxError(f"bubblewrap is not at {path}")
    _PROBED["bwrap"] = _Bwrap(path, bool(found["userns"]), bool(found["disable_userns"]))


def _probe_bwrap() -> _Bwrap | None:
    if sys.platform != "linux":
        return None
    path = _bwrap_binary()
    true = shutil.which("true", path="/usr/bin:/bin")
    if path is None or true is None:
        return None
    for userns, disable in ((True, True), (True, False), (False, False)):
        info = _Bwrap(path, userns, disable)
        try:
            probe = subprocess.run(
                [*_bwrap_args(info, workdir=None, visible=[true]), true],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=10,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            continue
        if probe.returncode == 0:
            return info
    return None


# --------------------------------------------------------------------------- process count (root)


def _pids_root() -> Path | None:
    """The folder of this process's cgroup in a writable ``pids`` hierarchy (v1 or v2), or None."""
    if sys.platform != "linux" or os.geteuid() != 0:
        return None
    try:
        mounts = Path("/proc/self/mountinfo").read_text().splitlines()
        groups = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in mounts:
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 3 or "rw" not in tail[2].split(","):
            continue
        point = Path(fields[4])
        if tail[0] == "cgroup" and "pids" in tail[2].split(","):
            member = next((g.split(":", 2)[2] for g in groups if "pids" in g.split(":")[1].split(",")), None)
        elif tail[0] == "cgroup2":
            try:
                if "pids" not in (point / "cgroup.controllers").read_text().split():
                    continue
            except OSError:
                continue
            member = next((g.split(":", 2)[2] for g in groups if g.startswith("0::")), None)
        else:
            continue
        if member is not None:
            return point / member.lstrip("/")
    return None


class _PidsCgroup:
    """A fresh cgroup whose ``pids.max`` bounds the number of tasks of a run (root only).

    ``RLIMIT_NPROC`` is not enforced for root, and bubblewrap started by root maps the sandbox's
    user to root outside: this is the bound that holds there. It is also how the whole run is
    killed at the end: every task listed in it, whatever session or process group it made.
    """

    def __init__(self, path: Path, limit: int) -> None:
        self.path = path
        self.limit = limit
        self.procs = str(path / "cgroup.procs").encode()

    @classmethod
    def make(cls, limit: int) -> _PidsCgroup | None:
        """Create one (verified: the limit reads back), or None where that is not possible."""
        base = _pids_root()
        if base is None:
            return None
        import secrets

        for stale in base.glob("srs-sandbox-*-*"):  # left by an srs that was killed: removed if empty
            owner = stale.name.split("-")[2]
            if owner.isdigit() and not Path("/proc", owner).exists():
                with contextlib.suppress(OSError):
                    for sub in sorted(stale.rglob("*"), key=lambda p: -len(p.parts)):
                        if sub.is_dir():
                            sub.rmdir()
                    stale.rmdir()
        path = base / f"srs-sandbox-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            path.mkdir(mode=0o700)
        except OSError:
            if (base / "cgroup.subtree_control").exists():  # v2: pids may need enabling below base
                with contextlib.suppress(OSError):
                    (base / "cgroup.subtree_control").write_text("+pids")
            try:
                path.mkdir(mode=0o700)
            except OSError:
                return None
        try:
            (path / "pids.max").write_text(str(limit))
            if (path / "pids.max").read_text().strip() != str(limit):
                raise OSError("pids.max did not take")
        except OSError:
            with contextlib.suppress(OSError):
                path.rmdir()
            return None
        return cls(path, limit)

    def join(self) -> bool:
        """Move the calling process into it (used between fork and exec: no allocation)."""
        try:
            fd = os.open(self.procs, os.O_WRONLY)
        except OSError:
            return False
        try:
            os.write(fd, b"0")
        except OSError:
            return False
        finally:
            os.close(fd)
        return True

    def tasks(self) -> list[int]:
        try:
            return [int(x) for x in (self.path / "cgroup.procs").read_text().split()]
        except (OSError, ValueError):
            return []

    def kill_all(self) -> None:
        """SIGKILL every process in it until it is empty (bounded: fork is limited inside)."""
        for _ in range(100):
            pids = self.tasks()
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)

    def remove(self) -> None:
        """Kill what is left and remove the cgroup, and any left below it (retried briefly while
        the dead leave them)."""
        self.kill_all()
        with contextlib.suppress(OSError):
            below = sorted((p for p in self.path.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts))
            for sub in below:
                _PidsCgroup(sub, 0).remove()
        for _ in range(200):
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                self.kill_all()
                time.sleep(0.01)


def _as_nobody() -> None:
    os.setgroups([])
    os.setgid(NOBODY_UID)
    os.setuid(NOBODY_UID)


@functools.lru_cache(maxsize=8)
def _nobody_can_bwrap(info: _Bwrap) -> bool:
    """True if root can start this bwrap as the user ``nobody`` (probed once, by trying)."""
    true = shutil.which("true", path="/usr/bin:/bin")
    if not info.userns or true is None or os.geteuid() != 0:
        return False
    try:
        probe = subprocess.run(
            [*_bwrap_args(info, workdir=None, visible=[true], started_as_nobody=True), true],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd="/",
            timeout=10,
            check=False,
            preexec_fn=_as_nobody,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return probe.returncode == 0


def bwrap_works() -> bool:
    """True if bubblewrap is installed and can confine a process here (probed once per process)."""
    return _bwrap() is not None


def bwrap_description() -> str:
    """``"<path> (bubblewrap 0.8.0)"`` for the bwrap found here, or ``""`` if there is none."""
    path = _bwrap_binary()
    if path is None:
        return ""
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return path
    version = out.stdout.strip()
    return f"{path} ({version})" if version else path


def confinement_in_effect(limits: Limits | None = None) -> str:
    """``"bwrap"``, ``"limits"`` or ``"none"``: what ``limits`` (default: :class:`Limits()`) gets here."""
    wanted = (limits or Limits()).confinement
    if wanted == "auto":
        return "bwrap" if bwrap_works() else "limits"
    if wanted == "bwrap" and not bwrap_works():
        raise SandboxError(
            "bubblewrap (bwrap) was asked for but does not work here; install the 'bubblewrap' package"
        )
    return wanted


def _bwrap_note(info: _Bwrap, limits: Limits, fork_blocked: bool) -> str:
    if not info.userns:
        user = "root(no capabilities)" if os.geteuid() == 0 else "self"
    elif limits.drop_privileges and os.geteuid() == 0:
        user = "nobody(userns)"
    else:
        user = "self(userns)"
    network = "none(bwrap)" if limits.isolate_network else "open"
    fork = "blocked(seccomp)" if fork_blocked else "allowed"
    return f"sandbox=bwrap network={network} fork={fork} user={user}"


# --------------------------------------------------------------------------- the child


class _Preexec:
    """Applies limits and isolation in the child between fork and exec.

    Everything that allocates or imports is prepared in the parent; the child only makes
    system calls, then writes one line saying what is in effect to ``status_fd``. Under
    ``bwrap`` only the resource limits and the parent-death signal are set here (bwrap
    itself, and the limits, are inherited by the confined process).
    """

    def __init__(
        self,
        limits: Limits,
        status_fd: int,
        drop_to: int | None,
        nproc: int | None,
        mode: str,
        cgroup: _PidsCgroup | None = None,
        landlock: tuple[int, str] | None = None,
    ) -> None:
        self.cgroup = cgroup
        self.landlock = landlock
        self.limits = limits
        self.status_fd = status_fd
        self.drop_to = drop_to
        self.nproc = nproc
        self.mode = mode
        self.parent = os.getpid()
        self.libc: Any = None
        self.fprogs: dict[bool, Any] = {}  # without / with sockets refused -> struct sock_fprog *
        self._keep: list[Any] = []
        if sys.platform == "linux":
            import ctypes

            try:
                self.libc = ctypes.CDLL(None, use_errno=True)
            except OSError:
                self.libc = None

            class SockFprog(ctypes.Structure):
                _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

            for no_sockets in (False, True):
                program = _seccomp_program(no_sockets=no_sockets) if mode == "limits" else None
                if program is None or self.libc is None or not limits.block_fork:
                    continue
                buf = ctypes.create_string_buffer(program, len(program))
                self._keep.append(buf)
                self.fprogs[no_sockets] = ctypes.pointer(SockFprog(len(program) // 8, ctypes.addressof(buf)))

    def __call__(self) -> None:
        lim = self.limits
        notes: list[str] = []
        _set_limit(resource.RLIMIT_CORE, 0)
        _set_limit(resource.RLIMIT_CPU, lim.cpu_seconds, lim.cpu_seconds + 1)
        if not _set_limit(resource.RLIMIT_AS, lim.memory_bytes):
            notes.append("memory=unlimited")
        _set_limit(resource.RLIMIT_FSIZE, lim.file_bytes)
        _set_limit(resource.RLIMIT_NOFILE, lim.open_files)
        if self.cgroup is not None and self.cgroup.join():
            notes.append(f"processes<={lim.processes}(cgroup)")
        elif self.nproc is not None and _set_limit(resource.RLIMIT_NPROC, self.nproc):
            notes.append(f"processes<={lim.processes}(rlimit)")

        if self.mode == "bwrap" and self.drop_to is not None:
            _as_nobody()  # bwrap then makes its namespaces as nobody, whose process count is limited
        if self.mode == "limits":
            net = "open"
            if lim.isolate_network and self.libc is not None:
                if self.libc.unshare(_CLONE_NEWNET) == 0:
                    net = "none(netns)"
                elif self.drop_to is None and self.libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0:
                    net = "none(userns+netns)"
            if self.drop_to is not None:
                _as_nobody()
            user = "nobody" if self.drop_to is not None else ("root" if os.geteuid() == 0 else "self")
            if self.landlock is not None and self.libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0:
                if self.libc.syscall(_LANDLOCK_RESTRICT, self.landlock[0], 0) == 0:
                    notes.append(self.landlock[1])
                with contextlib.suppress(OSError):
                    os.close(self.landlock[0])
            fork = "allowed"
            no_sockets = lim.isolate_network and net == "open"
            fprog = self.fprogs.get(no_sockets)  # none unless block_fork
            if fprog is not None:
                no_new_privs = self.libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0
                if no_new_privs and self.libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, fprog, 0, 0) == 0:
                    fork = "blocked(seccomp)"
                    net = "none(seccomp: no sockets)" if no_sockets else net
            if fork == "allowed" and self.nproc is not None and os.geteuid() != 0:
                fork = "limited(rlimit)"
            notes[:0] = ["sandbox=limits", f"network={net}", f"fork={fork}", f"user={user}"]
        elif self.mode == "none":
            notes[:0] = ["sandbox=none", f"user={'root' if os.geteuid() == 0 else 'self'}"]

        # Last, since a change of user clears it: die with the parent, even if it is SIGKILLed.
        if self.libc is not None:
            self.libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            if os.getppid() != self.parent:  # the parent died before the line above
                os._exit(1)
        with contextlib.suppress(OSError):
            os.write(self.status_fd, " ".join(notes).encode())


# --------------------------------------------------------------------------- supervision


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


class Running:
    """A started sandboxed process whose output is read, and whose limits are enforced, by :meth:`pump`.

    ``deadline`` is the monotonic time at which the wall-clock limit ends. Call :meth:`finish`
    (or :meth:`kill` then :meth:`finish`) exactly once to reap it.
    """

    def __init__(
        self,
        proc: subprocess.Popen[bytes],
        limits: Limits,
        isolation: str,
        *,
        own_group: bool,
        via_bwrap: bool,
        cgroup: _PidsCgroup | None = None,
    ) -> None:
        assert proc.stdout is not None and proc.stderr is not None
        self.cgroup = cgroup
        self.proc = proc
        self.limits = limits
        self.isolation = isolation
        self.own_group = own_group
        self.via_bwrap = via_bwrap
        self.kill_reason = ""
        self.deadline = time.monotonic() + limits.wall_seconds
        self._captures = {
            proc.stdout.fileno(): _Capture(limits.max_output),
            proc.stderr.fileno(): _Capture(limits.max_output),
        }
        self._open = set(self._captures)
        self._sel = selectors.DefaultSelector()
        for fd in self._captures:
            self._sel.register(fd, selectors.EVENT_READ)
        self._result: SandboxResult | None = None

    @property
    def pid(self) -> int:
        """Process id of the started process (bwrap's, under bubblewrap)."""
        return self.proc.pid

    def kill(self, reason: str = "") -> None:
        """Kill the process (its whole group if it has its own); ``reason`` is kept if it is the first."""
        if reason and not self.kill_reason:
            self.kill_reason = reason
        if self._result is not None:
            return
        if self.own_group:
            _killpg(self.proc.pid)
        else:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self.proc.pid, signal.SIGKILL)
        if self.cgroup is not None:  # whatever it started, in any session or group
            self.cgroup.kill_all()

    def exited(self) -> bool:
        """True once the main process has ended (it is not reaped until :meth:`finish`)."""
        return self._result is not None or _exited(self.proc.pid)

    def _timeout_reason(self) -> str:
        return f"timeout after {self.limits.wall_seconds:g} s"

    def pump(self, timeout: float, watch: Sequence[int] = (), write: Sequence[int] = ()) -> list[int]:
        """Wait up to ``timeout`` seconds for output (kept) or for one of the given descriptors.

        Enforces the wall clock and the output limit (killing the process). Returns those of
        ``watch`` that are ready to read and of ``write`` that are ready to write.
        """
        now = time.monotonic()
        if not self.kill_reason and now >= self.deadline:
            self.kill(self._timeout_reason())
        timeout = max(0.0, min(timeout, self.deadline - now)) if not self.kill_reason else min(timeout, 0.1)
        extra = [(fd, selectors.EVENT_READ) for fd in watch] + [(fd, selectors.EVENT_WRITE) for fd in write]
        for fd, event in extra:
            self._sel.register(fd, event)
        ready: list[int] = []
        try:
            events = self._sel.select(timeout=timeout) if self._sel.get_map() else []
            if not events and not self._sel.get_map():
                time.sleep(timeout)
        finally:
            for fd, _ in extra:
                self._sel.unregister(fd)
        for key, _ in events:
            fd = int(key.fd)
            if fd not in self._captures:
                ready.append(fd)
                continue
            if fd not in self._open:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                self._sel.unregister(fd)
                self._open.discard(fd)
                continue
            cap = self._captures[fd]
            cap.add(chunk)
            if cap.total > self.limits.flood_bytes and not self.kill_reason:
                self.kill("output limit")
        return ready

    def finish(self) -> SandboxResult:
        """Wait for the process to end (within the wall clock), kill what is left, reap it, describe it."""
        if self._result is not None:
            return self._result
        proc = self.proc
        grace_end: float | None = None
        while self._open:
            now = time.monotonic()
            if not self.kill_reason and now >= self.deadline:
                self.kill(self._timeout_reason())
            if self.kill_reason and grace_end is None:
                grace_end = now + _GRACE
            if grace_end is None and _exited(proc.pid):
                self.kill()  # whatever it left running still holds our pipes
                grace_end = now + _GRACE
            if grace_end is not None and now >= grace_end:
                break
            limit = grace_end if grace_end is not None else self.deadline
            self.pump(min(0.1, max(0.0, limit - now)))
        self._sel.close()
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()
        proc.stderr.close()
        # The pipes can close before the process ends (it may close them itself): keep the clock.
        while not self.kill_reason and not _exited(proc.pid):
            if time.monotonic() >= self.deadline:
                self.kill_reason = self._timeout_reason()
                break
            time.sleep(0.02)
        self.kill()
        returncode: int | None
        cpu = 0.0
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
            returncode = os.waitstatus_to_exitcode(status)
            cpu = usage.ru_utime + usage.ru_stime
        except ChildProcessError:
            returncode = None
        if self.cgroup is not None:
            self.cgroup.remove()
        proc.returncode = returncode
        if self.via_bwrap and returncode is not None and 128 < returncode < 128 + signal.NSIG:
            returncode = 128 - returncode  # bwrap reports a child killed by signal N as exit 128 + N
        out, err = self._captures.values()
        stderr = err.text()
        self._result = SandboxResult(
            returncode=returncode,
            stdout=out.text(),
            stderr=stderr,
            timed_out=self.kill_reason.startswith("timeout"),
            reason=_reason(returncode, self.kill_reason, stderr, cpu, self.limits),
            isolation=self.isolation,
        )
        return self._result

    def abort(self) -> None:
        """Kill and reap at once (after an interruption such as Ctrl-C); never raises."""
        if self._result is not None:
            return
        self.kill()
        with contextlib.suppress(OSError):
            self._sel.close()
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(self.proc.pid, 0)
        if self.cgroup is not None:
            self.cgroup.remove()
        self.proc.returncode = -signal.SIGKILL
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


# --------------------------------------------------------------------------- entry points


def start(
    script: Path,
    *,
    workdir: Path,
    limits: Limits = Limits(),  # noqa: B008 - frozen, so a shared default is safe
    extra_files: Mapping[str, str | bytes] = {},  # noqa: B006 - never mutated
    python: str | None = None,
    args: Sequence[str] = (),
    pass_fds: Sequence[int] = (),
    hide: Sequence[Path] = (),
    new_session: bool = True,
) -> Running:
    """Start ``python -I -B -u script *args`` in ``workdir`` under ``limits``; see :func:`run_python`.

    ``pass_fds`` are inherited (same numbers); ``hide`` are folders that bubblewrap covers with
    an empty one. With ``new_session=False`` the process stays in the caller's process group,
    so that whoever kills that group kills it too; :meth:`Running.kill` then kills it by pid.
    Raises :class:`SandboxError` if it cannot be started.
    """
    script = Path(script).resolve()
    workdir = Path(workdir).resolve()
    interpreter = python or sys.executable
    if not script.is_file():
        raise SandboxError(f"sandbox script not found: {script}")
    if not workdir.is_dir():
        raise SandboxError(f"sandbox working directory does not exist: {workdir}")
    found = shutil.which(interpreter)
    if found is None or not os.path.isfile(found):
        raise SandboxError(f"could not start the sandboxed Python ({interpreter}): not an executable file")
    mode = confinement_in_effect(limits)
    info = _bwrap() if mode == "bwrap" else None

    drop_to: int | None = None
    if (
        (mode == "limits" or (info is not None and _nobody_can_bwrap(info)))
        and limits.drop_privileges
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
    # as root: a pids cgroup (bwrap's own two processes come on top of the learner's)
    cgroup = (
        _PidsCgroup.make(limits.processes + (3 if info is not None else 1)) if os.geteuid() == 0 else None
    )
    if run_uid != 0 and cgroup is None:
        existing = _count_tasks(run_uid)
        if existing is not None:
            nproc = existing + limits.processes

    argv = [interpreter, "-I", "-B", "-u", str(script), *args]
    inherit = list(pass_fds)
    seccomp_r = -1
    head = ""
    if info is not None:
        program = _seccomp_program() if limits.block_fork else None
        if program is not None:
            seccomp_r, seccomp_w = os.pipe()
            try:
                os.write(seccomp_w, program)  # far smaller than a pipe's buffer
            finally:
                os.close(seccomp_w)
            inherit.append(seccomp_r)
        prefix = _bwrap_args(
            info,
            workdir=workdir,
            visible=[*_interpreter_paths(interpreter), str(script)],
            hide=hide,
            isolate_network=limits.isolate_network,
            drop_privileges=limits.drop_privileges,
            seccomp_fd=seccomp_r if program is not None else None,
            started_as_nobody=drop_to is not None,
        )
        argv = [*prefix, *argv]
        head = _bwrap_note(info, limits, program is not None)

    status_r, status_w = os.pipe()
    try:
        # open in the child until exec (it is close-on-exec): applied there, never inherited
        landlock = _landlock_ruleset(workdir) if mode == "limits" else None
        preexec = _Preexec(limits, status_w, drop_to, nproc, mode, cgroup, landlock)
        try:
            proc = subprocess.Popen(
                argv,
                cwd=workdir,
                env=_scrubbed_env(workdir),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=new_session,
                close_fds=True,
                pass_fds=inherit,
                preexec_fn=preexec,  # not thread-safe: see the module docstring
            )
        except (OSError, subprocess.SubprocessError) as exc:
            if cgroup is not None:
                cgroup.remove()
            raise SandboxError(f"could not start the sandboxed Python ({interpreter}): {exc}") from exc
        finally:
            os.close(status_w)
            if seccomp_r != -1:
                os.close(seccomp_r)
            if landlock is not None:
                os.close(landlock[0])
        with os.fdopen(status_r, "rb") as status:
            status_r = -1
            notes = status.read(4096).decode("utf-8", errors="replace")
    finally:
        if status_r != -1:
            os.close(status_r)
    isolation = " ".join(part for part in (head, notes) if part)
    if cgroup is not None and "(cgroup)" not in isolation:  # the child could not join it
        cgroup.remove()
        cgroup = None
    return Running(proc, limits, isolation, own_group=new_session, via_bwrap=info is not None, cgroup=cgroup)


def run_python(
    script: Path,
    *,
    workdir: Path,
    limits: Limits = Limits(),  # noqa: B008 - frozen, so a shared default is safe
    extra_files: Mapping[str, str | bytes] = {},  # noqa: B006 - never mutated
    python: str | None = None,
    args: Sequence[str] = (),
    hide: Sequence[Path] = (),
    pass_fds: Sequence[int] = (),
) -> SandboxResult:
    """Run ``script`` with ``python -I -B -u`` in ``workdir`` under ``limits``.

    ``workdir`` must be an existing directory that the caller created for this run (and
    removes afterwards); it becomes the process's current directory, ``HOME`` and
    ``TMPDIR``. ``extra_files`` maps relative paths to contents written there first.
    ``python`` overrides the interpreter (default: ``sys.executable``).

    Raises :class:`SandboxError` only if the process could not be started; everything the
    script does (including crashing or hitting a limit) is reported in the result. If the
    caller is interrupted while waiting (Ctrl-C), the process group is killed before the
    exception propagates.
    """
    running = start(
        script,
        workdir=workdir,
        limits=limits,
        extra_files=extra_files,
        python=python,
        args=args,
        hide=hide,
        pass_fds=pass_fds,
    )
    try:
        return running.finish()
    except BaseException:
        running.abort()
        raise
