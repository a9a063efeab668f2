"""No plausible wrong method reaches the right answer of a quiz instance, on any seed.

For every generator this module lists the mistakes students really make (forgetting the temperature,
one direction of a symmetric loss, keep vs drop probability, biased vs unbiased variance, off-by-one
output sizes, ceil vs floor, log base, rows vs columns, ...). Each mistake is a small function that
computes the wrong answer from the instance's ``params`` alone, written here independently of the
generator's code. The test then types that wrong answer into the quiz's own judge and requires it to
be rejected on each of 500 seeds.

A method returns ``None`` on an instance where the step it gets wrong does not occur in that instance,
so that the "method" is literally the right computation: no padding to put on one side (P = 0), no
stride to ignore (S = 1), no class token to forget when tokens are not asked, and so on. What is never
excused is a *coincidence*: a parameter value that lets the wrong computation land on the right
number although the step is there (τ = 1, keep = 0.5, x at the batch mean, a gradient that is exactly
0 or 1, a symmetric similarity matrix, precision equal to recall). Those instances are re-drawn by the
generators. Each method must also apply to a fair share of the seeds, so that no method is vacuous.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import cache

import pytest

from srs.quiz import AnswerType, QuizInstance, catalog, check_answer, generate

N_SEEDS = 500
MIN_APPLICABLE = 0.05  # every wrong method must apply to at least 5 % of the seeds

Params = dict[str, object]
Wrong = object  # int | float | tuple | list | str | None
Method = Callable[[Params], Wrong]


def _softmax(xs: Sequence[float]) -> list[float]:
    m = max(xs)
    e = [math.exp(x - m) for x in xs]
    t = sum(e)
    return [v / t for v in e]


def _lse(xs: Sequence[float]) -> float:
    m = max(xs)
    return m + math.log(sum(math.exp(x - m) for x in xs))


def _mean(xs: Sequence[float]) -> float:
    return sum(xs) / len(xs)


def _var(xs: Sequence[float], ddof: int = 0) -> float:
    m = _mean(xs)
    return sum((x - m) ** 2 for x in xs) / (len(xs) - ddof)


# -- day 1 ----------------------------------------------------------------------------------------------
def _bcast(a: Sequence[int], b: Sequence[int], *, left: bool = False, stretch: bool = True) -> object:
    """Broadcast shapes aligned on the right (NumPy) or, wrongly, on the left; ``stretch=False`` refuses
    to stretch size-1 axes (the mistake "sizes must be equal")."""
    n = max(len(a), len(b))
    if left:
        aa, bb = list(a) + [1] * (n - len(a)), list(b) + [1] * (n - len(b))
    else:
        aa, bb = [1] * (n - len(a)) + list(a), [1] * (n - len(b)) + list(b)
    out = []
    for x, y in zip(aa, bb, strict=True):
        if x != y and not (stretch and 1 in (x, y)):
            return "invalid"
        out.append(max(x, y))
    return tuple(out)


def _bcast_no_error(p: Params) -> Wrong:
    """Takes the larger size on every axis without checking compatibility."""
    a, b = list(p["a"]), list(p["b"])
    if _bcast(a, b) != "invalid":
        return None  # only a mistake where the shapes clash
    n = max(len(a), len(b))
    aa, bb = [1] * (n - len(a)) + a, [1] * (n - len(b)) + b
    return tuple(max(x, y) for x, y in zip(aa, bb, strict=True))


def _bcast_left(p: Params) -> Wrong:
    a, b = list(p["a"]), list(p["b"])
    if len(a) == len(b):
        return None  # equal ranks: left and right alignment are the same
    return _bcast(a, b, left=True)


def _bcast_no_stretch(p: Params) -> Wrong:
    a, b = list(p["a"]), list(p["b"])
    n = min(len(a), len(b))
    if all(x == y for x, y in zip(a[::-1][:n], b[::-1][:n], strict=True)) or _bcast(a, b) == "invalid":
        return None  # nothing stretched, or the shapes clash anyway: "error" is right for any reason
    return _bcast(a, b, stretch=False)


def _relu_net(p: Params, *, relu: str = "hidden", b1: bool = True, b2: bool = True) -> Wrong:
    x, W1, B1, W2, B2 = p["x"], p["W1"], p["b1"], p["W2"], p["b2"]
    z = [sum(w * v for w, v in zip(row, x, strict=True)) for row in W1]
    if relu == "before_bias":
        h = [max(0, v) + (b if b1 else 0) for v, b in zip(z, B1, strict=True)]
    else:
        z = [v + (b if b1 else 0) for v, b in zip(z, B1, strict=True)]
        h = [max(0, v) for v in z] if relu in ("hidden", "both") else z
    s = [
        sum(w * v for w, v in zip(row, h, strict=True)) + (b if b2 else 0)
        for row, b in zip(W2, B2, strict=True)
    ]
    if relu == "both":
        s = [max(0, v) for v in s]
    return s


RELU_NET: dict[str, Method] = {
    "no ReLU": lambda p: _relu_net(p, relu="none"),
    "ReLU on the output too": lambda p: _relu_net(p, relu="both"),
    "ReLU before adding b1": lambda p: _relu_net(p, relu="before_bias"),
    "b1 forgotten": lambda p: _relu_net(p, b1=False),
    "b2 forgotten": lambda p: _relu_net(p, b2=False),
}


def _sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _act_value(p: Params) -> Wrong:
    """The function's value instead of its derivative."""
    x, fn = float(p["x"]), p["fn"]
    if fn == "sigmoid":
        return _sig(x)
    if fn == "tanh":
        return math.tanh(x)
    if fn == "relu":
        return x if x > 0 else None  # left of 0, ReLU's value and slope are both 0 by definition
    return x if x > 0 else float(p["alpha"]) * x


