"""Our cards as Anki notes: one Anki note per srs note (a reversed note is one note with two cards, a cloze
note one note with a card per deletion), with fields rendered to HTML, in decks with ids derived from their
names. Quiz cards become frozen instances (one note each, fixed seeds); exercise cards show the task and
starter code on the front and the reference on the back. Links into the media folder become the flat file
names of the package. The notes' guids come from the package writer (:func:`srs.interop.anki.export.note_guid`,
passed in: ``genanki`` has one home).

Each note's modification time is the time its content last changed in srs (its cards' ``updated``
stamp, never before :data:`FORMAT_EPOCH`). Anki's importer updates an existing note when the incoming
modification time is newer, whatever the fields hold, so this makes a re-export update exactly the notes
edited since (and leaves alone a note the learner edited in Anki later). Everything else in the package
(note types, cards, the collection) carries the current time: no fixed timestamp is used.
"""

from __future__ import annotations

import hashlib
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from srs.errors import InputError, QuizError
from srs.interop.anki.cardhtml import HtmlRenderer
from srs.kinds.choice import choice_fields
from srs.model import Kind
from srs.store import Filter, Store
from srs.store.queries import active_card_rows

DEFAULT_QUIZ_INSTANCES = 3
# Notes are stamped with the time their content last changed, never earlier than this: raise it to the
# release time whenever the rendering of fields changes, so that notes imported before get updated.
FORMAT_EPOCH = 1_767_225_600  # 2026-01-01 00:00 UTC


ProgressFn = Callable[[int, int, str], None]


class ExportCard(NamedTuple):
    """One of our cards as the export reads it: a plain row (no dataclasses or enums built per card)."""

    id: str
    note_id: str
    kind: str
    sub: str
    deck: str
    tags: str
    source: str
    front: str
    back: str
    extra: str
    item: str
    params: str
    suspended: int
    leech: int
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: int | None
    last_review: int | None
    reps: int
    lapses: int
    updated: int  # when the card's content last changed in the store
    ord: int
    path: str
    position: int


_ORDER = operator.itemgetter(
    ExportCard._fields.index("ord"), ExportCard._fields.index("path"), ExportCard._fields.index("position"), 0
)


@dataclass(slots=True)
class PlannedNote:
    """One Anki note to write: its fields and tags, and which of our cards each Anki card ord carries."""

    guid: str
    kind: Kind
    deck: str
    fields: list[str]
    tags: list[str]
    position: int
    mod: int = 0
    cards: dict[int, ExportCard] = field(default_factory=dict)  # Anki card ord -> our card (its schedule)
    suspended_ords: set[int] = field(default_factory=set)


def deck_id(name: str) -> int:
    """A fixed Anki deck id for a deck name (a stable hash in genanki's range [2**30, 2**31))."""
    digest = hashlib.sha256(("srs-deck\x00" + name).encode("utf-8")).digest()
    return (1 << 30) | (int.from_bytes(digest[:4], "big") & ((1 << 30) - 1))


