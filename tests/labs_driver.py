"""A local, in-process driver for the built-in labs' ``train.py`` files (tests only, not the checker).

It follows the lab contract of the shared design: ``build`` -> ``train_epoch`` per epoch per run ->
``predict`` on a validation split it keeps, then ``predict`` on the test images once all training is
done, and it judges the requirement vocabulary of ``lab.toml`` the way the trusted checker is meant
to. It exists so that each reference and each wrong variant can be measured here, in seconds, on the
generated digits; the sandboxed checker runs the same files after the branches meet.

Run one lab by hand: ``python tests/labs_driver.py d3-lab-cnn-mnist [--full] [--file PATH]``.
"""

from __future__ import annotations

import importlib.util
import math
import re
import sys
import time
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

LABS = Path(__file__).resolve().parent.parent / "srs" / "labs" / "files"
MUTANTS = Path(__file__).resolve().parent / "lab_mutants"
VAL_FRACTION = 0.1
SEED = 7


@dataclass
class RunResult:
    name: str
    losses: list[float] = field(default_factory=list)
    lrs: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    accuracy: float = float("nan")
    seconds: float = 0.0
    model: Any = None


@dataclass
class Outcome:
    lab: str
    runs: dict[str, RunResult]
    requirements: list[dict[str, Any]]
    seconds: float

    @property
    def passed(self) -> bool:
        return all(r["passed"] for r in self.requirements)

    def failed(self) -> list[dict[str, Any]]:
        return [r for r in self.requirements if not r["passed"]]

    def summary(self) -> str:
        lines = [f"{self.lab}: {'PASS' if self.passed else 'FAIL'} in {self.seconds:.1f} s"]
        for run in self.runs.values():
            lines.append(
                f"  run {run.name}: test acc {run.accuracy:.4f}, losses "
                + " ".join(f"{v:.3f}" for v in run.losses)
                + f", val acc {' '.join(f'{v:.3f}' for v in run.val_acc)}, {run.seconds:.1f} s"
            )
        for r in self.requirements:
            lines.append(f"  {'ok ' if r['passed'] else 'NO '} {r['kind']} {r.get('run', '')}: {r['detail']}")
        return "\n".join(lines)


def lab_spec(lab_id: str) -> dict[str, Any]:
    return tomllib.loads((LABS / lab_id / "lab.toml").read_text(encoding="utf-8"))


def load_module(path: Path) -> ModuleType:
    name = "lab_train_" + re.sub(r"\W", "_", str(path))
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _ce(scores: np.ndarray, y: np.ndarray) -> float:
    s = scores - scores.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    return -float(logp[np.arange(len(y)), y].mean())


def _runs_needed(spec: dict[str, Any], kinds: Sequence[str] | None) -> list[dict[str, Any]]:
    runs = spec["runs"]
    if kinds is None:
        return runs
    wanted: set[str] = set()
    for req in spec.get("require", []):
        if req["kind"] not in kinds:
            continue
        for key in ("run", "than"):
            if key in req:
                wanted.add(req[key])
        wanted.update(req.get("runs", []))
    if "*" in wanted:
        return runs
    return [r for r in runs if r["name"] in wanted]


