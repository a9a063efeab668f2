"""The UI-free core of a sitting: the session (queue, rate, undo), attempts and grading."""
