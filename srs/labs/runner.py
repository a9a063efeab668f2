"""Running a lab's check: start the trusted checker (``_lab_harness.py``), stream its signed events
live to a callback, and read them into a typed :class:`LabResult`.

The data set is loaded here, in srs's own process (a download shows its progress before anything
starts), and handed to the checker in a private folder; the learner's process gets only what the
checker sends it. The learner's working directory is ``<lab folder>/.check/`` (emptied first, with a
copy of the folder's other ``.py`` files and ``solutions/``): the only place it may write.
"""

from __future__ import annotations

import dataclasses
import enum
import io
import json
import os
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from srs.errors import InputError, SandboxError
from srs.exercises import SignedEvents, sandbox
from srs.labs.catalog import FILES_DIR, Lab

HARNESS = Path(__file__).resolve().parent / "_lab_harness.py"
WORK = ".check"
RESULT_FILE = "last_check.json"
MAX_TRAIN_BYTES = 1 << 20
CHECKER_EXTRA_SECONDS = 120  # loading data, test predictions and drawings on top of the learner's time
MESSAGE_CHARS = 240


class Status(enum.StrEnum):
    """How a check ended."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"  # stopped by a limit, or the process ended early
    NOT_GRADABLE = "not_gradable"


@dataclass(frozen=True)
class Epoch:
    """One epoch of one run as the checker measured it (``loss`` None when NaN or infinite)."""

    run: str
    epoch: int
    epochs: int
    loss: float | None
    lr: float | None
    val_acc: float
    val_loss: float | None
    seconds: float


@dataclass(frozen=True)
class RequirementResult:
    """The verdict on one requirement."""

    kind: str
    run: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class LabResult:
    """The outcome of one check."""

    lab_id: str
    status: Status
    message: str
    epochs: tuple[Epoch, ...] = ()
    requirements: tuple[RequirementResult, ...] = ()
    accuracy: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    artefacts: tuple[str, ...] = ()
    small: bool = False
    rebuild: bool = False

    @property
    def passed(self) -> bool:
        """True when every requirement passed."""
        return self.status is Status.PASSED

    def to_dict(self) -> dict[str, Any]:
        """Plain data (for ``--json`` and the saved last result)."""
        data = dataclasses.asdict(self)
        data["status"] = self.status.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LabResult:
        """The result saved by :meth:`to_dict`."""
        return cls(
            lab_id=str(data["lab_id"]),
            status=Status(data["status"]),
            message=str(data.get("message", "")),
            epochs=tuple(Epoch(**e) for e in data.get("epochs", [])),
            requirements=tuple(RequirementResult(**r) for r in data.get("requirements", [])),
            accuracy={str(k): float(v) for k, v in dict(data.get("accuracy", {})).items()},
            seconds=float(data.get("seconds", 0.0)),
            artefacts=tuple(str(a) for a in data.get("artefacts", [])),
            small=bool(data.get("small", False)),
            rebuild=bool(data.get("rebuild", False)),
        )


def _one_line(text: str, limit: int = MESSAGE_CHARS) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _epoch(ev: dict[str, Any]) -> Epoch:
    def num(key: str) -> float | None:
        value = ev.get(key)
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    return Epoch(
        run=str(ev.get("run", "")),
        epoch=int(ev.get("epoch", 0)),
        epochs=int(ev.get("epochs", 0)),
        loss=num("loss"),
        lr=num("lr"),
        val_acc=num("val_acc") or 0.0,
        val_loss=num("val_loss"),
        seconds=num("seconds") or 0.0,
    )


def interpret(
    lab: Lab, events: list[dict[str, Any]], res: sandbox.SandboxResult, *, small: bool, rebuild: bool
) -> LabResult:
    """The result of a check from its verified events and how the checker's process ended."""
    kinds = {ev["event"]: ev for ev in events}
    epochs = tuple(_epoch(ev) for ev in events if ev["event"] == "epoch")
    reqs = tuple(
        RequirementResult(
            kind=str(ev.get("kind", "?")),
            run=str(ev.get("run", "")),
            passed=ev.get("passed") is True,
            detail=_one_line(str(ev.get("detail", "")), 300),
        )
        for ev in events
        if ev["event"] == "requirement"
    )
    artefacts = tuple(
        dict.fromkeys(Path(str(ev.get("path", ""))).name for ev in events if ev["event"] == "artefact")
    )
    done = kinds.get("done", {})
    accuracy = {str(k): float(v) for k, v in dict(done.get("accuracy", {})).items()}

    def result(status: Status, message: str) -> LabResult:
        return LabResult(
            lab_id=lab.id,
            status=status,
            message=_one_line(message),
            epochs=epochs,
            requirements=reqs,
            accuracy=accuracy,
            seconds=float(done.get("seconds", 0.0)),
            artefacts=artefacts,
            small=small,
            rebuild=rebuild,
        )

    if "internal_error" in kinds:
        raise SandboxError(f"the lab checker failed: {kinds['internal_error'].get('message', '')}")
    if "start" not in kinds:
        if res.reason:
            return result(Status.ERROR, f"stopped before training started: {res.reason}")
        tail = [line for line in res.stderr.splitlines() if line.strip()]
        raise SandboxError(
            f"the lab checker did not start (exit code {res.returncode}): {tail[-1] if tail else ''}"
        )
    if "not_gradable" in kinds:
        return result(Status.NOT_GRADABLE, str(kinds["not_gradable"].get("message", "cannot load train.py")))
    if "limit" in kinds:
        ev = kinds["limit"]
        reason = str(ev.get("reason", "limit"))
        return result(Status.ERROR, f"stopped: {reason} {ev.get('where') or ''}".strip())
    if "error" in kinds:
        ev = kinds["error"]
        return result(Status.FAILED, f"run {ev.get('run')}: {ev.get('message')}")
    if res.reason:
        return result(Status.ERROR, f"stopped: the checker: {res.reason}")
    if "done" not in kinds:
        return result(
            Status.ERROR, f"the checker ended before the check finished (exit code {res.returncode})"
        )
    failed = [r for r in reqs if not r.passed]
    if not failed:
        return result(Status.PASSED, f"all {len(reqs)} requirements met")
    first = failed[0]
    where = f" ({first.run})" if first.run else ""
    return result(
        Status.FAILED,
        f"{len(failed)} of {len(reqs)} requirements not met; {first.kind}{where}: {first.detail}",
    )


