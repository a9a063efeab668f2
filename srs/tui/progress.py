"""The one progress bar of the command line: on stderr, only on a terminal, only once work takes a while."""

from __future__ import annotations

import time
from types import TracebackType
from typing import TYPE_CHECKING

from srs.tui import make_console

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


_REDRAW_EVERY = 0.1  # seconds between two drawings of the bar


class LazyProgress:
    """A rich progress bar on stderr that appears only once the work has taken over ``delay`` seconds,
    and never when stderr is not a terminal. Call it as ``progress(done, total, stage)``, or pass
    :meth:`fraction` where a ``(stage, fraction done)`` callback is wanted. Use it as a context manager
    (or call :meth:`close`) so the bar is removed at the end."""

    def __init__(self, delay: float = 1.0) -> None:
        self.delay = delay
        self.started = time.monotonic()
        self.bar: Progress | None = None
        self.task: TaskID | None = None
        self.enabled: bool | None = None
        self.drawn = 0.0  # when the bar was last drawn (monotonic seconds)

    def __call__(self, done: int, total: int, stage: str) -> None:
        if self.enabled is False or time.monotonic() - self.started < self.delay:
            return
        if self.bar is None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            err = make_console(stderr=True)
            self.enabled = err.is_terminal
            if not self.enabled:
                return
            self.bar = Progress(
                TextColumn("{task.description:<12}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err,
                transient=True,
                # Drawn at each report, not by a thread of its own: a large import forks a helper
                # process, which is only safe while this process has no other thread.
                auto_refresh=False,
            )
            self.bar.start()
            self.task = self.bar.add_task(stage, total=total)
        assert self.task is not None
        self.bar.update(self.task, completed=done, total=total, description=stage)
        now = time.monotonic()
        if now - self.drawn >= _REDRAW_EVERY or done >= total:
            self.drawn = now
            self.bar.refresh()

    def fraction(self, stage: str, done: float) -> None:
        """Report progress as a fraction between 0 and 1 (shown in thousandths)."""
        self(int(round(done * 1000)), 1000, stage)

    def close(self) -> None:
        """Remove the bar (if it was shown)."""
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    def __enter__(self) -> LazyProgress:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
