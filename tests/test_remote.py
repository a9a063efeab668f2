"""The channel between the trusted checks and the learner's process: values, identity, errors, limits."""

from __future__ import annotations

import io
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from srs import exercises
from srs.exercises import _learner as wire
from srs.exercises import remote
from srs.exercises.remote import LearnerExit, LearnerProcess, LearnerReplyError, LearnerStopped, RemoteObject
from srs.exercises.sandbox import Limits

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox tests measure Linux behaviour")

LIMITS = Limits(wall_seconds=10, cpu_seconds=10)


def start(tmp_path: Path, source: str, limits: Limits = LIMITS) -> LearnerProcess:
    work = tmp_path / "learner"
    work.mkdir()
    return LearnerProcess(
        workdir=work, source=textwrap.dedent(source).encode(), label="mine.py", limits=limits
    )


@pytest.fixture
def learner(tmp_path: Path) -> Iterator[Any]:
    process = start(
        tmp_path,
        """
        import numpy as np

        class Net:
            def __init__(self, w):
                self.w = w
            def forward(self, x):
                return x @ self.w

        def echo(*args, **kwargs):
            return args, kwargs

        def fill(config, arr, items):
            config["m"] = np.ones(2)
            config.setdefault("t", 0)
            config["t"] += 1
            arr *= 2
            items.append("new")
            return config

        def make_net(w):
            return Net(w)

        def first(net):
            return net.w[0]

        def fail(kind):
            if kind == "value":
                raise ValueError("bad value")
            if kind == "key":
                return {}["missing"]
            if kind == "own":
                class Oops(Exception):
                    pass
                raise Oops("mine")
            if kind == "exit":
                raise SystemExit(3)

        def objects():
            return np.array([object(), 1], dtype=object)

        def big():
            return np.zeros(9 << 20)  # 72 MiB

        def double_first(a, b):
            a *= 2

        def draw(rng, n):
            return rng.standard_normal(n)

        CONSTANT = 42
    """,
    )
    assert process.hello() == {"ready": True}
    with process:
        yield process.module


def test_values_come_back_with_their_types(learner: Any) -> None:
    x = np.arange(6.0).reshape(2, 3)
    args, kwargs = learner.echo(
        x, np.float32(1.5), np.int64(7), 3, 2.5, True, None, "s", b"\x00", 1 + 2j, (1, [2]), {3}, frozenset([4]),
        key={"a": x},
    )  # fmt: skip
    assert isinstance(args, tuple) and isinstance(kwargs, dict)
    assert args[0] is x  # the caller's own object comes back as itself, as in-process
    assert type(args[1]) is np.float32 and args[1] == 1.5
    assert type(args[2]) is np.int64 and args[2] == 7
    assert args[3:] == (3, 2.5, True, None, "s", b"\x00", 1 + 2j, (1, [2]), {3}, frozenset([4]))
    assert kwargs["key"]["a"] is x
    (fresh,), _ = learner.echo(x.copy())
    assert fresh is not x and fresh.dtype == x.dtype and np.array_equal(fresh, x)


def test_big_integers_and_random_generators_travel(learner: Any) -> None:
    (big,), _ = learner.echo(3**100)
    assert big == 3**100
    rng, twin = np.random.default_rng(5), np.random.default_rng(5)
    np.testing.assert_array_equal(learner.draw(rng, 3), twin.standard_normal(3))
    assert rng.standard_normal() == twin.standard_normal()  # the caller's generator advanced too
    legacy = np.random.Generator(np.random.MT19937(1))
    assert learner.draw(legacy, 2).shape == (2,)


def test_shared_references_and_cycles_survive(learner: Any) -> None:
    shared = [1]
    loop: list[Any] = []
    loop.append(loop)
    (a, b, c), _ = learner.echo(shared, shared, loop)
    assert a is b and c[0] is c


def test_in_place_changes_are_copied_back(learner: Any) -> None:
    config: dict[str, Any] = {"t": 4}
    arr = np.arange(3.0)
    items = ["old"]
    returned = learner.fill(config, arr, items)
    assert returned is config  # the same object, as in-process
    assert config["t"] == 5 and np.array_equal(config["m"], np.ones(2))
    np.testing.assert_array_equal(arr, [0.0, 2.0, 4.0])
    assert items == ["old", "new"]


def test_unchanged_arrays_are_left_alone(learner: Any) -> None:
    base = np.arange(4.0)
    view = base[:2]  # two arguments sharing memory: only what changed is written back
    learner.double_first(base, view)
    np.testing.assert_array_equal(base, [0.0, 2.0, 4.0, 6.0])
    frozen = np.arange(2.0)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        learner.double_first(frozen, None)


