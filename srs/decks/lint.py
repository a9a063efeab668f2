"""Deck linter: warnings about cards that parse but break the rules of good prompts.

Errors (a card that cannot be read) come from the parser; these are warnings about cards that
can be read but teach badly or lose history. Each warning points at ``file:line`` and names
its rule, so a deck author (or CI, with ``--strict``) can act on it:

- ``cloze-giveaway``: a cloze answer is visible in the rest of the card it hides it on;
- ``complement-giveaway``: one card's answer follows from what its card shows: two deletions that
  are complements (row/column, generic/specific, min/max, ...), a deletion whose key phrase is
  visible in another deletion, deletions of one template (alpha squared and rho squared), a number
  that is a product, ratio, sum or difference of two numbers shown, or a question that names both
  of two complements and asks which;
- ``long-answer``: a basic, reversed or type-in answer over the word limit (one fact per card);
- ``near-limit-answer``: an answer within a few words of that limit (trimmed to fit rather than
  written as one fact: move the explanation to ``extra:``);
- ``near-duplicate``: two cards (in one file or in two) that say nearly the same thing, counting a
  card's ``extra:`` and the names of maths functions (tanh, sigma), or that ask for the
  same formula;
- ``cloze-in-maths``: a deletion inside ``$...$`` (renderers cannot typeset half a formula);
- ``no-source``: a card without its own ``source:`` in a file whose front matter says
  ``require-source: true`` (the file-level source is too coarse to check a fact against);
- ``renamed-id``: a card whose id is new but whose content matches a stored card under another
  id (renaming an id starts the card's history from zero; the old id is offered).

Everything here is pure: notes (and optionally the store's cards) in, warnings out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from srs.model import CLOZE_RE, Kind, Note, Span

if TYPE_CHECKING:
    from srs.store.queries import CardContent

RULES = (
    "cloze-giveaway",
    "complement-giveaway",
    "long-answer",
    "near-limit-answer",
    "near-duplicate",
    "cloze-in-maths",
    "no-source",
    "renamed-id",
)

# Short function words that do not, alone, give an answer away.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "and",
        "or",
        "is",
        "are",
        "be",
        "it",
        "its",
        "as",
        "with",
        "from",
        "that",
        "this",
        "than",
        "then",
        "into",
        "per",
        "not",
        "no",
        "one",
        "two",
    ]
)
WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
MATH_DELIM_RE = re.compile(r"(?<!\\)\$\$?")


@dataclass(frozen=True)
class LintOptions:
    """Thresholds of the linter; the defaults are what the built-in curriculum is held to."""

    max_words: int = 30
    #: Jaccard similarity of word shingles at or above which two cards in different files are
    #: near-duplicates (0.33 finds the pairs a reader calls duplicates in the built-in decks).
    similarity: float = 0.33
    #: Words per shingle: 1 compares vocabularies (robust to rewording), 2+ compares phrasing.
    shingle: int = 1
    #: Cards with fewer distinct shingles than this are too short to compare reliably.
    min_shingles: int = 3
    #: Similarity at or above which two cards of the SAME file are near-duplicates (of their texts, and
    #: of their answers too): a file's cards share their topic's words and templates, so the bar is higher.
    similarity_same_file: float = 0.5
    #: An answer this many words short of ``max_words``, or fewer, is flagged as near the limit.
    near_limit: int = 2


@dataclass(frozen=True)
class LintWarning:
    """One finding: where, which rule, what to do."""

    path: str
    line: int
    rule: str
    message: str
    note_id: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: warning [{self.rule}] {self.note_id}: {self.message}"


def count_words(text: str) -> int:
    """Words as a reader sees them: whitespace-separated runs, each CJK character counted as one word."""
    cjk = len(CJK_RE.findall(text))
    rest = CJK_RE.sub(" ", text)
    return cjk + len(rest.split())


def words(text: str) -> list[str]:
    """Lower-case word tokens of ``text`` with Markdown and LaTeX command names removed."""
    text = re.sub(r"\\[A-Za-z]+", " ", text)  # \frac, \sigma, \operatorname ...
    text = CJK_RE.sub(lambda m: f" {m.group(0)} ", text)
    return [w.lower() for w in WORD_RE.findall(text)]


def _plain(note: Note) -> str:
    """The text a learner reads on the note's cards (cloze markup resolved to its answers)."""
    if note.kind is Kind.CLOZE:
        return CLOZE_RE.sub(lambda m: m.group(2), note.text)
    return f"{note.front}\n{note.back}"


