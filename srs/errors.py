"""The one family of user-facing errors.

Core code raises a subclass of :class:`SrsError` with a message a learner can act on;
the CLI prints ``Error: <message>`` on stderr and exits non-zero.
"""

from __future__ import annotations


class SrsError(Exception):
    """Base class of every error that is shown to the user as one line."""

    exit_code = 1


class DeckError(SrsError):
    """A deck file is malformed. The message starts with ``path:line:``."""

    def __init__(self, path: str, line: int, message: str) -> None:
        self.path = path
        self.line = line
        self.detail = message
        super().__init__(f"{path}:{line}: {message}")

    def __reduce__(self) -> tuple[type[DeckError], tuple[str, int, str]]:
        # Rebuilt from its three parts (a parse done in another process sends its errors back pickled).
        return (type(self), (self.path, self.line, self.detail))


class StoreError(SrsError):
    """The database cannot be opened, is corrupt or is from a newer version."""


class NotFoundError(SrsError):
    """An id, deck or name does not exist."""


class NoteCardsError(NotFoundError):
    """An id names a note with several cards where one card is wanted; ``cards`` lists them."""

    def __init__(self, note_id: str, cards: tuple[str, ...]) -> None:
        self.note_id = note_id
        self.cards = cards
        super().__init__(
            f"{note_id!r} is a note with {len(cards)} cards: {', '.join(cards)}; name one of them"
        )


class ConflictError(SrsError):
    """Another session changed the same data first (e.g. rated the card an undo would restore)."""


class InputError(SrsError):
    """A value given by the user is not acceptable."""


class QuizError(SrsError):
    """A quiz generator or exercise is unknown or was given bad parameters."""


class SandboxError(SrsError):
    """Learner code could not be run at all (not: ran and failed)."""