def quiz_seed(note_id: str, index: int) -> int:
    """The fixed seed of quiz instance ``index``: the same instance at every export."""
    digest = hashlib.sha256(f"srs-anki-quiz\x00{note_id}\x00{index}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFF_FFFF


def anki_deck_name(name: str) -> str:
    """Deck name as Anki keeps it: ``::`` levels with surrounding spaces trimmed, no empty level."""
    parts = [p.strip() for p in name.split("::")]
    return "::".join(p for p in parts if p) or "Default"


_SPACE_RE = re.compile(r"\s+")


def anki_tags(tags: Sequence[str]) -> list[str]:
    """Tags Anki accepts: no spaces inside (runs of spaces become ``_``), duplicates (any case) dropped."""
    out: list[str] = []
    seen: set[str] = set()
    for tag in tags:
        clean = _SPACE_RE.sub("_", tag.strip())
        if clean and clean.lower() not in seen:
            seen.add(clean.lower())
            out.append(clean)
    return out


def load_cards(store: Store, flt: Filter = Filter()) -> list[ExportCard]:
    """The active cards matching ``flt``, in the order new cards are introduced (as ``store.cards``).
    Sorted here rather than by SQLite, which would sort the whole rows (15 % slower)."""
    cards = list(
        map(
            ExportCard._make,
            active_card_rows(store, ExportCard._fields, flt),
        )
    )
    # A cloze number no deck may use any more (above c499; older versions stored them) cannot be an Anki
    # card ord: leave such cards out rather than fail.
    cards = [c for c in cards if not (len(c.sub) > 4 and c.sub[0] == "c" and c.sub[1:].isdigit())]
    cards.sort(key=_ORDER)
    return cards


def group_by_note(cards: Sequence[ExportCard]) -> list[list[ExportCard]]:
    """Our cards grouped by note (the order of first appearance is kept)."""
    groups: dict[str, list[ExportCard]] = {}
    for card in cards:
        group = groups.get(card.note_id)
        if group is None:
            groups[card.note_id] = [card]
        else:
            group.append(card)
    return list(groups.values())


def _anki_ord(card: ExportCard) -> int:
    sub = card.sub
    if sub.startswith("c") and sub[1:].isdigit():
        return int(sub[1:]) - 1
    return 1 if sub == "rev" else 0


_KINDS = {k.value: k for k in Kind}


def plan_notes(
    cards: Sequence[ExportCard],
    renderer: HtmlRenderer,
    *,
    guid: Callable[[str], str],
    quiz_instances: int = DEFAULT_QUIZ_INSTANCES,
    progress: ProgressFn | None = None,
) -> list[PlannedNote]:
    """Turn our cards into the Anki notes to write, with their fields rendered to HTML. ``guid``: the
    Anki guid of a text (:func:`srs.interop.anki.export.note_guid`); a note's is that of its id, quiz
    instance i's that of ``id#i`` (``#`` never occurs in ids, so no clash with notes)."""
    groups = group_by_note(cards)
    md = renderer.markdown
    plain = renderer.plain
    planned: list[PlannedNote] = []
    quiz_mod: Any = None
    exercise_mod: Any = None
    tag_lists: dict[tuple[str, bool], list[str]] = {}
    deck_names: dict[str, str] = {}
    for number, group in enumerate(groups, 1):
        first = group[0]
        kind = _KINDS[first.kind]
        leech = any(c.leech for c in group)
        tags = tag_lists.get((first.tags, leech))
        if tags is None:
            tags = tag_lists[(first.tags, leech)] = anki_tags(
                first.tags.split() + (["leech"] if leech else [])
            )
        deck = deck_names.get(first.deck)
        if deck is None:
            deck = deck_names[first.deck] = anki_deck_name(first.deck)
        source = md(first.source)
        srs_id = plain(first.note_id)
        # The note's modification time: when its content last changed (or it became a leech: the tag).
        if len(group) == 1:
            by_ord = {0: first}
            suspended = {0} if first.suspended else set()
            mod = first.updated
        else:
            by_ord = {_anki_ord(c): c for c in group}
            suspended = {o for o, c in by_ord.items() if c.suspended}
            mod = max(c.updated for c in group)
        if leech:
            mod = max(mod, *(c.last_review or 0 for c in group if c.leech))
        mod = max(mod, FORMAT_EPOCH)
        if kind is Kind.QUIZ:
            if quiz_mod is None:
                from srs import quiz as quiz_mod
            params = first.params or None
            for index in range(1, quiz_instances + 1):
                seed = quiz_seed(first.note_id, index)
                try:
                    inst = quiz_mod.generate(first.item, seed, params)
                except QuizError as exc:
                    raise QuizError(f"quiz card {first.note_id!r}: {exc}") from None
                fields = [
                    md(inst.prompt),
                    md(str(inst.answer)),
                    md(inst.solution),
                    plain(first.item),
                    str(seed),
                    f"{index}/{quiz_instances}",
                    md(first.extra),
                    source,
                    srs_id,
                ]
                planned.append(
                    PlannedNote(
                        guid(f"{first.note_id}#{index}"),
                        kind,
                        deck,
                        fields,
                        tags,
                        # Instances kept apart in the new queue: instance i after every note's instance i-1.
                        number + (index - 1) * len(groups),
                        mod,
                        cards={0: first} if index == 1 else {},
                        suspended_ords={0} if first.suspended else set(),
                    )
                )
        else:
            if kind is Kind.EXERCISE:
                if exercise_mod is None:
                    from srs import exercises as exercise_mod
                try:
                    ex = exercise_mod.get(first.item)
                except QuizError as exc:
                    raise QuizError(f"exercise card {first.note_id!r}: {exc}") from None
                hints = "\n".join(f"{i}. {h}" for i, h in enumerate(ex.hints, 1))
                description = ex.description.strip()
                if not description.startswith("#"):  # the front shows the title as the description's heading
                    description = f"# {ex.info.title}\n\n{description}"
                fields = [
                    md(ex.info.title),
                    md(description),
                    renderer.code(ex.starter, "python"),
                    md(hints),
                    renderer.code(ex.reference, "python"),
                    md(ex.checks_description),
                    plain(first.item),
                    md(first.extra),
                    source,
                    srs_id,
                ]
            elif kind is Kind.CLOZE:
                fields = [md(first.front), md(first.extra), source, srs_id]
            elif kind is Kind.CHOICE:
                options, answer = choice_fields(first.back)
                fields = [md(first.front), md(options), md(answer), md(first.extra), source, srs_id]
            elif kind is Kind.TYPE_IN:
                answer, _, explanation = first.back.strip().partition("\n")
                fields = [
                    md(first.front),
                    plain(answer.strip()),
                    md(explanation.strip()),
                    md(first.extra),
                    source,
                    srs_id,
                ]
            else:  # basic, reversed, lab: fields from the forward card (the reversed card has them swapped)
                fwd = by_ord.get(0)
                front, back = (fwd.front, fwd.back) if fwd else (first.back, first.front)
                fields = [md(front), md(back), md(first.extra), source, srs_id]
            planned.append(
                PlannedNote(
                    guid(first.note_id),
                    kind,
                    deck,
                    fields,
                    tags,
                    number,
                    mod,
                    cards=by_ord,
                    suspended_ords=suspended,
                )
            )
        if progress is not None and (number % 500 == 0 or number == len(groups)):
            progress(number, len(groups), "rendering")
    return planned


# A link to a file in the learner's media folder, as the importers write it (relative to the deck file).
_MEDIA_LINK = re.compile(r"(\]\()((?:\.\./)*+media/([^]()\s]+))(\))")  # no "]" or "(" in a name: linear


def localise_media(
    store: Store, cards: list[ExportCard], media_dir: Path | None, missing: list[str] | None = None
) -> tuple[list[ExportCard], dict[str, Path]]:
    """Cards whose links point into the media folder get bare file names (Anki's media are flat), and the
    files to put in the package (name -> path). A missing file (e.g. one an import refused, or lost) leaves
    its link as it was and is named in ``missing`` with the card's file:line; without ``missing`` it is
    refused (InputError)."""
    from urllib.parse import unquote

    media: dict[str, Path] = {}
    if media_dir is None:
        return cards, media
    out = []
    for card in cards:
        if "media/" not in card.front and "media/" not in card.back and "media/" not in card.extra:
            out.append(card)
            continue

        def relink(m: re.Match[str], card: ExportCard = card) -> str:
            name = unquote(m.group(3))
            path = media_dir / name
            if path.parent != media_dir or not path.is_file():
                spec = store.get_card(card.id).spec
                if missing is None:
                    raise InputError(f"{spec.path}:{spec.line}: image {m.group(2)} not found in {media_dir}")
                missing.append(f"{spec.path}:{spec.line}: {name}")
                return m.group(0)
            media[name] = path
            return m.group(1) + m.group(3) + m.group(4)

        out.append(
            card._replace(
                front=_MEDIA_LINK.sub(relink, card.front),
                back=_MEDIA_LINK.sub(relink, card.back),
                extra=_MEDIA_LINK.sub(relink, card.extra),
            )
        )
    return out, media


_SRC = re.compile(r'src="([^"]+)"')


def plain_media_sources(planned: Sequence[PlannedNote], media: dict[str, Path]) -> None:
    """Anki names media in fields by their plain file names (not URL-encoded, as the Markdown renderer
    writes them): ``src="a%20b.png"`` becomes ``src="a b.png"`` for the files in the package."""
    import html
    from urllib.parse import unquote

    def plain(m: re.Match[str]) -> str:
        name = unquote(html.unescape(m.group(1)))
        return f'src="{html.escape(name)}"' if name in media else m.group(0)

    for plan in planned:
        plan.fields = [_SRC.sub(plain, f) if 'src="' in f else f for f in plan.fields]