def shingles(text: str, size: int = 1) -> frozenset[tuple[str, ...]]:
    """Word shingles (runs of ``size`` words) of the normalised text: lower case, simple stems,
    stop words and one-letter tokens dropped, so that rewording changes the set little."""
    toks = [_stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1]
    if len(toks) < size:
        return frozenset({tuple(toks)}) if toks else frozenset()
    return frozenset(tuple(toks[i : i + size]) for i in range(len(toks) - size + 1))


def jaccard(a: frozenset[tuple[str, ...]], b: frozenset[tuple[str, ...]]) -> float:
    """|a & b| / |a | b| (0 for two empty sets)."""
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def math_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each ``$...$`` or ``$$...$$`` span's inside, ignoring escaped ``\\$``."""
    spans: list[tuple[int, int]] = []
    opened: tuple[int, str] | None = None
    for m in MATH_DELIM_RE.finditer(text):
        if opened is None:
            opened = (m.end(), m.group(0))
        elif m.group(0) == opened[1]:
            spans.append((opened[0], m.start()))
            opened = None
    return spans


def _contains_phrase(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def _stem(word: str) -> str:
    for suffix in ("ing", "es", "ed", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def cloze_giveaways(note: Note) -> list[tuple[int, str]]:
    """(cloze number, answer) for each deletion whose answer can be read elsewhere on its own card.

    On card cN the learner sees the other deletions' answers and the surrounding text; the
    answer of a deletion "gives itself away" when its content words appear there as a phrase
    (the same words, in order, comparing simple stems). Answers that are only numbers, symbols
    or short function words are not judged: ``{{c1::0}}`` next to ``x > 0`` is fine.
    """
    found: list[tuple[int, str]] = []
    numbers = sorted({int(m.group(1)) for m in CLOZE_RE.finditer(note.text)})
    for number in numbers:
        answers = [m.group(2) for m in CLOZE_RE.finditer(note.text) if int(m.group(1)) == number]

        def hide(m: Span, n: int = number) -> str:
            return " \x00 " if int(m.group(1)) == n else m.group(2)

        shown = CLOZE_RE.sub(hide, note.text)
        hay = [_stem(w) for w in words(shown)]
        for answer in answers:
            content = [_stem(w) for w in words(answer) if w not in STOPWORDS and not w.isdigit()]
            if not content or all(len(w) < 3 and not CJK_RE.match(w) for w in content):
                continue
            if _contains_phrase(hay, content):
                found.append((number, answer))
    return found


def cloze_in_maths(note: Note) -> bool:
    """True when a ``{{cN::`` opens inside a maths span."""
    return any("{{c" in note.text[a:b] for a, b in math_spans(note.text))


def file_sources(path: str) -> tuple[bool, str]:
    """(does the file require per-card sources, its file-level source) from its front matter."""
    from srs.decks.parser import _front_matter

    try:
        lines = Path(path).read_text(encoding="utf-8").removeprefix("\ufeff").splitlines()
    except (OSError, UnicodeDecodeError):
        return False, ""
    meta, _start, _errors = _front_matter(lines, path)
    flag = meta.get("require-source", ("", 0))[0].strip().lower()
    return flag in ("true", "yes", "1"), meta.get("source", ("", 0))[0]


def _content_key(kind: str, sub: str, front: str, back: str, extra: str) -> tuple[str, ...]:
    norm = lambda s: " ".join(s.split())  # noqa: E731
    return (kind, sub, norm(front), norm(back), norm(extra))


#: Deletions of one cloze note compared pairwise by the complement rule (the first ones).
MAX_PAIRED_DELETIONS = 40

# -- complement give-aways ------------------------------------------------------------------------
# Pairs of words that complete each other: on a card that shows one, the other is no longer recalled
# but inferred. Compared as lower-case stems (see :func:`_stem`), so plurals and -ing/-ed forms match.
COMPLEMENTS: tuple[tuple[str, str], ...] = (
    ("row", "column"),
    ("generic", "specific"),
    ("general", "specific"),
    ("early", "late"),
    ("earlier", "later"),
    ("first", "last"),
    ("input", "output"),
    ("width", "height"),
    ("wide", "narrow"),
    ("wider", "narrower"),
    ("min", "max"),
    ("minimum", "maximum"),
    ("minimise", "maximise"),
    ("minimize", "maximize"),
    ("increase", "decrease"),
    ("left", "right"),
    ("forward", "backward"),
    ("train", "test"),
    ("training", "test"),
    ("encoder", "decoder"),
    ("encode", "decode"),
    ("low", "high"),
    ("lower", "higher"),
    ("lower", "upper"),
    ("small", "large"),
    ("smaller", "larger"),
    ("shallow", "deep"),
    ("shallower", "deeper"),
    ("more", "less"),
    ("more", "fewer"),
    ("positive", "negative"),
    ("top", "bottom"),
    ("above", "below"),
    ("before", "after"),
    ("inside", "outside"),
    ("inner", "outer"),
    ("start", "end"),
    ("cut", "restore"),
    ("reduce", "restore"),
    ("reduce", "expand"),
    ("shrink", "expand"),
    ("shrink", "grow"),
    ("compress", "expand"),
    ("contract", "expand"),
    ("add", "remove"),
    ("local", "global"),
    ("sparse", "dense"),
    ("upsample", "downsample"),
    ("underfit", "overfit"),
    ("underfitting", "overfitting"),
    ("bias", "variance"),
    ("precision", "recall"),
    ("horizontal", "vertical"),
    ("numerator", "denominator"),
    ("convex", "concave"),
    ("fast", "slow"),
    ("faster", "slower"),
    ("same", "different"),
    ("similar", "different"),
    ("parallel", "sequential"),
    ("explicit", "implicit"),
    ("supervised", "unsupervised"),
    ("discriminative", "generative"),
    ("prior", "posterior"),
    ("frozen", "trainable"),
    ("freeze", "unfreeze"),
    ("true", "false"),
    ("even", "odd"),
    ("source", "target"),
    ("teacher", "student"),
    ("past", "future"),
    ("query", "key"),
)

# Magnitude words after a number: "1.4 trillion", "70B".
_SCALE = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "m": 1e6,
    "billion": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "t": 1e12,
}
NUMBER_RE = re.compile(
    r"(?<![\w.^_])([-−]?\d+(?:[.,]\d+)*)(?:\s*(thousand|million|billion|trillion)\b|([kKMBT])\b)?(?![\w^])"
)
# A maths answer reduced to its shape: symbols (letters, Greek commands) become one placeholder.
_SYMBOL_RE = re.compile(
    r"\\(?:alpha|beta|gamma|delta|epsilon|varepsilon|zeta|eta|theta|kappa|lambda|mu|nu|xi|pi|rho|sigma|tau|phi|varphi|chi|psi|omega)\b|(?<![\\A-Za-z])[A-Za-z](?![A-Za-z])"
)


def _root(word: str) -> str:
    """A looser stem for matching complements: ``cuts``/``cut``, ``restores``/``restore`` and
    ``increases``/``increase`` agree."""
    word = word.lower()
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix) and not word.endswith("ss"):
            word = word[: -len(suffix)]
            break
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


