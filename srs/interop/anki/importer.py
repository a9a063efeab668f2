"""Import from Anki packages (.apkg, .colpkg): notes into deck files, media, and the review history.

Package formats, read with ``zipfile``, ``sqlite3`` and ``zstandard`` (Anki itself is not needed):

* legacy: ``collection.anki21`` (or, older, ``collection.anki2``) is the SQLite collection (schema 11: note
  types and decks as JSON in the ``col`` row); ``media`` is a JSON map ``{"0": "name.png"}`` and the zip entry
  ``0`` holds that file.
* current (a ``meta`` entry whose protobuf field 1 is version 3): ``collection.anki21b`` is the collection
  compressed with zstd (schema 18: ``notetypes``, ``fields``, ``templates`` and ``decks`` tables, protobuf
  configs); ``media`` is a zstd-compressed protobuf list of entries (field 1 of each: the file name), entry
  ``i`` stored as zip entry ``i``, itself zstd-compressed. Such packages also hold a stub ``collection.anki2``
  for old clients, which is ignored.

Mapping (see the README for the table): Anki's cloze note type -> cloze; any other note type card by card,
each card's question and answer rendered from its card template (:mod:`srs.interop.anki.templates`): a note
whose two cards show field 1 -> 2 and 2 -> 1 -> reversed, a template with ``{{type:Field}}`` -> type-in, the
others -> basic. Notes exported by srs (with an ``SrsId`` field) keep their srs ids.

Ids: ``anki-`` + a hash of the note's guid; a note's cards are then ``ID`` (``ID/rev`` for the reversed card,
``ID/cN`` for cloze N, ``ID-tN`` for template N > 1), so Anki card ``(guid, ord)`` always maps to the same
srs card.

History: Anki's revlog rows become review rows (time = the row id, which is Anki's review time in ms; rating
= the button; duration = ``time``), except those Anki's own FSRS leaves out of training: manual entries (type
4, set due date / forget), rescheduling entries (type 5), rows without a button (ease 0) and cram reviews in a
filtered deck that did not reschedule (type 3 with factor 0). Each card's memory is then replayed from its
whole merged history with :class:`~srs.scheduling.replay.BatchReplay` (the states the scheduler's ``rate``
gives, review by review, without building a Memory for each).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import shutil
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from srs.clock import day_start
from srs.decks.importers.htmltext import html_to_markdown, html_to_text
from srs.decks.importers.writer import (
    FileBatch,
    ImportedNote,
    check_read_back,
    clean_deck,
    clean_tag,
    plan_files,
    stable_id,
    unique,
)
from srs.decks.parser import ID_RE
from srs.errors import InputError, SrsError
from srs.interop.anki import cycle_collector_paused
from srs.interop.anki.media import MAX_MEDIA_BYTES, refusal, safe_name
from srs.interop.anki.notecheck import unparsable
from srs.model import Kind
from srs.workers import alongside, in_parent, split_map

if TYPE_CHECKING:
    from srs.scheduling.scheduler import Scheduler
    from srs.store import Store
    from srs.store.imports import LoggedReview

ProgressFn = Callable[[int, int, str], None]

LATEST_VERSION = 3
MAX_SCHEMA = 18
SRS_MODEL_PREFIX = "srs "

# revlog.type values
REVLOG_LEARN, REVLOG_REVIEW, REVLOG_RELEARN, REVLOG_FILTERED, REVLOG_MANUAL, REVLOG_RESCHEDULED = range(6)


class PackageError(InputError):
    """The file is not an Anki package srs can read (damaged, wrong type, protected, unknown version)."""


class InflationError(PackageError):
    """A member of the package inflates far beyond its packed size (a decompression bomb): the whole import is
    refused, never just the one file."""


# Bounds on what a package may inflate to. Every member is decompressed as a stream and counted as it comes:
# the import stops at the first byte over a bound, having written no more than that bound.
MAX_RATIO = 100  # a member may inflate to this many times its packed size (real collections: 5-10 times) ...
MEMBER_SLACK = 1 << 20  # ... plus this much, whatever its packed size
PACKAGE_SLACK = 32 << 20  # all members together: MAX_RATIO times the package's size, plus this much
MAX_COLLECTION_BYTES = 4 << 30  # the collection itself, however well packed
MAX_MEDIA_LIST_BYTES = 16 << 20  # the media list (about 300,000 entries of 50 bytes)
MAX_MEDIA_FILES = 500_000  # entries in the media list
_CHUNK = 1 << 20


class _Inflation:
    """The bytes a package's members may still inflate to, all members together (MAX_RATIO times the
    package's size, plus PACKAGE_SLACK)."""

    def __init__(self, path: Path, packed: int) -> None:
        self.path = path
        self.left = MAX_RATIO * packed + PACKAGE_SLACK

    def take(self, n: int, what: str) -> None:
        self.left -= n
        if self.left < 0:
            raise InflationError(
                f"{self.path}: its members inflate to over {MAX_RATIO} times the package's size (at the "
                f"{what}); refused as a decompression bomb"
            )


def inflate(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    what: str,
    *,
    limit: int,
    zstd: bool,
    budget: _Inflation,
    write: Callable[[bytes], object],
) -> int:
    """Decompress one member (zip, then zstd when ``zstd``) chunk by chunk into ``write``; the number of bytes.
    Raises as soon as the output passes ``limit`` (PackageError), MAX_RATIO times the member's packed size plus
    MEMBER_SLACK, or the package's budget (InflationError): no more than one chunk past a bound is ever held
    or written."""
    bound = min(limit, MAX_RATIO * info.compress_size + MEMBER_SLACK)

    def refuse() -> PackageError:
        if bound == limit:  # the absolute bound: an honest file may be this large (a media file: left out)
            return PackageError(f"{what} is larger than {limit // 2**20} MiB")
        return InflationError(
            f"{what} inflates to over {MAX_RATIO} times its packed size ({info.compress_size:,} bytes); "
            "refused as a decompression bomb"
        )

    if info.file_size > bound and not zstd:  # the zip says so itself: refused before reading a byte
        raise refuse()
    import zstandard

    total = 0
    with zf.open(info) as raw:
        source: Any = (
            zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True) if zstd else raw
        )
        try:
            while chunk := source.read(_CHUNK):
                total += len(chunk)
                if total > bound:
                    raise refuse()
                budget.take(len(chunk), what)
                write(chunk)
        except zstandard.ZstdError as exc:
            raise PackageError(
                f"damaged package {budget.path}: cannot decompress the {what} ({exc})"
            ) from None
    return total


def _inflated(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, what: str, limit: int, zstd: bool, budget: _Inflation
) -> bytes:
    """One member's bytes, decompressed under the bounds of :func:`inflate`."""
    out = bytearray()
    inflate(zf, info, what, limit=limit, zstd=zstd, budget=budget, write=out.extend)
    return bytes(out)


# -- package reading ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NoteType:
    """An Anki note type: its fields and card templates (front, back)."""

    id: int
    name: str
    cloze: bool
    fields: tuple[str, ...]
    templates: tuple[tuple[str, str], ...]
    template_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Refuse what Anki never writes (a name, field or template that is not text): a TypeError, which a
        reader of a package reports as damaged note types."""
        texts = (self.name, *self.fields, *(side for t in self.templates for side in t), *self.template_names)
        if not all(type(t) is str for t in texts) or any(len(t) != 2 for t in self.templates):
            raise TypeError(f"note type {self.id}: a name, field or template that is not text")


class AnkiNote(NamedTuple):
    id: int
    guid: str
    mid: int
    tags: str
    flds: str


class AnkiCard(NamedTuple):
    id: int
    nid: int
    did: int
    odid: int
    ord: int
    queue: int = 0  # -1: suspended


class AnkiReview(NamedTuple):
    id: int
    cid: int
    ease: int
    factor: int
    time: int
    type: int
    ivl: int = 0  # the interval the answer gave: days, or (negative) seconds in learning


def anki_interval_days(ivl: int) -> float | None:
    """Anki's revlog ``ivl`` in days (a negative one is seconds, a learning step); None for 0."""
    if ivl > 0:
        return float(ivl)
    if ivl < 0:
        return -ivl / 86400
    return None


