"""Days 3-4 generators: conv and pool shapes, parameter and MAC counts, receptive fields, ResNet blocks,
MobileNet costs, ViT tokens and attention weights.

numpy is imported inside the functions only (the package must import fast).
"""

from __future__ import annotations

import math

from srs.errors import QuizError
from srs.quiz.answers import AnswerType, Expected
from srs.quiz.base import (
    Generated,
    answer_line,
    apart,
    fixed,
    float_param,
    int_param,
    mat,
    num,
    paren,
    quiz,
    show,
    to_decimals,
    word_param,
)
from srs.quiz.params import Choices, Draw, IntRange

CONVENTION = (
    "Convention (CS231n): the output side is $(W - F + 2P)/S + 1$; if that is not a positive "
    "integer the hyper-parameters are invalid (no rounding down) — answer `invalid`."
)


def _fits(w: int, f: int, s: int, p: int) -> bool:
    """True when F×F windows with stride S tile the padded input exactly (CS231n validity)."""
    span = w - f + 2 * p
    return span >= 0 and span % s == 0


def _pick_size(d: Draw, name: str, f: int, s: int, p: int, want_valid: bool, *, pool: bool = False) -> int:
    """An input side that is valid (or not), preferring sides where no slip reaches the answer."""
    candidates = [w for w in d.ints(name) if _fits(w, f, s, p) == want_valid]
    telling = [w for w in candidates if not _degenerate(w, f, s, p, pool)]
    pick = telling or candidates
    return d.rng.choice(pick) if pick else d.integer(name)


def _degenerate(w: int, f: int, s: int, p: int, pool: bool) -> bool:
    """True when a common slip gives the same verdict as the CS231n formula for this side: the window
    spans the whole padded input with a stride > 1 (stride ignored still gives 1), padding on one side
    only still fails to tile an invalid input, or (pooling) W // F equals the output side."""
    span = w - f + 2 * p
    if span == 0 and s > 1:
        return True
    if span % s and p % s and (w - f + p) % s:
        return True
    return pool and s != f and span >= 0 and span % s == 0 and w // f == span // s + 1


def _size_steps(w: int, f: int, s: int, p: int) -> tuple[int | None, str]:
    span = w - f + 2 * p
    pad = f" + 2·{p}" if p else ""
    head = f"({w} − {f}{pad})/{s} + 1 = {span}/{s} + 1"
    if span < 0:
        return None, (
            f"{head}: the {f}×{f} window is larger than the padded input ({w + 2 * p}), so there is no "
            "output at all — invalid."
        )
    if span % s:
        return None, (
            f"{head} = {fixed(span / s + 1, 2)}: not an integer, so the windows do not tile the padded "
            f"input evenly — invalid (PyTorch would silently round down to {span // s + 1})."
        )
    out = span // s + 1
    return out, f"{head} = {span // s} + 1 = {out}."


