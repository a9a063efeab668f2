"""The review behind the web page: one :class:`Session`, the card on screen and its attempt.

No HTTP here: :mod:`srs.web.app` calls :meth:`WebReview.act` for every form the page posts and
:meth:`WebReview.page` to draw the next page. The attempt flow is the one of
:mod:`srs.review.attempts` (the terminal drives the same objects), so grading and the signals stored
with a review are the same in both. All calls come from one thread (the app's store thread).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from srs.errors import ConflictError, InputError, NotFoundError, SrsError
from srs.model import Card, Kind, Rating
from srs.review.answered import CheckReport, ChoiceAttempt, ExerciseAttempt, QuizAttempt
from srs.review.attempts import AnyAttempt, FlashAttempt, Graded, start_attempt
from srs.review.grading import MAX_ATTEMPTS
from srs.review.session import Session, Suspension
from srs.scheduling.scheduler import Scheduler, format_interval
from srs.store import Filter, Store
from srs.web.render import WebRenderer

RATING_NAMES = {Rating.AGAIN: "Again", Rating.HARD: "Hard", Rating.GOOD: "Good", Rating.EASY: "Easy"}
ACTIONS = frozenset({"reveal", "check", "answer", "hint", "giveup", "run", "rate", "undo", "suspend"})


def random_seed() -> int:
    """A fresh random seed for a quiz instance or a round of exercise checks."""
    return int.from_bytes(os.urandom(4), "big") % 2**31


@dataclass
class Showing:
    """The card on the page and what has happened to it so far."""

    card: Card
    version: int
    attempt: AnyAttempt
    started: float
    nonce: str
    revealed: bool = False
    notes: list[tuple[str, str]] = field(default_factory=list)  # (css class, HTML)
    report: CheckReport | None = None
    graded: Graded | None = None


@dataclass
class WebReview:
    """Today's review for the page: what to show, and what each posted form does."""

    store: Store
    scheduler: Scheduler
    now: Callable[[], int]
    work_dir: Path
    flt: Filter = Filter()
    limit: int | None = None
    monotonic: Callable[[], float] = time.monotonic
    new_seed: Callable[[], int] = random_seed
    renderer: WebRenderer = field(default_factory=WebRenderer)
    session: Session | None = None
    showing: Showing | None = None
    messages: list[tuple[str, str]] = field(default_factory=list)

    # -- the session ----------------------------------------------------------------------------
    def _session(self) -> Session:
        now = self.now()
        if self.session is None or (now >= self.session.day_end and self.showing is None):
            # A new learner day's queue; what the sitting did before the rollover can still be undone.
            before = self.session.actions if self.session is not None else ()
            self.session = Session(
                self.store, self.scheduler, now, flt=self.flt, limit=self.limit, undoable=before
            )
        return self.session

    def focus(self, concept_name: str, base: Filter) -> None:
        """Review one concept of the knowledge map and what it rests on from now on (``""``: every card of
        ``base`` again). The card on screen, not yet rated, is put back."""
        from srs.conceptmap import check_name, knowledge_map, resolve, review_ids

        if not concept_name.strip():
            self.flt = base
            label = "Reviewing every card again."
        else:
            kmap = knowledge_map(self.store, self.scheduler, self.now())
            concept = resolve(kmap, check_name(concept_name))
            ids = review_ids(self.store, kmap, [concept.id, *concept.requires])
            self.flt = base._replace(ids=ids)
            label = f"Reviewing {concept.zh} {concept.en} and what it rests on ({len(ids)} cards)."
        self.session = None
        self.showing = None
        self._say("dim", self.renderer.plain(label))

    def current(self) -> Showing | None:
        """The card on screen, starting the next one's attempt if none is."""
        if self.showing is None:
            session = self._session()
            card = session.next(self.now())
            if card is None:
                return None
            card, version = self.store.get_card_versioned(card.id)  # shown as of this version
            attempt = start_attempt(card, seed=self.new_seed(), work_dir=self.work_dir)
            self.showing = Showing(card, version, attempt, self.monotonic(), os.urandom(8).hex())
        return self.showing

    def _say(self, css: str, text_html: str) -> None:
        self.messages.append((css, text_html))

    def _finish(self, show: Showing) -> None:
        """An auto-graded attempt is over: its result is taken now (as the terminal does)."""
        if show.graded is None:
            show.graded = show.attempt.result(self.monotonic() - show.started)

    # -- acting ---------------------------------------------------------------------------------
    def act(self, action: str, form: dict[str, str]) -> None:
        """Do what a posted form asks. ``nonce`` must name the card on screen (a stale page acts on nothing)."""
        if action not in ACTIONS:
            raise NotFoundError(f"no such action {action!r}")
        if action == "undo":
            self.undo()
            return
        show = self.showing
        if show is None or form.get("nonce") != show.nonce:
            raise ConflictError("this page is out of date; it has been reloaded")
        attempt = show.attempt
        esc = self.renderer.plain
        if action == "suspend":
            self._session().suspend(show.card.id)
            self.showing = None
            self._say("warn", "Suspended.")
        elif action == "rate":
            self.rate(show, form.get("rating", ""))
        elif action == "reveal" and isinstance(attempt, FlashAttempt):
            show.revealed = True
        elif action == "check" and isinstance(attempt, FlashAttempt):
            attempt.check_typed(form.get("text", ""))
            show.revealed = True
        elif action == "hint" and isinstance(attempt, QuizAttempt | ExerciseAttempt):
            hint = attempt.hint()
            if hint is None:
                show.notes.append(("dim", "No more hints; give up to see the solution."))
            else:
                show.notes.append(("hint", self.renderer.markdown(f"**Hint {attempt.hints}:** {hint}")))
        elif action == "giveup" and not isinstance(attempt, FlashAttempt):
            attempt.give_up()
            self._finish(show)
        elif action == "answer" and isinstance(attempt, QuizAttempt | ChoiceAttempt):
            typed = form.get("text", "").strip().lower()
            # As in the terminal, "h" or "hint" typed as an answer asks for a hint, "g" gives up.
            if typed in ("g", "give up"):
                self.act("giveup", form)
                return
            if typed in ("h", "hint") and isinstance(attempt, QuizAttempt):
                self.act("hint", form)
                return
            feedback = attempt.answer(form.get("text", ""))
            # A choice's message quotes the right option, which is card Markdown (maths included).
            esc = self.renderer.markdown if isinstance(attempt, ChoiceAttempt) and feedback.parsed else esc
            if not feedback.parsed:
                show.notes.append(("warn", esc(feedback.message)))
            elif feedback.correct:
                show.notes.append(("good", esc(feedback.message)))
            elif isinstance(attempt, QuizAttempt) and feedback.tries_left:
                left = feedback.tries_left
                show.notes.append(("bad", f"Not quite. {left} {'try' if left == 1 else 'tries'} left"))
            else:
                show.notes.append(("bad", esc(feedback.message)))
            if attempt.finished:
                self._finish(show)
        elif action == "run" and isinstance(attempt, ExerciseAttempt):
            if attempt.finished:
                return
            if "code" in form:
                attempt.save_source(form["code"].replace("\r\n", "\n"))
            report = attempt.run(self.new_seed())
            show.report = report
            if attempt.finished:
                self._finish(show)
        else:
            raise InputError(f"{action!r} does not apply to this card")

    def rate(self, show: Showing, value: str) -> None:
        """Commit a rating for the card on screen (``accept``: the derived or suggested one)."""
        attempt = show.attempt
        if isinstance(attempt, FlashAttempt):
            if not show.revealed:
                raise InputError("show the answer before rating")
            graded = attempt.result(self.monotonic() - show.started)
        else:
            if show.graded is None:
                raise InputError("finish the question (or give up) before rating")
            graded = show.graded
        if value == "accept":
            chosen = None
        elif value in ("1", "2", "3", "4"):
            chosen = Rating(int(value))
        else:
            raise InputError(f"rating must be 1, 2, 3, 4 or accept, not {value!r}")
        rating = graded.rating(chosen)
        session = self._session()
        duration = int((self.monotonic() - show.started) * 1000)
        try:
            outcome = session.rate(
                show.card.id,
                rating,
                self.now(),
                duration_ms=duration,
                signals=graded.signals or None,
                expect_version=show.version,
            )
        except ConflictError:
            session.skip(show.card.id)
            self.showing = None
            self._say(
                "warn",
                f"{esc_id(show.card.id)} was rated elsewhere (another page or the terminal) while it was "
                "shown here; that rating stands and this one was not saved.",
            )
            return
        self.showing = None
        if rating is Rating.AGAIN:
            from srs.conceptmap import failure_note

            spec = show.card.spec
            note = failure_note(self.store, self.scheduler, self.now(), spec.note_id, spec.tags, spec.concept)
            if note is not None:
                self._say("warn", self.renderer.plain(f"Map: {note}"))
        if outcome.leech:
            self._say(
                "bad",
                f"Leech: {esc_id(show.card.id)} has lapsed {outcome.after.lapses} times; it is now "
                "suspended. Rewrite it or split it, then <code>srs unsuspend</code> it.",
            )

    def undo(self) -> None:
        """Take back this session's last action (a rating or a suspension); the card on screen comes back
        right after it."""
        session = self._session()
        show = self.showing
        if show is not None:
            session.requeue(show.card.id)
            self.showing = None
        try:
            last = session.undo()
        except (ConflictError, NotFoundError) as exc:
            self._say("warn", f"Cannot undo: {self.renderer.plain(str(exc))}")
            return
        if last is None:
            self._say("dim", "Nothing to undo in this session.")
        elif isinstance(last, Suspension):
            self._say("warn", f"Undone: suspension of {esc_id(last.card_id)}")
        else:
            self._say("warn", f"Undone: {esc_id(last.card_id)} ({RATING_NAMES[last.rating]})")

    # -- drawing --------------------------------------------------------------------------------
    def page(self) -> dict[str, Any]:
        """Everything the review template shows (HTML fragments already rendered and escaped)."""
        messages, self.messages = self.messages, []
        show = self.current()
        session = self._session()
        now = self.now()
        p = session.progress(now, show.card if show else None)
        ctx: dict[str, Any] = {
            "messages": messages,
            "progress": {
                "done": p.done,
                "total": p.done + p.remaining,
                "due": p.due,
                "new": p.new,
                "learning": p.learning,
                "minutes": p.elapsed // 60,
            },
            "can_undo": bool(session.actions),
        }
        if show is None:
            s = session.summary(now)
            ctx["summary"] = {
                "reviewed": s.reviewed,
                "again": f"{s.again_rate:.0%}",
                "minutes": s.seconds // 60,
                "seconds": s.seconds % 60,
                "later_today": s.due_later_today,
                "tomorrow": s.due_tomorrow,
                "next_due": None if s.next_due is None else format_interval(max(0, s.next_due - now)),
                "new_left": s.new_left_today,
            }
            return ctx
        card = show.card
        md = self.renderer.markdown
        attempt = show.attempt
        ctx.update(
            card={
                "id": card.id,
                "deck": card.spec.deck,
                "tags": list(card.spec.tags),
                "kind": card.spec.kind.value,
                "source": card.spec.source,
            },
            nonce=show.nonce,
            notes=show.notes,
        )
        ready = False
        suggested: Rating | None = None
        ceiling = Rating.EASY
        if isinstance(attempt, FlashAttempt):
            ctx["style"] = "flash"
            ctx["front"] = md(attempt.front)
            ctx["wants_typing"] = attempt.wants_typing
            ctx["revealed"] = show.revealed
            if show.revealed:
                # A cloze's back is its whole sentence with the answer in place: shown instead of the
                # front, not under it (the sentence was repeated after the rule).
                ctx["back_replaces_front"] = card.spec.kind is Kind.CLOZE
                ctx["back"] = md(attempt.back)
                ctx["extra"] = md(attempt.extra)
                if attempt.typed is not None and attempt.suggested is not None:
                    ctx["typed"] = {"ok": attempt.suggested is Rating.GOOD, "text": attempt.typed.strip()}
                ready = True
                suggested = attempt.suggested
        elif isinstance(attempt, QuizAttempt):
            ctx["style"] = "quiz"
            ctx["prompt"] = md(attempt.prompt)
            ctx["tries"] = MAX_ATTEMPTS
            ctx["tries_left"] = attempt.tries_left
            if attempt.finished:
                ctx["solution"] = md(attempt.solution)
        elif isinstance(attempt, ChoiceAttempt):
            ctx["style"] = "choice"
            ctx["prompt"] = md(attempt.prompt)
            ctx["options"] = [
                {"letter": letter, "html": md(text), "correct": letter == attempt.correct_letter}
                for letter, text in attempt.lettered
            ]
            ctx["picked"] = None if attempt.picked is None else attempt.lettered[attempt.picked][0]
            if attempt.finished:
                ctx["extra"] = md(card.spec.extra)
                if attempt.gave_up:
                    letter = attempt.correct_letter
                    ctx["notes"] = [
                        *show.notes,
                        ("dim", f"The answer is {letter}) {md(dict(attempt.lettered)[letter])}"),
                    ]
        else:
            ctx["style"] = "exercise"
            desc = attempt.description
            ctx["prompt"] = md(desc if desc.lstrip().startswith("#") else f"### {attempt.title}\n\n{desc}")
            ctx["path"] = str(attempt.path)
            try:
                ctx["code"] = attempt.path.read_text(encoding="utf-8")
            except OSError as exc:
                raise SrsError(f"cannot read {attempt.path}: {exc.strerror or exc}") from None
            report = show.report
            if report is not None:
                ctx["report"] = {
                    "checks": [{"name": n, "passed": ok, "detail": d[:300]} for n, ok, d in report.checks],
                    "message": report.message,
                    "counted": report.counted,
                    "passed": report.finished and attempt.correct,
                }
            if attempt.gave_up:
                ctx["reference"] = self.renderer.code(attempt.reference)
        if not isinstance(attempt, FlashAttempt):
            ctx["finished"] = attempt.finished
            if show.graded is not None:
                ready = True
                suggested = ceiling = show.graded.derived
                ctx["derived"] = RATING_NAMES[show.graded.derived]
        if ready:
            intervals = session.intervals(card, now)
            ctx["ratings"] = [
                {
                    "value": int(r),
                    "name": RATING_NAMES[r],
                    "interval": format_interval(intervals[r]),
                    "suggested": r is suggested,
                }
                for r in Rating
                if r <= ceiling
            ]
            ctx["suggested"] = RATING_NAMES[suggested] if suggested else None
        return ctx


def esc_id(card_id: str) -> str:
    """A card id for a message (escaped)."""
    return WebRenderer.plain(card_id)
