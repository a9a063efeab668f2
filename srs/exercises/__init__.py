"""Numpy code exercises, graded by trusted checks against the learner's code in a confined process.

Each exercise lives in ``files/<name>/``:

* ``exercise.toml`` - title, day, topic, target_seconds, description (Markdown), hints,
  checks_description;
* ``starter.py`` - what the learner starts from (functions that raise
  ``NotImplementedError``);
* ``reference.py`` - a correct solution;
* ``checks.py`` - trusted checks, run by ``_harness.py``.

Importing this module is cheap: it reads no exercise files and does not import numpy.
:func:`run` starts the checker (``_harness.py``, trusted: it loads the checks and the reference)
in a process of its own; the checker starts the learner's file in a second, confined process
(``_learner.py`` under :mod:`srs.exercises.sandbox`, with bubblewrap where it works) and calls
its functions over a pipe that carries only data. The verdict comes back on the checker's
standard output, which the learner's process cannot reach, each line signed with an HMAC whose
key srs gives only to the checker (on a pipe it reads and closes before the learner starts).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from srs.errors import QuizError, SandboxError
from srs.exercises import sandbox

__all__ = [
    "CheckResult",
    "Exercise",
    "ExerciseInfo",
    "ExerciseResult",
    "SandboxCheck",
    "SignedEvents",
    "Status",
    "catalog",
    "check_sandbox",
    "get",
    "isolation_summary",
    "run",
    "self_test",
]

FILES_DIR = Path(__file__).resolve().parent / "files"
HARNESS = Path(__file__).resolve().parent / "_harness.py"
MAX_LEARNER_BYTES = 1 << 20
DETAIL_CHARS = 300
MESSAGE_CHARS = 240
CHECKER_EXTRA_SECONDS = 15  # the checker's own time limit is the learner's plus this
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class ExerciseInfo:
    """Catalog entry of one exercise."""

    name: str
    title: str
    day: int
    topic: str
    target_seconds: int


@dataclass(frozen=True)
class Exercise:
    """Everything shown to the learner about one exercise."""

    info: ExerciseInfo
    description: str
    starter: str
    hints: tuple[str, ...]
    reference: str
    checks_description: str


class Status(StrEnum):
    """Outcome of grading one attempt.

    ``NOT_GRADABLE``: the file could not be loaded (syntax error, an error while importing
    it, a required function missing) - the learner fixes it and retries; not a failure.
    ``ERROR``: the run was stopped or ended early (timeout, memory limit, crash, output
    flood, exit before the checks finished) - counts as a failed attempt.
    """

    PASSED = "passed"
    FAILED = "failed"
    NOT_GRADABLE = "not_gradable"
    ERROR = "error"


@dataclass(frozen=True)
class CheckResult:
    """One check: its name, whether it passed, and a short explanation."""

    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class ExerciseResult:
    """The grade of one attempt; ``message`` is a one-line summary."""

    status: Status
    checks: tuple[CheckResult, ...]
    message: str


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _why(reason: str) -> str:
    """A short likely cause for a sandbox stop reason."""
    if reason.startswith(("timeout", "cpu limit")):
        return " (an endless loop, or far too slow)"
    if reason.startswith("memory limit"):
        return " (an array or list far too large)"
    if reason == "output limit":
        return " (too much printed)"
    return ""


def _exercise_dir(name: str) -> Path:
    if (
        not isinstance(name, str)
        or not _NAME_RE.match(name)
        or not (FILES_DIR / name / "exercise.toml").is_file()
    ):
        known = ", ".join(info.name for info in catalog())
        raise QuizError(f"unknown exercise {name!r}; known exercises: {known}")
    return FILES_DIR / name


@functools.cache
def _meta(name: str) -> dict[str, Any]:
    import tomllib

    path = FILES_DIR / name / "exercise.toml"
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise QuizError(f"exercise {name!r} is broken: {path}: {exc}") from exc
    expected = {
        "title": str,
        "day": int,
        "topic": str,
        "target_seconds": int,
        "description": str,
        "hints": list,
        "checks_description": str,
    }
    for key, typ in expected.items():
        if not isinstance(data.get(key), typ):
            raise QuizError(f"exercise {name!r} is broken: {path}: '{key}' must be a {typ.__name__}")
    return data


@functools.lru_cache(maxsize=1)
def _catalog() -> tuple[ExerciseInfo, ...]:
    infos = []
    for entry in FILES_DIR.iterdir():
        if entry.is_dir() and (entry / "exercise.toml").is_file() and _NAME_RE.match(entry.name):
            meta = _meta(entry.name)
            infos.append(
                ExerciseInfo(
                    name=entry.name,
                    title=meta["title"],
                    day=meta["day"],
                    topic=meta["topic"],
                    target_seconds=meta["target_seconds"],
                )
            )
    return tuple(sorted(infos, key=lambda info: (info.day, info.name)))


def catalog() -> list[ExerciseInfo]:
    """All exercises, sorted by (day, name)."""
    return list(_catalog())


def get(name: str) -> Exercise:
    """The full exercise called ``name``; :class:`QuizError` if there is none."""
    directory = _exercise_dir(name)
    meta = _meta(name)
    info = next(info for info in _catalog() if info.name == name)
    return Exercise(
        info=info,
        description=meta["description"].strip() + "\n",
        starter=(directory / "starter.py").read_text(encoding="utf-8"),
        hints=tuple(str(hint).strip() for hint in meta["hints"]),
        reference=(directory / "reference.py").read_text(encoding="utf-8"),
        checks_description=meta["checks_description"].strip() + "\n",
    )


class SignedEvents:
    """The checker's verdict stream read as it comes: cut into lines, keeping the JSON events that carry a
    valid HMAC for their place (see ``_harness._Signed``). Anything else (a cut-off last line, or a line
    someone else wrote into the stream, or one replayed) is ignored. Used for exercises and labs."""

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.seq = 0
        self.buf = b""

    def feed(self, chunk: bytes) -> list[dict[str, Any]]:
        """The verified events completed by ``chunk`` (an unfinished last line waits for the next)."""
        import hashlib
        import hmac

        self.buf += chunk
        *lines, self.buf = self.buf.split(b"\n")
        events = []
        for raw in lines:
            mac, _, body = raw.decode("utf-8", errors="replace").partition(" ")
            expected = hmac.new(self.key, f"{self.seq}:{body}".encode(), hashlib.sha256).hexdigest()
            if not hmac.compare_digest(mac.encode(), expected.encode()):
                continue
            self.seq += 1
            try:
                event = json.loads(body)
            except ValueError:
                continue
            if isinstance(event, dict) and isinstance(event.get("event"), str):
                events.append(event)
        return events


def _read_events(text: str, key: bytes) -> list[dict[str, Any]]:
    """The verified events of a whole stream (its last line counts even without a line end)."""
    return SignedEvents(key).feed(text.encode("utf-8", errors="replace") + b"\n")


def _during(event: dict[str, Any]) -> str:
    check = event.get("check")
    return f" in check '{check}'" if isinstance(check, str) and check else ""


def _interpret(events: list[dict[str, Any]], res: sandbox.SandboxResult) -> ExerciseResult:
    checks = tuple(
        CheckResult(
            name=str(ev.get("name", "?")),
            passed=ev.get("passed") is True,
            detail=_one_line(str(ev.get("detail", "")), DETAIL_CHARS),
        )
        for ev in events
        if ev["event"] == "check"
    )
    kinds = {ev["event"]: ev for ev in events}
    total = int(kinds["start"].get("count", 0)) if "start" in kinds else 0
    progress = f"after {len(checks)} of {total} checks"
    stderr_tail = _last_line(res.stderr)

    def result(status: Status, message: str) -> ExerciseResult:
        return ExerciseResult(status=status, checks=checks, message=_one_line(message, MESSAGE_CHARS))

    if "internal_error" in kinds:
        raise SandboxError(f"the exercise checker failed: {kinds['internal_error'].get('message', '')}")
    if "start" not in kinds:
        if res.reason:
            return result(Status.ERROR, f"stopped before the checks started: {res.reason}")
        raise SandboxError(f"the exercise checker did not start (exit code {res.returncode}): {stderr_tail}")
    if "not_gradable" in kinds:
        return result(Status.NOT_GRADABLE, str(kinds["not_gradable"].get("message", "cannot load the file")))
    if "exited" in kinds:
        return result(Status.ERROR, str(kinds["exited"].get("message", "the code exited")))
    if "limit" in kinds:
        reason = str(kinds["limit"].get("reason", "limit"))
        return result(Status.ERROR, f"stopped: {reason}{_why(reason)}{_during(kinds['limit'])} {progress}")
    if "ended" in kinds:
        ended = kinds["ended"]
        tail = f": {ended.get('stderr')}" if ended.get("stderr") else ""
        return result(
            Status.ERROR,
            f"the process ended before the checks finished (exit code {ended.get('returncode')})"
            f"{_during(ended)} {progress}{tail}",
        )
    if res.reason:
        return result(Status.ERROR, f"stopped: the checker: {res.reason} {progress}")
    if "done" not in kinds:
        tail = f": {stderr_tail}" if stderr_tail else ""
        return result(
            Status.ERROR,
            f"the checker ended before the checks finished (exit code {res.returncode}) {progress}{tail}",
        )
    failed = [check for check in checks if not check.passed]
    if not failed and len(checks) == total:
        return result(Status.PASSED, f"all {total} checks passed")
    first = failed[0] if failed else CheckResult("?", False, "missing check results")
    return result(
        Status.FAILED, f"{len(failed)} of {total} checks failed; first: {first.name}: {first.detail}"
    )


def _read_learner_file(path: Path) -> bytes | None:
    """At most ``MAX_LEARNER_BYTES + 1`` bytes of a regular file; None for a FIFO, a device
    (/dev/zero) or anything else that is not a plain file (never blocks, never reads without end)."""
    import stat

    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            return None
        return fh.read(MAX_LEARNER_BYTES + 1)


def run(
    name: str,
    learner_file: Path,
    seed: int,
    *,
    timeout: float = 20.0,
    limits: sandbox.Limits | None = None,
) -> ExerciseResult:
    """Grade ``learner_file`` against exercise ``name`` with inputs drawn from ``seed``.

    ``timeout`` is the wall-clock limit (the CPU limit is one second more); ``limits``
    overrides all limits. Raises :class:`QuizError` for an unknown exercise and
    :class:`SandboxError` if the file cannot be read or the checker cannot run at all.
    """
    directory = _exercise_dir(name)
    learner_file = Path(learner_file)
    try:
        source = _read_learner_file(learner_file)
    except OSError as exc:
        raise SandboxError(f"cannot read {learner_file}: {exc.strerror or exc}") from exc
    if source is None:
        return ExerciseResult(Status.NOT_GRADABLE, (), f"{learner_file.name} is not a regular file")
    if len(source) > MAX_LEARNER_BYTES:
        return ExerciseResult(Status.NOT_GRADABLE, (), f"{learner_file.name} is larger than 1 MiB")
    if limits is None:
        limits = sandbox.Limits(wall_seconds=timeout, cpu_seconds=max(1, int(timeout) + 1))
    # decided here (bubblewrap probed once per srs process), so the checker does what srs reports
    limits = dataclasses.replace(limits, confinement=sandbox.confinement_in_effect(limits))
    # non-dumpable while grading: a learner's process running as this user (the fallback sandbox)
    # cannot open this process's end of the verdict pipe through /proc/<pid>/fd
    with sandbox.undumpable(), sandbox.work_folder("srs-exercise-") as tmp:
        root = Path(tmp)
        root.chmod(0o711)  # the learner's folder below must be reachable by the user `nobody`
        checker_dir, learner_dir = root / "checker", root / "learner"
        checker_dir.mkdir(mode=0o700)
        learner_dir.mkdir(mode=0o700)
        job = {
            "exercise_dir": str(directory),
            "seed": int(seed) % (1 << 64),
            "learner_dir": str(learner_dir),
            "display_name": learner_file.name or "learner.py",
            "limits": dataclasses.asdict(limits),
            "bwrap": sandbox.bwrap_probe() if limits.confinement == "bwrap" else None,
        }
        # the key of the verdict's HMAC: on a pipe that only the checker reads (then closes)
        key = secrets.token_bytes(32)
        key_r, key_w = os.pipe()
        try:
            try:
                os.write(key_w, key)  # far smaller than a pipe's buffer
            finally:
                os.close(key_w)
            res = sandbox.run_python(
                HARNESS,
                workdir=checker_dir,
                limits=_checker_limits(limits),
                extra_files={"job.json": json.dumps(job), "learner.py": source},
                args=[str(key_r)],
                pass_fds=[key_r],
            )
        finally:
            os.close(key_r)
    return _interpret(_read_events(res.stdout, key), res)


def _checker_limits(learner: sandbox.Limits) -> sandbox.Limits:
    """Limits of the trusted checker: room for the learner's process and its own reporting."""
    return sandbox.Limits(
        wall_seconds=learner.wall_seconds + CHECKER_EXTRA_SECONDS,
        cpu_seconds=learner.cpu_seconds + CHECKER_EXTRA_SECONDS,
        memory_bytes=learner.memory_bytes + (1 << 30),
        file_bytes=learner.file_bytes,
        max_output=4 << 20,
        flood_bytes=16 << 20,
        processes=learner.processes + 8,
        open_files=max(learner.open_files, 256),
        isolate_network=False,
        block_fork=False,
        drop_privileges=False,
        confinement="none",
    )


