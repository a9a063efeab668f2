"""Export to an Anki package (.apkg): the only module that imports ``genanki``.

One Anki note per srs note (a reversed note is one note with two cards, a cloze note one note with a card
per deletion), in note types with fixed ids, in decks with ids derived from their names, each note's guid
derived from its stable srs id, so that importing a later export UPDATES the notes already in Anki
instead of adding copies. Quiz cards become ``quiz_instances`` frozen instances (one note each, fixed
seeds); exercise cards show the task and starter code on the front and the reference on the back.

Each note's modification time is the time its content last changed in srs (its cards' ``updated``
stamp, never before :data:`FORMAT_EPOCH`). Anki's importer updates an existing note when the incoming
modification time is newer, whatever the fields hold, so this makes a re-export update exactly the notes
edited since (and leaves alone a note the learner edited in Anki later). Everything else in the package
(note types, cards, the collection) carries the current time: no fixed timestamp is used.

The package is written compressed to a temporary file in the output folder and renamed into place at
the end: a failed or interrupted export never leaves a partial file at ``out``.

Scheduling (``with_scheduling``): genanki writes new cards only, so the card rows are rewritten in the
package's collection afterwards (the FSRS memory state, interval and due date) and our review log is added
as Anki revlog rows; Anki keeps both when the package is imported with scheduling. Mapping:

* review cards: ``type=2, queue=2``, ``due`` = the due day counted from the package collection's creation
  day (``col.crt``, set to exactly ``CRT_DAYS`` days before the export so the importer's day arithmetic is
  exact), ``ivl`` = the scheduled interval in days.
* learning / relearning cards stay learning cards (``type=1`` / ``type=3``): ``queue=1`` with ``due`` the
  exact due time (epoch seconds) when due before the end of today, else ``queue=3`` with a day number;
  ``left`` = learning steps still to go. Their FSRS memory goes along, so Anki continues the same steps.
* ``data`` = ``{"s", "d", "dr", "decay", "lrt"}``: stability, difficulty, desired retention, FSRS-6
  decay and the last review time, which is what Anki's FSRS reads.
* suspended cards get ``queue=-1`` (with or without scheduling); leeches also carry the ``leech`` tag.
* a quiz's schedule and history go to its first instance; the other instances are new cards.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import operator
import os
import re
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import genanki

from srs import kinds
from srs.clock import LearnerClock
from srs.errors import InputError, QuizError, SrsError
from srs.interop.anki import cycle_collector_paused, package_db
from srs.interop.anki.cardhtml import HtmlRenderer
from srs.kinds.choice import choice_fields
from srs.model import Kind, State
from srs.store import Filter, Store
from srs.store.queries import active_card_rows, review_log_for_export

if TYPE_CHECKING:
    import sqlite3

    from srs.scheduling.settings import Settings

DAY = 86400
# The package collection is created this many days before the export (see the module docstring).
CRT_DAYS = 10_000
DEFAULT_QUIZ_INSTANCES = 3
COMPRESS_LEVEL = 1  # deflate's fastest level: 15 MB -> 2.6 MB in 0.08 s (level 6: 2.2 MB, 0.2 s)
# Notes are stamped with the time their content last changed, never earlier than this: raise it to the
# release time whenever the rendering of fields changes, so that notes imported before get updated.
FORMAT_EPOCH = 1_767_225_600  # 2026-01-01 00:00 UTC

# The deck-options preset that carries the learner's FSRS parameters and desired retention (fixed id).
PRESET_ID = 1_739_401_200
PRESET_NAME = "srs (FSRS parameters from srs)"

# The note types, from the card kinds (their ids are fixed: Anki recognises note types by id on every import).
MODEL_IDS: dict[Kind, int] = {k: kinds.get(k).anki.model_id for k in Kind}
MODEL_NAMES: dict[Kind, str] = {k: kinds.get(k).anki.name for k in Kind}
FIELDS: dict[Kind, tuple[str, ...]] = {k: kinds.get(k).anki.fields for k in Kind}

CSS = """\
/* srs cards: readable in light and night mode. */
.card {
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC",
    "PingFang SC", "Microsoft YaHei", sans-serif;
  font-size: 20px; line-height: 1.5; text-align: left;
  color: #1f2328; background-color: #ffffff;
}
.srs { max-width: 44em; margin: 0 auto; padding: 0 0.5em; }
.kind { font-size: 0.7em; color: #6e7781; text-transform: uppercase; letter-spacing: 0.05em; }
.back, .answer, .solution { margin-top: 0.4em; }
.extra { margin-top: 1em; padding: 0.2em 0.8em; border-left: 3px solid #d0d7de; color: #57606a; }
.source { margin-top: 1.2em; font-size: 0.75em; color: #6e7781; }
.srs-id { margin-top: 0.3em; font-size: 0.65em; color: #8c959f; font-family: ui-monospace, monospace; }
.srs h1 { font-size: 1.3em; } .srs h2 { font-size: 1.15em; } .srs h3 { font-size: 1.05em; }
.label { margin-top: 0.8em; font-size: 0.75em; font-weight: 600; color: #57606a; }
.cloze { font-weight: 600; color: #0550ae; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace;
  font-size: 0.88em; background: rgba(175, 184, 193, 0.25); padding: 0.1em 0.3em; border-radius: 4px; }
/* Code blocks carry their own light background and colours (inline styles), in both modes. */
pre { font-size: 0.8em; border: 1px solid #d0d7de; padding: 0.6em 0.8em; border-radius: 6px;
  overflow-x: auto; }
pre code { background: none; padding: 0; font-size: 1em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #d0d7de; padding: 0.2em 0.6em; }
details { margin-top: 0.8em; }
summary { cursor: pointer; color: #57606a; }
hr#answer { border: none; border-top: 1px solid #d0d7de; margin: 1em 0; }
input#typeans { font-family: inherit; font-size: 0.9em; }

.nightMode.card, .nightMode .card, .night_mode.card, .night_mode .card {
  color: #e6edf3; background-color: #1f1f1f;
}
.nightMode .kind, .night_mode .kind, .nightMode .source, .night_mode .source { color: #9198a1; }
.nightMode .extra, .night_mode .extra { color: #b7bdc8; border-left-color: #3d444d; }
.nightMode .srs-id, .night_mode .srs-id { color: #7d8590; }
.nightMode .label, .night_mode .label, .nightMode summary, .night_mode summary { color: #b7bdc8; }
.nightMode .cloze, .night_mode .cloze { color: #79c0ff; }
.nightMode code, .night_mode code { background: rgba(110, 118, 129, 0.4); }
.nightMode pre, .night_mode pre { border-color: #3d444d; }
.nightMode pre code, .night_mode pre code { background: none; }
.nightMode th, .night_mode th, .nightMode td, .night_mode td { border-color: #3d444d; }
.nightMode hr#answer, .night_mode hr#answer { border-top-color: #3d444d; }
"""

_TAIL = (
    '{{#Extra}}<div class="extra">{{Extra}}</div>{{/Extra}}'
    '{{#Source}}<div class="source">{{Source}}</div>{{/Source}}'
    '<div class="srs-id">srs: {{SrsId}}</div>'
)

TEMPLATES: dict[Kind, list[dict[str, str]]] = {
    Kind.BASIC: [
        {
            "name": "Card 1",
            "qfmt": '<div class="srs"><div class="front">{{Front}}</div></div>',
            "afmt": '<div class="srs"><div class="front">{{Front}}</div><hr id="answer">'
            '<div class="back">{{Back}}</div>' + _TAIL + "</div>",
        }
    ],
    Kind.LAB: [
        {
            "name": "Card 1",
            "qfmt": '<div class="srs"><div class="kind">lab</div><div class="front">{{Front}}</div></div>',
            "afmt": '<div class="srs"><div class="kind">lab</div><div class="front">{{Front}}</div><hr id="answer">'
            '<div class="back">{{Back}}</div>' + _TAIL + "</div>",
        }
    ],
    Kind.REVERSED: [
        {
            "name": "Card 1",
            "qfmt": '<div class="srs"><div class="front">{{Front}}</div></div>',
            "afmt": '<div class="srs"><div class="front">{{Front}}</div><hr id="answer">'
            '<div class="back">{{Back}}</div>' + _TAIL + "</div>",
        },
        {
            "name": "Card 2",
            "qfmt": '<div class="srs"><div class="front">{{Back}}</div></div>',
            "afmt": '<div class="srs"><div class="front">{{Back}}</div><hr id="answer">'
            '<div class="back">{{Front}}</div>' + _TAIL + "</div>",
        },
    ],
    Kind.CLOZE: [
        {
            "name": "Cloze",
            "qfmt": '<div class="srs"><div class="front">{{cloze:Text}}</div></div>',
            "afmt": '<div class="srs"><div class="front">{{cloze:Text}}</div>' + _TAIL + "</div>",
        }
    ],
    Kind.TYPE_IN: [
        {
            "name": "Card 1",
            "qfmt": '<div class="srs"><div class="front">{{Front}}</div><br>{{type:Back}}</div>',
            "afmt": '<div class="srs"><div class="front">{{Front}}</div><hr id="answer">{{type:Back}}'
            '{{#Explanation}}<div class="back">{{Explanation}}</div>{{/Explanation}}' + _TAIL + "</div>",
        }
    ],
    Kind.QUIZ: [
        {
            "name": "Card 1",
            "qfmt": '<div class="srs"><div class="kind">quiz · {{Quiz}} · instance {{Instance}}</div>'
            '<div class="front">{{Prompt}}</div></div>',
            "afmt": '<div class="srs"><div class="kind">quiz · {{Quiz}} · instance {{Instance}}</div>'
            '<div class="front">{{Prompt}}</div><hr id="answer">'
            '<div class="answer"><b>Answer:</b> {{Answer}}</div>'
            '<div class="label">Worked solution</div><div class="solution">{{Solution}}</div>'
            + _TAIL
            + "</div>",
        }
    ],
    Kind.EXERCISE: [
        {
            "name": "Card 1",
            "qfmt": '<div class="srs"><div class="kind">exercise · {{Exercise}}</div>'
            '<div class="front">{{Description}}</div><div class="label">Starter code</div>{{Starter}}'
            "{{#Hints}}<details><summary>Hints</summary>{{Hints}}</details>{{/Hints}}"
            '<div class="label">Write it, then run the checks with <code>srs quiz try {{Exercise}}</code>'
            "</div></div>",
            "afmt": '<div class="srs"><div class="kind">exercise · {{Exercise}}</div>'
            '<div class="front">{{Description}}</div><hr id="answer">'
            '<div class="label">Reference solution</div>{{Reference}}'
            '<div class="label">What the checks test</div><div class="back">{{Checks}}</div>'
            + _TAIL
            + "</div>",
        }
    ],
    Kind.CHOICE: [
        {
            "name": "Card 1",
            "qfmt": '<div class="srs"><div class="kind">multiple choice</div>'
            '<div class="front">{{Question}}</div><div class="options">{{Options}}</div></div>',
            "afmt": '<div class="srs"><div class="kind">multiple choice</div>'
            '<div class="front">{{Question}}</div><div class="options">{{Options}}</div><hr id="answer">'
            '<div class="answer"><b>Answer:</b> {{Answer}}</div>' + _TAIL + "</div>",
        }
    ],
}

ProgressFn = Callable[[int, int, str], None]


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    path: Path
    notes: int
    cards: int
    decks: int
    bytes: int
    reviews: int
    with_scheduling: bool
    seconds: float
    missing_media: tuple[str, ...] = ()  # "file:line: name" of each linked media file not found

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "missing_media": list(self.missing_media),
            "path": str(self.path),
            "notes": self.notes,
            "cards": self.cards,
            "decks": self.decks,
            "bytes": self.bytes,
            "reviews": self.reviews,
            "with_scheduling": self.with_scheduling,
            "seconds": round(self.seconds, 3),
        }


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


# -- ids, names, tags --------------------------------------------------------------------------------
def deck_id(name: str) -> int:
    """A fixed Anki deck id for a deck name (a stable hash in genanki's range [2**30, 2**31))."""
    digest = hashlib.sha256(("srs-deck\x00" + name).encode("utf-8")).digest()
    return (1 << 30) | (int.from_bytes(digest[:4], "big") & ((1 << 30) - 1))


def note_guid(note_id: str) -> str:
    """The Anki guid of a note: a hash of its stable srs id, so a re-export updates it."""
    return str(genanki.guid_for(note_id))


def quiz_guid(note_id: str, index: int) -> str:
    """The guid of quiz instance ``index`` (1-based). ``#`` never occurs in ids, so no clash with notes."""
    return str(genanki.guid_for(f"{note_id}#{index}"))


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


def build_models() -> dict[Kind, genanki.Model]:
    """The note types of every card kind, with their fixed ids."""
    models: dict[Kind, genanki.Model] = {}
    for kind, model_id in MODEL_IDS.items():
        models[kind] = genanki.Model(
            model_id,
            MODEL_NAMES[kind],
            fields=[{"name": f} for f in FIELDS[kind]],
            templates=TEMPLATES[kind],
            css=CSS,
            model_type=genanki.Model.CLOZE if kinds.get(kind).anki.cloze else genanki.Model.FRONT_BACK,
        )
    return models


# -- planning: our cards -> Anki notes ------------------------------------------------------------------
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
    quiz_instances: int = DEFAULT_QUIZ_INSTANCES,
    progress: ProgressFn | None = None,
) -> list[PlannedNote]:
    """Turn our cards into the Anki notes to write, with their fields rendered to HTML."""
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
                        quiz_guid(first.note_id, index),
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
                    note_guid(first.note_id),
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


# -- media and deck options ------------------------------------------------------------------------------
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


def _plain_media_sources(planned: Sequence[PlannedNote], media: dict[str, Path]) -> None:
    """Anki names media in fields by their plain file names (not URL-encoded, as the Markdown renderer
    writes them): ``src="a%20b.png"`` becomes ``src="a b.png"`` for the files in the package."""
    import html
    from urllib.parse import unquote

    def plain(m: re.Match[str]) -> str:
        name = unquote(html.unescape(m.group(1)))
        return f'src="{html.escape(name)}"' if name in media else m.group(0)

    for plan in planned:
        plan.fields = [_SRC.sub(plain, f) if 'src="' in f else f for f in plan.fields]


def deck_options(store: Store) -> dict[str, Any]:
    """Anki deck-preset keys carrying the learner's desired retention and fitted FSRS-6 parameters."""
    from srs.scheduling.settings import load_settings

    settings = load_settings(store, enable_fuzzing=False)
    options: dict[str, Any] = {"desiredRetention": settings.desired_retention}
    if settings.parameters is not None and len(settings.parameters) == 21:
        options["fsrsParams6"] = [round(float(w), 4) for w in settings.parameters]
    return options


# -- writing ---------------------------------------------------------------------------------------------
ANKI_COLLECTIONS = frozenset({"collection.anki2", "collection.anki21", "collection.anki21b"})
LITTER_AGE = 3600.0
_TMP_APKG_RE = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp$")


def is_anki_package(path: Path) -> bool:
    """Whether ``path`` is a zip holding an Anki collection (what an export writes)."""
    try:
        if not zipfile.is_zipfile(path):
            return False
        with zipfile.ZipFile(path) as zf:
            return any(name in ANKI_COLLECTIONS for name in zf.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


def _within(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def check_output(
    out: Path, *, force: bool = False, database: Path | None = None, decks_dirs: Sequence[Path] = ()
) -> None:
    """Refuse, with one clear message, an output path that cannot or must not be written (nothing is created).

    Never the database (or its -wal, -shm, .lock files); without ``force`` nothing under a deck
    folder and no existing file that is not an Anki package.
    """
    folder = out.parent
    if out.name in ("", ".", ".."):
        raise InputError(f"{out} is not a file name")
    if out.is_dir():
        raise InputError(f"{out} is a folder; give a file name such as {out / 'srs.apkg'}")
    if not folder.exists():
        raise InputError(f"output folder {folder} does not exist")
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder")
    real = out.resolve()
    if database is not None:
        db = database.resolve()
        if real in {db.with_name(db.name + suffix) for suffix in ("", "-wal", "-shm", "-journal", ".lock")}:
            raise InputError(f"{out} is the srs database; export to a new .apkg file")
    if not force:
        for decks in decks_dirs:
            if _within(real, decks.resolve()):
                raise InputError(
                    f"{out} is inside the deck folder {decks}; export elsewhere (or add --force)"
                )
        # An existing .apkg (an earlier export, even one cut short) may be replaced; anything else not.
        if out.exists() and out.suffix.lower() != ".apkg" and not is_anki_package(out):
            raise InputError(
                f"{out} exists and is not an Anki package; not overwriting it (add --force to replace it)"
            )
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".probe", dir=folder)
    except OSError as exc:
        raise InputError(f"cannot write to folder {folder}: {exc.strerror or exc}") from None
    os.close(fd)
    os.unlink(probe)


def clean_litter(folder: Path, *, now: float, min_age: float = LITTER_AGE) -> list[Path]:
    """Remove what killed exports left: ``srs-anki-*`` scratch folders in the temporary folder and
    hidden ``.NAME.XXXXXXXX.tmp`` packages in ``folder``. Only ours (same user, our names) and only
    old ones (untouched for ``min_age`` seconds: a running export keeps its own). Returns what went."""
    import shutil

    removed: list[Path] = []
    uid = os.getuid() if hasattr(os, "getuid") else None

    def old_and_ours(entry: os.DirEntry[str]) -> bool:
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            return False
        return (uid is None or st.st_uid == uid) and now - st.st_mtime >= min_age

    with contextlib.suppress(OSError), os.scandir(tempfile.gettempdir()) as entries:
        for entry in entries:
            if (
                entry.name.startswith("srs-anki-")
                and entry.is_dir(follow_symlinks=False)
                and old_and_ours(entry)
            ):
                shutil.rmtree(entry.path, ignore_errors=True)
                removed.append(Path(entry.path))
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if (
                _TMP_APKG_RE.match(entry.name)
                and entry.is_file(follow_symlinks=False)
                and old_and_ours(entry)
            ):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


@dataclass(frozen=True)
class _Clock:
    """The export's moment, and the learner's days (Anki counts due days of review cards in them)."""

    now: int
    days: LearnerClock

    def day_number(self, ts: int) -> int:
        """Anki's due-day number of ``ts`` in the package collection (today is CRT_DAYS)."""
        return CRT_DAYS + self.days.days_between(self.now, ts)

    @property
    def day_end(self) -> int:
        """When the learner's current day ends."""
        return self.days.start(self.days.day(self.now) + 1)


def _memory_data(m: ExportCard, position: int, settings: Settings, decay: float) -> str:
    data: dict[str, Any] = {"pos": position}
    if m.stability is not None:
        data["s"] = round(m.stability, 4)
    if m.difficulty is not None:
        data["d"] = round(m.difficulty, 4)
    data["dr"] = settings.desired_retention
    data["decay"] = round(decay, 4)
    if m.last_review is not None:
        data["lrt"] = int(m.last_review)
    return json.dumps(data, separators=(",", ":"))


def _card_row(
    m: ExportCard, position: int, clock: _Clock, settings: Settings, decay: float
) -> tuple[Any, ...] | None:
    """(type, queue, due, ivl, factor, reps, lapses, left, data) for a card that has been reviewed."""
    if m.state == State.NEW or m.due is None:
        return None
    data = _memory_data(m, position, settings, decay)
    if m.state == State.REVIEW:
        if m.last_review is not None:
            ivl = max(1, round((m.due - m.last_review) / DAY))
        else:
            ivl = max(1, round(m.stability or 1))
        return (2, 2, clock.day_number(m.due), ivl, 2500, m.reps, m.lapses, 0, data)
    relearning = m.state == State.RELEARNING
    steps = settings.relearning_steps if relearning else settings.learning_steps
    left = max(1, len(steps) - (m.step or 0))
    if m.due < clock.day_end:
        queue, due = 1, int(m.due)
    else:
        queue, due = 3, clock.day_number(m.due)
    ivl = max(1, round(m.stability or 1)) if relearning else 0
    return (3 if relearning else 1, queue, due, ivl, 2500 if relearning else 0, m.reps, m.lapses, left, data)


def _revlog_rows(store: Store, flt: Filter, card_ids: dict[str, int]) -> list[tuple[Any, ...]]:
    """Our review log as Anki revlog rows (id = review time in ms, kept unique and increasing)."""
    rows = review_log_for_export(store, flt)
    out: list[tuple[Any, ...]] = []
    last_id = 0
    for (
        card_id,
        ts,
        rating,
        duration,
        before,
        interval,
        difficulty,
        after_state,
        after_due,
        before_due,
        before_last,
    ) in rows:
        cid = card_ids.get(card_id)
        if cid is None:
            continue
        rid = max(int(ts) * 1000, last_id + 1)
        last_id = rid
        if after_state == State.REVIEW:
            ivl = max(1, round(interval or 0))
        else:
            ivl = -max(0, int(after_due or ts) - int(ts))
        if before == State.REVIEW and before_due is not None and before_last is not None:
            last_ivl = max(1, round((int(before_due) - int(before_last)) / DAY))
        elif (
            before in (State.LEARNING, State.RELEARNING)
            and before_due is not None
            and before_last is not None
        ):
            last_ivl = -max(0, int(before_due) - int(before_last))
        else:
            last_ivl = 0
        factor = 100 + round((difficulty - 1) / 9 * 1000) if difficulty is not None else 0
        kind = {State.NEW: 0, State.LEARNING: 0, State.REVIEW: 1, State.RELEARNING: 2}.get(State(before), 0)
        out.append(
            (
                rid,
                cid,
                -1,
                int(rating),
                ivl,
                last_ivl,
                factor,
                min(max(0, int(duration or 0)), 2**31 - 1),
                kind,
            )
        )
    return out


def _fill_database(
    conn: sqlite3.Connection,
    planned: Sequence[PlannedNote],
    *,
    timestamp: float,
    store: Store,
    flt: Filter,
    clock: _Clock,
    settings: Settings | None,
    decay: float,
    progress: ProgressFn | None = None,
    deck_options: dict[str, Any] | None = None,
) -> tuple[int, int]:
    """Write the notes with genanki into a fresh collection, then apply suspension and scheduling.
    Returns (Anki cards written, revlog rows written)."""
    models = build_models()
    decks: dict[str, genanki.Deck] = {}
    notes: list[tuple[genanki.Note, int, int]] = []
    for plan in planned:
        deck = decks.get(plan.deck)
        if deck is None:
            deck = decks[plan.deck] = genanki.Deck(deck_id(plan.deck), plan.deck)
        model = models[plan.kind]
        deck.add_model(model)
        notes.append(
            (
                genanki.Note(
                    model=model, fields=plan.fields, tags=plan.tags, guid=plan.guid, due=plan.position
                ),
                deck.deck_id,
                plan.mod,
            )
        )
    cursor = conn.cursor()
    id_gen = itertools.count(int(timestamp * 1000))
    # The collection with its decks and note types, stamped now (genanki's Package, decks without notes) ...
    genanki.Package(list(decks.values())).write_to_db(cursor, timestamp, id_gen)
    # ... then every note (and its cards), stamped with the time its content last changed.
    for number, (note, did, mod) in enumerate(notes, 1):
        note.write_to_db(cursor, mod, did, id_gen)
        if progress is not None and number % 2000 == 0:
            progress(number, len(notes), "writing")
    # schedVer 2: our review log has four answer buttons in learning too (a v1 collection is read as three,
    # and Anki would shift those ratings up when importing).
    package_db.set_creation_and_v2_scheduler(cursor, clock.now - CRT_DAYS * DAY)
    if deck_options:
        # The learner's desired retention and fitted FSRS parameters in the deck options (Anki applies them
        # when the package is imported with its deck presets).
        # A preset of our own (fixed id): Anki does not overwrite its Default preset on import.
        dconf, deck_rows = package_db.deck_config(cursor)
        preset = dict(dconf["1"], id=PRESET_ID, name=PRESET_NAME, mod=int(timestamp), usn=-1, **deck_options)
        dconf[str(PRESET_ID)] = preset
        for row in deck_rows.values():
            if int(row["id"]) != 1:
                row["conf"] = PRESET_ID
        package_db.set_deck_config(cursor, dconf, deck_rows)
    reviews = 0
    if settings is not None or any(p.suspended_ords for p in planned):
        anki_ids = package_db.card_ids(cursor)
        if settings is not None:
            updates = []
            card_ids: dict[str, int] = {}
            for plan in planned:
                for ord_, card in plan.cards.items():
                    cid = anki_ids.get((plan.guid, ord_))
                    if cid is None:
                        continue
                    card_ids[card.id] = cid
                    row = _card_row(card, plan.position, clock, settings, decay)
                    if row is not None:
                        updates.append((*row, int(timestamp), cid))
            package_db.schedule_cards(cursor, updates)
            revlog = _revlog_rows(store, flt, card_ids)
            package_db.add_revlog(cursor, revlog)
            reviews = len(revlog)
        package_db.suspend_cards(
            cursor,
            [anki_ids[(p.guid, o)] for p in planned for o in p.suspended_ords if (p.guid, o) in anki_ids],
        )
    conn.commit()
    return package_db.card_count(cursor), reviews


def export_anki(
    store: Store,
    out: Path | str,
    *,
    flt: Filter = Filter(),
    with_scheduling: bool = False,
    quiz_instances: int = DEFAULT_QUIZ_INSTANCES,
    now: int | None = None,
    utc_offset: int = 0,
    progress: ProgressFn | None = None,
    media_dir: Path | None = None,
    force: bool = False,
) -> ExportResult:
    """Export the active cards matching ``flt`` to the Anki package ``out``; see the module docstring.

    An existing ``out`` that is not an Anki package is only replaced with ``force``; the
    database itself never (see :func:`check_output`).

    ``now`` (epoch seconds, default the current time) is the moment due dates are counted from.
    Raises :class:`InputError` for an unwritable output or when no card matches.
    """
    started = time.perf_counter()
    out = Path(out)
    if quiz_instances < 1:
        raise InputError("--quiz-instances must be at least 1")
    check_output(out, force=force, database=store.path)
    with cycle_collector_paused():
        return _export(
            store,
            out,
            flt=flt,
            with_scheduling=with_scheduling,
            quiz_instances=quiz_instances,
            now=now,
            utc_offset=utc_offset,
            progress=progress,
            started=started,
            media_dir=media_dir,
        )


def _export(
    store: Store,
    out: Path,
    *,
    flt: Filter,
    with_scheduling: bool,
    quiz_instances: int,
    now: int | None,
    utc_offset: int,
    progress: ProgressFn | None,
    started: float,
    media_dir: Path | None = None,
) -> ExportResult:
    cards = load_cards(store, flt)
    missing: list[str] = []
    cards, media = localise_media(store, cards, media_dir, missing)
    if not cards:
        if flt.deck or flt.tag:
            what = " and ".join(
                part
                for part in (f"deck {flt.deck!r}" if flt.deck else "", f"tag {flt.tag!r}" if flt.tag else "")
                if part
            )
            raise InputError(f"no cards match {what}; see `srs decks`")
        raise InputError("nothing to export: the collection has no cards")
    now = int(time.time()) if now is None else int(now)
    timestamp = time.time()
    settings: Settings | None = None
    decay = 0.1542
    rollover = 4
    if with_scheduling:
        from srs.scheduling.scheduler import Scheduler
        from srs.scheduling.settings import load_settings

        settings = load_settings(store, enable_fuzzing=False)
        decay = float(Scheduler(settings).parameters[20])
        rollover = settings.rollover_hour
    clock = _Clock(now, LearnerClock(utc_offset, rollover))

    planned = plan_notes(cards, HtmlRenderer(), quiz_instances=quiz_instances, progress=progress)
    if media:
        _plain_media_sources(planned, media)
    if progress is not None:
        progress(0, len(planned), "writing")
    tmp_apkg = out.parent / f".{out.name}.{os.urandom(4).hex()}.tmp"
    try:
        with tempfile.TemporaryDirectory(prefix="srs-anki-") as work:
            db_path = Path(work) / "collection.anki2"
            conn = package_db.open_scratch(db_path)
            try:
                count, reviews = _fill_database(
                    conn,
                    planned,
                    timestamp=timestamp,
                    store=store,
                    flt=flt,
                    clock=clock,
                    settings=settings,
                    decay=decay,
                    progress=progress,
                    deck_options=deck_options(store),
                )
            finally:
                conn.close()
            if progress is not None:
                progress(len(planned), len(planned), "compressing")
            with zipfile.ZipFile(
                tmp_apkg, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL
            ) as zf:
                zf.write(db_path, "collection.anki2")
                for number, file in enumerate(media.values()):
                    zf.write(file, str(number))
                zf.writestr("media", json.dumps({str(i): name for i, name in enumerate(media)}))
        os.replace(tmp_apkg, out)
    except OSError as exc:
        _remove(tmp_apkg)
        raise SrsError(f"cannot write {out}: {exc.strerror or exc}") from None
    except BaseException:
        _remove(tmp_apkg)
        raise
    return ExportResult(
        path=out,
        notes=len(planned),
        cards=count,
        decks=len({p.deck for p in planned}),
        bytes=out.stat().st_size,
        reviews=reviews,
        with_scheduling=with_scheduling,
        seconds=time.perf_counter() - started,
        missing_media=tuple(dict.fromkeys(missing)),
    )


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
