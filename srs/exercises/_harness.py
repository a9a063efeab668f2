"""Trusted check runner, executed as a script in its own process (never imported by srs).

It never loads the learner's code. It reads ``job.json`` from the current directory::

    {"exercise_dir": ".../files/<name>", "seed": 123, "learner_dir": ".../learner",
     "display_name": "conv.py", "limits": {...Limits fields for the learner's process...},
     "bwrap": {...what srs's probe of bubblewrap found...} or null}

and ``learner.py`` (the learner's file, as bytes), loads the reference solution and the
checks, and starts the learner's file in a separate confined process
(:class:`srs.exercises.remote.LearnerProcess`): the checks call the learner's functions
through ``ctx.learner``, which only brings back values. The reference, the checks and
``checklib`` exist only here, out of the learner's reach, and so does the verdict: it is
written as one JSON object per line to this process's standard output, flushed as it goes,
so that the parent keeps what finished even if the run is killed. Each line is preceded by its
HMAC (see :class:`_Signed`), keyed with the key srs passes on the descriptor ``argv[1]``:

* ``{"event": "start", "count": n}`` - the checker is ready and will run ``n`` checks;
* ``{"event": "not_gradable", "message": ...}`` - syntax error, error while importing the
  learner's file, or a required function missing;
* ``{"event": "exited", "message": ...}`` - the learner's file called ``sys.exit`` on import;
* ``{"event": "check", "name": ..., "passed": bool, "detail": ...}`` - one per check;
* ``{"event": "limit", "reason": ..., "check": name or null}`` - the learner's process hit a
  limit (memory, time, output) or was killed by a signal, and the checks stopped;
* ``{"event": "ended", "returncode": n, "stderr": last line, "check": name or null}`` - the
  learner's process ended by itself before the checks finished;
* ``{"event": "internal_error", "message": ...}`` - the trusted side failed;
* ``{"event": "done"}`` - all checks ran. Without it the parent reports an error.

The seed of check ``i`` is ``[seed, i]``, so inputs are fresh per attempt and independent
of what the learner's code does with numpy's global random state.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import json
import os
import sys
import traceback
import types
import warnings
from pathlib import Path
from typing import IO, Any

DETAIL_CHARS = 300


class _Signed:
    """The verdict stream: each line is ``<HMAC-SHA256 hex> <json>``, keyed with the key srs gave
    only to this process, over ``"<line number>:<json>"``; srs keeps only lines that verify, in
    order, so lines written into the stream by anyone else (or replayed) count for nothing."""

    def __init__(self, raw: IO[str], key: bytes) -> None:
        self.raw = raw
        self.key = key
        self.seq = 0

    def write(self, text: str) -> None:
        for line in text.splitlines():
            mac = hmac.new(self.key, f"{self.seq}:{line}".encode(), hashlib.sha256).hexdigest()
            self.raw.write(f"{mac} {line}\n")
            self.seq += 1

    def flush(self) -> None:
        self.raw.flush()

    def close(self) -> None:
        self.raw.close()


def _read_key(argv: list[str]) -> bytes:
    """The key srs passed on the descriptor named by ``argv[1]`` (read, then closed)."""
    if len(argv) < 2:
        return b""
    fd = int(argv[1])
    try:
        return os.read(fd, 256)
    finally:
        os.close(fd)


def _emit(out: IO[str] | _Signed, **event: Any) -> None:
    out.write(json.dumps(event) + "\n")
    out.flush()


def _short(text: str, limit: int = DETAIL_CHARS) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _load(path: Path, module_name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def _describe_exception(exc: BaseException, learner_label: str) -> str:
    """The learner's own description of an exception it raised, or ``Type: message`` of one raised here."""
    text = getattr(exc, "text", "")
    if isinstance(text, str) and text:
        return text
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _stopped(out: IO[str] | _Signed, result: Any, check: str | None) -> None:
    """Report that the learner's process is gone (``result`` is its SandboxResult)."""
    if result.reason:
        _emit(out, event="limit", reason=result.reason, check=check)
    else:
        _emit(
            out,
            event="ended",
            returncode=result.returncode,
            stderr=_short(_last_line(result.stderr)),
            check=check,
        )


