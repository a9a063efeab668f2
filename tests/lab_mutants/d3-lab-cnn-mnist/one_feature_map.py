"""Wrong on purpose (d3-lab-cnn-mnist): feature_maps returns a single summed map (H, W).

Otherwise the reference: a small CNN on MNIST in numpy (im2col convolutions, Adam).
"""

from __future__ import annotations

from typing import Any

import numpy as np

Model = dict[str, Any]


def im2col(x: np.ndarray, k: int, pad: int) -> np.ndarray:
    """(N, C, H, W) -> (N*H*W, C*k*k): every k x k patch (stride 1, zero padding ``pad``) as a row."""
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = np.lib.stride_tricks.sliding_window_view(xp, (k, k), axis=(2, 3))  # N, C, H, W, k, k
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * h * w, c * k * k)


def conv_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    """'same' 3x3 convolution: x (N, C, H, W), w (F, C, k, k) -> (N, F, H, W)."""
    n, _, h, wd = x.shape
    f, _, k, _ = w.shape
    cols = im2col(x, k, k // 2)
    out = cols @ w.reshape(f, -1).T + b
    return out.reshape(n, h, wd, f).transpose(0, 3, 1, 2), (x.shape, cols, w)


def conv_backward(dout: np.ndarray, cache: tuple, need_dx: bool = True) -> tuple:
    shape, cols, w = cache
    f, _, k, _ = w.shape
    d = dout.transpose(0, 2, 3, 1).reshape(-1, f)
    dw = (d.T @ cols).reshape(w.shape)
    db = d.sum(axis=0)
    dx = None
    if need_dx:  # stride 1, "same" padding: the input gradient is the convolution with the flipped kernels
        flipped = np.ascontiguousarray(w.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1])
        dx = conv_forward(dout, flipped, np.zeros(shape[1], dout.dtype))[0]
    return dx, dw, db


def pool_forward(x: np.ndarray) -> tuple[np.ndarray, tuple]:
    """2x2 max pooling, stride 2."""
    n, c, h, w = x.shape
    blocks = x.reshape(n, c, h // 2, 2, w // 2, 2)
    out = blocks.max(axis=(3, 5))
    mask = blocks == out[:, :, :, None, :, None]
    return out, (mask, x.shape)


def pool_backward(dout: np.ndarray, cache: tuple) -> np.ndarray:
    mask, shape = cache
    return (mask * dout[:, :, :, None, :, None]).reshape(shape)


def softmax_loss(scores: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    shifted = scores - scores.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = scores.shape[0]
    loss = -float(logp[np.arange(n), y].mean())
    dscores = np.exp(logp)
    dscores[np.arange(n), y] -= 1
    return loss, dscores / n


def build(config: dict, shape: tuple[int, ...], classes: int, seed: int) -> Model:
    """He-initialised weights and the Adam state."""
    rng = np.random.default_rng(seed)
    c, h, w = shape
    c1, c2, hidden = config.get("c1", 16), config.get("c2", 32), config.get("hidden", 128)
    flat = c2 * (h // 4) * (w // 4)

    def he(*dims: int, fan_in: int) -> np.ndarray:
        return (rng.standard_normal(dims) * np.sqrt(2.0 / fan_in)).astype(np.float32)

    params = {
        "w1": he(c1, c, 3, 3, fan_in=c * 9),
        "b1": np.zeros(c1, np.float32),
        "w2": he(c2, c1, 3, 3, fan_in=c1 * 9),
        "b2": np.zeros(c2, np.float32),
        "w3": he(flat, hidden, fan_in=flat),
        "b3": np.zeros(hidden, np.float32),
        "w4": he(hidden, classes, fan_in=hidden),
        "b4": np.zeros(classes, np.float32),
    }
    return {
        "params": params,
        "m": {k: np.zeros_like(v) for k, v in params.items()},
        "v": {k: np.zeros_like(v) for k, v in params.items()},
        "t": 0,
    }


def forward(model: Model, x: np.ndarray) -> tuple[np.ndarray, list]:
    p = model["params"]
    a1, c1 = conv_forward(x, p["w1"], p["b1"])
    r1 = np.maximum(a1, 0)
    q1, cp1 = pool_forward(r1)
    a2, c2 = conv_forward(q1, p["w2"], p["b2"])
    r2 = np.maximum(a2, 0)
    q2, cp2 = pool_forward(r2)
    flat = q2.reshape(q2.shape[0], -1)
    h = np.maximum(flat @ p["w3"] + p["b3"], 0)
    scores = h @ p["w4"] + p["b4"]
    return scores, [c1, a1, cp1, c2, a2, cp2, q2.shape, flat, h]


def backward(model: Model, dscores: np.ndarray, caches: list) -> dict[str, np.ndarray]:
    p = model["params"]
    c1, a1, cp1, c2, a2, cp2, q2_shape, flat, h = caches
    g = {"w4": h.T @ dscores, "b4": dscores.sum(axis=0)}
    dh = (dscores @ p["w4"].T) * (h > 0)
    g["w3"], g["b3"] = flat.T @ dh, dh.sum(axis=0)
    dq2 = (dh @ p["w3"].T).reshape(q2_shape)
    da2 = pool_backward(dq2, cp2) * (a2 > 0)
    dq1, g["w2"], g["b2"] = conv_backward(da2, c2)
    da1 = pool_backward(dq1, cp1) * (a1 > 0)
    _, g["w1"], g["b1"] = conv_backward(da1, c1, need_dx=False)
    return g


def adam(model: Model, grads: dict[str, np.ndarray], lr: float, b1: float = 0.9, b2: float = 0.999) -> None:
    model["t"] += 1
    t = model["t"]
    for k, param in model["params"].items():
        m, v = model["m"][k], model["v"][k]
        m *= b1
        m += (1 - b1) * grads[k]
        v *= b2
        v += (1 - b2) * grads[k] ** 2
        param -= (lr * np.sqrt(1 - b2**t) / (1 - b1**t)) * m / (np.sqrt(v) + 1e-8)


def train_epoch(model: Model, x: np.ndarray, y: np.ndarray, epoch: int, config: dict, seed: int) -> dict:
    """One shuffled pass of mini-batch Adam; the learning rate halves every two epochs."""
    lr = config.get("lr", 0.002) * 0.5 ** (epoch // 2)
    batch = config.get("batch", 64)
    order = np.random.default_rng(seed + epoch).permutation(len(x))
    losses = []
    for start in range(0, len(x), batch):
        rows = order[start : start + batch]
        xb = x[rows].astype(np.float32)
        scores, caches = forward(model, xb)
        loss, dscores = softmax_loss(scores, y[rows])
        adam(model, backward(model, dscores.astype(np.float32), caches), lr)
        losses.append(loss)
    return {"loss": float(np.mean(losses)), "lr": float(lr)}


def predict(model: Model, x: np.ndarray) -> np.ndarray:
    """Class scores (N, classes), 500 images at a time; nothing random."""
    out = [forward(model, x[i : i + 500].astype(np.float32))[0] for i in range(0, len(x), 500)]
    return np.concatenate(out)


def feature_maps(model: Model, x: np.ndarray) -> np.ndarray:
    """The first convolution's ReLU outputs for one image: (16, 28, 28)."""
    p = model["params"]
    a1, _ = conv_forward(x[:1].astype(np.float32), p["w1"], p["b1"])
    return np.maximum(a1, 0)[0].sum(axis=0)
