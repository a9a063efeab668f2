"""The labs' data sets: generated digits, IDX parsing, and the MNIST download against a local server
(no test reaches the internet: the mirror list and the hashes are parameters)."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from srs.labs import data
from srs.labs.data import LabDataError, RemoteFile


def test_digits_are_the_same_every_time_and_shaped_like_mnist() -> None:
    a, b = data.digits(small=True), data.digits(small=True)
    assert a.x_train.shape == (data.DIGITS_SMALL_TRAIN, 1, 28, 28)
    assert a.x_test.shape == (data.DIGITS_SMALL_TEST, 1, 28, 28)
    assert a.x_train.dtype == np.float32 and a.y_train.dtype == np.int64
    assert np.array_equal(a.x_train, b.x_train) and np.array_equal(a.y_test, b.y_test)
    assert a.x_train.min() >= 0.0 and a.x_train.max() <= 1.0
    assert np.bincount(a.y_train, minlength=10).tolist() == [200] * 10
    assert a.classes == 10 and a.name == "digits" and a.small


def test_digits_train_and_test_differ_and_sizes_are_configurable() -> None:
    ds = data.digits(train=50, test=20)
    assert ds.x_train.shape[0] == 50 and ds.x_test.shape[0] == 20
    assert not np.array_equal(ds.x_train[:20], ds.x_test)


def test_digits_classes_are_told_apart_by_their_mean_image() -> None:
    """Each class has its own shape: a nearest-class-mean classifier is far above chance (10%)."""
    ds = data.digits(small=True)
    means = np.stack([ds.x_train[ds.y_train == k].reshape(-1, 784).mean(0) for k in range(10)])
    flat = ds.x_test.reshape(len(ds.x_test), -1)
    guess = ((flat[:, None, :] - means[None]) ** 2).sum(-1).argmin(1)
    assert (guess == ds.y_test).mean() > 0.6


def test_digit_strokes_have_ink_and_background() -> None:
    ds = data.digits(train=100, test=10)
    ink = (ds.x_train > 0.5).reshape(100, -1).mean(axis=1)
    assert (ink > 0.03).all() and (ink < 0.5).all()


def test_unknown_data_set_is_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(LabDataError, match="unknown data set 'cifar'"):
        data.load("cifar", tmp_path)


# --- IDX ------------------------------------------------------------------------------------------


def idx_images(images: np.ndarray) -> bytes:
    n, h, w = images.shape
    return struct.pack(">IIII", 0x803, n, h, w) + images.astype(np.uint8).tobytes()


def idx_labels(labels: np.ndarray) -> bytes:
    return struct.pack(">II", 0x801, len(labels)) + labels.astype(np.uint8).tobytes()


def test_idx_round_trip() -> None:
    pixels = np.arange(3 * 28 * 28, dtype=np.int64).reshape(3, 28, 28) % 256
    x = data.parse_idx_images(idx_images(pixels))
    assert x.shape == (3, 1, 28, 28) and x.dtype == np.float32
    assert np.allclose(x[:, 0] * 255, pixels)
    assert data.parse_idx_labels(idx_labels(np.array([7, 0, 9]))).tolist() == [7, 0, 9]


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (struct.pack(">IIII", 0x801, 1, 28, 28) + bytes(784), "magic number"),
        (struct.pack(">IIII", 0x803, 2, 28, 28) + bytes(784), "header says 1568"),
        (struct.pack(">IIII", 0x803, 1, 28, 28) + bytes(785), "header says 784"),
        (struct.pack(">IIII", 0x803, 1, 4000, 28), "implausible"),
        (b"\x00\x00", "too short"),
    ],
)
def test_bad_idx_images_are_refused(blob: bytes, message: str) -> None:
    with pytest.raises(LabDataError, match=message):
        data.parse_idx_images(blob)


def test_bad_idx_labels_are_refused() -> None:
    with pytest.raises(LabDataError, match="magic number"):
        data.parse_idx_labels(struct.pack(">II", 0x803, 1) + b"\x01")
    with pytest.raises(LabDataError, match="header says 5"):
        data.parse_idx_labels(struct.pack(">II", 0x801, 5) + b"\x01")


# --- download against a local server -----------------------------------------------------------


def fake_mnist(folder: Path, *, unpacked: bool = False) -> tuple[RemoteFile, ...]:
    """Four small IDX files (20 train, 10 test images), gzipped (or ``unpacked``), and their specs."""
    rng = np.random.default_rng(0)
    blobs = {
        "train-images-idx3-ubyte.gz": idx_images(rng.integers(0, 256, (20, 28, 28))),
        "train-labels-idx1-ubyte.gz": idx_labels(rng.integers(0, 10, 20)),
        "t10k-images-idx3-ubyte.gz": idx_images(rng.integers(0, 256, (10, 28, 28))),
        "t10k-labels-idx1-ubyte.gz": idx_labels(rng.integers(0, 10, 10)),
    }
    folder.mkdir(parents=True, exist_ok=True)
    specs = []
    for name, raw in blobs.items():
        packed = gzip.compress(raw, mtime=0)
        if unpacked:
            (folder / name.removesuffix(".gz")).write_bytes(raw)
        else:
            (folder / name).write_bytes(packed)
        sums = (hashlib.sha256(packed).hexdigest(), len(packed), hashlib.sha256(raw).hexdigest(), len(raw))
        specs.append(RemoteFile(name, *sums))
    return tuple(specs)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A static file server on 127.0.0.1 serving ``tmp_path/served``; yields (base URL, folder)."""
    root = tmp_path / "served"
    root.mkdir()

    def handler(*args: object, **kwargs: object) -> _Quiet:
        return _Quiet(*args, directory=str(root), **kwargs)  # type: ignore[arg-type]

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", root
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def dead_url() -> str:
    """A local address where nothing listens (a port taken and released)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/mnist/"


def test_download_checks_caches_and_reports_progress(server: tuple[str, Path], tmp_path: Path) -> None:
    url, root = server
    specs = fake_mnist(root / "mnist")
    seen: list[tuple[int, int, str]] = []
    home = tmp_path / "home"
    ds = data.mnist(
        home, files=specs, mirrors=[url + "mnist/"], progress=lambda a, b, n: seen.append((a, b, n))
    )
    assert ds.x_train.shape == (20, 1, 28, 28) and ds.y_test.shape == (10,)
    cache = data.mnist_dir(home)
    assert sorted(p.name for p in cache.iterdir()) == sorted(s.name for s in specs)
    assert {n for _, _, n in seen} == {s.name for s in specs}
    assert seen[-1][0] == specs[-1].size  # the last report is the whole last file
    # The cache is used from now on: the mirror is no longer needed.
    again = data.mnist(home, files=specs, mirrors=[])
    assert np.array_equal(again.x_train, ds.x_train)


def test_wrong_hash_is_refused_and_nothing_is_cached(server: tuple[str, Path], tmp_path: Path) -> None:
    url, root = server
    specs = list(fake_mnist(root / "mnist"))
    specs[0] = RemoteFile(specs[0].name, "0" * 64, specs[0].size)
    home = tmp_path / "home"
    with pytest.raises(LabDataError, match="SHA-256") as caught:
        data.download(home, files=specs, mirrors=[url + "mnist/"])
    assert "\n" not in str(caught.value)
    assert list(data.mnist_dir(home).iterdir()) == []


def test_a_mirror_down_falls_to_the_next(server: tuple[str, Path], tmp_path: Path, dead_url: str) -> None:
    url, root = server
    specs = fake_mnist(root / "good")
    (root / "bad").mkdir()
    for spec in specs:  # a mirror serving other bytes under the same names
        (root / "bad" / spec.name).write_bytes(b"not the file")
    mirrors = [dead_url, url + "missing/", url + "bad/", url + "good/"]
    kept = data.download(tmp_path / "home", files=specs, mirrors=mirrors, timeout=5)
    assert [p.name for p in kept] == [s.name for s in specs]


def test_offline_is_one_line_suggesting_import(tmp_path: Path, dead_url: str) -> None:
    specs = fake_mnist(tmp_path / "unserved")
    with pytest.raises(LabDataError) as caught:
        data.mnist(tmp_path / "home", files=specs, mirrors=[dead_url])
    message = str(caught.value)
    assert "\n" not in message and "srs lab data import PATH" in message
    assert message.startswith("MNIST file train-images-idx3-ubyte.gz could not be downloaded")


def test_an_oversized_download_is_cut_off(server: tuple[str, Path], tmp_path: Path) -> None:
    url, root = server
    specs = list(fake_mnist(root / "mnist"))
    big = root / "mnist" / specs[0].name
    big.write_bytes(big.read_bytes() + bytes(200_000))
    with pytest.raises(LabDataError, match="more than"):
        data.download(tmp_path / "home", files=specs[:1], mirrors=[url + "mnist/"])
    assert list(data.mnist_dir(tmp_path / "home").iterdir()) == []


def test_only_http_mirrors(tmp_path: Path) -> None:
    specs = fake_mnist(tmp_path / "files")
    with pytest.raises(LabDataError, match="only http and https"):
        data.download(tmp_path / "home", files=specs[:1], mirrors=[(tmp_path / "files").as_uri()])


def test_import_files_checks_hashes_and_copies(tmp_path: Path) -> None:
    specs = fake_mnist(tmp_path / "mine")
    home = tmp_path / "home"
    copied = data.import_files(tmp_path / "mine", home, files=specs)
    assert [p.read_bytes() for p in copied] == [(tmp_path / "mine" / s.name).read_bytes() for s in specs]
    ds = data.mnist(home, files=specs, mirrors=[])
    assert ds.x_test.shape == (10, 1, 28, 28)


def test_import_refuses_a_wrong_file_and_copies_nothing(tmp_path: Path) -> None:
    specs = fake_mnist(tmp_path / "mine")
    (tmp_path / "mine" / specs[3].name).write_bytes(gzip.compress(idx_labels(np.zeros(10))))
    home = tmp_path / "home"
    with pytest.raises(LabDataError, match="SHA-256 differs"):
        data.import_files(tmp_path / "mine", home, files=specs)
    assert not data.mnist_dir(home).exists()
    (tmp_path / "mine" / specs[2].name).unlink()
    with pytest.raises(LabDataError, match="missing t10k-images-idx3-ubyte.gz"):
        data.import_files(tmp_path / "mine", home, files=specs)
    with pytest.raises(LabDataError, match="not a folder"):
        data.import_files(tmp_path / "nowhere", home, files=specs)


def test_unpacked_files_import_and_read_as_the_gzipped_ones(tmp_path: Path, dead_url: str) -> None:
    packed = fake_mnist(tmp_path / "gz")
    unpacked = fake_mnist(tmp_path / "raw", unpacked=True)
    assert packed == unpacked  # the same files, the same sums
    copied = data.import_files(tmp_path / "raw", tmp_path / "home", files=unpacked)
    assert (
        [p.name for p in copied]
        == [s.raw_name for s in unpacked]
        == [
            "train-images-idx3-ubyte",
            "train-labels-idx1-ubyte",
            "t10k-images-idx3-ubyte",
            "t10k-labels-idx1-ubyte",
        ]
    )
    assert data.cached("mnist", tmp_path / "home", {"mnist": unpacked})
    # the unpacked copies count as present: no mirror is asked
    from_raw = data.mnist(tmp_path / "home", files=unpacked, mirrors=[dead_url])
    data.import_files(tmp_path / "gz", tmp_path / "home2", files=packed)
    from_gz = data.mnist(tmp_path / "home2", files=packed, mirrors=[])
    for name in ("x_train", "y_train", "x_test", "y_test"):
        assert np.array_equal(getattr(from_raw, name), getattr(from_gz, name)), name
    assert from_raw.x_train.shape == (20, 1, 28, 28)


def test_a_damaged_copy_beside_a_good_one_is_not_read(tmp_path: Path, dead_url: str) -> None:
    """The cache may hold both forms of a file (an import of each); only a copy with the right SHA-256 is read."""
    specs = fake_mnist(tmp_path / "gz")
    fake_mnist(tmp_path / "raw", unpacked=True)
    home = tmp_path / "home"
    data.import_files(tmp_path / "raw", home, files=specs)
    data.import_files(tmp_path / "gz", home, files=specs)
    expected = data.mnist(home, files=specs, mirrors=[dead_url])
    cache = data.mnist_dir(home)
    for damaged in (cache / specs[0].name, cache / specs[2].raw_name):
        damaged.write_bytes(damaged.read_bytes()[:-5])  # truncated
    got = data.mnist(home, files=specs, mirrors=[dead_url])
    assert np.array_equal(got.x_train, expected.x_train) and np.array_equal(got.x_test, expected.x_test)


def test_a_wrong_unpacked_file_is_refused_and_nothing_copied(tmp_path: Path) -> None:
    specs = fake_mnist(tmp_path / "raw", unpacked=True)
    labels = tmp_path / "raw" / specs[1].raw_name
    labels.write_bytes(labels.read_bytes()[:-1] + b"\x09")  # one label changed
    with pytest.raises(LabDataError, match="train-labels-idx1-ubyte: not the published MNIST file"):
        data.import_files(tmp_path / "raw", tmp_path / "home", files=specs)
    assert not data.mnist_dir(tmp_path / "home").exists()


def test_a_damaged_cache_file_is_fetched_again(server: tuple[str, Path], tmp_path: Path) -> None:
    url, root = server
    specs = fake_mnist(root / "mnist")
    home = tmp_path / "home"
    data.download(home, files=specs, mirrors=[url + "mnist/"])
    (data.mnist_dir(home) / specs[1].name).write_bytes(b"garbage")
    data.download(home, files=specs, mirrors=[url + "mnist/"])
    assert (data.mnist_dir(home) / specs[1].name).read_bytes() == (
        root / "mnist" / specs[1].name
    ).read_bytes()


def test_real_mnist_hashes_are_the_published_ones() -> None:
    """The four SHA-256 sums srs trusts (the values the public mirrors' files have)."""
    assert {s.name: s.sha256[:16] for s in data.MNIST_FILES} == {
        "train-images-idx3-ubyte.gz": "440fcabf73cc546f",
        "train-labels-idx1-ubyte.gz": "3552534a0a558bbe",
        "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79",
        "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6d",
    }
    # and of the same files unpacked (as learners often keep them), with their sizes
    assert {s.raw_name: (s.raw_sha256[:16], s.raw_size) for s in data.MNIST_FILES} == {
        "train-images-idx3-ubyte": ("ba891046e6505d7a", 16 + 60_000 * 28 * 28),
        "train-labels-idx1-ubyte": ("65a50cbbf4e906d7", 8 + 60_000),
        "t10k-images-idx3-ubyte": ("0fa7898d509279e4", 16 + 10_000 * 28 * 28),
        "t10k-labels-idx1-ubyte": ("ff7bcfd416de3373", 8 + 10_000),
    }
    assert all(m.startswith(("https://", "http://")) for m in data.MNIST_MIRRORS)
