"""Inverted dropout forward and backward (day 5, dropout)."""

from __future__ import annotations

from typing import Any

import numpy as np


def dropout_forward(x: np.ndarray, dropout_param: dict[str, Any]) -> tuple[np.ndarray, Any]:
    """Inverted dropout. dropout_param: p (KEEP probability), mode ("train"/"test"), optional seed.

    Train: out = x * mask / p with mask ~ Bernoulli(p). Test: out = x. Returns (out, cache).
    """
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    if dropout_param["mode"] == "train":
        # TODO: mask that keeps each entry with probability dropout_param["p"], scaled by 1/p.
        raise NotImplementedError("dropout_forward (train mode) is not implemented yet")
    # TODO: test mode.
    raise NotImplementedError("dropout_forward (test mode) is not implemented yet")


def dropout_backward(dout: np.ndarray, cache: Any) -> np.ndarray:
    """dx = dout * mask / p in train mode, dout in test mode."""
    # TODO
    raise NotImplementedError("dropout_backward is not implemented yet")
