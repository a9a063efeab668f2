"""Day 1 generators: broadcasting, forward pass, activations, softmax, losses, regularization.

numpy is imported inside the functions only (the package must import fast).
"""

from __future__ import annotations

import math

from srs.quiz.answers import AnswerType, Expected
from srs.quiz.base import (
    Generated,
    answer_line,
    apart,
    approx,
    fixed,
    float_param,
    int_param,
    mat,
    num,
    paren,
    plus,
    quiz,
    show,
    to_decimals,
    vec,
    word_param,
)
from srs.quiz.params import Choices, Draw, FloatRange, IntRange

CLASS_NAMES = ("cat", "car", "frog", "dog", "ship", "bird", "horse", "truck")


def _shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


# -- broadcast_shape -------------------------------------------------------------------------------------
def _broadcast(a: tuple[int, ...], b: tuple[int, ...], left: bool = False) -> tuple[int, ...] | None:
    """The broadcast shape (None if incompatible); ``left`` pads the shorter shape on the wrong side."""
    n = max(len(a), len(b))
    pad_a, pad_b = (1,) * (n - len(a)), (1,) * (n - len(b))
    aa, bb = (a + pad_a, b + pad_b) if left else (pad_a + a, pad_b + b)
    if any(x != y and 1 not in (x, y) for x, y in zip(aa, bb, strict=True)):
        return None
    return tuple(max(x, y) for x, y in zip(aa, bb, strict=True))


@quiz(
    name="broadcast_shape",
    title="Shape of a broadcast result",
    day=1,
    topic="broadcasting",
    target_seconds=45,
    answer_hint="a shape like 3x4x5, or 'error' if the shapes do not broadcast",
    params=[
        int_param("rank", IntRange(1, 4), 1, 6, "number of axes of each array"),
        int_param("dim", IntRange(2, 8), 2, 64, "sizes of the axes that are not 1"),
        float_param("p_error", Choices((0.3,)), 0.0, 1.0, "probability that the shapes are incompatible"),
    ],
)
def broadcast_shape(d: Draw) -> Generated:
    """Shape of ``A + B`` under NumPy broadcasting, or ``error``.

    Parameters: ``rank`` axes per array (default 1..4, supported 1..6); ``dim`` sizes of the axes that are
    not 1 (default 2..8, supported 2..64); ``p_error`` chance of incompatible shapes (default 0.3).
    """
    rng = d.rng
    for _ in range(100):
        ra, rb = d.integer("rank"), d.integer("rank")
        a: list[int] = []  # built from the last axis backwards
        b: list[int] = []
        for k in range(max(ra, rb)):
            n = d.integer("dim")
            if k < ra and k < rb:
                pattern = rng.choice(("same", "same", "a1", "b1"))
                a.append(1 if pattern == "a1" else n)
                b.append(1 if pattern == "b1" else n)
            elif k < ra:
                a.append(1 if rng.random() < 0.25 else n)
            else:
                b.append(1 if rng.random() < 0.25 else n)
        sizes = sorted(set(d.ints("dim")))
        if rng.random() < d.real("p_error") and len(sizes) >= 2:
            k = rng.randrange(min(ra, rb))
            a[k], b[k] = rng.sample(sizes, 2)
        a_shape, b_shape = tuple(reversed(a)), tuple(reversed(b))
        # Shapes of different ranks must not broadcast the same when (wrongly) aligned on the left.
        if ra == rb or _broadcast(a_shape, b_shape) != _broadcast(a_shape, b_shape, left=True):
            break

    rows = []
    result: list[int] = []
    failed_axis = 0
    for k in range(max(ra, rb)):
        sa = a[k] if k < ra else None
        sb = b[k] if k < rb else None
        if sa is None or sb is None:
            out = sb if sa is None else sa
            assert out is not None
        elif sa == sb or sb == 1:
            out = sa
        elif sa == 1:
            out = sb
        else:
            failed_axis = -(k + 1)
            rows.append((-(k + 1), str(sa), str(sb), "✗ incompatible"))
            break
        result.append(out)
        rows.append((-(k + 1), "–" if sa is None else str(sa), "–" if sb is None else str(sb), str(out)))
    rows.reverse()

    prompt = (
        f"Arrays `A` and `B` have shapes `{_shape_text(a_shape)}` and `{_shape_text(b_shape)}`. "
        "What is the shape of `A + B` under NumPy broadcasting?\n\n"
        "Answer with a shape like `3x4x5`, or `error` if the shapes cannot be broadcast together."
    )
    table = "| axis | A | B | result |\n|---|---|---|---|\n" + "\n".join(
        f"| {ax} | {x} | {y} | {r} |" for ax, x, y, r in rows
    )
    steps = [
        "Rule: align the shapes on the right; a missing leading axis counts as size 1. On every axis the "
        "two sizes must be equal or one of them must be 1, and the result takes the larger size.",
        "Axis by axis (axis −1 is the last):\n" + table,
    ]
    if failed_axis:
        sa, sb = a[-failed_axis - 1], b[-failed_axis - 1]
        steps.append(
            f"Axis {failed_axis}: {sa} vs {sb} — they differ and neither is 1, so NumPy raises "
            "`ValueError: operands could not be broadcast together`."
        )
        expected = Expected(AnswerType.SHAPE, "error")
        answer = "error"
    else:
        shape = tuple(reversed(result))
        steps.append(f"Result shape: `{_shape_text(shape)}`.")
        expected = Expected(AnswerType.SHAPE, shape)
        answer = "x".join(str(n) for n in shape)
    steps.append(answer_line(answer))
    params: dict[str, object] = {"a": list(a_shape), "b": list(b_shape)}
    return Generated(params, prompt, expected, answer, "\n\n".join(steps))


