"""Affine layer forward and backward (day 2, backprop)."""

from __future__ import annotations

import numpy as np


def affine_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, object]:
    """out = x reshaped to (N, D) @ w + b, shape (N, M); also return a cache for the backward pass."""
    # TODO
    raise NotImplementedError("affine_forward is not implemented yet")


def affine_backward(dout: np.ndarray, cache: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Given dout (N, M) and the cache, return (dx with the shape of x, dw (D, M), db (M,))."""
    # TODO
    raise NotImplementedError("affine_backward is not implemented yet")