def isolation_summary() -> str:
    """How the learner's code is confined here: ``"bwrap"`` or ``"limits"`` (the fallback)."""
    return sandbox.confinement_in_effect()


@dataclass(frozen=True)
class SandboxCheck:
    """What :func:`check_sandbox` found.

    ``confinement`` is ``"bwrap"`` or ``"limits"``; ``bwrap`` the bubblewrap found (path and
    version, or ``""``); ``isolation`` the protections the sandbox says it set up; ``protections``
    what the live probes saw, as ``(name, text)`` pairs such as
    ``("fork", "blocked(verified: native+i386+x32)")`` or ``("writes", "OUTSIDE(...)")``; ``ok``
    whether every protection the sandbox claims (in ``isolation``) held when probed, and the
    grading of a reference solution worked; ``message`` one line saying
    so (or what failed); ``seconds`` how long the grading took.
    """

    confinement: str
    bwrap: str
    isolation: str
    ok: bool
    message: str
    seconds: float
    protections: tuple[tuple[str, str], ...] = ()


PROBES = Path(__file__).resolve().parent / "_probes.py"


def _protections(found: dict[str, Any], limits: sandbox.Limits, outside: Path) -> list[tuple[str, str, bool]]:
    """(name, text, holds) for each probe of ``_probes.py``'s report ``found``."""
    out: list[tuple[str, str, bool]] = []
    raw = found.get("fork")
    forks: dict[str, Any] = raw if isinstance(raw, dict) else {}
    allowed = [abi for abi, seen in forks.items() if seen != "blocked"]
    if forks and not allowed:
        out.append(("fork", f"blocked(verified: {'+'.join(forks)})", True))
    else:
        out.append(("fork", f"ALLOWED({'+'.join(allowed) or 'not probed'})", False))
    net = found.get("network")
    out.append(
        (
            "network",
            "none(verified)" if net == "blocked" else "OPEN(a socket reached beyond loopback)",
            net == "blocked",
        )
    )
    wrote = found.get("write") != "blocked" or any(outside.iterdir())
    out.append(
        (
            "writes",
            "work-folder-only(verified)" if not wrote else "OUTSIDE(a file was written outside)",
            not wrote,
        )
    )
    threads = found.get("threads")
    bounded = isinstance(threads, int) and threads <= limits.processes
    text = (
        f"bounded(verified: {threads} threads started, limit {limits.processes})"
        if bounded
        else f"UNBOUNDED({threads} threads started)"
    )
    out.append(("processes", text, bounded))
    return out