# -- relu_net_forward ------------------------------------------------------------------------------------
@quiz(
    name="relu_net_forward",
    title="Forward pass of a 2-layer ReLU network",
    day=1,
    topic="forward-pass",
    target_seconds=120,
    answer_hint="the output scores separated by spaces, e.g. 3 -1 (one integer if there is one output)",
    params=[
        int_param("D", IntRange(2, 3), 1, 5, "input size"),
        int_param("H", IntRange(2, 3), 1, 5, "hidden units"),
        int_param("C", IntRange(1, 2), 1, 4, "outputs"),
        int_param("wmax", Choices((2,)), 1, 9, "entries of x, W and b are integers in -wmax..wmax"),
    ],
)
def relu_net_forward(d: Draw) -> Generated:
    """Output of ``s = W2 max(0, W1 x + b1) + b2`` for small integer weights.

    Parameters: ``D`` input size (default 2..3, supported 1..5); ``H`` hidden units (2..3, supported 1..5);
    ``C`` outputs (1..2, supported 1..4); ``wmax`` integer entries lie in -wmax..wmax (default 2, 1..9).
    """
    import numpy as np

    rng = d.rng
    D, H, C, wmax = d.integer("D"), d.integer("H"), d.integer("C"), d.integer("wmax")

    def ints(n: int) -> list[int]:
        return [rng.randint(-wmax, wmax) for _ in range(n)]

    for _ in range(300):
        x = ints(D)
        W1 = [ints(D) for _ in range(H)]
        b1 = ints(H)
        W2 = [ints(H) for _ in range(C)]
        b2 = ints(C)
        A1, A2 = np.array(W1, dtype=np.int64), np.array(W2, dtype=np.int64)
        B1, B2 = np.array(b1, dtype=np.int64), np.array(b2, dtype=np.int64)
        xv = np.array(x, dtype=np.int64)
        z = A1 @ xv + B1
        h = np.maximum(z, 0)
        s = A2 @ h + B2
        # Re-draw networks where a slip gives the same scores: no ReLU, a ReLU on the output too, the
        # ReLU before adding b1, b1 or b2 forgotten.
        slips = [
            A2 @ z + B2,
            np.maximum(s, 0),
            A2 @ (np.maximum(A1 @ xv, 0) + B1) + B2,
            A2 @ np.maximum(A1 @ xv, 0) + B2,
            A2 @ h,
        ]
        if (
            any(v != 0 for v in x)
            and (H == 1 or (z.min() < 0 < z.max()))
            and all(not np.array_equal(s, other) for other in slips)
        ):
            break
    scores = [int(v) for v in s]

    prompt = (
        r"A two-layer network computes $h = \max(0, W_1 x + b_1)$ (ReLU, elementwise) and "
        r"$s = W_2 h + b_2$, with"
        "\n\n"
        f"- `x = {vec(x)}`\n"
        f"- `W1 = {mat(W1)}` ({H}×{D}: one row per hidden unit), `b1 = {vec(b1)}`\n"
        f"- `W2 = {mat(W2)}` ({C}×{H}), `b2 = {vec(b2)}`\n\n"
    )
    if C == 1:
        prompt += "Compute the output score $s$. Answer one integer."
    else:
        prompt += f"Compute the {C} output scores $s$. Answer {C} integers separated by spaces, e.g. `3 -1`."

    def row(weights: list[int], inputs: list[int], bias: int, value: int) -> str:
        terms = " + ".join(f"{paren(w)}·{paren(v)}" for w, v in zip(weights, inputs, strict=True))
        return f"{terms} + {paren(bias)} = {value}"

    zs = [int(v) for v in z]
    hs = [int(v) for v in h]
    steps = [
        "Hidden pre-activations $z = W_1 x + b_1$, one row of `W1` per unit:\n"
        + "\n".join(f"- z{k + 1} = {row(W1[k], x, b1[k], zs[k])}" for k in range(H)),
        f"ReLU zeroes the negative ones: `h = max(0, z) = {vec(hs)}`.",
        "Scores $s = W_2 h + b_2$:\n"
        + "\n".join(f"- s{k + 1} = {row(W2[k], hs, b2[k], scores[k])}" for k in range(C)),
    ]
    if C == 1:
        expected = Expected(AnswerType.INT, scores[0])
        answer = str(scores[0])
    else:
        expected = Expected(AnswerType.VECTOR, tuple(float(v) for v in scores))
        answer = " ".join(str(v) for v in scores)
    steps.append(answer_line(answer))
    params: dict[str, object] = {"x": x, "W1": W1, "b1": b1, "W2": W2, "b2": b2}
    return Generated(params, prompt, expected, answer, "\n\n".join(steps))


