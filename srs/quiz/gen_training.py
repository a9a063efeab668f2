"""Days 5-7 generators: dropout, batch norm, learning-rate schedules, metrics, pipeline arithmetic, CLIP.

numpy is imported inside the functions only (the package must import fast).
"""

from __future__ import annotations

from srs.errors import QuizError
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
    sig,
    to_decimals,
    total_text,
    vec,
    word_param,
)
from srs.quiz.params import Choices, Draw, FloatRange, IntRange


# -- dropout_scaling -------------------------------------------------------------------------------------
@quiz(
    name="dropout_scaling",
    title="Inverted dropout: scaling and expected activation",
    day=5,
    topic="dropout",
    target_seconds=60,
    answer_hint="a number such as 1.25 (3 decimals), or several separated by spaces",
    params=[
        float_param("keep", Choices((0.6, 0.75, 0.8, 0.9)), 0.01, 1.0, "keep probability of a unit"),
        word_param(
            "convention",
            ("keep", "drop"),
            ("keep", "drop"),
            "whether the prompt states p as the keep or the drop probability",
        ),
        word_param(
            "ask", ("output", "scale", "expected"), ("output", "scale", "expected"), "what to compute"
        ),
        int_param("n", IntRange(4, 5), 2, 8, "activations in the vector (ask=output)"),
    ],
)
def dropout_scaling(d: Draw) -> Generated:
    """Inverted dropout in training mode: kept units are scaled by 1/keep, so E[output] = input.

    Parameters: ``keep`` keep probability (default 0.6, 0.75, 0.8, 0.9; 0.5 is left out of the defaults and
    re-drawn where the domain allows, because there keep = drop and confusing them goes unnoticed);
    ``convention`` keep or drop — how
    the prompt states p (CS231n: keep probability; PyTorch ``nn.Dropout(p)``: drop probability); ``ask``
    output (vector for a given mask), scale (the factor) or expected (E[output]); ``n`` vector length.
    """
    import numpy as np

    rng = d.rng
    keep, conv, ask = d.real("keep"), d.word("convention"), d.word("ask")
    for _ in range(20):  # keep = 0.5 = drop would accept a learner who confuses the two
        if abs(keep - 0.5) > 1e-9:
            break
        keep = d.real("keep")
    drop = round(1.0 - keep, 10)
    if conv == "keep":
        p_text = (
            f"The keep probability is p = {num(keep)} (CS231n convention: each unit is kept with "
            f"probability p)."
        )
    else:
        p_text = (
            f"The dropout probability is p = {num(drop)} (PyTorch `nn.Dropout(p)` convention: each unit is "
            f"zeroed with probability p)."
        )
    intro = f"A layer uses **inverted dropout** in training mode. {p_text}"
    keep_step = "" if conv == "keep" else f"Keep probability = 1 − p = 1 − {num(drop)} = {num(keep)}. "
    tol = 0.001
    scale = float(1.0 / np.float64(keep))
    if ask == "output":
        n = d.integer("n")
        x = [rng.choice([v for v in range(-3, 6) if v != 0]) for _ in range(n)]
        mask = [1] * n
        n_drop = max(1, min(n - 1, round(n * drop))) if drop > 0 else 0
        dropped = rng.sample(range(n), n_drop)
        for k in dropped:
            mask[k] = 0
        out = np.array(x, dtype=float) * np.array(mask, dtype=float) / keep
        prompt = (
            f"{intro} Its input activations are `x = {vec(x)}` and this time the random mask is "
            f"`m = {vec(mask)}` (1 = kept). What does the layer output?\n\n"
            f"Answer the {n} values separated by spaces, each {to_decimals(tol)}."
        )
        answer = " ".join(show(float(v), tol) for v in out)
        steps = [
            f"{keep_step}Inverted dropout multiplies kept units by 1/keep = 1/{num(keep)} = {fixed(scale, 4)} "
            "during training (so nothing changes at test time) and zeroes the dropped ones.",
            f"Output = x·m/{num(keep)} = {vec([round(float(v), 4) for v in out])}.",
            answer_line(answer),
        ]
        expected = Expected(AnswerType.VECTOR, tuple(float(v) for v in out), abs_tol=tol)
        params: dict[str, object] = {"keep": keep, "convention": conv, "ask": ask, "x": x, "mask": mask}
    elif ask == "scale":
        prompt = (
            f"{intro} By what factor are the kept activations multiplied during training?\n\n"
            f"Answer a number {to_decimals(tol)}."
        )
        answer = show(scale, tol)
        steps = [
            f"{keep_step}Inverted dropout divides the kept activations by the keep probability, so that "
            "their expected value is unchanged and no scaling is needed at test time.",
            f"Factor = 1/{num(keep)} = {answer}.",
            answer_line(answer),
        ]
        expected = Expected(AnswerType.FLOAT, scale, abs_tol=tol)
        params = {"keep": keep, "convention": conv, "ask": ask}
    else:
        xv = rng.choice([v / 2 for v in range(-8, 11) if v != 0])
        value = float(keep * (xv / keep) + (1 - keep) * 0.0)
        prompt = (
            f"{intro} A unit receives the activation x = {num(xv)}. Over the randomness of the mask, what "
            f"is the expected value of its output during training?\n\nAnswer a number {to_decimals(tol)}."
        )
        answer = show(value, tol)
        steps = [
            f"{keep_step}With probability {num(keep)} the unit is kept and outputs x/{num(keep)} = "
            f"{fixed(xv / keep, 4)}; otherwise it outputs 0.",
            f"E[output] = {num(keep)}·{paren(float(fixed(xv / keep, 4)))} + {num(drop)}·0 = {num(xv)}: inverted dropout keeps "
            "the expected activation equal to x, which is why test time needs no rescaling.",
            answer_line(answer),
        ]
        expected = Expected(AnswerType.FLOAT, value, abs_tol=tol)
        params = {"keep": keep, "convention": conv, "ask": ask, "x": xv}
    return Generated(params, prompt, expected, answer, "\n\n".join(steps))