@dataclass
class Package:
    """What a package holds, read into memory (media are read on demand)."""

    path: Path
    version: int
    schema: int
    sched_ver: int
    notetypes: dict[int, NoteType]
    decks: dict[int, str]
    notes: list[AnkiNote]
    cards: list[AnkiCard]
    revlog: list[tuple[int, int, int, int, int, int, int]]  # rows with AnkiReview's fields, oldest first
    damaged_reviews: int = 0  # revlog rows left out of ``revlog``: a value in them is not a whole number
    damaged_notes: int = 0  # notes and cards rows left out: a value in them is not of the type Anki writes
    media: dict[str, str] = field(default_factory=dict)  # file name -> zip entry
    compressed_media: bool = False
    stored_names: dict[str, str] = field(default_factory=dict)  # media renamed on import (name clash)
    refused_media: list[str] = field(default_factory=list)  # why each refused media file was left out
    # notes whose guid an earlier note of the package has: (guid, kept note id, left-out note id, first field)
    duplicate_guids: list[tuple[str, int, int, str]] = field(default_factory=list)
    _zip: zipfile.ZipFile | None = None
    budget: _Inflation | None = None  # what the package's members may still inflate to

    def read_media(self, name: str) -> bytes:
        """The bytes of one media file (at most MAX_MEDIA_BYTES: PackageError beyond; InflationError for a
        file inflating far past its packed size). The package's zip is opened once for all of them: opening
        it again per file re-read its whole directory, which made copying 10,000 files quadratic."""
        if self._zip is None:
            self._zip = zipfile.ZipFile(self.path)
        if self.budget is None:
            self.budget = _Inflation(self.path, self.path.stat().st_size)
        out = bytearray()
        inflate(
            self._zip,
            self._zip.getinfo(self.media[name]),
            f"media file {name!r}",
            limit=MAX_MEDIA_BYTES,
            zstd=self.compressed_media,
            budget=self.budget,
            write=out.extend,
        )
        return bytes(out)

    def close(self) -> None:
        """Close the package's zip (opened by :meth:`read_media`)."""
        if self._zip is not None:
            self._zip.close()
            self._zip = None


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data):
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def proto_fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    """The (field number, value) pairs of a protobuf message: varints as ints, length-delimited as bytes."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
            yield number, value
        elif wire == 2:
            length, pos = _varint(data, pos)
            if pos + length > len(data):
                raise ValueError("truncated field")
            yield number, data[pos : pos + length]
            pos += length
        elif wire == 5:
            pos += 4
        elif wire == 1:
            pos += 8
        else:
            raise ValueError(f"unsupported wire type {wire}")


def read_package(path: Path, work: Path) -> Package:
    """Read a package into memory (the collection is extracted into ``work``). Raises PackageError."""
    if not path.exists():
        raise PackageError(f"no such file: {path}")
    if path.is_dir():
        raise PackageError(f"{path} is a folder, not an Anki package")
    if not path.is_file():  # a FIFO would block the zip reader; a device would be read without end
        raise PackageError(f"{path} is not a regular file, not an Anki package")
    if not zipfile.is_zipfile(path):
        raise PackageError(f"{path} is not an Anki package (.apkg or .colpkg files are zip archives)")
    budget = _Inflation(path, path.stat().st_size)
    entries = zip_entries(path)
    if entries > MAX_MEDIA_FILES + 16:  # reading a zip's directory costs about 550 bytes per entry
        raise InflationError(
            f"{path}: the package holds {entries:,} files, over {MAX_MEDIA_FILES:,} media files; refused"
        )
    try:
        with zipfile.ZipFile(path) as zf:
            infos = {i.filename: i for i in zf.infolist()}
            if any(i.flag_bits & 0x1 for i in infos.values()):
                raise PackageError(
                    f"{path} is password-protected; export it again from Anki without a password"
                )
            version = 0
            if "meta" in infos:
                meta = _inflated(zf, infos["meta"], f"{path}: meta", 1 << 16, False, budget)
                try:
                    version = int(dict(proto_fields(meta)).get(1, 0))  # type: ignore[call-overload]
                except ValueError:
                    raise PackageError(f"damaged package {path}: unreadable 'meta' entry") from None
                if version not in (1, 2, LATEST_VERSION):
                    raise PackageError(
                        f"{path} is an Anki package of an unknown version ({version}); export it from Anki "
                        "with 'Support older Anki versions' ticked"
                    )
            if version == LATEST_VERSION or (version == 0 and "collection.anki21b" in infos):
                name, compressed = "collection.anki21b", True
            elif "collection.anki21" in infos:
                name, compressed = "collection.anki21", False
            elif "collection.anki2" in infos:
                name, compressed = "collection.anki2", False
            else:
                raise PackageError(f"{path} is a zip file but not an Anki package (no collection inside)")
            if name not in infos:
                raise PackageError(f"damaged package {path}: {name} is missing")
            db_path = work / "collection.sqlite"
            with db_path.open("wb") as dst:
                inflate(
                    zf,
                    infos[name],
                    f"{path}: {name}",
                    limit=MAX_COLLECTION_BYTES,
                    zstd=compressed,
                    budget=budget,
                    write=dst.write,
                )
            media_raw = (
                _inflated(
                    zf,
                    infos["media"],
                    f"{path}: media list",
                    MAX_MEDIA_LIST_BYTES,
                    version == LATEST_VERSION,
                    budget,
                )
                if "media" in infos
                else b""
            )
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as exc:
        raise PackageError(f"damaged or truncated package {path}: {exc}") from None
    except OSError as exc:
        raise PackageError(f"cannot read {path}: {exc.strerror or exc}") from None
    media, compressed_media = _media_map(path, media_raw, version == LATEST_VERSION)
    package = _read_collection(path, db_path, version or (2 if name.endswith("21") else 1))
    package.budget = budget
    package.compressed_media = compressed_media
    package.media = {name: entry for name, entry in media.items() if safe_name(name)}
    package.refused_media = [f"{name!r}: not a plain file name" for name in media if not safe_name(name)]
    return package


def zip_entries(path: Path) -> int:
    """How many entries a zip file's end record says it holds (read from its last bytes, the zip64 record
    too), before its directory is read; -1 when there is no end record."""
    try:
        with path.open("rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(0, size - (22 + 0xFFFF + 20)))
            tail = fh.read()
            pos = tail.rfind(b"PK\x05\x06")
            if pos < 0 or pos + 22 > len(tail):
                return -1
            count = int.from_bytes(tail[pos + 10 : pos + 12], "little")
            if count == 0xFFFF and pos >= 20 and tail[pos - 20 : pos - 16] == b"PK\x06\x07":
                fh.seek(int.from_bytes(tail[pos - 12 : pos - 4], "little"))
                record = fh.read(56)
                if record[:4] == b"PK\x06\x06" and len(record) == 56:
                    count = int.from_bytes(record[32:40], "little")
            return count
    except OSError:
        return -1


def _too_many(path: Path, count: int) -> PackageError:
    return InflationError(
        f"{path}: the media list has over {MAX_MEDIA_FILES:,} entries ({count:,} at least); refused"
    )


def _media_map(path: Path, raw: bytes, latest: bool) -> tuple[dict[str, str], bool]:
    """The media list (already decompressed): file name -> zip entry, and whether the files are compressed.
    At most MAX_MEDIA_FILES entries: counted as they are read (protobuf), or bounded before parsing (JSON)."""
    if not raw:
        return {}, False
    if latest:
        entries: dict[str, str] = {}
        try:
            index = 0
            for number, entry in proto_fields(raw):
                if number != 1 or not isinstance(entry, bytes):
                    continue
                if index >= MAX_MEDIA_FILES:
                    raise _too_many(path, index + 1)
                fields = dict(proto_fields(entry))
                name = fields.get(1, b"")
                zip_name = fields.get(255, index)
                if isinstance(name, bytes) and name:
                    entries[name.decode("utf-8")] = str(zip_name)
                index += 1
        except (ValueError, UnicodeDecodeError):
            raise PackageError(f"damaged package {path}: unreadable media list") from None
        return entries, True
    # Every entry of the JSON map holds a '":' (the end of its key): more of them than the bound, and the
    # map is refused before it is parsed (parsing a million entries takes hundreds of MB).
    if raw.count(b'":') > MAX_MEDIA_FILES:
        raise _too_many(path, raw.count(b'":'))
    try:
        mapping = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise PackageError(f"damaged package {path}: unreadable media list") from None
    if not isinstance(mapping, dict):
        raise PackageError(f"damaged package {path}: unreadable media list")
    if len(mapping) > MAX_MEDIA_FILES:
        raise _too_many(path, len(mapping))
    return {str(name): str(key) for key, name in mapping.items()}, False


def _read_collection(path: Path, db_path: Path, version: int) -> Package:
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as exc:
        raise PackageError(f"damaged package {path}: {exc}") from None
    deadline = time.monotonic() + COLLECTION_SECONDS
    conn.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
    try:
        conn.execute("PRAGMA trusted_schema = OFF")
        conn.execute("PRAGMA query_only = ON")
        _only_tables(conn, path)
        row = conn.execute("SELECT ver, models, decks, conf FROM col").fetchone()
        if row is None:
            raise PackageError(f"damaged package {path}: the collection is empty")
        schema = int(row[0])
        if schema > MAX_SCHEMA or schema < 11:
            raise PackageError(
                f"{path} holds a collection of an unknown version (schema {schema}); export it from Anki "
                "with 'Support older Anki versions' ticked"
            )
        if schema >= 18 or not row[1]:
            notetypes, decks, sched_ver = _schema18(conn)
        else:
            notetypes, decks, sched_ver = _schema11(row[1], row[2], row[3])
        columns = {r[1] for r in conn.execute("PRAGMA table_info(cards)")}
        queue = "queue" if "queue" in columns else "0"  # Anki always writes these; a hand-made file may not
        note_rows, damaged_notes = _typed_rows(
            conn,
            "notes",
            "id, guid, mid, tags, flds",
            "id",
            integer=("id", "mid"),
            text=("guid", "tags", "flds"),
        )
        notes = list(map(AnkiNote._make, note_rows))
        card_rows, damaged_cards = _typed_rows(
            conn, "cards", f"id, nid, did, odid, ord, {queue}", "nid, ord", integer=("id", "nid", "ord")
        )
        cards = list(map(AnkiCard._make, card_rows))
        ivl = "ivl" if "ivl" in {r[1] for r in conn.execute("PRAGMA table_info(revlog)")} else "0"
        logged = ("id", "cid", "ease", "factor", "time", "type", ivl)
        revlog = conn.execute(f"SELECT {', '.join(logged)} FROM revlog ORDER BY id").fetchall()
        damaged = 0
        if not all(type(v) is int for row in revlog for v in row):  # read again only when a row is damaged
            revlog, damaged = _typed_rows(conn, "revlog", ", ".join(logged), "id", integer=logged)
    except sqlite3.DatabaseError as exc:
        if time.monotonic() > deadline:
            raise PackageError(
                f"{path}: reading its collection took over {COLLECTION_SECONDS} s; refused"
            ) from None
        raise PackageError(f"damaged or truncated package {path}: {exc}") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:  # JSON of the wrong shape, too
        raise PackageError(f"damaged package {path}: unreadable note types or decks ({exc})") from None
    finally:
        conn.close()
    return Package(
        path,
        version,
        schema,
        sched_ver,
        notetypes,
        decks,
        notes,
        cards,
        revlog,
        damaged,
        damaged_notes + damaged_cards,
    )


def _typed_rows(
    conn: sqlite3.Connection,
    table: str,
    columns: str,
    order: str,
    *,
    integer: Sequence[str] = (),
    text: Sequence[str] = (),
) -> tuple[list[tuple[Any, ...]], int]:
    """The rows of a collection table whose ``integer`` columns hold whole numbers and ``text`` columns text,
    as Anki writes them, and how many rows hold anything else there (NULL, bytes, a fraction, a number for
    text): such a row is damaged and left out (it stopped the import with a traceback, or was read wrong)."""
    typed = " AND ".join(
        [f"typeof({c}) = 'integer'" for c in integer] + [f"typeof({c}) = 'text'" for c in text]
    )
    rows = conn.execute(f"SELECT {columns} FROM {table} WHERE {typed} ORDER BY {order}").fetchall()
    left_out = conn.execute(f"SELECT COUNT(*) FROM {table} WHERE NOT ({typed})").fetchone()[0]
    return rows, int(left_out)


COLLECTION_SECONDS = 60  # reading a package's collection stops (and the import is refused) after this
_READ_TABLES = ("col", "notes", "cards", "revlog", "fields", "templates", "notetypes", "decks", "config")


def _only_tables(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a collection where a name srs reads is a view or a virtual table (a view can run any query,
    e.g. an endless recursive one, when read) or that holds triggers or views at all (Anki makes none)."""
    rows = conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
    for kind, name, sql in rows:
        if kind in ("view", "trigger"):
            raise PackageError(f"{path} is not an Anki collection: it holds a {kind} ({name!r})")
        if kind == "table" and name in _READ_TABLES and str(sql or "").upper().startswith("CREATE VIRTUAL"):
            raise PackageError(f"{path} is not an Anki collection: {name!r} is a virtual table")


