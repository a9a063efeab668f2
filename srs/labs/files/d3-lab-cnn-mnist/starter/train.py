"""Day 3 lab: a CNN on MNIST in numpy, converged and above 98% test accuracy.

Suggested network: conv 3x3 (1 -> 16) - ReLU - max pool 2 - conv 3x3 (16 -> 32) - ReLU - max pool 2 -
affine (32*7*7 -> 128) - ReLU - affine (128 -> 10) - softmax, trained with Adam. A convolution written
with loops (your exercise) is correct but far too slow for 60,000 images: turn each 3x3 patch into a
row (im2col) so that the convolution is one matrix product.

The check calls ``build``, then ``train_epoch`` per epoch, ``predict`` on images it keeps to itself,
and ``feature_maps`` for one test image (saved as feature_maps.png). ``predict`` must not be random.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Model = dict[str, Any]


def im2col(x: np.ndarray, k: int, pad: int) -> np.ndarray:
    """TODO: (N, C, H, W) -> (N*H*W, C*k*k), one row per output position (stride 1, zero padding).
    Hint: np.pad, then np.lib.stride_tricks.sliding_window_view(xp, (k, k), axis=(2, 3))."""
    raise NotImplementedError("im2col: every k x k patch as a row")


def conv_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    """TODO: 'same' convolution x (N, C, H, W), w (F, C, k, k), b (F,) -> (N, F, H, W) and a cache."""
    raise NotImplementedError("conv_forward: im2col(x) @ w.reshape(F, -1).T + b, reshaped")


def conv_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TODO: gradients (dx, dw, db). dw and db come from the patch rows; for dx, a stride-1 'same'
    convolution's input gradient is the convolution of dout with the flipped, transposed kernels."""
    raise NotImplementedError("conv_backward")


def build(config: dict, shape: tuple[int, ...], classes: int, seed: int) -> Model:
    """TODO: He-initialised weights for every layer (float32) and the optimizer's state."""
    raise NotImplementedError("build: weights of the two convolutions and two affine layers")


def train_epoch(model: Model, x: np.ndarray, y: np.ndarray, epoch: int, config: dict, seed: int) -> dict:
    """TODO: one shuffled pass in mini-batches of config["batch"]: forward, softmax loss, backward,
    Adam update. Return {"loss": mean training loss, "lr": learning rate used}."""
    raise NotImplementedError("train_epoch")


def predict(model: Model, x: np.ndarray) -> np.ndarray:
    """TODO: class scores (N, 10), a few hundred images at a time to bound memory."""
    raise NotImplementedError("predict")


def feature_maps(model: Model, x: np.ndarray) -> np.ndarray:
    """TODO: the first convolution's ReLU outputs for one image x (1, 1, 28, 28): shape (C, 28, 28)."""
    raise NotImplementedError("feature_maps")
