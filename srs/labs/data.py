"""The labs' data sets (a minimal version: the generated ``digits`` set only).

``load(name, home, small=...)`` returns a :class:`Dataset`. ``digits`` is drawn deterministically
here: 28x28 grey digits made from seven-segment-like stroke templates with a random shift, scale,
slant, stroke thickness and noise; nothing is downloaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from srs.errors import InputError

# segments on a 0..1 box: (x0, y0, x1, y1); y grows downwards
_SEG = {
    "a": (0.2, 0.1, 0.8, 0.1),
    "b": (0.8, 0.1, 0.8, 0.5),
    "c": (0.8, 0.5, 0.8, 0.9),
    "d": (0.2, 0.9, 0.8, 0.9),
    "e": (0.2, 0.5, 0.2, 0.9),
    "f": (0.2, 0.1, 0.2, 0.5),
    "g": (0.2, 0.5, 0.8, 0.5),
    "s": (0.8, 0.1, 0.35, 0.9),  # the slanted stroke of a 7
    "i": (0.5, 0.1, 0.5, 0.9),  # the stem of a 1
}
_DIGITS = ("abcdef", "i", "abged", "abgcd", "fgbc", "afgcd", "afedcg", "as", "abcdefg", "abfgcd")


@dataclass(frozen=True)
class Dataset:
    """Images (N, 1, 28, 28) float32 in [0, 1] and int64 labels, split into train and test."""

    name: str
    x_train: Any
    y_train: Any
    x_test: Any
    y_test: Any
    classes: int
    small: bool


def _render(labels: Any, rng: Any, size: int = 28) -> Any:
    import numpy as np

    n = len(labels)
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
    px = xs.reshape(1, -1) + 0.5
    py = ys.reshape(1, -1) + 0.5
    scale = rng.uniform(14, 20, size=(n, 1)).astype(np.float32)
    ox = rng.uniform(3, size - 3 - 0.6 * 20, size=(n, 1)).astype(np.float32)
    oy = rng.uniform(2, size - 2 - 20, size=(n, 1)).astype(np.float32) + (20 - scale) / 2
    slant = rng.uniform(-0.25, 0.25, size=(n, 1)).astype(np.float32)
    thick = rng.uniform(1.0, 2.2, size=(n, 1)).astype(np.float32)
    best = np.full((n, size * size), np.inf, dtype=np.float32)
    for seg_name, (x0, y0, x1, y1) in _SEG.items():
        rows = np.array([seg_name in _DIGITS[int(label)] for label in labels])
        if not rows.any():
            continue
        s, sl = scale[rows], slant[rows]
        ax = ox[rows] + (x0 * 0.6 + sl * (0.5 - y0)) * s
        ay = oy[rows] + y0 * s
        bx = ox[rows] + (x1 * 0.6 + sl * (0.5 - y1)) * s
        by = oy[rows] + y1 * s
        dx, dy = bx - ax, by - ay
        t = ((px - ax) * dx + (py - ay) * dy) / np.maximum(dx * dx + dy * dy, 1e-6)
        t = np.clip(t, 0, 1)
        dist = np.hypot(px - (ax + t * dx), py - (ay + t * dy))
        best[rows] = np.minimum(best[rows], dist)
    ink = np.clip(thick + 0.5 - best, 0, 1)
    ink += rng.normal(0, 0.08, size=ink.shape).astype(np.float32)
    return np.clip(ink, 0, 1).astype(np.float32).reshape(n, 1, size, size)


def digits(*, train: int = 6000, test: int = 1000, seed: int = 26) -> Dataset:
    """The generated digits set (deterministic for a seed)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    y_train = rng.integers(0, 10, size=train).astype(np.int64)
    y_test = rng.integers(0, 10, size=test).astype(np.int64)
    x_train = _render(y_train, rng)
    x_test = _render(y_test, rng)
    return Dataset("digits", x_train, y_train, x_test, y_test, 10, train < 6000)


def load(name: str, home: Path, *, small: bool) -> Dataset:
    """The data set ``name`` (``small`` picks a reduced size for quick checks)."""
    if name == "digits":
        return digits(train=1500, test=500) if small else digits()
    raise InputError(f"the data set {name!r} is not available here; set SRS_LAB_SMALL_DATA=1 to use 'digits'")
