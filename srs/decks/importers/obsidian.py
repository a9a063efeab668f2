"""Obsidian notes with spaced-repetition flash cards (the plugin's syntax) into deck notes.

* ``front::back`` on one line: a basic card; ``front:::back``: a reversed pair.
* a paragraph with a line holding only ``?`` (basic) or ``??`` (reversed): the lines above are the front,
  the lines below the back (a multi-line card ends at a blank line).
* a paragraph with cloze deletions: a cloze note. The plugin's default pattern ``==[N;;]answer[;;hint]==``
  (``==answer==``, ``==answer;;hint==``, ``==2;;answer==``); with its settings, ``**bold**`` and
  ``{{curly}}`` in the same form (``clozes=``, the command's ``--clozes``); its footnote-style pattern
  ``==answer==^[hint][^N]`` (``^[hint]`` a hint, ``[^N]`` the card the deletion is asked on, as in its
  classic clozes; ``[^ahh]`` letters, its overlapping clozes: the card of the ``a``); and Anki's
  ``{{c1::...}}``. A deletion without a number is a card of its own, numbered after the others.
* ``[^label]: text`` footnote definitions are not cards: a card that refers to ``[^label]`` gets the
  definition in its extra. A ``[^label]`` after a deletion that has a definition is that footnote, not a
  sequence number.
* The deck is the note's ``#flashcards/a/b`` tag (deck ``a::b``), else the file's path (folders as ``::``).
  Scheduling comments ``<!--SR:...-->`` are dropped (their history is not imported); fenced code is skipped.

Ids: ``md-`` + a hash of the file's path (relative to what was imported) and the card's front (or cloze
text), so importing the same notes again updates the same cards.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from srs.decks.importers import Skipped, TextImport, decode_text, read_source
from srs.decks.importers.writer import ImportedNote, clean_deck, identity, stable_id
from srs.decks.scan import footnote_refs, plugin_clozes, remove_delimited
from srs.errors import InputError
from srs.model import CLOZE_RE, Kind

_DECK_TAG = re.compile(r"(?<![\w/])#flashcards(?:/([\w/-]+))?")


def _split_card(line: str) -> tuple[str, str, bool] | None:
    """(front, back, reversed) of a one-line card, or None. ``::`` inside ``{{c1::...}}`` does not count."""
    masked = CLOZE_RE.sub(lambda m: "\x00" * len(m.group(0)), line)
    at = masked.find(":::")
    if at >= 0:
        return line[:at].strip(), line[at + 3 :].strip(), True
    at = masked.find("::")
    if at >= 0:
        return line[:at].strip(), line[at + 2 :].strip(), False
    return None


# The plugin's cloze settings (convertHighlightsToClozes, convertBoldTextToClozes, convertCurlyBracketsToClozes)
CLOZE_SYNTAX = {"highlight": ("==", "=="), "bold": ("**", "**"), "curly": ("{{", "}}")}
DEFAULT_CLOZES = ("highlight",)  # the plugin's default: highlights only


def cloze_marks(names: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """The (opening, closing) marks of these cloze syntaxes; InputError for an unknown name."""
    for name in names:
        if name not in CLOZE_SYNTAX:
            raise InputError(f"unknown cloze syntax {name!r} (choose from {', '.join(CLOZE_SYNTAX)})")
    return tuple(CLOZE_SYNTAX[name] for name in names)


def _deletion(
    inside: str, label: str | None, hint: str | None, footnotes: dict[str, str]
) -> tuple[int | None, str, str | None, str, bool]:
    """(card number or None for 'next free', answer, hint, text kept after it, asked) of one deletion."""
    parts = inside.split(";;")
    number: int | None = None
    if len(parts) > 1 and parts[0].strip().isdecimal():
        number, parts = int(parts[0]), parts[1:]
    answer = parts[0]
    hint = ";;".join(parts[1:]) if len(parts) > 1 else hint
    after, asked = "", True
    if label is not None:
        if label in footnotes:
            after = f"[^{label}]"  # a footnote on the deletion, not a sequence number
        elif label.isdecimal():
            number = int(label)
        elif set(label) <= set("ahs"):
            asked = "a" in label
            number = label.index("a") + 1 if asked else None
        else:
            after = f"[^{label}]"
    return (max(number, 1) if number is not None else None), answer, hint, after, asked


def _cloze(text: str, marks: Sequence[tuple[str, str]], footnotes: dict[str, str]) -> str:
    """The plugin's deletions as ``{{cN::answer::hint}}``: numbered ones keep their number, the others are
    numbered after every number in the text (Anki ``{{cN::`` ones included)."""
    spans = list(plugin_clozes(text, marks))
    parsed = [_deletion(m.group(1) or "", m.group(2), m.group(3), footnotes) for m in spans]
    used = [int(m.group(1)) for m in CLOZE_RE.finditer(text)] + [p[0] for p in parsed if p[0] is not None]
    counter = iter(range(max(used, default=0) + 1, len(text) + 2))
    out: list[str] = []
    last = 0
    for m, (number, answer, hint, after, asked) in zip(spans, parsed, strict=True):
        out.append(text[last : m.start()])
        if not asked:
            out.append(answer + after)
        else:
            n = number if number is not None else next(counter)
            out.append(f"{{{{c{n}::{answer}{'::' + hint if hint else ''}}}}}{after}")
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def _notes_of(texts: Sequence[str], footnotes: dict[str, str]) -> str:
    """The definitions of the footnotes these texts refer to, one per line (for the card's extra)."""
    labels = dict.fromkeys(label for t in texts for label in footnote_refs(t) if label in footnotes)
    return "\n".join(f"[^{label}]: {footnotes[label]}" for label in labels)


def files_of(path: Path) -> list[tuple[Path, str]]:
    """The Markdown files to read: (real path, name relative to what was given)."""
    if path.is_dir():
        return [
            (p, p.relative_to(path).as_posix())
            for p in sorted(path.rglob("*.md"))
            if not any(part.startswith(".") for part in p.relative_to(path).parts)
        ]
    if os.path.lexists(path):  # a FIFO or a device too: read_source refuses it with a clear message
        return [(path, path.name)]
    raise InputError(f"no such file or folder: {path}")


def read_markdown(path: Path, *, clozes: Sequence[str] = DEFAULT_CLOZES) -> TextImport:
    """The cards in an Obsidian note or a folder of notes, and the cards left out (each with ``file:line``
    and why). InputError when no card at all could be read."""
    notes: list[ImportedNote] = []
    skipped: list[Skipped] = []
    root = path if path.is_dir() else None
    first: dict[tuple[str, str], str] = {}  # identity -> where the first card with it was read
    for real, rel in files_of(path):
        found = read_note(real, rel, root, clozes=clozes)
        skipped.extend(found.skipped)
        for note in found.notes:
            earlier = first.setdefault(identity(note), note.source)
            if earlier != note.source:
                skipped.append(Skipped(note.source, f"a duplicate of {earlier} (the same first field)"))
            else:
                notes.append(note)
    if not notes:
        if skipped:
            more = f" (and {len(skipped) - 1} more card(s) skipped)" if skipped[1:] else ""
            raise InputError(f"{skipped[0]}{more}: no flash card to import")
        raise InputError(f"no flash cards found in {path}")
    return TextImport(tuple(notes), tuple(skipped))


def read_note(
    real: Path, rel: str, root: Path | None = None, *, clozes: Sequence[str] = DEFAULT_CLOZES
) -> TextImport:
    """The cards of one Markdown note; ``rel`` names it in ids, errors and the default deck. The file must
    be a regular file (inside ``root`` when given, symlinks followed): see :func:`read_source`. ``clozes``
    names the cloze syntaxes on (:data:`CLOZE_SYNTAX`)."""
    syntax = cloze_marks(clozes)
    text = decode_text(read_source(real, root), rel)
    text = remove_delimited(text, "<!--SR:", "-->")
    m = _DECK_TAG.search(text)
    if m and m.group(1):
        deck = clean_deck(m.group(1).replace("/", "::"))
    else:
        deck = clean_deck("::".join(Path(rel).with_suffix("").parts))
    lines = text.splitlines()
    start = 0
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is not None:
            start = end + 1
    # Paragraphs (runs of non-blank lines) outside fenced code, with their first line number; footnote
    # definitions ([^label]: text) are kept aside.
    paragraphs: list[tuple[int, list[str]]] = []
    footnotes: dict[str, str] = {}
    current: list[str] = []
    first = 0
    in_fence = False
    for index in range(start, len(lines)):
        line = lines[index]
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            if current:
                paragraphs.append((first, current))
                current = []
            continue
        if in_fence:
            continue
        label, colon, definition = line.partition("]:")
        if colon and label.startswith("[^") and label[2:].isalnum():
            footnotes.setdefault(label[2:], definition.strip())
            line = ""
        if not line.strip():
            if current:
                paragraphs.append((first, current))
                current = []
            continue
        if not current:
            first = index + 1
        current.append(line)
    if current:
        paragraphs.append((first, current))

    notes: list[ImportedNote] = []
    skipped: list[Skipped] = []

    def add(line: int, kind: Kind, front: str = "", back: str = "", text: str = "") -> None:
        front, back, text = (_DECK_TAG.sub("", s).strip() for s in (front, back, text))
        extra = _notes_of((front, back, text), footnotes)
        if kind is Kind.CLOZE:
            notes.append(
                ImportedNote(
                    stable_id("md", rel, text), kind, deck, text=text, extra=extra, source=f"{rel}:{line}"
                )
            )
            return
        if not front or not back:
            skipped.append(Skipped(f"{rel}:{line}", "a card needs text on both sides of its separator"))
            return
        notes.append(
            ImportedNote(
                stable_id("md", rel, front),
                kind,
                deck,
                front=front,
                back=back,
                extra=extra,
                source=f"{rel}:{line}",
            )
        )

    for lineno, para in paragraphs:
        marks = [i for i, line in enumerate(para) if line.strip() in ("?", "??")]
        if marks:
            i = marks[0]
            top = 0  # one-line cards right above a multi-line card's front are cards of their own
            for n in range(i):
                card = _split_card(para[n])
                if card is not None:
                    front, back, rev = card
                    add(lineno + n, Kind.REVERSED if rev else Kind.BASIC, front, back)
                    top = n + 1
            kind = Kind.REVERSED if para[i].strip() == "??" else Kind.BASIC
            add(lineno + top, kind, "\n".join(para[top:i]), "\n".join(para[i + 1 :]))
            continue
        singles = [(n, _split_card(line)) for n, line in enumerate(para)]
        if any(card for _n, card in singles):
            for n, card in singles:
                if card is not None:
                    front, back, rev = card
                    add(lineno + n, Kind.REVERSED if rev else Kind.BASIC, front, back)
            continue
        joined = "\n".join(para)
        if next(plugin_clozes(joined, syntax), None) or CLOZE_RE.search(joined):
            add(lineno, Kind.CLOZE, text=_cloze(joined, syntax, footnotes))
    return TextImport(tuple(notes), tuple(skipped))
