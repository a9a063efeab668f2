"""Naive convolution forward pass: reference solution."""

from __future__ import annotations

from typing import Any

import numpy as np


def conv_forward_naive(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: dict[str, Any]
) -> tuple[np.ndarray, Any]:
    """Convolve x (N, C, H, W) with filters w (F, C, HH, WW) plus b (F,); cache = (x, w, b, conv_param)."""
    stride, pad = conv_param["stride"], conv_param["pad"]
    n, _c, h, width = x.shape
    f, _, hh, ww = w.shape
    h_out = 1 + (h + 2 * pad - hh) // stride
    w_out = 1 + (width + 2 * pad - ww) // stride
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((n, f, h_out, w_out), dtype=np.result_type(x, w, b))
    for i in range(h_out):
        for j in range(w_out):
            top, left = i * stride, j * stride
            window = x_pad[:, :, top : top + hh, left : left + ww]  # (N, C, HH, WW)
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out, (x, w, b, conv_param)
