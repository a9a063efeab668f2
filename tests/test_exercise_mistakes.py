"""Plausible wrong solutions that each exercise's checks must reject, while the reference passes.

Two sets: ``WRONG`` below (written out, or the reference with one slip), and the mutants of
``tests/exercise_mutants.py``, sorted by the kinds of issue 22 (hard-coded constants and defaults,
state between calls, unstable formulas, zeros/ties/non-divisible sizes, aliasing, inputs reshaped in
place, loops, float32, luck of the draw), built for every exercise.

Where what runs:

* default suite: every ``WRONG`` entry on seeds 0-2 and every mutant on 5 seeds (seeds that differ per
  mutant) through ``tests/exercise_runner.py`` - the same channel code and check grading as the
  sandbox, without the process boundary; the references and the correct unusual solutions on 20
  seeds; and, per exercise, one mutant (covering every kind) graded through the real sandboxed path
  (``srs.exercises.run``, as ``srs review`` does), whose per-check verdicts must equal the in-process
  ones on the same seed;
* ``SRS_SLOW_EXERCISE_TESTS=1``: every mutant on 20 seeds through the sandboxed path and in process,
  and every reference on 200 seeds in process.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

import pytest

from srs import exercises
from tests import exercise_mutants
from tests.exercise_runner import run_checks

SEEDS = (0, 1, 2)

Patch = tuple[str, str]  # (text in the reference, replacement)


def patched(name: str, *patches: Patch) -> str:
    source = exercises.get(name).reference
    for old, new in patches:
        assert old in source, (name, old)
        source = source.replace(old, new)
    return source


# exercise -> {label: wrong source}
WRONG: dict[str, dict[str, str]] = {
    "stable_softmax": {
        "no max-subtraction": """
            import numpy as np
            def softmax(x):
                e = np.exp(x)
                return e / e.sum(axis=1, keepdims=True)
        """,
        "one maximum for the whole array": patched(
            "stable_softmax", ("np.max(x, axis=1, keepdims=True)", "np.max(x)")
        ),
        "subtracting the row minimum": patched(
            "stable_softmax", ("np.max(x, axis=1, keepdims=True)", "np.min(x, axis=1, keepdims=True)")
        ),
        "modifies x in place": """
            import numpy as np
            def softmax(x):
                x -= x.max(axis=1, keepdims=True)
                e = np.exp(x)
                return e / e.sum(axis=1, keepdims=True)
        """,
        "normalises the columns": patched(
            "stable_softmax", ("np.sum(e, axis=1, keepdims=True)", "np.sum(e, axis=0, keepdims=True)")
        ),
    },
    "pairwise_l2": {
        "a Python loop": """
            import numpy as np
            def pairwise_l2(X, Y):
                return np.array([[np.linalg.norm(a - b) for b in Y] for a in X])
        """,
        "no clamping before the square root": patched("pairwise_l2", ("np.maximum(sq, 0.0)", "sq")),
        "squared distances": patched("pairwise_l2", ("np.sqrt(np.maximum(sq, 0.0))", "np.maximum(sq, 0.0)")),
        "+2 instead of -2 for the cross term": patched(
            "pairwise_l2", ("- 2.0 * (X @ Y.T)", "+ 2.0 * (X @ Y.T)")
        ),
    },
    "softmax_loss_grad": {
        "no max-subtraction": patched(
            "softmax_loss_grad", ("scores = scores - np.max(scores, axis=1, keepdims=True)", "pass")
        ),
        "regulariser gradient without the factor 2": patched(
            "softmax_loss_grad", ("2.0 * reg * W", "reg * W")
        ),
        "loss summed, not averaged": patched(
            "softmax_loss_grad", ("-np.mean(log_probs[rows, y])", "-np.sum(log_probs[rows, y])")
        ),
        "gradient not divided by N": patched("softmax_loss_grad", ("dscores /= n", "pass")),
        "log of the probability after it underflows": patched(
            "softmax_loss_grad",
            (
                "loss = -np.mean(log_probs[rows, y]) + reg * np.sum(W * W)",
                "probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)\n"
                "    loss = -np.mean(np.log(probs[rows, y])) + reg * np.sum(W * W)",
            ),
        ),
    },
    "svm_loss_grad": {
        "gradient without the regulariser": patched(
            "svm_loss_grad", ("X.T @ dscores / n + 2.0 * reg * W", "X.T @ dscores / n")
        ),
        "margins >= 0 count in the gradient": patched(
            "svm_loss_grad", ("(margins > 0).astype(np.float64)", "(margins >= 0).astype(np.float64)")
        ),
        "the correct class's own margin counted": patched(
            "svm_loss_grad", ("margins[rows, y] = 0.0", "pass")
        ),
        "regulariser with a factor 1/2 in the loss": patched(
            "svm_loss_grad", ("+ reg * np.sum(W * W)", "+ 0.5 * reg * np.sum(W * W)")
        ),
    },
    "relu_forward_backward": {
        "backward uses x >= 0": patched("relu_forward_backward", ("dout * (x > 0)", "dout * (x >= 0)")),
        "forward clamps x in place": """
            import numpy as np
            def relu_forward(x):
                x[x < 0] = 0.0
                return x, x
            def relu_backward(dout, cache):
                return dout * (cache > 0)
        """,
        "backward gates on dout": patched("relu_forward_backward", ("dout * (x > 0)", "dout * (dout > 0)")),
    },
    "affine_forward_backward": {
        "dx not reshaped back to x's shape": patched(
            "affine_forward_backward", ("(dout @ w.T).reshape(x.shape)", "dout @ w.T")
        ),
        "db summed over the wrong axis": patched(
            "affine_forward_backward", ("np.sum(dout, axis=0)", "np.sum(dout, axis=1)")
        ),
        "dw transposed": patched(
            "affine_forward_backward",
            ("dw = x.reshape(x.shape[0], -1).T @ dout", "dw = dout.T @ x.reshape(x.shape[0], -1)"),
        ),
    },
    "two_layer_net": {
        "no max-subtraction": patched(
            "two_layer_net", ("shifted = scores - np.max(scores, axis=1, keepdims=True)", "shifted = scores")
        ),
        "ReLU left out of the backward pass": patched(
            "two_layer_net", ("dz1 = (dscores @ W2.T) * (z1 > 0)", "dz1 = dscores @ W2.T")
        ),
        "regulariser gradients without the factor 2": patched(
            "two_layer_net", ("2.0 * reg * W2", "reg * W2"), ("2.0 * reg * W1", "reg * W1")
        ),
        "b1 gradient without the ReLU mask": patched(
            "two_layer_net",
            ('grads["b1"] = np.sum(dz1, axis=0)', 'grads["b1"] = np.sum(dscores @ W2.T, axis=0)'),
        ),
    },
    "sgd_momentum": {
        "stepping by the gradient": patched(
            "sgd_momentum", ("return w + v, config", 'return w - config["learning_rate"] * dw, config')
        ),
        "velocity stored with the opposite sign": patched(
            "sgd_momentum",
            (
                'v = config["momentum"] * v - config["learning_rate"] * dw',
                'v = config["momentum"] * v + config["learning_rate"] * dw',
            ),
            ("return w + v, config", "return w - v, config"),
        ),
        "velocity not stored": patched("sgd_momentum", ('config["velocity"] = v', "pass")),
        "momentum default 0.99": patched(
            "sgd_momentum", ('config.setdefault("momentum", 0.9)', 'config.setdefault("momentum", 0.99)')
        ),
    },
    "adam_update": {
        "no bias correction": patched(
            "adam_update",
            ("m_hat = m / (1 - beta1**t)", "m_hat = m"),
            ("v_hat = v / (1 - beta2**t)", "v_hat = v"),
        ),
        "bias correction with the old step count": patched(
            "adam_update",
            ('t = config["t"] + 1', 't = config["t"]'),
            ('config["t"] = m, v, t', 'config["t"] = m, v, t + 1'),
        ),
        "second moment of dw, not dw**2": patched(
            "adam_update", ("(1 - beta2) * dw**2", "(1 - beta2) * np.abs(dw)")
        ),
        "epsilon inside the square root": patched(
            "adam_update", ('np.sqrt(v_hat) + config["epsilon"]', 'np.sqrt(v_hat + config["epsilon"])')
        ),
        "moments not stored": patched(
            "adam_update", ('config["m"], config["v"], config["t"] = m, v, t', 'config["t"] = t')
        ),
    },
    "conv_forward_naive": {
        "flipped filter (true convolution)": patched(
            "conv_forward_naive",
            ("np.tensordot(window, w, axes", "np.tensordot(window, w[:, :, ::-1, ::-1], axes"),
        ),
        "padding forgotten": patched(
            "conv_forward_naive", ("x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))", "x_pad = x")
        ),
        "bias left out": patched(
            "conv_forward_naive", ("axes=([1, 2, 3], [1, 2, 3])) + b", "axes=([1, 2, 3], [1, 2, 3]))")
        ),
    },
    "conv_backward_naive": {
        "dw window ignores the stride": patched(
            "conv_backward_naive",
            (
                "window = x_pad[:, :, top : top + hh, left : left + ww]  # (N, C, HH, WW)\n            g = dout",
                "window = x_pad[:, :, i : i + hh, j : j + ww]\n            g = dout",
            ),
        ),
        "dw with a flipped filter": patched(
            "conv_backward_naive",
            (
                "dw += np.tensordot(g, window, axes=([0], [0]))",
                "dw += np.tensordot(g, window[:, :, ::-1, ::-1], axes=([0], [0]))",
            ),
        ),
        "dx with a flipped filter": patched(
            "conv_backward_naive",
            ("np.tensordot(g, w, axes=([1], [0]))", "np.tensordot(g, w[:, :, ::-1, ::-1], axes=([1], [0]))"),
        ),
        "db averaged instead of summed": patched(
            "conv_backward_naive", ("db = np.sum(dout, axis=(0, 2, 3))", "db = np.mean(dout, axis=(0, 2, 3))")
        ),
    },
    "maxpool_forward_backward": {
        "= instead of += for overlapping windows": patched(
            "maxpool_forward_backward",
            (
                "dx[:, :, i * s : i * s + ph, j * s : j * s + pw] +=",
                "dx[:, :, i * s : i * s + ph, j * s : j * s + pw] =",
            ),
        ),
        "routes to every tied maximum": patched(
            "maxpool_forward_backward",
            (
                "first = np.argmax(window, axis=2)  # (N, C): index of the first maximum\n            mask = np.zeros_like(window)\n            np.put_along_axis(mask, first[:, :, None], 1.0, axis=2)",
                "mask = (window == np.max(window, axis=2, keepdims=True)).astype(window.dtype)",
            ),
        ),
        "routes to the last tied maximum": patched(
            "maxpool_forward_backward",
            (
                "first = np.argmax(window, axis=2)",
                "first = ph * pw - 1 - np.argmax(window[:, :, ::-1], axis=2)",
            ),
        ),
        "splits the gradient among ties": patched(
            "maxpool_forward_backward",
            (
                "first = np.argmax(window, axis=2)  # (N, C): index of the first maximum\n            mask = np.zeros_like(window)\n            np.put_along_axis(mask, first[:, :, None], 1.0, axis=2)",
                "mask = (window == np.max(window, axis=2, keepdims=True)).astype(window.dtype)\n            mask /= mask.sum(axis=2, keepdims=True)",
            ),
        ),
    },
    "batchnorm_forward": {
        "unbiased variance": patched("batchnorm_forward", ("np.var(x, axis=0)", "np.var(x, axis=0, ddof=1)")),
        "momentum on the wrong term": patched(
            "batchnorm_forward",
            (
                "running_mean = momentum * running_mean + (1 - momentum) * mu",
                "running_mean = (1 - momentum) * running_mean + momentum * mu",
            ),
            (
                "running_var = momentum * running_var + (1 - momentum) * var",
                "running_var = (1 - momentum) * running_var + momentum * var",
            ),
        ),
        "test mode with batch statistics": patched(
            "batchnorm_forward",
            (
                "out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta",
                "out = gamma * (x - x.mean(0)) / np.sqrt(x.var(0) + eps) + beta",
            ),
        ),
        "centres x in place": patched(
            "batchnorm_forward",
            ("x_hat = (x - mu) / np.sqrt(var + eps)", "x -= mu\n        x_hat = x / np.sqrt(var + eps)"),
        ),
        "running averages not stored": patched(
            "batchnorm_forward",
            ('bn_param["running_mean"] = running_mean\n    bn_param["running_var"] = running_var', "pass"),
        ),
    },
    "inverted_dropout": {
        "p as the drop probability": patched(
            "inverted_dropout",
            ("mask = (rng.random(x.shape) < p) / p", "mask = (rng.random(x.shape) >= p) / (1 - p)"),
        ),
        "no scaling by 1/p": patched(
            "inverted_dropout",
            ("mask = (rng.random(x.shape) < p) / p", "mask = (rng.random(x.shape) < p) * 1.0"),
        ),
        "scaling at test time too": patched(
            "inverted_dropout", ("mask, out = None, x", "mask, out = None, x * p")
        ),
        "one mask row reused for every row": patched(
            "inverted_dropout",
            (
                "mask = (rng.random(x.shape) < p) / p",
                "mask = np.broadcast_to((rng.random(x.shape[-1:]) < p) / p, x.shape)",
            ),
        ),
        "backward without the 1/p": patched(
            "inverted_dropout", ("return dout * mask", "return dout * (mask > 0)")
        ),
    },
    "residual_block_forward": {
        "ReLU before the addition": """
            import numpy as np
            def residual_block_forward(x, W1, b1, W2, b2):
                return np.maximum(0, x) + np.maximum(0, x @ W1 + b1) @ W2 + b2
        """,
        "no ReLU after the addition": patched(
            "residual_block_forward", ("return np.maximum(0.0, x + f)", "return x + f")
        ),
        "adds in place": patched(
            "residual_block_forward",
            ("return np.maximum(0.0, x + f)", "x += f\n    return np.maximum(0.0, x)"),
        ),
        "no shortcut": patched(
            "residual_block_forward", ("return np.maximum(0.0, x + f)", "return np.maximum(0.0, f)")
        ),
    },
    "masked_attention": {
        "no 1/sqrt(d)": patched("masked_attention", ("/ np.sqrt(d)", "")),
        "finite fill of -1e4": patched(
            "masked_attention", ("np.where(mask, scores, -np.inf)", "np.where(mask, scores, -1e4)")
        ),
        "masking by zeroing the scores": patched(
            "masked_attention", ("np.where(mask, scores, -np.inf)", "scores * mask")
        ),
        "no max-subtraction": patched(
            "masked_attention", ("scores = scores - np.max(scores, axis=-1, keepdims=True)", "pass")
        ),
        "masked weights zeroed after the softmax, no renormalisation": patched(
            "masked_attention",
            ("scores = np.where(mask, scores, -np.inf)", "pass"),
            (
                "weights /= np.sum(weights, axis=-1, keepdims=True)",
                "weights /= np.sum(weights, axis=-1, keepdims=True)\n    weights = weights * mask",
            ),
        ),
    },
    "clip_infonce_loss": {
        "one direction only": patched(
            "clip_infonce_loss",
            (
                "(_diagonal_cross_entropy(logits) + _diagonal_cross_entropy(logits.T)) / 2",
                "_diagonal_cross_entropy(logits)",
            ),
        ),
        "no L2 normalisation": patched(
            "clip_infonce_loss",
            ("img = image_emb / np.linalg.norm(image_emb, axis=1, keepdims=True)", "img = image_emb"),
            ("txt = text_emb / np.linalg.norm(text_emb, axis=1, keepdims=True)", "txt = text_emb"),
        ),
        "temperature multiplied": patched(
            "clip_infonce_loss", ("img @ txt.T / temperature", "img @ txt.T * temperature")
        ),
        "no max-subtraction": patched(
            "clip_infonce_loss",
            ("shifted = logits - np.max(logits, axis=1, keepdims=True)", "shifted = logits"),
        ),
        "normalises the embeddings in place": patched(
            "clip_infonce_loss",
            (
                "img = image_emb / np.linalg.norm(image_emb, axis=1, keepdims=True)",
                "image_emb /= np.linalg.norm(image_emb, axis=1, keepdims=True)\n    img = image_emb",
            ),
        ),
    },
    "batchnorm_backward": {
        "only the direct path through x_hat": patched(
            "batchnorm_backward",
            (
                "dx = (n * dx_hat - np.sum(dx_hat, axis=0) - x_hat * np.sum(dx_hat * x_hat, axis=0)) / (\n        n * np.sqrt(var + eps)\n    )",
                "dx = dx_hat / np.sqrt(var + eps)",
            ),
        ),
        "the mean path left out": patched(
            "batchnorm_backward", ("(n * dx_hat - np.sum(dx_hat, axis=0) - x_hat", "(n * dx_hat - x_hat")
        ),
        "the variance path left out": patched(
            "batchnorm_backward", ("- x_hat * np.sum(dx_hat * x_hat, axis=0)) / (", ") / (")
        ),
        "dgamma and dbeta swapped": patched(
            "batchnorm_backward", ("return dx, dgamma, dbeta", "return dx, dbeta, dgamma")
        ),
        "N - 1 in the variance path": patched(
            "batchnorm_backward",
            (
                "(n * dx_hat - np.sum(dx_hat, axis=0) - x_hat * np.sum(dx_hat * x_hat, axis=0))",
                "(n * dx_hat - np.sum(dx_hat, axis=0) - x_hat * np.sum(dx_hat * x_hat, axis=0) * n / (n - 1))",
            ),
        ),
        "scales dout in place": patched(
            "batchnorm_backward", ("dx_hat = dout * gamma", "dout *= gamma\n    dx_hat = dout")
        ),
    },
    "layernorm_forward_backward": {
        "statistics over the batch (batch norm)": patched(
            "layernorm_forward_backward",
            ("mu = np.mean(x, axis=1, keepdims=True)", "mu = np.mean(x, axis=0, keepdims=True)"),
            ("var = np.var(x, axis=1, keepdims=True)", "var = np.var(x, axis=0, keepdims=True)"),
        ),
        "no eps (divides by the standard deviation)": patched(
            "layernorm_forward_backward",
            ("x_hat = (x - mu) / np.sqrt(var + eps)", "x_hat = (x - mu) / np.sqrt(var)"),
        ),
        "unbiased variance": patched(
            "layernorm_forward_backward",
            (
                "var = np.var(x, axis=1, keepdims=True)",
                "var = np.var(x, axis=1, keepdims=True, ddof=1) if x.shape[1] > 1 else np.var(x, axis=1, keepdims=True)",
            ),
        ),
        "dx from the direct path only": patched(
            "layernorm_forward_backward",
            (
                "    dx = (\n        d * dx_hat\n        - np.sum(dx_hat, axis=1, keepdims=True)\n        - x_hat * np.sum(dx_hat * x_hat, axis=1, keepdims=True)\n    ) / (d * np.sqrt(var + eps))",
                "    dx = dx_hat / np.sqrt(var + eps)",
            ),
        ),
        "dgamma summed over the features": patched(
            "layernorm_forward_backward",
            ("dgamma = np.sum(dout * x_hat, axis=0)", "dgamma = np.sum(dout * x_hat, axis=1)"),
        ),
        "eps argument ignored": patched(
            "layernorm_forward_backward",
            ("x_hat = (x - mu) / np.sqrt(var + eps)", "x_hat = (x - mu) / np.sqrt(var + 1e-5)"),
        ),
        "centres x in place": patched(
            "layernorm_forward_backward",
            ("x_hat = (x - mu) / np.sqrt(var + eps)", "x -= mu\n    x_hat = x / np.sqrt(var + eps)"),
        ),
    },
    "clip_grad_norm": {
        "each tensor clipped by its own norm": """
            import numpy as np
            def clip_grad_norm(grads, max_norm):
                total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
                out = []
                for g in grads:
                    n = float(np.linalg.norm(g))
                    out.append(g * (max_norm / n) if n > max_norm else g.copy())
                return out, total
        """,
        "always rescaled to max_norm": patched(
            "clip_grad_norm",
            (
                "scale = max_norm / total if total > max_norm else 1.0",
                "scale = max_norm / total if total > 0 else 1.0",
            ),
        ),
        "clips in place": """
            import numpy as np
            def clip_grad_norm(grads, max_norm):
                total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
                if total > max_norm:
                    for g in grads:
                        g *= max_norm / total
                return grads, total
        """,
        "returns the same arrays when nothing is clipped": patched(
            "clip_grad_norm",
            (
                "return [np.array(g, dtype=np.float64) * scale for g in grads], total",
                "return ([g * scale for g in grads] if scale != 1.0 else list(grads)), total",
            ),
        ),
        "returns the norm after clipping": patched(
            "clip_grad_norm", ("for g in grads], total", "for g in grads], min(total, max_norm)")
        ),
        "divides by zero on zero gradients": patched(
            "clip_grad_norm",
            ("scale = max_norm / total if total > max_norm else 1.0", "scale = min(1.0, max_norm / total)"),
        ),
        "PyTorch's epsilon in the factor": patched(
            "clip_grad_norm",
            (
                "scale = max_norm / total if total > max_norm else 1.0",
                "scale = max_norm / (total + 1e-6) if total > max_norm else 1.0",
            ),
        ),
        "clipping by value": """
            import numpy as np
            def clip_grad_norm(grads, max_norm):
                total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
                return [np.clip(g, -max_norm, max_norm) for g in grads], total
        """,
    },
}

CASES = [(name, label) for name, wrongs in sorted(WRONG.items()) for label in sorted(wrongs)]


def test_every_exercise_has_a_list_of_wrong_solutions() -> None:
    names = {info.name for info in exercises.catalog()}
    assert set(WRONG) == names
    assert all(len(wrongs) >= 3 for wrongs in WRONG.values())


@pytest.mark.parametrize("name", sorted(WRONG))
def test_the_reference_passes_every_check(name: str) -> None:
    for seed in SEEDS:
        failed = [r for r in run_checks(name, exercises.get(name).reference, seed) if not r[1]]
        assert failed == [], (seed, failed)


@pytest.mark.parametrize(("name", "label"), CASES)
def test_wrong_solution_is_rejected(name: str, label: str) -> None:
    source = WRONG[name][label]
    for seed in SEEDS:
        results = run_checks(name, source, seed)
        assert any(not passed for _, passed, _ in results), (
            f"{name}: {label!r} passed every check (seed {seed})"
        )


def test_call_untouched_names_the_argument_changed_in_place() -> None:
    import numpy as np

    from srs.exercises import checklib

    def scale_in_place(a: np.ndarray, items: list[np.ndarray]) -> float:
        items[1] *= 2.0
        return float(a.sum())

    a, items = np.ones(3), [np.zeros(2), np.ones(2)]
    with pytest.raises(checklib.CheckFailed, match="modified its input `grads` in place"):
        checklib.call_untouched("f", scale_in_place, a, items, names=("x", "grads"))
    assert checklib.call_untouched("f", lambda x, y: float(x.sum()), a, [np.ones(2)]) == 3.0
    nan = np.array([np.nan, 1.0])
    assert checklib.call_untouched("f", lambda x: 0, nan) == 0  # NaN equals NaN here


def test_scaled_rows_spans_orders_of_magnitude() -> None:
    import numpy as np

    from srs.exercises import checklib

    x = checklib.scaled_rows(np.random.default_rng(0), 60, 4)
    sizes = np.abs(x).max(axis=1)
    assert sizes.max() / sizes.min() > 1e4


# --------------------------------------------------------------------------- mutants, by kind

SLOW = os.environ.get("SRS_SLOW_EXERCISE_TESTS") == "1"
MUTANTS = exercise_mutants.mutants()
MUTANT_CASES = [(name, label) for name, found in sorted(MUTANTS.items()) for label in sorted(found)]
SWEEP_SEEDS = tuple(range(20))


def _seeds(name: str, label: str, count: int) -> list[int]:
    """``count`` of the 20 sweep seeds, different for each mutant (all 20 in the slow run)."""
    if SLOW:
        return list(SWEEP_SEEDS)
    start = zlib.crc32(f"{name}/{label}".encode()) % len(SWEEP_SEEDS)
    return [(start + 4 * k) % len(SWEEP_SEEDS) for k in range(count)]


def _representatives() -> list[tuple[str, str]]:
    """One mutant per exercise, chosen so that every kind is graded through the sandbox at least once."""
    covered: dict[str, int] = dict.fromkeys(exercise_mutants.KINDS, 0)
    chosen = []
    for name, found in sorted(MUTANTS.items()):
        label = min(sorted(found), key=lambda lab: covered[found[lab][0]])
        covered[found[label][0]] += 1
        chosen.append((name, label))
    assert all(covered.values()), covered
    return chosen


def test_the_mutants_cover_every_exercise_and_kind() -> None:
    assert set(MUTANTS) == {info.name for info in exercises.catalog()}
    assert len(MUTANT_CASES) > 93 + 60  # more than the 93 of WRONG, well beyond
    kinds = {kind for found in MUTANTS.values() for kind, _ in found.values()}
    assert kinds == set(exercise_mutants.KINDS)
    for name, found in MUTANTS.items():
        assert {kind for kind, _ in found.values()} >= {exercise_mutants.DTYPE, exercise_mutants.COPY_BACK}, (
            name
        )
        if name in exercise_mutants.NO_LOOPS:
            assert sum(kind == exercise_mutants.LOOP for kind, _ in found.values()) >= 7, name


@pytest.mark.parametrize(("name", "label"), MUTANT_CASES)
def test_mutant_is_rejected_on_every_seed(name: str, label: str) -> None:
    _kind, source = MUTANTS[name][label]
    for seed in _seeds(name, label, 5):
        results = run_checks(name, source, seed)
        assert any(not passed for _, passed, _ in results), (
            f"{name}: {label!r} passed every check (seed {seed})"
        )


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_the_reference_and_unusual_correct_solutions_pass(name: str) -> None:
    sources = {"reference": exercises.get(name).reference}
    if name in exercise_mutants.UNUSUAL:
        sources["unusual"] = exercise_mutants.UNUSUAL[name]
    for label, source in sources.items():
        for seed in range(200 if SLOW and label == "reference" else 20):
            failed = [r for r in run_checks(name, source, seed) if not r[1]]
            assert failed == [], (label, seed, failed)


def _sandboxed(tmp_path: Path, name: str, source: str, seed: int) -> exercises.ExerciseResult:
    path = tmp_path / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    return exercises.run(name, path, seed)


@pytest.mark.parametrize(("name", "label"), _representatives())
def test_a_mutant_of_each_exercise_fails_through_the_sandbox_as_in_process(
    tmp_path: Path, name: str, label: str
) -> None:
    """The real grading path rejects it, and every check's verdict equals the in-process runner's."""
    kind, source = MUTANTS[name][label]
    seed = _seeds(name, label, 1)[0]
    result = _sandboxed(tmp_path, name, source, seed)
    assert result.status is exercises.Status.FAILED, (kind, result.message)
    in_process = [(check, passed) for check, passed, _ in run_checks(name, source, seed)]
    assert [(c.name, c.passed) for c in result.checks] == in_process


@pytest.mark.skipif(not SLOW, reason="the 20-seed sweep through the sandbox: set SRS_SLOW_EXERCISE_TESTS=1")
@pytest.mark.parametrize(("name", "label"), MUTANT_CASES)
def test_mutant_is_rejected_through_the_sandbox_on_20_seeds(tmp_path: Path, name: str, label: str) -> None:
    kind, source = MUTANTS[name][label]
    for seed in SWEEP_SEEDS:
        result = _sandboxed(tmp_path, name, source, seed)
        assert result.status is exercises.Status.FAILED, (kind, seed, result.message)
