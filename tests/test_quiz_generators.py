"""Every quiz generator, checked over many seeds against an independent second computation.

The generators compute their answers with vectorised numpy (or closed forms); the checks here redo
the problem another way: explicit loops, exact Fraction/Decimal arithmetic, finite differences,
actually sliding windows over padded arrays, back-projecting a pixel through layers, simulating a
data loader, enumerating dropout masks, and so on. Then the canonical answer text must pass
``check_answer`` and perturbed answers must fail.
"""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal, localcontext
from fractions import Fraction
from functools import cache

import numpy as np
import pytest

import srs.quiz as quiz
from srs.errors import QuizError
from srs.quiz import AnswerType, QuizInstance, check_answer, generate
from srs.quiz.base import REGISTRY
from srs.quiz.params import ParamKind

N_SEEDS = 200
REQUIRED = {
    "broadcast_shape": (1, "broadcasting"),
    "relu_net_forward": (1, "forward-pass"),
    "activation_derivative": (1, "activations"),
    "softmax_probs": (1, "softmax"),
    "softmax_ce_loss": (1, "loss"),
    "svm_hinge_loss": (1, "svm"),
    "l2_regularized_loss": (1, "regularization"),
    "graph_gradient": (2, "backprop"),
    "momentum_step": (2, "momentum"),
    "rmsprop_step": (2, "rmsprop"),
    "adam_step": (2, "adam"),
    "conv_output_shape": (3, "convolution"),
    "conv_params_macs": (3, "convolution"),
    "pool_output_shape": (3, "pooling"),
    "receptive_field": (3, "receptive-field"),
    "resnet_block_params": (4, "bottleneck"),
    "depthwise_cost_ratio": (4, "mobilenet"),
    "vit_tokens_params": (4, "vit"),
    "attention_weights": (4, "attention"),
    "dropout_scaling": (5, "dropout"),
    "batchnorm_output": (5, "batchnorm"),
    "lr_schedule": (5, "lr-schedule"),
    "prf1_confusion": (5, "metrics"),
    "steps_per_epoch": (6, "training-pipeline"),
    "clip_infonce": (7, "clip"),
    "init_std": (2, "initialization"),  # taught on Day 2, after backprop
    "clip_global_norm": (2, "gradient-clipping"),
    "positional_encoding": (4, "positional-encoding"),
    "transformer_params": (4, "transformer"),
    "layernorm_output": (5, "layernorm"),
    "noam_lr": (5, "transformer-training"),
}


@cache
def instances(name: str) -> tuple[QuizInstance, ...]:
    return tuple(generate(name, seed) for seed in range(N_SEEDS))


# -- independent computations ---------------------------------------------------------------------------
def _f(x: object) -> float:
    assert isinstance(x, int | float)
    return float(x)


def _frac(x: object) -> Fraction:
    return Fraction(str(x))


def v_broadcast(p: dict) -> object:
    a, b = tuple(p["a"]), tuple(p["b"])
    try:
        shape = np.broadcast_shapes(a, b)
    except ValueError:
        return "error"
    if math.prod(a) * math.prod(b) <= 200_000:  # also broadcast real arrays when small
        assert (np.zeros(a) + np.zeros(b)).shape == shape
    return tuple(shape)


def v_relu_net(p: dict) -> object:
    x, W1, b1, W2, b2 = p["x"], p["W1"], p["b1"], p["W2"], p["b2"]
    h = []
    for row, bias in zip(W1, b1, strict=True):
        total = bias
        for w, xi in zip(row, x, strict=True):
            total += w * xi
        h.append(total if total > 0 else 0)
    out = []
    for row, bias in zip(W2, b2, strict=True):
        total = bias
        for w, hi in zip(row, h, strict=True):
            total += w * hi
        out.append(total)
    return out[0] if len(out) == 1 else [float(v) for v in out]


def v_activation(p: dict) -> object:
    x, fn, alpha = p["x"], p["fn"], p["alpha"]
    funcs: dict[str, Callable[[float], float]] = {
        "sigmoid": lambda t: 1 / (1 + math.exp(-t)),
        "tanh": math.tanh,
        "relu": lambda t: t if t > 0 else 0.0,
        "leaky_relu": lambda t: t if t > 0 else alpha * t,
    }
    f = funcs[fn]
    if fn in ("sigmoid", "tanh"):
        h = 1e-6
        return (f(x + h) - f(x - h)) / (2 * h)
    h = 1e-7  # left-hand difference: at exactly 0 this is the stated convention (left slope)
    return (f(x) - f(x - h)) / h


def _softmax_loop(scores: list[float]) -> list[float]:
    exps = [math.exp(s) for s in scores]
    total = 0.0
    for e in exps:
        total += e
    return [e / total for e in exps]


def v_softmax_probs(p: dict) -> object:
    probs = _softmax_loop(p["scores"])
    assert math.isclose(sum(probs), 1.0)
    return probs


