"""Run an exercise's trusted checks in this process, through the same code as the sandboxed grading.

:func:`run_checks` is the fast path of the mistake tests. It differs from :func:`srs.exercises.run`
only by the process boundary: the learner's module is loaded here, but every call goes through the
same channel code (:class:`srs.exercises.remote.LearnerProcess.request` on the checker's side and
``srs.exercises._learner._serve`` on the learner's, with the frames packed and read back), so
arguments are copies, in-place changes are copied back (or refused) and views of inputs are rebuilt
exactly as in the sandbox; and each check's outcome is decided by the same
:func:`srs.exercises.checklib.grade_check` as in ``_harness.py``. ``tests/test_exercise_mistakes.py``
shows that both paths give the same verdict on the wrong solutions.
"""

from __future__ import annotations

import importlib.util
import textwrap
import types
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from srs import exercises
from srs.exercises import _learner as wire
from srs.exercises import checklib, remote


def load(path: Path, name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def learner_module(source: str, label: str = "learner.py") -> types.ModuleType:
    source = textwrap.dedent(source)
    module = types.ModuleType("learner")
    module.__file__ = label
    exec(compile(source, label, "exec"), module.__dict__)
    return module


class LoopbackLearner(remote.LearnerProcess):
    """A :class:`~srs.exercises.remote.LearnerProcess` whose "process" is a module in this one: each
    request is packed, served by the learner side's ``_serve`` and its reply read back from bytes."""

    def __init__(self, module: types.ModuleType, label: str = "learner.py") -> None:  # noqa: D107
        self._label = label
        self._handles = wire._Handles(module)
        self._seq = 0
        self._remotes: dict[int, remote.RemoteObject] = {}
        self.stopped = None
        self.module = self._remote(0, "module")

    def _exchange(self, header: dict[str, Any], blobs: list[bytes]) -> tuple[dict[str, Any], list[bytes]]:
        reader = wire.FrameReader()
        reader.feed(wire.pack(header, blobs))
        frame = reader.take()
        assert frame is not None
        try:
            reply, out = wire._serve(frame[0], frame[1], self._handles, self._label)
            data = wire.pack(reply, out)
        except (wire.WireError, RecursionError, ValueError, TypeError, OverflowError) as exc:
            data = wire.pack({"n": header.get("n"), "unsendable": f"{type(exc).__name__}: {exc}"}, [])
        reader.feed(data)
        back = reader.take()
        assert back is not None
        return back


def run_checks(name: str, source: str, seed: int) -> list[tuple[str, bool, str]]:
    """(check name, passed, detail) for every check of ``name``, as the harness would run them."""
    directory = exercises.FILES_DIR / name
    reference = load(directory / "reference.py", f"_runner_ref_{name}")
    checks: Any = load(directory / "checks.py", f"_runner_checks_{name}").CHECKS
    module = learner_module(source)
    missing = [f for f in checks.required if not callable(getattr(module, f, None))]
    assert not missing, f"the wrong solution does not define {missing}"
    learner = LoopbackLearner(module)
    results = []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for index, check in enumerate(checks):
            ctx = checklib.make_context(
                checks, learner.module, reference, seed, index, textwrap.dedent(source)
            )
            passed, detail = checklib.grade_check(check, ctx)
            results.append((check.name, passed, detail))
    return results