def check_sandbox(exercise: str = "stable_softmax") -> SandboxCheck:
    """Probe the sandbox live (fork through every ABI, network, writes outside the work folder, the
    number of processes), then grade ``exercise``'s reference solution: does it all hold and work?"""
    import time

    confinement = sandbox.confinement_in_effect()
    bwrap = sandbox.bwrap_description()
    limits = sandbox.Limits(wall_seconds=30)
    with sandbox.work_folder("srs-doctor-") as tmp:
        tmp.chmod(0o711)  # the work folder below must be reachable by the user `nobody`
        work, outside = tmp / "work", tmp / "outside"
        work.mkdir()
        outside.mkdir()
        outside.chmod(0o777)  # writable by whoever the sandbox runs as: only the sandbox may stop it
        try:
            res = sandbox.run_python(
                PROBES, workdir=work, limits=limits, args=[str(outside), str(4 * limits.processes)]
            )
        except SandboxError as exc:
            return SandboxCheck(confinement, bwrap, "", False, f"a trivial job could not start: {exc}", 0.0)
        try:
            found = json.loads(res.stdout)
        except ValueError:
            found = None
        if not res.ok or not isinstance(found, dict) or found.get("numpy") is not True:
            why = res.reason or _last_line(res.stderr) or f"exit code {res.returncode}"
            return SandboxCheck(confinement, bwrap, res.isolation, False, f"a trivial job failed: {why}", 0.0)
        probed = _protections(found, limits, outside)
        protections = tuple((name, text) for name, text, _ in probed)
        # a protection the sandbox says it set up that the probe found missing: the sandbox is broken
        claims = {
            "fork": "fork=blocked" in res.isolation,
            "network": "network=none" in res.isolation,
            "writes": "sandbox=bwrap" in res.isolation or "files=write-workdir-only" in res.isolation,
            "processes": "processes<=" in res.isolation,
        }
        broken = [name for name, _, holds in probed if claims[name] and not holds]
        path = tmp / f"{exercise}.py"
        path.write_text(get(exercise).reference, encoding="utf-8")
        started = time.monotonic()
        try:
            graded = run(exercise, path, 1)
        except SandboxError as exc:
            return SandboxCheck(
                confinement, bwrap, res.isolation, False, f"grading failed: {exc}", 0.0, protections
            )
        seconds = time.monotonic() - started
    if broken:
        message = f"the sandbox does not hold: {', '.join(broken)} (see the protections above)"
        return SandboxCheck(confinement, bwrap, res.isolation, False, message, seconds, protections)
    if graded.status is not Status.PASSED:
        message = f"the reference solution of {exercise} did not pass: {graded.message}"
        return SandboxCheck(confinement, bwrap, res.isolation, False, message, seconds, protections)
    message = (
        "every protection the sandbox claims held when probed, and the reference solution of "
        f"{exercise} passed its checks"
    )
    return SandboxCheck(confinement, bwrap, res.isolation, True, message, seconds, protections)


def self_test(name: str, *, seed: int | None = None) -> tuple[bool, bool]:
    """Run the starter and the reference through the sandbox: (starter fails, reference passes)."""
    import secrets

    exercise = get(name)
    seed = secrets.randbits(32) if seed is None else seed
    outcomes = []
    with sandbox.work_folder("srs-selftest-") as tmp:
        for label, source in (("starter", exercise.starter), ("reference", exercise.reference)):
            path = Path(tmp) / f"{name}_{label}.py"
            path.write_text(source, encoding="utf-8")
            outcomes.append(run(name, path, seed).status)
    return outcomes[0] is not Status.PASSED, outcomes[1] is Status.PASSED