# -- activation_derivative -------------------------------------------------------------------------------
_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu")


@quiz(
    name="activation_derivative",
    title="Derivative of an activation function",
    day=1,
    topic="activations",
    target_seconds=60,
    answer_hint="a number such as 0.105 (3 decimals)",
    params=[
        word_param("fn", _ACTIVATIONS, _ACTIVATIONS, "activation function"),
        float_param(
            "x", FloatRange(-3.0, 3.0), -10.0, 10.0, "point where the derivative is taken", decimals=1
        ),
        float_param("alpha", Choices((0.01, 0.1, 0.2)), 0.0, 1.0, "negative slope of Leaky ReLU"),
    ],
)
def activation_derivative(d: Draw) -> Generated:
    """Derivative of sigmoid, tanh, ReLU or Leaky ReLU at a point.

    Parameters: ``fn`` one of sigmoid, tanh, relu, leaky_relu (default all); ``x`` the point (default
    -3..3 in steps of 0.1, supported -10..10); ``alpha`` Leaky ReLU slope (default 0.01, 0.1, 0.2).
    At exactly x = 0 the ReLUs take their left slope (0, or alpha), as PyTorch does.
    """
    import numpy as np

    fn = d.word("fn")
    alpha = d.real("alpha")
    tol = 0.001

    def slips(x: float) -> list[float]:
        """What common slips give: the function's value, tanh' without the square, x used for σ(x)
        or tanh(x), and the ReLU's 0 for a Leaky ReLU."""
        sg, th = 1.0 / (1.0 + math.exp(-x)), math.tanh(x)
        return {
            "sigmoid": [sg, sg * (1 - x), x * (1 - x)],
            "tanh": [th, 1 - th, 1 - x * x],
            "relu": [x] if x > 0 else [],  # left of 0 the value and the slope are both 0
            "leaky_relu": [x] if x > 0 else [alpha * x, 0.0],
        }[fn]

    def derivative(x: float) -> float:
        sg = 1.0 / (1.0 + math.exp(-x))
        return {
            "sigmoid": sg * (1 - sg),
            "tanh": 1 - math.tanh(x) ** 2,
            "relu": 1.0 if x > 0 else 0.0,
            "leaky_relu": 1.0 if x > 0 else alpha,
        }[fn]

    for _ in range(50):  # the ReLUs avoid x = 0; every slip must miss the answer (x = 1, tanh at 0, ...)
        x = d.real("x")
        if (x != 0 or fn in ("sigmoid", "tanh")) and apart(derivative(x), slips(x), tol):
            break
    steps: list[str] = []
    if fn == "sigmoid":
        sigma = float(1.0 / (1.0 + np.exp(-x)))
        value = sigma * (1.0 - sigma)
        what = r"the sigmoid $\sigma(x) = \frac{1}{1 + e^{-x}}$"
        steps = [
            r"Use $\sigma'(x) = \sigma(x)\,(1 - \sigma(x))$.",
            f"σ({num(x)}) = 1 / (1 + e^{{{paren(-x)}}}) = 1 / (1 + {fixed(math.exp(-x), 4)}) = {fixed(sigma, 4)}",
            f"σ'({num(x)}) = {fixed(sigma, 4)} × {fixed(1 - sigma, 4)} = {fixed(value, 4)}",
        ]
    elif fn == "tanh":
        t = float(np.tanh(x))
        value = 1.0 - t * t
        what = r"$\tanh(x)$"
        steps = [
            r"Use $\tanh'(x) = 1 - \tanh^2(x)$.",
            f"tanh({num(x)}) = {fixed(t, 4)}",
            f"1 − {paren(float(fixed(t, 4)))}² = 1 − {fixed(t * t, 4)} = {fixed(value, 4)}",
        ]
    elif fn == "relu":
        value = 1.0 if x > 0 else 0.0
        what = r"the ReLU $f(x) = \max(0, x)$"
        steps = [
            "ReLU has slope 1 for x > 0 and slope 0 for x < 0"
            + (" (and we take the left slope 0 at exactly 0)." if x == 0 else "."),
            f"x = {num(x)} is {'positive' if x > 0 else 'not positive'}, so f'(x) = {num(value)}.",
        ]
    else:
        value = 1.0 if x > 0 else alpha
        what = rf"the Leaky ReLU $f(x) = x$ for $x > 0$, $f(x) = \alpha x$ otherwise, with $\alpha = {num(alpha)}$"
        steps = [
            f"Leaky ReLU has slope 1 for x > 0 and slope α = {num(alpha)} for x < 0"
            + (" (and we take the left slope α at exactly 0)." if x == 0 else "."),
            f"x = {num(x)} is {'positive' if x > 0 else 'not positive'}, so f'(x) = {num(value)}.",
        ]
    prompt = (
        f"Let $f$ be {what}. What is the derivative $f'(x)$ at $x = {num(x)}$?"
        + (" At exactly $x = 0$ take the left-hand slope (as PyTorch does)." if x == 0 else "")
        + f"\n\nAnswer a number {to_decimals(tol)}."
    )
    answer = show(value, tol)
    steps.append(answer_line(answer))
    params: dict[str, object] = {"fn": fn, "x": x, "alpha": alpha if fn == "leaky_relu" else None}
    return Generated(
        params, prompt, Expected(AnswerType.FLOAT, value, abs_tol=tol), answer, "\n\n".join(steps)
    )


