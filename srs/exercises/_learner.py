"""The learner's side of grading: run as a script INSIDE the sandbox, and the value codec of the channel.

As a script (started by the trusted checker, ``_harness.py``, through :mod:`srs.exercises.remote`)::

    python -I -B -u _learner.py LABEL REQUEST_FD REPLY_FD

it loads ``learner.py`` from its working directory as the module ``learner`` (compiled under
the name ``LABEL``, so tracebacks point into the learner's file), answers with a hello
message, then serves requests until ``REQUEST_FD`` reaches its end: ``getattr`` of an
attribute of a learner object, ``call`` of one, and ``missing`` (which of some names are not
functions of the module). Nothing else runs in this process: the
checks, ``checklib`` and the reference solution live in the checker's process, which only
ever receives data from here.

The same module is imported by the checker for the codec. A message is a frame::

    b"SRS1" | json length (uint32) | blob count (uint32) | json | (blob length (uint64) | blob)*

The JSON holds the structure; arrays travel as ``.npy`` blobs, written with
``numpy.lib.format.write_array`` and read with ``read_array(..., allow_pickle=False)``, so
nothing sent by learner code is ever unpickled or evaluated. Values are encoded as:

* ``None``, ``bool``, ``int``, ``float`` and ``str`` as themselves;
* ``{"t": "A", "i": id, "b": blob, "ro": bool}`` an array; ``{"t": "N", "b": blob}`` a numpy
  scalar (a 0-d array); ``{"t": "C", "re": x, "im": y}`` a complex; ``{"t": "B", "b": blob}`` bytes;
* ``{"t": "I", "v": digits}`` an integer beyond 64 bits; ``{"t": "G", "i": id, "g": name, "s": state}``
  a numpy random ``Generator`` (its bit generator's name and state);
* ``{"t": "L"|"S", "i": id, "v": [...]}`` a list or set, ``{"t": "T"|"F", "v": [...]}`` a tuple or
  frozenset, ``{"t": "D", "i": id, "k": [...], "v": [...]}`` a dict;
* ``{"t": "@", "i": id}`` the same object as the node ``id`` seen before (shared references
  and cycles survive the trip);
* ``{"t": "R", "h": n, "n": type name}`` an object that cannot travel as data (a function, an
  instance of a learner's class, an object array): it stays in the learner's process as
  handle ``n``; the checker may pass it back, call it, or read its attributes.

A ``call`` request numbers the mutable objects of its arguments (``id``). The reply sends
back, before the result, the new contents of each of them that may have changed (lists,
dicts, sets always; arrays if their values, shape or dtype changed), so a check sees in-place
changes of its inputs as if it had called the function itself. The checker copies new values
into its arrays; a change of shape or dtype in place (``x.shape = ...``, ``x.resize(...)``,
``x.dtype = ...``) cannot be mirrored faithfully, and makes the call fail with
:class:`InputChanged`. An array of the result that shares memory with a C-contiguous input
array carries ``"v": [input id, byte offset, strides]``, and the checker rebuilds it as the
same view of its own input (numpy checks that the view fits in the input's buffer), so a
check sees aliasing of outputs and inputs as it would in one process.
"""

from __future__ import annotations

import builtins
import io
import json
import os
import struct
import sys
import traceback
import types
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib import format as npy_format

MAGIC = b"SRS1"
_HEADER = struct.Struct("<4sII")
_BLOB = struct.Struct("<Q")
MAX_MESSAGE = 64 << 20  # bytes in one message
MAX_DEPTH = 100  # nesting of containers
MAX_NODES = 1_000_000  # values in one message
MAX_BLOBS = 100_000  # arrays and byte strings in one message
# numpy random generators travel as their bit generator's state (and come back advanced)
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
TEXT_CHARS = 2000  # of a message or description passed on


class WireError(Exception):
    """A message that cannot be built or read (too big, too deep, malformed, unknown handle)."""


class InputChanged(Exception):  # noqa: N818 - a finding about the learner's code, not an error here
    """The learner's function changed the shape or dtype of an input array in place."""


# --------------------------------------------------------------------------- frames


