"""Gradient clipping by global norm (day 2, gradient-clipping)."""

from __future__ import annotations

import numpy as np


def clip_grad_norm(grads: list[np.ndarray], max_norm: float) -> tuple[list[np.ndarray], float]:
    """Return (clipped gradients as new arrays, global norm before clipping)."""
    # TODO
    raise NotImplementedError("clip_grad_norm is not implemented yet")