# Each word's complements, by root.
_COMPLEMENT_OF: dict[str, set[str]] = defaultdict(set)
for _a, _b in COMPLEMENTS:
    _COMPLEMENT_OF[_root(_a)].add(_root(_b))
    _COMPLEMENT_OF[_root(_b)].add(_root(_a))


def _roots(text: str) -> dict[str, str]:
    """Root -> word as written, for the content words of ``text``."""
    return {_root(w): w for w in words(text) if w not in STOPWORDS}


def _complement_pair(a: str | dict[str, str], b: str | dict[str, str]) -> tuple[str, str] | None:
    """A word of ``a`` and a word of ``b`` that are complements (as written), when ``a`` and ``b`` do not
    both hold either of them. Texts, or their :func:`_roots`."""
    wa = _roots(a) if isinstance(a, str) else a
    wb = _roots(b) if isinstance(b, str) else b
    for root in sorted(wa):
        for other in sorted(_COMPLEMENT_OF.get(root, ())):
            if other in wb and other not in wa and root not in wb:
                return wa[root], wb[other]
    return None


_INVERSE_RE = re.compile(
    r"^\$?\s*(?:1\s*/\s*([A-Za-z]\w*)|\\frac\{1\}\{([^{}]+)\}|([A-Za-z]\w*)\^\{?-1\}?)\s*\$?$"
)


