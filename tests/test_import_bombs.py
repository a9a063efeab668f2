"""Decompression bombs in an Anki package (issue 24, item 6): a collection member or a media list that
inflates far beyond its packed size, or a media list of millions of entries. Each import runs in a child
process with a file-size limit, so a bomb that is not stopped is killed instead of filling the disk; the
child reports its peak memory. Each must end in one error line, within seconds and a bounded memory, and
leave nothing behind: no deck file, no media (staged or not), no temporary collection."""

from __future__ import annotations

import hashlib
import os
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

anki_collection = pytest.importorskip("anki.collection")

MIB = 1 << 20
ZEROS = bytes(MIB)
FILE_LIMIT = 256 * MIB  # the child may write no file larger than this (SIGXFSZ kills it)
MEMORY_LIMIT = 400 * MIB  # peak resident memory allowed to an import refusing a bomb

# The child: runs `srs import anki PACKAGE`, then writes its peak memory (bytes) to the file named last.
# The peak is VmHWM, its own address space's high-water mark: getrusage's ru_maxrss survives fork and exec,
# so it reported the pytest parent's peak (1.2 GB in a full run) instead of the import's.
CHILD = """
import sys
from srs.cli import main
sys.argv = ["srs", "import", "anki", sys.argv[1]]
try:
    main()
finally:
    with open("/proc/self/status") as status:
        kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    with open(REPORT, "w") as fh:
        fh.write(str(kib * 1024))
"""


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small package written by the real Anki, in the legacy and the current format."""
    from anki.collection import Collection
    from anki.generic_pb2 import Empty
    from anki.import_export_pb2 import ExportAnkiPackageOptions, ExportLimit

    folder = tmp_path_factory.mktemp("bomb-src")
    col = Collection(str(folder / "c.anki2"))
    image = folder / "cell.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    stored = col.media.add_file(str(image))
    for i in range(20):
        note = col.new_note(col.models.by_name("Basic"))
        note["Front"], note["Back"] = f'q{i} <img src="{stored}">', f"a{i}"
        col.add_note(note, col.decks.id("Bombs"))
    out = {}
    for legacy in (True, False):
        path = folder / f"{'legacy' if legacy else 'current'}.apkg"
        col.export_anki_package(
            out_path=str(path),
            options=ExportAnkiPackageOptions(with_scheduling=True, with_media=True, legacy=legacy),
            limit=ExportLimit(whole_collection=Empty()),
        )
        out["legacy" if legacy else "current"] = path
    col.close()
    return out


def _rezip(source: Path, target: Path, replace: dict[str, object]) -> Path:
    """``source`` with some members replaced: bytes, or a callable writing the member to a stream."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename not in replace:
                dst.writestr(info.filename, src.read(info), compress_type=info.compress_type)
        for name, body in replace.items():
            if isinstance(body, bytes):
                dst.writestr(name, body)
            else:
                with dst.open(name, "w", force_zip64=True) as fh:
                    body(fh)  # type: ignore[operator]
    return target


def _zeros_after(head: bytes, mib: int) -> object:
    def write(fh: object) -> None:
        fh.write(head)  # type: ignore[attr-defined]
        for _ in range(mib):
            fh.write(ZEROS)  # type: ignore[attr-defined]

    return write


def _zstd_zeros_after(head: bytes, mib: int) -> bytes:
    import zstandard

    comp = zstandard.ZstdCompressor(level=1).compressobj()
    parts = [comp.compress(head)]
    parts += [comp.compress(ZEROS) for _ in range(mib)]
    parts.append(comp.flush())
    return b"".join(parts)


def _zstd(data: bytes) -> bytes:
    import zstandard

    return zstandard.ZstdCompressor(level=3).compress(data)


