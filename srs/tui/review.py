"""The terminal side of a review: reading keys, showing cards with rich, the review loop.

Works on a real terminal (single key presses) and on a pipe (one line per key), so a
review can be scripted and tested. Every rating is committed by the core as it is given.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from srs.errors import ConflictError
from srs.model import Card, Rating
from srs.review.attempts import FlashAttempt, Graded, start_attempt
from srs.scheduling.scheduler import format_interval
from srs.tui.keys import Keys, Quit
from srs.tui.text import math_to_unicode, terminal_safe

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from srs.review.answered import ChoiceAttempt, ExerciseAttempt, QuizAttempt
    from srs.review.session import Session

RATING_NAMES = {Rating.AGAIN: "Again", Rating.HARD: "Hard", Rating.GOOD: "Good", Rating.EASY: "Easy"}
RATING_STYLES = {Rating.AGAIN: "red", Rating.HARD: "yellow", Rating.GOOD: "green", Rating.EASY: "cyan"}
# Keys that act at once on an empty answer line of a quiz whose answers are numbers, shapes or vectors.
INSTANT_KEYS = frozenset({"h", "g", "q"})


_NEEDS_MARKDOWN = re.compile(
    r"^\s*([-*+]|\d+[.)])\s|^\s*#|^\s*>|^\s*(```|~~~)|^ {4}|\|.*\||\[[^][]*\]\(", re.M
)
_INLINE = re.compile(r"\*\*(?P<b>[^*]+?)\*\*|`(?P<c>[^`]+)`")


def simple_paragraphs(text: str) -> list[Text] | None:
    """Paragraphs of plain text with **bold** and `code` as styled rich Text, or None when the text
    uses any other Markdown (lists, code blocks, headings, tables, links, emphasis, HTML)."""
    if _NEEDS_MARKDOWN.search(text) or any(ch in _INLINE.sub("", text) for ch in "*_<>&\\[]"):
        return None
    from rich.text import Text

    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        line = " ".join(part.strip() for part in block.splitlines() if part.strip())
        out = Text()
        pos = 0
        for m in _INLINE.finditer(line):
            out.append(line[pos : m.start()])
            if m.group("b") is not None:
                out.append(m.group("b"), style="markdown.strong")
            else:
                out.append(m.group("c"), style="markdown.code")
            pos = m.end()
        out.append(line[pos:])
        paragraphs.append(out)
    return paragraphs


def safe(text: str) -> str:
    """Text from a deck or from learner code, made inert for the terminal and for rich markup."""
    from rich.markup import escape

    return escape(terminal_safe(text))


def new_seed() -> int:
    """A fresh random seed for a quiz instance or a round of exercise checks."""
    return int.from_bytes(os.urandom(4), "big") % 2**31


def clock() -> int:
    """Now, in epoch seconds (the only place the review reads the clock)."""
    return int(time.time())


@dataclass(kw_only=True)
class AttemptScreen:
    """Shows a card's attempt and reads the learner's answers; what happens to the result is up to
    the subclass (a review rates it, practice only shows it)."""

    console: Console
    keys: Keys
    work_dir: Path | None = None

    # -- drawing ------------------------------------------------------------------------------
    def md(self, text: str) -> None:
        """Render card Markdown. Plain paragraphs with bold and inline code (most cards) are drawn
        directly with the same styles; anything richer goes through rich's Markdown renderer."""
        text = terminal_safe(math_to_unicode(text)).strip()
        if not text:
            return
        simple = simple_paragraphs(text)
        if simple is None:
            from rich.markdown import Markdown

            self.console.print(Markdown(text, code_theme="monokai"))
            return
        for i, para in enumerate(simple):
            if i:
                self.console.print()
            self.console.print(para)

    def show_source(self, card: Card) -> None:
        if card.spec.source:
            self.console.print(f"[dim]Source: {safe(card.spec.source)}[/dim]", highlight=False)

    def ask(self, prompt: str, allowed: str) -> str:
        """Show a key prompt and return one of the allowed keys (``enter`` included if allowed)."""
        while True:
            self.console.print(prompt, highlight=False)
            key = self.keys.key()
            if key == "q":
                raise Quit
            if key in allowed.split():
                return key
            self.console.print(f"[dim]unknown key {key!r}[/dim]", highlight=False)

    def suspend(self, card: Card) -> None:
        """Suspend the card on screen (only where there is a schedule)."""
        raise NotImplementedError

    def graded(self, card: Card, graded: Graded, started: float) -> None:
        """What to do with an auto-graded result."""
        raise NotImplementedError

    def flash_card(self, attempt: FlashAttempt, started: float) -> None:
        """Show a flash card and have it rated (only where there is a schedule)."""
        raise NotImplementedError

    # -- attempts ------------------------------------------------------------------------------
    def attempt(self, card: Card, *, seed: int | None = None, practice: bool = False) -> None:
        """Run the attempt the card's kind uses (see :mod:`srs.review.attempts`) on screen."""
        started = time.monotonic()
        attempt = start_attempt(
            card, seed=new_seed() if seed is None else seed, work_dir=self.work_dir or Path.cwd()
        )
        if isinstance(attempt, FlashAttempt):  # the other kinds' module is loaded by start_attempt
            self.flash_card(attempt, started)
            return
        from srs.review.answered import ChoiceAttempt, ExerciseAttempt, QuizAttempt

        if isinstance(attempt, QuizAttempt):
            self.quiz_card(attempt, started)
        elif isinstance(attempt, ExerciseAttempt):
            self.exercise_card(attempt, started, practice=practice)
        elif isinstance(attempt, ChoiceAttempt):
            self.choice_card(attempt, started)

    def typed(self, attempt: QuizAttempt | ChoiceAttempt) -> str | None:
        """One typed line after a ``>`` prompt: q quits, g (or "give up") gives the attempt up and gives
        None; anything else comes back stripped."""
        self.console.print("[bold]>[/bold] ", end="")
        # h, g and q act at once where no answer can start with them (numbers, shapes, vectors).
        from srs.review.answered import QuizAttempt

        instant: frozenset[str] = frozenset()
        if isinstance(attempt, QuizAttempt) and attempt.instance.expected.type.value != "choice":
            instant = INSTANT_KEYS
        text = self.keys.line(instant).strip()
        low = text.lower()
        if low == "q":
            raise Quit
        if low in ("g", "give up"):
            attempt.give_up()
            return None
        return text

    def quiz_card(self, attempt: QuizAttempt, started: float) -> None:
        from srs.review.grading import MAX_ATTEMPTS

        card = attempt.card
        self.md(attempt.prompt)
        self.console.print(
            f"[dim]Type your answer ({MAX_ATTEMPTS} tries) · h hint · g give up · q quit[/dim]",
            highlight=False,
        )
        while not attempt.finished:
            text = self.typed(attempt)
            if text is None:
                break
            if text.lower() in ("h", "hint"):
                hint = attempt.hint()
                if hint is not None:
                    self.md(f"**Hint {attempt.hints}:** {hint}")
                else:
                    self.console.print("[dim]No more hints; g gives up and shows the solution.[/dim]")
                continue
            if not text:
                continue
            feedback = attempt.answer(text)
            if not feedback.parsed:
                self.console.print(f"[yellow]{safe(feedback.message)}[/yellow]", highlight=False)
                continue
            if feedback.correct:
                self.console.print(f"[green]{safe(feedback.message)}[/green]", highlight=False)
                break
            left = feedback.tries_left
            # The expected answer is only shown once no try is left.
            self.console.print(
                f"[red]Not quite.[/red] [dim]{left} {'try' if left == 1 else 'tries'} left[/dim]"
                if left
                else f"[red]{safe(feedback.message)}[/red]",
                highlight=False,
            )
        graded = attempt.result(time.monotonic() - started)
        self.console.print("[dim]── solution ──[/dim]")
        self.md(attempt.solution)
        self.show_source(card)
        self.graded(card, graded, started)

    def choice_card(self, attempt: ChoiceAttempt, started: float) -> None:
        card = attempt.card
        self.md(attempt.prompt)
        for letter, text in attempt.lettered:
            self.console.print(f"  [bold]{letter})[/bold] {safe(math_to_unicode(text))}", highlight=False)
        self.console.print("[dim]Type a letter · g give up · q quit[/dim]", highlight=False)
        while not attempt.finished:
            typed = self.typed(attempt)
            if typed is None:
                break
            if not typed:
                continue
            feedback = attempt.answer(typed)
            style = "yellow" if not feedback.parsed else "green" if feedback.correct else "red"
            self.console.print(f"[{style}]{safe(feedback.message)}[/{style}]", highlight=False)
        graded = attempt.result(time.monotonic() - started)
        if attempt.gave_up:
            letter = attempt.correct_letter
            self.console.print(f"The answer is {letter}) {dict(attempt.lettered)[letter]}", highlight=False)
        if card.spec.extra:
            self.md(card.spec.extra)
        self.show_source(card)
        self.graded(card, graded, started)

    def exercise_card(self, attempt: ExerciseAttempt, started: float, *, practice: bool = False) -> None:
        card = attempt.card
        self.md(
            attempt.description
            if attempt.description.lstrip().startswith("#")
            else f"### {attempt.title}\n\n{attempt.description}"
        )
        self.console.print(f"Your file: [bold]{attempt.path}[/bold]", highlight=False)
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        while True:
            if editor and self.keys.interactive:
                import shlex
                import subprocess

                subprocess.call([*shlex.split(editor), str(attempt.path)])
            key = self.ask(
                "[dim]enter run the checks · h hint · g give up (show the reference) · "
                + ("" if practice else "s suspend · ")
                + "q quit[/dim]",
                "enter h g" + ("" if practice else " s"),
            )
            if key == "s":
                self.suspend(card)
                return
            if key == "h":
                hint = attempt.hint()
                if hint is not None:
                    self.md(f"**Hint {attempt.hints}:** {hint}")
                else:
                    self.console.print("[dim]No more hints.[/dim]")
                continue
            if key == "g":
                attempt.give_up()
                break
            self.console.print("[dim]Running the checks…[/dim]")
            report = attempt.run(new_seed())
            for name, passed, detail in report.checks:
                mark = "[green]✓[/green]" if passed else "[red]✗[/red]"
                self.console.print(f" {mark} {name}  [dim]{safe(detail[:300])}[/dim]", highlight=False)
            if not report.counted:
                self.console.print(
                    f"[yellow]Not gradable:[/yellow] {safe(report.message)} (fix it and press enter; "
                    "this does not count as a try)",
                    highlight=False,
                )
                continue
            if report.finished:
                self.console.print(f"[green]{safe(report.message)}[/green]", highlight=False)
                break
            self.console.print(f"[red]{safe(report.message)}[/red]", highlight=False)
        if attempt.gave_up:
            self.console.print("[bold]Reference solution:[/bold]")
            self.md(f"```python\n{attempt.reference}\n```")
        self.show_source(card)
        self.graded(card, attempt.result(time.monotonic() - started), started)