def _inverse_of(answer: str) -> str:
    """``n`` for an answer that is the inverse of one symbol (``1/n``, ``\\frac{1}{n}``, ``n^{-1}``), else ''."""
    m = _INVERSE_RE.match(answer.strip())
    return next((g for g in m.groups() if g), "").strip() if m else ""


def numbers(text: str, *, scaled_only: bool = False) -> list[float]:
    """The numbers written in ``text``, with their magnitude words applied (``1.4 trillion`` is 1.4e12);
    with ``scaled_only``, only the numbers written with a magnitude word."""
    found = []
    for m in NUMBER_RE.finditer(text):
        raw = m.group(1).replace("−", "-")
        digits = raw.replace(",", "") if re.fullmatch(r"-?\d{1,3}(,\d{3})+", raw) else raw
        try:
            value = float(digits)
        except ValueError:
            continue
        scale = (m.group(2) or m.group(3) or "").lower()
        if scaled_only and not scale:
            continue
        found.append(value * _SCALE.get(scale, 1.0))
    return found


def derivable(
    answer: float, shown: Sequence[float], *, whole: bool = False
) -> tuple[float, str, float] | None:
    """Two shown numbers whose product, ratio, sum or difference is ``answer`` (operands and answer
    other than 0 and 1, none equal to the answer; with ``whole``, all of them whole numbers of at
    least 2, which keeps coincidences of small fractions out): (a, operator, b), else None."""
    # The first 64 distinct numbers are enough for a card, and keep the pairs few on a pathological one.
    values = sorted({v for v in shown if v not in (0.0, 1.0) and v != answer})[:64]
    if whole:
        values = [v for v in values if v >= 2 and v.is_integer()]
        if answer < 2 or not answer.is_integer():
            return None
    if answer in (0.0, 1.0):
        return None
    close = lambda x: abs(x - answer) <= 1e-9 * max(1.0, abs(answer))  # noqa: E731
    for i, a in enumerate(values):
        for b in values[i + 1 :]:
            for value, op, x, y in (
                (a * b, "×", a, b),
                (b / a, "/", b, a),
                (a + b, "+", a, b),
                (b - a, "−", b, a),
            ):
                if close(value):
                    return x, op, y
    return None


def _template(answer: str) -> str:
    """The shape of a maths answer: symbols replaced by one placeholder, spaces dropped."""
    return re.sub(r"\s+|\\[,;:! ]", "", _SYMBOL_RE.sub("§", answer))


def _show(x: float) -> str:
    return f"{x:g}"


def complement_giveaways(note: Note) -> list[str]:
    """Why a card of ``note`` can be answered from what it shows (one message per finding).

    Cloze notes: two deletions that are complements (row/column); a two-word key phrase of one
    deletion visible in another deletion; two maths deletions of one template ($\\alpha^2$ and
    $\\rho^2$); a number that two numbers shown on its card give by one operation. Basic, reversed
    and type-in notes: a question that names both of two complements, answered by one of them; a
    number the question's numbers give by one operation.
    """
    if note.kind is Kind.CLOZE:
        return _cloze_complements(note)
    if note.kind in (Kind.BASIC, Kind.TYPE_IN):
        return _question_complements(note)
    return []