def v_softmax_ce(p: dict) -> object:
    return -math.log(_softmax_loop(p["scores"])[p["y"]])


def v_svm(p: dict) -> float:
    s = [_frac(v) for v in p["scores"]]
    y, delta = p["y"], _frac(p["delta"])
    loss = Fraction(0)
    for j in range(len(s)):
        if j != y:
            margin = s[j] - s[y] + delta
            if margin > 0:
                loss += margin
    return float(loss)


def v_l2(p: dict) -> object:
    losses = [_frac(v) for v in p["losses"]]
    sq = Fraction(0)
    for row in p["W"]:
        for w in row:
            sq += w * w
    return float(sum(losses, Fraction(0)) / len(losses) + _frac(p["lam"]) * sq)


GATE_FUNCS: dict[str, Callable[[list[float]], float]] = {
    "add": lambda v: v[0] + v[1],
    "mul": lambda v: v[0] * v[1],
    "max": max,
    "exp": lambda v: math.exp(v[0]),
}


def _graph_eval(p: dict, inputs: dict[str, float]) -> float:
    env = dict(inputs)
    for name, op, *args in p["gates"]:
        env[name] = GATE_FUNCS[op]([env[a] for a in args])
    return env["f"]


def v_graph(p: dict) -> object:
    base = {k: float(v) for k, v in p["inputs"].items()}
    h = 1e-6
    up, down = dict(base), dict(base)
    up[p["wrt"]] += h
    down[p["wrt"]] -= h
    return (_graph_eval(p, up) - _graph_eval(p, down)) / (2 * h)


def _dec(x: object) -> Decimal:
    return Decimal(str(x))


def v_momentum(p: dict) -> object:
    v = _dec(p["mu"]) * _dec(p["v"]) - _dec(p["lr"]) * _dec(p["g"])
    return float(_dec(p["x"]) + v) if p["ask"] == "x" else float(v)


def v_rmsprop(p: dict) -> object:
    with localcontext() as ctx:
        ctx.prec = 50
        rho, g = _dec(p["rho"]), _dec(p["g"])
        cache_new = rho * _dec(p["cache"]) + (1 - rho) * g * g
        return float(_dec(p["x"]) - _dec(p["lr"]) * g / (cache_new.sqrt() + _dec(p["eps"])))


def v_adam(p: dict) -> object:
    with localcontext() as ctx:
        ctx.prec = 50
        b1, b2, g, t = _dec(p["beta1"]), _dec(p["beta2"]), _dec(p["g"]), p["t"]
        m = b1 * _dec(p["m"]) + (1 - b1) * g
        v = b2 * _dec(p["v"]) + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        theta = _dec(p["theta"]) - _dec(p["lr"]) * m_hat / (v_hat.sqrt() + _dec(p["eps"]))
    if (
        t == 1 and p["eps"] <= 1e-6
    ):  # bias correction makes the very first step about ±lr, whatever the gradient's size
        assert math.isclose(abs(float(theta) - p["theta"]), p["lr"], rel_tol=1e-5)
    return float(theta)


def _slide(n: int, f: int, s: int, pad: int) -> int | None:
    """Slide an f-window with stride s over a padded 1-D array; None unless the windows tile it exactly."""
    padded = [0.0] * pad + [1.0] * n + [0.0] * pad
    starts = []
    i = 0
    while i + f <= len(padded):
        assert len(padded[i : i + f]) == f
        starts.append(i)
        i += s
    if not starts or starts[-1] + f != len(padded):
        return None
    return len(starts)


def _conv2d(x: np.ndarray, w: np.ndarray, stride: int, pad: int) -> tuple[np.ndarray, int]:
    """A plain loop convolution; returns the output and the number of multiply-accumulates done."""
    c, hgt, wid = x.shape
    k, c2, f, _ = w.shape
    assert c == c2
    xp = np.zeros((c, hgt + 2 * pad, wid + 2 * pad))
    xp[:, pad : pad + hgt, pad : pad + wid] = x
    rows: list[list[np.ndarray]] = []
    macs = 0
    i = 0
    while i + f <= xp.shape[1]:
        row: list[np.ndarray] = []
        j = 0
        while j + f <= xp.shape[2]:
            window = xp[:, i : i + f, j : j + f]
            row.append(np.tensordot(w, window, axes=([1, 2, 3], [0, 1, 2])))
            macs += k * window.size
            j += stride
        rows.append(row)
        i += stride
    out = np.array(rows).transpose(2, 0, 1)
    return out, macs


def v_conv_shape(p: dict) -> object:
    side = _slide(p["W"], p["F"], p["S"], p["P"])
    if side is None:
        return "invalid"
    if p["W"] <= 12:  # a real convolution on small inputs
        x = np.random.default_rng(0).normal(size=(min(p["C"], 4), p["W"], p["W"]))
        w = np.ones((p["K"], x.shape[0], p["F"], p["F"]))
        out, _ = _conv2d(x, w, p["S"], p["P"])
        assert out.shape == (p["K"], side, side)
    return (p["K"], side, side)


