"""Day 2 generators: backprop on a tiny graph, and one step of SGD+Momentum, RMSProp and Adam.

numpy is imported inside the functions only (the package must import fast).
"""

from __future__ import annotations

import math
from collections import defaultdict

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
    num,
    paren,
    quiz,
    show,
    sig,
    step_tol,
    sub,
    to_decimals,
    tol_text,
    word_param,
)
from srs.quiz.params import Choices, Draw, FloatRange, IntRange

# -- graph_gradient ----------------------------------------------------------------------------------------
_GATES = ("add", "mul", "max", "exp")
_INPUTS = ("x", "y", "z")
Gate = tuple[str, str, tuple[str, ...]]


def _tex_name(name: str) -> str:
    return f"q_{{{name[1:]}}}" if name.startswith("q") else name


def _build_graph(
    d: Draw, n_in: int, n_gates: int, vmax: int, ops: list[str]
) -> tuple[dict[str, int], list[Gate]]:
    """Random inputs and gates; every input and gate ends up feeding the last gate."""
    rng = d.rng
    inputs = list(_INPUTS[:n_in])
    values = {name: rng.randint(-vmax, vmax) for name in inputs}
    gates: list[Gate] = []
    unused = list(inputs)
    available = list(inputs)
    binary = [o for o in ops if o != "exp"] or ["add"]

    def take(exclude: str | None = None) -> str:
        pool = [u for u in unused if u != exclude]
        if pool:
            pick = rng.choice(pool)
            unused.remove(pick)
            return pick
        pool = [a for a in available if a != exclude]
        return rng.choice(pool) if pool else str(exclude)

    def add_gate(op: str) -> None:
        first = take()
        args = (first,) if op == "exp" else (first, take(exclude=first))
        name = f"q{len(gates) + 1}"
        gates.append((name, op, args))
        available.append(name)
        unused.append(name)

    for _ in range(n_gates):
        add_gate(rng.choice(ops))
    while len(unused) > 1:
        add_gate(rng.choice(binary))
    return values, gates


def _forward(values: dict[str, int], gates: list[Gate]) -> dict[str, float] | None:
    """Node values, or None if the graph is unsuitable (max ties, big exponents, huge values)."""
    val: dict[str, float] = {k: float(v) for k, v in values.items()}
    for name, op, args in gates:
        a = [val[x] for x in args]
        if op == "add":
            out = a[0] + a[1]
        elif op == "mul":
            out = a[0] * a[1]
        elif op == "max":
            if abs(a[0] - a[1]) < 0.5:
                return None
            out = max(a)
        else:
            if abs(a[0]) > 3:
                return None
            out = math.exp(a[0])
        if abs(out) > 1000:
            return None
        val[name] = out
    return val


_SLIPS = ("max to the smaller", "max to both", "mul by own input", "exp times input", "overwrite")


def _gradients(val: dict[str, float], gates: list[Gate], slip: str = "") -> dict[str, float]:
    """Every node's gradient of the last gate, backpropagated in reverse creation order; ``slip`` makes
    one of the usual mistakes (see ``_SLIPS``) so that instances where it changes nothing can be
    re-drawn."""
    grads: dict[str, float] = defaultdict(float)
    grads[gates[-1][0]] = 1.0

    def put(node: str, value: float) -> None:
        if slip == "overwrite":  # a variable used twice keeps only its last gradient
            grads[node] = value
        else:
            grads[node] += value

    for name, op, args in reversed(gates):
        g = grads[name]
        if op == "add":
            for a in args:
                put(a, g)
        elif op == "mul":
            a0, a1 = args
            own = slip == "mul by own input"
            put(a0, g * val[a0 if own else a1])
            put(a1, g * val[a1 if own else a0])
        elif op == "max":
            a0, a1 = args
            win, lose = (a0, a1) if val[a0] > val[a1] else (a1, a0)
            if slip == "max to the smaller":
                win, lose = lose, win
            put(win, g)
            put(lose, g if slip == "max to both" else 0.0)
        else:
            (a0,) = args
            put(a0, g * (val[a0] if slip == "exp times input" else val[name]))
    return grads


