"""Trusted check runner, executed as a script INSIDE the sandbox (never imported by srs).

It reads ``job.json`` from the current directory::

    {"exercise_dir": ".../files/<name>", "seed": 123, "learner": "learner.py",
     "display_name": "conv.py", "results": "results-<random>.jsonl"}

and writes one JSON object per line to the results file, flushed as it goes, so that
the parent keeps what finished even if the run is killed:

* ``{"event": "start", "count": n}`` - the checker is ready and will run ``n`` checks;
* ``{"event": "not_gradable", "message": ...}`` - syntax error, error while importing the
  learner's file, or a required function missing;
* ``{"event": "exited", "message": ...}`` - the learner's file called ``sys.exit`` on import;
* ``{"event": "check", "name": ..., "passed": bool, "detail": ...}`` - one per check;
* ``{"event": "limit", "reason": "memory limit"}`` - a ``MemoryError`` stopped the checks;
* ``{"event": "internal_error", "message": ...}`` - the trusted side failed;
* ``{"event": "done"}`` - all checks ran. Without it the parent reports an error.

Standard output and error belong to the learner's code and are not read for results.
The seed of check ``i`` is ``[seed, i]``, so inputs are fresh per attempt and independent
of what the learner's code does with numpy's global random state.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import traceback
import types
import warnings
from pathlib import Path
from typing import IO, Any

DETAIL_CHARS = 300


def _emit(out: IO[str], **event: Any) -> None:
    out.write(json.dumps(event) + "\n")
    out.flush()


def _short(text: str, limit: int = DETAIL_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _load(path: Path, module_name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def _describe_exception(exc: BaseException, learner_label: str) -> str:
    """``Type: message (file, line N)`` with the innermost frame in the learner's file."""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    frames = [fr for fr in traceback.extract_tb(exc.__traceback__) if fr.filename == learner_label]
    if frames:
        text += f" ({learner_label}, line {frames[-1].lineno})"
    return text


def main() -> int:
    job = json.loads(Path("job.json").read_text(encoding="utf-8"))
    out = open(job["results"], "x", encoding="utf-8")  # noqa: SIM115 - kept open for the whole run
    try:
        root = Path(__file__).resolve().parents[2]
        if str(root) not in sys.path:
            sys.path.insert(0, str(root))
        import numpy as np

        from srs.exercises import checklib

        exercise_dir = Path(job["exercise_dir"])
        reference = _load(exercise_dir / "reference.py", "_srs_reference")
        checks_module = _load(exercise_dir / "checks.py", "_srs_checks")
        checks: checklib.CheckList = checks_module.CHECKS
        seed = int(job["seed"])
        label = str(job.get("display_name") or "learner.py")
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises SandboxError
        _emit(out, event="internal_error", message=_short(f"{type(exc).__name__}: {exc}"))
        return 3

    warnings.simplefilter("ignore")
    np.seterr(all="ignore")
    _emit(out, event="start", count=len(checks))

    raw = Path(job["learner"]).read_bytes()
    try:
        source = raw.decode("utf-8")
        code = compile(source, label, "exec", dont_inherit=True)
    except SyntaxError as exc:
        where = f"line {exc.lineno}" if exc.lineno else "unknown line"
        _emit(out, event="not_gradable", message=f"{type(exc).__name__} in {label} at {where}: {exc.msg}")
        return 0
    except (UnicodeDecodeError, ValueError) as exc:
        _emit(out, event="not_gradable", message=_short(f"cannot read {label}: {exc}"))
        return 0

    learner = types.ModuleType("learner")
    learner.__file__ = label
    sys.modules["learner"] = learner
    try:
        exec(code, learner.__dict__)
    except SystemExit as exc:
        _emit(
            out,
            event="exited",
            message=f"{label} called sys.exit({exc.code!r}) while being imported; remove it",
        )
        return 0
    except MemoryError:
        _emit(out, event="limit", reason="memory limit (while importing the file)")
        return 0
    except BaseException as exc:  # noqa: BLE001 - any error on import makes the file not gradable
        _emit(
            out,
            event="not_gradable",
            message=_short(f"error while importing {label}: {_describe_exception(exc, label)}"),
        )
        return 0

    missing = [name for name in checks.required if not callable(getattr(learner, name, None))]
    if missing:
        names = ", ".join(f"`{name}`" for name in missing)
        _emit(out, event="not_gradable", message=f"{label} does not define the function(s) {names}")
        return 0

    for index, check in enumerate(checks):
        ctx = checklib.Context(
            learner=learner, reference=reference, rng=np.random.default_rng([seed, index]), source=source
        )
        try:
            detail = check.func(ctx) or "ok"
            passed = True
        except checklib.CheckFailed as exc:
            passed, detail = False, str(exc)
        except MemoryError:
            _emit(out, event="check", name=check.name, passed=False, detail="MemoryError: ran out of memory")
            _emit(out, event="limit", reason="memory limit")
            return 0
        except SystemExit as exc:
            passed, detail = False, f"the code called sys.exit({exc.code!r})"
        except BaseException as exc:  # noqa: BLE001 - the learner's code raised: the check fails
            passed, detail = False, _describe_exception(exc, label)
        _emit(out, event="check", name=check.name, passed=passed, detail=_short(detail))

    _emit(out, event="done")
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
