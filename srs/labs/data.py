"""The labs' data sets: generated digits (no download) and MNIST (downloaded once, checked, cached).

``load(name, home)`` returns a :class:`Dataset` of float32 images shaped ``(N, 1, 28, 28)`` with
values in ``[0, 1]`` and int64 labels. ``digits`` is drawn by this module from stroke templates
(one per digit) under a random affine map, stroke thickness and noise: the same arrays every time,
so tests and CI need no network. ``mnist`` reads the four IDX files from ``home/data/mnist/``,
fetching them from the first public mirror that answers; each file is checked against its known
SHA-256 before it is kept. Nothing here reads the environment: the caller passes ``home``.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import struct
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from srs.errors import SrsError


class LabDataError(SrsError):
    """A lab's data set cannot be had: no network, a bad file, a wrong checksum."""


@dataclass(frozen=True)
class Dataset:
    """Images ``(N, 1, 28, 28)`` float32 in [0, 1], labels int64, for training and for testing."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: int
    name: str
    small: bool


# (received bytes, expected total bytes or 0, file name)
Progress = Callable[[int, int, str], None]

# --- generated digits --------------------------------------------------------------------------

DIGITS_TRAIN = 6000
DIGITS_TEST = 1000
DIGITS_SMALL_TRAIN = 2000
DIGITS_SMALL_TEST = 500
_SIDE = 28


def _arc(
    cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int
) -> list[tuple[float, float]]:
    """Points on an ellipse from angle ``a0`` to ``a1`` (degrees, counter-clockwise, y pointing down)."""
    angles = np.radians(np.linspace(a0, a1, n + 1))
    return [(cx + rx * float(np.cos(a)), cy - ry * float(np.sin(a))) for a in angles]


def _templates() -> tuple[tuple[np.ndarray, ...], ...]:
    """Per digit, its strokes: polylines in the unit square (x right, y down)."""
    strokes: list[list[list[tuple[float, float]]]] = [
        [_arc(0.5, 0.5, 0.21, 0.32, 0, 360, 11)],
        [[(0.38, 0.27), (0.53, 0.15), (0.53, 0.85)]],
        [_arc(0.5, 0.34, 0.2, 0.18, 160, -35, 7) + [(0.3, 0.85), (0.73, 0.85)]],
        [_arc(0.48, 0.32, 0.19, 0.16, 155, -90, 5) + _arc(0.48, 0.66, 0.22, 0.19, 90, -155, 6)],
        [[(0.63, 0.85), (0.63, 0.15), (0.27, 0.62), (0.76, 0.62)]],
        [[(0.71, 0.15), (0.36, 0.15), (0.33, 0.46)] + _arc(0.5, 0.63, 0.21, 0.21, 125, -150, 6)],
        [[(0.66, 0.15), (0.42, 0.4)] + _arc(0.5, 0.65, 0.19, 0.2, 150, -210, 8)],
        [[(0.27, 0.16), (0.73, 0.16), (0.43, 0.85)]],
        [_arc(0.5, 0.32, 0.16, 0.16, -90, 270, 8), _arc(0.5, 0.67, 0.2, 0.18, 90, 450, 9)],
        [_arc(0.5, 0.35, 0.19, 0.19, -20, 340, 8), [(0.68, 0.32), (0.6, 0.85)]],
    ]
    return tuple(tuple(np.asarray(line, dtype=np.float32) for line in digit) for digit in strokes)


def _segments(digit: tuple[np.ndarray, ...]) -> np.ndarray:
    """The (S, 2, 2) segments (start and end points) of a digit's polylines."""
    return np.concatenate([np.stack([line[:-1], line[1:]], axis=1) for line in digit])