def _slips_on_path(gates: list[Gate], wrt: str) -> list[str]:
    """The slips that can matter for ``wrt``: those about a gate type on a path from ``wrt`` to the
    output, and overwriting when a node on such a path is used more than once."""
    on_path = {wrt}
    ops: set[str] = set()
    for name, op, args in gates:
        if on_path.intersection(args):
            on_path.add(name)
            ops.add(op)
    uses = [a for _, _, args in gates for a in args if a in on_path]
    kinds = {
        "max to the smaller": "max",
        "max to both": "max",
        "mul by own input": "mul",
        "exp times input": "exp",
    }
    out = [slip for slip, op in kinds.items() if op in ops]
    if len(uses) > len(set(uses)):
        out.append("overwrite")
    return out


@quiz(
    name="graph_gradient",
    title="Backprop through a tiny computational graph",
    day=2,
    topic="backprop",
    target_seconds=150,
    answer_hint="a number such as -6 or 2.72 (2 decimals)",
    params=[
        int_param(
            "gates", IntRange(3, 4), 1, 6, "random gates (add gates may be appended to join the graph)"
        ),
        int_param("inputs", IntRange(2, 3), 1, 3, "number of inputs (x, y, z)"),
        int_param("vmax", Choices((3,)), 1, 5, "inputs are integers in -vmax..vmax"),
        word_param("ops", _GATES, _GATES, "gate types to use"),
    ],
)
def graph_gradient(d: Draw) -> Generated:
    """Gradient of a random graph of add/mul/max/exp gates with respect to one input.

    Parameters: ``gates`` number of random gates (default 3..4, supported 1..6); ``inputs`` how many of
    x, y, z (default 2..3); ``vmax`` integer inputs in -vmax..vmax (default 3, supported 1..5); ``ops``
    the gate types (default add, mul, max, exp). Max gates never tie (inputs differ by >= 0.5) and exp
    arguments stay within -3..3.
    """
    import numpy as np

    ops = [str(v) for v in d.values("ops")]
    usable = None
    for _ in range(400):
        values, gates = _build_graph(d, d.integer("inputs"), d.integer("gates"), d.integer("vmax"), ops)
        val = _forward(values, gates)
        if val is None:
            continue
        wrt = d.rng.choice(list(values))
        usable = usable or (values, gates, val, wrt)
        # Re-draw graphs whose answer a slip also reaches: a gradient of exactly 0 or ±1 (blocked by a
        # max gate, or passed through adds only), or one that routing a max the wrong way, multiplying
        # by the wrong input, using exp's input, or overwriting instead of adding leaves unchanged.
        right = _gradients(val, gates)[wrt]
        tol = max(0.01, 0.001 * abs(right))
        slips = [0.0, 1.0, -1.0, *(_gradients(val, gates, slip)[wrt] for slip in _slips_on_path(gates, wrt))]
        if apart(right, slips, tol, factor=1.5):
            break
    else:
        if usable is None:
            raise QuizError(
                "graph_gradient: no usable graph for these params (try more ops or a larger vmax)"
            )
        values, gates, val, wrt = usable  # narrowed params allow only degenerate graphs
    final = gates[-1][0]
    rename = {final: "f"}
    gates = [(rename.get(n, n), op, args) for n, op, args in gates]
    val["f"] = val.pop(final)

    # Backward pass (reverse creation order is a reverse topological order).
    grads: dict[str, float] = defaultdict(float)
    grads["f"] = 1.0
    back_lines = []
    for name, op, args in reversed(gates):
        g = grads[name]
        n = sub(name)
        a_ = [sub(a) for a in args]
        if op == "add":
            for a in args:
                grads[a] += g
            back_lines.append(f"- {n} = {' + '.join(a_)}: add passes {num(round(g, 4))} to both inputs")
        elif op == "mul":
            a0, a1 = args
            grads[a0] += g * val[a1]
            grads[a1] += g * val[a0]
            back_lines.append(
                f"- {n} = {a_[0]}·{a_[1]}: ∂f/∂{a_[0]} += {paren(round(g, 4))}·{paren(round(val[a1], 4))}, "
                f"∂f/∂{a_[1]} += {paren(round(g, 4))}·{paren(round(val[a0], 4))}"
            )
        elif op == "max":
            a0, a1 = args
            win = a0 if val[a0] > val[a1] else a1
            grads[win] += g
            back_lines.append(
                f"- {n} = max({a_[0]}, {a_[1]}): the larger input, {sub(win)}, gets all of "
                f"{num(round(g, 4))}; the other gets 0"
            )
        else:
            (a0,) = args
            grads[a0] += g * val[name]
            back_lines.append(
                f"- {n} = exp({a_[0]}): ∂f/∂{a_[0]} += {paren(round(g, 4))}·{fixed(val[name], 4)}"
            )
    grad = float(np.float64(grads[wrt]))
    grad = round(grad, 10)

    def expr(node: str) -> tuple[str, int]:
        if node in values:
            return node, 3
        op, args = next((o, a) for n, o, a in gates if n == node)
        parts = [expr(a) for a in args]
        if op == "add":
            return f"{parts[0][0]} + {parts[1][0]}", 1
        if op == "mul":
            texts = [t if p >= 2 else f"({t})" for t, p in parts]
            return rf"{texts[0]} \cdot {texts[1]}", 2
        if op == "max":
            return rf"\max({parts[0][0]}, {parts[1][0]})", 3
        return rf"\exp({parts[0][0]})", 3

    def gate_tex(name: str, op: str, args: tuple[str, ...]) -> str:
        a = [_tex_name(x) for x in args]
        rhs = {
            "add": f"{a[0]} + {a[-1]}",
            "mul": rf"{a[0]} \cdot {a[-1]}",
            "max": rf"\max({a[0]}, {a[-1]})",
            "exp": rf"\exp({a[0]})",
        }[op]
        return f"${_tex_name(name)} = {rhs}$"

    whole = expr("f")[0]
    tol, rel = 0.01, 0.001
    prompt = (
        f"A computational graph with inputs {', '.join(f'${k} = {v}$' for k, v in values.items())} computes\n\n"
        + "\n".join(f"- {gate_tex(*g)}" for g in gates)
        + "\n\n"
        + (f"i.e. $f = {whole}$. " if len(whole) <= 90 else "")
        + f"Backpropagate to find $\\partial f / \\partial {wrt}$ at these values.\n\n"
        f"Answer a number {to_decimals(tol)}, or within ±0.1 % if the value is large."
    )
    forward = "; ".join(f"{sub(n)} = {num(round(val[n], 4))}" for n, _, _ in gates)
    answer = show(grad, tol)
    steps = [
        f"Forward pass: {forward}.",
        "Backward pass, from ∂f/∂f = 1 (add copies the gradient to both inputs, mul multiplies it by the "
        "other input, max routes it to the larger input, exp multiplies it by its output; gradients from "
        "several uses of a variable add up):\n" + "\n".join(back_lines),
        f"Collecting everything that reached {wrt}: ∂f/∂{wrt} = {approx(grad, 4)}"
        + ("." if float(approx(grad, 4)) == float(answer) else f", i.e. {answer} to the precision asked."),
        answer_line(answer),
    ]
    params: dict[str, object] = {
        "inputs": dict(values),
        "gates": [[n, op, *args] for n, op, args in gates],
        "wrt": wrt,
    }
    expected = Expected(AnswerType.FLOAT, grad, rel_tol=rel, abs_tol=tol)
    return Generated(params, prompt, expected, answer, "\n\n".join(steps))


