"""The full-text index of capture bodies and header values: SQLite FTS5, in ``search.db`` next to the
workspace database, filled off the request path.

Indexing a 1 KiB body costs ~50 us; done inside the receiver's group commit it would hold the event
loop (and the database's write lock) for that long per request. So the index lives in its own file
(its writes never wait for, or block, the receiver's commits) and the store's background thread adds
new captures to it in batches, a few hundred milliseconds behind. A search covers the rows not yet
indexed by scanning just that tail, so it is complete the moment a capture is committed.

The index is contentless: it maps words to capture rowids. Every candidate is checked against the row
itself, so an entry left behind by a deleted capture can never make a false match; clearing the inbox
resets the index (rowids start over).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from hookdev.search import tokens

VERSION = 2
SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS captures_fts USING fts5(body, headers, content='', tokenize='unicode61');
CREATE VIRTUAL TABLE IF NOT EXISTS meta_fts USING fts5(meta, content='', tokenize='trigram');
CREATE TABLE IF NOT EXISTS indexed (id INTEGER PRIMARY KEY CHECK (id = 1), upto INTEGER NOT NULL);
INSERT OR IGNORE INTO indexed (id, upto) VALUES (1, 0);
"""
OLD_TABLES = ("captures_fts", "meta_fts", "indexed")
# What a free word is looked up in besides the body and headers: short fields, indexed by trigrams so a
# word matches anywhere inside them ("valid" finds /invalid), as the Inbox filter always did.
META_COLUMNS = ("path", "method", "event_type", "reason", "webhook_id", "id")
BATCH = 2000
IDLE_TAIL = 20_000  # rows a busy receiver may leave unindexed (a search scans them)


def fts_phrase(text: str) -> str | None:
    """An FTS5 phrase matching ``text``'s words in order, the last one as a prefix; None without words."""
    words = tokens(text)
    if not words:
        return None
    return '"' + " ".join(w.replace('"', "") for w in words) + '"*'


def trigram_phrase(text: str) -> str | None:
    """An FTS5 trigram query for ``text`` as a substring (3 characters at least), or None."""
    return '"' + text.replace('"', '""') + '"' if len(text) >= 3 else None


def single_word(text: str) -> bool:
    """True when the index's own matching is exact for ``text`` (one word: a token prefix is a substring)."""
    return tokens(text) == [text.lower()]


def path_for(db_path: Path) -> Path:
    return db_path.with_name("search.db")


def open_index(path: Path, source: Path) -> sqlite3.Connection:
    """A connection writing search.db, with the workspace database attached (read) as ``src``."""
    new = not path.exists()
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10.0)
    if new:
        os.chmod(path, 0o600)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    if conn.execute("PRAGMA user_version").fetchone()[0] != VERSION:  # an older layout: start over
        for table in OLD_TABLES:
            conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(f"PRAGMA user_version={VERSION}")
    conn.executescript(SCHEMA)
    conn.execute("ATTACH DATABASE ? AS src", (str(source),))
    return conn


def indexed_upto(conn: sqlite3.Connection, schema: str = "main") -> int:
    return int(conn.execute(f"SELECT upto FROM {schema}.indexed WHERE id = 1").fetchone()[0])


_META = " || char(10) || ".join(f"ifnull({c}, '')" for c in META_COLUMNS)


def catch_up(index: sqlite3.Connection, limit: int | None = None) -> int:
    """Index the captures added since the last call (at most ``limit``); returns how many.

    All in SQL on the index's own connection (the workspace database attached as ``src``): the words
    are made by SQLite's C code, which does not hold Python's GIL, so the receiver's thread keeps
    running while a batch is indexed, and the receiver's connection is never held by this."""
    done = 0
    upto = indexed_upto(index)
    top = index.execute("SELECT ifnull(max(rowid), 0) FROM src.captures").fetchone()[0]
    if top < upto:  # the captures were cleared and rowids started over
        reset(index)
        upto = 0
    while (limit is None or done < limit) and upto < top:
        end = min(top, upto + BATCH)
        index.execute("BEGIN")
        try:
            index.execute(
                "INSERT INTO captures_fts (rowid, body, headers) SELECT rowid, CAST(body AS TEXT), headers"
                " FROM src.captures WHERE rowid > ? AND rowid <= ?",
                (upto, end),
            )
            index.execute(
                f"INSERT INTO meta_fts (rowid, meta) SELECT rowid, {_META} FROM src.captures"
                " WHERE rowid > ? AND rowid <= ?",
                (upto, end),
            )
            index.execute("UPDATE indexed SET upto = ? WHERE id = 1", (end,))
            index.execute("COMMIT")
        except BaseException:
            index.execute("ROLLBACK")
            raise
        done += end - upto
        upto = end
    return done


def reset(index: sqlite3.Connection) -> None:
    """Forget everything (the captures were cleared)."""
    index.execute("BEGIN")
    index.execute("INSERT INTO captures_fts (captures_fts) VALUES ('delete-all')")
    index.execute("INSERT INTO meta_fts (meta_fts) VALUES ('delete-all')")
    index.execute("UPDATE indexed SET upto = 0 WHERE id = 1")
    index.execute("COMMIT")
