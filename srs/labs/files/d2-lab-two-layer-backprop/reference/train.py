"""Day 2 lab, reference: a two-layer network with hand-written backprop and three optimizers.

affine (784 -> hidden) - ReLU - affine (hidden -> 10) - softmax, trained by plain SGD, SGD with
momentum or Adam (``config["optimizer"]``), one update per mini-batch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Model = dict[str, Any]


def build(config: dict, shape: tuple[int, ...], classes: int, seed: int) -> Model:
    """Weights (He initialisation for the ReLU layer) and an empty optimizer state."""
    rng = np.random.default_rng(seed)
    d = int(np.prod(shape))
    hidden = config.get("hidden", 128)
    params = {
        "w1": (rng.standard_normal((d, hidden)) * np.sqrt(2.0 / d)).astype(np.float32),
        "b1": np.zeros(hidden, np.float32),
        "w2": (rng.standard_normal((hidden, classes)) * np.sqrt(1.0 / hidden)).astype(np.float32),
        "b2": np.zeros(classes, np.float32),
    }
    return {"params": params, "state": {}, "t": 0}


def loss_and_grads(model: Model, x: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
    """Softmax cross-entropy of the batch and the gradient of every parameter (backprop by hand)."""
    p = model["params"]
    n = x.shape[0]
    z1 = x @ p["w1"] + p["b1"]
    h = np.maximum(z1, 0)
    scores = h @ p["w2"] + p["b2"]
    shifted = scores - scores.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -float(logp[np.arange(n), y].mean())
    dscores = np.exp(logp)
    dscores[np.arange(n), y] -= 1
    dscores /= n
    dh = dscores @ p["w2"].T
    dz1 = dh * (z1 > 0)
    grads = {"w2": h.T @ dscores, "b2": dscores.sum(axis=0), "w1": x.T @ dz1, "b1": dz1.sum(axis=0)}
    return loss, grads


def step(model: Model, grads: dict[str, np.ndarray], config: dict) -> None:
    """One update of every parameter with the configured optimizer."""
    kind = config.get("optimizer", "sgd")
    lr = config.get("lr", 0.05)
    state = model["state"]
    model["t"] += 1
    t = model["t"]
    for k, param in model["params"].items():
        g = grads[k]
        if kind == "sgd":
            param -= lr * g
        elif kind == "momentum":
            v = state.setdefault(k, np.zeros_like(param))
            v *= config.get("mu", 0.9)
            v -= lr * g
            param += v
        elif kind == "adam":
            b1, b2 = config.get("beta1", 0.9), config.get("beta2", 0.999)
            m = state.setdefault("m_" + k, np.zeros_like(param))
            s = state.setdefault("v_" + k, np.zeros_like(param))
            m *= b1
            m += (1 - b1) * g
            s *= b2
            s += (1 - b2) * g * g
            param -= lr * (m / (1 - b1**t)) / (np.sqrt(s / (1 - b2**t)) + 1e-8)
        else:
            raise ValueError(f"unknown optimizer {kind!r}")


def train_epoch(model: Model, x: np.ndarray, y: np.ndarray, epoch: int, config: dict, seed: int) -> dict:
    """One shuffled pass over the data in mini-batches."""
    x = x.reshape(len(x), -1).astype(np.float32)
    batch = config.get("batch", 64)
    order = np.random.default_rng(seed + epoch).permutation(len(x))
    losses = []
    for start in range(0, len(x), batch):
        rows = order[start : start + batch]
        loss, grads = loss_and_grads(model, x[rows], y[rows])
        step(model, grads, config)
        losses.append(loss)
    return {"loss": float(np.mean(losses)), "lr": float(config.get("lr", 0.05))}


def predict(model: Model, x: np.ndarray) -> np.ndarray:
    """Class scores (N, classes)."""
    p = model["params"]
    h = np.maximum(x.reshape(len(x), -1).astype(np.float32) @ p["w1"] + p["b1"], 0)
    return h @ p["w2"] + p["b2"]