def _act_unsquared(p: Params) -> Wrong:
    """tanh' as 1 − tanh(x) (square forgotten); sigmoid' as σ(x)(1 − x) (x where σ(x) belongs)."""
    x, fn = float(p["x"]), p["fn"]
    if fn == "tanh":
        return 1 - math.tanh(x)
    if fn == "sigmoid":
        return _sig(x) * (1 - x)
    return None


def _act_input_for_output(p: Params) -> Wrong:
    """tanh' as 1 − x² and sigmoid' as x(1 − x): the input used where the output belongs."""
    x, fn = float(p["x"]), p["fn"]
    if fn == "tanh":
        return 1 - x * x
    if fn == "sigmoid":
        return x * (1 - x)
    return None


def _act_no_leak(p: Params) -> Wrong:
    """Leaky ReLU treated as a plain ReLU (slope 0 on the left)."""
    if p["fn"] != "leaky_relu" or float(p["x"]) > 0:
        return None
    return 0.0


ACTIVATION: dict[str, Method] = {
    "value instead of derivative": _act_value,
    "square forgotten": _act_unsquared,
    "input where the output belongs": _act_input_for_output,
    "leak forgotten": _act_no_leak,
}


def _softmax_no_exp(p: Params) -> Wrong:
    s = [float(v) for v in p["scores"]]
    t = sum(s)
    return None if t == 0 else [v / t for v in s]


def _softmax_sigmoid(p: Params) -> Wrong:
    return [_sig(float(v)) for v in p["scores"]]


def _softmax_by_max(p: Params) -> Wrong:
    s = [float(v) for v in p["scores"]]
    return [math.exp(v - max(s)) for v in s]


def _softmax_log(p: Params) -> Wrong:
    s = [float(v) for v in p["scores"]]
    return [v - _lse(s) for v in s]


def _softmax_abs(p: Params) -> Wrong:
    """Normalises |s| (or shifted scores) linearly: s − min over the sum of s − min."""
    s = [float(v) for v in p["scores"]]
    lo = min(s)
    t = sum(v - lo for v in s)
    return [(v - lo) / t for v in s]


# Not wrong methods: leaving out the max shift, or shifting by any other constant, gives the same
# probabilities by mathematics.
SOFTMAX: dict[str, Method] = {
    "no exponential": _softmax_no_exp,
    "shifted scores normalised linearly": _softmax_abs,
    "sigmoid of each score": _softmax_sigmoid,
    "divided by the max, not the sum": _softmax_by_max,
    "log-softmax": _softmax_log,
}


def _ce(p: Params, log: Callable[[float], float] = math.log) -> float:
    s = [float(v) for v in p["scores"]]
    y = int(p["y"])
    prob = _softmax(s)[y]
    return -log(prob)


CE_LOSS: dict[str, Method] = {
    "log10": lambda p: _ce(p, math.log10),
    "log2": lambda p: _ce(p, math.log2),
    "1 − p_y": lambda p: 1 - math.exp(-_ce(p)),
    "log-sum-exp without −s_y": lambda p: _lse([float(v) for v in p["scores"]]),
    "sum of all −log p_j": lambda p: sum(-math.log(q) for q in _softmax([float(v) for v in p["scores"]])),
}


def _svm(
    p: Params, *, include_y: bool = False, clamp: bool = True, delta: bool = True, mean: bool = False
) -> float:
    s = [float(v) for v in p["scores"]]
    y = int(p["y"])
    d = float(p["delta"]) if delta else 0.0
    terms = [s[j] - s[y] + d for j in range(len(s)) if include_y or j != y]
    if clamp:
        terms = [max(0.0, t) for t in terms]
    return sum(terms) / (len(terms) if mean else 1)


SVM: dict[str, Method] = {
    "correct class included": lambda p: _svm(p, include_y=True),
    "no max(0, ·)": lambda p: _svm(p, clamp=False),
    "margin Δ forgotten": lambda p: _svm(p, delta=False),
    "mean over classes, not sum": lambda p: _svm(p, mean=True),
}


def _l2(p: Params, *, half: bool = False, mean: bool = True, norm: str = "sq", reg: bool = True) -> float:
    losses = [float(v) for v in p["losses"]]
    w = [float(v) for r in p["W"] for v in r]
    lam = float(p["lam"])
    data = sum(losses) / (len(losses) if mean else 1)
    r = {"sq": sum(v * v for v in w), "l1": sum(abs(v) for v in w), "fro": math.sqrt(sum(v * v for v in w))}[
        norm
    ]
    return data + (lam * r * (0.5 if half else 1.0) if reg else 0.0)


L2: dict[str, Method] = {
    "factor ½": lambda p: _l2(p, half=True),
    "sum over the batch, not mean": lambda p: _l2(p, mean=False) if len(p["losses"]) > 1 else None,
    "L1 penalty": lambda p: _l2(p, norm="l1"),
    "norm not squared": lambda p: _l2(p, norm="fro"),
    "regularization forgotten": lambda p: _l2(p, reg=False),
}