def _schema11(models: str, decks: str, conf: str) -> tuple[dict[int, NoteType], dict[int, str], int]:
    types: dict[int, NoteType] = {}
    for m in json.loads(models).values():
        types[int(m["id"])] = NoteType(
            int(m["id"]),
            str(m["name"]),
            int(m.get("type", 0)) == 1,
            tuple(f["name"] for f in sorted(m["flds"], key=lambda f: f["ord"])),
            tuple((t["qfmt"], t["afmt"]) for t in sorted(m["tmpls"], key=lambda t: t["ord"])),
            tuple(str(t.get("name", "")) for t in sorted(m["tmpls"], key=lambda t: t["ord"])),
        )
    names = {int(d["id"]): str(d["name"]) for d in json.loads(decks).values()}
    sched = int(json.loads(conf or "{}").get("schedVer", 1))
    return types, names, sched


def _schema18(conn: sqlite3.Connection) -> tuple[dict[int, NoteType], dict[int, str], int]:
    fields: dict[int, list[tuple[int, str]]] = {}
    for ntid, ord_, name in conn.execute("SELECT ntid, ord, name FROM fields"):
        fields.setdefault(ntid, []).append((ord_, name))
    templates: dict[int, list[tuple[int, str, str, str]]] = {}
    for ntid, ord_, tname, config in conn.execute("SELECT ntid, ord, name, config FROM templates"):
        cfg = dict(proto_fields(config))
        q, a = cfg.get(1, b""), cfg.get(2, b"")
        templates.setdefault(ntid, []).append(
            (
                ord_,
                q.decode("utf-8") if isinstance(q, bytes) else "",
                a.decode("utf-8") if isinstance(a, bytes) else "",
                str(tname),
            )
        )
    types: dict[int, NoteType] = {}
    for ntid, name, config in conn.execute("SELECT id, name, config FROM notetypes"):
        kind = dict(proto_fields(config)).get(1, 0)
        types[ntid] = NoteType(
            ntid,
            name,
            kind == 1,
            tuple(n for _o, n in sorted(fields.get(ntid, []))),
            tuple((q, a) for _o, q, a, _n in sorted(templates.get(ntid, []))),
            tuple(n for _o, _q, _a, n in sorted(templates.get(ntid, []))),
        )
    decks = {did: str(name).replace("\x1f", "::") for did, name in conn.execute("SELECT id, name FROM decks")}
    row = conn.execute("SELECT val FROM config WHERE key = 'schedVer'").fetchone()
    sched = int(json.loads(row[0])) if row else 2
    return types, decks, sched


