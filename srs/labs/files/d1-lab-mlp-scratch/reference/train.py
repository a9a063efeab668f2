"""Day 1 lab, reference: a two-layer network in numpy with a choice of activation."""

from __future__ import annotations

from typing import Any

import numpy as np


def _act(name: str, z: np.ndarray) -> np.ndarray:
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    raise ValueError(f"unknown activation {name!r}")


def _act_grad(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    if name == "relu":
        return (z > 0).astype(z.dtype)
    if name == "sigmoid":
        return a * (1.0 - a)
    return 1.0 - a * a


def build(config: dict, shape: tuple[int, ...], classes: int, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    d, h = int(np.prod(shape)), int(config.get("hidden", 128))
    gain = 2.0 if config.get("activation", "relu") == "relu" else 1.0
    return {
        "W1": (rng.normal(size=(d, h)) * np.sqrt(gain / d)).astype(np.float32),
        "b1": np.zeros(h, np.float32),
        "W2": (rng.normal(size=(h, classes)) * np.sqrt(1.0 / h)).astype(np.float32),
        "b2": np.zeros(classes, np.float32),
        "activation": str(config.get("activation", "relu")),
    }


def _forward(model: dict[str, Any], x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    x = x.reshape(len(x), -1)
    z = x @ model["W1"] + model["b1"]
    a = _act(model["activation"], z)
    return x, z, a, a @ model["W2"] + model["b2"]


def train_epoch(
    model: dict[str, Any], x: np.ndarray, y: np.ndarray, epoch: int, config: dict, seed: int
) -> dict:
    rng = np.random.default_rng([seed, epoch])
    lr, batch = float(config.get("lr", 0.1)), int(config.get("batch", 64))
    momentum = float(config.get("momentum", 0.9))
    order = rng.permutation(len(x))
    losses = []
    for start in range(0, len(x), batch):
        idx = order[start : start + batch]
        xb, z, a, scores = _forward(model, x[idx])
        shifted = scores - scores.max(axis=1, keepdims=True)
        probs = np.exp(shifted)
        probs /= probs.sum(axis=1, keepdims=True)
        n = len(idx)
        losses.append(float(-np.log(probs[np.arange(n), y[idx]] + 1e-12).mean()))
        dscores = probs
        dscores[np.arange(n), y[idx]] -= 1.0
        dscores /= n
        dW2, db2 = a.T @ dscores, dscores.sum(axis=0)
        dz = (dscores @ model["W2"].T) * _act_grad(model["activation"], z, a)
        dW1, db1 = xb.T @ dz, dz.sum(axis=0)
        for name, grad in (("W1", dW1), ("b1", db1), ("W2", dW2), ("b2", db2)):
            velocity = model.setdefault("v" + name, np.zeros_like(model[name]))
            velocity *= momentum
            velocity -= (lr * grad).astype(np.float32)
            model[name] += velocity
    return {"loss": float(np.mean(losses)), "lr": lr}


def predict(model: dict[str, Any], x: np.ndarray) -> np.ndarray:
    return _forward(model, x)[3]