def test_objects_stay_behind_as_handles(learner: Any) -> None:
    net = learner.make_net(np.eye(2))
    assert isinstance(net, RemoteObject) and net.type_name == "Net"
    np.testing.assert_array_equal(net.forward(np.array([[1.0, 2.0]])), [[1.0, 2.0]])
    np.testing.assert_array_equal(learner.first(net), [1.0, 0.0])  # passed back as itself
    np.testing.assert_array_equal(net.w, np.eye(2))
    assert learner.CONSTANT == 42
    assert "object" in repr(learner.objects())  # an object array cannot travel as data
    with pytest.raises(AttributeError):
        learner.__array_interface__  # noqa: B018 - protocol attributes are never asked for


def test_exceptions_keep_builtin_types_and_describe_the_learners_line(learner: Any) -> None:
    with pytest.raises(ValueError, match="bad value") as info:
        learner.fail("value")
    assert info.value.text == "ValueError: bad value (mine.py, line 29)"  # type: ignore[attr-defined]
    with pytest.raises(KeyError):
        learner.fail("key")
    with pytest.raises(remote.LearnerError, match="mine") as own:
        learner.fail("own")
    assert own.value.text.startswith("Oops: mine")
    with pytest.raises(LearnerExit) as exited:
        learner.fail("exit")
    assert exited.value.code == "3"
    with pytest.raises(AttributeError):
        learner.nothing_here  # noqa: B018


def test_a_reply_too_large_fails_the_call_not_the_process(learner: Any) -> None:
    with pytest.raises(LearnerReplyError, match="larger than"):
        learner.big()
    assert learner.CONSTANT == 42  # still serving


def test_something_that_cannot_be_sent_is_a_type_error(learner: Any) -> None:
    with pytest.raises(TypeError, match="cannot send a function"):
        learner.echo(lambda: 1)


def test_a_process_that_dies_stops_every_later_call(tmp_path: Path) -> None:
    process = start(tmp_path, "import os\ndef die():\n    os._exit(7)\n")
    with process:
        assert process.hello() == {"ready": True}
        with pytest.raises(LearnerStopped) as stop:
            process.module.die()
        assert stop.value.result.returncode == 7 and stop.value.result.reason == ""
        with pytest.raises(LearnerStopped):
            process.module.die()


def test_the_wall_clock_stops_a_call(tmp_path: Path) -> None:
    process = start(
        tmp_path, "def spin():\n    while True:\n        pass\n", Limits(wall_seconds=1, cpu_seconds=5)
    )
    with process:
        process.hello()
        with pytest.raises(LearnerStopped) as stop:
            process.module.spin()
        assert stop.value.result.reason == "timeout after 1 s"


def test_garbage_on_the_channel_stops_the_process(tmp_path: Path) -> None:
    source = """
        import os, sys
        def scribble():
            fd = int(sys.argv[3])
            os.write(fd, b"not a frame" * 10)
            return 1
    """
    process = start(tmp_path, source)
    with process:
        process.hello()
        with pytest.raises(LearnerStopped) as stop:
            process.module.scribble()
        assert "broke its channel" in stop.value.result.reason


def test_learner_process_cannot_see_the_exercise_files(tmp_path: Path) -> None:
    work = tmp_path / "learner"
    work.mkdir()
    source = f"import os\ndef look():\n    return os.listdir({str(exercises.FILES_DIR)!r})\n"
    process = LearnerProcess(
        workdir=work, source=source.encode(), label="x.py", limits=LIMITS, hide=[exercises.FILES_DIR]
    )
    with process:
        process.hello()
        listing = process.module.look()
        if "sandbox=bwrap" in process.running.isolation:
            assert listing == []
        else:
            assert "stable_softmax" in listing  # the fallback does not hide files


# --------------------------------------------------------------------------- the codec on its own


def test_malformed_replies_are_refused_without_evaluating_anything() -> None:
    def nothing(handle: int, name: str) -> Any:
        raise AssertionError("no handles here")

    pickled = b"\x80\x04\x95"  # the start of a pickle
    for bad in (
        {"t": "A", "i": 1, "b": 0},  # a blob that is not .npy
        {"t": "@", "i": 99},  # an unknown node
        {"t": "Z"},  # an unknown tag
        {"t": "D", "i": 1, "k": [{"t": "L", "i": 2, "v": []}], "v": [1]},  # an unhashable key
        [1, 2],  # a bare list
    ):
        with pytest.raises(wire.WireError):
            wire.Decoder([pickled], nothing).decode(bad)
    reader = wire.FrameReader(limit=1 << 10)
    reader.feed(wire._HEADER.pack(wire.MAGIC, 1 << 20, 0))
    with pytest.raises(wire.WireError, match="larger than"):
        reader.take()
    assert wire.load_array(wire._array_blob(np.zeros(2))).shape == (2,)
    pickled_array = io.BytesIO()
    np.save(pickled_array, np.array([object()], dtype=object), allow_pickle=True)
    with pytest.raises(wire.WireError):
        wire.load_array(pickled_array.getvalue())