# -- notes -> deck notes ---------------------------------------------------------------------------------------
_IMG_RE = re.compile(r"""<img[^<>]*?\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_SOUND_RE = re.compile(r"\[sound:([^\][]+)\]")
_TYPE_RE = re.compile(r"\{\{type:(?:[^:{}]+:)?([^{}]+)\}\}")


def media_names(text: str) -> set[str]:
    """Media file names an HTML field refers to (images and sounds)."""
    import html

    names = {html.unescape(next(g for g in m.groups() if g is not None)) for m in _IMG_RE.finditer(text)}
    names.update(_SOUND_RE.findall(text))
    return {n for n in names if n and "://" not in n}


@dataclass(frozen=True)
class PlannedImport:
    """A note to write and how its Anki cards (by ord) map to srs card ids."""

    note: ImportedNote | None
    card_ids: dict[int, str]
    skipped: str = ""  # why the note is not written (e.g. it came from srs and is already there)
    more: tuple[ImportedNote, ...] = ()  # the note's other cards, when each card is a note of its own
    origin: tuple[int, str] = (0, "")  # the Anki note: its id and its fields (as stored), for reports


def _srs_cards(nt: NoteType, srs_id: str, ords: list[int]) -> dict[int, str]:
    name = nt.name[len(SRS_MODEL_PREFIX) :].lower()
    if name.startswith("cloze"):
        return {o: f"{srs_id}/c{o + 1}" for o in ords}
    if "reversed" in name:
        return {o: srs_id if o == 0 else f"{srs_id}/rev" for o in ords if o in (0, 1)}
    return {o: srs_id for o in ords}


def _is_image_occlusion(nt: NoteType) -> bool:
    return any("image-occlusion" in q for q, _a in nt.templates)


def plan_note(
    note: AnkiNote,
    nt: NoteType,
    deck: str,
    ords: list[int],
    md: Callable[[str], str],
    source: str,
    card_decks: dict[int, str] | None = None,
) -> PlannedImport:
    """One Anki note as deck notes (or why not), with its card mapping. ``card_decks``: each card's own deck
    (ord -> name; ``deck`` for the others)."""
    values = note.flds.split("\x1f")
    values += [""] * (len(nt.fields) - len(values))
    fields = dict(zip(nt.fields, values, strict=False))
    tags = tuple(dict.fromkeys(t for t in (clean_tag(t) for t in note.tags.split()) if t))
    if nt.name.startswith(SRS_MODEL_PREFIX) and fields.get("SrsId", "").strip():
        srs_id = html_to_text(fields["SrsId"])
        if not ID_RE.fullmatch(srs_id):  # e.g. a line break that would write fields of its own
            return PlannedImport(None, {}, "an SrsId that is not a card id")
        cards = _srs_cards(nt, srs_id, ords)
        name = nt.name[len(SRS_MODEL_PREFIX) :].lower()
        if name.startswith(("quiz", "exercise", "lab")):
            return PlannedImport(None, cards, "a quiz, exercise or lab of srs")
        kind = (
            Kind.CLOZE
            if name.startswith("cloze")
            else Kind.REVERSED
            if "reversed" in name
            else (Kind.TYPE_IN if name.startswith("type") else Kind.BASIC)
        )
        extra = md(fields.get("Extra", ""))
        if kind is Kind.CLOZE:
            imported = ImportedNote(
                srs_id, kind, deck, text=md(fields.get("Text", "")), extra=extra, tags=tags
            )
        else:
            back = (
                html_to_text(fields.get("Back", "")) if kind is Kind.TYPE_IN else md(fields.get("Back", ""))
            )
            imported = ImportedNote(
                srs_id, kind, deck, front=md(fields.get("Front", "")), back=back, extra=extra, tags=tags
            )
        return PlannedImport(imported, cards)

    note_id = stable_id("anki", note.guid)
    if not nt.cloze:
        return plan_rendered(note, nt, note_id, fields, deck, ords, md, source, tags, card_decks or {})
    if not _is_image_occlusion(nt):
        text = md(values[0])
        extra = "\n\n".join(md(v) for v in values[1:] if v.strip())
        return PlannedImport(
            ImportedNote(note_id, Kind.CLOZE, deck, text=text, extra=extra, tags=tags, source=source),
            {o: f"{note_id}/c{o + 1}" for o in ords},
        )
    # Image Occlusion: its masks (the cloze field) cannot be shown; the image and text can
    names = list(nt.fields)[1:]
    filled = [n for n in names if fields.get(n, "").strip()]
    first = filled[0] if filled else names[0] if names else ""
    front = md(fields.get(first, ""))
    back = _labelled(fields, [n for n in names if n != first], md)
    return PlannedImport(
        ImportedNote(
            note_id, Kind.BASIC, deck, front=front or "—", back=back or "—", tags=tags, source=source
        ),
        {0: note_id},
    )


def template_card_id(note_id: str, ord_: int) -> str:
    """The srs id of an Anki card shown through its template: the note's id for the first template, then
    ``ID-tN`` for template N (so Anki card (guid, ord) always maps to the same srs card)."""
    return note_id if ord_ == 0 else f"{note_id}-t{ord_ + 1}"


def plan_rendered(
    note: AnkiNote,
    nt: NoteType,
    note_id: str,
    fields: dict[str, str],
    deck: str,
    ords: list[int],
    md: Callable[[str], str],
    source: str,
    tags: tuple[str, ...],
    card_decks: dict[int, str],
) -> PlannedImport:
    """A note of a (non-cloze) note type, card by card: each card's question and answer are what its card
    template shows. A card whose question renders empty is left out (Anki does not show it). When a note's
    two cards are exactly field 1 -> field 2 and back, the note is one reversed note; a template asking to
    type a field gives a type-in card."""
    from srs.interop.anki.templates import CardContext, card_sides, front_is_empty

    sides: dict[int, tuple[str, str, str]] = {}  # ord -> (question, back, typed answer field)
    for o in ords:
        if not 0 <= o < len(nt.templates):
            continue
        front_t, back_t = nt.templates[o]
        typed = _TYPE_RE.search(front_t)
        ctx = CardContext(
            fields,
            o,
            tags=note.tags.strip(),
            notetype=nt.name,
            deck=card_decks.get(o, deck),
            template_name=nt.template_names[o] if o < len(nt.template_names) else "",
            typed_answer=typed is None,
        )
        question, back = card_sides(front_t, back_t, ctx)
        if front_is_empty(question):
            continue
        sides[o] = (question, back, typed.group(1).strip() if typed else "")
    values = list(fields.values())
    if (
        sorted(sides) == [0, 1]
        and len(values) >= 2
        and all(not s[2] for s in sides.values())
        and [(s[0].strip(), s[1].strip()) for s in (sides[0], sides[1])]
        == [(values[0].strip(), values[1].strip()), (values[1].strip(), values[0].strip())]
        and card_decks.get(1, deck) == card_decks.get(0, deck)
    ):
        return PlannedImport(
            ImportedNote(
                note_id,
                Kind.REVERSED,
                card_decks.get(0, deck),
                front=md(values[0]) or "—",
                back=md(values[1]) or "—",
                tags=tags,
                source=source,
            ),
            {0: note_id, 1: f"{note_id}/rev"},
        )
    made: list[ImportedNote] = []
    cards: dict[int, str] = {}
    for o, (question, back, typed_field) in sorted(sides.items()):
        cid = template_card_id(note_id, o)
        card_deck = card_decks.get(o, deck)
        if typed_field:
            made.append(
                ImportedNote(
                    cid,
                    Kind.TYPE_IN,
                    card_deck,
                    front=md(question) or "—",
                    back=html_to_text(fields.get(typed_field, "")) or "—",
                    extra=md(back),
                    tags=tags,
                    source=source,
                )
            )
        else:
            made.append(
                ImportedNote(
                    cid,
                    Kind.BASIC,
                    card_deck,
                    front=md(question) or "—",
                    back=md(back) or "—",
                    tags=tags,
                    source=source,
                )
            )
        cards[o] = cid
    if not made:
        return PlannedImport(None, {}, "every card's question is empty")
    return PlannedImport(made[0], cards, more=tuple(made[1:]))


def _first_field(flds: str) -> str:
    """An Anki note's first field as one line of text (at most 80 characters), to name it in a report."""
    text = " ".join(html_to_text(flds.split("\x1f", 1)[0]).split())
    return text if len(text) <= 80 else text[:79] + "…"


def _labelled(fields: dict[str, str], names: list[str], md: Callable[[str], str]) -> str:
    parts = [(n, md(fields.get(n, ""))) for n in names]
    return "\n\n".join(f"**{n}:** {v}" if "\n" not in v else f"**{n}:**\n\n{v}" for n, v in parts if v)


# -- import ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    path: Path
    notes: int = 0
    cards_added: int = 0
    cards_updated: int = 0
    files_written: int = 0
    media_copied: int = 0
    media_refused: tuple[str, ...] = ()  # why each media file left out was refused
    skipped_notes: int = 0
    notes_unreadable: tuple[tuple[int, str, str], ...] = ()  # (Anki note id, first field, why) left out
    duplicate_guids: tuple[tuple[str, int, int, str], ...] = ()  # (guid, kept, left out, its first field)
    reviews_merged: int = 0
    reviews_known: int = 0
    reviews_excluded: int = 0
    # revlog rows left out as damaged: a value that is not a whole number, or a time (the row's id) that is no
    # date srs can count days from
    reviews_damaged: int = 0
    notes_damaged: int = 0  # rows of the package's notes and cards tables left out: a value of the wrong type
    reviews_before_reset: int = 0  # reviews before a card's last Forget/Reset (its history starts after)
    reviews_unmatched: int = 0
    cards_changed: int = 0
    conflicts: int = 0
    cards_suspended: int = 0  # cards suspended in Anki (queue -1), suspended in srs too
    seconds: float = 0.0
    reviews_only: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        out: dict[str, Any] = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["path"] = str(self.path)
        out["seconds"] = round(self.seconds, 3)
        out["media_refused"] = list(self.media_refused)
        out["duplicate_guids"] = [
            {"guid": g, "kept_note_id": kept, "skipped_note_id": nid, "first_field": first}
            for g, kept, nid, first in self.duplicate_guids
        ]
        out["notes_unreadable"] = [
            {"anki_note_id": nid, "first_field": first, "reason": why}
            for nid, first, why in self.notes_unreadable
        ]
        return out


SyncFn = Callable[[], Any]


def import_anki(
    store: Store,
    package_path: Path | str,
    *,
    decks_dir: Path,
    media_dir: Path,
    sync: SyncFn,
    scheduler: Scheduler,
    utc_offset: int = 0,
    deck_prefix: str = "",
    with_history: bool = False,
    reviews_only: bool = False,
    progress: ProgressFn | None = None,
) -> ImportResult:
    """Import an Anki package. Notes go to deck files under ``decks_dir`` (one per Anki deck), media to
    ``media_dir``; ``sync`` brings the deck files into the store (inside the import's transaction). With
    ``with_history`` the review log is merged and the cards replayed; ``reviews_only`` merges only the
    reviews of cards already in srs and writes no deck file. All or nothing: on any error, files and
    database are left as they were. Raises PackageError / InputError."""
    with cycle_collector_paused():
        return _import_anki(
            store,
            Path(package_path),
            decks_dir=decks_dir,
            media_dir=media_dir,
            sync=sync,
            scheduler=scheduler,
            utc_offset=utc_offset,
            deck_prefix=deck_prefix,
            with_history=with_history,
            reviews_only=reviews_only,
            progress=progress,
        )


def _import_anki(
    store: Store,
    path: Path,
    *,
    decks_dir: Path,
    media_dir: Path,
    sync: SyncFn,
    scheduler: Scheduler,
    utc_offset: int,
    deck_prefix: str,
    with_history: bool,
    reviews_only: bool,
    progress: ProgressFn | None,
) -> ImportResult:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="srs-anki-import-") as work:
        package = read_package(path, Path(work))
    if progress:
        progress(0, len(package.notes), "reading")
    try:
        mapping, planned = _plan(
            package, decks_dir, media_dir, deck_prefix, store, progress, convert=not reviews_only
        )
    except BaseException:
        package.close()
        raise
    if reviews_only:
        package.close()
        with store.transaction():
            merged = _merge_history(store, scheduler, package, mapping, utc_offset, progress)
        return ImportResult(
            path=path,
            seconds=time.perf_counter() - started,
            reviews_only=True,
            notes_damaged=package.damaged_notes,
            **merged,  # type: ignore[arg-type]
        )
    notes = unique(n for p in planned if p.note is not None for n in (p.note, *p.more))
    skipped = sum(1 for p in planned if p.note is None)
    # The files are parsed once, by the sync; what it reports about them is checked below.
    # A note the deck format refuses is left out (and listed); every other note comes in: when the sync
    # finds such notes, everything is undone and done again without them.
    origin = {n.id: p.origin for p in planned if p.note is not None for n in (p.note, *p.more)}
    unreadable: dict[int, tuple[int, str, str]] = {}
    before = _card_count(store)
    refused = len(package.refused_media)  # those found in the package; staging adds its own

    # The history is written while the deck files are parsed, unless a first try showed that it cannot be.
    early = with_history

    def finish(ahead: _HistoryAhead | None) -> dict[str, Any]:
        """After the sync, in its transaction: the history merged (or its merge finished, when it was written
        ahead), the cards suspended in Anki suspended."""
        merged = ahead.finish() if ahead is not None else None
        if merged is None and with_history:
            merged = _merge_history(store, scheduler, package, mapping, utc_offset, progress)
        return {**(merged or {}), "cards_suspended": _suspend(store, package, mapping)}

    try:
        while True:
            del package.refused_media[refused:]
            ahead = (
                _HistoryAhead(store, scheduler, package, mapping, planned, progress)
                if early and not unreadable
                else None
            )
            try:
                batch, report, merged, copied = _write_and_sync(
                    store,
                    package,
                    notes,
                    path=path,
                    decks_dir=decks_dir,
                    media_dir=media_dir,
                    sync=sync,
                    fresh=() if unreadable else origin.keys(),
                    merge=functools.partial(finish, ahead),
                    ahead=ahead,
                    progress=progress,
                )
            except _Unreadable as exc:
                for note_id, why in exc.notes.items():
                    nid, flds = origin[note_id]
                    unreadable.setdefault(nid, (nid, _first_field(flds), why))
                notes = [n for n in notes if n.id not in exc.notes]
                continue
            except _NotAsExpected:
                early = False
                continue
            break
    finally:
        package.close()
    after = _card_count(store)
    return ImportResult(
        path=path,
        notes=len(notes),
        cards_added=after - before,
        cards_updated=int(getattr(report, "changed", 0)),
        files_written=len(batch.texts),
        media_copied=len(copied),
        media_refused=tuple(package.refused_media),
        skipped_notes=skipped + len(unreadable) + len(package.duplicate_guids),
        notes_unreadable=tuple(unreadable.values()),
        notes_damaged=package.damaged_notes,
        duplicate_guids=tuple(package.duplicate_guids),
        seconds=time.perf_counter() - started,
        **merged,  # type: ignore[arg-type]
    )


