"""Trusted lab checker, executed as a script in its own process (never imported by srs).

Started by :func:`srs.labs.runner.check` as ``python _lab_harness.py KEY_FD EVENTS_FD`` in a private
folder holding ``job.json`` (the lab's runs and requirements, folders, limits) and ``data.npz``
(the training and test arrays, held-out labels included). It starts the learner's ``train.py`` in a
separate confined process (:class:`srs.exercises.remote.LearnerProcess`) and drives the training loop:
it sends ONLY training images and labels (minus a validation split it keeps) to ``train_epoch``,
measures the validation accuracy itself after each epoch with the learner's ``predict``, and only
after all training asks ``predict`` for the test images, whose labels never leave this process. So a
learner's code cannot train on the test set: it never receives it.

Events go to ``EVENTS_FD``, one JSON object per line, each preceded by its HMAC over
``"<line number>:<json>"`` keyed with the key read from ``KEY_FD`` (as in the exercise harness):

* ``start`` {runs: [{name, epochs}], functions}
* ``epoch`` {run, epoch, loss, lr, val_acc, val_loss, seconds}
* ``requirement`` {kind, run, passed, detail}
* ``artefact`` {path} (a file written in the lab folder)
* ``error`` {run, function, message} - the learner's code raised or answered with something unusable
* ``limit`` {reason, run} - the learner's process hit a limit and was stopped
* ``not_gradable`` {message} - the file does not load, or lacks a function the lab needs
* ``internal_error`` {message}
* ``done`` {accuracy: {run: test accuracy}, seconds}

A built-in lab may add trusted checks of its own in ``checks.py`` (``run(check)``, see
:func:`_load_checks`); a learner's own lab folder may not (its files are data, like a deck's).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import re
import sys
import time
import traceback
from pathlib import Path
from typing import IO, Any

DETAIL_CHARS = 300
PREDICT_BATCH = 2000
OVER_TERMS = ("overfitting", "over-fitting", "overfit", "过拟合")
UNDER_TERMS = ("underfitting", "under-fitting", "underfit", "欠拟合")
GOOD_TERMS = ("good fit", "good-fit", "well fit", "拟合良好", "良好拟合")


class _Signed:
    """The event stream: ``<HMAC-SHA256 hex> <json>`` per line over ``"<line number>:<json>"``."""

    def __init__(self, raw: IO[str], key: bytes) -> None:
        self.raw = raw
        self.key = key
        self.seq = 0

    def emit(self, **event: Any) -> None:
        line = json.dumps(event, allow_nan=False, default=str)
        mac = hmac.new(self.key, f"{self.seq}:{line}".encode(), hashlib.sha256).hexdigest()
        self.raw.write(f"{mac} {line}\n")
        self.raw.flush()
        self.seq += 1


def _short(text: Any, limit: int = DETAIL_CHARS) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _num(value: Any) -> float | None:
    """A finite float for JSON, else None."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


class LearnerFailed(Exception):  # noqa: N818 - a finding about the learner's code
    """The learner's function raised or returned something unusable; stops the check."""

    def __init__(self, run: str, function: str, message: str) -> None:
        super().__init__(message)
        self.run = run
        self.function = function
        self.message = message


