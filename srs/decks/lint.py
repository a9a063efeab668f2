"""Deck linter: warnings about cards that parse but break the rules of good prompts.

Errors (a card that cannot be read) come from the parser; these are warnings about cards that
can be read but teach badly or lose history. Each warning points at ``file:line`` and names
its rule, so a deck author (or CI, with ``--strict``) can act on it:

- ``cloze-giveaway``: a cloze answer is visible in the rest of the card it hides it on;
- ``long-answer``: a basic, reversed or type-in answer over the word limit (one fact per card);
- ``near-duplicate``: two cards in different files that say nearly the same thing;
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

RULES = ("cloze-giveaway", "long-answer", "near-duplicate", "cloze-in-maths", "no-source", "renamed-id")

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

    flash = [n for n in notes if n.kind not in (Kind.QUIZ, Kind.EXERCISE)]
    if sources is None:
        sources = {path: file_sources(path) for path in sorted({n.path for n in notes})}

    for note in flash:
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
    for note in notes:
        required, file_source = sources.get(note.path, (False, ""))
        if required and (not note.source.strip() or note.source == file_source):
            warn(
                note, "no-source", "no 'source:' of its own (section or equation) in a deck that requires one"
            )

    out.extend(_near_duplicates(flash, options))
    out.extend(_renamed(notes, stored))
    return sorted(out, key=lambda w: (w.path, w.line, w.rule))


def _near_duplicates(notes: Sequence[Note], options: LintOptions) -> list[LintWarning]:
    sh = {n.id: shingles(_plain(n), options.shingle) for n in notes}
    index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, n in enumerate(notes):
        if len(sh[n.id]) >= options.min_shingles:
            for s in sh[n.id]:
                index[s].append(i)
    pairs: set[tuple[int, int]] = set()
    for members in index.values():
        if len(members) > 60:  # a ubiquitous word says nothing about duplication
            continue
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                pairs.add((members[x], members[y]))
    out: list[LintWarning] = []
    for i, j in sorted(pairs):
        a, b = notes[i], notes[j]
        if a.path == b.path:
            continue
        score = jaccard(sh[a.id], sh[b.id])
        if score >= options.similarity:
            first, second = sorted((a, b), key=lambda n: (n.order, n.path, n.position))
            out.append(
                LintWarning(
                    second.path,
                    second.line,
                    "near-duplicate",
                    f"{score:.0%} similar to {first.id} ({first.path}:{first.line}); merge them or make each ask "
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
