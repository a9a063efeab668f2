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
from typing import TYPE_CHECKING, Any

from srs.model import Card, Kind, Rating
from srs.review.grading import MAX_ATTEMPTS, Attempt, derive_rating, quiz_hints, typed_matches
from srs.scheduling.scheduler import format_interval
from srs.tui.keys import Keys, Quit
from srs.tui.text import cloze_back, cloze_front, math_to_unicode

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from srs.review.session import Session

RATING_NAMES = {Rating.AGAIN: "Again", Rating.HARD: "Hard", Rating.GOOD: "Good", Rating.EASY: "Easy"}
RATING_STYLES = {Rating.AGAIN: "red", Rating.HARD: "yellow", Rating.GOOD: "green", Rating.EASY: "cyan"}


_NEEDS_MARKDOWN = re.compile(
    r"^\s*([-*+]|\d+[.)])\s|^\s*#|^\s*>|^\s*(```|~~~)|^ {4}|\|.*\||\[[^\]]*\]\(", re.M
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


def new_seed() -> int:
    """A fresh random seed for a quiz instance or a round of exercise checks."""
    return int.from_bytes(os.urandom(4), "big") % 2**31


def clock() -> int:
    """Now, in epoch seconds (the only place the review reads the clock)."""
    return int(time.time())


@dataclass
class ReviewUI:
    """Shows cards and reads answers for one :class:`Session`."""

    session: Session
    console: Console
    keys: Keys
    now: Callable[[], int] = clock
    work_dir: Path | None = None

    # -- drawing ------------------------------------------------------------------------------
    def md(self, text: str) -> None:
        """Render card Markdown. Plain paragraphs with bold and inline code (most cards) are drawn
        directly with the same styles; anything richer goes through rich's Markdown renderer."""
        text = math_to_unicode(text).strip()
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
        tags = " ".join(f"#{t}" for t in card.spec.tags)
        self.console.print(f"[dim]{card.spec.deck}  {tags}  ({card.id})[/dim]", highlight=False)

    def show_source(self, card: Card) -> None:
        if card.spec.source:
            self.console.print(f"[dim]Source: {card.spec.source}[/dim]", highlight=False)

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
            kind = card.spec.kind
            if kind is Kind.QUIZ:
                self.quiz_card(card)
            elif kind is Kind.EXERCISE:
                self.exercise_card(card)
            else:
                self.flash_card(card)

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
        *,
        suggested: Rating | None = None,
        signals: dict[str, Any] | None = None,
    ) -> None:
        """Act on the key given at the rating prompt: rate, undo or suspend."""
        if key == "u":
            self.undo(card)
            return
        if key == "s":
            self.suspend(card)
            return
        rating = (suggested or Rating.GOOD) if key == "enter" else Rating(int(key))
        duration = int((time.monotonic() - started) * 1000)
        outcome = self.session.rate(card.id, rating, self.now(), duration_ms=duration, signals=signals)
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
        """Undo the last rating; the card on screen comes back right after the undone one."""
        self.session.requeue(current.id)
        last = self.session.undo()
        if last is None:
            self.console.print("[dim]Nothing to undo in this session.[/dim]")
        else:
            self.console.print(
                f"[yellow]Undone:[/yellow] {last.card_id} ({RATING_NAMES[last.rating]})", highlight=False
            )

    # -- card kinds ---------------------------------------------------------------------------
    def flash_card(self, card: Card) -> None:
        spec = card.spec
        started = time.monotonic()
        number = int(spec.sub[1:]) if spec.kind is Kind.CLOZE else 0
        self.md(cloze_front(spec.front, number) if spec.kind is Kind.CLOZE else spec.front)
        typed: str | None = None
        if spec.kind is Kind.TYPE_IN:
            self.console.print(
                "[bold]Type your answer[/bold] [dim](enter on an empty line to skip typing)[/dim]:"
            )
            typed = self.keys.line()
            if typed.strip().lower() == "q" and len(typed.strip()) == 1:
                raise Quit
        else:
            key = self.ask("[dim]space/enter show answer · u undo · s suspend · q quit[/dim]", "enter u s")
            if key == "u":
                self.undo(card)
                return
            if key == "s":
                self.suspend(card)
                return
        self.console.print("[dim]── answer ──[/dim]")
        suggested: Rating | None = None
        self.md(cloze_back(spec.front, number) if spec.kind is Kind.CLOZE else spec.back)
        if spec.extra:
            self.md(spec.extra)
        if typed is not None and typed.strip():
            ok = typed_matches(typed, spec.back.strip().splitlines()[0])
            suggested = Rating.GOOD if ok else Rating.AGAIN
            mark = "[green]✓ matches[/green]" if ok else f"[red]✗ you typed[/red] {typed.strip()!r}"
            self.console.print(mark, highlight=False)
        self.show_source(card)
        key = self.rate_prompt(card, suggested=suggested)
        self.finish(card, key, started, suggested=suggested)

    def quiz_card(self, card: Card, seed: int | None = None) -> None:
        from srs import quiz

        spec = card.spec
        seed = new_seed() if seed is None else seed
        instance = quiz.generate(spec.item, seed, spec.params or None)
        info = quiz.get_info(spec.item)
        started = time.monotonic()
        self.md(instance.prompt)
        self.console.print(
            f"[dim]Type your answer ({MAX_ATTEMPTS} tries) · h hint · g give up · q quit[/dim]",
            highlight=False,
        )
        attempts = hints = 0
        correct = gave_up = False
        steps = quiz_hints(instance.solution)
        while attempts < MAX_ATTEMPTS:
            self.console.print("[bold]>[/bold] ", end="")
            text = self.keys.line().strip()
            low = text.lower()
            if low == "q":
                raise Quit
            if low in ("g", "give up"):
                gave_up = True
                break
            if low in ("h", "hint"):
                if hints < len(steps):
                    self.md(f"**Hint {hints + 1}:** {steps[hints]}")
                    hints += 1
                else:
                    self.console.print("[dim]No more hints; g gives up and shows the solution.[/dim]")
                continue
            if not text:
                continue
            verdict = quiz.check_answer(instance, text)
            if not verdict.parsed:
                self.console.print(f"[yellow]{verdict.message}[/yellow]", highlight=False)
                continue
            attempts += 1
            if verdict.correct:
                correct = True
                self.console.print(f"[green]{verdict.message}[/green]", highlight=False)
                break
            left = MAX_ATTEMPTS - attempts
            # The expected answer is only shown once no try is left.
            self.console.print(
                f"[red]Not quite.[/red] [dim]{left} {'try' if left == 1 else 'tries'} left[/dim]"
                if left
                else f"[red]{verdict.message}[/red]",
                highlight=False,
            )
        seconds = time.monotonic() - started
        self.console.print("[dim]── solution ──[/dim]")
        self.md(instance.solution)
        self.show_source(card)
        attempt = Attempt(
            correct=correct,
            attempts=max(attempts, 1),
            hints=hints,
            seconds=round(seconds, 1),
            target_seconds=info.target_seconds,
            gave_up=gave_up,
        )
        self.graded(
            card,
            attempt,
            started,
            {"name": instance.name, "seed": seed, "params": instance.params, "answer": instance.answer},
        )

    def graded(self, card: Card, attempt: Attempt, started: float, extra: dict[str, Any]) -> None:
        """Show the derived rating; the learner may accept it (enter) or lower it, never raise it."""
        derived = derive_rating(attempt)
        signals = {
            "auto": True,
            "correct": attempt.correct,
            "attempts": attempt.attempts,
            "hints": attempt.hints,
            "seconds": attempt.seconds,
            "target_seconds": attempt.target_seconds,
            "gave_up": attempt.gave_up,
            "derived": int(derived),
            **extra,
        }
        self.console.print(
            f"Rating: [{RATING_STYLES[derived]}]{RATING_NAMES[derived]}[/] "
            "[dim](enter to accept, or a lower number)[/dim]",
            highlight=False,
        )
        key = self.rate_prompt(card, suggested=derived, ceiling=derived)
        self.finish(card, key, started, suggested=derived, signals=signals)

    def exercise_card(self, card: Card, *, practice: bool = False) -> None:
        from srs import exercises

        spec = card.spec
        ex = exercises.get(spec.item)
        work = self.work_dir or Path.cwd()
        work.mkdir(parents=True, exist_ok=True)
        path = work / f"{spec.id.replace('/', '_')}.py"
        if not path.exists():
            path.write_text(ex.starter, encoding="utf-8")
        started = time.monotonic()
        self.md(
            ex.description
            if ex.description.lstrip().startswith("#")
            else f"### {ex.info.title}\n\n{ex.description}"
        )
        self.console.print(f"Your file: [bold]{path}[/bold]", highlight=False)
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        attempts = hints = 0
        correct = gave_up = False
        while True:
            if editor and self.keys.interactive:
                import shlex
                import subprocess

                subprocess.call([*shlex.split(editor), str(path)])
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
                if hints < len(ex.hints):
                    self.md(f"**Hint {hints + 1}:** {ex.hints[hints]}")
                    hints += 1
                else:
                    self.console.print("[dim]No more hints.[/dim]")
                continue
            if key == "g":
                gave_up = True
                break
            self.console.print("[dim]Running the checks…[/dim]")
            result = exercises.run(spec.item, path, new_seed())
            for check in result.checks:
                mark = "[green]✓[/green]" if check.passed else "[red]✗[/red]"
                self.console.print(f" {mark} {check.name}  [dim]{check.detail[:300]}[/dim]", highlight=False)
            if result.status is exercises.Status.NOT_GRADABLE:
                self.console.print(
                    f"[yellow]Not gradable:[/yellow] {result.message} (fix it and press enter; "
                    "this does not count as a try)",
                    highlight=False,
                )
                continue
            attempts += 1
            if result.status is exercises.Status.PASSED:
                correct = True
                self.console.print(f"[green]{result.message}[/green]", highlight=False)
                break
            self.console.print(f"[red]{result.message}[/red]", highlight=False)
        if gave_up:
            self.console.print("[bold]Reference solution:[/bold]")
            self.md(f"```python\n{ex.reference}\n```")
        self.show_source(card)
        attempt = Attempt(
            correct=correct,
            attempts=max(attempts, 1),
            hints=hints,
            seconds=round(time.monotonic() - started, 1),
            target_seconds=ex.info.target_seconds,
            gave_up=gave_up,
        )
        self.graded(card, attempt, started, {"name": spec.item, "file": str(path)})
