"""Residual block forward pass (day 4, residual networks)."""

from __future__ import annotations

import numpy as np


def residual_block_forward(
    x: np.ndarray, W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray
) -> np.ndarray:
    """y = relu(x + F(x)) with F(x) = relu(x @ W1 + b1) @ W2 + b2.

    x: (N, D); W1: (D, H); b1: (H,); W2: (H, D); b2: (D,). Returns y of shape (N, D).
    """
    # TODO
    raise NotImplementedError("residual_block_forward is not implemented yet")
