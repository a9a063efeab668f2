"""Numbered schema migrations. Never edit one that has shipped: add the next number.

``PRAGMA user_version`` is the one record of which migrations a database has had: each
migration runs in its own write transaction that also sets ``user_version`` to its number,
so a database written by a newer srs (a higher number than :data:`SCHEMA_VERSION`) is
recognised and refused, and a half-applied migration never exists. (Databases from before
this rule also hold sqlite-utils' ``_sqlite_migrations`` table; it is left alone and no
longer read.) ``PRAGMA application_id`` marks the file as an srs database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable

    from sqlite_utils import Database

SCHEMA_VERSION = 13

# "srsD": written in every srs database's header (PRAGMA application_id), checked on open.
APPLICATION_ID = 0x73727344


def m001_initial(db: Database) -> None:
    """Cards (content + memory), the review log, deck-file stamps, config, full-text search."""
    # One statement at a time: executescript() would commit the migration's transaction.
    for statement in _split(
        """
        CREATE TABLE cards (
            id TEXT PRIMARY KEY,
            note_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            sub TEXT NOT NULL DEFAULT '',
            deck TEXT NOT NULL,
            tags TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL DEFAULT '',
            front TEXT NOT NULL DEFAULT '',
            back TEXT NOT NULL DEFAULT '',
            extra TEXT NOT NULL DEFAULT '',
            item TEXT NOT NULL DEFAULT '',
            params TEXT NOT NULL DEFAULT '',
            path TEXT NOT NULL DEFAULT '',
            line INTEGER NOT NULL DEFAULT 0,
            ord INTEGER NOT NULL DEFAULT 1000,
            position INTEGER NOT NULL DEFAULT 0,
            content_hash TEXT NOT NULL DEFAULT '',
            active INTEGER NOT NULL DEFAULT 1,
            suspended INTEGER NOT NULL DEFAULT 0,
            leech INTEGER NOT NULL DEFAULT 0,
            state INTEGER NOT NULL DEFAULT 0,
            step INTEGER,
            stability REAL,
            difficulty REAL,
            due INTEGER,
            last_review INTEGER,
            reps INTEGER NOT NULL DEFAULT 0,
            lapses INTEGER NOT NULL DEFAULT 0,
            version INTEGER NOT NULL DEFAULT 0,
            created INTEGER NOT NULL DEFAULT 0,
            updated INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX idx_cards_due ON cards(due) WHERE state > 0 AND active = 1 AND suspended = 0;
        CREATE INDEX idx_cards_new ON cards(ord, path, position, id) WHERE state = 0 AND active = 1 AND suspended = 0;
        CREATE INDEX idx_cards_note ON cards(note_id);
        CREATE INDEX idx_cards_deck ON cards(deck);

        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY,
            card_id TEXT NOT NULL REFERENCES cards(id),
            ts INTEGER NOT NULL,
            rating INTEGER NOT NULL,
            duration_ms INTEGER NOT NULL DEFAULT 0,
            state INTEGER NOT NULL,
            elapsed_days REAL,
            retrievability REAL,
            interval_days REAL,
            stability REAL,
            difficulty REAL,
            state_before TEXT NOT NULL,
            state_after TEXT NOT NULL,
            signals TEXT NOT NULL DEFAULT '{}',
            session TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX idx_reviews_card ON reviews(card_id, id);
        CREATE INDEX idx_reviews_ts ON reviews(ts);

        CREATE TABLE files (
            path TEXT PRIMARY KEY,
            mtime_ns INTEGER NOT NULL,
            size INTEGER NOT NULL
        );

        CREATE TABLE config (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );

        CREATE VIRTUAL TABLE cards_fts USING fts5(
            front, back, extra, tags, content='cards', content_rowid='rowid', tokenize='trigram'
        );
        CREATE TRIGGER cards_ai AFTER INSERT ON cards BEGIN
            INSERT INTO cards_fts(rowid, front, back, extra, tags)
            VALUES (new.rowid, new.front, new.back, new.extra, new.tags);
        END;
        CREATE TRIGGER cards_ad AFTER DELETE ON cards BEGIN
            INSERT INTO cards_fts(cards_fts, rowid, front, back, extra, tags)
            VALUES ('delete', old.rowid, old.front, old.back, old.extra, old.tags);
        END;
        CREATE TRIGGER cards_au AFTER UPDATE OF front, back, extra, tags ON cards BEGIN
            INSERT INTO cards_fts(cards_fts, rowid, front, back, extra, tags)
            VALUES ('delete', old.rowid, old.front, old.back, old.extra, old.tags);
            INSERT INTO cards_fts(rowid, front, back, extra, tags)
            VALUES (new.rowid, new.front, new.back, new.extra, new.tags);
        END;
        PRAGMA user_version = 1;
        """
    ):
        db.execute(statement)


def m002_retention_index(db: Database) -> None:
    """An index for `srs stats`: reviews by state and time, with the rating, the interval the card was
    scheduled for (due - last_review before the review, in seconds: an indexed expression, so the
    young/mature split of true retention is read from the index instead of parsing JSON for every row)
    and the card id (so deck/tag-filtered statistics are answered from the index too)."""
    db.execute(
        "CREATE INDEX idx_reviews_retention ON reviews(state, ts, rating, "
        "(json_extract(state_before, '$.due') - json_extract(state_before, '$.last_review')), card_id)"
    )
    db.execute("PRAGMA user_version = 2")


def m003_covering_due_indexes(db: Database) -> None:
    """`srs due` at 100k cards: the due index also carries state and deck, and a partial index of new
    cards by deck, so both per-deck counts are answered from an index without touching the table."""
    db.execute("DROP INDEX idx_cards_due")
    db.execute(
        "CREATE INDEX idx_cards_due ON cards(due, state, deck) WHERE state > 0 AND active = 1 AND suspended = 0"
    )
    db.execute(
        "CREATE INDEX idx_cards_new_deck ON cards(deck) WHERE state = 0 AND active = 1 AND suspended = 0"
    )
    db.execute("PRAGMA user_version = 3")


def m004_anki_review_ids(db: Database) -> None:
    """Reviews brought in from Anki carry Anki's review id (the revlog id, milliseconds), unique, so importing
    the same package twice adds nothing."""
    db.execute("ALTER TABLE reviews ADD COLUMN anki_id INTEGER")
    db.execute("CREATE UNIQUE INDEX idx_reviews_anki ON reviews(anki_id) WHERE anki_id IS NOT NULL")


def m005_plan(db: Database) -> None:
    """Study plans: a calendar over some cards (a deck and/or tag; the built-in curriculum by default),
    optionally ending in an exam date with a target recall; ``calendar`` holds the new cards per plan day
    as laid out when the plan started (a JSON list). A stopped plan keeps its row (history)."""
    db.execute(
        """
        CREATE TABLE plans (
            id INTEGER PRIMARY KEY,
            deck TEXT,
            tag TEXT,
            start_date TEXT NOT NULL,
            days INTEGER NOT NULL,
            exam_date TEXT,
            retention REAL,
            shifted INTEGER NOT NULL DEFAULT 0,
            calendar TEXT NOT NULL DEFAULT '[]',
            created INTEGER NOT NULL,
            stopped INTEGER
        )
        """
    )
    db.execute("CREATE INDEX idx_plans_running ON plans(id) WHERE stopped IS NULL")


def m006_plan_forecasts(db: Database) -> None:
    """The workload forecast `srs plan` shows (expected reviews and minutes per plan day, the exam forecast),
    kept per plan with the key it was computed for (learner day, the plan's shape, the review log and the
    cards' versions, the settings): a repeated `srs plan` reads it instead of simulating again. A row whose
    key no longer matches is simply recomputed and replaced."""
    db.execute(
        """
        CREATE TABLE plan_forecasts (
            plan_id INTEGER PRIMARY KEY REFERENCES plans(id),
            key TEXT NOT NULL,
            data TEXT NOT NULL,
            made INTEGER NOT NULL
        )
        """
    )


def m007_tiers(db: Database) -> None:
    """Each card's curriculum tier (``core`` or ``depth``, from its deck file; a learner's own cards are
    core) and the notes it requires (their ids, space-joined), for the study plan and the order check."""
    db.execute("ALTER TABLE cards ADD COLUMN tier TEXT NOT NULL DEFAULT 'core'")
    db.execute("ALTER TABLE cards ADD COLUMN requires TEXT NOT NULL DEFAULT ''")


def m008_reserved(db: Database) -> None:
    """Reserved: number 8 is kept for another change under way (this one does nothing)."""


def m009_concepts(db: Database) -> None:
    """Each card's knowledge-map concept as its deck names it (a ``concept:`` field or front-matter key;
    empty when the map's own rules place it, by tags): see :mod:`srs.conceptmap`."""
    db.execute("ALTER TABLE cards ADD COLUMN concept TEXT NOT NULL DEFAULT ''")
    # `srs map` reads every active card grouped by what places it, with its memory: this index holds all of
    # it in that order (no sort, no reading of the cards' text). A rating updates one entry of it.
    db.execute(
        "CREATE INDEX idx_cards_concept ON cards(tags, concept, tier, requires, state, suspended, stability, "
        "last_review, lapses, due) WHERE active = 1"
    )


def m010_lean_review_log(db: Database) -> None:
    """A leaner review log: the memory after each rating in plain columns (``after_state``, ``after_step``,
    ``stability``, ``difficulty``, ``after_due``, ``after_last_review``, ``after_reps``, ``after_lapses``)
    instead of a JSON text, and the memory before it left out when it is the memory after the card's
    previous row (a new card's for its first row), which it is unless the card was rescheduled in between.
    ``state_before`` (JSON) is kept only where it is not; ``state_after`` (JSON) only where the columns do
    not give the very same memory back (never for rows srs writes). ``scheduled`` holds the seconds the card
    was scheduled for (due minus last review before the rating), the plain column that replaces the JSON
    expression of idx_reviews_retention (m002). Rows keep their ids; each reads back as before
    (:func:`srs.store.rows.review_after`, :func:`srs.store.rows.review_before`)."""
    import json

    from srs.model import Memory, State

    conn = db.conn
    conn.execute(
        """
        CREATE TABLE reviews_lean (
            id INTEGER PRIMARY KEY,
            card_id TEXT NOT NULL REFERENCES cards(id),
            ts INTEGER NOT NULL,
            rating INTEGER NOT NULL,
            duration_ms INTEGER NOT NULL DEFAULT 0,
            state INTEGER NOT NULL,
            elapsed_days REAL,
            retrievability REAL,
            interval_days REAL,
            stability REAL,
            difficulty REAL,
            scheduled INTEGER,
            after_state INTEGER NOT NULL,
            after_step INTEGER,
            after_due INTEGER,
            after_last_review INTEGER,
            after_reps INTEGER NOT NULL,
            after_lapses INTEGER NOT NULL,
            state_before TEXT,
            state_after TEXT,
            signals TEXT NOT NULL DEFAULT '{}',
            session TEXT NOT NULL DEFAULT '',
            anki_id INTEGER
        )
        """
    )

    def identical(a: Memory | None, b: Memory | None) -> bool:
        return (
            a is not None
            and b is not None
            and a == b
            and all(
                type(x) is type(y) for x, y in zip(a.to_dict().values(), b.to_dict().values(), strict=True)
            )
        )

    def parse(text: str) -> tuple[Any, Memory | None]:
        """The JSON of a memory, and the memory it reads as (None if it does not read as one)."""
        try:
            raw = json.loads(text)
            return raw, Memory.from_dict(raw)
        except (ValueError, TypeError, KeyError, AttributeError):
            return None, None

    def number(value: Any) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool)

    rows_read = conn.execute(
        "SELECT id, card_id, ts, rating, duration_ms, state, elapsed_days, retrievability, interval_days, "
        "stability, difficulty, state_before, state_after, signals, session, anki_id FROM reviews "
        "ORDER BY card_id, id"
    )
    card: str | None = None
    previous: Memory | None = Memory()
    while rows := rows_read.fetchmany(5000):
        out = []
        for row in rows:
            card_id, stability, difficulty, before_json, after_json = (
                row[1],
                row[9],
                row[10],
                row[11],
                row[12],
            )
            if card_id != card:
                card, previous = card_id, Memory()
            raw_before, before = parse(before_json)
            _raw_after, after = parse(after_json)
            # m002's expression: due minus last review of the JSON before, when both are numbers.
            due: Any = raw_before.get("due") if isinstance(raw_before, dict) else None
            last: Any = raw_before.get("last_review") if isinstance(raw_before, dict) else None
            scheduled = due - last if number(due) and number(last) else None
            if after is None:  # kept as it is (it never read as a memory); the columns say nothing
                plain: tuple[Any, ...] = (0, None, None, None, 0, 0)
                keep_after = True
            else:
                plain = (int(after.state), after.step, after.due, after.last_review, after.reps, after.lapses)
                columns = Memory(
                    State(plain[0]), plain[1], stability, difficulty, plain[2], plain[3], plain[4], plain[5]
                )
                keep_after = not (
                    identical(after, columns) and all(v is None or type(v) is int for v in plain[1:4])
                )
            out.append(
                (
                    *row[:11],
                    scheduled,
                    *plain,
                    None if identical(before, previous) else before_json,
                    after_json if keep_after else None,
                    *row[13:],
                )
            )
            previous = after
        conn.executemany(f"INSERT INTO reviews_lean VALUES ({', '.join('?' * 23)})", out)
    conn.execute("DROP TABLE reviews")
    conn.execute("ALTER TABLE reviews_lean RENAME TO reviews")
    conn.execute("CREATE INDEX idx_reviews_card ON reviews(card_id, id)")
    conn.execute("CREATE INDEX idx_reviews_ts ON reviews(ts)")
    conn.execute("CREATE INDEX idx_reviews_retention ON reviews(state, ts, rating, scheduled, card_id)")
    conn.execute("CREATE UNIQUE INDEX idx_reviews_anki ON reviews(anki_id) WHERE anki_id IS NOT NULL")


