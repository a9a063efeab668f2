"""Batch normalisation forward pass (day 5, batchnorm)."""

from __future__ import annotations

from typing import Any

import numpy as np


def batchnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, bn_param: dict[str, Any]
) -> tuple[np.ndarray, Any]:
    """Batchnorm of x (N, D) with scale gamma (D,) and shift beta (D,).

    bn_param: mode ("train"/"test"), eps (1e-5), momentum (0.9), running_mean, running_var
    (zeros of shape (D,) when absent). In train mode, update the running averages and store
    them back into bn_param. Returns (out, cache).
    """
    mode = bn_param["mode"]
    # Defaults: bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9), and
    # bn_param.get("running_mean", np.zeros(D)) / bn_param.get("running_var", np.zeros(D)).
    if mode == "train":
        # TODO: batch statistics, normalise, scale and shift, update the running averages,
        # and store them back: bn_param["running_mean"] = ..., bn_param["running_var"] = ...
        raise NotImplementedError("train mode is not implemented yet")
    if mode == "test":
        # TODO: normalise with the running averages (do not change them).
        raise NotImplementedError("test mode is not implemented yet")
    raise ValueError(f"invalid batchnorm mode {mode!r}")