def main() -> int:
    # First of all: no process of the same user (the learner's, in the fallback sandbox) may open
    # this one's descriptors through /proc/<pid>/fd, read its memory or trace it.
    root = Path(__file__).resolve().parents[2]
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from srs.exercises import sandbox as _sandbox

    _sandbox.make_undumpable()
    key = _read_key(sys.argv)  # before anything else can run here
    # The verdict goes to a private copy of standard output; anything printed here goes to stderr.
    out = _Signed(os.fdopen(os.dup(1), "w", encoding="utf-8"), key)
    os.dup2(2, 1)
    learner: Any = None
    try:
        job = json.loads(Path("job.json").read_text(encoding="utf-8"))
        from srs.exercises import remote, sandbox

        sandbox.adopt_bwrap_probe(job.get("bwrap"))  # srs probed it already
        exercise_dir = Path(job["exercise_dir"])
        label = str(job.get("display_name") or "learner.py")
        raw = Path("learner.py").read_bytes()
        # Start the learner's process first: it loads numpy and the file while this one loads the checks.
        learner = remote.LearnerProcess(
            workdir=Path(job["learner_dir"]),
            source=raw,
            label=label,
            limits=sandbox.Limits(**job["limits"]),
            hide=[exercise_dir.parent],
        )
        import numpy as np

        from srs.exercises import checklib

        reference = _load(exercise_dir / "reference.py", "_srs_reference")
        checks_module = _load(exercise_dir / "checks.py", "_srs_checks")
        checks: checklib.CheckList = checks_module.CHECKS
        seed = int(job["seed"])
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises SandboxError
        _emit(out, event="internal_error", message=_short(f"{type(exc).__name__}: {exc}"))
        if learner is not None:
            learner.close()
        return 3

    warnings.simplefilter("ignore")
    np.seterr(all="ignore")
    _emit(out, event="start", count=len(checks))
    with learner:
        try:
            hello = learner.hello()
            missing = learner.missing(checks.required) if "ready" in hello else []
        except remote.LearnerStopped as stop:
            _stopped(out, stop.result, None)
            return 0
        except Exception as exc:  # noqa: BLE001 - e.g. a module-level __getattr__ that raises
            _emit(
                out,
                event="not_gradable",
                message=_short(f"cannot inspect {label}: {_describe_exception(exc, label)}"),
            )
            return 0
        if "ready" not in hello:
            kind, message = next(iter(hello.items()))
            if kind == "limit":
                _emit(out, event="limit", reason=_short(message), check=None)
            else:
                _emit(out, event=kind, message=_short(message))
            return 0
        if missing:
            names = ", ".join(f"`{name}`" for name in missing)
            _emit(
                out, event="not_gradable", message=_short(f"{label} does not define the function(s) {names}")
            )
            return 0

        source = raw.decode("utf-8", errors="replace")
        for index, check in enumerate(checks):
            ctx = checklib.make_context(checks, learner.module, reference, seed, index, source)
            try:
                passed, detail = checklib.grade_check(check, ctx)
            except remote.LearnerStopped as stop:
                _stopped(out, stop.result, check.name)
                return 0
            except MemoryError:
                _emit(
                    out, event="check", name=check.name, passed=False, detail="MemoryError: ran out of memory"
                )
                _emit(out, event="limit", reason="memory limit", check=check.name)
                return 0
            except BaseException as exc:  # noqa: BLE001 - a trusted-side failure other than an Exception
                passed, detail = False, f"{type(exc).__name__}: {exc}"
                traceback.print_exc()
            _emit(out, event="check", name=check.name, passed=passed, detail=_short(detail))

    _emit(out, event="done")
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
