"""Wrong on purpose (d5-lab-training-tricks): a learning rate 500 times the one asked for.

Otherwise the reference: augmentation, dropout, weight decay and a learning-rate schedule, and the
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

Model = dict[str, Any]


def build(config: dict, shape: tuple[int, ...], classes: int, seed: int) -> Model:
    rng = np.random.default_rng(seed)
    d = int(np.prod(shape))
    hidden = config.get("hidden", 256)
    params = {
        "w1": (rng.standard_normal((d, hidden)) * np.sqrt(2.0 / d)).astype(np.float32),
        "b1": np.zeros(hidden, np.float32),
        "w2": (rng.standard_normal((hidden, classes)) * np.sqrt(1.0 / hidden)).astype(np.float32),
        "b2": np.zeros(classes, np.float32),
    }
    return {
        "params": params,
        "m": {k: np.zeros_like(v) for k, v in params.items()},
        "v": {k: np.zeros_like(v) for k, v in params.items()},
        "t": 0,
        "shape": shape,
    }


def shift(x: np.ndarray, rng: np.random.Generator, most: int = 2) -> np.ndarray:
    """Move each image (N, C, H, W) by its own random offset of up to ``most`` pixels (zero fill)."""
    n, c, h, w = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (most, most), (most, most)))
    dy = rng.integers(0, 2 * most + 1, n)
    dx = rng.integers(0, 2 * most + 1, n)
    rows = dy[:, None] + np.arange(h)[None, :]  # (N, H)
    cols = dx[:, None] + np.arange(w)[None, :]  # (N, W)
    return padded[
        np.arange(n)[:, None, None, None],
        np.arange(c)[None, :, None, None],
        rows[:, None, :, None],
        cols[:, None, None, :],
    ]


def learning_rate(config: dict, epoch: int, epochs: int) -> float:
    """Cosine decay from ``lr`` to a tenth of it over ``epochs``, or constant."""
    lr = config.get("lr", 0.001) * 500
    if config.get("schedule", "constant") == "cosine" and epochs > 1:
        return lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * epoch / (epochs - 1))))
    return lr


def forward_train(
    model: Model, x: np.ndarray, config: dict, rng: np.random.Generator
) -> tuple[np.ndarray, tuple]:
    p = model["params"]
    z1 = x @ p["w1"] + p["b1"]
    h = np.maximum(z1, 0)
    keep = 1.0 - config.get("dropout", 0.0)
    mask = (rng.random(h.shape) < keep).astype(np.float32) / np.float32(keep) if keep < 1.0 else None
    if mask is not None:
        h = h * mask
    return h @ p["w2"] + p["b2"], (x, z1, h, mask)


def train_epoch(model: Model, x: np.ndarray, y: np.ndarray, epoch: int, config: dict, seed: int) -> dict:
    rng = np.random.default_rng(seed * 1000 + epoch)
    if config.get("subset"):
        x, y = x[: config["subset"]], y[: config["subset"]]
    lr = learning_rate(config, epoch, config.get("epochs", 8))
    wd = config.get("weight_decay", 0.0)
    batch = config.get("batch", 64)
    order = rng.permutation(len(x))
    p = model["params"]
    losses = []
    for start in range(0, len(x), batch):
        rows = order[start : start + batch]
        xb = x[rows].astype(np.float32)
        if config.get("augment"):
            xb = shift(xb, rng)
        xb = xb.reshape(len(rows), -1)
        scores, (x_in, z1, h, mask) = forward_train(model, xb, config, rng)
        shifted = scores - scores.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        n = len(rows)
        losses.append(-float(logp[np.arange(n), y[rows]].mean()))
        ds = np.exp(logp)
        ds[np.arange(n), y[rows]] -= 1
        ds /= n
        dh = ds @ p["w2"].T
        if mask is not None:
            dh *= mask
        dz1 = dh * (z1 > 0)
        grads = {
            "w2": h.T @ ds + wd * p["w2"],
            "b2": ds.sum(0),
            "w1": x_in.T @ dz1 + wd * p["w1"],
            "b1": dz1.sum(0),
        }
        model["t"] += 1
        t = model["t"]
        for k, param in p.items():
            m, v = model["m"][k], model["v"][k]
            m *= 0.9
            m += 0.1 * grads[k]
            v *= 0.999
            v += 0.001 * grads[k] ** 2
            param -= lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return {"loss": float(np.mean(losses)), "lr": float(lr)}


def predict(model: Model, x: np.ndarray) -> np.ndarray:
    """Scores on the images as they are: no augmentation and no dropout at test time."""
    p = model["params"]
    h = np.maximum(x.reshape(len(x), -1).astype(np.float32) @ p["w1"] + p["b1"], 0)
    return h @ p["w2"] + p["b2"]
