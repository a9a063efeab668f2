"""Naive convolution forward pass (day 3, convolution)."""

from __future__ import annotations

from typing import Any

import numpy as np


def conv_forward_naive(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: dict[str, Any]
) -> tuple[np.ndarray, Any]:
    """Convolve x (N, C, H, W) with filters w (F, C, HH, WW) plus b (F,).

    conv_param: {"stride": s, "pad": p}; zero padding of p on each side of H and W.
    Returns (out, cache) with out of shape (N, F, 1 + (H + 2p - HH) // s, 1 + (W + 2p - WW) // s).
    """
    # TODO: pad, then loop over output positions.
    raise NotImplementedError("conv_forward_naive is not implemented yet")