# -- momentum_step ---------------------------------------------------------------------------------------
@quiz(
    name="momentum_step",
    title="One step of SGD with momentum",
    day=2,
    topic="momentum",
    target_seconds=60,
    answer_hint="a number such as 1.72 (4 decimals)",
    params=[
        float_param("mu", Choices((0.5, 0.9, 0.99)), 0.0, 0.999, "momentum μ"),
        float_param("lr", Choices((0.01, 0.1, 0.5)), 0.0001, 10.0, "learning rate"),
        float_param("x", FloatRange(-2.0, 2.0), -100.0, 100.0, "parameter value", decimals=1),
        float_param("v", FloatRange(-1.0, 1.0), -100.0, 100.0, "velocity", decimals=1),
        float_param("g", FloatRange(-3.0, 3.0), -100.0, 100.0, "gradient", decimals=1),
        word_param("ask", ("x", "v"), ("x", "v"), "what to compute: the new parameter or the new velocity"),
    ],
)
def momentum_step(d: Draw) -> Generated:
    """One SGD+Momentum step in the CS231n form ``v = μ v − lr·g; x += v``.

    Parameters: ``mu`` (default 0.5, 0.9, 0.99); ``lr`` (default 0.01, 0.1, 0.5); ``x``, ``v``, ``g``
    one-decimal starting values (defaults -2..2, -1..1, -3..3); ``ask`` x or v (default both).
    """
    import numpy as np

    mu, lr, ask = d.real("mu"), d.real("lr"), d.word("ask")
    tol = 0.0001
    for _ in range(100):
        x, v, g = d.real("x"), d.real("v"), d.real("g")
        v_new = float(np.float64(mu) * v - lr * g)
        x_new = float(np.float64(x) + v_new)
        v_new, x_new = round(v_new, 10), round(x_new, 10)
        value = x_new if ask == "x" else v_new
        # Re-draw when a slip lands on the answer (g = 0, v = 0, v_new = v): adding lr·g, forgetting μ
        # or lr, moving x by the old velocity, plain SGD without velocity.
        v_slips = [mu * v + lr * g, v - lr * g, mu * v - g, -lr * g]
        slips = [x + vs for vs in v_slips] + [x + v] if ask == "x" else v_slips
        if apart(value, slips, tol):
            break
    what = "the new parameter value $x$" if ask == "x" else "the new velocity $v$"
    prompt = (
        r"SGD with momentum, in the CS231n form: $v \leftarrow \mu v - \eta\, g$, then $x \leftarrow x + v$ "
        r"($\eta$ = learning rate). "
        f"A parameter has $x = {num(x)}$, velocity $v = {num(v)}$ and gradient $g = {num(g)}$; "
        rf"$\mu = {num(mu)}$, $\eta = {num(lr)}$. After one step, what is {what}?"
        f"\n\nAnswer a number {to_decimals(tol)}."
    )
    answer = num(value)
    steps = [
        f"Velocity: v = {num(mu)}·{paren(v)} − {num(lr)}·{paren(g)} = {num(round(mu * v, 10))} "
        f"− {paren(round(lr * g, 10))} = {num(v_new)}."
    ]
    if ask == "x":
        steps.append(f"Parameter: x = {num(x)} + {paren(v_new)} = {num(x_new)}.")
    steps.append(answer_line(answer))
    params: dict[str, object] = {"mu": mu, "lr": lr, "x": x, "v": v, "g": g, "ask": ask}
    return Generated(
        params, prompt, Expected(AnswerType.FLOAT, value, abs_tol=tol), answer, "\n\n".join(steps)
    )


