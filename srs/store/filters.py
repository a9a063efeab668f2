"""Checking a deck/tag filter against the collection: a name that matches nothing is an error."""

from __future__ import annotations

from srs.errors import NotFoundError
from srs.store.database import Filter, Store


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


def check_filter(store: Store, flt: Filter) -> None:
    """Raise NotFoundError, naming the closest decks or tags, if the filter's deck or tag matches no
    active card at all (rather than letting a typo look like "nothing due")."""
    if flt.deck:
        cond, args = Filter(deck=flt.deck).sql()
        if store.execute(f"SELECT 1 FROM cards WHERE active = 1{cond} LIMIT 1", args).fetchone() is None:
            raise NotFoundError(
                f"there is no deck {flt.deck!r}{_closest(flt.deck, deck_names(store)) or '; see `srs decks`'}"
            )
    if flt.tag:
        cond, args = Filter(tag=flt.tag).sql()
        if store.execute(f"SELECT 1 FROM cards WHERE active = 1{cond} LIMIT 1", args).fetchone() is None:
            hint = _closest(flt.tag, tag_names(store))
            raise NotFoundError(f"there is no tag {flt.tag!r}{hint}")