def _suspend(store: Store, package: Package, mapping: dict[int, str]) -> int:
    """Suspend in srs the imported cards that are suspended in Anki (queue -1); how many. A card suspended in
    srs stays so whatever the package says."""
    from srs.store.imports import existing_cards

    wanted = list(dict.fromkeys(mapping[c.id] for c in package.cards if c.queue == -1 and c.id in mapping))
    present = existing_cards(store, wanted)
    ids = [cid for cid in wanted if cid in present]
    if ids:
        store.set_suspended(ids, True)
    return len(ids)


class _Unreadable(Exception):
    """Imported notes that did not read back (note id -> why): the import is undone, to be done without them."""

    def __init__(self, notes: dict[str, str]) -> None:
        super().__init__(f"{len(notes)} imported notes do not read back")
        self.notes = notes


# The page cache of a large import, in MiB (20,000 notes and 200,000 reviews write about 70 MB).
_BULK_CACHE_MIB = 64


class _NotAsExpected(Exception):
    """The history written ahead does not match the store after the sync: the import is undone, to be done
    again with the history merged after the sync."""


# One imported review's share of the work written ahead (its row built, inserted and indexed) weighs about
# as much as parsing this many bytes of deck file: the parse's second process takes the files that make up
# for it (all of them for a long history).
_PARSED_BYTES_PER_REVIEW = 20