# -- softmax ---------------------------------------------------------------------------------------------
def _int_scores(d: Draw) -> list[int]:
    n, smax = d.integer("n"), d.integer("smax")
    scores = [d.rng.randint(-smax, smax) for _ in range(n)]
    for _ in range(20):
        if len(set(scores)) > 1:
            break
        scores = [d.rng.randint(-smax, smax) for _ in range(n)]
    return scores


def _exp_text(s: int | float) -> str:
    return f"e^{{{num(s)}}}" if s != 0 else "e^0"


@quiz(
    name="softmax_probs",
    title="Softmax probabilities of a few scores",
    day=1,
    topic="softmax",
    target_seconds=90,
    answer_hint="the probabilities separated by spaces, e.g. 0.665 0.245 0.090",
    params=[
        int_param("n", IntRange(3, 4), 2, 6, "number of classes"),
        int_param("smax", Choices((3,)), 1, 8, "scores are integers in -smax..smax"),
    ],
)
def softmax_probs(d: Draw) -> Generated:
    """Softmax probabilities of 3-4 integer scores.

    Parameters: ``n`` number of scores (default 3..4, supported 2..6); ``smax`` scores are integers in
    -smax..smax (default 3, supported 1..8).
    """
    import numpy as np

    scores = _int_scores(d)
    s = np.array(scores, dtype=float)
    e = np.exp(s - s.max())
    p = e / e.sum()
    exps = [math.exp(v) for v in scores]
    total = sum(exps)
    tol = 0.001
    n = len(scores)
    prompt = (
        f"A classifier outputs the scores `s = {vec(scores)}`. Compute the softmax probabilities "
        r"$p_k = \frac{e^{s_k}}{\sum_j e^{s_j}}$."
        "\n\n"
        f"Answer the {n} probabilities in order, separated by spaces, each {to_decimals(tol)}."
    )
    answer = " ".join(fixed(float(v), 4) for v in p)
    steps = [
        "Exponentiate each score: "
        + ", ".join(f"${_exp_text(v)}$ = {fixed(ev, 4)}" for v, ev in zip(scores, exps, strict=True))
        + ".",
        f"Sum: {' + '.join(fixed(ev, 4) for ev in exps)} = {fixed(total, 4)}.",
        "Divide each exponential by the sum: "
        + ", ".join(
            f"{fixed(ev, 4)} / {fixed(total, 4)} = {fixed(float(pv), 4)}"
            for ev, pv in zip(exps, p, strict=True)
        )
        + ". (Subtracting max(s) from every score first gives the same result without overflow.)",
        answer_line(answer),
    ]
    expected = Expected(AnswerType.VECTOR, tuple(float(v) for v in p), abs_tol=tol)
    return Generated({"scores": scores}, prompt, expected, answer, "\n\n".join(steps))


