"""The checker's side of the channel to the learner's process (trusted; used by ``_harness.py``).

:class:`LearnerProcess` starts ``_learner.py`` in the sandbox with two pipes, and
:attr:`LearnerProcess.module` stands for the learner's module: ``module.softmax(x)`` asks the
learner's process for its ``softmax``, calls it with ``x`` over the channel and returns the
result as plain data (see :mod:`srs.exercises._learner` for the encoding). Objects that cannot
travel as data come back as :class:`RemoteObject` handles, which can be passed back, called
or asked for attributes. In-place changes of values the learner's function makes to its
arguments are copied back into the caller's objects; a change of an input array's shape or dtype
in place raises :class:`InputChanged` (a failed check); result arrays that are views of input
arrays come back as the same views of the caller's arrays.

Each exchange runs against the learner's wall clock (``Limits.wall_seconds`` from its start);
its output is read and capped meanwhile. When the learner's process is gone (it ended, was
killed by a limit, or broke the channel), every call raises :class:`LearnerStopped` with the
:class:`~srs.exercises.sandbox.SandboxResult`; it derives from ``BaseException`` so that a
check's ``except Exception`` cannot swallow it.
"""

from __future__ import annotations

import builtins
import contextlib
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from srs.exercises import sandbox

# The codec (srs.exercises._learner) imports numpy: it is imported when first needed, so that the
# checker can start the learner's process first and import numpy while that process starts.
SERVER = Path(__file__).resolve().with_name("_learner.py")
TEXT_CHARS = 2000
_POLL = 0.5  # seconds between checks of the process while waiting
_ENDING = 1.0  # seconds a process that closed its channel gets to end by itself


class LearnerStopped(BaseException):  # noqa: N818 - not an error of the check: the process is gone
    """The learner's process has ended; ``result`` says how."""

    def __init__(self, result: sandbox.SandboxResult) -> None:
        super().__init__(result.reason or f"exit code {result.returncode}")
        self.result = result


class LearnerRaised(Exception):  # noqa: N818 - mixed into re-created exception classes
    """Mixed into an exception re-created from one raised by the learner's code; ``text`` describes it."""

    text = ""


class LearnerError(LearnerRaised):
    """An exception of a type that is not re-created (a learner's own class, or not an ``Exception``)."""


class LearnerExit(Exception):  # noqa: N818
    """The learner's code called ``sys.exit(code)`` during a call; ``code`` is its repr."""

    def __init__(self, code: str) -> None:
        super().__init__(f"sys.exit({code})")
        self.code = code


class LearnerReplyError(Exception):
    """The learner's process answered with something that cannot be used as a value."""


class InputChanged(Exception):  # noqa: N818 - a finding about the learner's code
    """The learner's function changed the shape or dtype of an input array in place: a failed check."""


_CLASSES: dict[str, type[BaseException]] = {}


def _exception(info: Any) -> BaseException:
    """The exception to raise in the check for the learner's exception described by ``info``."""
    if not isinstance(info, dict):
        return LearnerError("the code raised an exception")
    name, message = str(info.get("type", "Exception")), str(info.get("message", ""))
    text = str(info.get("text", name))[:TEXT_CHARS]
    if name == "MemoryError" and info.get("builtin") is True:
        return MemoryError(message)
    base = getattr(builtins, name, None) if info.get("builtin") is True else None
    exc: BaseException
    if isinstance(base, type) and issubclass(base, Exception) and not issubclass(base, LearnerRaised):
        cls = _CLASSES.get(name)
        if cls is None:
            cls = type(name, (base, LearnerRaised), {"__module__": "builtins"})
            _CLASSES[name] = cls
        try:
            exc = cls(message)
        except Exception:  # noqa: BLE001 - e.g. UnicodeDecodeError needs five arguments
            exc = LearnerError(message)
    else:
        exc = LearnerError(message)
    exc.text = text  # type: ignore[attr-defined]
    return exc