def _draw(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Render one image per label: jittered template, random affine map, thickness, contrast, noise."""
    n = labels.shape[0]
    out = np.zeros((n, _SIDE * _SIDE), dtype=np.float32)
    centres = (np.arange(_SIDE, dtype=np.float32) + 0.5) / _SIDE
    px = np.tile(centres, _SIDE)[None, :]  # (1, 784): x of each pixel
    py = np.repeat(centres, _SIDE)[None, :]
    templates = _templates()
    for digit in range(10):
        rows = np.flatnonzero(labels == digit)
        if rows.size == 0:
            continue
        m = rows.size
        seg = _segments(templates[digit])  # (S, 2, 2)
        pts = np.broadcast_to(seg, (m, *seg.shape)).copy()
        pts += rng.normal(0.0, 0.022, size=pts.shape).astype(np.float32)  # a hand is never exact
        angle = rng.uniform(-0.25, 0.25, m)
        shear = rng.uniform(-0.25, 0.25, m)
        sx = rng.uniform(0.78, 1.1, m)
        sy = sx * rng.uniform(0.88, 1.12, m)
        cos, sin = np.cos(angle), np.sin(angle)
        a = np.stack(
            [np.stack([cos * sx, (-sin + shear * cos) * sy], -1), np.stack([sin * sx, cos * sy], -1)], 1
        )
        shift = rng.uniform(-0.07, 0.07, (m, 2)) + 0.5
        centred = pts - 0.5
        moved = np.einsum("mij,msej->msei", a.astype(np.float32), centred) + shift[:, None, None, :].astype(
            np.float32
        )
        half = rng.uniform(0.035, 0.075, m).astype(np.float32)[:, None]  # half the stroke width (unit square)
        best = np.full((m, _SIDE * _SIDE), np.inf, dtype=np.float32)
        qx, qy, t, work = (np.empty_like(best) for _ in range(4))
        for s in range(moved.shape[1]):
            ax, ay = moved[:, s, 0, 0:1], moved[:, s, 0, 1:2]
            dx, dy = moved[:, s, 1, 0:1] - ax, moved[:, s, 1, 1:2] - ay
            inv = 1.0 / np.maximum(dx * dx + dy * dy, 1e-8)
            np.subtract(px, ax, out=qx)
            np.subtract(py, ay, out=qy)
            np.multiply(qx, dx, out=t)
            np.multiply(qy, dy, out=work)
            t += work
            t *= inv
            np.clip(t, 0.0, 1.0, out=t)
            np.multiply(t, dx, out=work)
            qx -= work
            np.multiply(t, dy, out=work)
            qy -= work
            qx *= qx
            qy *= qy
            qx += qy
            np.minimum(best, qx, out=best)
        ink = np.clip((half - np.sqrt(best)) * _SIDE + 0.7, 0.0, 1.0)
        ink *= rng.uniform(0.7, 1.0, (m, 1)).astype(np.float32)
        out[rows] = ink
    out += rng.normal(0.0, 0.04, out.shape).astype(np.float32)
    np.clip(out, 0.0, 1.0, out=out)
    return out.reshape(n, 1, _SIDE, _SIDE)


def generate_digits(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` generated digit images ``(count, 1, 28, 28)`` with balanced, shuffled labels."""
    if count < 0:
        raise LabDataError(f"cannot generate {count} digits")
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(count) % 10).astype(np.int64)
    return _draw(labels, rng), labels


def digits(*, small: bool = False, train: int | None = None, test: int | None = None) -> Dataset:
    """The generated digits: 6,000 train / 1,000 test (2,000 / 500 when ``small``), always the same."""
    n_train = train if train is not None else (DIGITS_SMALL_TRAIN if small else DIGITS_TRAIN)
    n_test = test if test is not None else (DIGITS_SMALL_TEST if small else DIGITS_TEST)
    x_train, y_train = generate_digits(n_train, seed=20_260_101)
    x_test, y_test = generate_digits(n_test, seed=20_260_102)
    return Dataset(x_train, y_train, x_test, y_test, 10, "digits", small)


# --- MNIST -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RemoteFile:
    """One file of a data set: its name on the mirrors, its SHA-256 and its size in bytes; for a
    gzipped file, also the SHA-256 and size of its content (the same file unpacked, as many learners
    keep it: accepted by :func:`import_files` under the name without ``.gz``)."""

    name: str
    sha256: str
    size: int
    raw_sha256: str = ""
    raw_size: int = 0

    @property
    def raw_name(self) -> str:
        """The unpacked file's name (``name`` without ``.gz``), or "" if none is known."""
        return self.name.removesuffix(".gz") if self.raw_sha256 and self.name.endswith(".gz") else ""

    def forms(self) -> tuple[tuple[str, str, int], ...]:
        """(file name, SHA-256, size) of each form the file is accepted in: as served, then unpacked."""
        if not self.raw_name:
            return ((self.name, self.sha256, self.size),)
        return ((self.name, self.sha256, self.size), (self.raw_name, self.raw_sha256, self.raw_size))


MNIST_FILES: tuple[RemoteFile, ...] = (
    RemoteFile(
        "train-images-idx3-ubyte.gz",
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        9_912_422,
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        47_040_016,
    ),
    RemoteFile(
        "train-labels-idx1-ubyte.gz",
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        28_881,
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        60_008,
    ),
    RemoteFile(
        "t10k-images-idx3-ubyte.gz",
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        1_648_877,
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        7_840_016,
    ),
    RemoteFile(
        "t10k-labels-idx1-ubyte.gz",
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        4_542,
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        10_008,
    ),
)
MNIST_MIRRORS: tuple[str, ...] = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
MNIST_SMALL_TRAIN = 10_000
MNIST_SMALL_TEST = 2_000
_CHUNK = 1 << 16
_IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions
_LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension
_MAX_ITEMS = 100_000
_IMPORT_HINT = "copy the four MNIST files (.gz or unpacked) into a folder and run `srs lab data import PATH`"


