"""Day 4 lab: a small ResNet, and the same network without its shortcuts, at two depths.

Network: conv 3x3 (1 -> C) - ReLU - max pool 2 - max pool 2 (C x 7 x 7), then config["depth"]
blocks, then affine (C*7*7 -> 10). A block is conv - ReLU - conv then ReLU; with
config["residual"] true it adds its input first: y = relu(x + F(x)). Use the same initial
weights and optimizer for plain and residual so that the comparison is fair.

The check trains four runs (plain/residual x shallow/deep), compares the deep ones, and calls
``residual_probe``: your first block's output with all its weights set to zero, for a non-negative
input x (N, C, H, W) of any channel count C. With the identity path it returns x unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Model = dict[str, Any]


def block_forward(x: np.ndarray, p: dict[str, np.ndarray], residual: bool) -> tuple[np.ndarray, tuple]:
    """TODO: relu(x + F(x)) (residual) or relu(F(x)) (plain), F = conv(p["w1"], p["b1"]) - ReLU -
    conv(p["w2"], p["b2"]); 3x3 'same' convolutions (your Day 3 im2col convolution)."""
    raise NotImplementedError("block_forward")


def block_backward(dy: np.ndarray, cache: tuple, residual: bool) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """TODO: dx and the block's gradients. The shortcut adds the upstream gradient to dx unchanged."""
    raise NotImplementedError("block_backward")


def build(config: dict, shape: tuple[int, ...], classes: int, seed: int) -> Model:
    """TODO: stem, config["depth"] blocks of config["channels"] channels, classifier; keep
    config["residual"] in the model."""
    raise NotImplementedError("build")


def train_epoch(model: Model, x: np.ndarray, y: np.ndarray, epoch: int, config: dict, seed: int) -> dict:
    """TODO: one shuffled pass of SGD with momentum; return {"loss": ..., "lr": ...}."""
    raise NotImplementedError("train_epoch")


def predict(model: Model, x: np.ndarray) -> np.ndarray:
    """TODO: class scores (N, 10)."""
    raise NotImplementedError("predict")


def residual_probe(model: Model, x: np.ndarray) -> np.ndarray:
    """TODO: block_forward(x, the first block with every weight and bias zeroed, model's residual flag).
    Make the zero weights (C, C, 3, 3) for C = x.shape[1]."""
    raise NotImplementedError("residual_probe")