def _cloze_complements(note: Note) -> list[str]:
    groups: dict[int, list[str]] = defaultdict(list)
    for match in CLOZE_RE.finditer(note.text):
        groups[int(match.group(1))].append(match.group(2))
    answers = {n: " ".join(parts) for n, parts in sorted(groups.items())}
    out: list[str] = []
    # Pairs of deletions among the first few dozen only: a card with more is unreadable anyway, and the
    # pairs grow with the square of the count.
    keys = list(answers)[:MAX_PAIRED_DELETIONS]
    roots = {n: _roots(answers[n]) for n in keys}
    shapes = {n: _template(answers[n]) for n in keys}
    for i, n in enumerate(keys):
        for m in keys[i + 1 :]:
            pair = _complement_pair(roots[n], roots[m])
            if pair:
                out.append(
                    f"c{n} ({answers[n].strip()!r}) and c{m} ({answers[m].strip()!r}) are complements "
                    f"({pair[0]}/{pair[1]}): each card shows the other's answer; ask for one of them only"
                )
                continue
            shape = shapes[n]
            if (
                "§" in shape
                and shape.strip("$§") != ""
                and shape == shapes[m]
                and answers[n].strip() != answers[m].strip()
                and any(c in answers[n] for c in "$\\^_")
            ):
                out.append(
                    f"c{n} ({answers[n].strip()!r}) and c{m} ({answers[m].strip()!r}) have one shape: "
                    "each card shows the form of the other's answer"
                )
    for n in keys:
        symbol = _inverse_of(answers[n])
        other = (
            next(
                (
                    m
                    for m in keys
                    if m != n and re.search(rf"(?<![\\\w]){re.escape(symbol)}(?!\w)", answers[m])
                ),
                None,
            )
            if symbol
            else None
        )
        if other is not None:
            out.append(
                f"c{n} ({answers[n].strip()!r}) is the inverse of a factor of c{other} ({answers[other].strip()!r}), "
                "shown on its card (and the other way round): ask for one of them only"
            )
    everything = numbers(_outside_maths_sub(CLOZE_RE.sub(lambda m: m.group(2), note.text)))
    phrases = set()
    paired = bool(out)  # a key phrase shared by complements ("the sum of each row/column") is their frame
    for n in keys:
        phrase = "" if paired else _shown_phrase(answers[n], [answers[m] for m in keys if m != n])
        if phrase and phrase.lower() not in phrases:
            phrases.add(phrase.lower())
            out.append(f"c{n}'s key phrase {phrase!r} is visible in another deletion shown on its card")
        hidden = numbers(answers[n])
        if len(hidden) == 1 and _is_plain_number(answers[n]):
            shown = list(everything)
            if hidden[0] in shown:
                shown.remove(hidden[0])  # the card hides this deletion's number
            found = derivable(hidden[0], shown, whole=True)
            if found:
                a, op, b = found
                out.append(
                    f"c{n} ({answers[n].strip()!r}) follows from numbers its card shows "
                    f"({_show(a)} {op} {_show(b)}); hide one of them too, or ask for the relation"
                )
    return out


def _outside_maths_sub(text: str) -> str:
    """Text with subscripts and superscripts (``d_k``, ``x^2``) removed: their digits are not quantities."""
    return re.sub(r"[_^]\{[^{}]*\}|[_^]\S", " ", text)


def _is_plain_number(answer: str) -> bool:
    return (
        re.fullmatch(r"\$?\s*[\d.,]+\s*(?:thousand|million|billion|trillion|[kKMBT])?\s*\$?", answer.strip())
        is not None
    )


def _shown_phrase(answer: str, others: Sequence[str]) -> str:
    """Two consecutive content words of ``answer`` (one of them 4+ letters) found together in one of
    ``others``, as written in ``answer``; empty if none."""
    toks = [w for w in words(answer) if w not in STOPWORDS and not w.isdigit() and len(w) > 1]
    stems = [_stem(w) for w in toks]
    for other in others:
        hay = [_stem(w) for w in words(other) if w not in STOPWORDS]
        for i in range(len(stems) - 1):
            if max(len(stems[i]), len(stems[i + 1])) >= 4 and _contains_phrase(hay, stems[i : i + 2]):
                return f"{toks[i]} {toks[i + 1]}"
    return ""