# -- batchnorm_output ------------------------------------------------------------------------------------
@quiz(
    name="batchnorm_output",
    title="Batch-norm output of one element (training mode)",
    day=5,
    topic="batchnorm",
    target_seconds=120,
    answer_hint="a number such as -1.337 (3 decimals)",
    params=[
        int_param("N", IntRange(3, 4), 2, 10, "batch size"),
        int_param("xmax", Choices((5,)), 1, 100, "inputs are integers in -xmax..xmax"),
        float_param("gamma", FloatRange(0.5, 2.0), -10.0, 10.0, "scale γ", decimals=1),
        float_param("beta", FloatRange(-1.0, 1.0), -10.0, 10.0, "shift β", decimals=1),
        float_param("eps", Choices((1e-5,)), 1e-12, 1.0, "ε"),
    ],
)
def batchnorm_output(d: Draw) -> Generated:
    """Training-mode batch norm of one feature: batch mean, biased variance, ε, γ, β (Ioffe & Szegedy, Alg. 1).

    Parameters: ``N`` batch size (default 3..4, supported 2..10); ``xmax`` integer inputs in -xmax..xmax
    (default 5); ``gamma`` (0.5..2.0), ``beta`` (-1..1) one decimal; ``eps`` (default 1e-5).
    """
    import numpy as np

    rng = d.rng
    N, xmax, eps = d.integer("N"), d.integer("xmax"), d.real("eps")
    tol = 0.001
    for _ in range(200):
        gamma, beta = d.real("gamma"), d.real("beta")
        xs = [rng.randint(-xmax, xmax) for _ in range(N)]
        i = rng.randrange(N)
        x = np.array(xs, dtype=float)
        mu = float(x.mean())
        var = float(x.var())
        xhat = (x - mu) / np.sqrt(var + eps)
        y = gamma * xhat + beta
        value = float(y[i])
        # Re-draw instances where a slip lands on the answer anyway: x_i at the batch mean (x̂ = 0 hides
        # every variance slip), γ = 1, β = 0, a variance of 1, a mean of 0.
        slips = [
            gamma * (xs[i] - mu) / np.sqrt(float(x.var(ddof=1)) + eps) + beta,  # unbiased variance
            gamma * (xs[i] - mu) / (var + eps) + beta,  # no square root
            gamma * xs[i] / np.sqrt(var + eps) + beta,  # mean not subtracted
            float(xhat[i]) + beta,  # γ forgotten
            float(gamma * xhat[i]),  # β forgotten
            gamma * (float(xhat[i]) + beta),  # β added before scaling
        ]
        if len(set(xs)) > 1 and apart(value, [float(v) for v in slips], tol):
            break
    prompt = (
        f"A BatchNorm layer in training mode normalises one feature over a mini-batch of N = {N} values "
        f"`x = {vec(xs)}`, using the batch mean $\\mu$ and the biased batch variance "
        r"$\sigma^2 = \frac{1}{N}\sum_i (x_i - \mu)^2$, then scales and shifts: "
        r"$y_i = \gamma \frac{x_i - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta$, "
        rf"with $\gamma = {num(gamma)}$, $\beta = {num(beta)}$, $\epsilon = {num(eps)}$. "
        f"What is $y_{{{i + 1}}}$, the output for the element number {i + 1} (counting from 1, "
        f"$x_{{{i + 1}}} = {xs[i]}$)?\n\nAnswer a number {to_decimals(tol)}."
    )
    answer = show(value, tol)
    devs = " + ".join(f"{paren(float(approx(v - mu)))}²" for v in xs)
    steps = [
        f"Mean: μ = ({total_text(xs)})/{N} = {approx(mu)}.",
        f"Biased variance: σ² = ({devs})/{N} = {approx(var)}.",
        f"Normalise: x̂ = ({xs[i]} − {paren(float(approx(mu)))}) / √({approx(var)} + {num(eps)}) = "
        f"{fixed(float(xhat[i]), 4)}.",
        f"Scale and shift: y = {num(gamma)}·{paren(round(float(xhat[i]), 4))} {plus(beta)} = {fixed(value, 4)}.",
        answer_line(answer),
    ]
    params: dict[str, object] = {"x": xs, "i": i, "gamma": gamma, "beta": beta, "eps": eps}
    return Generated(
        params, prompt, Expected(AnswerType.FLOAT, value, abs_tol=tol), answer, "\n\n".join(steps)
    )