def _read_train(path: Path) -> bytes:
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputError(
            f"cannot read {path}: {exc.strerror or exc}; start the lab with 'srs lab start'"
        ) from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise InputError(f"{path} is not a regular file")
        raw = fh.read(MAX_TRAIN_BYTES + 1)
    if len(raw) > MAX_TRAIN_BYTES:
        raise InputError(f"{path} is larger than 1 MiB")
    return raw


def _prepare_work(folder: Path) -> Path:
    """``<folder>/.check/``, emptied, with copies of the folder's other ``.py`` files and ``solutions/``."""
    work = folder / WORK
    if work.is_symlink() or work.is_file():
        work.unlink()
    elif work.exists():
        sandbox.remove_tree(work)
    work.mkdir(mode=0o755)
    for entry in folder.iterdir():
        if (
            entry.suffix == ".py"
            and entry.name not in ("train.py", "learner.py")
            and entry.is_file()
            and not entry.is_symlink()
        ):
            shutil.copyfile(entry, work / entry.name)
    solutions = folder / "solutions"
    if solutions.is_dir() and not solutions.is_symlink():
        (work / "solutions").mkdir()
        for entry in solutions.iterdir():
            if entry.suffix == ".py" and entry.is_file() and not entry.is_symlink():
                shutil.copyfile(entry, work / "solutions" / entry.name)
    return work


def learner_limits(lab: Lab) -> sandbox.Limits:
    """The limits of the learner's process for a lab: its minutes and memory."""
    return sandbox.Limits(
        wall_seconds=float(lab.seconds),
        cpu_seconds=lab.seconds + 1,
        memory_bytes=lab.memory_mb << 20,
        file_bytes=64 << 20,
    )


def _checker_limits(learner: sandbox.Limits, data_bytes: int) -> sandbox.Limits:
    return sandbox.Limits(
        wall_seconds=learner.wall_seconds + CHECKER_EXTRA_SECONDS,
        cpu_seconds=int(learner.cpu_seconds + CHECKER_EXTRA_SECONDS),
        memory_bytes=learner.memory_bytes + 4 * data_bytes + (1 << 30),
        file_bytes=max(learner.file_bytes, 2 * data_bytes + (16 << 20)),
        max_output=1 << 20,
        flood_bytes=16 << 20,
        processes=learner.processes + 8,
        open_files=256,
        isolate_network=False,
        block_fork=False,
        drop_privileges=False,
        confinement="none",
    )


