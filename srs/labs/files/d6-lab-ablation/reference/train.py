"""Day 6 lab, reference: a small project and its ablation — batch normalisation in a deep MLP.

affine - [batch norm] - ReLU, three times, then affine - softmax; SGD with momentum and a step
decay. ``config["batchnorm"]`` keeps or removes the one component under study, everything else
(data, initial weights, learning rate, epochs) stays the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Model = dict[str, Any]
EPS = 1e-5


def build(config: dict, shape: tuple[int, ...], classes: int, seed: int) -> Model:
    rng = np.random.default_rng(seed)
    sizes = [int(np.prod(shape))] + [config.get("hidden", 128)] * config.get("layers", 3) + [classes]
    layers = []
    for i, (d_in, d_out) in enumerate(zip(sizes, sizes[1:], strict=False)):
        layer = {
            "w": (rng.standard_normal((d_in, d_out)) * np.sqrt(2.0 / d_in)).astype(np.float32),
            "b": np.zeros(d_out, np.float32),
        }
        if i < len(sizes) - 2:
            layer.update(
                gamma=np.ones(d_out, np.float32),
                beta=np.zeros(d_out, np.float32),
                mean=np.zeros(d_out, np.float32),
                var=np.ones(d_out, np.float32),
            )
        layers.append(layer)
    return {"layers": layers, "bn": bool(config.get("batchnorm", True)), "velocity": {}}


def forward(model: Model, x: np.ndarray, train: bool) -> tuple[np.ndarray, list]:
    """Scores; in training, batch statistics (and the running averages are updated), else the
    running averages, so that a test image's score does not depend on its batch."""
    h = x.reshape(len(x), -1).astype(np.float32)
    caches = []
    last = len(model["layers"]) - 1
    for i, layer in enumerate(model["layers"]):
        z = h @ layer["w"] + layer["b"]
        if i == last:
            caches.append((h, None, None, None))
            return z, caches
        bn = None
        if model["bn"]:
            if train:
                mu, var = z.mean(axis=0), z.var(axis=0)
                layer["mean"] = 0.9 * layer["mean"] + 0.1 * mu
                layer["var"] = 0.9 * layer["var"] + 0.1 * var
            else:
                mu, var = layer["mean"], layer["var"]
            inv = 1.0 / np.sqrt(var + EPS)
            zhat = (z - mu) * inv
            bn = (zhat, inv)
            z = layer["gamma"] * zhat + layer["beta"]
        caches.append((h, z, bn, None))
        h = np.maximum(z, 0)
    raise AssertionError("unreachable")


def backward(model: Model, dscores: np.ndarray, caches: list) -> list[dict[str, np.ndarray]]:
    grads: list[dict[str, np.ndarray]] = []
    dz = dscores
    for layer, (h, z, bn, _) in zip(reversed(model["layers"]), reversed(caches), strict=True):
        if z is not None:  # a hidden layer: through the ReLU, then batch norm
            dz = dz * (z > 0)
            g: dict[str, np.ndarray] = {}
            if bn is not None:
                zhat, inv = bn
                g["gamma"], g["beta"] = (dz * zhat).sum(axis=0), dz.sum(axis=0)
                dzhat = dz * layer["gamma"]
                n = len(dz)
                dz = (inv / n) * (n * dzhat - dzhat.sum(axis=0) - zhat * (dzhat * zhat).sum(axis=0))
        else:
            g = {}
        g["w"], g["b"] = h.T @ dz, dz.sum(axis=0)
        grads.append(g)
        dz = dz @ layer["w"].T
    return grads[::-1]


def train_epoch(model: Model, x: np.ndarray, y: np.ndarray, epoch: int, config: dict, seed: int) -> dict:
    """SGD with momentum 0.9; the learning rate is divided by 3 every ``step`` epochs. Only full
    batches are used (a batch of a few images gives batch norm unreliable statistics)."""
    lr = config.get("lr", 0.05) / 3 ** (epoch // config.get("step", 2))
    batch = config.get("batch", 64)
    order = np.random.default_rng(seed + epoch).permutation(len(x))
    losses = []
    for start in range(0, len(x) - batch + 1, batch):
        rows = order[start : start + batch]
        scores, caches = forward(model, x[rows], train=True)
        shifted = scores - scores.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        n = len(rows)
        losses.append(-float(logp[np.arange(n), y[rows]].mean()))
        ds = np.exp(logp)
        ds[np.arange(n), y[rows]] -= 1
        for i, (layer, g) in enumerate(zip(model["layers"], backward(model, ds / n, caches), strict=True)):
            for k, gv in g.items():
                v = model["velocity"].setdefault((i, k), np.zeros_like(layer[k]))
                v *= 0.9
                v -= lr * gv
                layer[k] += v
    return {"loss": float(np.mean(losses)), "lr": float(lr)}


def predict(model: Model, x: np.ndarray) -> np.ndarray:
    return forward(model, x, train=False)[0]