# -- lr_schedule -----------------------------------------------------------------------------------------
@quiz(
    name="lr_schedule",
    title="Learning rate under step decay or warm-up + cosine",
    day=5,
    topic="lr-schedule",
    target_seconds=90,
    answer_hint="a number such as 0.0005236 or 1e-4 (4 significant figures)",
    params=[
        word_param("kind", ("step", "cosine"), ("step", "cosine"), "schedule"),
        float_param("lr", Choices((0.1, 0.01, 0.001)), 1e-8, 10.0, "initial / peak learning rate"),
        float_param("gamma", Choices((0.1, 0.5)), 0.0, 1.0, "step decay factor γ"),
        int_param("step_size", Choices((10, 20, 30)), 1, 10000, "epochs between decays"),
        int_param("total", Choices((100, 200, 1000)), 2, 1000000, "total steps T of the cosine schedule"),
        int_param("warmup", Choices((0, 10, 20)), 0, 1000000, "warm-up steps T_w (< T)"),
        float_param("lr_min", Choices((0.0,)), 0.0, 10.0, "final learning rate of the cosine schedule"),
    ],
)
def lr_schedule(d: Draw) -> Generated:
    """Learning rate at step t: step decay (PyTorch StepLR) or linear warm-up then cosine decay (SGDR Eq. 5).

    Parameters: ``kind`` step or cosine; ``lr`` η₀ / η_max (default 0.1, 0.01, 0.001); ``gamma`` and
    ``step_size`` for step decay (0.1, 0.5 and 10, 20, 30 epochs); ``total`` T, ``warmup`` T_w and ``lr_min``
    for the cosine schedule (100, 200, 1000; 0, 10, 20; 0).
    """
    import numpy as np

    rng = d.rng
    kind, lr = d.word("kind"), d.real("lr")
    tol = 0.001
    if kind == "step":
        gamma, size = d.real("gamma"), d.integer("step_size")
        # A third of the epochs asked are the first of a new decay (t a multiple of s), where a decay
        # counted one epoch late shows; elsewhere ceil instead of floor shows.
        t = size * rng.randint(1, 4) if rng.random() < 0.3 else rng.randint(0, 4 * size)
        k = t // size
        value = float(lr * np.power(gamma, k))
        prompt = (
            r"Step decay (as PyTorch `StepLR`): $\eta_t = \eta_0 \cdot \gamma^{\lfloor t / s \rfloor}$, where "
            rf"$t$ is the epoch index starting at 0. With $\eta_0 = {num(lr)}$, $\gamma = {num(gamma)}$ and "
            rf"$s = {size}$, what is the learning rate during epoch $t = {t}$?"
            "\n\n"
            "Answer a number to 4 significant figures (±0.1 %), e.g. `0.001` or `1e-3`."
        )
        steps = [
            f"⌊{t}/{size}⌋ = {k} decays have happened.",
            f"η = {num(lr)}·{num(gamma)}^{k} = {sig(value, 6)}.",
        ]
        params: dict[str, object] = {"kind": kind, "lr": lr, "gamma": gamma, "step_size": size, "t": t}
    else:
        lr_min = d.real("lr_min")
        if lr_min > lr:
            raise QuizError("lr_schedule: lr_min must not exceed lr")
        pairs = [(T, w) for T in d.ints("total") for w in d.ints("warmup") if w < T]
        if not pairs:
            raise QuizError("lr_schedule: every warmup is >= total; choose warmup < total")
        T, Tw = rng.choice(pairs)
        if Tw > 0 and rng.random() < 0.25:
            t = rng.randint(0, Tw - 1)
        else:
            # Decay steps away from both ends: near T_w the cosine is flat (cos 0 = 1) and at T the rate
            # is η_min, so a slip in the angle (degrees, π forgotten) or the factor ½ would go unnoticed.
            def cosine(progress: float, half: float = 0.5) -> float:
                return lr_min + half * (lr - lr_min) * (1.0 + float(np.cos(progress)))

            for _ in range(50):
                t = rng.randint(Tw + 1, T - 1) if T - Tw >= 2 else rng.randint(Tw, T)
                prog = (t - Tw) / (T - Tw)
                right = cosine(np.pi * prog)
                slips = [
                    cosine(np.radians(np.pi * prog)),
                    cosine(prog),
                    cosine(np.pi * prog, 1.0),
                ]
                if Tw:
                    slips.append(cosine(np.pi * t / T))  # progress counted from 0, not from T_w
                if apart(right, slips, tol * abs(right)):
                    break
        if t < Tw:
            value = lr * t / Tw
            steps = [
                f"t = {t} < T_w = {Tw}: still warming up linearly.",
                f"η = {num(lr)}·{t}/{Tw} = {sig(value, 6)}.",
            ]
        else:
            progress = (t - Tw) / (T - Tw)
            cosv = float(np.cos(np.pi * progress))
            value = lr_min + 0.5 * (lr - lr_min) * (1.0 + cosv)
            progress_step = (
                f"Progress through the decay: (t − T_w)/(T − T_w) = ({t} − {Tw})/({T} − {Tw}) = {sig(progress, 6)}."
                if Tw
                else f"Progress through the decay: t/T = {t}/{T} = {sig(progress, 6)}."
            )
            steps = [
                progress_step,
                f"cos(π·{sig(progress, 6)}) = {sig(cosv, 6)}.",
                f"η = {num(lr_min)} + ½·({num(lr)} − {num(lr_min)})·(1 + {paren(float(sig(cosv, 6)))}) = {sig(value, 6)}.",
            ]
        if Tw:
            shape = (
                rf"linear warm-up over $T_w = {Tw}$ steps then cosine decay: $\eta_t = \eta_{{max}} \cdot t / T_w$ "
                r"for $t < T_w$, and $\eta_t = \eta_{min} + \frac{1}{2}(\eta_{max} - \eta_{min})"
                r"\left(1 + \cos\left(\pi \frac{t - T_w}{T - T_w}\right)\right)$ for $T_w \le t \le T$"
            )
        else:
            shape = (
                r"cosine decay and no warm-up: $\eta_t = \eta_{min} + \frac{1}{2}(\eta_{max} - \eta_{min})"
                r"\left(1 + \cos\left(\pi \frac{t}{T}\right)\right)$"
            )
        prompt = (
            f"A learning-rate schedule runs for T = {T} steps (t = 0, 1, …, T) with {shape}, "
            rf"where $\eta_{{max}} = {num(lr)}$ and $\eta_{{min}} = {num(lr_min)}$. "
            rf"What is the learning rate at step $t = {t}$?"
            "\n\n"
            "Answer a number to 4 significant figures (±0.1 %), e.g. `0.0005236` or `5.236e-4`."
        )
        params = {"kind": kind, "lr": lr, "lr_min": lr_min, "total": T, "warmup": Tw, "t": t}
    value = float(value)
    answer = sig(value, 5)
    steps.append(answer_line(answer))
    # The prompt promises ±0.1 % of the answer. The absolute floor only lets float noise count as 0
    # when the rate is exactly 0: it is far below 0.1 % of any non-zero rate drawn (the old floor,
    # 1e-6 of the peak rate, accepted answers several per cent off late in a schedule).
    expected = Expected(AnswerType.FLOAT, value, rel_tol=tol, abs_tol=max(lr, 1e-12) * 1e-9)
    return Generated(params, prompt, expected, answer, "\n\n".join(steps))


