"""ReLU forward and backward (day 2, backprop)."""

from __future__ import annotations

import numpy as np


def relu_forward(x: np.ndarray) -> tuple[np.ndarray, object]:
    """out = max(0, x) elementwise; also return a cache for the backward pass."""
    # TODO
    raise NotImplementedError("relu_forward is not implemented yet")


def relu_backward(dout: np.ndarray, cache: object) -> np.ndarray:
    """Gradient with respect to x, same shape as dout."""
    # TODO
    raise NotImplementedError("relu_backward is not implemented yet")
