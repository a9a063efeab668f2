"""Generators for the training recipes: weight initialisation, gradient clipping by global norm, LayerNorm,
sinusoidal positional encoding, the Transformer's warm-up/inverse-square-root schedule and the parameter
count of a Transformer encoder layer.

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
    num,
    paren,
    plus,
    quiz,
    show,
    sig,
    to_decimals,
    total_text,
    vec,
    word_param,
)
from srs.quiz.params import Choices, Draw, FloatRange, IntRange

SIG4 = "to 4 significant figures (±0.1 %)"


# -- init_std --------------------------------------------------------------------------------------------
@quiz(
    name="init_std",
    title="He or Xavier initialisation from a layer's shape",
    day=2,
    topic="initialization",
    target_seconds=75,
    answer_hint="a number such as 0.0625 (4 significant figures)",
    params=[
        word_param("scheme", ("he", "xavier"), ("he", "xavier"), "He (Kaiming, fan-in) or Xavier (Glorot)"),
        word_param("layer", ("fc", "conv"), ("fc", "conv"), "fully connected or convolutional layer"),
        int_param("n_in", Choices((64, 100, 128, 256, 300, 512, 784, 1024)), 1, 100_000, "fc inputs"),
        int_param("n_out", Choices((10, 64, 100, 128, 256, 512)), 1, 100_000, "fc outputs"),
        int_param("c_in", Choices((3, 16, 32, 64, 128, 256)), 1, 8192, "conv input channels"),
        int_param("c_out", Choices((16, 32, 64, 128, 256)), 1, 8192, "conv output channels (filters)"),
        int_param("k", Choices((1, 3, 5, 7)), 1, 15, "conv kernel side"),
        word_param("ask", ("std", "var"), ("std", "var"), "the standard deviation or the variance"),
    ],
)
def init_std(d: Draw) -> Generated:
    """Standard deviation (or variance) of zero-mean Gaussian weights under He or Xavier initialisation.

    He (He et al. 2015, Eq. 10): Var = 2 / fan_in. Xavier/Glorot (Glorot & Bengio 2010, Eq. 12):
    Var = 2 / (fan_in + fan_out). A conv layer with c_in input channels, c_out filters and k×k kernels has
    fan_in = k·k·c_in and fan_out = k·k·c_out (as ``torch.nn.init`` counts them).

    Parameters: ``scheme`` he or xavier; ``layer`` fc or conv; ``n_in``, ``n_out`` the fc sizes; ``c_in``,
    ``c_out``, ``k`` the conv shape; ``ask`` std or var.
    """
    import numpy as np

    scheme, layer, ask = d.word("scheme"), d.word("layer"), d.word("ask")
    if layer == "fc":
        n_in, n_out = d.integer("n_in"), d.integer("n_out")
        for _ in range(20):  # fan-in = fan-out would hide a swap of the two (and Xavier's 1/fan-in)
            if n_in != n_out:
                break
            n_in, n_out = d.integer("n_in"), d.integer("n_out")
        fan_in, fan_out = n_in, n_out
        shape = (
            f"a fully connected layer with {n_in} inputs and {n_out} outputs (weight matrix {n_out}×{n_in})"
        )
        fans = f"fan-in = {n_in} inputs, fan-out = {n_out} outputs."
        params: dict[str, object] = {
            "scheme": scheme,
            "layer": layer,
            "n_in": n_in,
            "n_out": n_out,
            "ask": ask,
        }
    else:
        c_in, c_out, k = d.integer("c_in"), d.integer("c_out"), d.integer("k")
        for _ in range(20):
            if c_in != c_out:
                break
            c_in, c_out = d.integer("c_in"), d.integer("c_out")
        fan_in, fan_out = k * k * c_in, k * k * c_out
        shape = (
            f"a convolutional layer with {c_out} filters of size {k}×{k} over {c_in} input channels "
            f"(weight tensor {c_out}×{c_in}×{k}×{k})"
        )
        fans = (
            f"each output sees k·k·C_in = {k}·{k}·{c_in} = {fan_in} inputs (fan-in); each input feeds "
            f"k·k·C_out = {k}·{k}·{c_out} = {fan_out} outputs (fan-out)."
        )
        params = {"scheme": scheme, "layer": layer, "c_in": c_in, "c_out": c_out, "k": k, "ask": ask}
    if scheme == "he":
        var = float(np.float64(2.0) / fan_in)
        rule = (
            r"**He** (Kaiming) initialisation for a ReLU layer: $\mathrm{Var}(w) = 2 / n_{in}$, "
            "with $n_{in}$ the fan-in"
        )
        var_step = f"Var = 2/{fan_in} = {sig(var, 6)}."
    else:
        var = float(np.float64(2.0) / (fan_in + fan_out))
        rule = (
            r"**Xavier** (Glorot) initialisation: $\mathrm{Var}(w) = 2 / (n_{in} + n_{out})$, "
            "with $n_{in}$ the fan-in and $n_{out}$ the fan-out"
        )
        var_step = f"Var = 2/({fan_in} + {fan_out}) = 2/{fan_in + fan_out} = {sig(var, 6)}."
    std = float(np.sqrt(var))
    value = std if ask == "std" else var
    conv_note = (
        " For a conv layer count fan-in as kernel area × input channels and fan-out as kernel area × "
        "output channels."
        if layer == "conv"
        else ""
    )
    what = "standard deviation" if ask == "std" else "variance"
    prompt = (
        f"The weights of {shape} are drawn from a zero-mean Gaussian using {rule}.{conv_note} "
        f"What is the {what} of the weights?\n\nAnswer a number {SIG4}."
    )
    answer = sig(value, 4)
    steps = [f"Fans: {fans}", var_step]
    if ask == "std":
        steps.append(f"Standard deviation = √{sig(var, 6)} = {sig(std, 6)}.")
    steps.append(answer_line(answer))
    expected = Expected(AnswerType.FLOAT, value, rel_tol=0.001)
    return Generated(params, prompt, expected, answer, "\n\n".join(steps))


# -- clip_global_norm ------------------------------------------------------------------------------------
@quiz(
    name="clip_global_norm",
    title="Gradient clipping by global norm",
    day=2,
    topic="gradient-clipping",
    target_seconds=90,
    answer_hint="the clipped gradient of one tensor, e.g. 0.6 0 (3 decimals each), or one number",
    params=[
        int_param("tensors", IntRange(2, 3), 1, 4, "number of parameter tensors"),
        int_param("size", IntRange(1, 3), 1, 4, "entries per tensor"),
        int_param("gmax", Choices((4,)), 1, 20, "gradient entries are integers in -gmax..gmax"),
        float_param("max_norm", Choices((1.0, 2.0, 5.0)), 0.1, 100.0, "the threshold c", decimals=1),
        word_param("ask", ("tensor", "norm"), ("tensor", "norm"), "a clipped tensor or the global norm"),
    ],
)
def clip_global_norm(d: Draw) -> Generated:
    """Clip several gradients together by their global L2 norm (as ``torch.nn.utils.clip_grad_norm_``,
    without its 1e-6): if ‖g‖ > c, every gradient is multiplied by c/‖g‖; otherwise nothing changes.

    Parameters: ``tensors`` how many gradients (default 2..3); ``size`` entries each (1..3); ``gmax``
    integer entries in -gmax..gmax (default 4); ``max_norm`` c (default 1, 2, 5); ``ask`` tensor (one clipped
    gradient, as a vector) or norm (the global norm before clipping). About one instance in five is
    below the threshold and stays unchanged.
    """
    import numpy as np

    rng = d.rng
    n, c, gmax, ask = d.integer("tensors"), d.real("max_norm"), d.integer("gmax"), d.word("ask")
    want_small = rng.random() < 0.2
    tol = 0.001
    for _ in range(300):
        grads = [[rng.randint(-gmax, gmax) for _ in range(d.integer("size"))] for _ in range(n)]
        which = rng.randrange(n)
        sq = sum(v * v for g in grads for v in g)
        if sq == 0:
            continue
        if (math.sqrt(sq) <= c) != want_small or math.isclose(math.sqrt(sq), c):
            continue
        norm = math.sqrt(sq)
        norms = [math.sqrt(sum(v * v for v in g)) for g in grads]
        g = [float(v) for v in grads[which]]
        own = norms[which]
        # Re-draw when a slip gives the same answer: an L1 norm, the square root forgotten, the largest
        # or the sum of the tensor norms (a zero tensor hides both); for a clipped tensor, clipping it
        # by its own norm or by value, scaling by ‖g‖/c (a zero tensor hides all three); for an
        # unclipped one, rescaling it anyway.
        if ask == "norm":
            ok = apart(norm, [sum(abs(v) for t in grads for v in t), float(sq), max(norms), sum(norms)], tol)
        elif norm > c:
            ok = apart(
                [v * c / norm for v in g],
                [
                    [v * c / own for v in g] if own > c else g,
                    [max(-c, min(c, v)) for v in g],
                    [v * norm / c for v in g],
                ],
                tol,
            )
        else:
            ok = apart(g, [[v * c / norm for v in g]], tol)
        if ok:
            break
    flat = np.concatenate([np.array(g, dtype=float) for g in grads])
    norm = float(np.linalg.norm(flat))
    clipped = norm > c
    scale = c / norm if clipped else 1.0
    out = [float(v) * scale for v in grads[which]]
    listing = ", ".join(f"$g_{{{k + 1}}}$ = `{vec(g)}`" for k, g in enumerate(grads))
    rule = (
        f"The gradients of {n} parameter tensors are {listing}. They are clipped **by global norm** with "
        f"threshold c = {num(c)}: the global norm is the L2 norm of all entries of all gradients together, "
        r"$\lVert g \rVert = \sqrt{\sum_k \lVert g_k \rVert^2}$; if $\lVert g \rVert > c$, every gradient is "
        r"multiplied by $c / \lVert g \rVert$, otherwise all are left unchanged."
    )
    squares = " + ".join(f"{paren(v)}²" for g in grads for v in g)
    steps = [f"Global norm: √({squares}) = √{sq} = {approx(norm)}."]
    if ask == "norm":
        prompt = f"{rule} What is the global norm $\\lVert g \\rVert$?\n\nAnswer a number {to_decimals(tol)}."
        answer = show(norm, tol)
        expected = Expected(AnswerType.FLOAT, norm, abs_tol=tol)
    else:
        prompt = (
            f"{rule} What does $g_{{{which + 1}}}$ become?\n\n"
            f"Answer its {len(out)} entries separated by spaces, each {to_decimals(tol)}."
        )
        if clipped:
            steps.append(
                f"{approx(norm)} > {num(c)}, so every gradient is multiplied by {num(c)}/{approx(norm)} = "
                f"{approx(scale)}."
            )
            steps.append(
                f"g{which + 1} = {approx(scale)}·{vec(grads[which])} = {vec([round(v, 4) for v in out])}."
            )
        else:
            steps.append(f"{approx(norm)} ≤ {num(c)}: no clipping, g{which + 1} stays {vec(grads[which])}.")
        answer = " ".join(show(v, tol) for v in out)
        expected = Expected(AnswerType.VECTOR, tuple(out), abs_tol=tol)
    steps.append(answer_line(answer))
    params: dict[str, object] = {"grads": grads, "max_norm": c, "which": which, "ask": ask}
    return Generated(params, prompt, expected, answer, "\n\n".join(steps))


# -- layernorm_output ------------------------------------------------------------------------------------
@quiz(
    name="layernorm_output",
    title="LayerNorm output of one example",
    day=5,
    topic="layernorm",
    target_seconds=120,
    answer_hint="a number such as -1.225 (3 decimals), or the whole output vector",
    params=[
        int_param("H", IntRange(3, 4), 2, 8, "hidden units in the layer"),
        int_param("xmax", Choices((5,)), 1, 100, "inputs are integers in -xmax..xmax"),
        float_param("gain", FloatRange(0.5, 2.0), -10.0, 10.0, "gain g of the asked unit(s)", decimals=1),
        float_param("bias", FloatRange(-1.0, 1.0), -10.0, 10.0, "bias b of the asked unit(s)", decimals=1),
        float_param("eps", Choices((1e-5,)), 1e-12, 1.0, "ε"),
        word_param("ask", ("element", "vector"), ("element", "vector"), "one output or all of them"),
    ],
)
def layernorm_output(d: Draw) -> Generated:
    """LayerNorm of one example's H activations: mean and biased variance over the H units of that example
    (Ba, Kiros & Hinton 2016, Eq. 3), then ε, a per-unit gain and bias.

    Parameters: ``H`` units (default 3..4, supported 2..8); ``xmax`` integer inputs in -xmax..xmax (default 5);
    ``gain`` (0.5..2), ``bias`` (-1..1) one decimal, drawn per unit; ``eps`` (1e-5); ``ask`` element or vector.
    """
    import numpy as np

    rng = d.rng
    H, xmax, eps, ask = d.integer("H"), d.integer("xmax"), d.real("eps"), d.word("ask")
    tol = 0.001
    for _ in range(200):
        xs = [rng.randint(-xmax, xmax) for _ in range(H)]
        gains = [d.real("gain") for _ in range(H)]
        biases = [d.real("bias") for _ in range(H)]
        i = rng.randrange(H)
        x = np.array(xs, dtype=float)
        G, B = np.array(gains), np.array(biases)
        mu = float(x.mean())
        var = float(x.var())
        xhat = (x - mu) / np.sqrt(var + eps)
        y = G * xhat + B
        # Re-draw when a slip gives the same output: the unbiased variance, no square root (x̂ = 0 or a
        # variance of 1 hides both), the mean not subtracted (a mean of 0), the gain or the bias
        # forgotten (g = 1, b = 0), the bias added before the gain.
        slips = [
            G * (x - mu) / np.sqrt(float(x.var(ddof=1)) + eps) + B,
            G * (x - mu) / (var + eps) + B,
            G * x / np.sqrt(var + eps) + B,
            xhat + B,
            G * xhat,
            G * (xhat + B),
        ]
        if ask == "element":
            ok = apart(float(y[i]), [float(v[i]) for v in slips], tol)
        else:
            ok = apart(list(y), [list(v) for v in slips], tol)
        if len(set(xs)) > 1 and ok:
            break
    setup = (
        f"A LayerNorm layer normalises the H = {H} activations of **one** example, `a = {vec(xs)}`, over its "
        r"units: $\mu = \frac{1}{H}\sum_j a_j$, $\sigma^2 = \frac{1}{H}\sum_j (a_j - \mu)^2$ (biased), then "
        r"$y_j = g_j \frac{a_j - \mu}{\sqrt{\sigma^2 + \epsilon}} + b_j$ with gains "
        f"`g = {vec(gains)}`, biases `b = {vec(biases)}` and $\\epsilon = {num(eps)}$."
    )
    if ask == "element":
        prompt = (
            f"{setup} What is $y_{{{i + 1}}}$ (counting from 1; $a_{{{i + 1}}} = {xs[i]}$)?"
            f"\n\nAnswer a number {to_decimals(tol)}."
        )
        value: float | tuple[float, ...] = float(y[i])
        answer = show(float(y[i]), tol)
        expected = Expected(AnswerType.FLOAT, float(y[i]), abs_tol=tol)
        asked = [i]
    else:
        prompt = (
            f"{setup} What is the output vector $y$?\n\nAnswer its {H} entries separated by spaces, "
            f"each {to_decimals(tol)}."
        )
        value = tuple(float(v) for v in y)
        answer = " ".join(show(float(v), tol) for v in y)
        expected = Expected(AnswerType.VECTOR, value, abs_tol=tol)
        asked = list(range(H))
    devs = " + ".join(f"{paren(float(approx(v - mu)))}²" for v in xs)
    root = math.sqrt(var + eps)
    lines = "\n".join(
        f"- y{j + 1} = {num(gains[j])}·({xs[j]} − {paren(float(approx(mu)))})/{fixed(root, 4)} "
        f"{plus(biases[j])} = {num(gains[j])}·{paren(round(float(xhat[j]), 4))} {plus(biases[j])} "
        f"= {fixed(float(y[j]), 4)}"
        for j in asked
    )
    steps = [
        f"Mean over the units: μ = ({total_text(xs)})/{H} = {approx(mu)}.",
        f"Biased variance: σ² = ({devs})/{H} = {approx(var)}; √(σ² + ε) = {fixed(root, 4)}.",
        "Normalise, then apply the gain and bias:\n" + lines,
        answer_line(answer),
    ]
    params: dict[str, object] = {"x": xs, "gain": gains, "bias": biases, "eps": eps, "i": i, "ask": ask}
    return Generated(params, prompt, expected, answer, "\n\n".join(steps))


# -- positional_encoding ---------------------------------------------------------------------------------
@quiz(
    name="positional_encoding",
    title="A value of the sinusoidal positional encoding",
    day=4,
    topic="positional-encoding",
    target_seconds=90,
    answer_hint="a number between -1 and 1 such as 0.841 (3 decimals)",
    params=[
        int_param("d_model", Choices((4, 8, 16, 64, 512)), 2, 4096, "model width (even)"),
        int_param("pos", IntRange(0, 50), 0, 100_000, "position in the sequence (from 0)"),
        int_param("dim", IntRange(0, 7), 0, 4095, "dimension index (from 0; kept below d_model)"),
    ],
)
def positional_encoding(d: Draw) -> Generated:
    """One entry of the sinusoidal positional encoding (Vaswani et al. 2017, Sec. 3.5):
    PE(pos, 2i) = sin(pos / 10000^(2i/d_model)), PE(pos, 2i+1) = cos(pos / 10000^(2i/d_model)), in radians.

    Parameters: ``d_model`` (default 4, 8, 16, 64, 512; odd values are made even); ``pos`` (default 0..50);
    ``dim`` the dimension index 0..d_model-1 (default 0..7; indices >= d_model are redrawn).
    """
    import numpy as np

    rng = d.rng
    tol = 0.001

    def pe(
        p: int, j: int, dm: int, expo: float | None = None, degrees: bool = False, swap: bool = False
    ) -> float:
        e = 2 * (j // 2) / dm if expo is None else expo
        a = p / 10000.0**e
        a = math.radians(a) if degrees else a
        return math.sin(a) if (j % 2 == 0) != swap else math.cos(a)

    for _ in range(100):
        dmodel = d.integer("d_model")
        dmodel += dmodel % 2
        pos = d.integer("pos")
        dims = [j for j in d.ints("dim") if j < dmodel] or list(range(dmodel))
        j = rng.choice(dims)
        # Re-draw when a slip gives the same value (position 0 hides every slip in the angle; tiny angles
        # make cos ≈ 1 whatever they are): degrees, sin and cos swapped, the exponent j/d_model or
        # i/d_model, positions counted from 1.
        slips = [pe(pos, j, dmodel, degrees=True), pe(pos, j, dmodel, swap=True), pe(pos + 1, j, dmodel)]
        if j % 2:
            slips.append(pe(pos, j, dmodel, expo=j / dmodel))
        if j // 2:
            slips.append(pe(pos, j, dmodel, expo=(j // 2) / dmodel))
        if apart(pe(pos, j, dmodel), slips, tol):
            break
    i = j // 2
    exponent = 2 * i / dmodel
    denom = float(np.power(10000.0, exponent))
    angle = pos / denom
    value = float(np.sin(angle) if j % 2 == 0 else np.cos(angle))
    prompt = (
        r"The Transformer's sinusoidal positional encoding (Vaswani et al. 2017, Sec. 3.5) is "
        r"$PE_{(pos, 2i)} = \sin\left(pos / 10000^{2i/d_{model}}\right)$ and "
        r"$PE_{(pos, 2i+1)} = \cos\left(pos / 10000^{2i/d_{model}}\right)$, angles in radians, positions "
        f"and dimensions counted from 0. With $d_{{model}} = {dmodel}$, what is the value of dimension "
        f"{j} at position {pos}?\n\nAnswer a number {to_decimals(tol)}."
    )
    func = "sin" if j % 2 == 0 else "cos"
    parity = "even" if j % 2 == 0 else "odd"
    steps = [
        f"Dimension {j} is {parity}, so it uses {func} with 2i = {2 * i} (i = {i}).",
        f"Frequency term: 10000^({2 * i}/{dmodel}) = 10000^{approx(exponent)} = {sig(denom, 6)}; "
        f"angle = {pos}/{sig(denom, 6)} = {sig(angle, 6)} rad.",
        f"{func}({sig(angle, 6)}) = {fixed(value, 4)}.",
    ]
    answer = show(value, tol)
    steps.append(answer_line(answer))
    params: dict[str, object] = {"d_model": dmodel, "pos": pos, "dim": j}
    return Generated(
        params, prompt, Expected(AnswerType.FLOAT, value, abs_tol=tol), answer, "\n\n".join(steps)
    )


# -- noam_lr ---------------------------------------------------------------------------------------------
@quiz(
    name="noam_lr",
    title="The Transformer's warm-up then inverse-square-root learning rate",
    day=5,
    topic="transformer-training",
    target_seconds=90,
    answer_hint="a number such as 0.0006988 or 6.988e-4 (4 significant figures)",
    params=[
        int_param("d_model", Choices((256, 512, 768, 1024)), 1, 65536, "model width"),
        int_param("warmup", Choices((1000, 4000, 8000)), 1, 1_000_000, "warm-up steps"),
        word_param(
            "phase", ("warmup", "peak", "decay"), ("warmup", "peak", "decay"), "where the asked step falls"
        ),
    ],
)
def noam_lr(d: Draw) -> Generated:
    """Vaswani et al. 2017, Sec. 5.3, Eq. 3: lrate = d_model^-0.5 · min(step^-0.5, step · warmup^-1.5),
    steps counted from 1.

    Parameters: ``d_model`` (default 256, 512, 768, 1024); ``warmup`` warm-up steps (default 1000, 4000,
    8000); ``phase`` warmup (step < warmup), peak (step = warmup) or decay (step > warmup).
    """
    import numpy as np

    rng = d.rng
    dm, w, phase = d.integer("d_model"), d.integer("warmup"), d.word("phase")
    if phase == "warmup":
        step = rng.randrange(100, w, 100) if w >= 200 else rng.randint(1, max(1, w - 1))
    elif phase == "peak":
        step = w
    else:
        step = rng.choice([2, 3, 5, 10, 25]) * w + rng.choice([0, 0, 500, 1000])
    a = float(np.power(float(step), -0.5))
    b = float(step * np.power(float(w), -1.5))
    scale = float(np.power(float(dm), -0.5))
    lr = scale * min(a, b)
    prompt = (
        r"The Transformer (Vaswani et al. 2017, Sec. 5.3, Eq. 3) trains with "
        r"$lrate = d_{model}^{-0.5} \cdot \min(step^{-0.5},\ step \cdot warmup\_steps^{-1.5})$, "
        f"steps counted from 1. With $d_{{model}} = {dm}$ and $warmup\\_steps = {w}$, what is the learning "
        f"rate at step {step:,}?\n\nAnswer a number {SIG4}, e.g. `0.0006988` or `6.988e-4`."
    )
    if step < w:
        which = (
            f"step < warmup_steps, so the second term is the smaller one (linear warm-up): {step}·{w}^−1.5"
        )
        term = b
    elif step == w:
        which = f"step = warmup_steps: both terms are equal, {step}^−0.5 = {w}·{w}^−1.5 (the peak)"
        term = a
    else:
        which = f"step > warmup_steps, so the first term is the smaller one (inverse-square-root decay): {step}^−0.5"
        term = a
    steps = [
        f"Terms: step^−0.5 = {step}^−0.5 = {sig(a, 6)}; step·warmup^−1.5 = {step}·{w}^−1.5 = {sig(b, 6)}.",
        f"{which} = {sig(term, 6)}.",
        f"d_model^−0.5 = {dm}^−0.5 = {sig(scale, 6)}; lrate = {sig(scale, 6)}·{sig(term, 6)} = {sig(lr, 6)}.",
    ]
    answer = sig(lr, 4)
    steps.append(answer_line(answer))
    params: dict[str, object] = {"d_model": dm, "warmup": w, "step": step}
    return Generated(
        params, prompt, Expected(AnswerType.FLOAT, lr, rel_tol=0.001), answer, "\n\n".join(steps)
    )


# -- transformer_params ----------------------------------------------------------------------------------
@quiz(
    name="transformer_params",
    title="Parameters of a Transformer encoder layer",
    day=4,
    topic="transformer",
    target_seconds=150,
    answer_hint="a whole number such as 3,152,384",
    params=[
        int_param("d_model", Choices((64, 128, 192, 256, 384, 512, 768, 1024)), 1, 16384, "model width"),
        int_param("ff_mult", Choices((4,)), 1, 16, "d_ff = ff_mult · d_model"),
        int_param("heads", Choices((4, 8, 12, 16)), 1, 128, "attention heads (d_k = d_model / heads)"),
        word_param("part", ("layer", "attention", "ffn"), ("layer", "attention", "ffn"), "what to count"),
    ],
)
def transformer_params(d: Draw) -> Generated:
    """Learnable parameters of one post-LN Transformer encoder layer (Vaswani et al. 2017, Sec. 3.1-3.3).

    Conventions stated in the prompt: Q, K, V and output projections are d_model×d_model with biases
    (h heads of width d_model/h together), the FFN is d_model→d_ff→d_model with biases, and each of the two
    LayerNorms has a gain and a bias per unit. Parameters: ``d_model`` (default 64..1024); ``ff_mult``
    (default 4); ``heads`` (default 4, 8, 12, 16; only divisors of d_model are used); ``part`` layer,
    attention or ffn.
    """
    dm, mult, part = d.integer("d_model"), d.integer("ff_mult"), d.word("part")
    heads_ok = [h for h in d.ints("heads") if dm % h == 0] or [1]
    h = d.rng.choice(heads_ok)
    dff = mult * dm
    attn = 4 * (dm * dm + dm)
    ffn = dm * dff + dff + dff * dm + dm
    norms = 2 * (2 * dm)
    total = attn + ffn + norms
    value = {"layer": total, "attention": attn, "ffn": ffn}[part]
    convention = (
        f"Conventions: the multi-head attention has h = {h} heads of width $d_k = d_v = d_{{model}}/h$, so its "
        r"query, key, value and output projections are each one $d_{model} \times d_{model}$ matrix plus a "
        r"bias vector; the feed-forward network is $\max(0, xW_1 + b_1)W_2 + b_2$ with inner width "
        rf"$d_{{ff}} = {mult} d_{{model}}$; each LayerNorm has a gain and a bias per unit; no embeddings."
    )
    what = {
        "layer": "the whole encoder layer (self-attention, feed-forward network and its two LayerNorms)",
        "attention": "its multi-head self-attention sub-layer (projections only, without the LayerNorm)",
        "ffn": "its position-wise feed-forward sub-layer (without the LayerNorm)",
    }[part]
    prompt = (
        f"A Transformer encoder layer (Vaswani et al. 2017, Sec. 3.1-3.3) has $d_{{model}} = {dm}$. "
        f"{convention} How many learnable parameters does {what} have?\n\nAnswer a whole number."
    )
    attn_step = (
        f"Attention: 4 projections × ({dm}·{dm} weights + {dm} biases) = 4·{dm * dm + dm:,} = {attn:,} "
        f"(the {h} heads split these matrices; they add none)."
    )
    ffn_step = (
        f"FFN (d_ff = {dff:,}): {dm}·{dff:,} + {dff:,} (W₁, b₁) + {dff:,}·{dm} + {dm} (W₂, b₂) = {ffn:,}."
    )
    norm_step = f"Two LayerNorms: 2·(2·{dm}) = {norms:,}."
    if part == "layer":
        steps = [attn_step, ffn_step, norm_step, f"Total: {attn:,} + {ffn:,} + {norms:,} = {total:,}."]
    elif part == "attention":
        steps = [attn_step]
    else:
        steps = [ffn_step]
    answer = f"{value:,}"
    steps.append(answer_line(answer))
    params: dict[str, object] = {"d_model": dm, "d_ff": dff, "heads": h, "part": part}
    return Generated(params, prompt, Expected(AnswerType.INT, value), answer, "\n\n".join(steps))
