"""Read deck files (Markdown with a small front matter) into notes, and notes into cards.

The format is documented in the README. Parsing is pure: text in, notes and errors out.
A malformed card is reported as ``path:line: what is wrong`` and skipped; the rest of the
file, and every other file, still loads.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from srs import kinds
from srs.decks import MAX_DECK_BYTES
from srs.errors import DeckError
from srs.kinds.base import NoteFields
from srs.model import CardSpec, Kind, Note, Tier
from srs.workers import split_map

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
TAG_RE = re.compile(r"^[\w.+-]+(::[\w.+-]+)*$")
FIELD_RE = re.compile(r"^([A-Za-z][A-Za-z-]*):(.*)$")
CARD_FIELDS = kinds.CARD_FIELDS
FRONT_MATTER_KEYS = frozenset(
    {"deck", "tags", "source", "require-source", "order", "title", "description", "tier", "requires"}
) | {"concept"}
DEFAULT_ORDER = 1000
MAX_ORDER = 10**9  # order is stored as a SQLite integer: keep it well inside 64 bits


@dataclass(frozen=True)
class FileResult:
    """What one deck file holds: its notes and the errors found in it."""

    path: str
    notes: tuple[Note, ...]
    errors: tuple[DeckError, ...]


def split_tags(text: str) -> tuple[str, ...]:
    """Split a tag list written with spaces and/or commas; keeps order, drops repeats."""
    seen: dict[str, None] = {}
    for tag in re.split(r"[\s,]+", text.strip()):
        if tag:
            seen.setdefault(tag, None)
    return tuple(seen)


def parse_tier(text: str, path: str, line: int) -> Tier:
    """A ``tier:`` value (``core`` or ``depth``, any case); a DeckError at ``path:line`` for anything else."""
    try:
        return Tier(text.strip().lower())
    except ValueError:
        names = " or ".join(t.value for t in Tier)
        raise DeckError(path, line, f"unknown tier {text.strip()!r} (expected {names})") from None


def parse_requires(text: str, path: str, line: int) -> tuple[str, ...]:
    """The note ids of a ``requires:`` value (space- or comma-separated), each checked like a card id."""
    ids = split_tags(text)
    for note_id in ids:
        if not ID_RE.match(note_id) or "/" in note_id:
            raise DeckError(path, line, f"bad id {note_id!r} in 'requires:': name notes by their '## id'")
    return ids


def parse_concept(text: str, path: str, line: int) -> str:
    """A ``concept:`` value: the knowledge-map concept a note belongs to (an id such as
    ``receptive-field``, or a name such as ``感受野``), spaces collapsed; a DeckError if empty or too long."""
    value = " ".join(text.split())
    if not value:
        raise DeckError(path, line, "'concept:' needs a value: a concept id or name (see `srs map`)")
    if len(value) > 80:
        raise DeckError(path, line, "a 'concept:' name is at most 80 characters")
    return value


def decode(data: bytes, path: str) -> str:
    """Decode a deck file as UTF-8, or raise a DeckError pointing at the bad line."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DeckError(
            path, line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        ) from None
    return text.removeprefix("\ufeff")