# -- rmsprop_step ----------------------------------------------------------------------------------------
@quiz(
    name="rmsprop_step",
    title="One RMSProp step",
    day=2,
    topic="rmsprop",
    target_seconds=90,
    answer_hint="a number such as 0.49051 (as many decimals as the prompt asks)",
    params=[
        float_param("rho", Choices((0.9, 0.99)), 0.0, 0.9999, "decay rate ρ"),
        float_param("lr", Choices((0.001, 0.01, 0.1)), 1e-6, 10.0, "learning rate"),
        float_param("eps", Choices((1e-8,)), 0.0, 0.1, "ε"),
        float_param("x", FloatRange(-2.0, 2.0), -100.0, 100.0, "parameter value", decimals=1),
        float_param("g", FloatRange(-2.0, 2.0), -100.0, 100.0, "gradient", decimals=1),
        float_param("cache", FloatRange(0.0, 1.0), 0.0, 100.0, "running mean of g²", decimals=2),
    ],
)
def rmsprop_step(d: Draw) -> Generated:
    """One RMSProp step: ``cache = ρ·cache + (1−ρ)·g²; x −= lr·g/(√cache + ε)``.

    Parameters: ``rho`` (default 0.9, 0.99); ``lr`` (default 0.001, 0.01, 0.1); ``eps`` (default 1e-8);
    ``x``, ``g`` one-decimal values (default -2..2); ``cache`` two-decimal value (default 0..1).
    """
    import numpy as np

    rho, lr, eps, x = d.real("rho"), d.real("lr"), d.real("eps"), d.real("x")

    def update(c: float, root: bool = True) -> float:
        denom = (float(np.sqrt(c)) if root else c) + eps
        return x - lr * g / denom if denom > 0 else math.nan

    for _ in range(100):
        g, cache = d.real("g"), d.real("cache")
        c_new = float(np.float64(rho) * cache + (1 - rho) * g * g)
        if g == 0 or c_new <= 0:
            continue
        x_new = update(c_new)
        tol = step_tol(x - x_new)
        # Re-draw when a slip lands on the answer (a cache of 1, a cache that does not move): (1 − ρ)
        # forgotten on g², the old cache, ρ and 1 − ρ swapped, no square root, the step's sign flipped.
        slips = [
            update(rho * cache + g * g),
            update(cache),
            update((1 - rho) * cache + rho * g * g),
            update(c_new, root=False),
            2 * x - x_new,
        ]
        if apart(x_new, slips, tol):
            break
    c_new = float(np.float64(rho) * cache + (1 - rho) * g * g)
    if c_new + eps <= 0:
        raise QuizError("rmsprop_step: the cache is 0 and ε = 0; allow a non-zero g, cache or ε")
    root = float(np.sqrt(c_new))
    step = lr * g / (root + eps)
    x_new = x - step
    tol = step_tol(step)
    prompt = (
        r"RMSProp (CS231n form): $c \leftarrow \rho c + (1 - \rho) g^2$, then "
        r"$x \leftarrow x - \eta\, g / (\sqrt{c} + \epsilon)$. "
        f"A parameter has $x = {num(x)}$, cache $c = {num(cache)}$ and gradient $g = {num(g)}$; "
        rf"$\rho = {num(rho)}$, $\eta = {num(lr)}$, $\epsilon = {num(eps)}$. "
        f"What is $x$ after one step?\n\nAnswer a number {to_decimals(tol)}."
    )
    answer = show(x_new, tol)
    steps = [
        f"Cache: c = {num(rho)}·{num(cache)} + {num(round(1 - rho, 10))}·{paren(g)}² = {sig(c_new, 6)}.",
        f"√c = {sig(root, 6)}; step = {num(lr)}·{paren(g)} / ({sig(root, 6)} + {num(eps)}) = {sig(step, 5)}.",
        f"x = {num(x)} − {paren(float(sig(step, 5)))} = {answer}.",
        answer_line(answer),
    ]
    params: dict[str, object] = {"rho": rho, "lr": lr, "eps": eps, "x": x, "g": g, "cache": cache}
    return Generated(
        params, prompt, Expected(AnswerType.FLOAT, x_new, abs_tol=tol), answer, "\n\n".join(steps)
    )