# Starts only where a word starts, so a very long word is scanned once, not once per letter.
_OR_RE = re.compile(r"(?<![^\W\d_])([^\W\d_]+)\s*,?\s+or\s+(?:the\s+|a\s+|an\s+)?([^\W\d_]+)", re.UNICODE)


def _question_complements(note: Note) -> list[str]:
    out: list[str] = []
    answer = note.back.splitlines()[0] if note.kind is Kind.TYPE_IN and note.back else note.back
    first = next((_root(w) for w in words(answer) if w not in STOPWORDS), "")
    for m in _OR_RE.finditer(note.front):
        a, b = _root(m.group(1)), _root(m.group(2))
        if b in _COMPLEMENT_OF.get(a, ()) and first in (a, b):
            out.append(
                f"the question names both {m.group(1)!r} and {m.group(2)!r} and the answer is one of them: "
                "a coin toss, not recall; ask for the reason, or for the case each one fits"
            )
            break
    hidden = numbers(answer)
    # Only figures written with a magnitude word ("70 billion"): the reported facts of papers and
    # models. A drill such as "50,000 examples, batches of 100: how many updates?" is arithmetic by
    # design and writes its numbers plainly.
    scaled = numbers(_outside_maths_sub(note.front), scaled_only=True)
    if len(hidden) == 1 and _is_plain_number(answer) and scaled:
        found = derivable(hidden[0], numbers(_outside_maths_sub(note.front)))
        if found and (found[0] in scaled or found[2] in scaled):
            x, op, y = found
            out.append(
                f"the answer {answer.strip()!r} follows from the question's numbers ({_show(x)} {op} {_show(y)}): "
                "it tests arithmetic, not the fact; give one number less, or ask for the other one"
            )
    return out


def lint(
    notes: Sequence[Note],
    options: LintOptions = LintOptions(),
    *,
    stored: Iterable[CardContent] = (),
    sources: dict[str, tuple[bool, str]] | None = None,
) -> list[LintWarning]:
    """Every warning for these notes, sorted by file and line.

    ``stored`` are the store's cards, for the renamed-id rule; ``sources`` maps a note's path to
    (requires sources, file-level source) and is read from the files when not given.
    """
    out: list[LintWarning] = []

    def warn(note: Note, rule: str, message: str) -> None:
        out.append(LintWarning(note.path, note.line, rule, message, note.id))

    # quizzes, exercises and labs are graded by srs: their text points at the task, it is not a fact to recall
    flash = [n for n in notes if n.kind not in (Kind.QUIZ, Kind.EXERCISE, Kind.LAB)]
    if sources is None:
        sources = {path: file_sources(path) for path in sorted({n.path for n in notes})}

    for note in flash:
        for message in complement_giveaways(note):
            warn(note, "complement-giveaway", message)
        if note.kind is Kind.CLOZE:
            for number, answer in cloze_giveaways(note):
                warn(
                    note,
                    "cloze-giveaway",
                    f"the answer of c{number} ({answer.strip()!r}) is visible elsewhere on its card",
                )
            if cloze_in_maths(note):
                warn(
                    note,
                    "cloze-in-maths",
                    "a cloze deletion opens inside $...$; put the whole formula (or a whole side) in the deletion",
                )
        else:
            # A type-in answer is its first line; the lines after it explain (see the README).
            answer = note.back.splitlines()[0] if note.kind is Kind.TYPE_IN else note.back
            n_words = count_words(answer)
            if n_words > options.max_words:
                warn(
                    note,
                    "long-answer",
                    f"answer has {n_words} words (limit {options.max_words}); keep one fact per card "
                    "(split it, or move the explanation to 'extra:')",
                )
            elif (
                note.kind is not Kind.CHOICE  # its "answer" is the list of options, not a trimmed sentence
                and n_words >= options.max_words - options.near_limit
                and options.max_words > options.near_limit
            ):
                warn(
                    note,
                    "near-limit-answer",
                    f"answer has {n_words} words, at the limit of {options.max_words}: an answer trimmed to fit "
                    "is rarely one fact; keep the fact in the answer and move the explanation to 'extra:'",
                )
    for note in notes:
        required, file_source = sources.get(note.path, (False, ""))
        if required and (not note.source.strip() or note.source == file_source):
            warn(
                note, "no-source", "no 'source:' of its own (section or equation) in a deck that requires one"
            )

    out.extend(_near_duplicates(flash, options))
    out.extend(_renamed(notes, stored))
    return sorted(out, key=lambda w: (w.path, w.line, w.rule))