@quiz(
    name="softmax_ce_loss",
    title="Softmax cross-entropy loss of one example",
    day=1,
    topic="loss",
    target_seconds=75,
    answer_hint="a number such as 2.129 (3 decimals)",
    params=[
        int_param("n", IntRange(3, 4), 2, 6, "number of classes"),
        int_param("smax", Choices((3,)), 1, 8, "scores are integers in -smax..smax"),
    ],
)
def softmax_ce_loss(d: Draw) -> Generated:
    """Softmax cross-entropy loss ``-log softmax(s)[y]`` for integer scores (natural log).

    Parameters: ``n`` number of classes (default 3..4, supported 2..6); ``smax`` scores are integers in
    -smax..smax (default 3, supported 1..8).
    """
    import numpy as np

    tol = 0.001
    for _ in range(100):
        scores = _int_scores(d)
        n = len(scores)
        y = d.rng.randrange(n)
        s = np.array(scores, dtype=float)
        m = s.max()
        lse = float(m + np.log(np.exp(s - m).sum()))
        loss = lse - scores[y]
        # Re-draw when a slip lands on the loss: another log base, 1 − p_y, log Σe^s without −s_y
        # (s_y = 0), the sum of −log p over every class.
        slips = [loss / math.log(10), loss / math.log(2), 1 - math.exp(-loss), lse, float(np.sum(lse - s))]
        if apart(loss, slips, tol):
            break
    labels = CLASS_NAMES[:n]
    exps = [math.exp(v) for v in scores]
    total = sum(exps)
    listing = ", ".join(f"{lab}: {num(v)}" for lab, v in zip(labels, scores, strict=True))
    prompt = (
        f"A linear classifier gives the scores {listing} for an image whose true class is **{labels[y]}**. "
        r"Compute its softmax cross-entropy loss $L = -\log \frac{e^{s_y}}{\sum_j e^{s_j}}$ (natural log)."
        f"\n\nAnswer a number {to_decimals(tol)}."
    )
    answer = show(loss, tol)
    steps = [
        r"Rewrite $L = -s_y + \log \sum_j e^{s_j}$.",
        f"$\\sum_j e^{{s_j}}$ = {' + '.join(fixed(ev, 4) for ev in exps)} = {fixed(total, 4)}, "
        f"and log({fixed(total, 4)}) = {fixed(lse, 4)}.",
        f"L = −{paren(scores[y])} {plus(float(fixed(lse, 4)))} = {fixed(loss, 4)} "
        f"(equivalently $p_y$ = {fixed(exps[y] / total, 4)} and −ln {fixed(exps[y] / total, 4)} = {fixed(loss, 4)}).",
        answer_line(answer),
    ]
    params: dict[str, object] = {"scores": scores, "labels": list(labels), "y": y}
    return Generated(
        params, prompt, Expected(AnswerType.FLOAT, loss, abs_tol=tol), answer, "\n\n".join(steps)
    )