class Check:
    """One check of one lab: the learner's process, the data, what was measured so far."""

    def __init__(self, job: dict[str, Any], data: dict[str, Any], learner: Any, out: _Signed) -> None:
        import numpy as np

        self.np = np
        self.job = job
        self.learner = learner
        self.module = learner.module
        self.out = out
        self.started = time.monotonic()
        self.folder = Path(job["lab_folder"])
        rng = np.random.default_rng([int(job["seed"]), 1])
        x, y = data["x_train"], data["y_train"]
        order = rng.permutation(len(x))
        n_val = max(1, int(round(len(x) * float(job["val_fraction"]))))
        self.x_val, self.y_val = x[order[:n_val]], y[order[:n_val]]
        self.x_train, self.y_train = x[order[n_val:]], y[order[n_val:]]
        self.x_test, self.y_test = data["x_test"], data["y_test"]
        self.classes = int(data["classes"])
        self.runs: list[dict[str, Any]] = job["runs"]
        self.requires: list[dict[str, Any]] = job["requires"]
        self.models: dict[str, Any] = {}
        self.history: dict[str, dict[str, list[float | None]]] = {}
        self.test_scores: dict[str, Any] = {}
        self.accuracy: dict[str, float] = {}
        self.seconds: dict[str, float] = {}
        self.where = "while building the model"

    # ---------------------------------------------------------------- calling the learner

    def call(self, run: str, function: str, *args: Any) -> Any:
        from srs.exercises import remote

        try:
            return getattr(self.module, function)(*args)
        except remote.LearnerStopped:
            raise
        except MemoryError:
            raise LearnerFailed(run, function, "MemoryError: ran out of memory") from None
        except remote.LearnerRaised as exc:
            raise LearnerFailed(run, function, f"{function} raised {exc.text or exc}") from None
        except remote.LearnerExit as exc:
            raise LearnerFailed(run, function, f"{function} called sys.exit({exc.code})") from None
        except Exception as exc:  # noqa: BLE001 - a reply that cannot be used
            raise LearnerFailed(run, function, f"{function}: {type(exc).__name__}: {exc}") from None

    def scores(self, run: str, model: Any, x: Any) -> Any:
        """``predict(model, x)`` in batches, checked to be (N, classes) finite numbers."""
        np = self.np
        parts = []
        for start in range(0, len(x), PREDICT_BATCH):
            batch = x[start : start + PREDICT_BATCH]
            got = self.call(run, "predict", model, batch)
            try:
                arr = np.asarray(got, dtype=np.float64)
            except (TypeError, ValueError):
                raise LearnerFailed(run, "predict", "predict must return an array of scores") from None
            if arr.shape != (len(batch), self.classes):
                raise LearnerFailed(
                    run,
                    "predict",
                    f"predict returned shape {arr.shape}, expected {(len(batch), self.classes)}",
                )
            parts.append(arr)
        return np.concatenate(parts) if parts else np.zeros((0, self.classes))

    def acc(self, scores: Any, labels: Any) -> float:
        np = self.np
        finite = np.isfinite(scores).all(axis=1)
        return float(np.mean((np.argmax(np.nan_to_num(scores, nan=-np.inf), axis=1) == labels) & finite))

    def cross_entropy(self, scores: Any, labels: Any) -> float | None:
        """The mean softmax cross-entropy of scores against labels (None when not finite)."""
        np = self.np
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return _num(-log_probs[np.arange(len(labels)), labels].mean())

    # ---------------------------------------------------------------- training

    def train(self) -> None:
        for index, spec in enumerate(self.runs):
            name, epochs, config = spec["name"], int(spec["epochs"]), dict(spec.get("config") or {})
            seed = int(self.job["seed"]) * 1000 + index
            started = time.monotonic()
            shape = tuple(int(s) for s in self.x_train.shape[1:])
            model = self.call(name, "build", config, shape, self.classes, seed)
            hist: dict[str, list[float | None]] = {"loss": [], "lr": [], "val_acc": [], "val_loss": []}
            self.history[name] = hist
            for epoch in range(epochs):
                self.where = f"in run {name}, epoch {epoch + 1}"
                t0 = time.monotonic()
                got = self.call(
                    name, "train_epoch", model, self.x_train, self.y_train, epoch, dict(config), seed
                )
                if not isinstance(got, dict) or "loss" not in got:
                    raise LearnerFailed(
                        name, "train_epoch", 'train_epoch must return a dict {"loss": ..., "lr": ...}'
                    )
                if "model" in got:
                    model = got["model"]
                loss = got.get("loss")
                if isinstance(loss, bool) or not isinstance(loss, int | float | self.np.number):
                    raise LearnerFailed(
                        name, "train_epoch", f"train_epoch's 'loss' is not a number: {_short(loss, 60)}"
                    )
                lr = got.get("lr")
                loss_value = float(loss)
                lr_value = _num(lr)
                val_scores = self.scores(name, model, self.x_val)
                val = self.acc(val_scores, self.y_val)
                val_loss = self.cross_entropy(val_scores, self.y_val)
                hist["loss"].append(loss_value if math.isfinite(loss_value) else None)
                hist["lr"].append(lr_value)
                hist["val_acc"].append(val)
                hist["val_loss"].append(val_loss)
                self.out.emit(
                    event="epoch",
                    run=name,
                    epoch=epoch + 1,
                    epochs=epochs,
                    loss=_num(loss_value),
                    nonfinite=not math.isfinite(loss_value),
                    lr=lr_value,
                    val_acc=val,
                    val_loss=val_loss,
                    seconds=round(time.monotonic() - t0, 3),
                )
            self.models[name] = model
            self.seconds[name] = time.monotonic() - started
        # only now, after all training, the test images go to the learner (their labels never do)
        for spec in self.runs:
            name = spec["name"]
            self.where = f"predicting the test images of run {name}"
            scores = self.scores(name, self.models[name], self.x_test)
            self.test_scores[name] = scores
            self.accuracy[name] = self.acc(scores, self.y_test)

    # ---------------------------------------------------------------- requirements

    def requirement(self, kind: str, run: str, passed: bool, detail: str) -> None:
        self.out.emit(event="requirement", kind=kind, run=run, passed=bool(passed), detail=_short(detail))

    def check_all(self) -> None:
        for req in self.requires:
            kind, params = req["kind"], req["params"]
            method = getattr(self, "req_" + kind)
            runs = [r["name"] for r in self.runs] if params.get("run") == "*" else [params.get("run", "")]
            for run in runs:
                method(run, params)

    def req_accuracy(self, run: str, p: dict[str, Any]) -> None:
        if self.job.get("rebuild") and "rebuild" in p:
            bar, which = float(p["rebuild"]), "rebuild bar"
        elif self.job.get("small") and "small" in p:
            bar, which = float(p["small"]), "bar on the small data set"
        else:
            bar, which = float(p["min"]), "bar"
        acc = self.accuracy[run]
        verdict = "reaches" if acc >= bar else "is below"
        self.requirement(
            "accuracy", run, acc >= bar, f"test accuracy {acc:.2%} {verdict} the {which} {bar:.2%}"
        )

    def req_converges(self, run: str, p: dict[str, Any]) -> None:
        hist = self.history[run]
        losses = hist["loss"]
        drop = float(p.get("drop", 0.3))
        if any(v is None for v in losses):
            bad = next(i for i, v in enumerate(losses) if v is None) + 1
            self.requirement("converges", run, False, f"the loss is NaN or infinite at epoch {bad}")
            return
        values = [float(v) for v in losses if v is not None]
        first, last = values[0], values[-1]
        if last > 2 * max(first, 1e-12) or max(values) > 2 * max(first, 1e-12) and last > first:
            self.requirement(
                "converges", run, False, f"the loss diverges: {first:.4g} at epoch 1, {last:.4g} at the end"
            )
            return
        if len(values) > 1 and not last <= first * (1 - drop):
            self.requirement(
                "converges",
                run,
                False,
                f"the loss falls too little: {first:.4g} -> {last:.4g} (needs -{drop:.0%})",
            )
            return
        val = [float(v) for v in hist["val_acc"] if v is not None]
        if len(val) >= 3 and val[-3] > val[-2] > val[-1] and val[-3] - val[-1] > 0.01:
            self.requirement(
                "converges",
                run,
                False,
                f"the validation accuracy falls over the last epochs: {val[-3]:.2%} -> {val[-1]:.2%}",
            )
            return
        self.requirement(
            "converges",
            run,
            True,
            f"loss {first:.4g} -> {last:.4g}, no NaN, validation accuracy {val[-1]:.2%}",
        )

    def req_better(self, run: str, p: dict[str, Any]) -> None:
        other, metric, margin = str(p["than"]), str(p.get("metric", "accuracy")), float(p.get("margin", 0.0))
        if metric == "accuracy":
            a, b = self.accuracy[run], self.accuracy[other]
            ok = a >= b + margin
            detail = f"test accuracy {run} {a:.2%} vs {other} {b:.2%} (margin {margin:.2%})"
        else:
            la, lb = self.history[run]["loss"][-1], self.history[other]["loss"][-1]
            ok = la is not None and (lb is None or la <= lb - margin)
            detail = f"final loss {run} {la} vs {other} {lb} (margin {margin:g})"
        self.requirement("better", run, ok, ("" if ok else "not better: ") + detail)

    def req_lr_decays(self, run: str, p: dict[str, Any]) -> None:
        lrs = self.history[run]["lr"]
        if any(v is None for v in lrs):
            self.requirement(
                "lr_decays", run, False, "train_epoch must return the learning rate it used as 'lr'"
            )
            return
        values = [float(v) for v in lrs if v is not None]
        falls = any(b < a for a, b in zip(values, values[1:], strict=False))
        ok = falls and values[-1] < values[0]
        detail = " -> ".join(f"{v:.3g}" for v in values[:8]) + (" ..." if len(values) > 8 else "")
        self.requirement(
            "lr_decays", run, ok, f"learning rate {detail}" if ok else f"no learning-rate decay: {detail}"
        )

    def req_deterministic_predict(self, run: str, p: dict[str, Any]) -> None:
        np = self.np
        model, x = self.models[run], self.x_test[:64]
        half = len(x) // 2
        once = self.scores(run, model, x)
        again = self.scores(run, model, x)
        halves = np.concatenate([self.scores(run, model, x[:half]), self.scores(run, model, x[half:])])
        if not np.array_equal(once, again):
            self.requirement(
                "deterministic_predict", run, False,
                "predict gives different outputs for the same images: augmentation or dropout applied at test time",
            )  # fmt: skip
        elif not np.allclose(
            once, halves, rtol=1e-4, atol=1e-5
        ):  # float32 sums differ a little by batch size
            self.requirement(
                "deterministic_predict", run, False,
                "predicting a batch differs from predicting its halves: batch statistics or augmentation at test time",
            )  # fmt: skip
        else:
            self.requirement("deterministic_predict", run, True, "predict is deterministic and per-image")

    def req_identity_path(self, run: str, p: dict[str, Any]) -> None:
        np = self.np
        shape = tuple(p.get("shape") or (2, *self.x_train.shape[1:]))
        x = np.abs(np.random.default_rng([int(self.job["seed"]), 7]).normal(size=shape)).astype(
            self.x_train.dtype
        )
        got = self.call(run, "residual_probe", self.models[run], x.copy())
        try:
            arr = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            arr = np.zeros(0)
        if arr.shape != x.shape:
            self.requirement(
                "identity_path", run, False, f"residual_probe returned shape {arr.shape}, expected {x.shape}"
            )
            return
        err = float(np.max(np.abs(arr - x))) if arr.size else 0.0
        ok = bool(np.isfinite(arr).all()) and err <= 1e-6
        detail = (
            "the block passes its input through when its weights are zero"
            if ok
            else (
                f"the block has no identity path (with zeroed weights its output differs from its input by {err:.3g})"
            )
        )
        self.requirement("identity_path", run, ok, detail)

    def req_feature_maps(self, run: str, p: dict[str, Any]) -> None:
        np = self.np
        got = self.call(run, "feature_maps", self.models[run], self.x_test[:1].copy())
        try:
            arr = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            arr = np.zeros(0)
        if arr.ndim == 4 and arr.shape[0] == 1:
            arr = arr[0]
        if arr.ndim != 3 or arr.shape[0] < 2 or min(arr.shape) < 1:
            self.requirement(
                "feature_maps", run, False, f"feature_maps must return (C, H, W) with C >= 2, got {arr.shape}"
            )
            return
        if not np.isfinite(arr).all():
            self.requirement("feature_maps", run, False, "feature_maps returned NaN or infinite values")
            return
        path = self.folder / "feature_maps.png"
        path.write_bytes(_drawing().image_grid_png(arr[:64]))
        self.out.emit(event="artefact", path=str(path))
        self.requirement(
            "feature_maps", run, True, f"{arr.shape[0]} maps of {arr.shape[1]}x{arr.shape[2]} saved"
        )

    def req_overfit_diagnosis(self, run: str, p: dict[str, Any]) -> None:
        """The checker's reading of each run's last epoch: a validation loss above the training loss by
        more than ``gap`` is overfitting; else a validation accuracy under ``low`` is underfitting; else a
        good fit. The learner's ``diagnosis.md`` must say the same, run by run."""
        gap_bar, low = float(p.get("gap", 0.3)), float(p.get("low", 0.8))
        runs = list(p["runs"])
        series = {}
        reading = {}
        for name in runs:
            hist = self.history[name]
            train = [math.nan if v is None else float(v) for v in hist["loss"]]
            val = [math.nan if v is None else float(v) for v in hist["val_loss"]]
            series[f"{name} train"] = train
            series[f"{name} val"] = val
            gap = val[-1] - train[-1]
            if gap > gap_bar or not math.isfinite(gap):
                reading[name] = "overfitting" if math.isfinite(gap) else "underfitting"
            else:
                reading[name] = "underfitting" if float(hist["val_acc"][-1] or 0) < low else "good fit"
        path = self.folder / "diagnosis.svg"
        path.write_text(
            _drawing().curves_svg(series, "training vs validation loss", "loss"), encoding="utf-8"
        )
        self.out.emit(event="artefact", path=str(path))
        file = self.folder / str(p.get("file", "diagnosis.md"))
        text = _read_small(file)
        if text is None:
            self.requirement(
                "overfit_diagnosis", "", False,
                f"write {file.name} in the lab folder naming, per run, overfitting, underfitting or good fit "
                f"(the curves: {path.name})",
            )  # fmt: skip
            return
        wrong = []
        for name in runs:
            said = _diagnosis_of(text, name)
            if said != reading[name]:
                wrong.append(f"{name}: {file.name} says {said or 'nothing'}, the curves show {reading[name]}")
        if wrong:
            self.requirement("overfit_diagnosis", "", False, "; ".join(wrong))
        else:
            self.requirement("overfit_diagnosis", "", True, ", ".join(f"{n}: {reading[n]}" for n in runs))

    def req_report(self, run: str, p: dict[str, Any]) -> None:
        file = self.folder / str(p["file"])
        text = _read_small(file)
        if text is None:
            self.requirement("report", "", False, f"no {file.name} in the lab folder")
            return
        words = len(text.split()) + len(re.findall(r"[\u4e00-\u9fff]", text))
        need = int(p.get("min_words", 0))
        missing = [t for t in p.get("must_mention", []) if t.lower() not in text.lower()]
        if words < need:
            self.requirement("report", "", False, f"{file.name} has {words} words, fewer than {need}")
        elif missing:
            self.requirement("report", "", False, f"{file.name} does not mention: {', '.join(missing)}")
        else:
            self.requirement("report", "", True, f"{file.name}: {words} words, mentions all the terms")

    def req_time(self, run: str, p: dict[str, Any]) -> None:
        spent = time.monotonic() - self.started
        limit = float(self.job["seconds"])
        self.requirement("time", "", spent <= limit, f"{spent:.1f} s of the {limit:g} s allowed")

    # ---------------------------------------------------------------- artefacts

    def curves(self) -> None:
        drawing = _drawing()
        loss = {
            name: [v if v is not None else math.nan for v in h["loss"]] for name, h in self.history.items()
        }
        val = {
            name: [v if v is not None else math.nan for v in h["val_acc"]] for name, h in self.history.items()
        }
        svg_loss = drawing.curves_svg(loss, "training loss", "loss")
        svg_val = drawing.curves_svg(val, "validation accuracy", "accuracy")
        path = self.folder / "curves.svg"
        path.write_text(_stack_svg(svg_loss, svg_val), encoding="utf-8")
        self.out.emit(event="artefact", path=str(path))
        try:
            png = self.folder / "curves.png"
            png.write_bytes(drawing.curves_png(loss, "training loss", "loss"))
            self.out.emit(event="artefact", path=str(png))
        except Exception:  # noqa: BLE001 - a drawing failure is not the learner's
            traceback.print_exc()


