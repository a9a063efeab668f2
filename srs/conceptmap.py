"""The knowledge map: the curriculum's concept graph (``decks/concepts.toml``), which concept each note
belongs to, and how well the learner holds each concept, from the store.

The graph is data: loading it checks it (unique ids, known prerequisites introduced no later than the
concept, no cycle, a tag or note id claimed by one concept at most). Placing a note is pure
(:meth:`ConceptGraph.assign`); the figures come from one grouped query (:mod:`srs.store.concepts`), with
each card's recall computed by the scheduler's own retrievability function.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from srs.errors import InputError, NotFoundError, SrsError

if TYPE_CHECKING:
    from srs.scheduling.scheduler import Scheduler
    from srs.store import Store
    from srs.store.concepts import ConceptGroup

MASTERED, LEARNING, WEAK, NOT_STARTED = "mastered", "learning", "weak", "not started"
STATUSES = (MASTERED, LEARNING, WEAK, NOT_STARTED)
# "Many lapses": at least this many, and at least one for every two cards seen.
MANY_LAPSES = 2
LAPSES_PER_SEEN = 0.5


class MapError(SrsError):
    """The concept graph file is malformed."""


@dataclass(frozen=True)
class Concept:
    """One node of the map."""

    id: str
    zh: str
    en: str
    day: int | None
    requires: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    builtin: bool = True

    @property
    def label(self) -> str:
        """Chinese and English name together (one name when they are the same)."""
        return self.zh if self.zh == self.en else f"{self.zh} {self.en}"


@dataclass(frozen=True)
class ConceptGraph:
    """The concepts in file order, with the indexes that place notes."""

    concepts: tuple[Concept, ...]
    by_id: dict[str, Concept] = field(repr=False)
    by_tag: dict[str, str] = field(repr=False)
    by_note: dict[str, str] = field(repr=False)
    days: dict[int, str] = field(default_factory=dict, repr=False)

    def find(self, name: str) -> Concept | None:
        """The concept with this id, Chinese or English name (any case), or None."""
        if name in self.by_id:
            return self.by_id[name]
        low = " ".join(name.split()).casefold()
        for c in self.concepts:
            if low in (c.id.casefold(), c.zh.casefold(), c.en.casefold()):
                return c
        return None

    def assign(self, note_id: str, tags: Iterable[str], concept: str = "") -> str | None:
        """The id of the concept a note belongs to: its ``concept:`` field (a known concept, or the name as
        it is: a learner's own node), else a concept listing the note, else the first of its tags that a
        concept claims; None if nothing places it."""
        if concept:
            found = self.find(concept)
            return found.id if found is not None else concept
        if note_id in self.by_note:
            return self.by_note[note_id]
        for tag in tags:
            if tag in self.by_tag:
                return self.by_tag[tag]
        return None

    def with_extra(self, extra: Sequence[Concept]) -> ConceptGraph:
        """This graph with learners' own concepts added after the built-in ones."""
        return build_graph([*self.concepts, *extra], check_days=False, days=self.days)

    def prerequisites(self, concept_id: str) -> list[str]:
        """Every concept ``concept_id`` rests on, directly or not, nearest first (no repeats)."""
        seen: dict[str, None] = {}
        frontier = list(self.by_id[concept_id].requires)
        while frontier:
            nxt: list[str] = []
            for cid in frontier:
                if cid not in seen and cid != concept_id:
                    seen[cid] = None
                    nxt.extend(self.by_id[cid].requires)
            frontier = nxt
        return list(seen)


def build_graph(
    concepts: Sequence[Concept], *, check_days: bool = True, days: dict[int, str] | None = None
) -> ConceptGraph:
    """Index and check a list of concepts; MapError names the first problem."""
    by_id: dict[str, Concept] = {}
    by_tag: dict[str, str] = {}
    by_note: dict[str, str] = {}
    for c in concepts:
        if c.id in by_id:
            raise MapError(f"concept {c.id!r} is defined twice")
        by_id[c.id] = c
        for tag in c.tags:
            if tag in by_tag:
                raise MapError(f"tag {tag!r} is claimed by {by_tag[tag]!r} and {c.id!r}")
            by_tag[tag] = c.id
        for note in c.notes:
            if note in by_note:
                raise MapError(f"note {note!r} is listed by {by_note[note]!r} and {c.id!r}")
            by_note[note] = c.id
    for c in concepts:
        for r in c.requires:
            if r not in by_id:
                raise MapError(f"concept {c.id!r} requires {r!r}, which is not a concept")
            before = by_id[r].day
            if check_days and c.day is not None and (before is None or before > c.day):
                raise MapError(f"concept {c.id!r} (day {c.day}) requires {r!r}, introduced on day {before}")
    cycle = find_cycle({c.id: c.requires for c in concepts})
    if cycle:
        raise MapError("the concepts' prerequisites form a cycle: " + " -> ".join(cycle))
    return ConceptGraph(tuple(concepts), by_id, by_tag, by_note, dict(days or {}))


def find_cycle(edges: dict[str, tuple[str, ...]]) -> list[str]:
    """A cycle of the prerequisite graph as a path (first node repeated at the end), or [] if none."""
    colour: dict[str, int] = {}
    for start in edges:
        if colour.get(start):
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = []
        while stack:
            node, i = stack.pop()
            if i == 0:
                colour[node] = 1
                path.append(node)
            succ = edges.get(node, ())
            if i < len(succ):
                stack.append((node, i + 1))
                nxt = succ[i]
                if colour.get(nxt) == 1:
                    return path[path.index(nxt) :] + [nxt]
                if not colour.get(nxt):
                    stack.append((nxt, 0))
            else:
                colour[node] = 2
                path.pop()
    return []


def default_path() -> Path:
    """The built-in map: ``concepts.toml`` beside the built-in decks."""
    from srs.paths import builtin_decks_dir

    return builtin_decks_dir() / "concepts.toml"


def load_graph(path: Path | None = None) -> ConceptGraph:
    """Read and check a concept graph file (the built-in one by default)."""
    import tomllib

    path = path or default_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MapError(f"cannot read the concept map {path}: {exc}") from None
    concepts = []
    for i, entry in enumerate(data.get("concept", []), start=1):
        try:
            concepts.append(
                Concept(
                    id=str(entry["id"]),
                    zh=str(entry["zh"]),
                    en=str(entry["en"]),
                    day=int(entry["day"]),
                    requires=tuple(str(x) for x in entry.get("requires", [])),
                    tags=tuple(str(x) for x in entry.get("tags", [])),
                    notes=tuple(str(x) for x in entry.get("notes", [])),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise MapError(f"{path}: concept #{i} lacks or mistypes {exc}") from None
    try:
        days = {int(k): str(v) for k, v in data.get("days", {}).items()}
    except (ValueError, AttributeError):
        raise MapError(f"{path}: [days] must map day numbers to titles") from None
    return build_graph(concepts, days=days)


# -- mastery ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NodeMastery:
    """How well the learner holds one concept, and why its status is what it is."""

    concept: Concept
    cards: int
    core: int
    core_introduced: int
    seen: int
    recall: float | None
    recall_week: float | None
    lapses: int
    due: int
    status: str

    def to_dict(self) -> dict[str, Any]:
        c = self.concept
        return {
            "id": c.id,
            "zh": c.zh,
            "en": c.en,
            "day": c.day,
            "requires": list(c.requires),
            "builtin": c.builtin,
            "cards": self.cards,
            "core_cards": self.core,
            "core_introduced": self.core_introduced,
            "core_share": round(self.core_introduced / self.core, 4) if self.core else None,
            "seen": self.seen,
            "recall": None if self.recall is None else round(self.recall, 4),
            "recall_in_a_week": None if self.recall_week is None else round(self.recall_week, 4),
            "lapses": self.lapses,
            "due": self.due,
            "status": self.status,
        }


@dataclass(frozen=True)
class KnowledgeMap:
    """The map with the learner's figures: nodes in graph order, and what the figures rest on."""

    graph: ConceptGraph
    nodes: tuple[NodeMastery, ...]
    target: float
    unplaced: int

    def node(self, concept_id: str) -> NodeMastery:
        return next(n for n in self.nodes if n.concept.id == concept_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "basis": basis(self.target),
            "target_recall": self.target,
            "statuses": list(STATUSES),
            "unplaced_cards": self.unplaced,
            "concepts": [n.to_dict() for n in self.nodes],
        }


def basis(target: float) -> str:
    """What the figures are, in plain words."""
    return (
        "core: share of the concept's core cards introduced; recall: mean predicted recall today (FSRS "
        "retrievability) of its cards seen so far; lapses: times its cards were forgotten after being learnt. "
        f"weak = recall under the target {target:.0%} or many lapses (at least {MANY_LAPSES} and one per "
        f"{int(1 / LAPSES_PER_SEEN)} cards seen); mastered = every core card introduced, not weak, and the "
        "recall predicted a week from now, without review, still at the target; learning = started, "
        "neither weak nor mastered; not started = no card seen."
    )


def status_of(
    core: int,
    core_introduced: int,
    seen: int,
    recall: float | None,
    lapses: int,
    target: float,
    recall_week: float | None = None,
) -> str:
    """The status from the figures (see :func:`basis`). ``recall_week`` (the recall predicted a week from
    now) keeps a concept learnt only today from counting as mastered; None skips that condition."""
    if seen == 0:
        return NOT_STARTED
    if (recall is not None and recall < target) or (
        lapses >= MANY_LAPSES and lapses >= LAPSES_PER_SEEN * seen
    ):
        return WEAK
    if core_introduced >= core and (recall_week is None or recall_week >= target):
        return MASTERED
    return LEARNING


def learner_concepts(graph: ConceptGraph, named: dict[str, tuple[set[int], set[str]]]) -> list[Concept]:
    """Nodes for the concepts learners named that the map lacks: their day (the smallest day tag of their
    cards) and prerequisites (what their cards require: a concept, or the concept of a required note)."""
    extra = []
    for name, (days, reqs) in sorted(named.items()):
        requires = tuple(dict.fromkeys(r for r in reqs if r != name))
        extra.append(Concept(name, name, name, min(days) if days else None, requires, (), (), builtin=False))
    return extra


def _day_of(tags: str) -> int | None:
    days = [int(t[3:]) for t in tags.split() if t.startswith("day") and t[3:].isdigit()]
    return min(days) if days else None


def knowledge_map(
    store: Store, scheduler: Scheduler, now: int, graph: ConceptGraph | None = None
) -> KnowledgeMap:
    """Every concept with its figures, from two grouped queries of the store (all cards by tags, and the
    cards of notes a concept lists by id)."""
    from srs.store.concepts import concept_groups, pinned_groups

    graph = graph or load_graph()
    clock = scheduler.clock
    today = clock.day(now)
    shift = clock.offset(now) - clock.rollover_hour * 3600
    model = scheduler.model
    curve = (model.factor, model.decay, today, shift, now)
    totals: dict[str, list[float]] = {}
    named: dict[str, tuple[set[int], set[str]]] = {}
    unplaced = 0
    # Required note ids of learner-named concepts resolve to concepts after all groups are placed.
    note_reqs: list[tuple[str, str]] = []

    def add(cid: str, g: ConceptGroup, sign: int) -> None:
        t = totals.setdefault(cid, [0, 0, 0, 0, 0.0, 0.0, 0, 0])
        core = g.tier == "core"
        t[0] += sign * g.cards
        t[1] += sign * (g.cards if core else 0)
        t[2] += sign * (g.introduced if core else 0)
        t[3] += sign * g.seen
        t[4] += sign * g.recall_sum
        t[5] += sign * g.week_sum
        t[6] += sign * g.lapses
        t[7] += sign * g.due

    for g in concept_groups(store, *curve):
        cid = graph.assign("", g.tags.split(), g.concept)
        if cid is None:
            unplaced += g.cards
            continue
        if cid not in graph.by_id:
            days, reqs = named.setdefault(cid, (set(), set()))
            day = _day_of(g.tags)
            if day is not None:
                days.add(day)
            for r in g.requires.split():
                known = graph.find(r)
                if known is not None:
                    reqs.add(known.id)
                else:
                    note_reqs.append((cid, r))
        add(cid, g, 1)
    # Cards of notes a concept lists by id: moved from where their tags put them to that concept.
    if graph.by_note:
        for g in pinned_groups(store, list(graph.by_note), *curve):
            by_tags = graph.assign("", g.tags.split())
            if by_tags is None:
                unplaced -= g.cards
            else:
                add(by_tags, g, -1)
            add(graph.by_note[g.pinned], g, 1)
    if note_reqs:
        from srs.store.concepts import note_concepts

        placed = note_concepts(store, [r for _c, r in note_reqs])
        for cid, r in note_reqs:
            if r in placed:
                tags, field_ = placed[r]
                target_id = graph.assign(r, tags.split(), field_)
                if target_id is not None and target_id != cid:
                    named[cid][1].add(target_id)
    if named:
        extra = learner_concepts(graph, named)
        try:
            graph = graph.with_extra(extra)
        except MapError:  # a learner's requires made a cycle: show their nodes without prerequisites
            graph = graph.with_extra([Concept(c.id, c.zh, c.en, c.day, builtin=False) for c in extra])
    target = scheduler.settings.desired_retention
    nodes = []
    for c in graph.concepts:
        n, core, core_in, seen, rsum, wsum, lapses, due = totals.get(c.id, [0, 0, 0, 0, 0.0, 0.0, 0, 0])
        recall = rsum / seen if seen else None
        week = wsum / seen if seen else None
        status = status_of(int(core), int(core_in), int(seen), recall, int(lapses), target, week)
        nodes.append(
            NodeMastery(
                c, int(n), int(core), int(core_in), int(seen), recall, week, int(lapses), int(due), status
            )
        )
    return KnowledgeMap(graph, tuple(nodes), target, unplaced)


def resolve(kmap: KnowledgeMap, name: str) -> Concept:
    """The concept a learner named (id, Chinese or English name); NotFoundError with close names if none."""
    found = kmap.graph.find(name)
    if found is not None:
        return found
    import difflib

    names = [c.id for c in kmap.graph.concepts] + [c.zh for c in kmap.graph.concepts]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else "; see `srs map`"
    raise NotFoundError(f"there is no concept {name!r}{hint}")


# -- one concept's cards ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ConceptCard:
    """A card of a concept with its state now."""

    id: str
    tier: str
    front: str
    state: str
    due: int | None
    recall: float | None
    lapses: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "tier": self.tier,
            "front": self.front,
            "state": self.state,
            "due": self.due,
            "recall": None if self.recall is None else round(self.recall, 4),
            "lapses": self.lapses,
        }


def concept_cards(
    store: Store, scheduler: Scheduler, now: int, kmap: KnowledgeMap, concept: Concept
) -> list[ConceptCard]:
    """The concept's cards in deck order, each with its state (new, learning, review, relearning or
    suspended), due time, recall today (the scheduler's retrievability) and lapses."""
    from srs.model import Memory, State
    from srs.store.concepts import concept_card_rows

    rows = concept_card_rows(store, _keys_of(store, kmap.graph, {concept.id}), concept.notes)
    out = []
    graph = kmap.graph
    for r in rows:
        if graph.assign(r.note_id, r.tags.split(), r.concept) != concept.id:
            continue
        memory = Memory(
            state=State(r.state), stability=r.stability, last_review=r.last_review, due=r.due, lapses=r.lapses
        )
        state = "suspended" if r.suspended else State(r.state).name.lower()
        recall = scheduler.retrievability(memory, now)
        out.append(ConceptCard(r.id, r.tier, " ".join(r.front.split())[:120], state, r.due, recall, r.lapses))
    return out


def _keys_of(store: Store, graph: ConceptGraph, wanted: set[str]) -> list[tuple[str, str]]:
    """The (tags, concept field) pairs of active cards that place a card on one of the ``wanted`` concepts."""
    from srs.store.concepts import placement_keys

    return [(t, c) for t, c in placement_keys(store) if graph.assign("", t.split(), c) in wanted]


def review_ids(store: Store, kmap: KnowledgeMap, concept_ids: Sequence[str]) -> tuple[str, ...]:
    """The ids of every active card of these concepts (for a review limited to them)."""
    from srs.store.concepts import concept_card_rows

    graph = kmap.graph
    wanted = set(concept_ids)
    notes = [n for cid in wanted if cid in graph.by_id for n in graph.by_id[cid].notes]
    rows = concept_card_rows(store, _keys_of(store, graph, wanted), notes)
    return tuple(r.id for r in rows if graph.assign(r.note_id, r.tags.split(), r.concept) in wanted)


def weakest(kmap: KnowledgeMap, count: int = 3) -> list[NodeMastery]:
    """The weakest started concepts whose prerequisites are all held (started and not weak), lowest recall
    first; concepts whose prerequisites are themselves weak wait for those."""
    status = {n.concept.id: n.status for n in kmap.nodes}
    held = {cid for cid, s in status.items() if s in (MASTERED, LEARNING)}
    ready = [
        n
        for n in kmap.nodes
        if n.seen and n.status != MASTERED and all(r in held for r in n.concept.requires)
    ]
    ready.sort(
        key=lambda n: (n.status != WEAK, n.recall if n.recall is not None else 1.0, -n.lapses, n.concept.id)
    )
    return ready[:count]


def weak_prerequisites(kmap: KnowledgeMap, concept_id: str) -> list[NodeMastery]:
    """The concept's direct prerequisites that are weak now."""
    by = {n.concept.id: n for n in kmap.nodes}
    if concept_id not in by:
        return []
    return [by[r] for r in by[concept_id].concept.requires if r in by and by[r].status == WEAK]


def check_name(name: str) -> str:
    """A concept name given on the command line, trimmed; InputError if empty."""
    name = " ".join(name.split())
    if not name:
        raise InputError("name a concept: an id such as receptive-field, or a name such as 感受野")
    return name


def failure_note(
    store: Store, scheduler: Scheduler, now: int, note_id: str, tags: Sequence[str], concept: str = ""
) -> str | None:
    """After a card is failed: a sentence naming its concept's weak prerequisites with how many of their cards
    are due (``"感受野 Receptive field lapsed; its prerequisite '池化 Pooling' is weak: 3 cards due"``), or
    None when the card is on no concept or every prerequisite is held. It only reads: no schedule changes."""
    graph = load_graph()
    cid = graph.assign(note_id, tags, concept)
    if cid is None:
        return None
    kmap = knowledge_map(store, scheduler, now, graph)
    if cid not in kmap.graph.by_id:
        return None
    weak = weak_prerequisites(kmap, cid)
    if not weak:
        return None
    parts = [f"'{n.concept.label}' is weak: {n.due} card{'s' if n.due != 1 else ''} due" for n in weak]
    word = "prerequisite" if len(weak) == 1 else "prerequisites"
    hint = f" (srs review --concept {weak[0].concept.id})"
    return f"{kmap.graph.by_id[cid].label} lapsed; its {word} " + "; ".join(parts) + hint