class _HistoryAhead:
    """The history of a first import (cards without reviews), worked out and written into the store while
    the deck files are parsed (:func:`srs.workers.alongside`), before its cards are in the store: it expects
    the cards the import plans and the cards already there. After the sync, :meth:`finish` checks that
    exactly the expected cards are there and that the sync wrote no review; then the history is what a
    merge after the sync would have written. If not, the import is done again without it."""

    def __init__(
        self,
        store: Store,
        scheduler: Scheduler,
        package: Package,
        mapping: dict[int, str],
        planned: Sequence[PlannedImport],
        progress: ProgressFn | None,
    ) -> None:
        self.store, self.scheduler, self.package, self.mapping = store, scheduler, package, mapping
        self.wanted = set(mapping.values())  # the srs cards the package's reviews may go to
        self.planned_ids = {cid for p in planned if p.note is not None for cid in p.card_ids.values()}
        self.progress = progress
        self.weight = len(package.revlog) * _PARSED_BYTES_PER_REVIEW
        # What was written: the counts, the cards' memories (set after the sync), the cards expected and
        # the number of reviews the store holds after the writing.
        self.written: tuple[dict[str, int], list[tuple[Any, ...]], set[str], int] | None = None

    def run(self) -> None:
        """Work out the history for the expected cards and insert its reviews (inside the import's
        transaction); nothing is written when it needs the ordinary merge (cards with reviews)."""
        from srs.store.imports import existing_cards, insert_reviews, known_anki_ids, review_count

        expected = existing_cards(self.store, self.wanted) | (self.planned_ids & self.wanted)
        targets = _going_to(self.mapping, expected)
        found = _history_columns(
            self.store, self.scheduler, self.package, targets, known_anki_ids(self.store), self.progress
        )
        if found is None:
            return
        merged, rows, memories = found
        held = review_count(self.store)
        insert_reviews(self.store, rows, _saving(self.progress), cards_later=True)
        self.written = (merged, memories, expected, held + len(rows))

    def finish(self) -> dict[str, int] | None:
        """After the sync, in its transaction: the cards' memories set and the merge's counts; None when
        nothing was written ahead (the history is merged the ordinary way). Raises :class:`_NotAsExpected`
        when the store is not as expected."""
        from srs.store.imports import existing_cards, review_count, set_memories

        if self.written is None:
            return None
        merged, memories, expected, reviews = self.written
        if existing_cards(self.store, self.wanted) != expected or review_count(self.store) != reviews:
            raise _NotAsExpected
        set_memories(self.store, memories)
        return merged


def _write_and_sync(
    store: Store,
    package: Package,
    notes: list[ImportedNote],
    *,
    path: Path,
    decks_dir: Path,
    media_dir: Path,
    sync: SyncFn,
    fresh: Collection[str],
    merge: Callable[[], dict[str, Any]],
    ahead: _HistoryAhead | None = None,
    progress: ProgressFn | None,
) -> tuple[FileBatch, Any, dict[str, Any], list[Path]]:
    """Write the notes' deck files and media, sync, check the read-back and ``merge`` (history, suspension), all or
    nothing: (the files written, the sync's report, what ``merge`` returned, the media copied). ``ahead`` is
    run while the sync parses the files (or right after the sync). Raises :class:`_Unreadable` (with
    everything undone) when notes of ``fresh`` did not parse."""
    batch = plan_files(notes, decks_dir, header_source=f"Anki: {path.name}", read_back=False)
    media = _plan_media(package, notes, media_dir)
    copied: list[Path] = []
    if progress:
        progress(0, len(notes), "writing")
    # All or nothing, media included: the media are written to a staging folder first (the slow part; a
    # kill there leaves only that folder, removed by the next import), then renamed into place, and only
    # then are the deck files written and the database changed. Cards never point at missing media.
    staging, pairs = _stage_media(package, media, media_dir)
    try:
        for staged, target in pairs:
            os.replace(staged, target)
            copied.append(target)
        batch.commit()
        from srs.store.imports import indexes_rebuilt_if_cheaper

        # A large import keeps more of its pages in memory (its indexes are sorted there).
        with (
            store.cache_of(_BULK_CACHE_MIB) if len(notes) >= _SPLIT_FROM else contextlib.nullcontext(),
            store.transaction(),
        ):
            if progress:
                progress(0, len(notes), "adding cards")
            # A large import writes its cards twice (the sync, then their memories): the cards' indexes are
            # dropped once around both, and built once after.
            with indexes_rebuilt_if_cheaper(store, "cards", len(notes)):
                with alongside(ahead.run if ahead else None, ahead.weight if ahead else 0):
                    report = sync()
                errors = getattr(report, "errors", ())
                bad = unparsable(batch.texts, decks_dir, errors, fresh) if errors and fresh else {}
                if bad:
                    raise _Unreadable(bad)
                check_read_back(store, batch, decks_dir, errors)
                merged = merge()
    except BaseException:
        batch.restore()
        for p in copied:
            with contextlib.suppress(OSError):
                p.unlink()
        raise
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return batch, report, merged, copied


def _card_count(store: Store) -> int:
    from srs.store.imports import active_card_count

    return active_card_count(store)


# From how many notes the conversion is shared with a second process (below, a fork costs more than it saves).
_SPLIT_FROM = 2000
# One note to convert: the note, its note type, its cards, and each card's srs deck (by ord).
_Job = tuple[AnkiNote, NoteType, list[AnkiCard], dict[int, str]]


def _plan(
    package: Package,
    decks_dir: Path,
    media_dir: Path,
    deck_prefix: str,
    store: Store,
    progress: ProgressFn | None,
    *,
    convert: bool = True,
) -> tuple[dict[int, str], list[PlannedImport]]:
    """Every note planned, and Anki card id -> srs card id."""
    ords: dict[int, list[AnkiCard]] = {}
    for card in package.cards:
        ords.setdefault(card.nid, []).append(card)
    rel = Path(os.path.relpath(media_dir, decks_dir)).as_posix()
    stored_names: dict[str, str] = {}

    def link(name: str) -> str:
        return f"{rel}/{stored_names.get(name, name)}"

    cache: dict[str, str] = {}

    def md(text: str) -> str:
        if not convert:  # only the card mapping is wanted (--reviews-only)
            return text
        out = cache.get(text)
        if out is None:
            out = cache[text] = html_to_markdown(text, link)
        return out

    mapping: dict[int, str] = {}
    planned: list[PlannedImport] = []
    prefix = clean_deck(deck_prefix) if deck_prefix.strip() else ""
    for name in package.media if convert else ():  # a different file of that name already there: keep both
        target = media_dir / name
        if not _exists(target):
            continue
        try:
            data = package.read_media(name)
        except InflationError:
            raise
        except PackageError:
            continue  # refused when it is copied (too large, damaged)
        if not _same_file(target, data):
            digest = hashlib.sha1(data).hexdigest()[:8]
            stem, dot, ext = name.rpartition(".")
            stored_names[name] = f"{stem}-{digest}.{ext}" if dot else f"{name}-{digest}"
    first_of_guid: dict[str, int] = {}
    deck_names: dict[int, str] = {}  # Anki deck id -> srs deck name
    jobs: list[_Job] = []
    for note in package.notes:
        nt = package.notetypes.get(note.mid)
        cards = ords.get(note.id, [])
        if nt is None or not cards:
            continue
        kept = first_of_guid.setdefault(note.guid, note.id)
        if kept != note.id:  # the same guid twice: one srs note (the first); the other is reported
            package.duplicate_guids.append((note.guid, kept, note.id, _first_field(note.flds)))
            continue
        card_decks = {}
        for card in cards:  # each card's own deck (a filtered deck's card: its home deck)
            did = card.odid or card.did
            if did not in deck_names:  # worked out once per deck, not per card
                name = clean_deck(package.decks.get(did, "Default"))
                deck_names[did] = f"{prefix}::{name}" if prefix else name
            card_decks[card.ord] = deck_names[did]
        jobs.append((note, nt, cards, card_decks))
    parent = os.getpid()

    def plan_part(
        part: Sequence[_Job],
    ) -> list[PlannedImport]:
        plans = []
        for number, (note, nt, cards, card_decks) in enumerate(part, 1):
            deck = card_decks[cards[0].ord]
            plans.append(plan_note(note, nt, deck, [c.ord for c in cards], md, "", card_decks))
            if progress and number % 1000 == 0 and in_parent(parent):  # this process's part, scaled to all
                progress(number * len(jobs) // len(part), len(jobs), "converting")
        return plans

    # Each note is converted on its own: two processes share the notes of a large package.
    for (note, _nt, cards, _decks), plan in zip(
        jobs, split_map(plan_part, jobs, at_least=_SPLIT_FROM), strict=True
    ):
        # The Anki note kept with the plan (its first field worked out if it is reported).
        plan = PlannedImport(plan.note, plan.card_ids, plan.skipped, plan.more, (note.id, note.flds))
        planned.append(plan)
        for card in cards:
            cid = plan.card_ids.get(card.ord)
            if cid is not None:
                mapping[card.id] = cid
    # Notes that came from srs and are still in it stay as they are (their deck files are the truth).
    ours = [p.note.id for p in planned if p.note is not None and not p.note.id.startswith("anki-")]
    if ours:
        from srs.store.imports import existing_cards

        present = existing_cards(store, ours)
        planned = [
            PlannedImport(None, p.card_ids, "already in srs")
            if p.note is not None and p.note.id in present
            else p
            for p in planned
        ]
    package.stored_names = stored_names
    return mapping, planned


def _exists(path: Path) -> bool:
    return os.path.lexists(path)


def _same_file(path: Path, data: bytes) -> bool:
    """Whether ``path`` is a regular file (not a link, a FIFO, a device) holding exactly ``data``."""
    import stat

    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size != len(data):
            return False
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as fh:
            return fh.read(len(data) + 1) == data
    except OSError:
        return False


def _plan_media(package: Package, notes: list[ImportedNote], media_dir: Path) -> list[str]:
    """Names (in the package) of the media files the imported notes refer to."""
    if not package.media:
        return []
    back = {v: k for k, v in package.stored_names.items()}
    wanted: set[str] = set()
    for note in notes:
        for text in (note.front, note.back, note.text, note.extra):
            if "media/" in text:
                for name in re.findall(r"\]\((?:\.\./)*+media/([^]()\s]+)\)", text):
                    name = name.replace("%20", " ")
                    wanted.add(back.get(name, name))
    return sorted(n for n in wanted if n in package.media)


STAGING_PREFIX = ".srs-import-"  # media of an import in progress: a folder inside the media folder


def _clean_staging(media_dir: Path) -> None:
    """Remove what an import killed before its end left in the media folder (nothing it names was used)."""
    if media_dir.is_dir():
        for leftover in media_dir.glob(STAGING_PREFIX + "*"):
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)