# -- prf1_confusion --------------------------------------------------------------------------------------
_CLASSES = ("cat", "dog", "bird", "fish")
_METRICS = ("precision", "recall", "f1")


@quiz(
    name="prf1_confusion",
    title="Precision, recall or F1 from a confusion matrix",
    day=5,
    topic="metrics",
    target_seconds=60,
    answer_hint="a number between 0 and 1 such as 0.667 (3 decimals)",
    params=[
        int_param("classes", IntRange(2, 3), 2, 4, "number of classes (2 = negative/positive)"),
        word_param("metric", _METRICS, _METRICS, "which metric"),
        int_param("nmax", Choices((20,)), 4, 1000, "largest count on the diagonal"),
    ],
)
def prf1_confusion(d: Draw) -> Generated:
    """Precision, recall or F1 of one class from a 2×2 or 3×3 confusion matrix (rows actual, columns predicted).

    Parameters: ``classes`` 2..3 (supported 2..4; 2 means negative/positive and asks about positive);
    ``metric`` precision, recall or f1; ``nmax`` size of the counts (default 20, supported 4..1000).
    """
    import numpy as np

    rng = d.rng
    n, metric, nmax = d.integer("classes"), d.word("metric"), d.integer("nmax")
    labels = ("negative", "positive") if n == 2 else _CLASSES[:n]
    tol = 0.001
    for _ in range(200):
        c = 1 if n == 2 else rng.randrange(n)
        M = [
            [
                rng.randint(max(1, nmax // 4), nmax) if r == k else rng.randint(0, max(1, nmax // 2))
                for k in range(n)
            ]
            for r in range(n)
        ]
        A = np.array(M, dtype=np.int64)
        tp = int(A[c, c])
        fp = int(A[:, c].sum()) - tp
        fn = int(A[c, :].sum()) - tp
        precision = tp / (tp + fp)
        recall = tp / (tp + fn)
        f1 = 2 * precision * recall / (precision + recall)
        values = {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "mean": (precision + recall) / 2,  # F1 as the arithmetic mean
            "accuracy": float(np.trace(A) / A.sum()),
            "tp share": tp / float(A.sum()),
        }
        value = values[metric]
        # Re-draw matrices where another metric gives the same number (FP = FN makes precision, recall,
        # F1 and their mean equal, so mixing up rows and columns would go unnoticed).
        if apart(value, [v for k, v in values.items() if k != metric], tol):
            break
    header = "| actual \\ predicted | " + " | ".join(labels) + " |\n|---|" + "---|" * n
    body = "\n".join(f"| **{labels[r]}** | " + " | ".join(str(v) for v in M[r]) + " |" for r in range(n))
    name = {"precision": "precision", "recall": "recall", "f1": "F1 score"}[metric]
    prompt = (
        f"A classifier's confusion matrix on a test set (rows = actual class, columns = predicted class):\n\n"
        f"{header}\n{body}\n\nWhat is the **{name}** of class *{labels[c]}*?\n\n"
        f"Answer a number {to_decimals(tol)}."
    )
    p_text = f"precision = TP/(TP + FP) = {tp}/({tp} + {fp}) = {fixed(precision, 4)}"
    r_text = f"recall = TP/(TP + FN) = {tp}/({tp} + {fn}) = {fixed(recall, 4)}"
    steps = [
        f"For class {labels[c]}: TP = {tp} (diagonal), FP = {fp} (rest of its column: predicted {labels[c]} but "
        f"actually something else), FN = {fn} (rest of its row: actually {labels[c]} but predicted something else)."
    ]
    if metric == "precision":
        steps.append(p_text + ".")
    elif metric == "recall":
        steps.append(r_text + ".")
    else:
        steps.append(f"{p_text}; {r_text}.")
        steps.append(
            f"F1 = 2PR/(P + R) = 2·{fixed(precision, 4)}·{fixed(recall, 4)}/({fixed(precision, 4)} + "
            f"{fixed(recall, 4)}) = 2TP/(2TP + FP + FN) = {2 * tp}/{2 * tp + fp + fn} = {fixed(f1, 4)}."
        )
    answer = show(value, tol)
    steps.append(answer_line(answer))
    params: dict[str, object] = {"matrix": M, "labels": list(labels), "cls": c, "metric": metric}
    return Generated(
        params, prompt, Expected(AnswerType.FLOAT, value, abs_tol=tol), answer, "\n\n".join(steps)
    )


# -- steps_per_epoch -------------------------------------------------------------------------------------
@quiz(
    name="steps_per_epoch",
    title="Iterations per epoch and optimizer steps",
    day=6,
    topic="training-pipeline",
    target_seconds=60,
    answer_hint="a whole number such as 391",
    params=[
        int_param("N", IntRange(1000, 60000), 1, 1_000_000_000, "dataset size"),
        int_param("B", Choices((16, 32, 64, 128, 256)), 1, 1_000_000, "batch size"),
        int_param("epochs", IntRange(1, 10), 1, 10000, "epochs"),
        word_param("drop_last", ("true", "false"), ("true", "false"), "DataLoader drop_last"),
        int_param("accum", Choices((1, 2, 4, 8)), 1, 1024, "gradient accumulation steps"),
        word_param(
            "ask", ("iters", "steps"), ("iters", "steps"), "batches per epoch or total optimizer steps"
        ),
    ],
)
def steps_per_epoch(d: Draw) -> Generated:
    """Batches per epoch (⌊N/B⌋ or ⌈N/B⌉ by drop_last) or total optimizer steps E·⌊iters/A⌋.

    Parameters: ``N`` dataset size (default 1000..60000); ``B`` batch size (16..256); ``epochs`` (1..10);
    ``drop_last`` true/false; ``accum`` A (1, 2, 4, 8); ``ask`` iters or steps. Convention: a step happens
    when (i + 1) % A == 0 with i counting batches from 0 within each epoch; leftovers never step.
    """
    import numpy as np

    B, E, A, ask = d.integer("B"), d.integer("epochs"), d.integer("accum"), d.word("ask")
    drop_last = d.word("drop_last") == "true"
    for _ in range(300):
        N = d.integer("N")
        full, rest = divmod(N, B)
        iters = int(full if drop_last or rest == 0 else np.ceil(N / B))
        per_epoch = iters // A
        total = E * per_epoch
        if rest == 0:
            continue
        if ask == "iters" or A == 1:
            break
        # Re-draw sizes where a slip gives the same step count: reading drop_last backwards (one batch
        # more or less), leftover batches stepping, accumulating across epochs, no accumulation at all.
        other = full + 1 if drop_last else full
        slips = {E * (other // A), E * iters}
        if iters % A:
            slips |= {E * -(-iters // A)} | ({E * iters // A} if E > 1 else set())
        if total not in slips:
            break
    flag = "True" if drop_last else "False"
    setup = f"A `DataLoader` serves N = {N:,} training examples with `batch_size={B}` and `drop_last={flag}`."
    if A == 1:
        accum = (
            f" Training runs for E = {E} epochs and calls `optimizer.step()` once per batch "
            "(no gradient accumulation)."
        )
    else:
        accum = (
            f" Training runs for E = {E} epochs with gradient accumulation over A = {A} batches: `backward()` runs "
            f"on every batch and `optimizer.step()` (then `zero_grad()`) runs when `(i + 1) % {A} == 0`, where i "
            "counts batches from 0 within each epoch; gradients are zeroed at the start of every epoch, so "
            "leftover batches at the end of an epoch never cause a step."
        )
    question = (
        "How many batches (iterations) does one epoch have?"
        if ask == "iters"
        else "How many optimizer steps are taken in total?"
    )
    prompt = f"{setup}{accum} {question}\n\nAnswer a whole number."
    if rest == 0:
        it_step = f"{N:,}/{B} = {iters} exactly, so drop_last makes no difference: {iters} batches."
    elif drop_last:
        it_step = (
            f"{N:,}/{B} = {fixed(N / B, 3)}; drop_last=True discards the last partial batch of {rest} "
            f"examples: ⌊N/B⌋ = {iters} batches."
        )
    else:
        it_step = (
            f"{N:,}/{B} = {fixed(N / B, 3)}; drop_last=False keeps the last partial batch of {rest} "
            f"examples: ⌈N/B⌉ = {iters} batches."
        )
    steps = [f"Batches per epoch: {it_step}"]
    if ask == "iters":
        value = iters
    else:
        value = total
        if A > 1:
            steps.append(
                f"Steps per epoch: ⌊{iters}/{A}⌋ = {per_epoch} ({iters % A} leftover batches per epoch)."
            )
        steps.append(f"Total: {E}·{per_epoch} = {total:,} optimizer steps.")
    answer = f"{value:,}"
    steps.append(answer_line(answer))
    params: dict[str, object] = {"N": N, "B": B, "epochs": E, "drop_last": drop_last, "accum": A, "ask": ask}
    return Generated(params, prompt, Expected(AnswerType.INT, value), answer, "\n\n".join(steps))


# -- clip_infonce ----------------------------------------------------------------------------------------
@quiz(
    name="clip_infonce",
    title="CLIP symmetric InfoNCE loss",
    day=7,
    topic="clip",
    target_seconds=240,
    answer_hint="a number such as 0.482 (3 decimals)",
    params=[
        int_param("n", IntRange(2, 3), 2, 5, "image-text pairs in the batch"),
        float_param("tau", Choices((0.07, 0.1, 0.2, 0.5)), 0.01, 10.0, "temperature τ"),
    ],
)
def clip_infonce(d: Draw) -> Generated:
    """CLIP loss: mean of the image→text and text→image cross-entropies over logits = S/τ.

    Parameters: ``n`` pairs (default 2..3, supported 2..5); ``tau`` τ (default 0.07, 0.1, 0.2, 0.5; τ = 1
    is left out of the defaults and re-drawn where the domain allows, since there forgetting τ is harmless).
    Matching pairs get cosine similarities 0.3..0.9, the others -0.3..0.5 (one decimal). Instances where
    a slip reaches the answer (one direction only when S is nearly symmetric, a loss so close to 0 that
    sums and means agree) are re-drawn.
    """
    import numpy as np

    rng = d.rng
    n = d.integer("n")
    tol = 0.001

    def losses(S: list[list[float]], t: float) -> tuple[float, float, np.ndarray, np.ndarray]:
        logits = np.array(S) / t
        m = logits.max()
        e = np.exp(logits - m)
        rows = -(logits.diagonal() - m - np.log(e.sum(axis=1)))
        cols = -(logits.diagonal() - m - np.log(e.sum(axis=0)))
        return float(rows.mean()), float(cols.mean()), rows, cols

    for _ in range(200):
        tau = d.real("tau")
        S = [
            [rng.randint(3, 9) / 10 if i == j else rng.randint(-3, 5) / 10 for j in range(n)]
            for i in range(n)
        ]
        loss_i2t, loss_t2i, row_loss, col_loss = losses(S, tau)
        loss = 0.5 * (loss_i2t + loss_t2i)
        slips = [
            0.5 * sum(losses(S, 1.0)[:2]),  # temperature forgotten
            0.5 * sum(losses(S, 1.0 / tau)[:2]),  # multiplied by τ
            loss_i2t,  # image→text only
            loss_t2i,  # text→image only
            2 * loss,  # the two directions summed
            n * loss,  # summed over the batch
            loss / float(np.log(2)),  # log2
        ]
        if abs(tau - 1.0) > 1e-9 and apart(loss, slips, tol):
            break
    logits = np.array(S) / tau
    prompt = (
        f"A CLIP batch has {n} image–text pairs. Their cosine similarities $S_{{ij}}$ = cos(image i, text j) "
        f"are `S = {mat(S)}` (matching pairs on the diagonal). With temperature $\\tau = {num(tau)}$ the logits "
        r"are $L = S / \tau$. The symmetric InfoNCE loss is $\frac{1}{2}(\ell_{img} + \ell_{txt})$, where "
        r"$\ell_{img}$ is the mean over rows i of the cross-entropy of softmax(row i of L) with target i, and "
        r"$\ell_{txt}$ the same over the columns (natural log)."
        f"\n\nAnswer a number {to_decimals(tol)}."
    )
    L = [[float(v) for v in r] for r in logits]
    answer = show(loss, tol)
    steps = [
        f"Logits L = S/{num(tau)} = `{mat([[round(v, 4) for v in r] for r in L])}`.",
        "Image→text (rows), cross-entropy $-L_{ii} + \\log\\sum_j e^{L_{ij}}$: "
        + ", ".join(f"row {i + 1}: {fixed(float(v), 4)}" for i, v in enumerate(row_loss))
        + f"; mean {fixed(loss_i2t, 4)}.",
        "Text→image (columns), $-L_{jj} + \\log\\sum_i e^{L_{ij}}$: "
        + ", ".join(f"column {j + 1}: {fixed(float(v), 4)}" for j, v in enumerate(col_loss))
        + f"; mean {fixed(loss_t2i, 4)}.",
        f"Loss = ½({fixed(loss_i2t, 4)} + {fixed(loss_t2i, 4)}) = {fixed(loss, 4)}.",
        answer_line(answer),
    ]
    params: dict[str, object] = {"S": S, "tau": tau}
    return Generated(
        params, prompt, Expected(AnswerType.FLOAT, loss, abs_tol=tol), answer, "\n\n".join(steps)
    )