def v_conv_params_macs(p: dict) -> object:
    if p["ask"] == "params":
        filters = [np.zeros((p["C"], p["F"], p["F"])) for _ in range(p["K"])]
        return sum(f.size + 1 for f in filters)
    # Count the MACs by visiting every window of the padded input (small cases: run the real conv).
    C, W, F, S, P, K = p["C"], p["W"], p["F"], p["S"], p["P"], p["K"]
    if C * W * W * K <= 40_000:
        _, macs = _conv2d(np.ones((C, W, W)), np.ones((K, C, F, F)), S, P)
        return macs
    side = _slide(W, F, S, P)
    if side is None:  # the generator rounds down: count windows that fit
        side = len(range(0, W + 2 * P - F + 1, S))
    return side * side * K * (C * F * F)


def _pool2d(x: np.ndarray, f: int, s: int, pad: int) -> np.ndarray:
    c, hgt, wid = x.shape
    xp = np.full((c, hgt + 2 * pad, wid + 2 * pad), -np.inf)
    xp[:, pad : pad + hgt, pad : pad + wid] = x
    out = [
        [xp[:, i : i + f, j : j + f].max(axis=(1, 2)) for j in range(0, xp.shape[2] - f + 1, s)]
        for i in range(0, xp.shape[1] - f + 1, s)
    ]
    return np.array(out).transpose(2, 0, 1)


def v_pool_shape(p: dict) -> object:
    side = _slide(p["W"], p["F"], p["S"], p["P"])
    if side is None:
        return "invalid"
    if p["W"] <= 16:
        out = _pool2d(np.random.default_rng(1).normal(size=(p["C"], p["W"], p["W"])), p["F"], p["S"], p["P"])
        assert out.shape == (p["C"], side, side)
    return (p["C"], side, side)


def v_receptive_field(p: dict) -> object:
    # Back-project one output unit through the layers: unit o of a layer sees inputs o*s .. o*s + k - 1.
    # The seen pixels are kept as merged intervals [a, b] so that huge fields stay cheap.
    seen = [(0, 0)]
    for _, k, s in reversed(p["layers"]):
        spans = sorted(
            (a * s, b * s + k - 1) if k >= s else (o * s, o * s + k - 1)
            for a, b in seen
            for o in (range(a, b + 1) if k < s else (a,))
        )
        merged: list[tuple[int, int]] = []
        for a, b in spans:
            if merged and a <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        seen = merged
    if all(k >= s for _, k, s in p["layers"]):
        assert len(seen) == 1  # no holes when no kernel is smaller than its stride
    return seen[-1][1] - seen[0][0] + 1


def v_resnet(p: dict) -> object:
    w = p["width"]
    if p["block"] == "basic":
        return 2 * 3 * 3 * w * w  # 18 C²
    return 17 * w * w  # (4 + 9 + 4) d²


def _depthwise_loops(DF: int, M: int, N: int, DK: int) -> tuple[int, int]:
    """Count multiply-adds of a standard and a depthwise-separable conv with explicit loops."""
    standard = separable = 0
    for _y in range(DF):
        for _x in range(DF):
            for _n in range(N):
                for _m in range(M):
                    standard += DK * DK
            for _m in range(M):
                separable += DK * DK  # depthwise: one filter per input channel
            for _n in range(N):
                separable += M  # pointwise 1x1
    return standard, separable


def v_depthwise(p: dict) -> object:
    DF, M, N, DK = p["DF"], p["M"], p["N"], p["DK"]
    # per-output-element decomposition
    standard = (DF * DF * N) * (DK * DK * M)
    separable = (DF * DF * M) * (DK * DK) + (DF * DF * N) * M
    if DF * DF * M * N <= 2000:
        assert _depthwise_loops(DF, M, N, DK) == (standard, separable)
    if p["ask"] == "ratio":
        paper = 1 / N + 1 / DK**2  # Howard et al. 2017, Sec. 3.1
        assert math.isclose(separable / standard, paper, rel_tol=1e-12)
        return paper
    return standard if p["ask"] == "standard" else separable


def v_vit(p: dict) -> object:
    img, P, C, D = p["img"], p["patch"], p["C"], p["D"]
    image = np.zeros((C, img, img), dtype=np.int8)
    cover = np.zeros((img, img), dtype=np.int32)
    patches = []
    for i in range(0, img, P):
        for j in range(0, img, P):
            patches.append(image[:, i : i + P, j : j + P].ravel())
            cover[i : i + P, j : j + P] += 1
    assert (cover == 1).all()  # the patches tile the image without overlap
    assert all(len(x) == P * P * C for x in patches)
    if p["ask"] == "tokens":
        return len(patches) + 1
    return D * len(patches[0]) + D


