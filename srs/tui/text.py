"""Turning card text into something readable in a terminal: maths as Unicode (cloze display is in
:mod:`srs.kinds.cloze`)."""

from __future__ import annotations

import re

_GREEK = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "varepsilon": "ε",
    "zeta": "ζ",
    "eta": "η",
    "theta": "θ",
    "iota": "ι",
    "kappa": "κ",
    "lambda": "λ",
    "mu": "μ",
    "nu": "ν",
    "xi": "ξ",
    "pi": "π",
    "rho": "ρ",
    "sigma": "σ",
    "tau": "τ",
    "upsilon": "υ",
    "phi": "φ",
    "varphi": "φ",
    "chi": "χ",
    "psi": "ψ",
    "omega": "ω",
    "Gamma": "Γ",
    "Delta": "Δ",
    "Theta": "Θ",
    "Lambda": "Λ",
    "Xi": "Ξ",
    "Pi": "Π",
    "Sigma": "Σ",
    "Phi": "Φ",
    "Psi": "Ψ",
    "Omega": "Ω",
}
_SYMBOLS = {
    "times": "×",
    "cdot": "·",
    "div": "÷",
    "pm": "±",
    "leq": "≤",
    "le": "≤",
    "geq": "≥",
    "ge": "≥",
    "neq": "≠",
    "ne": "≠",
    "approx": "≈",
    "sim": "∼",
    "infty": "∞",
    "to": "→",
    "rightarrow": "→",
    "leftarrow": "←",
    "Rightarrow": "⇒",
    "mapsto": "↦",
    "in": "∈",
    "notin": "∉",
    "sum": "Σ",
    "prod": "Π",
    "int": "∫",
    "partial": "∂",
    "nabla": "∇",
    "sqrt": "√",
    "log": "log",
    "ln": "ln",
    "exp": "exp",
    "max": "max",
    "min": "min",
    "arg": "arg",
    "argmax": "argmax",
    "argmin": "argmin",
    "odot": "⊙",
    "otimes": "⊗",
    "circ": "∘",
    "ldots": "…",
    "cdots": "⋯",
    "dots": "…",
    "quad": "  ",
    "qquad": "    ",
    "forall": "∀",
    "exists": "∃",
    "mathbb": "",
    "top": "ᵀ",
    "intercal": "ᵀ",
    "lVert": "‖",
    "rVert": "‖",
    "|": "‖",
    "lfloor": "⌊",
    "rfloor": "⌋",
    "lceil": "⌈",
    "rceil": "⌉",
    "langle": "⟨",
    "rangle": "⟩",
    "ell": "ℓ",
    "propto": "∝",
    "equiv": "≡",
    "sin": "sin",
    "cos": "cos",
    "tanh": "tanh",
    "sigmoid": "sigmoid",
    "left": "",
    "right": "",
    ",": " ",
    ";": " ",
    "!": "",
    " ": " ",
    "{": "{",
    "}": "}",
    "_": "_",
    "%": "%",
    "#": "#",
    "&": "&",
}
_SUP = str.maketrans("0123456789+-=()nTikjtx", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿᵀⁱᵏʲᵗˣ")
_SUB = str.maketrans("0123456789+-=()ijkntx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ᵢⱼₖₙₜₓ")
_BB = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "E": "𝔼"}
# The maths rule of the web and of Anki export (srs.interop.anki.cardhtml): an escaped dollar (\$) is no
# maths, inline maths neither starts nor ends with a space and its closing dollar is not followed by a digit.
_MATH = re.compile(
    r"\$(?<![\\$]\$)(?:\$(?P<display>.+?)(?<!\\)\$\$|(?P<inline>[^\s$](?:[^$\n]*?[^\s$\\])?)\$(?![\d$]))",
    re.DOTALL,
)
# C0 controls except tab and newline, DEL, and C1 controls: a deck could otherwise send escape
# sequences (window title, clipboard writes, screen clears) to the learner's terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _visible(m: re.Match[str]) -> str:
    code = ord(m.group(0))
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control picture": ESC shows as ␛
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def terminal_safe(text: str) -> str:
    """Card text made inert for a terminal: every control character (C0 but newline and tab, DEL,
    C1, ESC) is replaced by a visible stand-in, so no escape sequence from a deck reaches the screen."""
    return _CONTROL.sub(_visible, text) if _CONTROL.search(text) else text


def _group(text: str, i: int) -> tuple[str, int]:
    """Read one TeX argument at ``i``: a braced group or a single token. Returns (content, next index)."""
    while i < len(text) and text[i] == " ":
        i += 1
    if i >= len(text):
        return "", i
    if text[i] == "{":
        depth, j = 1, i + 1
        while j < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        return text[i + 1 : j - 1], j
    if text[i] == "\\":
        m = re.match(r"\\([A-Za-z]+|.)", text[i:])
        assert m
        return m.group(0), i + len(m.group(0))
    return text[i], i + 1