def run_lab(
    lab_id: str,
    *,
    train_py: Path | None = None,
    dataset: Any = None,
    small: bool = True,
    kinds: Sequence[str] | None = None,
    folder: Path | None = None,
    verbose: bool = False,
    epochs: int | None = None,
    config: dict[str, Any] | None = None,
) -> Outcome:
    """Train every run of the lab (or only those the requirement ``kinds`` need) and judge them."""
    from srs.labs import data as labdata

    spec = lab_spec(lab_id)
    module = load_module(train_py or LABS / lab_id / "reference" / "train.py")
    folder = folder or (train_py.parent if train_py else LABS / lab_id / "reference")
    ds = (
        dataset
        if dataset is not None
        else labdata.load(spec.get("ci_data", "digits"), Path("."), small=small)
    )
    order = np.random.default_rng(SEED).permutation(len(ds.x_train))
    n_val = max(100, int(len(order) * VAL_FRACTION))
    val_rows, train_rows = order[:n_val], order[n_val:]
    x_tr, y_tr = ds.x_train[train_rows], ds.y_train[train_rows]
    x_val, y_val = ds.x_train[val_rows], ds.y_train[val_rows]
    shape = tuple(ds.x_train.shape[1:])
    started = time.perf_counter()
    runs: dict[str, RunResult] = {}
    for run_spec in _runs_needed(spec, kinds):
        result = RunResult(run_spec["name"])
        run_config = {**run_spec.get("config", {}), **(config or {})}
        t0 = time.perf_counter()
        model = module.build(run_config, shape, ds.classes, SEED)
        for epoch in range(epochs or run_spec["epochs"]):
            reply = module.train_epoch(model, x_tr.copy(), y_tr.copy(), epoch, run_config, SEED)
            model = reply.get("model", model)
            scores = np.asarray(module.predict(model, x_val.copy()), dtype=np.float64)
            result.losses.append(float(reply["loss"]))
            result.lrs.append(float(reply.get("lr", float("nan"))))
            result.val_acc.append(float((scores.argmax(axis=1) == y_val).mean()))
            result.val_loss.append(_ce(scores, y_val))
            if verbose:
                print(
                    f"  {result.name} epoch {epoch + 1}: loss {result.losses[-1]:.4f} lr {result.lrs[-1]:.4g} "
                    f"val acc {result.val_acc[-1]:.4f} ({time.perf_counter() - t0:.1f} s)",
                    flush=True,
                )
        result.model = model
        result.seconds = time.perf_counter() - t0
        runs[result.name] = result
    for result in runs.values():  # the test images only once every run is trained
        scores = np.asarray(module.predict(result.model, ds.x_test.copy()))
        result.accuracy = float((scores.argmax(axis=1) == ds.y_test).mean())
    elapsed = time.perf_counter() - started
    reqs = [
        _judge(req, spec, runs, module, ds, folder, small, elapsed)
        for req in spec.get("require", [])
        if kinds is None or req["kind"] in kinds
    ]
    return Outcome(lab_id, runs, reqs, elapsed)