def _drawing() -> Any:
    """The plotting module (numpy and zlib only), imported when a drawing is first made."""
    from srs.labs import plot

    return plot


def _stack_svg(top: str, bottom: str) -> str:
    """Two SVG drawings one above the other in one file."""

    def body(svg: str) -> str:
        return svg.split(">", 1)[1].rsplit("</svg>", 1)[0]

    size = re.search(r'width="(\d+)" height="(\d+)"', top)
    width, height = (int(size.group(1)), int(size.group(2))) if size else (560, 320)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{2 * height}" '
        f'viewBox="0 0 {width} {2 * height}">\n<g>{body(top)}</g>\n'
        f'<g transform="translate(0 {height})">{body(bottom)}</g>\n</svg>\n'
    )


def _load_checks(path: Path) -> Any:
    """A built-in lab's ``checks.py`` (package code), loaded here in the checker: ``run(check)`` may call
    ``check.requirement(kind, run, passed, detail)`` and read ``check.models``, ``check.history``,
    ``check.accuracy``, ``check.x_test`` and ``check.folder``, and call the learner's functions with
    ``check.call(run, name, *args)``."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_srs_lab_checks", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _read_small(path: Path) -> str | None:
    """A learner's text file of the lab folder (a regular file, at most 1 MiB), or None."""
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            return None
        return fh.read(1 << 20).decode("utf-8", errors="replace")