def v_attention(p: dict) -> object:
    Q, K, dk, i = p["Q"], p["K"], p["dk"], p["row"]
    scores = []
    for key in K:
        dot = 0
        for a, b in zip(Q[i], key, strict=True):
            dot += a * b
        scores.append(dot / math.sqrt(dk))
    return _softmax_loop(scores)


def v_dropout(p: dict) -> object:
    keep = p["keep"]
    if p["ask"] == "scale":
        return 1 / keep
    if p["ask"] == "expected":
        # enumerate the two outcomes of the mask for this unit
        return sum(prob * (p["x"] * m / keep) for m, prob in ((1, keep), (0, 1 - keep)))
    return [x * m / keep for x, m in zip(p["x"], p["mask"], strict=True)]


def v_batchnorm(p: dict) -> object:
    xs, i, gamma, beta, eps = p["x"], p["i"], p["gamma"], p["beta"], p["eps"]
    n = len(xs)
    mu = 0.0
    for v in xs:
        mu += v / n
    var = 0.0
    for v in xs:
        var += (v - mu) ** 2 / n
    ys = [gamma * (v - mu) / math.sqrt(var + eps) + beta for v in xs]
    assert math.isclose(sum(ys) / n, beta, abs_tol=1e-9)  # the batch output has mean β
    return ys[i]


def v_lr(p: dict) -> object:
    t, lr = p["t"], p["lr"]
    if p["kind"] == "step":
        rate = lr
        for epoch in range(1, t + 1):  # simulate the scheduler epoch by epoch
            if epoch % p["step_size"] == 0:
                rate *= p["gamma"]
        return rate
    T, Tw, lr_min = p["total"], p["warmup"], p["lr_min"]
    if t < Tw:
        rate = 0.0
        for _ in range(t):
            rate += lr / Tw
        return rate
    half_angle = math.pi * (t - Tw) / (T - Tw) / 2
    return lr_min + (lr - lr_min) * math.cos(half_angle) ** 2  # ½(1 + cos θ) = cos²(θ/2)


def v_prf1(p: dict) -> object:
    M, c = p["matrix"], p["cls"]
    examples = [(a, b) for a, row in enumerate(M) for b, count in enumerate(row) for _ in range(count)]
    tp = sum(1 for a, b in examples if a == c and b == c)
    fp = sum(1 for a, b in examples if a != c and b == c)
    fn = sum(1 for a, b in examples if a == c and b != c)
    precision, recall = Fraction(tp, tp + fp), Fraction(tp, tp + fn)
    return float(
        {"precision": precision, "recall": recall, "f1": 2 * precision * recall / (precision + recall)}[
            p["metric"]
        ]
    )


def v_steps(p: dict) -> object:
    N, B, A = p["N"], p["B"], p["accum"]
    batches = [range(i, min(i + B, N)) for i in range(0, N, B)]  # what a sequential sampler yields
    if p["drop_last"] and len(batches[-1]) < B:
        batches.pop()
    assert sum(len(b) for b in batches) <= N
    if p["ask"] == "iters":
        return len(batches)
    steps_one_epoch = 0
    for i, _batch in enumerate(batches):
        if (i + 1) % A == 0:
            steps_one_epoch += 1
    return p["epochs"] * steps_one_epoch  # every epoch is identical (gradients reset at its start)


def v_clip(p: dict) -> object:
    S, tau = p["S"], p["tau"]
    n = len(S)
    logits = [[S[i][j] / tau for j in range(n)] for i in range(n)]
    img = sum(-math.log(_softmax_loop(logits[i])[i]) for i in range(n)) / n
    txt = sum(-math.log(_softmax_loop([logits[i][j] for i in range(n)])[j]) for j in range(n)) / n
    return (img + txt) / 2


def v_init_std(p: dict) -> object:
    # Count connections on an explicit weight layout: fan-in is how many inputs one output unit reads,
    # fan-out how many output units one input feeds (a conv weight w[o, c, a, b] reads input channel c).
    if p["layer"] == "fc":
        weights = [(o, i) for o in range(p["n_out"]) for i in range(p["n_in"])]
        fan_in = sum(1 for o, _ in weights if o == 0)
        fan_out = sum(1 for _, i in weights if i == 0)
    else:
        c_in, c_out, k = p["c_in"], p["c_out"], p["k"]
        fan_in = sum(1 for _c in range(c_in) for _a in range(k) for _b in range(k))  # one filter
        fan_out = sum(1 for _o in range(c_out) for _a in range(k) for _b in range(k))  # one input channel
    var = Fraction(2, fan_in) if p["scheme"] == "he" else Fraction(2, fan_in + fan_out)
    with localcontext() as ctx:
        ctx.prec = 40
        std = (Decimal(var.numerator) / Decimal(var.denominator)).sqrt()
    return float(var) if p.get("ask", "std") == "var" else float(std)