def pack(header: dict[str, Any], blobs: list[bytes]) -> bytes:
    """One frame holding ``header`` (JSON) and ``blobs``."""
    try:
        text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError, RecursionError) as exc:
        raise WireError(f"cannot encode the message: {exc}") from None
    size = _HEADER.size + len(text) + sum(_BLOB.size + len(blob) for blob in blobs)
    if size > MAX_MESSAGE:
        raise WireError(
            f"the message would be {size >> 20} MiB, more than the {MAX_MESSAGE >> 20} MiB allowed"
        )
    parts = [_HEADER.pack(MAGIC, len(text), len(blobs)), text]
    for blob in blobs:
        parts += [_BLOB.pack(len(blob)), blob]
    return b"".join(parts)


class FrameReader:
    """Collects bytes from a stream and cuts them into frames, refusing oversized or malformed ones."""

    def __init__(self, limit: int = MAX_MESSAGE) -> None:
        self.limit = limit
        self.buf = bytearray()

    def feed(self, data: bytes) -> None:
        """Add bytes read from the stream."""
        self.buf += data

    def take(self) -> tuple[dict[str, Any], list[bytes]] | None:
        """The next complete frame as (header, blobs), or None if more bytes are needed."""
        buf = self.buf
        if len(buf) < _HEADER.size:
            return None
        magic, text_len, count = _HEADER.unpack_from(buf, 0)
        if magic != MAGIC:
            raise WireError("the reply does not start with a frame marker")
        too_big = f"the reply is larger than {self.limit >> 20} MiB"
        if count > MAX_BLOBS:
            raise WireError(f"the reply holds more than {MAX_BLOBS} arrays")
        pos = _HEADER.size + text_len
        spans = []
        for _ in range(count):
            if pos > self.limit:
                raise WireError(too_big)
            if len(buf) < pos + _BLOB.size:
                return None
            (length,) = _BLOB.unpack_from(buf, pos)
            pos += _BLOB.size
            spans.append((pos, pos + length))
            pos += length
        if pos > self.limit:
            raise WireError(too_big)
        if len(buf) < pos:
            return None
        try:
            header = json.loads(bytes(buf[_HEADER.size : _HEADER.size + text_len]).decode("utf-8"))
        except (ValueError, RecursionError) as exc:
            raise WireError(f"the reply is not readable: {type(exc).__name__}") from None
        if not isinstance(header, dict):
            raise WireError("the reply is not readable: not an object")
        blobs = [bytes(buf[start:end]) for start, end in spans]
        del buf[:pos]
        return header, blobs


def _read_exact(fd: int, n: int) -> bytes | None:
    """Exactly ``n`` bytes from ``fd`` (blocking), or None at the end of the stream."""
    chunks, got = [], 0
    while got < n:
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> tuple[dict[str, Any], list[bytes]] | None:
    """One frame read from ``fd`` with blocking reads (the learner's side), or None at the end."""
    head = _read_exact(fd, _HEADER.size)
    if head is None:
        return None
    magic, text_len, count = _HEADER.unpack(head)
    if magic != MAGIC:
        raise WireError("bad frame marker")
    text = _read_exact(fd, text_len)
    if text is None:
        return None
    blobs = []
    for _ in range(count):
        size = _read_exact(fd, _BLOB.size)
        if size is None:
            return None
        blob = _read_exact(fd, _BLOB.unpack(size)[0])
        if blob is None:
            return None
        blobs.append(blob)
    header = json.loads(text.decode("utf-8"))
    if not isinstance(header, dict):
        raise WireError("bad frame")
    return header, blobs


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to the blocking ``fd``."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


# --------------------------------------------------------------------------- values


def _array_blob(arr: np.ndarray[Any, Any]) -> bytes:
    buf = io.BytesIO()
    npy_format.write_array(buf, np.asarray(arr), allow_pickle=False)
    return buf.getvalue()


