"""Day 2 lab: a two-layer network with backprop written by hand, trained by SGD, momentum and Adam.

The check calls ``build`` once per run, then ``train_epoch`` once per epoch, and ``predict`` on
images it keeps to itself. ``config`` comes from the lab's runs: ``optimizer`` ("sgd", "momentum"
or "adam"), ``lr``, ``mu``, ``batch``, ``hidden``. Fill in the three functions marked TODO.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Model = dict[str, Any]


def build(config: dict, shape: tuple[int, ...], classes: int, seed: int) -> Model:
    """The weights of affine (D -> hidden) - ReLU - affine (hidden -> classes), and optimizer state."""
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
    """TODO: forward pass (affine, ReLU, affine, softmax cross-entropy averaged over the batch), then
    the backward pass: a gradient for each of w1, b1, w2, b2 with the parameter's shape.
    Your exercise solutions (affine, ReLU, softmax loss) do each step."""
    raise NotImplementedError("loss_and_grads: forward, softmax loss, then backprop to w1, b1, w2, b2")


def step(model: Model, grads: dict[str, np.ndarray], config: dict) -> None:
    """TODO: update every parameter in place with ``config["optimizer"]``:
    sgd: p -= lr * g; momentum: v = mu * v - lr * g, p += v; adam: bias-corrected first and
    second moments (keep them in model["state"], count steps in model["t"])."""
    raise NotImplementedError("step: SGD first; then momentum and Adam")


def train_epoch(model: Model, x: np.ndarray, y: np.ndarray, epoch: int, config: dict, seed: int) -> dict:
    """One shuffled pass in mini-batches; returns the mean loss and the learning rate used."""
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
    """TODO: class scores (N, classes) for images x (N, 1, 28, 28): the forward pass without the loss."""
    raise NotImplementedError("predict: flatten x, then affine - ReLU - affine")