def v_clip_global_norm(p: dict) -> object:
    grads, c = p["grads"], Fraction(str(p["max_norm"]))
    sq = Fraction(0)
    for g in grads:
        for v in g:
            sq += v * v
    with localcontext() as ctx:
        ctx.prec = 40
        norm = Decimal(sq.numerator).sqrt()
        if p["ask"] == "norm":
            return float(norm)
        scale = (
            Decimal(1)
            if norm <= Decimal(c.numerator) / c.denominator
            else (Decimal(c.numerator) / c.denominator / norm)
        )
        return [float(Decimal(v) * scale) for v in grads[p["which"]]]


def v_layernorm(p: dict) -> object:
    xs = [Fraction(v) for v in p["x"]]
    h = len(xs)
    mu = sum(xs, Fraction(0)) / h
    var = sum(((v - mu) ** 2 for v in xs), Fraction(0)) / h
    root = math.sqrt(float(var + Fraction(str(p["eps"]))))
    ys = [
        float(_frac(g)) * float(v - mu) / root + float(_frac(b))
        for v, g, b in zip(xs, p["gain"], p["bias"], strict=True)
    ]
    assert math.isclose(sum(float(v - mu) / root for v in xs), 0.0, abs_tol=1e-9)  # normalised: mean 0
    return ys[p["i"]] if p["ask"] == "element" else ys


def v_positional(p: dict) -> object:
    pos, j, d = p["pos"], p["dim"], p["d_model"]
    # the "log space" form: 1/10000^(2i/d) = exp(-(2i) ln(10000) / d)
    angle = pos * math.exp(-(j - j % 2) * math.log(10000.0) / d)
    return math.sin(angle) if j % 2 == 0 else math.sin(angle + math.pi / 2)


def v_noam(p: dict) -> object:
    d, w, step = p["d_model"], p["warmup"], p["step"]
    with localcontext() as ctx:
        ctx.prec = 40
        scale = 1 / Decimal(d).sqrt()
        if step <= w:  # linear warm-up: lr grows by the same amount every step up to the peak
            per_step = scale / (Decimal(w) * Decimal(w).sqrt())
            lr = per_step * step
        else:
            lr = scale / Decimal(step).sqrt()
        peak_from_left = scale / (Decimal(w) * Decimal(w).sqrt()) * w
        assert abs(peak_from_left - scale / Decimal(w).sqrt()) < Decimal(10) ** -30  # continuous at the peak
    return float(lr)


def v_transformer(p: dict) -> object:
    d, dff, h = p["d_model"], p["d_ff"], p["heads"]
    dk = d // h
    shapes = []
    for _ in range(h):  # per head: W_Q, W_K, W_V slices (d x d_k) and their bias slices
        shapes += [(d, dk), (dk,), (d, dk), (dk,), (d, dk), (dk,)]
    attention = shapes + [(h * dk, d), (d,)]  # output projection W_O and its bias
    ffn = [(d, dff), (dff,), (dff, d), (d,)]
    norms = [(d,), (d,), (d,), (d,)]  # gain and bias of two LayerNorms
    count = {
        "attention": sum(math.prod(s) for s in attention),
        "ffn": sum(math.prod(s) for s in ffn),
    }
    count["layer"] = count["attention"] + count["ffn"] + sum(math.prod(s) for s in norms)
    return count[p["part"]]


VERIFY: dict[str, Callable[[dict], object]] = {
    "broadcast_shape": v_broadcast,
    "relu_net_forward": v_relu_net,
    "activation_derivative": v_activation,
    "softmax_probs": v_softmax_probs,
    "softmax_ce_loss": v_softmax_ce,
    "svm_hinge_loss": v_svm,
    "l2_regularized_loss": v_l2,
    "graph_gradient": v_graph,
    "momentum_step": v_momentum,
    "rmsprop_step": v_rmsprop,
    "adam_step": v_adam,
    "conv_output_shape": v_conv_shape,
    "conv_params_macs": v_conv_params_macs,
    "pool_output_shape": v_pool_shape,
    "receptive_field": v_receptive_field,
    "resnet_block_params": v_resnet,
    "depthwise_cost_ratio": v_depthwise,
    "vit_tokens_params": v_vit,
    "attention_weights": v_attention,
    "dropout_scaling": v_dropout,
    "batchnorm_output": v_batchnorm,
    "lr_schedule": v_lr,
    "prf1_confusion": v_prf1,
    "steps_per_epoch": v_steps,
    "clip_infonce": v_clip,
    "init_std": v_init_std,
    "clip_global_norm": v_clip_global_norm,
    "layernorm_output": v_layernorm,
    "positional_encoding": v_positional,
    "noam_lr": v_noam,
    "transformer_params": v_transformer,
}
# finite differences are only accurate to ~1e-7 relative; exact arithmetic elsewhere
LOOSE = {"graph_gradient": 1e-5, "activation_derivative": 1e-5}


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, tuple):
        return "x".join(str(v) for v in value)
    if isinstance(value, list):
        return " ".join(repr(float(v)) for v in value)
    return repr(value)