# A card counts as new and waiting while this holds (the condition of the index idx_cards_new_deck).
_WAITING = "{row}.state = 0 AND {row}.active = 1 AND {row}.suspended = 0"


def m011_new_card_counts(db: Database) -> None:
    """New cards waiting, per deck, kept by triggers: `srs due` reads one row per deck instead of counting
    every new card through an index (tens of thousands at 100k cards). A deck whose count falls to 0 keeps
    its row; readers skip it. Each trigger fires only for a row that enters or leaves the count (or moves
    deck while in it), so a rating of a card already reviewed, or an edit of its text, pays only the test."""
    new, old = _WAITING.format(row="new"), _WAITING.format(row="old")
    upsert = "INSERT INTO deck_new_counts (deck, n) VALUES (new.deck, 1) ON CONFLICT (deck) DO UPDATE SET n = n + 1"
    for statement in (
        "CREATE TABLE deck_new_counts (deck TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID",
        "INSERT INTO deck_new_counts (deck, n) SELECT deck, COUNT(*) FROM cards "
        "WHERE state = 0 AND active = 1 AND suspended = 0 GROUP BY deck",
        f"CREATE TRIGGER cards_new_count_ai AFTER INSERT ON cards WHEN {new} BEGIN {upsert}; END",
        f"CREATE TRIGGER cards_new_count_ad AFTER DELETE ON cards WHEN {old} "
        "BEGIN UPDATE deck_new_counts SET n = n - 1 WHERE deck = old.deck; END",
        # Leaving the count (rated, suspended, retired) or moving deck while in it.
        f"CREATE TRIGGER cards_new_count_au_out AFTER UPDATE OF state, active, suspended, deck ON cards "
        f"WHEN {old} AND NOT ({new} AND new.deck = old.deck) "
        "BEGIN UPDATE deck_new_counts SET n = n - 1 WHERE deck = old.deck; END",
        # Entering it (an undone first rating, unsuspended, back in a deck file) or arriving in a deck.
        f"CREATE TRIGGER cards_new_count_au_in AFTER UPDATE OF state, active, suspended, deck ON cards "
        f"WHEN {new} AND NOT ({old} AND new.deck = old.deck) BEGIN {upsert}; END",
    ):
        db.execute(statement)


