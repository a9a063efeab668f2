"""Max pooling forward and backward (day 3, pooling)."""

from __future__ import annotations

from typing import Any

import numpy as np


def max_pool_forward_naive(x: np.ndarray, pool_param: dict[str, Any]) -> tuple[np.ndarray, Any]:
    """Max pooling of x (N, C, H, W); pool_param has pool_height, pool_width, stride.

    Returns (out, cache) with out of shape (N, C, 1 + (H - ph) // s, 1 + (W - pw) // s).
    """
    # TODO
    raise NotImplementedError("max_pool_forward_naive is not implemented yet")


def max_pool_backward_naive(dout: np.ndarray, cache: Any) -> np.ndarray:
    """Gradient dx (N, C, H, W): each dout entry goes to its window's argmax (summed over windows)."""
    # TODO
    raise NotImplementedError("max_pool_backward_naive is not implemented yet")
