"""Layer normalisation: forward and backward (day 5, layernorm)."""

from __future__ import annotations

import numpy as np


def layernorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5
) -> tuple[np.ndarray, object]:
    """Normalise each row of x (N, D) over its features; return (out, cache)."""
    # TODO
    raise NotImplementedError("layernorm_forward is not implemented yet")


def layernorm_backward(dout: np.ndarray, cache: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (dx, dgamma, dbeta) for dout of shape (N, D)."""
    # TODO
    raise NotImplementedError("layernorm_backward is not implemented yet")