def m012_lab_cards(db: Database) -> None:
    """Lab cards found without reading the others: review sessions leave them out and `srs due` counts them
    apart, each a handful of cards among possibly a hundred thousand (a partial index, empty without labs)."""
    db.execute("CREATE INDEX idx_cards_lab ON cards(id) WHERE kind = 'lab'")


# The full-text index is kept by its triggers while this holds: no bulk write has left it to the next search.
_INDEX_KEPT = "NOT EXISTS (SELECT 1 FROM search_index_stale)"


def m013_search_index_on_demand(db: Database) -> None:
    """The full-text index may be left to be filled by the first search after a bulk write. While the one
    row of ``search_index_stale`` exists the index's triggers do nothing, and the next search rebuilds the
    index from the cards table and deletes the row. A 20,000-note import spent about half a second filling
    an index nobody had asked for yet, and wrote a seventh of its data for it."""
    db.execute("CREATE TABLE search_index_stale (id INTEGER PRIMARY KEY CHECK (id = 1))")
    for name in ("cards_ai", "cards_ad", "cards_au"):
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    columns, values = (
        "rowid, front, back, extra, tags",
        "{row}.rowid, {row}.front, {row}.back, {row}.extra, {row}.tags",
    )
    add = f"INSERT INTO cards_fts({columns}) VALUES ({values.format(row='new')});"
    remove = f"INSERT INTO cards_fts(cards_fts, {columns}) VALUES ('delete', {values.format(row='old')});"
    db.execute(f"CREATE TRIGGER cards_ai AFTER INSERT ON cards WHEN {_INDEX_KEPT} BEGIN {add} END")
    db.execute(f"CREATE TRIGGER cards_ad AFTER DELETE ON cards WHEN {_INDEX_KEPT} BEGIN {remove} END")
    db.execute(
        f"CREATE TRIGGER cards_au AFTER UPDATE OF front, back, extra, tags ON cards WHEN {_INDEX_KEPT} "
        f"BEGIN {remove} {add} END"
    )