@dataclass(kw_only=True)
class ReviewUI(AttemptScreen):
    """Shows cards and reads answers for one :class:`Session`."""

    session: Session
    now: Callable[[], int] = clock

    def status(self, card: Card | None = None) -> None:
        p = self.session.progress(self.now(), card)
        total = p.done + p.remaining
        minutes = p.elapsed // 60
        self.console.print(
            f"[bold]{p.done}/{total}[/bold] · [blue]{p.due} due[/blue] · [green]{p.new} new[/green] · "
            f"[yellow]{p.learning} learning[/yellow] · {minutes} min",
            highlight=False,
        )

    def header(self, card: Card) -> None:
        from rich.rule import Rule

        self.console.print(Rule(style="dim"))
        self.status(card)
        from rich.markup import escape

        tags = " ".join(f"#{t}" for t in card.spec.tags)
        line = terminal_safe(f"{card.spec.deck}  {tags}  ({card.id})")
        self.console.print(f"[dim]{escape(line)}[/dim]", highlight=False)

    # -- the loop -----------------------------------------------------------------------------
    def run(self) -> None:
        """Review until the queue is empty or the learner quits. Each rating is committed at once."""
        while True:
            card = self.session.next(self.now())
            if card is None:
                return
            self.header(card)
            if self.session.shown_early:
                self.console.print(f"[dim]({self.session.shown_early})[/dim]", highlight=False)
            self.attempt(card)

    def rate_prompt(
        self, card: Card, *, suggested: Rating | None = None, ceiling: Rating = Rating.EASY
    ) -> str:
        intervals = self.session.intervals(card, self.now())
        buttons = "  ".join(
            f"[{RATING_STYLES[r]}]{int(r)} {RATING_NAMES[r]}[/] [dim]{format_interval(intervals[r])}[/dim]"
            for r in Rating
            if r <= ceiling
        )
        # Space/enter take the suggested rating, else Good (Anki's default) when Good is allowed.
        default = suggested or (Rating.GOOD if ceiling >= Rating.GOOD else None)
        extra = ""
        if suggested:
            extra = f"  [dim](enter = {RATING_NAMES[suggested]})[/dim]"
        elif default:
            extra = f"  [dim](space = {RATING_NAMES[default]})[/dim]"
        allowed = " ".join(str(int(r)) for r in Rating if r <= ceiling) + " u s"
        if default:
            allowed += " enter"
        return self.ask(f"{buttons}{extra}  [dim]u undo · s suspend · q quit[/dim]", allowed)

    def finish(
        self,
        card: Card,
        key: str,
        started: float,
        graded: Graded,
    ) -> None:
        """Act on the key given at the rating prompt: rate, undo or suspend."""
        if key == "u":
            self.undo(card)
            return
        if key == "s":
            self.suspend(card)
            return
        rating = graded.rating(None if key == "enter" else Rating(int(key)))
        signals = graded.signals or None
        duration = int((time.monotonic() - started) * 1000)
        try:
            outcome = self.session.rate(
                card.id,
                rating,
                self.now(),
                duration_ms=duration,
                signals=signals,
                expect_version=self.session.shown_version(card.id),
            )
        except ConflictError as exc:  # rated in another window (a browser, another terminal) meanwhile
            self.console.print(f"[yellow]Not saved:[/yellow] {safe(str(exc))}; moving on.", highlight=False)
            return
        if rating is Rating.AGAIN:
            from srs.conceptmap import failure_note

            spec = card.spec
            note = failure_note(
                self.session.store, self.session.scheduler, self.now(), spec.note_id, spec.tags, spec.concept
            )
            if note is not None:
                self.console.print(f"[yellow]Map:[/yellow] {safe(note)}", highlight=False)
        if outcome.leech:
            self.console.print(
                f"[red]Leech:[/red] {card.id} has lapsed {outcome.after.lapses} times; it is now "
                "suspended. Rewrite it or split it, then `srs unsuspend` it.",
                highlight=False,
            )

    def suspend(self, card: Card) -> None:
        """Suspend the card on screen; the session moves on."""
        self.session.suspend(card.id)
        self.console.print("[yellow]Suspended.[/yellow]")

    def undo(self, current: Card) -> None:
        """Undo the last action (a rating or a suspension); the card on screen comes back right after it."""
        from srs.errors import ConflictError, NotFoundError
        from srs.review.session import Suspension

        self.session.requeue(current.id)
        try:
            last = self.session.undo()
        except (ConflictError, NotFoundError) as exc:
            self.console.print(f"[yellow]Cannot undo:[/yellow] {terminal_safe(str(exc))}", highlight=False)
            return
        if last is None:
            self.console.print("[dim]Nothing to undo in this session.[/dim]")
        elif isinstance(last, Suspension):
            self.console.print(f"[yellow]Undone:[/yellow] suspension of {last.card_id}", highlight=False)
        else:
            self.console.print(
                f"[yellow]Undone:[/yellow] {last.card_id} ({RATING_NAMES[last.rating]})", highlight=False
            )

    # -- card kinds ---------------------------------------------------------------------------
    def flash_card(self, attempt: FlashAttempt, started: float) -> None:
        card = attempt.card
        self.md(attempt.front)
        if attempt.wants_typing:
            self.console.print(
                "[bold]Type your answer[/bold] [dim](enter on an empty line to skip typing)[/dim]:"
            )
            typed = self.keys.line()
            if typed.strip().lower() == "q" and len(typed.strip()) == 1:
                raise Quit
            attempt.check_typed(typed)
        else:
            key = self.ask("[dim]space/enter show answer · u undo · s suspend · q quit[/dim]", "enter u s")
            if key == "u":
                self.undo(card)
                return
            if key == "s":
                self.suspend(card)
                return
        self.console.print("[dim]── answer ──[/dim]")
        self.md(attempt.back)
        if attempt.extra:
            self.md(attempt.extra)
        suggested = attempt.suggested
        if suggested is not None and attempt.typed is not None:
            mark = (
                "[green]✓ matches[/green]"
                if suggested is Rating.GOOD
                else f"[red]✗ you typed[/red] {safe(repr(attempt.typed.strip()))}"
            )
            self.console.print(mark, highlight=False)
        self.show_source(card)
        graded = attempt.result(time.monotonic() - started)
        key = self.rate_prompt(card, suggested=suggested)
        self.finish(card, key, started, graded)

    def graded(self, card: Card, graded: Graded, started: float) -> None:
        """Show the derived rating; the learner may accept it (enter) or lower it, never raise it."""
        derived = graded.derived
        self.console.print(
            f"Rating: [{RATING_STYLES[derived]}]{RATING_NAMES[derived]}[/] "
            "[dim](enter to accept, or a lower number)[/dim]",
            highlight=False,
        )
        key = self.rate_prompt(card, suggested=derived, ceiling=derived)
        self.finish(card, key, started, graded)


def welcome(db_path: str, plan_running: bool) -> str:
    """The few lines shown before the first review of a new database: where it lives, the keys, the plan."""
    from rich.markup import escape

    lines = [
        "[bold]Welcome to srs.[/bold] Your schedule and every rating are saved in",
        f"  {escape(db_path)}",
        "  (move it with --db or SRS_HOME; `srs backup` copies it).",
        "Keys: space/enter shows the answer, then 1 Again 2 Hard 3 Good 4 Easy",
        "  (space/enter = Good); u undo, s suspend, h hint, g give up, q quit.",
        "  Every rating is saved at once.",
    ]
    if not plan_running:
        lines += [
            "Without a plan: up to 20 new cards a day, in curriculum order.",
            "The 7-day plan within a daily time budget: [bold]srs plan start --minutes 45[/bold]",
            "  (`srs simulate --plan` shows its cost day by day first).",
        ]
    return "\n".join(lines) + "\n"