def _proto_entries(count: int) -> bytes:
    """Anki's current media list: ``count`` entries (field 1), each holding its own file name (field 1)."""
    out = bytearray()
    for i in range(count):
        name = hashlib.sha1(str(i).encode()).hexdigest()[:8].encode() + b".png"  # packs about 2:1
        out += b"\x0a" + bytes([len(name) + 2, 0x0A, len(name)]) + name
    return bytes(out)


def bomb(real: dict[str, Path], tmp: Path, case: str) -> Path:
    legacy, current = real["legacy"], real["current"]
    with zipfile.ZipFile(legacy) as zf:
        legacy_db = zf.read("collection.anki21")
    with zipfile.ZipFile(current) as zf:
        import zstandard

        current_db = zstandard.ZstdDecompressor().decompressobj().decompress(zf.read("collection.anki21b"))
    target = tmp / f"{case}.apkg"
    if case == "legacy-collection":  # a real collection and 320 MiB of zeros, deflated (330 KB)
        return _rezip(legacy, target, {"collection.anki21": _zeros_after(legacy_db, 320)})
    if case == "current-collection":  # the same in zstd: 4 GiB from about 130 KB
        return _rezip(current, target, {"collection.anki21b": _zstd_zeros_after(current_db, 4096)})
    if case == "legacy-media-size":  # a media map of 320 MiB (one endless name), deflated
        head = b'{"0": "cell.png", "1": "'
        return _rezip(legacy, target, {"media": _zeros_after(head, 320)})
    if case == "legacy-media-count":  # 1.2 million entries in 14 MB of JSON
        entries = ",".join(f'"{i:x}":"a"' for i in range(1_200_000))
        return _rezip(legacy, target, {"media": ("{" + entries + "}").encode()})
    if case == "current-media-size":  # one entry whose name is 4 GiB of zeros, in zstd
        import zstandard

        comp = zstandard.ZstdCompressor(level=1).compressobj()
        size = 4096 * MIB
        length = bytearray()
        n = size
        while True:  # a varint
            byte, n = n & 0x7F, n >> 7
            length.append(byte | (0x80 if n else 0))
            if not n:
                break
        parts = [comp.compress(b"\x0a" + bytes(length))]
        parts += [comp.compress(ZEROS) for _ in range(4096)]
        parts.append(comp.flush())
        return _rezip(current, target, {"media": b"".join(parts)})
    if case == "current-media-count":  # 800,000 entries in 13 MB of protobuf
        return _rezip(current, target, {"media": _zstd(_proto_entries(800_000))})
    raise AssertionError(case)


def run_child(package: Path, home: Path, tmp: Path) -> tuple[subprocess.CompletedProcess[str], int, float]:
    """`srs import anki` in a child process: (its result, its peak memory in bytes, its wall time)."""
    report = tmp / "maxrss"
    scratch = tmp / "scratch"
    scratch.mkdir()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SRS_")}
    environ.update(SRS_HOME=str(home), SRS_NO_BUILTIN="1", TMPDIR=str(scratch))

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT, FILE_LIMIT))

    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", CHILD.replace("REPORT", repr(str(report))), str(package)],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limits,
    )
    seconds = time.monotonic() - started
    peak = int(report.read_text()) if report.exists() else -1
    assert not list(scratch.iterdir()), f"left in the temporary folder: {list(scratch.iterdir())}"
    return result, peak, seconds


def nothing_written(home: Path) -> None:
    for folder in ("decks", "media"):
        leftovers = list((home / folder).rglob("*")) if (home / folder).exists() else []
        assert not leftovers, f"left in {folder}: {leftovers}"


