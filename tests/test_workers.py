"""Work split over two processes (srs.workers): the same results as doing it all here, whatever the child does."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Sequence

import pytest

from srs import workers
from srs.workers import split_map

pytestmark = pytest.mark.skipif(not workers.can_split(), reason="needs fork, two cores and a single thread")


def _pids(items: Sequence[int]) -> list[tuple[int, int]]:
    """Each item with the process that did it."""
    return [(i, os.getpid()) for i in items]


def _no_child_left() -> bool:
    """Whether this process has no child, running or unreaped."""
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_the_second_part_is_done_by_a_child_and_the_results_keep_their_order() -> None:
    out = split_map(_pids, list(range(10)), at_least=2)
    assert [i for i, _pid in out] == list(range(10))
    assert {pid for _i, pid in out[:5]} == {os.getpid()}
    assert len({pid for _i, pid in out[5:]}) == 1
    assert out[5][1] != os.getpid()
    assert _no_child_left()


def test_too_little_work_is_done_here_alone() -> None:
    out = split_map(_pids, list(range(10)), at_least=11)
    assert out == [(i, os.getpid()) for i in range(10)]


def test_a_running_thread_keeps_the_work_in_this_process() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not workers.can_split()
        out = split_map(_pids, list(range(10)), at_least=2)
    finally:
        stop.set()
        thread.join()
    assert out == [(i, os.getpid()) for i in range(10)]


def _fails_in_child(parent: int, how: str) -> Callable[[Sequence[int]], list[object]]:
    """Work that fails in the child (and only there) in the way ``how`` names."""

    def work(items: Sequence[int]) -> list[object]:
        if os.getpid() != parent:
            if how == "raise":
                raise RuntimeError("child failed")
            if how == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            if how == "unpicklable":
                return [lambda i=i: i for i in items]  # functions do not pickle
            if how == "short":
                return [(i, os.getpid()) for i in items[:-1]]
        return [(i, os.getpid()) for i in items]

    return work


@pytest.mark.parametrize("how", ["raise", "kill", "unpicklable", "short"])
def test_a_child_that_fails_has_its_part_done_here(how: str) -> None:
    parent = os.getpid()
    out = split_map(_fails_in_child(parent, how), list(range(9)), at_least=2)
    assert out == [(i, parent) for i in range(9)]
    assert _no_child_left()


@pytest.mark.parametrize("error", [KeyboardInterrupt, ValueError])
def test_a_failure_here_stops_the_child_and_is_raised(error: type[BaseException]) -> None:
    parent = os.getpid()

    def work(items: Sequence[int]) -> list[int]:
        if os.getpid() == parent:
            raise error("stop")
        signal.pause()  # the child would wait for ever: it must be stopped, not waited for
        return list(items)

    with pytest.raises(error):
        split_map(work, list(range(4)), at_least=2)
    assert _no_child_left()


def test_the_list_is_cut_where_half_of_the_weight_lies() -> None:
    assert workers._halfway([1, 1, 1, 1]) == 2
    assert workers._halfway([10, 1, 1]) == 1  # one heavy item: alone on its side
    assert workers._halfway([1, 1, 10]) == 2  # never everything on one side
    assert workers._halfway([0, 0]) == 1
    parent = os.getpid()
    out = split_map(_pids, [1, 1, 1, 7], at_least=2, weight=lambda w: w)
    assert [pid == parent for _i, pid in out] == [True, True, True, False]


def test_a_job_alongside_runs_here_while_the_child_does_the_items_it_makes_up_for() -> None:
    """A job as heavy as the whole split: the child does every item, and the job runs in this process,
    once, after the fork (the child does not see what it does)."""
    parent = os.getpid()
    ran: list[int] = []

    def work(items: Sequence[int]) -> list[tuple[int, int, bool]]:
        return [(i, os.getpid(), bool(ran)) for i in items]

    with workers.alongside(lambda: ran.append(os.getpid()), weight=10):
        out = split_map(work, list(range(6)), at_least=2)
        assert ran == [parent]  # already done, by the split
    assert ran == [parent]
    assert [i for i, _pid, _seen in out] == list(range(6))
    assert all(pid != parent and not seen for _i, pid, seen in out)
    assert _no_child_left()


def test_a_job_alongside_is_not_the_childs_to_run() -> None:
    """The child sees no job waiting (a split of its own could not take it and write from the child)."""
    parent = os.getpid()

    def work(items: Sequence[int]) -> list[int]:
        return [len(workers._waiting) if os.getpid() != parent else -1 for _i in items]

    with workers.alongside(lambda: None, weight=10):
        out = split_map(work, list(range(4)), at_least=2)
    assert out == [0, 0, 0, 0]


def test_a_light_job_alongside_leaves_this_process_the_items_that_balance_it() -> None:
    parent = os.getpid()
    with workers.alongside(lambda: None, weight=4):
        out = split_map(_pids, list(range(12)), at_least=2)  # 16 in all: 4 + 4 items here, 8 there
    assert [pid == parent for _i, pid in out] == [True] * 4 + [False] * 8
    assert workers._halfway_with([1] * 12, 4) == 4
    assert workers._halfway_with([1] * 4, 100) == 0  # the child does everything
    assert workers._halfway_with([5, 1], 0) == 0
    assert workers._halfway_with([1, 1], 0) == 1  # never everything on this side


def test_a_job_alongside_runs_at_the_end_of_the_block_when_nothing_is_split() -> None:
    ran: list[str] = []
    with workers.alongside(lambda: ran.append("job"), weight=1):
        out = split_map(_pids, list(range(4)), at_least=100)  # too little to split
        ran.append("block")
    assert ran == ["block", "job"]
    assert out == [(i, os.getpid()) for i in range(4)]
    assert not workers._waiting


def test_a_job_alongside_does_not_run_when_the_block_fails_first() -> None:
    ran: list[str] = []
    with pytest.raises(ValueError), workers.alongside(lambda: ran.append("job"), weight=1):
        raise ValueError("stop")
    assert ran == [] and not workers._waiting


def test_a_job_alongside_that_fails_stops_the_child_and_is_raised() -> None:
    def job() -> None:
        raise ValueError("job failed")

    def work(items: Sequence[int]) -> list[int]:
        signal.pause()  # the child would wait for ever: it must be stopped, not waited for
        return list(items)

    with pytest.raises(ValueError, match="job failed"), workers.alongside(job, weight=10):
        split_map(work, list(range(4)), at_least=2)
    assert _no_child_left() and not workers._waiting


def test_a_failed_fork_leaves_all_the_work_here_and_the_job_to_the_end_of_its_block(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No child to be had (a process limit, memory): every item is done here, no descriptor is left open, and
    the job still runs once, when the block ends (not lost, not twice)."""
    ran: list[str] = []

    def no_fork() -> int:
        raise OSError("no more processes")

    monkeypatch.setattr(os, "fork", no_fork)
    open_before = len(os.listdir("/proc/self/fd"))
    with workers.alongside(lambda: ran.append("job"), weight=10):
        out = split_map(_pids, list(range(4)), at_least=2)
        assert ran == []
    assert ran == ["job"]
    assert out == [(i, os.getpid()) for i in range(4)]
    assert len(os.listdir("/proc/self/fd")) == open_before