def _stage_media(
    package: Package, names: list[str], media_dir: Path
) -> tuple[Path | None, list[tuple[Path, Path]]]:
    """Write every media file to copy into a staging folder inside ``media_dir``: (that folder, [(staged file,
    its final path)]). Files already there and identical are skipped; files that are not images, sounds or
    videos are refused (listed in ``package.refused_media``)."""
    _clean_staging(media_dir)
    staging: Path | None = None
    pairs: list[tuple[Path, Path]] = []
    try:
        for name in names:
            target = media_dir / package.stored_names.get(name, name)
            if target.parent != media_dir or not safe_name(target.name):
                continue  # a name with a path in it: never written outside the media folder
            try:
                data = package.read_media(name)
            except InflationError:
                raise  # a bomb: the whole import is refused (the staging folder is removed below)
            except PackageError as exc:  # too large, or damaged: left out, and said so
                package.refused_media.append(f"{name}: {exc}")
                continue
            why = refusal(name, data)
            if why is not None:
                package.refused_media.append(why)
                continue
            if _same_file(target, data):
                continue
            if staging is None:
                media_dir.mkdir(parents=True, exist_ok=True)
                staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=media_dir))
            staged = staging / str(len(pairs))
            staged.write_bytes(data)
            pairs.append((staged, target))
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise SrsError(f"cannot copy media from {package.path}: {exc}") from None
    except BaseException:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging, pairs


def _rating(review: AnkiReview, sched_ver: int) -> int:
    """Anki's answer button as our rating (the v1 scheduler had three buttons in learning)."""
    if sched_ver == 1 and review.type in (REVLOG_LEARN, REVLOG_RELEARN) and review.ease in (2, 3):
        return review.ease + 1
    return review.ease


def is_reset(rtype: Any, ease: Any, factor: Any) -> Any:
    """Anki's Reset/Forget entry (a card rescheduled as new): a manual row (type 4) without a button and with
    ease factor 0. Set-due-date rows are manual too, but keep the card's ease factor. Anki's FSRS starts a
    card's history after its last reset. For numbers, a bool; for numpy arrays, the mask of such rows."""
    return (rtype == REVLOG_MANUAL) & (ease == 0) & (factor == 0)


def excluded(review: AnkiReview) -> bool:
    """True for revlog rows Anki's FSRS does not learn from: manual changes, rescheduling, cram reviews."""
    return (
        review.ease == 0
        or review.type in (REVLOG_MANUAL, REVLOG_RESCHEDULED)
        or (review.type == REVLOG_FILTERED and review.factor == 0)
        or review.ease > 4
    )