# -- day 2 ----------------------------------------------------------------------------------------------
def _backprop(p: Params, mistake: str = "") -> Wrong:
    """Backprop through the gate list, optionally with one mistake."""
    values = {k: float(v) for k, v in p["inputs"].items()}
    gates = [(g[0], g[1], tuple(g[2:])) for g in p["gates"]]
    val = dict(values)
    for name, op, args in gates:
        a = [val[x] for x in args]
        if op == "add":
            val[name] = a[0] + a[1]
        elif op == "mul":
            val[name] = a[0] * a[1]
        elif op == "max":
            val[name] = max(a)
        else:
            val[name] = math.exp(a[0])
    grads: dict[str, float] = defaultdict(float)
    grads[gates[-1][0]] = 1.0
    # A mistake about a gate can only matter if that gate lies downstream of the input asked about.
    downstream = {str(p["wrt"])}
    ops = set()
    for name, op, args in gates:
        if downstream & set(args):
            downstream.add(name)
            ops.add(op)
    uses: dict[str, int] = defaultdict(int)
    for _, _, args in gates:
        for a in args:
            if a in downstream:
                uses[a] += 1
    needed = {
        "max to the smaller input": "max",
        "max passes to both": "max",
        "mul by its own input": "mul",
        "exp times its input": "exp",
    }
    if mistake in needed and needed[mistake] not in ops:
        return None
    if mistake == "overwrite instead of accumulate" and max(uses.values(), default=0) < 2:
        return None
    for name, op, args in reversed(gates):
        g = grads[name]

        def put(node: str, value: float) -> None:
            if mistake == "overwrite instead of accumulate":
                grads[node] = value
            else:
                grads[node] += value

        if op == "add":
            for a in args:
                put(a, g)
        elif op == "mul":
            a0, a1 = args
            if mistake == "mul by its own input":
                put(a0, g * val[a0])
                put(a1, g * val[a1])
            else:
                put(a0, g * val[a1])
                put(a1, g * val[a0])
        elif op == "max":
            a0, a1 = args
            big, small = (a0, a1) if val[a0] > val[a1] else (a1, a0)
            if mistake == "max passes to both":
                put(big, g)
                put(small, g)
            else:
                put(small if mistake == "max to the smaller input" else big, g)
                put(big if mistake == "max to the smaller input" else small, 0.0)
        else:
            (a0,) = args
            put(a0, g * (val[a0] if mistake == "exp times its input" else val[name]))
    return grads[str(p["wrt"])]


GRAPH: dict[str, Method] = {
    m: (lambda p, m=m: _backprop(p, m))
    for m in (
        "max to the smaller input",
        "max passes to both",
        "mul by its own input",
        "exp times its input",
        "overwrite instead of accumulate",
    )
}
GRAPH["answer 0 (gradient blocked)"] = lambda p: 0.0
GRAPH["answer 1 (gradient passed through)"] = lambda p: 1.0
GRAPH["answer −1"] = lambda p: -1.0


def _momentum(p: Params, mistake: str) -> Wrong:
    mu, lr, x, v, g = (float(p[k]) for k in ("mu", "lr", "x", "v", "g"))
    if mistake == "plus lr·g":
        v_new = mu * v + lr * g
    elif mistake == "μ forgotten":
        v_new = v - lr * g
    elif mistake == "lr forgotten":
        v_new = mu * v - g
    else:
        v_new = mu * v - lr * g
    if p["ask"] == "v":
        return None if mistake == "x moves by the old v" else v_new
    return x + (v if mistake == "x moves by the old v" else v_new)


MOMENTUM: dict[str, Method] = {
    m: (lambda p, m=m: _momentum(p, m))
    for m in ("plus lr·g", "μ forgotten", "lr forgotten", "x moves by the old v")
}
MOMENTUM["plain SGD (no velocity)"] = lambda p: (
    float(p["x"]) - float(p["lr"]) * float(p["g"]) if p["ask"] == "x" else -float(p["lr"]) * float(p["g"])
)


def _rmsprop(p: Params, mistake: str) -> Wrong:
    rho, lr, eps, x, g, c = (float(p[k]) for k in ("rho", "lr", "eps", "x", "g", "cache"))
    if mistake == "(1 − ρ) forgotten on g²":
        c_new = rho * c + g * g
    elif mistake == "old cache used":
        c_new = c
    elif mistake == "ρ and 1 − ρ swapped":
        c_new = (1 - rho) * c + rho * g * g
    else:
        c_new = rho * c + (1 - rho) * g * g
    denom = c_new + eps if mistake == "no square root" else math.sqrt(c_new) + eps
    if denom == 0:
        return None
    step = lr * g / denom
    return x + step if mistake == "sign flipped" else x - step


RMSPROP: dict[str, Method] = {
    m: (lambda p, m=m: _rmsprop(p, m))
    for m in (
        "(1 − ρ) forgotten on g²",
        "old cache used",
        "ρ and 1 − ρ swapped",
        "no square root",
        "sign flipped",
    )
}
# Forgetting ε is not a wrong method here: ε = 1e-8 changes the step by far less than the tolerance.


def _adam(p: Params, mistake: str) -> Wrong:
    lr, b1, b2, eps, theta, m0, v0, g = (
        float(p[k]) for k in ("lr", "beta1", "beta2", "eps", "theta", "m", "v", "g")
    )
    t = int(p["t"])
    m = b1 * m0 + (1 - b1) * g
    v = b2 * v0 + (1 - b2) * g * g
    c1, c2 = 1 - b1**t, 1 - b2**t
    if mistake == "bias correction at t − 1":
        if t == 1:
            return None  # 1 − β^0 = 0: the learner would divide by zero, not reach an answer
        c1, c2 = 1 - b1 ** (t - 1), 1 - b2 ** (t - 1)
    if mistake == "no bias correction":
        c1 = c2 = 1.0
    elif mistake == "only m̂ corrected":
        c2 = 1.0
    elif mistake == "only v̂ corrected":
        c1 = 1.0
    mh, vh = m / c1, v / c2
    denom = (vh if mistake == "no square root" else math.sqrt(vh)) + eps
    return theta - lr * mh / denom


ADAM: dict[str, Method] = {
    m: (lambda p, m=m: _adam(p, m))
    for m in (
        "no bias correction",
        "only m̂ corrected",
        "only v̂ corrected",
        "bias correction at t − 1",
        "no square root",
    )
}
# Forgetting ε is not a wrong method here: ε = 1e-8 against √v̂ >= 0.1 changes nothing at the tolerance.