def mnist_dir(home: Path) -> Path:
    """Where the MNIST files are cached: ``home/data/mnist``."""
    return Path(home) / "data" / "mnist"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _verified(folder: Path, spec: RemoteFile) -> Path | None:
    """The copy of ``spec`` in ``folder`` whose size and SHA-256 are right: gzipped or unpacked."""
    for name, sha, size in spec.forms():
        path = folder / name
        if path.is_file() and path.stat().st_size <= size + _CHUNK and _sha256(path) == sha:
            return path
    return None


def _fetch_one(url: str, target: Path, spec: RemoteFile, progress: Progress | None, timeout: float) -> None:
    """Stream ``url`` into ``target`` (via a temporary file), checking size and SHA-256; raise on any fault."""
    if not url.startswith(("http://", "https://")):
        raise LabDataError(f"{url}: only http and https mirrors are used")
    limit = max(spec.size, 1) + _CHUNK
    partial = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    received = 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, partial.open("wb") as out:  # noqa: S310
            declared = int(response.headers.get("Content-Length") or 0)
            if declared > limit:
                raise LabDataError(f"{url}: {declared} bytes, more than the {spec.size} expected")
            while True:
                block = response.read(_CHUNK)
                if not block:
                    break
                received += len(block)
                if received > limit:
                    raise LabDataError(f"{url}: more than the {spec.size} bytes expected")
                digest.update(block)
                out.write(block)
                if progress is not None:
                    progress(received, declared or spec.size, spec.name)
        if digest.hexdigest() != spec.sha256:
            raise LabDataError(
                f"{url}: SHA-256 {digest.hexdigest()[:12]}… is not the expected {spec.sha256[:12]}…"
            )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def download(
    home: Path,
    *,
    files: Sequence[RemoteFile] = MNIST_FILES,
    mirrors: Sequence[str] = MNIST_MIRRORS,
    progress: Progress | None = None,
    timeout: float = 30.0,
) -> list[Path]:
    """Fetch every missing or damaged file into ``mnist_dir(home)``, each from the first mirror that
    serves it with the right SHA-256. Raises :class:`LabDataError` (one line) if one cannot be had."""
    folder = mnist_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    kept = []
    for spec in files:
        have = _verified(folder, spec)
        if have is not None:
            kept.append(have)
            continue
        target = folder / spec.name
        target.unlink(missing_ok=True)
        faults: list[str] = []
        for mirror in mirrors:
            url = mirror.rstrip("/") + "/" + spec.name
            try:
                _fetch_one(url, target, spec, progress, timeout)
            except LabDataError as error:
                faults.append(str(error))
                continue
            except (urllib.error.URLError, OSError, ValueError) as error:
                reason = getattr(error, "reason", None) or error
                faults.append(f"{url}: {reason}")
                continue
            break
        if not target.is_file():
            last = faults[-1] if faults else "no mirror given"
            raise LabDataError(f"MNIST file {spec.name} could not be downloaded ({last}); {_IMPORT_HINT}")
        kept.append(target)
    return kept


def import_files(path: Path, home: Path, *, files: Sequence[RemoteFile] = MNIST_FILES) -> list[Path]:
    """Copy the MNIST files found in the folder ``path`` into the cache after checking each SHA-256.

    Each file may be gzipped (as the mirrors serve it) or unpacked (its name without ``.gz``); either
    must be the published file, byte for byte. Nothing is copied unless all of them are right."""
    source = Path(path)
    if not source.is_dir():
        raise LabDataError(f"{source}: not a folder (give the folder holding the four MNIST files)")
    missing = [spec.name for spec in files if not any((source / f[0]).is_file() for f in spec.forms())]
    if missing:
        raise LabDataError(f"{source}: missing {', '.join(missing)} (gzipped or unpacked)")
    chosen: list[Path] = []
    for spec in files:
        good = _verified(source, spec)
        if good is None:
            first = next(source / f[0] for f in spec.forms() if (source / f[0]).is_file())
            raise LabDataError(f"{first}: not the published MNIST file (SHA-256 differs)")
        chosen.append(good)
    folder = mnist_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    copied = []
    for found in chosen:
        partial = folder / (found.name + ".part")
        shutil.copyfile(found, partial)
        os.replace(partial, folder / found.name)
        copied.append(folder / found.name)
    return copied


def _read_gz(path: Path, limit: int) -> bytes:
    """The decompressed bytes of ``path``, refusing more than ``limit`` bytes."""
    try:
        with gzip.open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except (OSError, EOFError) as error:
        raise LabDataError(f"{path}: not a readable gzip file ({error})") from error
    if len(data) > limit:
        raise LabDataError(f"{path}: larger than an IDX file of this data set can be")
    return data


