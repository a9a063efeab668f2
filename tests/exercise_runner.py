"""Run an exercise's trusted checks in this process against a learner module built from source text.

The sandbox is not involved: this is for testing the checks themselves (which wrong solutions they
reject), quickly and deterministically. The grading path through the sandbox has its own tests.
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
from srs.exercises import checklib


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


def run_checks(name: str, source: str, seed: int) -> list[tuple[str, bool, str]]:
    """(check name, passed, detail) for every check of ``name``, as the harness would run them."""
    directory = exercises.FILES_DIR / name
    reference = load(directory / "reference.py", f"_runner_ref_{name}")
    checks: Any = load(directory / "checks.py", f"_runner_checks_{name}").CHECKS
    learner = learner_module(source)
    missing = [f for f in checks.required if not callable(getattr(learner, f, None))]
    assert not missing, f"the wrong solution does not define {missing}"
    results = []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for index, check in enumerate(checks):
            ctx = checklib.Context(
                learner, reference, np.random.default_rng([seed, index]), textwrap.dedent(source)
            )
            try:
                detail = check.func(ctx) or "ok"
                results.append((check.name, True, detail))
            except Exception as exc:  # noqa: BLE001 - a failing check, as in the harness
                results.append((check.name, False, f"{type(exc).__name__}: {exc}"))
    return results