def load_array(blob: bytes) -> np.ndarray[Any, Any]:
    """An array from a ``.npy`` blob; never unpickles (object arrays are refused)."""
    if not blob.startswith(b"\x93NUMPY"):
        raise WireError("an array blob is not in .npy format")
    try:
        arr = npy_format.read_array(io.BytesIO(blob), allow_pickle=False)
    except (ValueError, OSError, EOFError, TypeError, SyntaxError) as exc:
        raise WireError(f"an array blob is not readable: {exc}") from None
    if not isinstance(arr, np.ndarray) or arr.dtype.hasobject:
        raise WireError("an array blob holds objects")
    # an array that owns its memory, as one made in the same process would (x.resize works on it)
    return arr if arr.flags.owndata else arr.copy(order="K")


Handler = Callable[[Any], tuple[int, str]]


class Encoder:
    """Turns values into JSON-able structure plus blobs, keeping object identity (see the module docstring).

    ``known`` maps ``id(obj)`` to node ids already known to the receiver (the inputs of a
    call, when replying); new nodes are numbered from ``first_id``. ``handle`` gives a
    handle for an object that cannot travel as data, or raises ``TypeError``.
    """

    def __init__(
        self,
        handle: Handler,
        known: dict[int, int] | None = None,
        first_id: int = 1,
        bases: dict[int, Any] | None = None,
    ) -> None:
        self.handle = handle
        # node id -> input array: arrays encoded here that are views of one of them say so
        self.bases: dict[int, Any] = dict(bases or {})
        self.blobs: list[bytes] = []
        self.ids: dict[int, int] = dict(known or {})
        self.objects: dict[int, Any] = {}  # node id -> object, for the nodes numbered here
        self.next_id = first_id
        self.size = 0
        self._nodes = 0
        self._keep: list[Any] = []

    def _blob(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > MAX_MESSAGE:
            raise WireError(f"the value is larger than {MAX_MESSAGE >> 20} MiB")
        if len(self.blobs) >= MAX_BLOBS:
            raise WireError(f"the value holds more than {MAX_BLOBS} arrays")
        self.blobs.append(data)
        return len(self.blobs) - 1

    def _new(self, obj: Any) -> int:
        nid = self.next_id
        self.next_id += 1
        self.ids[id(obj)] = nid
        self.objects[nid] = obj
        self._keep.append(obj)
        return nid

    def encode(self, x: Any, depth: int = 0) -> Any:
        """The wire form of ``x``."""
        if depth > MAX_DEPTH:
            raise WireError(f"the value is nested more than {MAX_DEPTH} levels deep")
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise WireError(f"the value has more than {MAX_NODES} parts")
        kind = type(x)
        if x is None or kind is bool or kind is str or kind is float:
            return x
        if kind is int:
            if abs(x) < 1 << 63:
                return x
            digits = str(x)  # Python refuses more than 4300 digits: ValueError, reported as unsendable
            return {"t": "I", "v": digits}
        known = self.ids.get(id(x))
        if known is not None:
            return {"t": "@", "i": known}
        return self._fresh(x, depth)

    def expand(self, nid: int, x: Any) -> Any:
        """The wire form of the known node ``nid`` (= ``x``) with its current contents."""
        return self._fresh(x, 0, nid)

    def _items(self, values: Any, depth: int) -> list[Any]:
        return [self.encode(v, depth + 1) for v in values]

    def _fresh(self, x: Any, depth: int, nid: int | None = None) -> Any:
        if isinstance(x, np.ndarray):
            if x.dtype.hasobject:
                return self._handle(x)
            node = nid if nid is not None else self._new(x)
            out = {"t": "A", "i": node, "b": self._blob(_array_blob(x)), "ro": not x.flags.writeable}
            if nid is None and self.bases:
                view = self._view_of(x)
                if view is not None:
                    out["v"] = view
            return out
        if isinstance(x, np.random.Generator) and type(x.bit_generator).__name__ in BIT_GENERATORS:
            node = nid if nid is not None else self._new(x)
            state = self.encode(x.bit_generator.state, depth + 1)
            return {"t": "G", "i": node, "g": type(x.bit_generator).__name__, "s": state}
        if isinstance(x, np.generic):
            if isinstance(x, np.object_):
                return self._handle(x)
            return {"t": "N", "b": self._blob(_array_blob(np.asarray(x)))}
        if isinstance(x, bool):
            return bool(x)
        if isinstance(x, int):
            return self.encode(int(x), depth)
        if isinstance(x, float):
            return float(x)
        if isinstance(x, str):
            return str(x)
        if isinstance(x, complex):
            return {"t": "C", "re": x.real, "im": x.imag}
        if isinstance(x, bytes | bytearray):
            return {"t": "B", "b": self._blob(bytes(x))}
        if isinstance(x, list):
            node = nid if nid is not None else self._new(x)
            return {"t": "L", "i": node, "v": self._items(list(x), depth)}
        if isinstance(x, dict):
            node = nid if nid is not None else self._new(x)
            pairs = list(x.items())
            keys = self._items([k for k, _ in pairs], depth)
            return {"t": "D", "i": node, "k": keys, "v": self._items([v for _, v in pairs], depth)}
        if isinstance(x, set):
            node = nid if nid is not None else self._new(x)
            return {"t": "S", "i": node, "v": self._items(list(x), depth)}
        if isinstance(x, tuple):
            return {"t": "T", "v": self._items(list(x), depth)}
        if isinstance(x, frozenset):
            return {"t": "F", "v": self._items(list(x), depth)}
        return self._handle(x)

    def _view_of(self, x: Any) -> list[Any] | None:
        """``[input id, byte offset, strides]`` if ``x`` shares memory with a C-contiguous input array."""
        for nid, base in self.bases.items():
            if x is base or not base.flags.c_contiguous or not np.may_share_memory(x, base):
                continue
            offset = int(x.__array_interface__["data"][0]) - int(base.__array_interface__["data"][0])
            return [nid, offset, [int(s) for s in x.strides]]
        return None

    def _handle(self, x: Any) -> Any:
        number, type_name = self.handle(x)
        return {"t": "R", "h": number, "n": type_name}


Resolver = Callable[[int, str], Any]


class Decoder:
    """Rebuilds values sent by an :class:`Encoder`; ``known`` maps node ids to existing objects."""

    def __init__(self, blobs: list[bytes], resolve: Resolver, known: dict[int, Any] | None = None) -> None:
        self.blobs = blobs
        self.resolve = resolve
        self.nodes: dict[int, Any] = dict(known or {})
        self.created: dict[int, Any] = {}  # node id -> object, for the nodes built here
        self._count = 0

    def _blob(self, index: Any) -> bytes:
        if type(index) is not int or not 0 <= index < len(self.blobs):
            raise WireError("a value refers to a missing blob")
        return self.blobs[index]

    def _register(self, data: dict[str, Any], obj: Any) -> Any:
        nid = data.get("i")
        if type(nid) is not int or nid in self.nodes:
            raise WireError("a value has a bad or repeated node id")
        self.nodes[nid] = obj
        self.created[nid] = obj
        return obj

    def _as_view(self, arr: Any, info: Any) -> Any:
        """``arr`` rebuilt as the view of a known input array that ``info`` describes, if it is one.

        numpy refuses a view that does not fit in the input's buffer, and the view must hold exactly
        the values sent; otherwise (or if the input here is not C-contiguous) ``arr`` stays a copy.
        """
        if not (isinstance(info, list) and len(info) == 3 and all(type(v) is int for v in info[:2])):
            raise WireError("a view of an input is malformed")
        nid, offset, strides = info
        base = self.nodes.get(nid)
        if (
            nid in self.created
            or not isinstance(base, np.ndarray)
            or not base.flags.c_contiguous
            or not isinstance(strides, list)
            or len(strides) != arr.ndim
            or not all(type(v) is int for v in strides)
        ):
            return arr
        try:
            view = np.ndarray(arr.shape, arr.dtype, buffer=base, offset=offset, strides=tuple(strides))
            same = np.array_equal(view, arr, equal_nan=arr.dtype.kind in "fc")
        except (TypeError, ValueError, BufferError):
            return arr
        return view if same else arr

    def _list(self, data: dict[str, Any], key: str, depth: int) -> list[Any]:
        values = data.get(key)
        if not isinstance(values, list):
            raise WireError("a container value is malformed")
        return [self.decode(v, depth + 1) for v in values]

    def decode(self, data: Any, depth: int = 0) -> Any:
        """The value that ``data`` stands for."""
        if depth > MAX_DEPTH:
            raise WireError(f"the value is nested more than {MAX_DEPTH} levels deep")
        self._count += 1
        if self._count > MAX_NODES:
            raise WireError(f"the value has more than {MAX_NODES} parts")
        if data is None or type(data) in (bool, int, float, str):
            return data
        if not isinstance(data, dict):
            raise WireError("a value is malformed")
        tag = data.get("t")
        if tag == "@":
            try:
                return self.nodes[data["i"]]
            except (KeyError, TypeError):
                raise WireError("a value refers to an unknown node") from None
        if tag == "A":
            arr = load_array(self._blob(data.get("b")))
            if "v" in data:
                arr = self._as_view(arr, data.get("v"))
            if data.get("ro") is True:
                arr.flags.writeable = False
            return self._register(data, arr)
        if tag == "N":
            arr = load_array(self._blob(data.get("b")))
            if arr.ndim != 0:
                raise WireError("a numpy scalar is not 0-dimensional")
            return arr[()]
        if tag == "I":
            digits = data.get("v")
            if not isinstance(digits, str) or len(digits) > 1000:
                raise WireError("an integer value is malformed")
            try:
                return int(digits)
            except ValueError:
                raise WireError("an integer value is malformed") from None
        if tag == "G":
            name = data.get("g")
            if name not in BIT_GENERATORS:
                raise WireError("a random generator of an unknown kind")
            generator = np.random.Generator(getattr(np.random, str(name))())
            _set_state(generator, self.decode(data.get("s"), depth + 1))
            return self._register(data, generator)
        if tag == "C":
            re, im = data.get("re"), data.get("im")
            if not (type(re) in (int, float) and type(im) in (int, float)):
                raise WireError("a complex value is malformed")
            return complex(float(re), float(im))  # type: ignore[arg-type]
        if tag == "B":
            return bytes(self._blob(data.get("b")))
        if tag == "L":
            items: list[Any] = self._register(data, [])
            items.extend(self._list(data, "v", depth))
            return items
        if tag == "S":
            members: set[Any] = self._register(data, set())
            try:
                members.update(self._list(data, "v", depth))
            except TypeError:
                raise WireError("a set holds an unhashable value") from None
            return members
        if tag == "D":
            mapping: dict[Any, Any] = self._register(data, {})
            keys = self._list(data, "k", depth)
            values = self._list(data, "v", depth)
            if len(keys) != len(values):
                raise WireError("a dict value is malformed")
            try:
                mapping.update(zip(keys, values, strict=True))
            except TypeError:
                raise WireError("a dict has an unhashable key") from None
            return mapping
        if tag == "T":
            return tuple(self._list(data, "v", depth))
        if tag == "F":
            try:
                return frozenset(self._list(data, "v", depth))
            except TypeError:
                raise WireError("a frozenset holds an unhashable value") from None
        if tag == "R":
            handle, name = data.get("h"), data.get("n", "")
            if type(handle) is not int or not isinstance(name, str):
                raise WireError("an object reference is malformed")
            return self.resolve(handle, name[:100])
        raise WireError("a value has an unknown type tag")

    def updates(self, entries: Any) -> list[tuple[Any, Any]]:
        """Decode the new contents of known nodes: (target, new contents) pairs for :func:`apply_updates`."""
        if not isinstance(entries, list):
            raise WireError("the updates are malformed")
        pairs: list[tuple[Any, Any]] = []
        for entry in entries:
            if not (isinstance(entry, list) and len(entry) == 2 and type(entry[0]) is int):
                raise WireError("an update is malformed")
            nid, data = entry
            if nid not in self.nodes or nid in self.created or not isinstance(data, dict):
                raise WireError("an update names an unknown input")
            target = self.nodes[nid]
            tag = data.get("t")
            if tag == "A" and isinstance(target, np.ndarray):
                pairs.append((target, load_array(self._blob(data.get("b")))))
            elif tag in ("L", "S") and isinstance(target, list | set):
                if (tag == "L") != isinstance(target, list):
                    raise WireError("an update changes the type of an input")
                pairs.append((target, self._list(data, "v", 0)))
            elif tag == "G" and isinstance(target, np.random.Generator):
                pairs.append((target, self.decode(data.get("s"), 1)))
            elif tag == "D" and isinstance(target, dict):
                keys, values = self._list(data, "k", 0), self._list(data, "v", 0)
                if len(keys) != len(values):
                    raise WireError("an update is malformed")
                pairs.append((target, list(zip(keys, values, strict=True))))
            else:
                raise WireError("an update changes the type of an input")
        return pairs


def _set_state(generator: np.random.Generator, state: Any) -> None:
    try:
        generator.bit_generator.state = state
    except (TypeError, ValueError, KeyError, OverflowError):
        raise WireError("a random generator's state is malformed") from None


def apply_updates(pairs: list[tuple[Any, Any]]) -> None:
    """Change the inputs in place to the contents returned by the other side."""
    for target, new in pairs:
        if isinstance(target, np.random.Generator):
            _set_state(target, new)
        elif isinstance(target, np.ndarray):
            if new.shape != target.shape or new.dtype != target.dtype:
                what = (
                    "shape"
                    if new.dtype == target.dtype
                    else "dtype"
                    if new.shape == target.shape
                    else "shape and dtype"
                )
                raise InputChanged(
                    f"changed the {what} of an input array in place (from {target.shape} {target.dtype} "
                    f"to {new.shape} {new.dtype}); never reshape, resize or retype an argument or a cached "
                    "array in place: use x.reshape(...) or x.astype(...), which return new arrays"
                )
            if target.flags.writeable:
                np.copyto(target, new)
        elif isinstance(target, list):
            target[:] = new
        elif isinstance(target, set):
            target.clear()
            try:
                target.update(new)
            except TypeError:
                raise WireError("a set holds an unhashable value") from None
        else:
            target.clear()
            try:
                target.update(new)
            except TypeError:
                raise WireError("a dict has an unhashable key") from None


# --------------------------------------------------------------------------- the server


def describe_exception(exc: BaseException, label: str) -> str:
    """``Type: message (file, line N)`` with the innermost frame in the learner's file."""
    try:
        message = str(exc)
    except Exception:  # noqa: BLE001 - a learner's exception whose __str__ fails
        message = ""
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    frames = [fr for fr in traceback.extract_tb(exc.__traceback__) if fr.filename == label]
    if frames:
        text += f" ({label}, line {frames[-1].lineno})"
    return text[:TEXT_CHARS]


def _raised(exc: BaseException, label: str) -> dict[str, Any]:
    kind = type(exc)
    builtin = kind.__module__ == "builtins" and getattr(builtins, kind.__name__, None) is kind
    try:
        message = str(exc)[:TEXT_CHARS]
    except Exception:  # noqa: BLE001
        message = ""
    return {
        "type": kind.__name__[:100],
        "builtin": builtin,
        "message": message,
        "text": describe_exception(exc, label),
    }


class _Handles:
    """Objects of the learner's process that the checker refers to by number (0 = the module)."""

    def __init__(self, module: types.ModuleType) -> None:
        self.objects: dict[int, Any] = {0: module}
        self.numbers: dict[int, int] = {id(module): 0}

    def get(self, number: int, _name: str = "") -> Any:
        try:
            return self.objects[number]
        except KeyError:
            raise WireError(f"unknown object {number}") from None

    def handle_of(self, obj: Any) -> tuple[int, str]:
        number = self.numbers.get(id(obj))
        if number is None:
            number = len(self.objects)
            self.objects[number] = obj
            self.numbers[id(obj)] = number
        return number, type(obj).__name__


def _load(label: str) -> tuple[types.ModuleType | None, dict[str, Any]]:
    raw = Path("learner.py").read_bytes()
    try:
        source = raw.decode("utf-8")
        code = compile(source, label, "exec", dont_inherit=True)
    except SyntaxError as exc:
        where = f"line {exc.lineno}" if exc.lineno else "unknown line"
        return None, {"not_gradable": f"{type(exc).__name__} in {label} at {where}: {exc.msg}"}
    except (UnicodeDecodeError, ValueError) as exc:
        return None, {"not_gradable": f"cannot read {label}: {exc}"[:TEXT_CHARS]}
    module = types.ModuleType("learner")
    module.__file__ = label
    sys.modules["learner"] = module
    try:
        exec(code, module.__dict__)
    except SystemExit as exc:
        return None, {"exited": f"{label} called sys.exit({exc.code!r}) while being imported; remove it"}
    except MemoryError:
        return None, {"limit": "memory limit (while importing the file)"}
    except BaseException as exc:  # noqa: BLE001 - any error on import makes the file not gradable
        return None, {"not_gradable": f"error while importing {label}: {describe_exception(exc, label)}"}
    return module, {"ready": True}


def _fingerprint(arr: np.ndarray[Any, Any]) -> tuple[Any, ...]:
    """What an in-place change of an input array can alter: values, shape, dtype, strides."""
    return (arr.shape, arr.dtype.str, arr.strides, arr.tobytes())


def _serve(request: dict[str, Any], blobs: list[bytes], handles: _Handles, label: str) -> tuple[Any, Any]:
    """Run one request; (reply header, blobs)."""
    number = request.get("n")
    decoder = Decoder(blobs, handles.get)
    reply: dict[str, Any] = {"n": number}
    value: Any = None
    snapshots: dict[int, tuple[Any, ...]] = {}
    try:
        target = handles.get(int(request.get("target", -1)))
        name = request.get("name")
        if request.get("op") == "getattr":
            value = getattr(target, str(name))
        elif request.get("op") == "missing":
            names = [str(n) for n in request.get("names", [])]
            value = [n for n in names if not callable(getattr(target, n, None))]
        elif request.get("op") == "call":
            args, kwargs = decoder.decode(request.get("v"))
            snapshots = {
                nid: _fingerprint(obj) for nid, obj in decoder.nodes.items() if isinstance(obj, np.ndarray)
            }
            func = target if name is None else getattr(target, str(name))
            value = func(*args, **kwargs)
        else:
            raise WireError(f"unknown request {request.get('op')!r}")
        reply["ok"] = True
    except SystemExit as exc:
        reply["exit"] = repr(exc.code)[:TEXT_CHARS]
    except MemoryError:
        value = None
        reply["raised"] = {"type": "MemoryError", "builtin": True, "message": "", "text": "MemoryError"}
    except BaseException as exc:  # noqa: BLE001 - the learner's exception goes back to the check
        reply["raised"] = _raised(exc, label)
        exc.__traceback__ = None
    known = {id(obj): nid for nid, obj in decoder.nodes.items()}
    arrays = {nid: obj for nid, obj in decoder.nodes.items() if isinstance(obj, np.ndarray)}
    encoder = Encoder(handles.handle_of, known, first_id=max(decoder.nodes, default=0) + 1, bases=arrays)
    updates = []
    for nid, obj in decoder.nodes.items():
        if isinstance(obj, np.ndarray):
            if nid in snapshots and _fingerprint(obj) != snapshots[nid]:
                updates.append([nid, encoder.expand(nid, obj)])
        else:
            updates.append([nid, encoder.expand(nid, obj)])
    reply["u"] = updates
    if reply.get("ok"):
        reply["r"] = encoder.encode(value)
    return reply, encoder.blobs


def main(argv: list[str]) -> int:
    """Serve the checker's requests on the file descriptors named in ``argv``."""
    label, requests, replies = argv[1], int(argv[2]), int(argv[3])
    warnings.simplefilter("ignore")
    np.seterr(all="ignore")
    module, hello = _load(label)
    hello["n"] = 0
    write_all(replies, pack(hello, []))
    if module is None:
        return 0
    handles = _Handles(module)
    while True:
        frame = read_frame(requests)
        if frame is None:
            return 0
        request, blobs = frame
        try:
            header, out = _serve(request, blobs, handles, label)
            data = pack(header, out)
        except (WireError, RecursionError, ValueError, TypeError, OverflowError) as exc:
            data = pack(
                {"n": request.get("n"), "unsendable": f"{type(exc).__name__}: {exc}"[:TEXT_CHARS]}, []
            )
        except MemoryError:
            data = pack({"n": request.get("n"), "unsendable": "MemoryError while sending the result"}, [])
        write_all(replies, data)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