def _merge_history(
    store: Store,
    scheduler: Scheduler,
    package: Package,
    mapping: dict[int, str],
    utc_offset: int,
    progress: ProgressFn | None,
) -> dict[str, int]:
    """Merge the package's review log into the store's (inside the caller's transaction): new reviews are
    added, each affected card's history is rewritten in time order and its memory replayed."""
    from srs.scheduling.replay import BatchReplay, replay_many
    from srs.store.imports import (
        LoggedReview,
        ReplayedHistory,
        card_reviews,
        existing_cards,
        insert_reviews,
        known_anki_ids,
        rewrite_histories,
        set_memories,
    )

    known_ids = known_anki_ids(store)
    present = existing_cards(store, set(mapping.values()))
    counts = _no_reviews_yet(package)
    targets = _going_to(mapping, present)
    fast = _history_columns(store, scheduler, package, targets, known_ids, progress)
    if fast is not None:
        merged, rows, memories = fast
        insert_reviews(store, rows, _saving(progress))
        set_memories(store, memories)
        return merged
    # Review by review. Whether a row counts, and its rating and signals, depend only on (type, button,
    # factor == 0): worked out once per combination (the signals dicts are shared: the log encodes each
    # once). None: excluded.
    incoming: dict[str, list[LoggedReview]] = {}
    kinds: dict[tuple[int, int, bool], tuple[int, dict[str, Any]] | None] = {}
    sched_ver = package.sched_ver
    # Anki card id -> the id of its last Reset/Forget row: the rows before it are not its history.
    last_reset = {row[1]: row[0] for row in package.revlog if is_reset(row[5], row[2], row[3])}
    unmatched = known = 0
    make = tuple.__new__
    for row in package.revlog:
        rid, cid, ease, factor, taken, rtype, ivl = row
        if not _FIRST_MS <= rid < _LAST_MS:
            counts["reviews_damaged"] += 1
            continue
        key = (rtype, ease, factor == 0)
        if key in kinds:
            kind = kinds[key]
        else:
            kind = kinds[key] = _kind(rtype, ease, factor == 0, sched_ver)
        if kind is None:
            counts["reviews_excluded"] += 1
            continue
        if last_reset and rid < last_reset.get(cid, -1):
            counts["reviews_before_reset"] += 1
            continue
        card_id = targets.get(cid)
        if card_id is None:
            unmatched += 1
            continue
        if rid in known_ids:
            known += 1
            continue
        reviews = incoming.get(card_id)
        if reviews is None:
            reviews = incoming[card_id] = []
        duration = taken if 0 <= taken <= _LONGEST_ANSWER_MS else max(0, min(taken, _LONGEST_ANSWER_MS))
        interval = anki_interval_days(ivl)
        reviews.append(make(LoggedReview, (rid // 1000, kind[0], duration, kind[1], "anki", rid, interval)))
    counts["reviews_unmatched"] += unmatched
    counts["reviews_known"] += known
    existing = card_reviews(store, incoming)
    rollover = scheduler.settings.rollover_hour
    changed = conflicts = 0
    replays: list[tuple[str, list[LoggedReview], bool]] = []
    for card_id, new in incoming.items():
        old = existing.get(card_id, [])
        own = [r for r in old if r.anki_id is None]
        fresh = new
        if own:
            fresh = []
            for r in new:
                # A review srs exported to Anki coming back (same card, second and button): already here.
                if any(abs(o.ts - r.ts) <= 1 and o.rating == r.rating for o in own):
                    counts["reviews_known"] += 1
                    continue
                fresh.append(r)
        if not fresh:
            continue
        if own:
            own_days = {day_start(o.ts, utc_offset, rollover) for o in own}
            conflicts += sum(1 for r in fresh if day_start(r.ts, utc_offset, rollover) in own_days)
        # The package's reviews come in revlog id order, i.e. already by (time, id).
        history = sorted([*old, *fresh], key=_in_time_order) if old else fresh
        replays.append((card_id, history, bool(old)))
        counts["reviews_merged"] += len(fresh)
        changed += 1
    if progress:
        progress(0, len(replays), "replaying")
    # Every card's history replayed at once, each with the card's own fuzz, as in srs's reviews (identical
    # logs spread out).
    replayed = replay_many(
        BatchReplay(scheduler),
        [
            (card_id, [(r.ts, r.rating if 1 <= r.rating <= 4 else min(4, max(1, r.rating))) for r in history])
            for card_id, history, _old in replays
        ],
    )
    rewrites = [
        ReplayedHistory(card_id, history, afters, rets, had)
        for (card_id, history, had), (afters, rets) in zip(replays, replayed, strict=True)
    ]
    rewrite_histories(store, rewrites, _saving(progress))
    return {**counts, "cards_changed": changed, "conflicts": conflicts}


def _going_to(mapping: dict[int, str], cards: Collection[str]) -> dict[int, str]:
    """The part of ``mapping`` (Anki card id -> srs card id) whose srs cards are among ``cards``: where the
    package's reviews go (the reviews of any other Anki card are counted as unmatched)."""
    return {cid: card_id for cid, card_id in mapping.items() if card_id in cards}


def _no_reviews_yet(package: Package) -> dict[str, int]:
    """The counts of a history merge before any review is looked at."""
    return {
        "reviews_merged": 0,
        "reviews_known": 0,
        "reviews_excluded": 0,
        "reviews_damaged": package.damaged_reviews,
        "reviews_before_reset": 0,
        "reviews_unmatched": 0,
    }


def _saving(progress: ProgressFn | None) -> Callable[[int, int], None] | None:
    """``progress`` for the writing of the review rows (None for none); says that saving begins."""
    if not progress:
        return None
    progress(0, 1, "saving")
    return lambda done, rows: progress(done, rows, "saving")


def _kind(rtype: int, ease: int, factor_zero: bool, sched_ver: int) -> tuple[int, dict[str, Any]] | None:
    """What a revlog row of this type, button and ease factor (0 or not) becomes: None when it is not
    learned from, else its rating and its signals."""
    review = AnkiReview(0, 0, ease, 0 if factor_zero else 1, 0, rtype)
    if excluded(review):
        return None
    return _rating(review, sched_ver), {"anki": {"type": rtype, "ease": ease}}


# A revlog row's id is its time in ms: rows outside these bounds (1970 to the year 9000, leaving room for
# the longest interval after it) are no date to count learner days from; they are left out and counted.
_FIRST_MS, _LAST_MS = 0, 221_845_392_000_000
_LONGEST_ANSWER_MS = 3_600_000  # an answer time (revlog ``time``) is kept within 0 and an hour
_EXACT = 2**52  # below this, every whole number and its quotients come out of numpy as out of Python's ints


def _history_columns(
    store: Store,
    scheduler: Scheduler,
    package: Package,
    targets: dict[int, str],
    known_ids: set[int],
    progress: ProgressFn | None,
) -> tuple[dict[str, int], list[tuple[Any, ...]], list[tuple[Any, ...]]] | None:
    """:func:`_merge_history` on numpy columns, for the common case where no card the package's reviews
    go to has a review in srs yet (a first import, or reviews merged into cards that have none): the same
    counts, and the review rows and cards' memories to write (:func:`srs.store.imports.insert_reviews`,
    :func:`srs.store.imports.set_memories`), without a Python object per review. None when a card has
    reviews already, or when a revlog value is not a whole number of at most 52 bits. Writes nothing."""
    from itertools import chain

    import numpy as np

    from srs.scheduling.replay import BatchReplay, replay_columns
    from srs.store.imports import ReviewColumns, card_reviews, history_rows

    if not package.revlog:
        return None
    # Every value is a whole number (the reader left out every row holding anything else).
    log = np.fromiter(chain.from_iterable(package.revlog), dtype=np.int64, count=7 * len(package.revlog))
    log = log.reshape(-1, 7)
    if int(log.min()) <= -_EXACT or int(log.max()) >= _EXACT:
        return None
    rid, cid, ease, factor, taken, rtype, ivl = log.T
    # Each row's (type, button, factor == 0) as one code: the few combinations are worked out once.
    types, type_at = np.unique(rtype, return_inverse=True)
    buttons, button_at = np.unique(ease, return_inverse=True)
    codes, key = np.unique(
        (type_at.reshape(-1) * len(buttons) + button_at.reshape(-1)) * 2 + (factor == 0), return_inverse=True
    )
    key = key.reshape(-1)
    kinds = [
        _kind(
            int(types[c // 2 // len(buttons)]),
            int(buttons[c // 2 % len(buttons)]),
            bool(c % 2),
            package.sched_ver,
        )
        for c in codes.tolist()
    ]
    dated = (rid >= _FIRST_MS) & (rid < _LAST_MS)
    learned = np.array([k is not None for k in kinds])[key]
    keep = dated & learned
    counts = {
        **_no_reviews_yet(package),
        "reviews_damaged": package.damaged_reviews + int(len(key) - dated.sum()),
        "reviews_excluded": int((dated & ~learned).sum()),
    }
    # Anki card id -> the id of its last Reset/Forget row (the log is in id order: the last one wins).
    resets = np.flatnonzero(is_reset(rtype, ease, factor))
    last_reset = dict(zip(cid[resets].tolist(), rid[resets].tolist(), strict=True))
    # Each row's Anki card as its place among the log's distinct cards.
    cids, at = np.unique(cid, return_inverse=True)
    at = at.reshape(-1)
    if last_reset:
        reset = np.array([last_reset.get(c, -1) for c in cids.tolist()], dtype=np.int64)[at]
        before = keep & (rid < reset)
        counts["reviews_before_reset"] = int(before.sum())
        keep &= ~before
    else:
        counts["reviews_before_reset"] = 0
    # Each review's card: its place in ``wanted`` (srs card ids, first come first), -1 for none.
    wanted: dict[str, int] = {}
    place = {c: wanted.setdefault(card_id, len(wanted)) for c, card_id in targets.items()}
    card = np.array([place.get(c, -1) for c in cids.tolist()], dtype=np.int64)[at]
    counts["reviews_unmatched"] = int((keep & (card < 0)).sum())
    keep &= card >= 0
    if known_ids:
        known = np.sort(np.fromiter(known_ids, dtype=np.int64, count=len(known_ids)))
        at_known = np.minimum(np.searchsorted(known, rid), len(known) - 1)
        seen = keep & (known[at_known] == rid)
        counts["reviews_known"] = int(seen.sum())
        keep &= ~seen
    else:
        counts["reviews_known"] = 0
    rows = np.flatnonzero(keep)
    # The cards in the order their first review comes; each card's reviews in the log's order (by id).
    card = card[rows]
    present, first = np.unique(card, return_index=True)
    by_first = present[np.argsort(first, kind="stable")]
    rank = np.empty(len(wanted), dtype=np.int64)
    rank[by_first] = np.arange(len(by_first))
    order = np.argsort(rank[card], kind="stable")
    rows = rows[order]
    names = list(wanted)
    card_ids = [names[i] for i in by_first.tolist()]
    if any(card_reviews(store, card_ids).values()):
        return None
    lengths = np.bincount(rank[card], minlength=len(by_first))
    rating = np.array([k[0] if k is not None else 0 for k in kinds], dtype=np.int64)[key[rows]]
    encoded = [json.dumps(k[1], ensure_ascii=False) if k is not None else "" for k in kinds]
    days = ivl[rows].astype(np.float64)
    interval = np.where(days > 0, days, np.where(days < 0, -days / 86400, np.nan))
    reviews = ReviewColumns(
        card_ids,
        lengths,
        rid[rows] // 1000,
        rating,
        np.clip(taken[rows], 0, _LONGEST_ANSWER_MS),
        [encoded[k] for k in key[rows].tolist()],
        "anki",
        rid[rows],
        interval,
    )
    if progress:
        progress(0, len(card_ids), "replaying")
    replayed = replay_columns(BatchReplay(scheduler), card_ids, lengths, reviews.ts, np.clip(rating, 1, 4))
    merged = {**counts, "reviews_merged": len(rows), "cards_changed": len(card_ids), "conflicts": 0}
    return (merged, *history_rows(reviews, replayed))


def _in_time_order(r: LoggedReview) -> tuple[int, int]:
    return (r.ts, r.anki_id or 0)