# -- svm_hinge_loss --------------------------------------------------------------------------------------
@quiz(
    name="svm_hinge_loss",
    title="Multiclass SVM hinge loss of one example",
    day=1,
    topic="svm",
    target_seconds=60,
    answer_hint="a number such as 2.9",
    params=[
        int_param("n", IntRange(3, 4), 2, 8, "number of classes"),
        float_param("smax", Choices((5.0,)), 0.1, 20.0, "scores have one decimal and lie in -smax..smax"),
        float_param("delta", Choices((1.0,)), 0.0, 10.0, "margin Δ", decimals=1),
    ],
)
def svm_hinge_loss(d: Draw) -> Generated:
    """CS231n multiclass SVM loss ``sum_{j != y} max(0, s_j - s_y + Δ)``.

    Parameters: ``n`` classes (default 3..4, supported 2..8); ``smax`` one-decimal scores in -smax..smax
    (default 5, supported 0.1..20); ``delta`` margin Δ (default 1).
    """
    import numpy as np

    rng = d.rng
    n, delta = d.integer("n"), d.real("delta")
    top = max(1, round(d.real("smax") * 10))
    tol = 0.01
    for _ in range(300):
        scores = [rng.randint(-top, top) / 10 for _ in range(n)]
        y = rng.randrange(n)
        raw = [scores[j] - scores[y] + delta for j in range(n) if j != y]
        right = sum(max(0.0, r) for r in raw)
        # Re-draw when a slip lands on the loss: no max(0, ·), Δ forgotten, the mean over classes.
        slips = [
            sum(raw),
            sum(max(0.0, r - delta) for r in raw),
            right / len(raw),
        ]
        if any(r > 0 for r in raw) and (n == 2 or any(r < 0 for r in raw)) and apart(right, slips, tol):
            break
    s = np.array(scores)
    margins = np.maximum(0.0, s - s[y] + delta)
    margins[y] = 0.0
    loss = round(float(margins.sum()), 9)
    labels = CLASS_NAMES[:n]
    listing = ", ".join(f"{lab}: {num(v)}" for lab, v in zip(labels, scores, strict=True))
    prompt = (
        f"The scores for one training image are {listing}; its correct class is **{labels[y]}**. "
        r"Compute the multiclass SVM loss $L_i = \sum_{j \ne y_i} \max(0,\, s_j - s_{y_i} + \Delta)$ "
        rf"with margin $\Delta = {num(delta)}$."
        f"\n\nAnswer a number {to_decimals(tol)}."
    )
    lines = []
    for j in range(n):
        if j == y:
            continue
        inner = round(scores[j] - scores[y] + delta, 9)
        lines.append(
            f"- {labels[j]}: max(0, {num(scores[j])} − {paren(scores[y])} + {num(delta)}) = "
            f"max(0, {num(inner)}) = {num(max(0.0, inner))}"
        )
    answer = num(loss)
    steps = [
        f"Sum over the wrong classes j ≠ {labels[y]} (the correct class contributes nothing):\n"
        + "\n".join(lines),
        f"L = {' + '.join(num(round(float(margins[j]), 9)) for j in range(n) if j != y)} = {answer}",
        answer_line(answer),
    ]
    params: dict[str, object] = {"scores": scores, "labels": list(labels), "y": y, "delta": delta}
    return Generated(
        params, prompt, Expected(AnswerType.FLOAT, loss, abs_tol=tol), answer, "\n\n".join(steps)
    )