# LaTeX commands that only format; every other command (\tanh, \sigma, \log) names something and is
# kept as a word when cards are compared.
_FORMATTING = frozenset(
    [
        "frac",
        "tfrac",
        "dfrac",
        "mathrm",
        "mathbf",
        "mathit",
        "mathcal",
        "mathbb",
        "boldsymbol",
        "operatorname",
        "text",
        "textrm",
        "textbf",
        "left",
        "right",
        "big",
        "bigl",
        "bigr",
        "Big",
        "cdot",
        "cdots",
        "dots",
        "ldots",
        "quad",
        "qquad",
        "times",
        "sqrt",
        "hat",
        "bar",
        "tilde",
        "top",
        "mid",
        "in",
        "le",
        "ge",
        "leq",
        "geq",
        "approx",
        "to",
        "rightarrow",
        "leftarrow",
        "infty",
        "partial",
        "nabla",
        "odot",
        "lvert",
        "rvert",
        "lVert",
        "rVert",
        "over",
        "underbrace",
        "overbrace",
    ]
)


def _compare_words(text: str) -> list[str]:
    """Like :func:`words`, but keeping the names of maths functions and symbols (``\\tanh`` is ``tanh``)."""
    text = re.sub(r"\\([A-Za-z]+)", lambda m: " " if m.group(1) in _FORMATTING else f" {m.group(1)} ", text)
    text = CJK_RE.sub(lambda m: f" {m.group(0)} ", text)
    return [w.lower() for w in WORD_RE.findall(text)]


def _compare_shingles(text: str, size: int) -> frozenset[tuple[str, ...]]:
    toks = [_stem(w) for w in _compare_words(text) if w not in STOPWORDS and len(w) > 1]
    if len(toks) < size:
        return frozenset({tuple(toks)}) if toks else frozenset()
    return frozenset(tuple(toks[i : i + size]) for i in range(len(toks) - size + 1))


def _formula(text: str) -> str:
    """A maths or code answer without spacing and markup, to compare formulas as written."""
    return re.sub(r"\\[,;:! ]|[{}$`\s]", "", text.lower()).strip(".,;:")


def _answers(note: Note) -> list[tuple[str, str]]:
    """(card label, answer) of each card a note asks for: its deletions, or its back."""
    if note.kind is Kind.CLOZE:
        groups: dict[str, list[str]] = defaultdict(list)
        for m in CLOZE_RE.finditer(note.text):
            groups[f"c{m.group(1)}"].append(m.group(2))
        return [(label, " ".join(parts)) for label, parts in groups.items()]
    answer = note.back.splitlines()[0] if note.kind is Kind.TYPE_IN and note.back else note.back
    return [("", answer)]


def _contrast(a: frozenset[tuple[str, ...]], b: frozenset[tuple[str, ...]]) -> bool:
    """Whether two cards differ by a pair of complements (precision/recall, small/large): siblings that
    teach a contrast on purpose, not duplicates."""
    only_a = {_root(w) for s in a - b for w in s}
    only_b = {_root(w) for s in b - a for w in s}
    return any(_COMPLEMENT_OF.get(w, set()) & only_b for w in only_a)