# -- conv_output_shape -----------------------------------------------------------------------------------
@quiz(
    name="conv_output_shape",
    title="Output shape of a conv layer",
    day=3,
    topic="convolution",
    target_seconds=60,
    answer_hint="a shape like 16x15x15 (K x H' x W'), or 'invalid'",
    params=[
        int_param("W", IntRange(5, 64), 1, 1024, "input height = width"),
        int_param("C", Choices((1, 3, 16, 32, 64)), 1, 4096, "input channels"),
        int_param("K", Choices((6, 10, 16, 32, 64)), 1, 4096, "number of filters"),
        int_param("F", Choices((1, 3, 5, 7)), 1, 31, "filter size"),
        int_param("S", IntRange(1, 3), 1, 16, "stride"),
        int_param("P", IntRange(0, 3), 0, 16, "zero padding"),
        float_param("p_invalid", Choices((0.3,)), 0.0, 1.0, "probability of an invalid combination"),
    ],
)
def conv_output_shape(d: Draw) -> Generated:
    """Output volume K×H'×W' of a conv layer, or ``invalid`` when (W−F+2P)/S+1 is not a positive integer.

    Parameters: ``W`` input side (default 5..64, supported 1..1024); ``C`` input channels; ``K`` filters;
    ``F`` filter size (default 1,3,5,7); ``S`` stride (1..3); ``P`` padding (0..3); ``p_invalid`` the chance
    of an invalid combination (default 0.3).
    """
    import numpy as np

    C, K, F, S, P = d.integer("C"), d.integer("K"), d.integer("F"), d.integer("S"), d.integer("P")
    for _ in range(20):  # K = C would let a learner who keeps the input depth pass
        if K != C:
            break
        K = d.integer("K")
    W = _pick_size(d, "W", F, S, P, want_valid=d.rng.random() >= d.real("p_invalid"))
    span = np.int64(W) - F + 2 * P
    valid = bool(span >= 0 and span % S == 0)
    side, step = _size_steps(W, F, S, P)
    prompt = (
        f"A conv layer with K = {K} filters of size {F}×{F}, stride S = {S} and zero-padding P = {P} is "
        f"applied to an input volume of {C}×{W}×{W} (C×H×W). What is the shape of the output volume "
        f"(K×H'×W')?\n\n{CONVENTION}\n\nAnswer a shape like `16x15x15`, or `invalid`."
    )
    steps = [f"Output side: $(W - F + 2P)/S + 1$ = {step}"]
    if valid:
        assert side is not None
        answer = f"{K}x{side}x{side}"
        steps.append(f"Height and width are equal ({side}); the depth is the number of filters, K = {K}.")
        expected = Expected(AnswerType.SHAPE, (K, side, side))
    else:
        answer = "invalid"
        expected = Expected(AnswerType.SHAPE, "invalid")
    steps.append(answer_line(answer))
    params: dict[str, object] = {"W": W, "C": C, "K": K, "F": F, "S": S, "P": P}
    return Generated(params, prompt, expected, answer, "\n\n".join(steps))