# -- days 3-4 ---------------------------------------------------------------------------------------------
def _side(w: int, f: int, s: int, p2: int, *, rounding: str = "exact", plus_one: bool = True) -> int | None:
    span = w - f + p2
    if span < 0:
        return None
    if rounding == "exact" and span % s:
        return None
    q = -(-span // s) if rounding == "ceil" else span // s
    return q + (1 if plus_one else 0)


def _conv_shape(p: Params, mistake: str, depth_key: str) -> Wrong:
    W, F, S, P = (int(p[k]) for k in ("W", "F", "S", "P"))
    depth = int(p[depth_key])
    right = _side(W, F, S, 2 * P)
    if mistake == "one-sided padding":
        if P == 0 or (right is None and P % S == 0):
            return None  # no padding, or (invalid either way) P and 2P tile alike when S divides P
        side = _side(W, F, S, P)
    elif mistake == "stride ignored":
        if S == 1:
            return None  # no stride in this instance
        side = _side(W, F, 1, 2 * P)
    elif mistake == "no +1":
        if right is None:
            return None  # divisibility (the only test of validity) does not involve the +1
        side = _side(W, F, S, 2 * P, plus_one=False)
    elif mistake == "rounded down instead of invalid":
        if right is not None or W - F + 2 * P < 0:
            return None  # only differs where windows fit but do not tile the input
        side = _side(W, F, S, 2 * P, rounding="floor")
    elif mistake == "rounded up instead of invalid":
        if right is not None or W - F + 2 * P < 0:
            return None
        side = _side(W, F, S, 2 * P, rounding="ceil")
    elif mistake == "input depth kept":
        if right is None or "K" not in p:
            return None
        return (int(p["C"]), right, right)
    elif mistake == "W / F (stride taken as the window)":
        if S == F or right is None:
            return None  # stride equal to the window: the same computation
        return (depth, W // F, W // F)
    else:
        raise AssertionError(mistake)
    if side is None or side <= 0:
        return "invalid"
    return (depth, side, side)


CONV_SHAPE: dict[str, Method] = {
    m: (lambda p, m=m: _conv_shape(p, m, "K"))
    for m in (
        "one-sided padding",
        "stride ignored",
        "no +1",
        "rounded down instead of invalid",
        "rounded up instead of invalid",
        "input depth kept",
    )
}
POOL_SHAPE: dict[str, Method] = {
    m: (lambda p, m=m: _conv_shape(p, m, "C"))
    for m in (
        "stride ignored",
        "no +1",
        "rounded down instead of invalid",
        "rounded up instead of invalid",
        "W / F (stride taken as the window)",
    )
}
# Pooling: one-sided padding is not listed because the default draws have no padding (P = 0); max vs
# average pooling is not a wrong method for a shape question (both give the same shape).


def _conv_count(p: Params, mistake: str) -> Wrong:
    W, C, K, F, S, P = (int(p[k]) for k in ("W", "C", "K", "F", "S", "P"))
    side = (W - F + 2 * P) // S + 1
    if p["ask"] == "params":
        table = {
            "biases forgotten": K * F * F * C,
            "input channels forgotten": K * (F * F + 1),
            "one bias per weight": 2 * K * F * F * C,
            "MACs instead of params": K * side * side * C * F * F,
        }
    else:
        table = {
            "input side instead of output side": K * W * W * C * F * F,
            "stride ignored": None if S == 1 else K * (W - F + 2 * P + 1) ** 2 * C * F * F,
            "input channels forgotten": K * side * side * F * F,
            "biases counted as MACs": K * side * side * (C * F * F + 1),
            "params instead of MACs": K * (F * F * C + 1),
        }
    return table.get(mistake)


CONV_COUNT: dict[str, Method] = {
    m: (lambda p, m=m: _conv_count(p, m))
    for m in (
        "biases forgotten",
        "input channels forgotten",
        "one bias per weight",
        "MACs instead of params",
        "input side instead of output side",
        "stride ignored",
        "biases counted as MACs",
        "params instead of MACs",
    )
}


def _rf(p: Params, mistake: str) -> Wrong:
    layers = [(str(a), int(b), int(c)) for a, b, c in p["layers"]]
    strides_before = [s for _, _, s in layers[:-1]]
    if mistake in ("strides ignored", "jump updated before the layer") and all(
        s == 1
        for s in strides_before + ([layers[-1][2]] if mistake == "jump updated before the layer" else [])
    ):
        return None  # no stride > 1 that the mistake would misuse
    if mistake == "pool layers skipped" and all(kind == "conv" for kind, _, _ in layers):
        return None
    if mistake == "product of kernel sizes":
        return math.prod(k for _, k, _ in layers)
    r, j = 1, 1
    for kind, k, s in layers:
        if mistake == "pool layers skipped" and kind == "pool":
            continue
        if mistake == "jump updated before the layer":
            j *= s
            r += (k - 1) * j
            continue
        r += (k - 1) * (1 if mistake == "strides ignored" else j)
        j *= s
    return r


RECEPTIVE: dict[str, Method] = {
    m: (lambda p, m=m: _rf(p, m))
    for m in (
        "strides ignored",
        "jump updated before the layer",
        "pool layers skipped",
        "product of kernel sizes",
    )
}


def _resnet(p: Params, mistake: str) -> Wrong:
    w = int(p["width"])
    if p["block"] == "basic":
        return {
            "one conv only": 9 * w * w,
            "biases counted": 18 * w * w + 2 * w,
            "kernel area forgotten": 2 * w * w,
        }.get(mistake)
    return {
        "every conv d→d": 11 * w * w,
        "biases counted": 17 * w * w + 6 * w,
        "all convs 3×3": 9 * 17 * w * w,
        "kernel area forgotten": 9 * w * w,
    }.get(mistake)


RESNET: dict[str, Method] = {
    m: (lambda p, m=m: _resnet(p, m))
    for m in ("one conv only", "biases counted", "kernel area forgotten", "every conv d→d", "all convs 3×3")
}


def _dw(p: Params, mistake: str) -> Wrong:
    DF, M, N, DK = (int(p[k]) for k in ("DF", "M", "N", "DK"))
    std = DK * DK * M * N * DF * DF
    sep = DK * DK * M * DF * DF + M * N * DF * DF
    table = {
        "ratio": {
            "1/N + 1/D_K": 1 / N + 1 / DK,
            "1/D_K² only": 1 / DK**2,
            "1/N only": 1 / N,
            "standard over separable": std / sep,
        },
        "standard": {
            "D_F² forgotten": DK * DK * M * N,
            "D_K² forgotten": M * N * DF * DF,
            "separable instead": sep,
        },
        "separable": {
            "depthwise only": DK * DK * M * DF * DF,
            "pointwise only": M * N * DF * DF,
            "depthwise over N channels": DK * DK * M * N * DF * DF + M * N * DF * DF,
            "standard instead": std,
        },
    }[str(p["ask"])]
    return table.get(mistake)


DEPTHWISE: dict[str, Method] = {
    m: (lambda p, m=m: _dw(p, m))
    for m in (
        "1/N + 1/D_K",
        "1/D_K² only",
        "1/N only",
        "standard over separable",
        "D_F² forgotten",
        "D_K² forgotten",
        "separable instead",
        "depthwise only",
        "pointwise only",
        "depthwise over N channels",
        "standard instead",
    )
}


def _vit(p: Params, mistake: str) -> Wrong:
    img, P, C, D = (int(p[k]) for k in ("img", "patch", "C", "D"))
    g = img // P
    if p["ask"] == "tokens":
        return {"class token forgotten": g * g, "not squared": g + 1, "pixels per patch": P * P + 1}.get(
            mistake
        )
    return {
        "bias forgotten": P * P * C * D,
        "channels forgotten": P * P * D + D,
        "class token counted": P * P * C * D + 2 * D,
        "position embeddings counted": P * P * C * D + D + (g * g + 1) * D,
    }.get(mistake)


VIT: dict[str, Method] = {
    m: (lambda p, m=m: _vit(p, m))
    for m in (
        "class token forgotten",
        "not squared",
        "pixels per patch",
        "bias forgotten",
        "channels forgotten",
        "class token counted",
        "position embeddings counted",
    )
}


def _attn(p: Params, mistake: str) -> Wrong:
    Q, K = p["Q"], p["K"]
    dk, i = int(p["dk"]), int(p["row"])
    dot = [[float(sum(a * b for a, b in zip(q, k, strict=True))) for k in K] for q in Q]
    scale = {"scaling forgotten": 1.0, "divided by d_k": float(dk)}.get(mistake, math.sqrt(dk))
    S = [[v / scale for v in r] for r in dot]
    if mistake == "softmax over the queries":
        if len(Q) == 1:
            return None
        cols = [_softmax([S[q][j] for q in range(len(S))]) for j in range(len(S[0]))]
        return [cols[j][i] for j in range(len(S[0]))]
    if mistake == "K Qᵀ (rows and columns swapped)":
        if len(Q) != len(K):
            return None  # the learner's row would not have one weight per key
        return _softmax([S[q][i] for q in range(len(S))])
    return _softmax(S[i])


ATTENTION: dict[str, Method] = {
    m: (lambda p, m=m: _attn(p, m))
    for m in (
        "scaling forgotten",
        "divided by d_k",
        "softmax over the queries",
        "K Qᵀ (rows and columns swapped)",
    )
}


# -- recipes ----------------------------------------------------------------------------------------------
def _fans(p: Params) -> tuple[int, int, int]:
    if p["layer"] == "fc":
        return int(p["n_in"]), int(p["n_out"]), 1
    k2 = int(p["k"]) ** 2
    return k2 * int(p["c_in"]), k2 * int(p["c_out"]), k2


def _init(p: Params, mistake: str) -> Wrong:
    fi, fo, k2 = _fans(p)
    he = p["scheme"] == "he"
    if mistake == "std and variance swapped":
        var = 2 / fi if he else 2 / (fi + fo)
        return var if p["ask"] == "std" else math.sqrt(var)
    if mistake == "fan-out instead of fan-in":
        var = 2 / fo if he else None
    elif mistake == "1/fan-in (LeCun)":
        var = 1 / fi
    elif mistake == "He and Xavier swapped":
        var = 2 / (fi + fo) if he else 2 / fi
    elif mistake == "Xavier without the 2":
        var = None if he else 1 / (fi + fo)
    elif mistake == "kernel area forgotten":
        if k2 == 1:
            return None  # 1×1 kernels: nothing to forget
        var = 2 / (fi // k2) if he else 2 / (fi // k2 + fo // k2)
    else:
        raise AssertionError(mistake)
    if var is None:
        return None
    return math.sqrt(var) if p["ask"] == "std" else var


INIT: dict[str, Method] = {
    m: (lambda p, m=m: _init(p, m))
    for m in (
        "std and variance swapped",
        "fan-out instead of fan-in",
        "1/fan-in (LeCun)",
        "He and Xavier swapped",
        "Xavier without the 2",
        "kernel area forgotten",
    )
}


def _clip(p: Params, mistake: str) -> Wrong:
    grads = [[float(v) for v in g] for g in p["grads"]]
    c, w = float(p["max_norm"]), int(p["which"])
    norm = math.sqrt(sum(v * v for g in grads for v in g))
    if p["ask"] == "norm":
        return {
            "L1 norm": sum(abs(v) for g in grads for v in g),
            "square root forgotten": norm * norm,
            "largest tensor norm": max(math.sqrt(sum(v * v for v in g)) for g in grads),
            "sum of tensor norms": sum(math.sqrt(sum(v * v for v in g)) for g in grads),
        }.get(mistake)
    g = grads[w]
    own = math.sqrt(sum(v * v for v in g))
    if mistake == "always rescaled":
        return [v * c / norm for v in g] if norm <= c else None  # above c, rescaling is right
    if norm <= c:
        return None  # nothing is clipped: every clipping rule leaves the gradient alone
    if mistake == "each tensor by its own norm":
        return [v * c / own for v in g] if own > c else g
    if mistake == "clipped by value":
        return [max(-c, min(c, v)) for v in g]
    if mistake == "scaled by ‖g‖/c":
        return [v * norm / c for v in g]
    return None


CLIP: dict[str, Method] = {
    m: (lambda p, m=m: _clip(p, m))
    for m in (
        "L1 norm",
        "square root forgotten",
        "largest tensor norm",
        "sum of tensor norms",
        "always rescaled",
        "each tensor by its own norm",
        "clipped by value",
        "scaled by ‖g‖/c",
    )
}


def _norm_layer(
    xs: Sequence[float], g: Sequence[float], b: Sequence[float], eps: float, mistake: str
) -> list[float]:
    mu = _mean(xs)
    var = _var(xs, ddof=1 if mistake == "unbiased variance" else 0)
    centred = list(xs) if mistake == "mean not subtracted" else [x - mu for x in xs]
    denom = var + eps if mistake == "no square root" else math.sqrt(var + eps)
    xhat = [v / denom for v in centred]
    gg = [1.0] * len(xs) if mistake == "gain forgotten" else g
    bb = [0.0] * len(xs) if mistake == "bias forgotten" else b
    if mistake == "bias before gain":
        return [gi * (v + bi) for v, gi, bi in zip(xhat, gg, bb, strict=True)]
    return [gi * v + bi for v, gi, bi in zip(xhat, gg, bb, strict=True)]


NORM_MISTAKES = (
    "unbiased variance",
    "no square root",
    "mean not subtracted",
    "gain forgotten",
    "bias forgotten",
    "bias before gain",
)
# Forgetting ε is not a wrong method: ε = 1e-5 against a variance >= 3/16 moves the output by < 1e-4.


def _layernorm(p: Params, mistake: str) -> Wrong:
    xs = [float(v) for v in p["x"]]
    y = _norm_layer(xs, p["gain"], p["bias"], float(p["eps"]), mistake)
    return y[int(p["i"])] if p["ask"] == "element" else y


LAYERNORM: dict[str, Method] = {m: (lambda p, m=m: _layernorm(p, m)) for m in NORM_MISTAKES}


def _batchnorm(p: Params, mistake: str) -> Wrong:
    xs = [float(v) for v in p["x"]]
    n = len(xs)
    y = _norm_layer(xs, [float(p["gamma"])] * n, [float(p["beta"])] * n, float(p["eps"]), mistake)
    return y[int(p["i"])]


BATCHNORM: dict[str, Method] = {m: (lambda p, m=m: _batchnorm(p, m)) for m in NORM_MISTAKES}


def _pe(p: Params, mistake: str) -> Wrong:
    dm, pos, j = int(p["d_model"]), int(p["pos"]), int(p["dim"])
    i = j // 2
    expo = 2 * i / dm
    if mistake == "exponent j/d_model (odd dims)":
        if j % 2 == 0:
            return None  # for even j, 2i = j: the same computation
        expo = j / dm
    elif mistake == "exponent i/d_model":
        if i == 0:
            return None  # i = 0: 2i = i
        expo = i / dm
    angle = pos / 10000**expo
    if mistake == "degrees":
        angle = math.radians(angle)
    use_sin = j % 2 == 0
    if mistake == "sin and cos swapped":
        use_sin = not use_sin
    if mistake == "positions from 1":
        angle = (pos + 1) / 10000**expo
    return math.sin(angle) if use_sin else math.cos(angle)


PE: dict[str, Method] = {
    m: (lambda p, m=m: _pe(p, m))
    for m in (
        "degrees",
        "sin and cos swapped",
        "exponent j/d_model (odd dims)",
        "exponent i/d_model",
        "positions from 1",
    )
}


def _noam(p: Params, mistake: str) -> Wrong:
    dm, w, step = (float(p[k]) for k in ("d_model", "warmup", "step"))
    a, b = step**-0.5, step * w**-1.5
    scale = dm**-0.5
    if mistake == "d_model^−0.5 forgotten":
        return min(a, b)
    if step == w:
        return None  # at the peak both terms are equal by construction: min, max and either term agree
    if mistake == "max instead of min":
        return scale * max(a, b)
    if step > w:
        return None  # after warm-up the remaining mistakes all use step^−0.5, the right term
    if mistake == "no warm-up (step^−0.5 only)":
        return scale * a
    if mistake == "warmup^−0.5 in the warm-up term":
        return scale * step * w**-0.5
    return None


NOAM: dict[str, Method] = {
    m: (lambda p, m=m: _noam(p, m))
    for m in (
        "max instead of min",
        "no warm-up (step^−0.5 only)",
        "warmup^−0.5 in the warm-up term",
        "d_model^−0.5 forgotten",
    )
}


def _tf(p: Params, mistake: str) -> Wrong:
    dm, dff, h = int(p["d_model"]), int(p["d_ff"]), int(p["heads"])
    attn = {
        "biases forgotten": 4 * dm * dm,
        "output projection forgotten": 3 * (dm * dm + dm),
        "matrices per head": 4 * h * (dm * dm + dm),
    }.get(mistake, 4 * (dm * dm + dm))
    ffn = {
        "biases forgotten": 2 * dm * dff,
        "d_ff = d_model": 2 * dm * dm + 2 * dm,
        "one FFN matrix": dm * dff + dff,
    }.get(mistake, 2 * dm * dff + dff + dm)
    norms = {"LayerNorms forgotten": 0, "one LayerNorm parameter per unit": 2 * dm}.get(mistake, 4 * dm)
    touches = {
        "attention": {"biases forgotten", "output projection forgotten", "matrices per head"},
        "ffn": {"biases forgotten", "d_ff = d_model", "one FFN matrix"},
    }
    if (mistake == "matrices per head" and h == 1) or mistake not in touches.get(str(p["part"]), {mistake}):
        return None  # the mistake is in a part that is not asked
    return {"layer": attn + ffn + norms, "attention": attn, "ffn": ffn}[str(p["part"])]


TRANSFORMER: dict[str, Method] = {
    m: (lambda p, m=m: _tf(p, m))
    for m in (
        "biases forgotten",
        "output projection forgotten",
        "matrices per head",
        "d_ff = d_model",
        "one FFN matrix",
        "LayerNorms forgotten",
        "one LayerNorm parameter per unit",
    )
}


# -- days 5-7 ---------------------------------------------------------------------------------------------
def _dropout(p: Params, mistake: str) -> Wrong:
    keep = float(p["keep"])
    ask = p["ask"]
    if ask == "expected":
        x = float(p["x"])
        # E[output] = x for every keep probability, so swapping keep and drop cannot show here.
        return {
            "multiplied by keep": keep * keep * x,
            "no scaling": keep * x,
            "output of a kept unit": x / keep,
        }.get(mistake)
    if mistake == "keep and drop swapped":
        factor = 1 / (1 - keep)
    elif mistake == "multiplied by keep":
        factor = keep
    elif mistake == "no scaling":
        factor = 1.0
    else:
        return None
    if ask == "scale":
        return None if mistake == "no scaling" else factor
    return [x * m * factor for x, m in zip(p["x"], p["mask"], strict=True)]


DROPOUT: dict[str, Method] = {
    m: (lambda p, m=m: _dropout(p, m))
    for m in ("keep and drop swapped", "multiplied by keep", "no scaling", "output of a kept unit")
}


def _lr(p: Params, mistake: str) -> Wrong:
    lr, t = float(p["lr"]), int(p["t"])
    if p["kind"] == "step":
        g, s = float(p["gamma"]), int(p["step_size"])
        if mistake == "ceil instead of floor":
            if t % s == 0:
                return None  # t is a multiple of s: floor and ceil agree by definition
            k = -(-t // s)
        elif mistake == "decay one epoch late":
            if t % s or t == 0:
                return None  # only the epochs where a decay happens tell the two apart
            k = (t - 1) // s
        elif mistake == "t/s not rounded":
            if t % s == 0:
                return None
            return lr * g ** (t / s)
        elif mistake == "linear decay":
            k = t // s
            if k < 2:
                return None  # 0 or 1 decays: γ^k and 1 − k(1 − γ) agree
            return lr * (1 - k * (1 - g))
        else:
            return None
        return lr * g**k
    lo, T, Tw = float(p["lr_min"]), int(p["total"]), int(p["warmup"])
    if t < Tw:
        return {
            "warm-up from 1": lr * (t + 1) / Tw,
            "cosine during warm-up": lo + 0.5 * (lr - lo) * (1 + math.cos(math.pi * t / T)),
        }.get(mistake)
    if mistake not in ("warm-up ignored in the progress", "cos of degrees", "π forgotten", "½ forgotten"):
        return None
    prog = (t - Tw) / (T - Tw)
    if mistake == "warm-up ignored in the progress":
        if Tw == 0:
            return None  # no warm-up in this instance
        prog = t / T
    angle = math.pi * prog
    if mistake == "π forgotten":
        angle = prog
    elif mistake == "cos of degrees":
        angle = math.radians(math.pi * prog)  # cos(π·p) typed into a calculator set to degrees
    half = 1.0 if mistake == "½ forgotten" else 0.5
    return lo + half * (lr - lo) * (1 + math.cos(angle))


LR_SCHEDULE: dict[str, Method] = {
    m: (lambda p, m=m: _lr(p, m))
    for m in (
        "ceil instead of floor",
        "decay one epoch late",
        "t/s not rounded",
        "linear decay",
        "warm-up from 1",
        "cosine during warm-up",
        "warm-up ignored in the progress",
        "cos of degrees",
        "π forgotten",
        "½ forgotten",
    )
}


def _prf1(p: Params, mistake: str) -> Wrong:
    M = [[int(v) for v in r] for r in p["matrix"]]
    c, metric = int(p["cls"]), p["metric"]
    tp = M[c][c]
    col = sum(M[r][c] for r in range(len(M)))
    row = sum(M[c])
    prec, rec = tp / col, tp / row
    if mistake == "rows and columns swapped":
        prec, rec = rec, prec
        return {"precision": prec, "recall": rec, "f1": None}[str(metric)]
    if mistake == "F1 as the arithmetic mean":
        return (prec + rec) / 2 if metric == "f1" else None
    if mistake == "accuracy":
        return sum(M[k][k] for k in range(len(M))) / sum(map(sum, M))
    if mistake == "TP over everything":
        return tp / sum(map(sum, M))
    return None


PRF1: dict[str, Method] = {
    m: (lambda p, m=m: _prf1(p, m))
    for m in ("rows and columns swapped", "F1 as the arithmetic mean", "accuracy", "TP over everything")
}


def _steps(p: Params, mistake: str) -> Wrong:
    N, B, E, A = (int(p[k]) for k in ("N", "B", "epochs", "accum"))
    drop = bool(p["drop_last"])
    if N % B == 0 and mistake in ("drop_last read backwards", "N/B rounded"):
        return None  # B divides N: drop_last changes nothing
    floor, ceil = N // B, -(-N // B)
    iters = floor if drop else ceil
    if mistake == "drop_last read backwards":
        iters = ceil if drop else floor
    elif mistake == "N/B rounded":
        iters = round(N / B)
        if iters == (floor if drop else ceil):
            return None  # rounding happens to pick the right side
    if p["ask"] == "iters":
        return iters if mistake in ("drop_last read backwards", "N/B rounded") else None
    if A == 1 and mistake in ("accumulation forgotten", "leftover batches step", "accumulated across epochs"):
        return None  # no accumulation in this instance
    if mistake == "accumulation forgotten":
        return E * iters
    if mistake == "leftover batches step":
        if iters % A == 0:
            return None  # no leftover batches
        return E * -(-iters // A)
    if mistake == "accumulated across epochs":
        if iters % A == 0 or E == 1:
            return None  # no leftover batches, or a single epoch: nothing carries over
        return E * iters // A
    return E * (iters // A)


STEPS: dict[str, Method] = {
    m: (lambda p, m=m: _steps(p, m))
    for m in (
        "drop_last read backwards",
        "N/B rounded",
        "accumulation forgotten",
        "leftover batches step",
        "accumulated across epochs",
    )
}


def _clip_loss(p: Params, mistake: str) -> Wrong:
    S = [[float(v) for v in r] for r in p["S"]]
    tau = float(p["tau"])
    n = len(S)
    factor = {"temperature forgotten": 1.0, "multiplied by τ": tau}.get(mistake, 1 / tau)
    L = [[v * factor for v in r] for r in S]
    ln = math.log(2) if mistake == "log2" else 1.0
    rows = [(-L[i][i] + _lse(L[i])) / ln for i in range(n)]
    cols = [(-L[j][j] + _lse([L[i][j] for i in range(n)])) / ln for j in range(n)]
    li, lt = _mean(rows), _mean(cols)
    return {
        "image→text only": li,
        "text→image only": lt,
        "sum of the two directions": li + lt,
        "sum over the batch": 0.5 * (sum(rows) + sum(cols)),
    }.get(mistake, 0.5 * (li + lt))


CLIP_LOSS: dict[str, Method] = {
    m: (lambda p, m=m: _clip_loss(p, m))
    for m in (
        "temperature forgotten",
        "multiplied by τ",
        "image→text only",
        "text→image only",
        "sum of the two directions",
        "sum over the batch",
        "log2",
    )
}


WRONG_METHODS: dict[str, dict[str, Method]] = {
    "broadcast_shape": {
        "larger size without the compatibility check": _bcast_no_error,
        "aligned on the left": _bcast_left,
        "size-1 axes not stretched": _bcast_no_stretch,
    },
    "relu_net_forward": RELU_NET,
    "activation_derivative": ACTIVATION,
    "softmax_probs": SOFTMAX,
    "softmax_ce_loss": CE_LOSS,
    "svm_hinge_loss": SVM,
    "l2_regularized_loss": L2,
    "graph_gradient": GRAPH,
    "momentum_step": MOMENTUM,
    "rmsprop_step": RMSPROP,
    "adam_step": ADAM,
    "conv_output_shape": CONV_SHAPE,
    "conv_params_macs": CONV_COUNT,
    "pool_output_shape": POOL_SHAPE,
    "receptive_field": RECEPTIVE,
    "resnet_block_params": RESNET,
    "depthwise_cost_ratio": DEPTHWISE,
    "vit_tokens_params": VIT,
    "attention_weights": ATTENTION,
    "init_std": INIT,
    "clip_global_norm": CLIP,
    "layernorm_output": LAYERNORM,
    "positional_encoding": PE,
    "noam_lr": NOAM,
    "transformer_params": TRANSFORMER,
    "dropout_scaling": DROPOUT,
    "batchnorm_output": BATCHNORM,
    "lr_schedule": LR_SCHEDULE,
    "prf1_confusion": PRF1,
    "steps_per_epoch": STEPS,
    "clip_infonce": CLIP_LOSS,
}


def as_text(inst: QuizInstance, wrong: Wrong) -> str | None:
    """The wrong answer as a learner would type it, or None if it cannot be typed (no number, nan)."""
    t = inst.expected.type
    if wrong is None:
        return None
    if t is AnswerType.SHAPE:
        if isinstance(wrong, str):
            return wrong
        return "x".join(str(int(v)) for v in wrong)
    if isinstance(wrong, list | tuple):
        values = [float(v) for v in wrong]
        if not all(math.isfinite(v) for v in values):
            return None
        if t is not AnswerType.VECTOR:
            return None
        return " ".join(repr(v) for v in values)
    value = float(wrong)
    if not math.isfinite(value):
        return None
    if t is AnswerType.INT:
        return str(int(value)) if value.is_integer() else repr(value)
    if t is AnswerType.VECTOR:
        return repr(value)
    return repr(value)


@cache
def outcomes(name: str) -> dict[str, tuple[int, list[int]]]:
    """Per wrong method: on how many seeds it applies, and the seeds where the judge accepts it."""
    methods = WRONG_METHODS[name]
    applies = dict.fromkeys(methods, 0)
    accepted: dict[str, list[int]] = {m: [] for m in methods}
    for seed in range(N_SEEDS):
        inst = generate(name, seed)
        for method, fn in methods.items():
            text = as_text(inst, fn(inst.params))
            if text is None:
                continue
            applies[method] += 1
            if check_answer(inst, text).correct:
                accepted[method].append(seed)
    return {m: (applies[m], accepted[m]) for m in methods}


def test_every_generator_has_wrong_methods() -> None:
    assert set(WRONG_METHODS) == {info.name for info in catalog()}
    for name, methods in WRONG_METHODS.items():
        assert len(methods) >= 3, name


@pytest.mark.parametrize("name", sorted(WRONG_METHODS))
def test_no_wrong_method_is_accepted(name: str) -> None:
    failures = {m: seeds[:10] for m, (_, seeds) in outcomes(name).items() if seeds}
    assert not failures, f"{name}: wrong methods accepted on seeds {failures}"


@pytest.mark.parametrize("name", sorted(WRONG_METHODS))
def test_every_wrong_method_applies_often(name: str) -> None:
    rare = {m: n for m, (n, _) in outcomes(name).items() if n < MIN_APPLICABLE * N_SEEDS}
    assert not rare, f"{name}: methods that almost never apply (seeds out of {N_SEEDS}): {rare}"