def _split(script: str) -> list[str]:
    """Split a script into statements at ';' line ends, keeping trigger bodies whole."""
    statements: list[str] = []
    current: list[str] = []
    depth = 0
    for line in script.strip().splitlines():
        current.append(line)
        stripped = line.strip().upper()
        if stripped.endswith(" BEGIN"):
            depth += 1
        if stripped == "END;":
            depth -= 1
        if stripped.endswith(";") and depth == 0:
            statements.append("\n".join(current).strip())
            current = []
    if "".join(current).strip():
        statements.append("\n".join(current).strip())
    return statements


MIGRATIONS: tuple[Callable[[Database], None], ...] = (
    m001_initial,
    m002_retention_index,
    m003_covering_due_indexes,
    m004_anki_review_ids,
    m005_plan,
    m006_plan_forecasts,
    m007_tiers,
    m008_reserved,
    m009_concepts,
    m010_lean_review_log,
    m011_new_card_counts,
    m012_lab_cards,
    m013_search_index_on_demand,
)
"""Migration N is ``MIGRATIONS[N - 1]``. Adding one: write ``mNNN_name``, append it, raise SCHEMA_VERSION."""


def migrate(conn: sqlite3.Connection) -> list[int]:
    """Apply every pending migration, each in its own ``BEGIN IMMEDIATE`` transaction; returns their numbers.

    The version is re-read inside each transaction, so two processes migrating one file at the
    same time cannot both run a migration (the second sees it done). WAL is switched on first,
    outside any transaction. The caller has checked that the file is an srs database (or empty).
    """
    from sqlite_utils import Database

    assert len(MIGRATIONS) == SCHEMA_VERSION
    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        conn.execute("PRAGMA journal_mode = WAL")
    db = Database(conn)
    applied: list[int] = []
    for number, step in enumerate(MIGRATIONS, start=1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = conn.execute("PRAGMA user_version").fetchone()[0]
            if current < number:
                step(db)
                conn.execute(f"PRAGMA user_version = {number}")
                applied.append(number)
            if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return applied