# -- l2_regularized_loss ---------------------------------------------------------------------------------
@quiz(
    name="l2_regularized_loss",
    title="Data loss plus L2 regularization",
    day=1,
    topic="regularization",
    target_seconds=90,
    answer_hint="a number such as 2.05 (3 decimals)",
    params=[
        int_param("N", IntRange(2, 4), 1, 10, "examples in the batch"),
        int_param("rows", IntRange(2, 3), 1, 5, "rows of W"),
        int_param("cols", IntRange(2, 3), 1, 6, "columns of W"),
        int_param("wmax", Choices((3,)), 1, 9, "weights are integers in -wmax..wmax"),
        float_param("lam", Choices((0.001, 0.01, 0.05, 0.1, 0.5)), 0.0, 10.0, "regularization strength λ"),
    ],
)
def l2_regularized_loss(d: Draw) -> Generated:
    """Full loss = mean per-example data loss + λ·ΣW² (CS231n convention: no ½, biases not regularized).

    Parameters: ``N`` examples (default 2..4, supported 1..10); ``rows``/``cols`` shape of W (2..3);
    ``wmax`` integer weights in -wmax..wmax (default 3); ``lam`` λ (default 0.001, 0.01, 0.05, 0.1, 0.5).
    """
    import numpy as np

    rng = d.rng
    N, rows, cols, wmax, lam = (
        d.integer("N"),
        d.integer("rows"),
        d.integer("cols"),
        d.integer("wmax"),
        d.real("lam"),
    )
    tol = 0.001
    for _ in range(100):
        losses = [rng.randint(1, 30) / 10 for _ in range(N)]
        W = [[rng.randint(-wmax, wmax) for _ in range(cols)] for _ in range(rows)]
        Wa = np.array(W, dtype=float)
        data = float(np.mean(losses))
        sq = float(np.sum(Wa * Wa))
        reg = lam * sq
        total = data + reg
        # Re-draw when a slip lands on the loss: a factor ½, an L1 penalty, the norm not squared, the
        # regularization forgotten, or the batch summed instead of averaged.
        slips = [
            data + reg / 2,
            data + lam * float(np.abs(Wa).sum()),
            data + lam * float(np.sqrt(sq)),
            data,
            float(np.sum(losses)) + reg if N > 1 else None,
        ]
        if apart(total, slips, tol):
            break
    prompt = (
        f"The per-example data losses of a mini-batch of N = {N} are `{vec(losses)}` and the weight matrix is "
        f"`W = {mat(W)}`. Compute the full loss "
        r"$L = \frac{1}{N} \sum_i L_i + \lambda \sum_{k,l} W_{k,l}^2$ "
        rf"with $\lambda = {num(lam)}$ (CS231n convention: no factor ½; biases are not regularized)."
        f"\n\nAnswer a number {to_decimals(tol)}."
    )
    answer = show(total, tol)
    squares = " + ".join(f"{paren(w)}²" for r in W for w in r)
    steps = [
        f"Data loss: ({' + '.join(num(v) for v in losses)}) / {N} = {approx(data)}.",
        f"$\\sum W^2$ = {squares} = {num(sq)}.",
        f"Regularization: {num(lam)} × {num(sq)} = {approx(reg)}.",
        f"L = {approx(data)} + {approx(reg)} = {approx(total)}.",
        answer_line(answer),
    ]
    params: dict[str, object] = {"losses": losses, "W": W, "lam": lam}
    return Generated(
        params, prompt, Expected(AnswerType.FLOAT, total, abs_tol=tol), answer, "\n\n".join(steps)
    )