def assert_agrees(inst: QuizInstance, value: object) -> None:
    e = inst.expected
    where = f"{inst.name} seed {inst.seed} params {inst.params}"
    rel = LOOSE.get(inst.name, 1e-9)
    if e.type is AnswerType.SHAPE:
        if isinstance(value, str):
            assert isinstance(e.value, str), where
        else:
            assert e.value == value, where
    elif e.type is AnswerType.INT:
        assert e.value == value, where
    elif e.type is AnswerType.FLOAT:
        assert isinstance(value, int | float)
        assert math.isclose(_f(e.value), value, rel_tol=rel, abs_tol=rel * 1e-3), (where, e.value, value)
    else:
        assert isinstance(e.value, tuple) and isinstance(value, list)
        assert len(e.value) == len(value), where
        for a, b in zip(e.value, value, strict=True):
            assert math.isclose(float(a), float(b), rel_tol=rel, abs_tol=rel * 1e-3), (where, e.value, value)
    # the independent value, typed as a learner would, is accepted too
    verdict = check_answer(inst, _as_text(value))
    assert verdict.parsed and verdict.correct, (where, value, verdict)


def perturbed(inst: QuizInstance) -> list[str]:
    """Answers that must be rejected (parsed but wrong)."""
    e = inst.expected
    if e.type is AnswerType.SHAPE:
        if isinstance(e.value, str):
            return ["1x1x1", "16x15x15"]
        assert isinstance(e.value, tuple)
        dims = [int(d) for d in e.value]
        bigger = [*dims[:-1], dims[-1] + 1]
        return ["x".join(map(str, bigger)), "invalid", "x".join(map(str, [*dims, 2]))]
    if e.type is AnswerType.INT:
        n = int(_f(e.value))
        return [str(n + 1), str(n - 1), str(n + 10), f"{n}.5"]
    if e.type is AnswerType.FLOAT:
        v = _f(e.value)
        off = 3 * max(e.abs_tol, e.rel_tol * abs(v))
        return [repr(v + off), repr(v - off)]
    values = [float(x) for x in e.value]  # type: ignore[union-attr]
    out: list[str] = []
    for k in range(len(values)):
        off = 3 * max(e.abs_tol, e.rel_tol * abs(values[k])) or 1.0  # integer vectors are exact
        changed = list(values)
        changed[k] += off if k % 2 == 0 else -off
        out.append(" ".join(repr(x) for x in changed))
    return out


# -- the tests ---------------------------------------------------------------------------------------------
def test_catalog_has_exactly_the_required_generators() -> None:
    infos = quiz.catalog()
    assert {i.name: (i.day, i.topic) for i in infos} == REQUIRED
    assert [(i.day, i.name) for i in infos] == sorted((i.day, i.name) for i in infos)
    for info in infos:
        assert 30 <= info.target_seconds <= 240
        assert info.title and info.answer_hint
        assert quiz.get_info(info.name) == info
        assert REGISTRY[info.name].make.__doc__, info.name  # parameters documented
        for pdef in REGISTRY[info.name].params:
            assert pdef.name in (REGISTRY[info.name].make.__doc__ or ""), (info.name, pdef.name)
    assert set(VERIFY) == set(REQUIRED)


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_answers_match_independent_computation(name: str) -> None:
    verify = VERIFY[name]
    for inst in instances(name):
        assert_agrees(inst, verify(inst.params))


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_canonical_answer_passes_and_perturbed_answers_fail(name: str) -> None:
    for inst in instances(name):
        verdict = check_answer(inst, inst.answer)
        assert verdict.parsed and verdict.correct, (inst.seed, inst.answer, verdict)
        for wrong in perturbed(inst):
            verdict = check_answer(inst, wrong)
            assert verdict.parsed and not verdict.correct, (inst.seed, inst.answer, wrong, verdict)


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_instances_are_well_formed(name: str) -> None:
    for inst in instances(name):
        assert inst.name == name
        assert json.loads(json.dumps(inst.params)) == inst.params  # plain JSON values, lists not tuples
        assert inst.prompt.strip() and inst.solution.strip()
        assert inst.answer in inst.solution
        assert inst.solution.rstrip().endswith(f"`{inst.answer}`")
        assert (
            len([s for s in inst.solution.split("\n\n") if s.strip()]) >= 2
        )  # hints come one step at a time
        if inst.expected.type in (AnswerType.FLOAT, AnswerType.VECTOR) and (
            inst.expected.abs_tol or inst.expected.rel_tol
        ):
            assert "±" in inst.prompt, "float prompts state their tolerance"
        assert inst.prompt.count("$") % 2 == 0 and inst.solution.count("$") % 2 == 0


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_deterministic_and_varied(name: str) -> None:
    first = instances(name)
    for seed in (0, 1, 17, 199):
        assert generate(name, seed) == first[seed]
    distinct = {json.dumps(i.params, sort_keys=True) for i in first}
    answers = {i.answer for i in first}
    assert len(distinct) >= 8 and len(answers) >= 4, (len(distinct), len(answers))
    small = {"resnet_block_params": 8, "vit_tokens_params": 30}  # 2 x 4 and 2 x 5 x 4 combinations by default
    assert len(distinct) >= small.get(name, 50)