def tex_to_unicode(tex: str) -> str:
    """A readable Unicode rendering of simple LaTeX maths (fractions, scripts, Greek, common symbols)."""
    out: list[str] = []
    i = 0
    while i < len(tex):
        ch = tex[i]
        if ch == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", tex[i:])
            assert m
            name = m.group(1)
            i += len(m.group(0))
            if name in ("frac", "dfrac", "tfrac"):
                num, i = _group(tex, i)
                den, i = _group(tex, i)
                n, d = tex_to_unicode(num), tex_to_unicode(den)
                wrap = lambda s: s if re.fullmatch(r"[\w.ᵀ]+", s) else f"({s})"  # noqa: E731
                out.append(f"{wrap(n)}/{wrap(d)}")
            elif name == "sqrt":
                arg, i = _group(tex, i)
                inner = tex_to_unicode(arg)
                out.append(f"√{inner}" if len(inner) == 1 else f"√({inner})")
            elif name in (
                "text",
                "mathrm",
                "operatorname",
                "mathbf",
                "boldsymbol",
                "mathit",
                "textbf",
                "hat",
                "bar",
                "tilde",
                "vec",
                "mathcal",
            ):
                arg, i = _group(tex, i)
                inner = tex_to_unicode(arg)
                out.append(inner + {"hat": "̂", "bar": "̄", "tilde": "̃"}.get(name, ""))
            elif name == "mathbb":
                arg, i = _group(tex, i)
                out.append(_BB.get(arg, arg))
            elif name in _GREEK:
                out.append(_GREEK[name])
            elif name in _SYMBOLS:
                out.append(_SYMBOLS[name])
            else:
                out.append(name)
        elif ch in "^_":
            arg, i = _group(tex, i + 1)
            inner = tex_to_unicode(arg)
            table = _SUP if ch == "^" else _SUB
            mapped = inner.translate(table)
            if all(c in "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿᵀⁱᵏʲᵗˣ₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ᵢⱼₖₙₜₓ" for c in mapped) and mapped:
                out.append(mapped)
            else:
                out.append(("^" if ch == "^" else "_") + (inner if len(inner) == 1 else f"({inner})"))
        elif ch in "{}":
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def math_to_unicode(text: str) -> str:
    """Replace every ``$...$`` and ``$$...$$`` span in Markdown text by its Unicode rendering."""
    parts = re.split(r"(```.*?```|`[^`\n]*`)", text, flags=re.DOTALL)
    for k in range(0, len(parts), 2):
        parts[k] = _MATH.sub(lambda m: tex_to_unicode(m.group("display") or m.group("inline")), parts[k])
    return "".join(parts)


def terminal_columns(default: int = 80) -> int:
    """The width of the terminal: $COLUMNS, else the terminal's own, else ``default`` (a pipe)."""
    import os
    import sys

    try:
        return max(20, int(os.environ["COLUMNS"]))
    except (KeyError, ValueError):
        pass
    try:
        return max(20, os.get_terminal_size(sys.stdout.fileno()).columns)
    except (OSError, ValueError, AttributeError):
        return default


def cell_width(text: str) -> int:
    """How many terminal cells ``text`` takes: two for wide and full-width characters (CJK), none for
    combining marks and zero-width characters, one otherwise."""
    if text.isascii() and text.isprintable():
        return len(text)
    import unicodedata

    cells = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Cf", "Mn", "Me"):
            continue
        cells += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return cells


def fit_cells(text: str, cells: int) -> str:
    """``text`` cut to at most ``cells`` terminal cells (ending in "…" when cut) and padded with spaces
    to exactly ``cells``."""
    if cell_width(text) > cells:
        out, used = "", 0
        for ch in text:
            w = cell_width(ch)
            if used + w > cells - 1:
                break
            out, used = out + ch, used + w
        text = out + "…"
    return text + " " * max(0, cells - cell_width(text))


def hide_clozes(text: str) -> str:
    """Cloze text with every deletion shown as ``[…]`` (or ``[hint]``), scanned in one pass."""
    out: list[str] = []
    i = 0
    while True:
        start = text.find("{{c", i)
        if start < 0:
            break
        sep = text.find("::", start + 3)
        end = text.find("}}", start + 3)
        if sep < 0 or end < 0 or sep > end or not text[start + 3 : sep].isdigit():
            out.append(text[i : start + 3])
            i = start + 3
            continue
        body = text[sep + 2 : end]
        hint = body.split("::", 1)[1] if "::" in body else ""
        out.append(text[i:start] + (f"[{hint}]" if hint else "[…]"))
        i = end + 2
    out.append(text[i:])
    return "".join(out)


def one_line(text: str, cells: int) -> str:
    """A card's text as one line of at most ``cells`` terminal cells, for lists: cloze deletions hidden,
    maths as Unicode, Markdown code and emphasis marks dropped, whitespace collapsed, controls inert."""
    plain = math_to_unicode(hide_clozes(text))
    for mark in ("**", "__", "`"):
        plain = plain.replace(mark, "")
    plain = terminal_safe(" ".join(plain.split()))
    return fit_cells(plain, cells).rstrip() if cell_width(plain) > cells else plain