def _diagnosis_of(text: str, run: str) -> str:
    """What the learner's diagnosis says of ``run``: the one verdict on the lines that start with its
    name (``- name: ...``), else on the lines that name it anywhere; ``''`` when none or several."""
    name = re.escape(run.lower())
    heading = re.compile(r"^[\s*#>|-]*`?" + name + r"`?\s*[:：|-]")
    anywhere = re.compile(r"(?<![\w-])" + name + r"(?![\w-])")
    lines = text.lower().splitlines()
    for rx in (heading, anywhere):
        found = set()
        for line in lines:
            if rx.search(line):
                for verdict, terms in (
                    ("overfitting", OVER_TERMS),
                    ("underfitting", UNDER_TERMS),
                    ("good fit", GOOD_TERMS),
                ):
                    if any(term in line for term in terms):
                        found.add(verdict)
        if found:
            return found.pop() if len(found) == 1 else ""
    return ""


def main() -> int:
    root = Path(__file__).resolve().parents[2]
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from srs.exercises import sandbox as _sandbox

    _sandbox.make_undumpable()
    key = os.read(int(sys.argv[1]), 256)
    os.close(int(sys.argv[1]))
    out = _Signed(os.fdopen(int(sys.argv[2]), "w", encoding="utf-8"), key)
    learner: Any = None
    check: Check | None = None
    try:
        job = json.loads(Path("job.json").read_text(encoding="utf-8"))
        from srs.exercises import _learner as wire
        from srs.exercises import remote, sandbox

        sandbox.adopt_bwrap_probe(job.get("bwrap"))
        wire.MAX_MESSAGE = int(job.get("max_message", wire.MAX_MESSAGE))  # the training arrays travel whole
        learner = remote.LearnerProcess(
            workdir=Path(job["learner_dir"]),
            source=Path("train.py").read_bytes(),
            label="train.py",
            limits=sandbox.Limits(**job["limits"]),
            hide=[Path(p) for p in job.get("hide", [])],
            max_message=wire.MAX_MESSAGE,
        )
        import numpy as np

        with np.load("data.npz", allow_pickle=False) as npz:
            data = {name: npz[name] for name in npz.files}
        Path("data.npz").unlink()
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        out.emit(event="internal_error", message=_short(f"{type(exc).__name__}: {exc}"))
        if learner is not None:
            learner.close()
        return 3

    import warnings

    warnings.simplefilter("ignore")
    np.seterr(all="ignore")
    out.emit(event="start", runs=[{"name": r["name"], "epochs": r["epochs"]} for r in job["runs"]])
    with learner:
        try:
            hello = learner.hello()
            if "ready" not in hello:
                kind, message = next(iter(hello.items()))
                if kind == "limit":
                    out.emit(event="limit", reason=_short(message), run=None)
                else:
                    out.emit(event="not_gradable", message=_short(message))
                return 0
            missing = learner.missing(job["functions"])
            if missing:
                names = ", ".join(f"`{n}`" for n in missing)
                out.emit(event="not_gradable", message=f"train.py does not define the function(s) {names}")
                return 0
            check = Check(job, data, learner, out)
            check.train()
            check.curves()
            check.check_all()
            if job.get("checks"):  # a built-in lab's own trusted checks (never a deck's)
                custom = _load_checks(Path(job["checks"]))
                custom.run(check)
        except remote.LearnerStopped as stop:
            res = stop.result
            reason = res.reason or f"the process ended (exit code {res.returncode})"
            where = check.where if check is not None else "while loading train.py"
            out.emit(event="limit", reason=_short(reason), where=where)
            return 0
        except LearnerFailed as failed:
            out.emit(event="error", run=failed.run, function=failed.function, message=_short(failed.message))
            return 0
        except BaseException as exc:  # noqa: BLE001
            traceback.print_exc()
            out.emit(event="internal_error", message=_short(f"{type(exc).__name__}: {exc}"))
            return 3
    assert check is not None
    out.emit(
        event="done",
        accuracy=check.accuracy,
        seconds=round(time.monotonic() - check.started, 2),
        run_seconds={k: round(v, 2) for k, v in check.seconds.items()},
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