def read_regular(path: str | Path, limit: int, shown: str) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; a DeckError for anything else (a FIFO,
    a device such as /dev/zero, a symlink loop, a folder, a file too large) without blocking on it."""
    import os
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise DeckError(shown, 1, f"cannot read file: {exc.strerror or exc} (skipped)") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise DeckError(shown, 1, "skipped: not a regular file")
        if st.st_size > limit:
            raise DeckError(shown, 1, f"skipped: larger than {limit // (1024 * 1024)} MiB")
        with os.fdopen(fd, "rb") as fh:
            fd = -1
            data = fh.read(limit + 1)
    except OSError as exc:
        raise DeckError(shown, 1, f"cannot read file: {exc.strerror or exc} (skipped)") from None
    finally:
        if fd != -1:
            os.close(fd)
    if len(data) > limit:
        raise DeckError(shown, 1, f"skipped: larger than {limit // (1024 * 1024)} MiB")
    return data


def parse_file(path: str | Path, *, display: str | None = None) -> FileResult:
    """Read and parse one deck file. Unreadable files give one error, not an exception."""
    shown = display or str(path)
    try:
        data = read_regular(path, MAX_DECK_BYTES, shown)
    except DeckError as exc:
        return FileResult(shown, (), (exc,))
    try:
        text = decode(data, shown)
    except DeckError as exc:
        return FileResult(shown, (), (exc,))
    return parse_text(text, shown, default_deck=Path(path).stem)


def _front_matter(lines: list[str], path: str) -> tuple[dict[str, tuple[str, int]], int, list[DeckError]]:
    """Parse an optional ``---`` block at the top. Returns (values, first body line index, errors)."""
    if not lines or lines[0].strip() != "---":
        return {}, 0, []
    values: dict[str, tuple[str, int]] = {}
    errors: list[DeckError] = []
    for i in range(1, len(lines)):
        raw = lines[i]
        if raw.strip() == "---":
            return values, i + 1, errors
        if raw.startswith("## "):
            break
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        m = FIELD_RE.match(raw)
        if not m or m.group(1).lower() not in FRONT_MATTER_KEYS:
            errors.append(
                DeckError(
                    path,
                    i + 1,
                    f"front matter line must be 'key: value' with key one of "
                    f"{', '.join(sorted(FRONT_MATTER_KEYS))}",
                )
            )
            continue
        values[m.group(1).lower()] = (m.group(2).strip(), i + 1)
    # Unclosed: report that alone, and still read the cards that follow.
    first_card = next((i for i, raw in enumerate(lines) if raw.startswith("## ")), len(lines))
    return {}, first_card, [DeckError(path, 1, "front matter opened with '---' is never closed")]


def parse_text(text: str, path: str, *, default_deck: str = "Default") -> FileResult:
    """Parse the text of one deck file into notes; see the README for the format."""
    lines = text.removeprefix("\ufeff").splitlines()
    meta, start, errors = _front_matter(lines, path)
    deck = meta.get("deck", (default_deck, 0))[0] or default_deck
    deck = "::".join(part.strip() for part in deck.split("::"))
    file_tags = split_tags(meta.get("tags", ("", 0))[0])
    file_source = meta.get("source", ("", 0))[0]
    order = DEFAULT_ORDER
    if "order" in meta:
        value, line = meta["order"]
        try:
            order = int(value)
        except ValueError:
            errors.append(DeckError(path, line, f"order must be a whole number, not {value!r}"))
        else:
            if not -MAX_ORDER <= order <= MAX_ORDER:
                errors.append(DeckError(path, line, f"order must be between {-MAX_ORDER} and {MAX_ORDER}"))
                order = DEFAULT_ORDER
    for tag in file_tags:
        if not TAG_RE.match(tag):
            errors.append(
                DeckError(path, meta["tags"][1], f"bad tag {tag!r}: use letters, digits, '-', '_' or '.'")
            )
    file_tier = Tier.CORE
    file_requires: tuple[str, ...] = ()
    file_concept = ""
    try:
        if "concept" in meta:
            file_concept = parse_concept(meta["concept"][0], path, meta["concept"][1])
    except DeckError as exc:
        errors.append(exc)
    try:
        if "tier" in meta:
            file_tier = parse_tier(meta["tier"][0], path, meta["tier"][1])
    except DeckError as exc:
        errors.append(exc)
    try:
        if "requires" in meta:
            file_requires = parse_requires(meta["requires"][0], path, meta["requires"][1])
    except DeckError as exc:
        errors.append(exc)

    notes: list[Note] = []
    block: list[tuple[int, str]] = []
    header: tuple[int, str] | None = None
    in_fence = False

    def flush() -> None:
        if header is None:
            return
        try:
            notes.append(
                _build_note(
                    header,
                    block,
                    path=path,
                    deck=deck,
                    file_tags=file_tags,
                    file_source=file_source,
                    order=order,
                    position=len(notes),
                    file_tier=file_tier,
                    file_requires=file_requires,
                    file_concept=file_concept,
                )
            )
        except DeckError as exc:
            errors.append(exc)

    for index in range(start, len(lines)):
        raw = lines[index]
        stripped = raw.lstrip()
        if stripped.startswith("```") or stripped.startswith("~~~"):
            in_fence = not in_fence
        if not in_fence and raw.startswith("## "):
            flush()
            header = (index + 1, raw[3:].strip())
            block = []
            continue
        if header is not None:
            block.append((index + 1, raw))
    if in_fence and header is not None:
        errors.append(DeckError(path, header[0], "a ``` code fence in this card is never closed"))
    flush()
    return FileResult(path, tuple(notes), tuple(errors))


def _fields(block: list[tuple[int, str]], path: str) -> dict[str, tuple[str, int]]:
    fields: dict[str, tuple[list[str], int]] = {}
    current: str | None = None
    in_fence = False
    for lineno, raw in block:
        stripped = raw.lstrip()
        fence = stripped.startswith("```") or stripped.startswith("~~~")
        m = None if in_fence else FIELD_RE.match(raw)
        if m and m.group(1).lower() in CARD_FIELDS:
            key = m.group(1).lower()
            if key in fields:
                raise DeckError(path, lineno, f"field '{key}:' given twice in one card")
            fields[key] = ([m.group(2).strip()], lineno)
            current = key
        elif current is not None:
            fields[current][0].append(raw)
        elif raw.strip() and not raw.lstrip().startswith("<!--"):
            raise DeckError(
                path,
                lineno,
                "text before any field; start it with 'Q:', 'A:', 'text:' or another field "
                f"({', '.join(sorted(CARD_FIELDS))})",
            )
        if fence:
            in_fence = not in_fence
    return {key: ("\n".join(parts).strip("\n").strip(), line) for key, (parts, line) in fields.items()}


def _build_note(
    header: tuple[int, str],
    block: list[tuple[int, str]],
    *,
    path: str,
    deck: str,
    file_tags: tuple[str, ...],
    file_source: str,
    order: int,
    position: int,
    file_tier: Tier = Tier.CORE,
    file_requires: tuple[str, ...] = (),
    file_concept: str = "",
) -> Note:
    line, note_id = header
    if not ID_RE.match(note_id):
        raise DeckError(
            path,
            line,
            f"bad card id {note_id!r}: use letters, digits, '-', '_' or '.', starting with a letter or digit",
        )
    fields = _fields(block, path)
    get = lambda key: fields.get(key, ("", line))[0]  # noqa: E731

    kind_text = get("kind").lower()
    if kind_text:
        try:
            kind = Kind(kind_text)
        except ValueError:
            names = ", ".join(k.value for k in Kind)
            raise DeckError(
                path, fields["kind"][1], f"unknown kind {kind_text!r} (expected one of: {names})"
            ) from None
    else:
        kind = kinds.infer(set(fields))

    tags = split_tags(" ".join(file_tags) + " " + get("tags"))
    for tag in tags:
        if not TAG_RE.match(tag):
            raise DeckError(
                path,
                fields.get("tags", ("", line))[1],
                f"bad tag {tag!r}: use letters, digits, '-', '_' or '.'",
            )
    source = get("source") or file_source
    tier = parse_tier(get("tier"), path, fields["tier"][1]) if "tier" in fields else file_tier
    requires = tuple(r for r in file_requires if r != note_id)  # the file's list may name its own notes
    if "requires" in fields:
        own = parse_requires(get("requires"), path, fields["requires"][1])
        if note_id in own:
            raise DeckError(path, fields["requires"][1], f"note {note_id!r} requires itself")
        requires = split_tags(" ".join(requires + own))
    concept = (
        parse_concept(get("concept"), path, fields["concept"][1]) if "concept" in fields else file_concept
    )
    extra, params = get("extra"), get("params")
    card_kind = kinds.get(kind)
    body = card_kind.read(NoteFields(fields, path, line, note_id))
    if params and "params" not in card_kind.fields:
        raise DeckError(path, fields["params"][1], "'params:' is only for quiz cards")
    return Note(
        id=note_id,
        kind=kind,
        deck=deck,
        tags=tags,
        source=source,
        path=path,
        line=line,
        order=order,
        position=position,
        front=body.front,
        back=body.back,
        text=body.text,
        extra=extra,
        item=body.item,
        params=body.params,
        tier=tier,
        requires=requires,
        concept=concept,
    )


def _hash(*parts: str) -> str:
    # The parts, each followed by a NUL byte, hashed in one piece (the same digest as part by part).
    import hashlib  # here, not at the top: only a sync that reads a deck file needs it

    return hashlib.sha1(("\x00".join(parts) + "\x00").encode("utf-8")).hexdigest()[:16]


def cards_of(note: Note) -> list[CardSpec]:
    """Split a note into its cards: one, two for reversed, one per cloze number."""

    # The tier and requires enter the hash only when they say something, so that cards written before
    # tiers existed keep their hash (a sync after the upgrade does not count them all as changed).
    curriculum = (
        (note.tier.value, " ".join(note.requires)) if note.tier is not Tier.CORE or note.requires else ()
    ) + ((f"concept={note.concept}",) if note.concept else ())

    def make(card_id: str, sub: str, front: str, back: str, extra: str = "") -> CardSpec:
        return CardSpec(
            id=card_id,
            note_id=note.id,
            kind=note.kind,
            sub=sub,
            deck=note.deck,
            tags=note.tags,
            source=note.source,
            front=front,
            back=back,
            extra=extra,
            item=note.item,
            params=note.params,
            path=note.path,
            line=note.line,
            order=note.order,
            position=note.position,
            content_hash=_hash(
                note.kind.value,
                sub,
                front,
                back,
                extra,
                note.item,
                note.params,
                note.source,
                " ".join(note.tags),
                note.deck,
                *curriculum,
            ),
            tier=note.tier,
            requires=note.requires,
            concept=note.concept,
        )

    return [make(c.card_id, c.sub, c.front, c.back, note.extra) for c in kinds.get(note.kind).cards(note)]


# From how many bytes of deck files a parse is shared with a second process (an 8,000-note import writes
# about 2 MB; below 1 MB a fork costs about as much as it saves).
_SPLIT_BYTES = 1 << 20


def _parse_each(
    paths: Sequence[tuple[str | Path, str]],
) -> list[tuple[FileResult, list[list[CardSpec] | None]]]:
    """Each file parsed, with the cards of each of its notes (None where working them out failed: the caller
    does it again, and meets the failure where it would have)."""
    out: list[tuple[FileResult, list[list[CardSpec] | None]]] = []
    for real, shown in paths:
        result = parse_file(real, display=shown)
        cards: list[list[CardSpec] | None] = []
        for note in result.notes:
            try:
                cards.append(cards_of(note))
            except Exception:  # noqa: BLE001 - raised again by the caller, in order
                cards.append(None)
        out.append((result, cards))
    return out


def _size(path: tuple[str | Path, str]) -> int:
    try:
        return os.path.getsize(path[0])
    except OSError:
        return 0


def parse_files(
    paths: Iterable[tuple[str | Path, str]],
    *,
    taken: Mapping[str, tuple[str, int]] | None = None,
    check: Callable[[Note], None] | None = None,
) -> tuple[list[Note], list[DeckError]]:
    """Parse many files given as (real path, display name): the notes kept and the errors (see
    :func:`parse_files_with_cards`)."""
    notes, _cards, errors = parse_files_with_cards(paths, taken=taken, check=check)
    return notes, errors


def parse_files_with_cards(
    paths: Iterable[tuple[str | Path, str]],
    *,
    taken: Mapping[str, tuple[str, int]] | None = None,
    check: Callable[[Note], None] | None = None,
) -> tuple[list[Note], list[CardSpec], list[DeckError]]:
    """Parse many files given as (real path, display name): the notes kept, their cards (note after note, as
    :func:`cards_of` gives them) and the errors.

    Ids (of notes and of their cards) must be unique across all of them and unlike the ``taken`` ones
    (id -> (path, line) of cards already in use elsewhere); a note that clashes is skipped with an
    error. ``check`` may reject a note by raising DeckError (sync checks that quizzes exist).
    """
    notes: list[Note] = []
    kept: list[CardSpec] = []
    errors: list[DeckError] = []
    seen: dict[str, tuple[str, int]] = {}
    before = taken or {}
    # Each file is parsed on its own: two processes share the files when there is much to read.
    for result, cards in split_map(_parse_each, list(paths), at_least=_SPLIT_BYTES, weight=_size):
        errors.extend(result.errors)
        for note, specs in zip(result.notes, cards, strict=True):
            if check is not None:
                try:
                    check(note)
                except DeckError as exc:
                    errors.append(exc)
                    continue
            if specs is None:
                specs = cards_of(note)
            ids = [c.id for c in specs] + [note.id]
            old = next((before[i] for i in ids if i in before), None)
            if old is not None:
                message = f"duplicate id {note.id!r} (also at {old[0]}:{old[1]}); this card is skipped"
                errors.append(DeckError(note.path, note.line, message))
                continue
            first = next((seen[i] for i in ids if i in seen), None)
            if first is not None:
                message = f"duplicate id {note.id!r} (first used at {first[0]}:{first[1]}); skipped"
                errors.append(DeckError(note.path, note.line, message))
                continue
            for i in ids:
                seen[i] = (note.path, note.line)
            notes.append(note)
            kept.extend(specs)
    return notes, kept, errors