# -- conv_params_macs ------------------------------------------------------------------------------------
@quiz(
    name="conv_params_macs",
    title="Parameters and MACs of a conv layer",
    day=3,
    topic="convolution",
    target_seconds=90,
    answer_hint="a whole number such as 1216 or 1,228,800",
    params=[
        int_param("W", IntRange(8, 32), 1, 512, "input height = width"),
        int_param("C", Choices((3, 8, 16, 32, 64)), 1, 2048, "input channels"),
        int_param("K", Choices((8, 16, 32, 64)), 1, 2048, "number of filters"),
        int_param("F", Choices((1, 3, 5)), 1, 15, "filter size"),
        int_param("S", IntRange(1, 2), 1, 8, "stride"),
        int_param("P", IntRange(0, 2), 0, 15, "zero padding"),
        word_param("ask", ("params", "macs"), ("params", "macs"), "what to count"),
    ],
)
def conv_params_macs(d: Draw) -> Generated:
    """Parameter count (weights + one bias per filter) or multiply-accumulate count of a conv layer.

    Parameters: ``W`` input side (default 8..32, supported 1..512); ``C``, ``K`` channels in/out (C = 1
    is left out of the defaults: forgetting the input depth would go unnoticed); ``F``
    filter size (default 1,3,5); ``S`` stride (1..2); ``P`` padding (0..2); ``ask`` params or macs.
    MACs count one multiply-add per weight per output position (padding included, biases excluded).
    """
    import numpy as np

    C, K, ask = d.integer("C"), d.integer("K"), d.word("ask")
    fallback: tuple[int, int, int, int] | None = None
    for _ in range(60):
        F, S, P = d.integer("F"), d.integer("S"), d.integer("P")
        sizes = [w for w in d.ints("W") if _fits(w, F, S, P)]
        # For MACs, prefer layers whose output side differs from the input side (else using W for the
        # output side goes unnoticed); 'same' layers stay possible when nothing else fits.
        pick = [w for w in sizes if (w - F + 2 * P) // S + 1 != w] if ask == "macs" else sizes
        if pick:
            W = d.rng.choice(pick)
            break
        if sizes and fallback is None:
            fallback = (F, S, P, d.rng.choice(sizes))
    else:
        if fallback is None:
            raise QuizError("conv_params_macs: no input size W fits these F, S, P exactly; widen W, S or P")
        F, S, P, W = fallback
    side = (W - F + 2 * P) // S + 1
    weights = np.zeros((K, C, F, F), dtype=np.int8).size
    n_params = int(weights + K)
    macs = int(np.int64(K) * side * side * C * F * F)
    layer = (
        f"A conv layer takes a {C}×{W}×{W} input (C×H×W) and applies K = {K} filters of size {F}×{F} "
        f"with stride {S} and zero-padding {P}."
    )
    if ask == "params":
        prompt = (
            f"{layer} How many learnable parameters does it have, counting the weights and one bias per "
            "filter?\n\nAnswer a whole number."
        )
        value = n_params
        steps = [
            f"Each filter spans the full input depth: F·F·C = {F}·{F}·{C} = {F * F * C} weights, plus 1 bias "
            f"= {F * F * C + 1}.",
            f"K filters: {K}·{F * F * C + 1} = {n_params:,}.",
        ]
    else:
        prompt = (
            f"{layer} How many multiply-accumulate operations (MACs) does its forward pass take for one "
            "image? Count one MAC per weight per output position (positions that overlap the padding "
            "count too); biases add no MACs.\n\nAnswer a whole number."
        )
        value = macs
        _, size_step = _size_steps(W, F, S, P)
        steps = [
            f"Output side: {size_step} The output is {K}×{side}×{side} = {K * side * side:,} values.",
            f"Each output value is a dot product over F·F·C = {F}·{F}·{C} = {F * F * C} weights.",
            f"MACs = {K * side * side:,} · {F * F * C} = {macs:,}.",
        ]
    answer = f"{value:,}"
    steps.append(answer_line(answer))
    params: dict[str, object] = {"W": W, "C": C, "K": K, "F": F, "S": S, "P": P, "ask": ask}
    return Generated(params, prompt, Expected(AnswerType.INT, value), answer, "\n\n".join(steps))


# -- pool_output_shape -----------------------------------------------------------------------------------
@quiz(
    name="pool_output_shape",
    title="Output shape of a pooling layer",
    day=3,
    topic="pooling",
    target_seconds=45,
    answer_hint="a shape like 64x16x16 (C x H' x W'), or 'invalid'",
    params=[
        int_param("W", IntRange(4, 64), 1, 1024, "input height = width"),
        int_param("C", Choices((3, 16, 32, 64, 128)), 1, 4096, "channels"),
        int_param("F", Choices((2, 3)), 1, 16, "window size"),
        int_param("S", IntRange(1, 3), 1, 16, "stride"),
        int_param("P", Choices((0,)), 0, 8, "padding"),
        float_param("p_invalid", Choices((0.3,)), 0.0, 1.0, "probability of an invalid combination"),
    ],
)
def pool_output_shape(d: Draw) -> Generated:
    """Output shape C×H'×W' of a max-pooling layer, or ``invalid``.

    Parameters: ``W`` input side (default 4..64, supported 1..1024); ``C`` channels; ``F`` window (2, 3);
    ``S`` stride (1..3); ``P`` padding (default 0, supported 0..8); ``p_invalid`` (default 0.3).
    """
    import numpy as np

    C, F, S, P = d.integer("C"), d.integer("F"), d.integer("S"), d.integer("P")
    W = _pick_size(d, "W", F, S, P, want_valid=d.rng.random() >= d.real("p_invalid"), pool=True)
    span = np.int64(W) - F + 2 * P
    valid = bool(span >= 0 and span % S == 0)
    side, step = _size_steps(W, F, S, P)
    pad = "no padding" if P == 0 else f"padding P = {P}"
    formula = "$(W - F)/S + 1$" if P == 0 else "$(W - F + 2P)/S + 1$"
    prompt = (
        f"A max-pooling layer with {F}×{F} windows, stride S = {S} and {pad} is applied to a "
        f"{C}×{W}×{W} input (C×H×W). What is the output shape (C×H'×W')?\n\n{CONVENTION}"
        f"\n\nAnswer a shape like `64x16x16`, or `invalid`."
    )
    steps = [f"Output side: {formula} = {step}"]
    if valid:
        assert side is not None
        answer = f"{C}x{side}x{side}"
        steps.append(f"Pooling works on each channel separately, so the depth stays C = {C}.")
        expected = Expected(AnswerType.SHAPE, (C, side, side))
    else:
        answer = "invalid"
        expected = Expected(AnswerType.SHAPE, "invalid")
    steps.append(answer_line(answer))
    params: dict[str, object] = {"W": W, "C": C, "F": F, "S": S, "P": P}
    return Generated(params, prompt, expected, answer, "\n\n".join(steps))


# -- receptive_field -------------------------------------------------------------------------------------
@quiz(
    name="receptive_field",
    title="Receptive field of a stack of conv and pool layers",
    day=3,
    topic="receptive-field",
    target_seconds=90,
    answer_hint="a whole number of input pixels, e.g. 10",
    params=[
        int_param("layers", IntRange(2, 5), 1, 12, "number of layers"),
        int_param("k", Choices((1, 3, 5, 7)), 1, 15, "conv kernel sizes"),
        int_param("s", Choices((1, 2)), 1, 4, "conv strides"),
        int_param("pool_k", Choices((2, 3)), 1, 8, "pool window sizes"),
        int_param("pool_s", Choices((2,)), 1, 4, "pool strides"),
        float_param("p_pool", Choices((0.3,)), 0.0, 1.0, "probability that a layer is a pooling layer"),
    ],
)
def receptive_field(d: Draw) -> Generated:
    """Receptive field (in input pixels) of one unit after a random stack of conv/pool layers.

    Parameters: ``layers`` (default 2..5, supported 1..12); ``k``/``s`` conv kernel and stride (default
    1,3,5,7 and 1,2); ``pool_k``/``pool_s`` pool window and stride (2,3 and 2); ``p_pool`` (0.3).
    Uses r_out = r_in + (k−1)·j_in and j_out = j_in·s, starting from r = j = 1; no dilation.
    """
    import numpy as np

    rng = d.rng

    def field(stack: list[tuple[str, int, int]], slip: str = "") -> int:
        r, j = 1, 1
        for kind, k, s in stack:
            if slip == "skip pools" and kind == "pool":
                continue
            if slip == "jump first":
                j *= s
            r += (k - 1) * (1 if slip == "no jumps" else j)
            if slip != "jump first":
                j *= s
        return r

    for _ in range(100):
        n = d.integer("layers")
        layers: list[tuple[str, int, int]] = []
        for _ in range(n):
            if rng.random() < d.real("p_pool"):
                layers.append(("pool", d.integer("pool_k"), d.integer("pool_s")))
            else:
                for _ in range(20):  # prefer k >= s: a kernel smaller than its stride leaves holes
                    k, s = d.integer("k"), d.integer("s")
                    if k >= s:
                        break
                layers.append(("conv", k, s))
        # Re-draw stacks where a slip gives the same field: strides ignored, the jump updated before the
        # layer, pooling layers skipped, the product of the kernel sizes. A slip counts only where its
        # cause is present (a stride > 1 that matters, a pooling layer).
        right = field(layers)
        slips = {math.prod(k for _, k, _ in layers)}
        if any(s > 1 for _, _, s in layers[:-1]):
            slips.add(field(layers, "no jumps"))
        if any(s > 1 for _, _, s in layers):
            slips.add(field(layers, "jump first"))
        if any(kind == "pool" for kind, _, _ in layers):
            slips.add(field(layers, "skip pools"))
        if right not in slips:
            break
    ks = np.array([k for _, k, _ in layers], dtype=np.int64)
    ss = np.array([s for _, _, s in layers], dtype=np.int64)
    jumps = np.concatenate([[1], np.cumprod(ss)[:-1]])
    rf = int(1 + np.sum((ks - 1) * jumps))

    listing = "\n".join(
        f"{i + 1}. {'conv' if kind == 'conv' else 'max-pool'} {k}×{k}, stride {s}"
        for i, (kind, k, s) in enumerate(layers)
    )
    prompt = (
        f"These layers are applied in order to an image (no dilation):\n\n{listing}\n\n"
        "What is the receptive field of one unit of the last layer's output, i.e. the side (in input pixels, "
        "from the first to the last pixel) of the input region it depends on? Ignore image borders (padding "
        "does not change it).\n\nAnswer a whole number."
    )
    rows = []
    r, j = 1, 1
    for i, (kind, k, s) in enumerate(layers):
        r_new = r + (k - 1) * j
        rows.append(f"| {i + 1}. {kind} {k}×{k}/{s} | {r} + ({k} − 1)·{j} = {r_new} | {j}·{s} = {j * s} |")
        r, j = r_new, j * s
    assert r == rf
    table = "| layer | r | j |\n|---|---|---|\n| input | 1 | 1 |\n" + "\n".join(rows)
    steps = [
        "Track the receptive field r and the jump j (input pixels between neighbouring units), starting at "
        r"r = 1, j = 1. Each layer with kernel k and stride s does $r \leftarrow r + (k - 1)\,j$, then "
        r"$j \leftarrow j \cdot s$.",
        table,
        f"The last unit sees {rf}×{rf} input pixels.",
        answer_line(str(rf)),
    ]
    params: dict[str, object] = {"layers": [[kind, k, s] for kind, k, s in layers]}
    return Generated(params, prompt, Expected(AnswerType.INT, rf), str(rf), "\n\n".join(steps))


# -- resnet_block_params ---------------------------------------------------------------------------------
@quiz(
    name="resnet_block_params",
    title="Weights of a ResNet basic vs bottleneck block",
    day=4,
    topic="bottleneck",
    target_seconds=90,
    answer_hint="a whole number such as 69,632",
    params=[
        word_param("block", ("basic", "bottleneck"), ("basic", "bottleneck"), "which block"),
        int_param(
            "width",
            Choices((64, 128, 256, 512)),
            1,
            4096,
            "channels of a basic block / bottleneck width of a bottleneck block",
        ),
    ],
)
def resnet_block_params(d: Draw) -> Generated:
    """Convolution weights of a ResNet basic block (two 3×3, C→C) or bottleneck block (1×1 4d→d, 3×3 d→d,
    1×1 d→4d), identity shortcut, no biases, BN parameters not counted (He et al. 2016, Fig. 5).

    Parameters: ``block`` basic or bottleneck (default both); ``width`` C for basic, d for bottleneck
    (default 64, 128, 256, 512; supported 1..4096).
    """
    import numpy as np

    block, w = d.word("block"), d.integer("width")
    convention = (
        "Convention: convolutions have no biases (each is followed by BatchNorm), BatchNorm "
        "parameters are not counted, and the identity shortcut has no parameters."
    )
    if block == "basic":
        convs = [(w, w, 3), (w, w, 3)]
        prompt = (
            f"A ResNet **basic block** has two 3×3 convolutions, each mapping C = {w} channels to {w} "
            f"channels, and an identity shortcut. How many weights do its convolutions have?\n\n{convention}"
            "\n\nAnswer a whole number."
        )
    else:
        convs = [(4 * w, w, 1), (w, w, 3), (w, 4 * w, 1)]
        prompt = (
            f"A ResNet **bottleneck block** takes and returns 4d = {4 * w} channels with bottleneck width "
            f"d = {w}: a 1×1 conv reduces {4 * w}→{w}, a 3×3 conv maps {w}→{w}, and a 1×1 conv expands "
            f"{w}→{4 * w} (×4); the shortcut is the identity. How many weights do its convolutions have?"
            f"\n\n{convention}\n\nAnswer a whole number."
        )
    counts = [int(np.prod((c_out, c_in, k, k), dtype=np.int64)) for c_in, c_out, k in convs]
    total = sum(counts)
    lines = "\n".join(
        f"- {k}×{k} conv {c_in}→{c_out}: {k}·{k}·{c_in}·{c_out} = {n:,}"
        for (c_in, c_out, k), n in zip(convs, counts, strict=True)
    )
    steps = [
        "A k×k conv from $C_{in}$ to $C_{out}$ channels has $k \\cdot k \\cdot C_{in} \\cdot C_{out}$ weights:\n"
        + lines,
        f"Total: {' + '.join(f'{n:,}' for n in counts)} = {total:,}"
        + (" = 18·C²." if block == "basic" else " = 17·d²."),
    ]
    answer = f"{total:,}"
    steps.append(answer_line(answer))
    params: dict[str, object] = {"block": block, "width": w}
    return Generated(params, prompt, Expected(AnswerType.INT, total), answer, "\n\n".join(steps))


# -- depthwise_cost_ratio --------------------------------------------------------------------------------
@quiz(
    name="depthwise_cost_ratio",
    title="Depthwise-separable vs standard convolution cost",
    day=4,
    topic="mobilenet",
    target_seconds=90,
    answer_hint="a number: a ratio like 0.1131 (4 decimals) or a whole count of multiply-adds",
    params=[
        int_param("DF", Choices((7, 14, 28, 56)), 1, 1024, "feature map side D_F"),
        int_param("M", Choices((32, 64, 128, 256, 512)), 1, 8192, "input channels M"),
        int_param("N", Choices((64, 128, 256, 512, 1024)), 1, 8192, "output channels N"),
        int_param("DK", Choices((3,)), 1, 15, "kernel side D_K"),
        word_param(
            "ask", ("ratio", "standard", "separable"), ("ratio", "standard", "separable"), "what to compute"
        ),
    ],
)
def depthwise_cost_ratio(d: Draw) -> Generated:
    """MobileNet (Howard et al. 2017, Sec. 3.1) costs: standard D_K²·M·N·D_F², depthwise separable
    D_K²·M·D_F² + M·N·D_F², ratio 1/N + 1/D_K².

    Parameters: ``DF`` (default 7, 14, 28, 56); ``M`` (32..512); ``N`` (64..1024); ``DK`` (3; supported
    1..15); ``ask`` ratio, standard or separable (default all three).
    """
    import numpy as np

    DF, M, N, DK, ask = d.integer("DF"), d.integer("M"), d.integer("N"), d.integer("DK"), d.word("ask")
    standard = int(np.int64(DK) * DK * M * N * DF * DF)
    depthwise = int(np.int64(DK) * DK * M * DF * DF)
    pointwise = int(np.int64(M) * N * DF * DF)
    separable = depthwise + pointwise
    ratio = separable / standard
    setup = (
        rf"MobileNet notation (Howard et al. 2017, Sec. 3.1): an input feature map $D_F \times D_F \times M$ "
        rf"becomes $D_F \times D_F \times N$ (stride 1, same padding) with $D_K \times D_K$ kernels, where "
        rf"$D_F = {DF}$, $M = {M}$, $N = {N}$, $D_K = {DK}$. Count multiply-adds as the paper does "
        "(one per kernel weight per output position)."
    )
    formulas = [
        f"Standard conv: $D_K \\cdot D_K \\cdot M \\cdot N \\cdot D_F \\cdot D_F$ = {DK}·{DK}·{M}·{N}·{DF}·{DF} "
        f"= {standard:,}.",
        f"Depthwise separable: depthwise $D_K \\cdot D_K \\cdot M \\cdot D_F \\cdot D_F$ = {depthwise:,} plus "
        f"pointwise (1×1) $M \\cdot N \\cdot D_F \\cdot D_F$ = {pointwise:,}, total {separable:,}.",
    ]
    if ask == "ratio":
        tol = 0.0001
        prompt = (
            f"{setup} What is the cost of the depthwise separable convolution (depthwise {DK}×{DK} then "
            f"pointwise 1×1) divided by the cost of the standard convolution?\n\nAnswer a number {to_decimals(tol)}."
        )
        answer = show(ratio, tol)
        steps = [
            *formulas,
            rf"Ratio = {separable:,} / {standard:,} = $\frac{{1}}{{N}} + \frac{{1}}{{D_K^2}}$ = "
            f"1/{N} + 1/{DK * DK} = {answer}.",
            answer_line(answer),
        ]
        expected = Expected(AnswerType.FLOAT, ratio, abs_tol=tol)
    else:
        value = standard if ask == "standard" else separable
        what = (
            "a standard convolution"
            if ask == "standard"
            else f"the depthwise separable version (depthwise {DK}×{DK} conv, then pointwise 1×1 conv)"
        )
        prompt = f"{setup} How many multiply-adds does {what} take?\n\nAnswer a whole number."
        answer = f"{value:,}"
        steps = [formulas[0] if ask == "standard" else formulas[1], answer_line(answer)]
        expected = Expected(AnswerType.INT, value)
    params: dict[str, object] = {"DF": DF, "M": M, "N": N, "DK": DK, "ask": ask}
    return Generated(params, prompt, expected, answer, "\n\n".join(steps))


# -- vit_tokens_params -----------------------------------------------------------------------------------
@quiz(
    name="vit_tokens_params",
    title="ViT token count and patch-embedding parameters",
    day=4,
    topic="vit",
    target_seconds=60,
    answer_hint="a whole number such as 197",
    params=[
        int_param("img", Choices((224, 384)), 1, 4096, "image side"),
        int_param("patch", Choices((14, 16, 32)), 1, 256, "patch side P"),
        int_param("C", Choices((3,)), 1, 16, "image channels"),
        int_param("D", Choices((192, 384, 768, 1024)), 1, 16384, "embedding dimension"),
        word_param("ask", ("tokens", "params"), ("tokens", "params"), "what to compute"),
    ],
)
def vit_tokens_params(d: Draw) -> Generated:
    """ViT (Dosovitskiy et al. 2021) sequence length (H/P)²+1 or patch-embedding parameters P²·C·D + D.

    Parameters: ``img`` image side (default 224, 384); ``patch`` P (14, 16, 32) — only pairs where P divides
    the image side are drawn; ``C`` channels (3); ``D`` width (192..1024); ``ask`` tokens or params.
    """
    import numpy as np

    pairs = [(i, p) for i in d.ints("img") for p in d.ints("patch") if i % p == 0]
    if not pairs:
        raise QuizError("vit_tokens_params: no patch size divides an image size; adjust img or patch")
    img, P = d.rng.choice(pairs)
    C, D, ask = d.integer("C"), d.integer("D"), d.word("ask")
    grid = img // P
    tokens = grid * grid + 1
    n_params = int(np.int64(P) * P * C * D + D)
    setup = (
        f"A Vision Transformer (Dosovitskiy et al. 2021) cuts a {img}×{img} image with C = {C} channels into "
        f"non-overlapping {P}×{P} patches, flattens each patch and projects it linearly to D = {D} dimensions; "
        "a learnable [class] token is prepended."
    )
    if ask == "tokens":
        prompt = f"{setup} How many tokens does the Transformer encoder receive?\n\nAnswer a whole number."
        value = tokens
        steps = [
            f"Patches: ({img}/{P})² = {grid}² = {grid * grid}.",
            f"Plus the class token: {grid * grid} + 1 = {tokens}.",
        ]
    else:
        prompt = (
            f"{setup} How many parameters does the patch-embedding projection have (its weight matrix and "
            "bias)? Do not count the class token or the position embeddings.\n\nAnswer a whole number."
        )
        value = n_params
        steps = [
            f"A flattened patch has P²·C = {P}²·{C} = {P * P * C} values.",
            f"Weights: {P * P * C}·{D} = {P * P * C * D:,}; bias: {D}.",
            f"Total P²·C·D + D = {n_params:,} (the same as a {P}×{P} conv with stride {P} and {D} filters).",
        ]
    answer = f"{value:,}"
    steps.append(answer_line(answer))
    params: dict[str, object] = {"img": img, "patch": P, "C": C, "D": D, "ask": ask}
    return Generated(params, prompt, Expected(AnswerType.INT, value), answer, "\n\n".join(steps))


# -- attention_weights -----------------------------------------------------------------------------------
@quiz(
    name="attention_weights",
    title="Scaled dot-product attention weights",
    day=4,
    topic="attention",
    target_seconds=180,
    answer_hint="the weights separated by spaces, e.g. 0.212 0.576 0.212",
    params=[
        int_param("dk", Choices((2, 4)), 1, 16, "key/query dimension d_k"),
        int_param("nq", IntRange(2, 3), 1, 4, "number of queries"),
        int_param("nk", IntRange(2, 3), 2, 6, "number of keys"),
        int_param("vmax", Choices((2,)), 1, 4, "entries of Q and K are integers in -vmax..vmax"),
    ],
)
def attention_weights(d: Draw) -> Generated:
    """One row of ``softmax(Q Kᵀ / √d_k)`` for small integer Q and K (Vaswani et al. 2017, Eq. 1).

    Parameters: ``dk`` (default 2, 4; supported 1..16); ``nq`` queries (2..3); ``nk`` keys (2..3, supported
    2..6); ``vmax`` integer entries in -vmax..vmax (default 2).
    """
    import numpy as np

    rng = d.rng
    dk, nq, nk, vmax = d.integer("dk"), d.integer("nq"), d.integer("nk"), d.integer("vmax")
    tol = 0.001

    def softmax(v: np.ndarray, axis: int = -1) -> np.ndarray:
        e = np.exp(v - v.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)

    for _ in range(200):
        Q = [[rng.randint(-vmax, vmax) for _ in range(dk)] for _ in range(nq)]
        K = [[rng.randint(-vmax, vmax) for _ in range(dk)] for _ in range(nk)]
        i = rng.randrange(nq)
        dots = [sum(a * b for a, b in zip(Q[i], k, strict=True)) for k in K]
        raw = np.array(Q, dtype=float) @ np.array(K, dtype=float).T
        scores = raw / np.sqrt(dk)
        weights = softmax(scores[i])
        # Re-draw when a slip gives the same row: no scaling or a division by d_k (a saturated softmax
        # hides both), the softmax over the queries, or K Qᵀ instead of Q Kᵀ.
        slips = [softmax(raw[i]), softmax(raw[i] / dk), softmax(scores, axis=0)[i]]
        if nq == nk:
            slips.append(softmax(scores.T[i]))
        if len(set(dots)) > 1 and apart(list(weights), [list(v) for v in slips], tol):
            break
    root = math.sqrt(dk)
    prompt = (
        r"Scaled dot-product attention (Vaswani et al. 2017): $A = \mathrm{softmax}(Q K^\top / \sqrt{d_k})$, "
        f"with the softmax taken over each row (over the keys). Here $d_k = {dk}$ and\n\n"
        f"- `Q = {mat(Q)}` (one row per query)\n- `K = {mat(K)}` (one row per key)\n\n"
        f"Give row {i + 1} of $A$: the weights of query {i + 1} over the {nk} keys, separated by spaces, "
        f"each {to_decimals(tol)}."
    )
    scaled = [float(v) for v in scores[i]]
    exps = [math.exp(v) for v in scaled]
    answer = " ".join(fixed(float(v), 4) for v in weights)
    steps = [
        f"Dot products of query {i + 1} with each key: "
        + "; ".join(
            f"q·k{j + 1} = {' + '.join(f'{paren(a)}·{paren(b)}' for a, b in zip(Q[i], K[j], strict=True))} "
            f"= {dots[j]}"
            for j in range(nk)
        )
        + ".",
        f"Divide by √{dk} = {num(round(root, 4))}: " + ", ".join(fixed(v, 4) for v in scaled) + ".",
        "Softmax: exponentials " + ", ".join(fixed(v, 4) for v in exps) + f" (sum {fixed(sum(exps), 4)}), "
        "each divided by the sum.",
        answer_line(answer),
    ]
    params: dict[str, object] = {"Q": Q, "K": K, "dk": dk, "row": i}
    expected = Expected(AnswerType.VECTOR, tuple(float(v) for v in weights), abs_tol=tol)
    return Generated(params, prompt, expected, answer, "\n\n".join(steps))