def test_mixed_outcomes_are_drawn() -> None:
    """Shape quizzes sometimes expect 'invalid'/'error'; multi-question generators ask every question."""
    for name in ("broadcast_shape", "conv_output_shape", "pool_output_shape"):
        kinds = {isinstance(i.expected.value, str) for i in instances(name)}
        assert kinds == {True, False}, name
    for name, key, values in [
        ("conv_params_macs", "ask", {"params", "macs"}),
        ("depthwise_cost_ratio", "ask", {"ratio", "standard", "separable"}),
        ("vit_tokens_params", "ask", {"tokens", "params"}),
        ("dropout_scaling", "ask", {"output", "scale", "expected"}),
        ("lr_schedule", "kind", {"step", "cosine"}),
        ("prf1_confusion", "metric", {"precision", "recall", "f1"}),
        ("activation_derivative", "fn", {"sigmoid", "tanh", "relu", "leaky_relu"}),
        ("init_std", "scheme", {"he", "xavier"}),
        ("init_std", "layer", {"fc", "conv"}),
        ("clip_global_norm", "ask", {"tensor", "norm"}),
        ("layernorm_output", "ask", {"element", "vector"}),
        ("transformer_params", "part", {"layer", "attention", "ffn"}),
    ]:
        assert {i.params[key] for i in instances(name)} == values, name
    ops = {g[1] for i in instances("graph_gradient") for g in i.params["gates"]}  # type: ignore[attr-defined]
    assert ops == {"add", "mul", "max", "exp"}


def test_spec_narrows_the_draws() -> None:
    for seed in range(30):
        inst = generate("conv_output_shape", seed, "W=32 F=3,5 S=1 P=0..1")
        assert inst.params["W"] == 32 and inst.params["F"] in (3, 5) and inst.params["S"] == 1
        assert inst.params["P"] in (0, 1)
        assert inst.expected.value != "invalid"  # stride 1 always fits
        assert generate("prf1_confusion", seed, "metric=recall classes=2").params["metric"] == "recall"
        assert generate("resnet_block_params", seed, "block=bottleneck width=64").answer == "69,632"
        assert generate("vit_tokens_params", seed, "img=224 patch=16 ask=tokens").answer == "197"
    assert generate("conv_output_shape", 3, "W=8..16") == generate("conv_output_shape", 3, "W=8..16")
    assert generate("conv_output_shape", 3, "p_invalid=0").expected.value != "invalid"


def test_known_textbook_values() -> None:
    """Anchors from the sources: CS231n examples, ResNet-50, ViT-B/16, MobileNet."""
    inst = generate("conv_output_shape", 0, "W=227 F=11 S=4 P=0 K=96 C=3")  # AlexNet conv1 (CS231n)
    assert inst.expected.value == (96, 55, 55)
    inst = generate("conv_output_shape", 0, "W=32 F=5 S=1 P=2 K=10")
    assert inst.answer == "10x32x32"
    inst = generate("conv_params_macs", 0, "W=227 F=11 S=4 P=0 K=96 C=3 ask=params")
    assert inst.expected.value == 34_944  # 96 * (11*11*3 + 1)
    inst = generate("vit_tokens_params", 0, "img=224 patch=16 C=3 D=768 ask=params")
    assert inst.expected.value == 16 * 16 * 3 * 768 + 768  # ViT-B/16 patch embedding: 590,592
    inst = generate("depthwise_cost_ratio", 0, "DK=3 N=1024 ask=ratio")
    assert math.isclose(_f(inst.expected.value), 1 / 1024 + 1 / 9)  # 8-9x cheaper (paper Sec. 3.1)
    inst = generate("pool_output_shape", 0, "W=224 C=64 F=2 S=2 P=0")
    assert inst.expected.value == (64, 112, 112)
    inst = generate("receptive_field", 0, "layers=3 k=3 s=1 p_pool=0")  # three stacked 3x3 convs see 7x7
    assert inst.expected.value == 7
    inst = generate("init_std", 0, "scheme=he layer=fc n_in=512 ask=std")  # sqrt(2/512) = 1/16
    assert inst.answer == "0.0625"
    inst = generate("init_std", 0, "scheme=xavier layer=fc n_in=300 n_out=100 ask=var")  # 2/400
    assert inst.answer == "0.005"
    inst = generate(
        "transformer_params", 0, "d_model=512 ff_mult=4 part=layer"
    )  # base model: ~3.15M per layer
    assert inst.expected.value == 3_152_384
    inst = generate("noam_lr", 0, "d_model=512 warmup=4000 phase=peak")  # 512^-0.5 * 4000^-0.5 ~ 7.0e-4
    assert inst.answer == "0.0006988"
    for seed in range(20):  # at position 0 every even dimension is sin 0 = 0 and every odd one cos 0 = 1
        inst = generate("positional_encoding", seed, "pos=0")
        assert inst.expected.value == (0.0 if inst.params["dim"] % 2 == 0 else 1.0)