CASES = {
    "legacy-collection": "collection.anki21",
    "current-collection": "collection.anki21b",
    "legacy-media-size": "media list",
    "legacy-media-count": "media list",
    "current-media-size": "media list",
    "current-media-count": "media list",
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_bomb_is_refused_with_one_line_in_bounded_time_and_memory(
    real: dict[str, Path], tmp_path: Path, case: str
) -> None:
    package = bomb(real, tmp_path, case)
    assert package.stat().st_size < 20 * MIB
    home = tmp_path / "home"
    home.mkdir()
    result, peak, seconds = run_child(package, home, tmp_path)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode not in (0, -25), (result.returncode, result.stderr[-2000:])  # -25: SIGXFSZ
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr[-2000:]
    assert CASES[case] in lines[0], lines[0]
    assert any(why in lines[0] for why in ("inflates", "entries", "larger than")), lines[0]
    assert seconds < 30, seconds
    assert 0 < peak < MEMORY_LIMIT, peak
    nothing_written(home)
    print(f"{case}: {seconds:.1f} s, {peak / MIB:.0f} MiB peak: {lines[0]}")


def test_a_real_package_still_imports_through_the_bounded_reader(
    real: dict[str, Path], tmp_path: Path
) -> None:
    for fmt, package in real.items():
        home = tmp_path / fmt
        home.mkdir()
        result, _peak, _seconds = run_child(package, home, tmp_path / fmt)
        assert result.returncode == 0, result.stderr
        assert (home / "media" / "cell.png").exists()
        assert list((home / "decks").rglob("*.md"))


@pytest.mark.parametrize("size", [MIB // 2, 8 * MIB])
def test_media_files_inflating_far_past_their_packed_size_fail_the_import(tmp_path: Path, size: int) -> None:
    """Media files of zeros behind a PNG signature: one of 8 MiB (over its own ratio bound), or 400 of
    half a MiB each (each under it, together over the package's budget)."""
    from tests.test_import_hostile import apkg

    png = b"\x89PNG\r\n\x1a\n"
    count = 1 if size > MIB else 400
    plain = apkg(
        tmp_path / "plain.apkg",
        [(1, [f'<img src="z{i}.png">', "b"]) for i in range(count)],
        names={str(i): f"z{i}.png" for i in range(count)},
    )
    package = _rezip(plain, tmp_path / "media.apkg", {str(i): png + bytes(size) for i in range(count)})
    home = tmp_path / "home"
    home.mkdir()
    result, peak, seconds = run_child(package, home, tmp_path)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode not in (0, -25), (result.returncode, result.stderr[-2000:])
    assert len(lines) == 1 and "inflate" in lines[0], result.stderr[-2000:]
    assert seconds < 30 and 0 < peak < MEMORY_LIMIT
    nothing_written(home)


def test_bounds_are_above_what_real_packages_use() -> None:
    from srs.interop.anki.importer import MAX_MEDIA_FILES

    assert MAX_MEDIA_FILES >= 200_000


def test_a_package_of_too_many_files_is_refused_before_its_directory_is_read(
    real: dict[str, Path], tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading a zip's directory costs memory and time per entry (a million empty entries, 83 MB: 25 s and
    560 MB before anything else). The count in the zip's end record (its zip64 record past 65,535) is
    checked first. The bound is lowered here so that a package of 70,000 entries is over it."""
    from click.testing import CliRunner

    import srs.interop.anki.importer as importer
    from srs.cli import cli

    monkeypatch.setenv("SRS_NO_BUILTIN", "1")
    monkeypatch.setattr(importer, "MAX_MEDIA_FILES", 60_000)
    package = tmp_path / "many.apkg"
    with zipfile.ZipFile(real["legacy"]) as src, zipfile.ZipFile(package, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        for i in range(70_000):
            dst.writestr(f"x{i}", b"")
    assert importer.zip_entries(package) == 70_000 + len(zipfile.ZipFile(real["legacy"]).infolist())
    opened: list[object] = []
    monkeypatch.setattr(importer.zipfile, "ZipFile", lambda *a, **k: opened.append(a) or 1 / 0)
    result = CliRunner().invoke(cli, ["import", "anki", str(package)], catch_exceptions=False)
    assert result.exit_code != 0 and "holds 70,00" in result.output and "refused" in result.output
    assert len(result.output.strip().splitlines()) == 1 and not opened
    nothing_written(home)