def check(
    lab: Lab,
    folder: Path,
    home: Path,
    *,
    small: bool = False,
    rebuild: bool = False,
    dataset: Any = None,
    on_event: Callable[[dict[str, Any]], None] | None = None,
    seed: int = 0,
    limits: sandbox.Limits | None = None,
) -> LabResult:
    """Check the learner's ``folder/train.py`` against ``lab``, calling ``on_event`` with each verified event.

    ``small`` uses the lab's ``ci_data`` at its small size and bars; ``dataset`` (an object with
    ``x_train, y_train, x_test, y_test, classes``) replaces the lab's data set. Raises
    :class:`InputError` when there is no ``train.py`` and :class:`SandboxError` when the checker
    cannot run at all; what the learner's code does is in the result.
    """
    import numpy as np

    folder = Path(folder)
    source = _read_train(folder / "train.py")
    if dataset is None:
        from srs.labs import data

        dataset = data.load(lab.ci_data if small else lab.data, Path(home), small=small)
    arrays = {
        "x_train": np.ascontiguousarray(dataset.x_train),
        "y_train": np.ascontiguousarray(dataset.y_train),
        "x_test": np.ascontiguousarray(dataset.x_test),
        "y_test": np.ascontiguousarray(dataset.y_test),
        "classes": np.asarray(int(dataset.classes)),
    }
    data_bytes = sum(int(a.nbytes) for a in arrays.values())
    learner = limits or learner_limits(lab)
    learner = dataclasses.replace(learner, confinement=sandbox.confinement_in_effect(learner))
    work = _prepare_work(folder)
    hide = [p for p in (FILES_DIR, Path(home) / "data") if p.is_dir()]
    job = {
        "lab_folder": str(folder.resolve()),
        "learner_dir": str(work.resolve()),
        "runs": [{"name": r.name, "epochs": r.epochs, "config": dict(r.config)} for r in lab.runs],
        "requires": [{"kind": r.kind, "params": dict(r.params)} for r in lab.requires],
        "functions": list(lab.functions),
        "seed": (lab.seed + seed) % (1 << 32),
        "val_fraction": lab.val_fraction,
        "seconds": lab.seconds,
        "small": small,
        "rebuild": rebuild,
        "limits": dataclasses.asdict(learner),
        "bwrap": sandbox.bwrap_probe() if learner.confinement == "bwrap" else None,
        "hide": [str(p) for p in hide],
        "max_message": max(64 << 20, 2 * data_bytes + (16 << 20)),
        # only a built-in lab's checks.py is trusted code (a learner's own lab folder is data)
        "checks": str(lab.folder / "checks.py")
        if lab.builtin and (lab.folder / "checks.py").is_file()
        else None,
    }
    key = secrets.token_bytes(32)
    reader = SignedEvents(key)
    events: list[dict[str, Any]] = []
    with sandbox.undumpable(), sandbox.work_folder("srs-lab-") as tmp:
        checker_dir = Path(tmp) / "checker"
        checker_dir.mkdir(mode=0o700)
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)  # type: ignore[arg-type]
        (checker_dir / "data.npz").write_bytes(buffer.getvalue())
        del buffer
        key_r, key_w = os.pipe()
        ev_r, ev_w = os.pipe()
        running = None
        try:
            try:
                os.write(key_w, key)
            finally:
                os.close(key_w)
            try:
                running = sandbox.start(
                    HARNESS,
                    workdir=checker_dir,
                    limits=_checker_limits(learner, data_bytes),
                    extra_files={"job.json": json.dumps(job), "train.py": source},
                    args=[str(key_r), str(ev_w)],
                    pass_fds=[key_r, ev_w],
                )
            finally:
                os.close(key_r)
                os.close(ev_w)
            while True:
                ready = running.pump(0.5, watch=[ev_r])
                if ev_r in ready:
                    chunk = os.read(ev_r, 1 << 16)
                    if not chunk:
                        break
                    for event in reader.feed(chunk):
                        events.append(event)
                        if on_event is not None:
                            on_event(event)
                elif running.kill_reason:
                    break
            res = running.finish()
        except BaseException:
            if running is not None:
                running.abort()
            raise
        finally:
            os.close(ev_r)
    return interpret(lab, events, res, small=small, rebuild=rebuild)


def save_result(folder: Path, result: LabResult, now: int) -> None:
    """Keep ``result`` as the lab folder's last check (with its time, epoch seconds)."""
    data = result.to_dict()
    data["checked_at"] = int(now)
    tmp = Path(folder) / (RESULT_FILE + ".tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    tmp.replace(Path(folder) / RESULT_FILE)


def last_result(folder: Path) -> tuple[LabResult, int] | None:
    """The last saved result of the lab folder and its time, or None."""
    path = Path(folder) / RESULT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return LabResult.from_dict(data), int(data.get("checked_at", 0))
    except (OSError, ValueError, KeyError, TypeError):
        return None
