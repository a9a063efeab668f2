"""Wrong on purpose (d4-lab-small-resnet): the 'residual' block drops its shortcut: y = relu(F(x)).

Otherwise the reference: a small ResNet against the same network without its shortcuts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Model = dict[str, Any]


def im2col(x: np.ndarray, k: int, pad: int) -> np.ndarray:
    """(N, C, H, W) -> (N*H*W, C*k*k): every k x k patch (stride 1, zero padding) as a row."""
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = np.lib.stride_tricks.sliding_window_view(xp, (k, k), axis=(2, 3))
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * h * w, c * k * k)


def conv_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    n, _, h, wd = x.shape
    f, _, k, _ = w.shape
    cols = im2col(x, k, k // 2)
    out = cols @ w.reshape(f, -1).T + b
    return out.reshape(n, h, wd, f).transpose(0, 3, 1, 2), (x.shape, cols, w)


def conv_backward(dout: np.ndarray, cache: tuple, need_dx: bool = True) -> tuple:
    shape, cols, w = cache
    f, _, k, _ = w.shape
    d = dout.transpose(0, 2, 3, 1).reshape(-1, f)
    dx = None
    if need_dx:  # stride 1, "same" padding: the input gradient is the convolution with the flipped kernels
        flipped = np.ascontiguousarray(w.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1])
        dx = conv_forward(dout, flipped, np.zeros(shape[1], dout.dtype))[0]
    return dx, (d.T @ cols).reshape(w.shape), d.sum(axis=0)


def pool_forward(x: np.ndarray) -> tuple[np.ndarray, tuple]:
    n, c, h, w = x.shape
    blocks = x.reshape(n, c, h // 2, 2, w // 2, 2)
    out = blocks.max(axis=(3, 5))
    return out, (blocks == out[:, :, :, None, :, None], x.shape)


def pool_backward(dout: np.ndarray, cache: tuple) -> np.ndarray:
    mask, shape = cache
    return (mask * dout[:, :, :, None, :, None]).reshape(shape)


def block_forward(x: np.ndarray, p: dict[str, np.ndarray], residual: bool) -> tuple[np.ndarray, tuple]:
    """y = relu(x + F(x)) (residual) or relu(F(x)) (plain), F = conv - ReLU - conv."""
    a, c1 = conv_forward(x, p["w1"], p["b1"])
    h = np.maximum(a, 0)
    f, c2 = conv_forward(h, p["w2"], p["b2"])
    z = f
    return np.maximum(z, 0), (a, c1, c2, z)


def block_backward(dy: np.ndarray, cache: tuple, residual: bool) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    a, c1, c2, z = cache
    dz = dy * (z > 0)
    dh, dw2, db2 = conv_backward(dz, c2)
    dx, dw1, db1 = conv_backward(dh * (a > 0), c1)
    return dx, {"w1": dw1, "b1": db1, "w2": dw2, "b2": db2}


def build(config: dict, shape: tuple[int, ...], classes: int, seed: int) -> Model:
    """He-initialised stem, ``depth`` blocks and classifier; the same draws for plain and residual."""
    rng = np.random.default_rng(seed)
    c_in, h, w = shape
    c = config.get("channels", 8)

    def he(*dims: int, fan_in: int) -> np.ndarray:
        return (rng.standard_normal(dims) * np.sqrt(2.0 / fan_in)).astype(np.float32)

    blocks = [
        {
            "w1": he(c, c, 3, 3, fan_in=c * 9),
            "b1": np.zeros(c, np.float32),
            "w2": he(c, c, 3, 3, fan_in=c * 9),
            "b2": np.zeros(c, np.float32),
        }
        for _ in range(config.get("depth", 1))
    ]
    flat = c * (h // 4) * (w // 4)
    params = {
        "stem_w": he(c, c_in, 3, 3, fan_in=c_in * 9),
        "stem_b": np.zeros(c, np.float32),
        "fc_w": he(flat, classes, fan_in=flat) / np.float32(2.0),
        "fc_b": np.zeros(classes, np.float32),
    }
    return {
        "params": params,
        "blocks": blocks,
        "residual": bool(config.get("residual", True)),
        "velocity": {},
    }


def forward(model: Model, x: np.ndarray) -> tuple[np.ndarray, list]:
    p = model["params"]
    a, cs = conv_forward(x, p["stem_w"], p["stem_b"])
    q1, cp1 = pool_forward(np.maximum(a, 0))
    h, cp2 = pool_forward(q1)
    caches = []
    for block in model["blocks"]:
        h, cache = block_forward(h, block, model["residual"])
        caches.append(cache)
    flat = h.reshape(len(h), -1)
    return flat @ p["fc_w"] + p["fc_b"], [a, cs, cp1, cp2, caches, h.shape, flat]


def backward(model: Model, dscores: np.ndarray, saved: list) -> list[tuple[dict, dict]]:
    """Gradients as (parameter dict, gradient dict) pairs."""
    p = model["params"]
    a, cs, cp1, cp2, caches, h_shape, flat = saved
    g = {"fc_w": flat.T @ dscores, "fc_b": dscores.sum(axis=0)}
    dh = (dscores @ p["fc_w"].T).reshape(h_shape)
    pairs = []
    for block, cache in zip(reversed(model["blocks"]), reversed(caches), strict=True):
        dh, gb = block_backward(dh, cache, model["residual"])
        pairs.append((block, gb))
    da = pool_backward(pool_backward(dh, cp2), cp1) * (a > 0)
    _, g["stem_w"], g["stem_b"] = conv_backward(da, cs, need_dx=False)
    pairs.append((p, g))
    return pairs


def train_epoch(model: Model, x: np.ndarray, y: np.ndarray, epoch: int, config: dict, seed: int) -> dict:
    """One shuffled pass of SGD with momentum, gradients clipped to norm 5."""
    lr = config.get("lr", 0.02)
    mu = config.get("mu", 0.9)
    batch = config.get("batch", 64)
    order = np.random.default_rng(seed + epoch).permutation(len(x))
    losses = []
    for start in range(0, len(x), batch):
        rows = order[start : start + batch]
        scores, saved = forward(model, x[rows].astype(np.float32))
        shifted = scores - scores.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        n = len(rows)
        losses.append(-float(logp[np.arange(n), y[rows]].mean()))
        dscores = np.exp(logp)
        dscores[np.arange(n), y[rows]] -= 1
        pairs = backward(model, (dscores / n).astype(np.float32), saved)
        norm = np.sqrt(sum(float((gv**2).sum()) for _, g in pairs for gv in g.values()))
        scale = min(1.0, 5.0 / (norm + 1e-12))
        for params, grads in pairs:
            for k, gv in grads.items():
                v = model["velocity"].setdefault((id(params), k), np.zeros_like(params[k]))
                v *= mu
                v -= lr * scale * gv
                params[k] += v
    return {"loss": float(np.mean(losses)), "lr": float(lr)}


def predict(model: Model, x: np.ndarray) -> np.ndarray:
    """Class scores (N, classes), 500 images at a time."""
    return np.concatenate(
        [forward(model, x[i : i + 500].astype(np.float32))[0] for i in range(0, len(x), 500)]
    )


def residual_probe(model: Model, x: np.ndarray) -> np.ndarray:
    """The first block's output for ``x`` (N, C, H, W) with all of that block's weights zeroed."""
    c = x.shape[1]
    zeroed = {
        "w1": np.zeros((c, c, 3, 3), np.float32),
        "b1": np.zeros(c, np.float32),
        "w2": np.zeros((c, c, 3, 3), np.float32),
        "b2": np.zeros(c, np.float32),
    }
    return block_forward(np.asarray(x, dtype=np.float32), zeroed, model["residual"])[0]
