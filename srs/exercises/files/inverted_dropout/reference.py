"""Inverted dropout forward and backward: reference solution."""

from __future__ import annotations

from typing import Any

import numpy as np


def dropout_forward(x: np.ndarray, dropout_param: dict[str, Any]) -> tuple[np.ndarray, Any]:
    """Inverted dropout with keep probability p; cache = (dropout_param, mask)."""
    p, mode = dropout_param["p"], dropout_param["mode"]
    if mode == "train":
        rng = np.random.default_rng(dropout_param.get("seed"))
        mask = (rng.random(x.shape) < p) / p  # kept entries scaled by 1/p
        out = x * mask
    elif mode == "test":
        mask, out = None, x
    else:
        raise ValueError(f"invalid dropout mode {mode!r}")
    return out, (dropout_param, mask)


def dropout_backward(dout: np.ndarray, cache: Any) -> np.ndarray:
    """dx = dout * mask / p in train mode, dout in test mode."""
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        return dout * mask
    return dout
