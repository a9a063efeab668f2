"""`srs quiz try`: practise a quiz or exercise without touching the schedule."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from srs.errors import QuizError
from srs.model import Card, CardSpec, Kind, Memory
from srs.review.attempts import Graded
from srs.tui.keys import Keys
from srs.tui.review import RATING_NAMES, AttemptScreen

if TYPE_CHECKING:
    from rich.console import Console


@dataclass(kw_only=True)
class PracticeUI(AttemptScreen):
    """An attempt screen whose result is shown, never saved."""

    def graded(self, card: Card, graded: Graded, started: float) -> None:
        """Tell the rating the attempt would get in a review."""
        derived = graded.derived
        self.console.print(
            f"In a review this would be rated [bold]{RATING_NAMES[derived]}[/bold] "
            "(practice: nothing saved).",
            highlight=False,
        )


def item_card(name: str) -> Card:
    """A stand-in card for a quiz generator or exercise, by name."""
    from srs import exercises, quiz

    try:
        info = quiz.get_info(name)
        kind, title = Kind.QUIZ, info.title
    except QuizError:
        try:
            ex = exercises.get(name)
        except QuizError:
            raise QuizError(f"no quiz or exercise named {name!r}; see `srs quiz list`") from None
        kind, title = Kind.EXERCISE, ex.info.title
    spec = CardSpec(
        id=f"practice-{name}",
        note_id=f"practice-{name}",
        kind=kind,
        sub="",
        deck="practice",
        tags=(),
        source="",
        front=title,
        back="",
        extra="",
        item=name,
        params="",
        path="",
        line=0,
        order=0,
        position=0,
        content_hash="",
    )
    return Card(spec=spec, memory=Memory())


def practise(name: str, console: Console, keys: Keys, work_dir: Path, *, seed: int | None = None) -> None:
    """Run one quiz instance or exercise attempt interactively; nothing is written to the database."""
    card = item_card(name)
    ui = PracticeUI(console=console, keys=keys, work_dir=work_dir)
    ui.attempt(card, seed=seed, practice=True)
