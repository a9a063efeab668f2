"""Day 1 lab: a two-layer network in numpy, with the activation chosen by config["activation"].

The checker calls these functions; it never gives you the test labels. Fill in each function, then
run `srs lab check d1-lab-mlp-scratch`. Only numpy is needed.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

import numpy as np


def _own_solution(exercise: str, function: str) -> Any:
    """Your solution of an earlier exercise (copied into solutions/ by `srs lab start`), or None."""
    path = os.path.join(os.getcwd(), "solutions", exercise + ".py")
    if not os.path.exists(path):
        return None
    spec = importlib.util.spec_from_file_location("solution_" + exercise, path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception:  # a solution that does not load: fall back to your own code below
        return None
    return getattr(module, function, None)


# Your stable softmax from the day-1 exercise, if you solved it; else write one here.
softmax = _own_solution("stable_softmax", "softmax")


def build(config: dict, shape: tuple[int, ...], classes: int, seed: int) -> Any:
    """The model: W1 (D, H), b1 (H,), W2 (H, classes), b2 (classes,) with D = prod(shape), H = config["hidden"].

    Initialise with np.random.default_rng(seed); scale W1 by sqrt(2 / D) for ReLU, sqrt(1 / D) otherwise.
    Keep config["activation"] ("relu", "sigmoid" or "tanh") in the model. A dict of arrays is fine.
    """
    raise NotImplementedError("build: create the weights of the two layers")


def train_epoch(model: Any, x: np.ndarray, y: np.ndarray, epoch: int, config: dict, seed: int) -> dict:
    """One pass over (x, y) in shuffled mini-batches of config["batch"]: forward (affine, activation, affine,
    softmax cross-entropy), backward, and an SGD step (config["lr"], with config["momentum"] if you like).

    Change the model in place and return {"loss": mean training loss, "lr": the learning rate used}.
    """
    raise NotImplementedError("train_epoch: forward, backward and update for each mini-batch")


def predict(model: Any, x: np.ndarray) -> np.ndarray:
    """Class scores (N, classes) for images x: the forward pass only, no randomness."""
    raise NotImplementedError("predict: the forward pass returning scores")
