"""Max pooling forward and backward: reference solution."""

from __future__ import annotations

from typing import Any

import numpy as np


def _geometry(x: np.ndarray, pool_param: dict[str, Any]) -> tuple[int, int, int, int, int]:
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    return ph, pw, s, 1 + (x.shape[2] - ph) // s, 1 + (x.shape[3] - pw) // s


def max_pool_forward_naive(x: np.ndarray, pool_param: dict[str, Any]) -> tuple[np.ndarray, Any]:
    """Max pooling of x (N, C, H, W); cache = (x, pool_param)."""
    ph, pw, s, h_out, w_out = _geometry(x, pool_param)
    out = np.zeros(x.shape[:2] + (h_out, w_out), dtype=x.dtype)
    for i in range(h_out):
        for j in range(w_out):
            out[:, :, i, j] = np.max(x[:, :, i * s : i * s + ph, j * s : j * s + pw], axis=(2, 3))
    return out, (x, pool_param)


def max_pool_backward_naive(dout: np.ndarray, cache: Any) -> np.ndarray:
    """Gradient dx (N, C, H, W): each dout entry goes to its window's argmax (summed over windows).

    On ties the first maximum in row-major order (np.argmax of the flattened window) gets it all.
    """
    x, pool_param = cache
    ph, pw, s, h_out, w_out = _geometry(x, pool_param)
    n, c = x.shape[:2]
    dx = np.zeros_like(x)
    for i in range(h_out):
        for j in range(w_out):
            window = x[:, :, i * s : i * s + ph, j * s : j * s + pw].reshape(n, c, ph * pw)
            first = np.argmax(window, axis=2)  # (N, C): index of the first maximum
            mask = np.zeros_like(window)
            np.put_along_axis(mask, first[:, :, None], 1.0, axis=2)
            routed = mask.reshape(n, c, ph, pw) * dout[:, :, i, j][:, :, None, None]
            dx[:, :, i * s : i * s + ph, j * s : j * s + pw] += routed
    return dx