class RemoteObject:
    """An object that lives in the learner's process: call it, read its attributes, pass it back."""

    __slots__ = ("_process", "_handle", "_type")

    def __init__(self, process: LearnerProcess, handle: int, type_name: str) -> None:
        self._process = process
        self._handle = handle
        self._type = type_name

    def __getattr__(self, name: str) -> Any:
        if name in RemoteObject.__slots__ or (name.startswith("__") and name.endswith("__")):
            raise AttributeError(name)  # never ask the learner for protocol attributes
        return self._process.request("getattr", self._handle, name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._process.request("call", self._handle, None, args, kwargs)

    def __repr__(self) -> str:
        return f"<{self._type} object in the learner's code>"

    @property
    def type_name(self) -> str:
        """The name of the object's type in the learner's process."""
        return self._type


class LearnerProcess:
    """The learner's code, loaded in its own confined process (see the module docstring).

    Start it, read :meth:`hello`, then use :attr:`module`; :meth:`close` when done. ``max_message``
    raises the size of a reply it accepts (the labs' checker sends and receives whole data sets).
    """

    def __init__(
        self,
        *,
        workdir: Path,
        source: bytes,
        label: str,
        limits: sandbox.Limits,
        hide: Sequence[Path] = (),
        max_message: int | None = None,
    ) -> None:
        req_r, self._req_w = os.pipe()
        self._max_message = max_message
        self._rep_r, rep_w = os.pipe()
        try:
            self.running = sandbox.start(
                SERVER,
                workdir=workdir,
                limits=limits,
                extra_files={"learner.py": source},
                args=[label, str(req_r), str(rep_w)],
                pass_fds=[req_r, rep_w],
                hide=hide,
                new_session=False,  # stays in the checker's group: killing that kills it too
            )
        except BaseException:
            for fd in (self._req_w, self._rep_r):
                os.close(fd)
            raise
        finally:
            os.close(req_r)
            os.close(rep_w)
        os.set_blocking(self._req_w, False)
        self._reader: Any = None
        self._seq = 0
        self._remotes: dict[int, RemoteObject] = {}
        self.module = self._remote(0, "module")
        self.stopped: sandbox.SandboxResult | None = None

    # ---------------------------------------------------------------- plumbing

    def _remote(self, handle: int, type_name: str) -> RemoteObject:
        found = self._remotes.get(handle)
        if found is None:
            found = self._remotes[handle] = RemoteObject(self, handle, type_name)
        return found

    def _handle_of(self, value: Any) -> tuple[int, str]:
        if isinstance(value, RemoteObject) and value._process is self:
            return value._handle, value._type
        raise TypeError(f"cannot send a {type(value).__name__} to the learner's code")

    def _stop(self, reason: str = "") -> LearnerStopped:
        """Make sure the process is gone (killing it for ``reason``, if given) and describe its end."""
        if self.stopped is None:
            if reason:
                self.running.kill(reason)
            else:  # it closed the channel: it is ending by itself, or is made to
                until = time.monotonic() + _ENDING
                while not self.running.exited() and time.monotonic() < until:
                    self.running.pump(0.02)
                if not self.running.exited():
                    self.running.kill("the code closed its channel to the checker")
            self.stopped = self.running.finish()
            for fd in (self._req_w, self._rep_r):
                if fd != -1:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self._req_w = self._rep_r = -1
        return LearnerStopped(self.stopped)

    def _exchange(self, header: dict[str, Any], blobs: list[bytes]) -> tuple[dict[str, Any], list[bytes]]:
        """Send one request (``None`` header: only wait for the hello) and wait for its reply."""
        if self.stopped is not None:
            raise LearnerStopped(self.stopped)
        from srs.exercises import _learner as wire

        if self._reader is None:
            self._reader = wire.FrameReader(self._max_message or wire.MAX_MESSAGE)
        pending = memoryview(wire.pack(header, blobs) if header else b"")
        expected = self._seq
        while True:
            try:
                frame = self._reader.take()
            except wire.WireError as exc:
                raise self._stop(f"the code broke its channel to the checker ({exc})") from None
            if frame is not None:
                reply, reply_blobs = frame
                if reply.get("n") != expected:
                    raise self._stop("the code broke its channel to the checker (a reply out of order)")
                return reply, reply_blobs
            ready = self.running.pump(_POLL, watch=[self._rep_r], write=[self._req_w] if pending else [])
            if self.running.kill_reason:
                raise self._stop()
            if self._req_w in ready and pending:
                try:
                    pending = pending[os.write(self._req_w, pending[: 1 << 16]) :]
                except BlockingIOError:
                    pass
                except OSError:  # the other end is closed: the process is ending
                    raise self._stop() from None
            if self._rep_r in ready:
                chunk = os.read(self._rep_r, 1 << 20)
                if not chunk:
                    raise self._stop()
                self._reader.feed(chunk)
            elif not ready and self.running.exited():
                raise self._stop()

    # ---------------------------------------------------------------- API

    def hello(self) -> dict[str, Any]:
        """Wait for the learner's file to be loaded: ``{"ready": True}``, or
        ``{"not_gradable"|"exited"|"limit": message}``. Raises :class:`LearnerStopped`."""
        reply, _ = self._exchange({}, [])
        if "ready" in reply:
            return {"ready": True}
        for key in ("not_gradable", "exited", "limit"):
            if key in reply:
                return {key: str(reply[key])[:TEXT_CHARS]}
        raise self._stop("the code broke its channel to the checker (a malformed hello)")

    def request(
        self,
        op: str,
        target: int,
        name: str | None,
        args: Sequence[Any] = (),
        kwargs: dict[str, Any] | None = None,
        *,
        names: Sequence[str] = (),
    ) -> Any:
        """``getattr(target, name)`` or ``target.name(*args, **kwargs)`` (``target(...)`` if no name)
        in the learner's process; raises what the learner's code raised."""
        from srs.exercises import _learner as wire

        encoder = wire.Encoder(self._handle_of)
        header: dict[str, Any] = {"op": op, "target": target, "name": name}
        if op == "call":
            header["v"] = encoder.encode((tuple(args), dict(kwargs or {})))
        elif op == "missing":
            header["names"] = list(names)
        self._seq += 1
        header["n"] = self._seq
        reply, blobs = self._exchange(header, encoder.blobs)
        decoder = wire.Decoder(blobs, self._remote, known=encoder.objects)
        try:
            # the inputs first: an array of the result may be a view of an input's new contents
            wire.apply_updates(decoder.updates(reply.get("u", [])))
            result = decoder.decode(reply.get("r")) if reply.get("ok") is True else None
        except wire.WireError as exc:
            raise LearnerReplyError(f"the code's reply cannot be used: {exc}") from None
        except wire.InputChanged as exc:
            raise InputChanged(f"the function {exc}") from None
        if reply.get("ok") is True:
            return result
        if "exit" in reply:
            raise LearnerExit(str(reply["exit"])[:100])
        if "raised" in reply:
            raise _exception(reply["raised"])
        if "unsendable" in reply:
            raise LearnerReplyError(f"the result cannot be sent back: {str(reply['unsendable'])[:300]}")
        raise LearnerReplyError("the code's reply cannot be used: no result")

    def missing(self, names: Sequence[str]) -> list[str]:
        """Those of ``names`` that the learner's module does not define as functions."""
        found = self.request("missing", 0, None, names=list(names))
        return [str(name)[:100] for name in found] if isinstance(found, list) else list(names)

    def close(self) -> sandbox.SandboxResult:
        """End the process (closing its requests lets it end by itself; else it is killed) and say how it ended."""
        if self.stopped is None:
            with contextlib.suppress(OSError):
                os.close(self._req_w)
            self._req_w = -1
            until = time.monotonic() + _ENDING
            while not self.running.exited() and time.monotonic() < until:
                self.running.pump(0.02)
            self._stop("closed by the checker" if not self.running.exited() else "")
        assert self.stopped is not None
        return self.stopped

    def __enter__(self) -> LearnerProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
