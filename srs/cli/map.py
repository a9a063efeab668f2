"""`srs map`: the knowledge map of the curriculum, with what the learner holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from srs.cli.common import App, console, emit, json_option, now, scheduler_for

if TYPE_CHECKING:
    from rich.console import Console


@click.command(name="map")
@click.option("--concept", "-c", "concept_name", help="One concept (id, Chinese or English name): its cards.")
@json_option
@click.pass_obj
def map_(app: App, concept_name: str | None, as_json: bool) -> None:
    """The concept graph of the curriculum, each concept with how well you hold it.

    Per concept: the share of its core cards introduced, the mean predicted recall today (FSRS) of its
    cards seen so far, its lapses, and a status: mastered, learning, weak (recall under your target, or
    many lapses) or not started. Arrows (←) name the concepts it rests on.

    \b
    Examples:
      srs map
      srs map --concept 感受野
      srs map --concept receptive-field --json
    """
    from srs.conceptmap import check_name, concept_cards, knowledge_map, resolve

    at = now()
    with app.store() as store:
        scheduler = scheduler_for(store)
        kmap = knowledge_map(store, scheduler, at)
        if concept_name is not None:
            concept = resolve(kmap, check_name(concept_name))
            cards = concept_cards(store, scheduler, at, kmap, concept)
            data = {
                **kmap.node(concept.id).to_dict(),
                "prerequisites": [kmap.node(r).to_dict() for r in concept.requires],
                "cards": [c.to_dict() for c in cards],
            }

            def text_one() -> None:
                from srs.tui.map import concept_lines, print_lines

                out, width = _output()
                print_lines(out, concept_lines(kmap, concept, cards, at, width))

            emit(data, text_one)
            return

    def text() -> None:
        from srs.tui.map import map_lines, print_lines

        out, width = _output()
        print_lines(out, map_lines(kmap, width))

    emit(kmap.to_dict(), text)


def _output() -> tuple[Console | None, int]:
    """Where the map goes: None (plain text, rich not even loaded) when there is no colour to show
    (NO_COLOR, or not a terminal), else a rich console; and the width to fit (the map caps it at 80)."""
    import os
    import sys

    if os.environ.get("NO_COLOR") or not sys.stdout.isatty():
        columns = os.environ.get("COLUMNS", "")
        return None, int(columns) if columns.isdigit() and int(columns) > 0 else 80
    out = console()
    return out, out.width