def test_svm_matches_cs231n_worked_example() -> None:
    # CS231n notes: scores [13, -7, 11], correct class 0, Δ = 10 -> loss 8 (here we only check the formula)
    assert v_svm({"scores": [13, -7, 11], "y": 0, "delta": 10}) == 8
    # and the cat example: cat 3.2, car 5.1, frog -1.7 with Δ = 1 -> 2.9
    assert math.isclose(v_svm({"scores": [3.2, 5.1, -1.7], "y": 0, "delta": 1}), 2.9)


def _random_spec(name: str, rng: random.Random) -> str:
    """A random narrowing of each parameter inside what the generator supports (kept small)."""
    items = []
    for pdef in REGISTRY[name].params:
        if rng.random() < 0.4:
            continue
        if pdef.kind is ParamKind.WORD:
            picked = rng.sample(pdef.options, rng.randint(1, len(pdef.options)))
            items.append(f"{pdef.name}={','.join(picked)}")
            continue
        assert pdef.lo is not None and pdef.hi is not None
        lo, hi = pdef.lo, min(pdef.hi, pdef.lo + 40)
        if pdef.kind is ParamKind.INT:
            a = rng.randint(int(lo), int(hi))
            b = rng.randint(a, int(hi))
            if rng.random() < 0.5:
                items.append(f"{pdef.name}={a}..{b}")
            else:
                items.append(f"{pdef.name}={','.join(str(v) for v in sorted({a, b}))}")
        else:
            x = round(rng.uniform(lo, hi), 3)
            y = round(rng.uniform(x, hi), 3)
            x, y = max(x, lo), min(max(x, y), pdef.hi)
            items.append(f"{pdef.name}={x!r}..{y!r}" if rng.random() < 0.5 else f"{pdef.name}={x!r}")
    return " ".join(items)


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_random_narrowed_specs_stay_correct(name: str) -> None:
    rng = random.Random(f"specs/{name}")
    made = 0
    for k in range(25):
        spec = _random_spec(name, rng)
        quiz.validate_params(name, spec)  # anything inside the supported ranges validates
        for seed in range(3):
            try:
                inst = generate(name, 1000 * k + seed, spec)
            except QuizError:
                continue  # a legitimately impossible combination, reported cleanly
            made += 1
            assert_agrees(inst, VERIFY[name](inst.params))
            assert check_answer(inst, inst.answer).correct, (spec, inst.answer)
            assert json.loads(json.dumps(inst.params)) == inst.params
    assert made >= 40, made


def test_unknown_names_and_bad_specs() -> None:
    with pytest.raises(QuizError, match="conv_output_shape"):
        quiz.get_info("conv_output_shap")
    with pytest.raises(QuizError, match="no quiz generator"):
        quiz.generate("nope", 1)
    with pytest.raises(QuizError, match="unknown parameter 'Z'"):
        quiz.validate_params("conv_output_shape", "Z=3")
    with pytest.raises(QuizError, match="outside"):
        quiz.validate_params("conv_output_shape", "S=0..2")
    with pytest.raises(QuizError, match="whole numbers"):
        quiz.validate_params("conv_output_shape", "F=2.5")
    with pytest.raises(QuizError, match="not one of"):
        quiz.validate_params("activation_derivative", "fn=gelu")
    with pytest.raises(QuizError):
        quiz.validate_params("conv_output_shape", "W=8..")
    with pytest.raises(QuizError, match="unknown parameter"):
        quiz.generate("softmax_probs", 1, "W=3")
    quiz.validate_params("conv_output_shape", None)
    quiz.validate_params("conv_output_shape", "  ")
    quiz.validate_params("lr_schedule", "lr=0.001,0.01 kind=cosine warmup=0..5")
    assert any(line.startswith("W=") for line in quiz.param_help("conv_output_shape"))


def test_impossible_spec_is_a_clean_error() -> None:
    with pytest.raises(QuizError, match="vit_tokens_params"):
        generate("vit_tokens_params", 0, "img=225 patch=16")
    with pytest.raises(QuizError, match="conv_params_macs"):
        generate("conv_params_macs", 0, "W=10 F=3 S=2 P=0")


def test_import_does_not_load_numpy() -> None:
    code = (
        "import sys, srs.quiz as q; q.catalog(); q.get_info('adam_step'); "
        "q.validate_params('conv_output_shape', 'W=8..64 F=1,3'); assert 'numpy' not in sys.modules, 'numpy'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
