"""Independent work split over two processes: the second part of a list done by a forked child while this
process does the first part.

A large import converts thousands of notes and parses the files it wrote; each note and each file is
independent of the others, and the machine has a second core. Only CPU-bound, side-effect-free work goes
through :func:`split_map`: the child gets the items by ``fork`` (nothing is pickled on the way in), sends
back its results pickled through a pipe, and never writes to the store, the terminal or any file. Anything
that goes wrong in the child (an exception, a signal, a result that cannot be pickled) makes this process
do the child's part itself, so the results are always those of ``work(items)``.

A job that must run in this process (writing to the store, say) can go :func:`alongside` a split: while the
child works, this process does the job first, and only then its own, smaller part of the items.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import NamedTuple, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def cores() -> int:
    """How many cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_split() -> bool:
    """Whether :func:`split_map` may fork: a POSIX system with a second core, and no other thread in this
    process (a thread holding a lock at the fork would leave the child stuck on it)."""
    import threading

    return (
        hasattr(os, "fork")
        and sys.platform != "darwin"  # fork without exec is unsafe with macOS system libraries
        and threading.active_count() == 1
        and cores() >= 2
    )


class _Job(NamedTuple):
    run: Callable[[], object]
    weight: int


# The jobs waiting for a split (innermost last): see :func:`alongside`.
_waiting: list[_Job] = []


@contextmanager
def alongside(job: Callable[[], object] | None, weight: int) -> Iterator[None]:
    """Inside the block, the first :func:`split_map` that forks runs ``job`` in this process while the child
    works, and gives the child more of the items to make up for it. ``weight``: the job's work in the units
    of that split's item weights (at least the whole split's weight: the child does every item). If no split
    forks in the block (too little work, no second core), ``job`` runs when the block ends; if the block
    fails first, it does not run. ``job`` must not depend on the split's results; None: no job."""
    if job is None:
        yield
        return
    entry = _Job(job, max(0, weight))
    _waiting.append(entry)
    try:
        yield
    finally:
        taken = not any(waiting is entry for waiting in _waiting)
        if not taken:
            _waiting.remove(entry)
    if not taken:
        job()


def in_parent(pid: int) -> bool:
    """Whether this is the process ``pid`` (and not a child forked from it): progress is reported only there."""
    return os.getpid() == pid


def split_map(
    work: Callable[[Sequence[T]], list[R]],
    items: Sequence[T],
    *,
    at_least: int,
    weight: Callable[[T], int] | None = None,
) -> list[R]:
    """``work(items)`` with its second part done in a forked child, when the items weigh ``at_least`` in all
    (and :func:`can_split`). ``work`` must give one result per item, in order, and have no effect but its
    result (the child's effects are lost). ``weight``: each item's share of the work (1 each if not given);
    the list is cut where half of the weight lies (counting a job waiting :func:`alongside` on this side)."""
    weights = [1] * len(items) if weight is None else [max(0, weight(item)) for item in items]
    if len(items) < 2 or sum(weights) < at_least or not can_split():
        return work(items)
    job = _waiting[-1] if _waiting else None
    cut = _halfway(weights) if job is None else _halfway_with(weights, job.weight)
    import pickle

    try:
        read_fd, write_fd = os.pipe()
    except OSError:  # no descriptors left: all of it here
        return work(items)
    try:
        pid = os.fork()
    except OSError:  # no process to be had (a limit, memory): all of it here, the job left waiting
        os.close(read_fd)
        os.close(write_fd)
        return work(items)
    if pid and job is not None:  # taken by this split
        _waiting.pop()
    if pid == 0:  # the child: its part, pickled into the pipe, then gone without any clean-up of the parent's
        status = 1
        try:
            _waiting.clear()  # the jobs are this process's: never run by the child, nor by a split of its own
            os.close(read_fd)
            data = pickle.dumps(work(items[cut:]), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_fd, "wb") as out:
                out.write(data)
            status = 0
        except BaseException:  # noqa: BLE001, S110 - the parent does this part again
            pass
        finally:
            os._exit(status)
    os.close(write_fd)
    pipe = os.fdopen(read_fd, "rb")
    waited = False
    try:
        if job is not None:
            job.run()
        first = work(items[:cut]) if cut else []
        data = pipe.read()
        _, status = os.waitpid(pid, 0)
        waited = True
        second: list[R] | None = None
        if status == 0:
            try:
                second = pickle.loads(data)  # noqa: S301 - written by our own child
            except Exception:  # noqa: BLE001 - a torn result: done again here
                second = None
        if second is None or len(second) != len(items) - cut:
            second = work(items[cut:])
        return first + second
    finally:
        pipe.close()
        if not waited:  # this process failed or was interrupted: the child goes too
            import contextlib
            import signal

            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)


def _halfway_with(weights: list[int], ahead: int) -> int:
    """Where to cut a list of items of these weights when this side also has ``ahead`` of other work first:
    the first part is what brings this side up to half of the whole (none when ``ahead`` is half or more;
    at least one item for the child)."""
    half = (sum(weights) + ahead) / 2
    running = ahead
    for index, w in enumerate(weights):
        if running + w > half:
            return index
        running += w
    return len(weights) - 1


def _halfway(weights: list[int]) -> int:
    """Where to cut a list of items of these weights so that each side holds about half (at least one item
    on each side)."""
    half = sum(weights) / 2
    running = 0
    for index, w in enumerate(weights):
        running += w
        if running >= half:
            return min(index + 1, len(weights) - 1)
    return len(weights) - 1