def _read_plain(path: Path, limit: int) -> bytes:
    """The bytes of the unpacked IDX file ``path``, refusing more than ``limit`` bytes."""
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise LabDataError(f"{path}: larger than an IDX file of this data set can be")
    return data


def parse_idx_images(data: bytes, source: str = "images") -> np.ndarray:
    """IDX unsigned-byte images (magic 0x803) as float32 ``(N, 1, rows, cols)`` in [0, 1]."""
    if len(data) < 16:
        raise LabDataError(f"{source}: too short for an IDX image header")
    magic, count, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != _IMAGES_MAGIC:
        raise LabDataError(f"{source}: magic number {magic:#x}, expected {_IMAGES_MAGIC:#x} (IDX images)")
    if count > _MAX_ITEMS or not (1 <= rows <= 64 and 1 <= cols <= 64):
        raise LabDataError(f"{source}: implausible sizes {count}×{rows}×{cols}")
    if len(data) != 16 + count * rows * cols:
        raise LabDataError(f"{source}: {len(data) - 16} bytes of pixels, header says {count * rows * cols}")
    pixels = np.frombuffer(data, dtype=np.uint8, offset=16).reshape(count, 1, rows, cols)
    return pixels.astype(np.float32) / np.float32(255.0)


def parse_idx_labels(data: bytes, source: str = "labels") -> np.ndarray:
    """IDX unsigned-byte labels (magic 0x801) as int64 ``(N,)``."""
    if len(data) < 8:
        raise LabDataError(f"{source}: too short for an IDX label header")
    magic, count = struct.unpack(">II", data[:8])
    if magic != _LABELS_MAGIC:
        raise LabDataError(f"{source}: magic number {magic:#x}, expected {_LABELS_MAGIC:#x} (IDX labels)")
    if count > _MAX_ITEMS or len(data) != 8 + count:
        raise LabDataError(f"{source}: {len(data) - 8} labels, header says {count}")
    return np.frombuffer(data, dtype=np.uint8, offset=8).astype(np.int64)


def read_mnist(paths: Sequence[Path]) -> tuple[np.ndarray, ...]:
    """``(x_train, y_train, x_test, y_test)`` from the four IDX files ``paths`` (in MNIST_FILES order),
    each gzipped (a name ending in ``.gz``) or unpacked."""
    limit = 16 + _MAX_ITEMS * 28 * 28
    arrays = []
    for path in paths:
        data = _read_gz(path, limit) if path.name.endswith(".gz") else _read_plain(path, limit)
        if "labels" in path.name:
            arrays.append(parse_idx_labels(data, path.name))
        else:
            arrays.append(parse_idx_images(data, path.name))
    folder = paths[0].parent
    x_train, y_train, x_test, y_test = arrays
    if x_train.shape[0] != y_train.shape[0] or x_test.shape[0] != y_test.shape[0]:
        raise LabDataError(f"{folder}: images and labels differ in number")
    if (y_train.size and y_train.max() > 9) or (y_test.size and y_test.max() > 9):
        raise LabDataError(f"{folder}: a label is not a digit")
    return x_train, y_train, x_test, y_test


def mnist(
    home: Path,
    *,
    small: bool = False,
    progress: Progress | None = None,
    files: Sequence[RemoteFile] = MNIST_FILES,
    mirrors: Sequence[str] = MNIST_MIRRORS,
) -> Dataset:
    """MNIST from the cache, downloading what is missing (``small``: the first 10,000 / 2,000 images)."""
    # the copies download() found right (or fetched): a damaged one beside a good one is not read
    x_train, y_train, x_test, y_test = read_mnist(
        download(home, files=files, mirrors=mirrors, progress=progress)
    )
    if small:
        x_train, y_train = x_train[:MNIST_SMALL_TRAIN], y_train[:MNIST_SMALL_TRAIN]
        x_test, y_test = x_test[:MNIST_SMALL_TEST], y_test[:MNIST_SMALL_TEST]
    return Dataset(x_train, y_train, x_test, y_test, 10, "mnist", small)


NAMES = ("digits", "mnist")


def load(name: str, home: Path, *, small: bool = False, progress: Progress | None = None) -> Dataset:
    """The data set ``name`` ("digits" or "mnist"); ``home`` is srs's home folder (for the cache)."""
    if name == "digits":
        return digits(small=small)
    if name == "mnist":
        return mnist(home, small=small, progress=progress)
    raise LabDataError(f"unknown data set {name!r} (known: {', '.join(NAMES)})")


def cached(name: str, home: Path, files: Mapping[str, Sequence[RemoteFile]] | None = None) -> bool:
    """Whether ``name`` can be loaded without the network."""
    if name == "digits":
        return True
    specs = (files or {}).get(name, MNIST_FILES)
    folder = mnist_dir(home)
    return all(any((folder / f[0]).is_file() for f in spec.forms()) for spec in specs)