def _near_duplicates(notes: Sequence[Note], options: LintOptions) -> list[LintWarning]:
    """Pairs of notes that say nearly the same thing: word-shingle Jaccard of their texts (or of one's
    text and the other's ``extra:``) at the threshold (a higher one within a file); and cards of two
    notes that ask for the same formula."""
    main = {n.id: _compare_shingles(_plain(n), options.shingle) for n in notes}
    extra = {n.id: _compare_shingles(n.extra, options.shingle) for n in notes}
    # Answers compared as prose (maths stripped): two formulas built from the same symbols are not one answer.
    answered = {n.id: shingles(" ".join(a for _l, a in _answers(n)), options.shingle) for n in notes}
    index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, n in enumerate(notes):
        if len(main[n.id]) >= options.min_shingles:
            for s in main[n.id] | extra[n.id]:
                index[s].append(i)
    pairs: set[tuple[int, int]] = set()
    for members in index.values():
        if len(members) > 60:  # a ubiquitous word says nothing about duplication
            continue
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                if members[x] != members[y]:
                    pairs.add((min(members[x], members[y]), max(members[x], members[y])))
    found: dict[tuple[int, int], str] = {}
    for i, j in sorted(pairs):
        a, b = notes[i], notes[j]
        scores = [jaccard(main[a.id], main[b.id])]
        for text_of, extra_of in ((a, b), (b, a)):
            if len(extra[extra_of.id]) >= options.min_shingles:
                scores.append(jaccard(main[text_of.id], extra[extra_of.id]))
        score = max(scores)
        if a.path == b.path:
            # Siblings of one file share their topic's words and often one template ("a max gate with
            # inputs ..."); they are duplicates only when they also give the same answer.
            same_answer = (
                min(len(answered[a.id]), len(answered[b.id])) >= options.min_shingles
                and jaccard(answered[a.id], answered[b.id]) >= options.similarity_same_file
            )
            if score < options.similarity_same_file or not same_answer:
                continue
        if score >= options.similarity and not _contrast(main[a.id], main[b.id]):
            found[(i, j)] = f"{score:.0%} similar to"
    formulas: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for i, n in enumerate(notes):
        for label, answer in _answers(n):
            key = _formula(answer)
            if len(key) >= 6 and any(c in answer for c in "$`\\^"):
                formulas[key].append((i, label))
    for holders in formulas.values():
        for x in range(len(holders)):
            for y in range(x + 1, len(holders)):
                (i, _li), (j, _lj) = sorted((holders[x], holders[y]))
                if i != j and (i, j) not in found:
                    found[(i, j)] = "asks for the same formula as"
    out: list[LintWarning] = []
    for (i, j), what in sorted(found.items()):
        first, second = sorted((notes[i], notes[j]), key=lambda n: (n.order, n.path, n.position))
        out.append(
            LintWarning(
                second.path,
                second.line,
                "near-duplicate",
                f"{what} {first.id} ({first.path}:{first.line}); merge them or make each ask "
                "something the other does not",
                second.id,
            )
        )
    return out


def _renamed(notes: Sequence[Note], stored: Iterable[CardContent]) -> list[LintWarning]:
    from srs.decks.parser import cards_of

    stored = list(stored)
    if not stored:
        return []
    current = {c.id for n in notes for c in cards_of(n)}
    by_id = {s.id: s for s in stored}
    by_content: dict[tuple[str, ...], list[CardContent]] = defaultdict(list)
    for s in stored:
        if s.id not in current:
            by_content[_content_key(s.kind, s.sub, s.front, s.back, s.extra)].append(s)
    out: list[LintWarning] = []
    for note in notes:
        for card in cards_of(note):
            old_cards = by_content.get(
                _content_key(card.kind.value, card.sub, card.front, card.back, card.extra)
            )
            if not old_cards:
                continue
            mine = by_id.get(card.id)
            for old in old_cards:
                if mine is not None and mine.reps >= old.reps:
                    continue
                out.append(
                    LintWarning(
                        note.path,
                        note.line,
                        "renamed-id",
                        f"same content as the stored card {old.id!r} ({old.reps} review(s)); "
                        f"use the id {old.note_id!r} again to keep its history",
                        note.id,
                    )
                )
                break
            else:
                continue
            break
    return out


def stored_cards(db: Path) -> list[CardContent]:
    """The cards of the database at ``db`` (none if there is no database yet; it is never created here)."""
    if not db.is_file():
        return []
    from srs.store import open_store
    from srs.store.queries import card_contents

    with open_store(db) as store:
        return card_contents(store)
