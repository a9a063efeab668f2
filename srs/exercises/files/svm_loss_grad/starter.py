"""Multiclass SVM loss and gradient, vectorised (day 1, SVM)."""

from __future__ import annotations

import numpy as np


def svm_loss(W: np.ndarray, X: np.ndarray, y: np.ndarray, reg: float) -> tuple[float, np.ndarray]:
    """Mean multiclass hinge loss (delta = 1) of X @ W plus reg * sum(W**2), and dW.

    W: (D, C) weights; X: (N, D) data; y: (N,) labels in [0, C); reg: L2 strength.
    Returns (loss, dW) with dW of shape (D, C).
    """
    # TODO: margins for all classes at once, then the gradient through the scores.
    raise NotImplementedError("svm_loss is not implemented yet")