# -- adam_step -------------------------------------------------------------------------------------------
@quiz(
    name="adam_step",
    title="One Adam step with bias correction",
    day=2,
    topic="adam",
    target_seconds=180,
    answer_hint="a number such as 0.49 (as many decimals as the prompt asks)",
    params=[
        float_param("lr", Choices((0.001, 0.01, 0.1)), 1e-6, 10.0, "step size α"),
        float_param("beta1", Choices((0.9,)), 0.0, 0.9999, "β1"),
        float_param("beta2", Choices((0.999,)), 0.0, 0.99999, "β2"),
        float_param("eps", Choices((1e-8,)), 0.0, 0.1, "ε"),
        int_param("t", IntRange(1, 5), 1, 10000, "the step being taken (1 = first step)"),
    ],
)
def adam_step(d: Draw) -> Generated:
    """One Adam step at step t (Kingma & Ba 2015, Algorithm 1), given m and v from step t−1.

    Parameters: ``lr`` α (default 0.001, 0.01, 0.1); ``beta1`` (0.9); ``beta2`` (0.999); ``eps`` (1e-8);
    ``t`` the step (default 1..5, supported 1..10000). m and v come from earlier one-decimal gradients,
    shown to 4 significant figures; the answer uses the numbers as shown.
    """
    import numpy as np

    rng = d.rng
    lr, b1, b2, eps, t = d.real("lr"), d.real("beta1"), d.real("beta2"), d.real("eps"), d.integer("t")

    def grad() -> float:
        return rng.choice([k / 10 for k in range(-10, 11) if k != 0])

    m_run = v_run = 0.0
    for _ in range(t - 1):
        g_old = grad()
        m_run = b1 * m_run + (1 - b1) * g_old
        v_run = b2 * v_run + (1 - b2) * g_old * g_old
    m_prev, v_prev = float(sig(m_run, 4)), float(sig(v_run, 4))
    theta = rng.randint(-20, 20) / 10
    c1, c2 = 1 - b1**t, 1 - b2**t

    def new_theta(g: float, k1: float, k2: float, root: bool = True) -> float:
        m = b1 * m_prev + (1 - b1) * g
        v = b2 * v_prev + (1 - b2) * g * g
        vh = v / k2
        denom = (math.sqrt(vh) if root else vh) + eps
        return theta - lr * (m / k1) / denom if denom > 0 else math.nan

    for _ in range(50):
        g = grad()
        right = new_theta(g, c1, c2)
        # Re-draw gradients where a slip lands on the answer (|g| = 1 at t = 1 hides a missing square
        # root): no bias correction, correcting only m̂ or only v̂, correcting with t − 1, no square root.
        slips = [
            new_theta(g, 1.0, 1.0),
            new_theta(g, c1, 1.0),
            new_theta(g, 1.0, c2),
            new_theta(g, 1 - b1 ** (t - 1), 1 - b2 ** (t - 1)) if t > 1 else None,
            new_theta(g, c1, c2, root=False),
        ]
        if apart(right, slips, step_tol(theta - right)):
            break
    m = float(np.float64(b1) * m_prev + (1 - b1) * g)
    v = float(np.float64(b2) * v_prev + (1 - b2) * g * g)
    m_hat, v_hat = m / c1, v / c2
    step = float(lr * m_hat / (np.sqrt(v_hat) + eps))
    theta_new = theta - step
    tol = step_tol(step)
    state = (
        f"$m_{{t-1}} = {num(m_prev)}$, $v_{{t-1}} = {num(v_prev)}$"
        if t > 1
        else "$m_0 = 0$, $v_0 = 0$ (this is the first step)"
    )
    prompt = (
        rf"Adam (Kingma & Ba 2015, Algorithm 1) with $\alpha = {num(lr)}$, $\beta_1 = {num(b1)}$, "
        rf"$\beta_2 = {num(b2)}$, $\epsilon = {num(eps)}$ is taking step $t = {t}$. "
        rf"The parameter is $\theta_{{t-1}} = {num(theta)}$, the moments are {state}, "
        f"and the new gradient is $g_t = {num(g)}$. The update is\n\n"
        r"- $m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t$, $v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2$"
        "\n"
        r"- $\hat{m}_t = m_t / (1 - \beta_1^t)$, $\hat{v}_t = v_t / (1 - \beta_2^t)$"
        "\n"
        r"- $\theta_t = \theta_{t-1} - \alpha\, \hat{m}_t / (\sqrt{\hat{v}_t} + \epsilon)$"
        "\n\n"
        rf"What is $\theta_t$? Answer a number {to_decimals(tol)}."
    )
    answer = show(theta_new, tol)
    steps = [
        f"Moments: m = {num(b1)}·{paren(m_prev)} + {num(round(1 - b1, 10))}·{paren(g)} = {sig(m, 6)}; "
        f"v = {num(b2)}·{num(v_prev)} + {num(round(1 - b2, 10))}·{paren(g)}² = {sig(v, 6)}.",
        f"Bias correction at t = {t}: 1 − β₁^t = {sig(c1, 6)}, 1 − β₂^t = {sig(c2, 6)}, so "
        f"m̂ = {sig(m_hat, 6)} and v̂ = {sig(v_hat, 6)}.",
        f"Step: α·m̂/(√v̂ + ε) = {num(lr)}·{paren(float(sig(m_hat, 6)))}/({sig(float(np.sqrt(v_hat)), 6)} + {num(eps)}) "
        f"= {sig(step, 5)}.",
        f"θ = {num(theta)} − {paren(float(sig(step, 5)))} = {answer} (answers within ±{tol_text(tol)} count).",
        answer_line(answer),
    ]
    params: dict[str, object] = {
        "lr": lr,
        "beta1": b1,
        "beta2": b2,
        "eps": eps,
        "t": t,
        "theta": theta,
        "m": m_prev,
        "v": v_prev,
        "g": g,
    }
    return Generated(
        params, prompt, Expected(AnswerType.FLOAT, theta_new, abs_tol=tol), answer, "\n\n".join(steps)
    )
