"""Checking a deck/tag filter against the collection: a name that matches nothing is an error."""

from __future__ import annotations

from collections.abc import Sequence

from srs.errors import InputError, NotFoundError
from srs.store.database import Store
from srs.store.rows import Filter


def deck_names(store: Store) -> list[str]:
    """Every deck of an active card, with its parent decks."""
    names: set[str] = set()
    for (deck,) in store.execute("SELECT DISTINCT deck FROM cards WHERE active = 1"):
        parts = deck.split("::")
        names.update("::".join(parts[: i + 1]) for i in range(len(parts)))
    return sorted(names)


def tag_names(store: Store) -> list[str]:
    """Every tag of an active card."""
    tags: set[str] = set()
    for (text,) in store.execute("SELECT DISTINCT tags FROM cards WHERE active = 1 AND tags != ''"):
        tags.update(text.split())
    return sorted(tags)


def _closest(name: str, names: list[str]) -> str:
    import difflib

    low = {n.lower(): n for n in names}
    close = [low[m] for m in difflib.get_close_matches(name.lower(), list(low), n=3, cutoff=0.5)]
    close += [n for n in names if name.lower() in n.lower() and n not in close][: 3 - len(close)]
    return f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def resolve_deck(wanted: str, names: Sequence[str]) -> str:
    """The one deck that ``wanted`` names among ``names`` (every deck, parents included).

    A full name, exactly as written, always wins. Otherwise the same name in another case, or leading
    words that end at a word boundary ("DL Week::Day 3" for "DL Week::Day 3 · 卷积神经网络基础 (CNN
    basics)"), are accepted only when they name a single deck (its sub-decks do not count as others).
    Raises NotFoundError when nothing matches, naming the closest decks, and InputError listing the
    candidates when several do.
    """
    if wanted in names:
        return wanted
    low = wanted.casefold()
    found = [n for n in names if n.casefold() == low or n.casefold().startswith(low + " ")]
    # A candidate's sub-decks come along with it: keep only the top-most candidates.
    tops = sorted({n for n in found if not any(n.startswith(o + "::") for o in found if o != n)})
    if len(tops) == 1:
        return tops[0]
    if not tops:
        raise NotFoundError(
            f"there is no deck {wanted!r}{_closest(wanted, list(names)) or '; see `srs decks`'}"
        )
    listed = ", ".join(repr(t) for t in tops[:8]) + (f" and {len(tops) - 8} more" if len(tops) > 8 else "")
    raise InputError(f"deck {wanted!r} could mean {len(tops)} decks: {listed}; give the full name")


def check_filter(store: Store, flt: Filter) -> Filter:
    """The filter with its deck resolved to one full name (:func:`resolve_deck`); raises NotFoundError,
    naming the closest decks or tags, if the deck or tag matches no active card at all (rather than
    letting a typo look like "nothing due")."""
    if flt.deck:
        flt = flt._replace(deck=resolve_deck(flt.deck, deck_names(store)))
    if flt.tag:
        cond, args = Filter(tag=flt.tag).sql()
        if store.execute(f"SELECT 1 FROM cards WHERE active = 1{cond} LIMIT 1", args).fetchone() is None:
            hint = _closest(flt.tag, tag_names(store))
            raise NotFoundError(f"there is no tag {flt.tag!r}{hint}")
    return flt