def _judge(
    req: dict[str, Any],
    spec: dict[str, Any],
    runs: dict[str, RunResult],
    module: ModuleType,
    ds: Any,
    folder: Path,
    small: bool,
    elapsed: float,
) -> dict[str, Any]:
    kind = req["kind"]
    out: dict[str, Any] = {"kind": kind, "run": req.get("run", ",".join(req.get("runs", [])))}

    def done(passed: bool, detail: str, value: float = float("nan")) -> dict[str, Any]:
        out.update(passed=bool(passed), detail=detail, value=value)
        return out

    if kind == "accuracy":
        bar = req["small"] if small else req["min"]
        acc = runs[req["run"]].accuracy
        return done(acc >= bar, f"test accuracy {acc:.4f} (bar {bar})", acc)
    if kind == "converges":
        names = list(runs) if req["run"] == "*" else [req["run"]]
        drop = req.get("drop", 0.3)
        for name in names:
            r = runs[name]
            if not all(math.isfinite(v) for v in r.losses):
                return done(False, f"{name}: the loss is NaN or infinite", float("nan"))
            # An untrained classifier's loss is about ln(classes): an epoch's mean loss far above it
            # means the loss grew during training, however it ends.
            chance = math.log(ds.classes)
            if max(r.losses) > 2 * r.losses[0] or max(r.losses) > 1.5 * chance:
                return done(False, f"{name}: the loss diverges (epoch losses up to {max(r.losses):.3g})")
            if r.losses[-1] > (1 - drop) * r.losses[0]:
                return done(False, f"{name}: the loss fell only {1 - r.losses[-1] / r.losses[0]:.0%}")
            tail = r.val_acc[-3:]
            if tail[-1] < max(tail) - 0.03:
                return done(False, f"{name}: validation accuracy falls at the end ({tail})")
        return done(True, f"loss falls in {', '.join(names)}")
    if kind == "better":
        metric = req.get("metric", "accuracy")
        margin = req.get("margin", 0.0)
        a, b = runs[req["run"]], runs[req["than"]]
        if metric == "accuracy":
            diff = a.accuracy - b.accuracy
            return done(diff >= margin, f"{a.name} {a.accuracy:.4f} vs {b.name} {b.accuracy:.4f}", diff)
        diff = b.losses[-1] - a.losses[-1]
        return done(
            diff >= margin, f"final loss {a.name} {a.losses[-1]:.4f} vs {b.name} {b.losses[-1]:.4f}", diff
        )
    if kind == "lr_decays":
        lrs = runs[req["run"]].lrs
        falls = any(b < a for a, b in zip(lrs, lrs[1:], strict=False))
        return done(falls and lrs[-1] < lrs[0], f"lr per epoch {lrs}" if falls else "no learning-rate decay")
    if kind == "deterministic_predict":
        model = runs[req["run"]].model
        x = ds.x_test[:64].copy()
        first, second = (
            np.asarray(module.predict(model, x.copy())),
            np.asarray(module.predict(model, x.copy())),
        )
        halves = np.concatenate([module.predict(model, x[:32].copy()), module.predict(model, x[32:].copy())])
        same = np.array_equal(first, second) and np.allclose(first, halves, rtol=1e-4, atol=1e-5)
        gap = float(max(np.abs(first - second).max(), np.abs(first - halves).max()))
        return done(
            same, "predict is deterministic" if same else "augmentation or dropout applied at test time", gap
        )
    if kind == "identity_path":
        model = runs[req["run"]].model
        x = np.abs(ds.x_test[:4]).astype(np.float32)
        probe = np.asarray(module.residual_probe(model, x.copy()))
        gap = float(np.abs(probe - x).max()) if probe.shape == x.shape else float("inf")
        return done(
            gap <= 1e-6, "identity path kept" if gap <= 1e-6 else "the block has no identity path", gap
        )
    if kind == "feature_maps":
        maps = np.asarray(module.feature_maps(runs[req["run"]].model, ds.x_test[:1].copy()))
        ok = maps.ndim == 3 and maps.shape[0] >= 2 and bool(np.isfinite(maps).all())
        return done(ok, f"feature maps {maps.shape}", float(maps.shape[0]) if maps.ndim == 3 else 0.0)
    if kind == "overfit_diagnosis":
        said = _diagnosis(folder / "diagnosis.md", req["runs"])
        wrong = []
        for name in req["runs"]:
            seen = reading(runs[name], req)
            if said.get(name) != seen:
                wrong.append(f"{name}: curves say {seen}, diagnosis.md says {said.get(name)}")
        readings = {name: reading(runs[name], req) for name in req["runs"]}
        return done(not wrong, "; ".join(wrong) or f"diagnosis matches {readings}")
    if kind == "report":
        path = folder / req.get("file", "report.md")
        if not path.is_file():
            return done(False, f"{path.name} is missing")
        text = path.read_text(encoding="utf-8")
        words = len(text.split())
        missing = [t for t in req.get("must_mention", []) if t.lower() not in text.lower()]
        ok = words >= req.get("min_words", 0) and not missing
        return done(ok, f"{words} words" + (f", does not mention {missing}" if missing else ""), words)
    if kind == "time":
        return done(elapsed <= spec["limits"]["seconds"], f"{elapsed:.1f} s", elapsed)
    return done(False, f"unknown requirement {kind}")


def reading(run: RunResult, req: dict[str, Any]) -> str:
    """The checker's reading of a run's last epoch: a validation loss above the training loss by
    more than ``gap`` is overfitting; else a validation accuracy under ``low`` is underfitting."""
    gap = run.val_loss[-1] - run.losses[-1]
    if gap > req.get("gap", 0.3):
        return "overfitting"
    if run.val_acc[-1] < req.get("low", 0.8):
        return "underfitting"
    return "good fit"


def _diagnosis(path: Path, names: Sequence[str]) -> dict[str, str]:
    said: dict[str, str] = {}
    if not path.is_file():
        return said
    for line in path.read_text(encoding="utf-8").lower().splitlines():
        for name in names:
            if re.search(rf"(?<![\w-]){re.escape(name.lower())}(?![\w-])", line):
                for label in ("overfitting", "underfitting", "good fit"):
                    if label in line:
                        said.setdefault(name, label)
    return said


if __name__ == "__main__":
    args = sys.argv[1:]
    lab = args[0]
    path = Path(args[args.index("--file") + 1]) if "--file" in args else None
    out = run_lab(lab, train_py=path, small="--full" not in args, verbose=True)
    print(out.summary())
