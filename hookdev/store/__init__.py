"""SQLite (WAL) storage: the only package that speaks SQL. Returns plain dataclasses.

One connection per Store, opened once and kept: the request path does one insert on it with no
per-request setup. Query groups live in mixins, one module each: captures, endpoints, messages,
attempts, claims (the dispatcher's leases) and settings; ``rows`` maps the delivery rows to dataclasses.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from pathlib import Path

from hookdev.store import search_index
from hookdev.store.attempts import AttemptQueries
from hookdev.store.captures import CaptureQueries
from hookdev.store.checks import CheckQueries
from hookdev.store.claims import ClaimQueries
from hookdev.store.endpoints import EndpointQueries
from hookdev.store.messages import MessageQueries
from hookdev.store.settings import SettingsQueries

SCHEMA_VERSION = 5

# Columns added after a schema version shipped: (version, table, column, declaration). A database of an
# older version gets them with ALTER TABLE when it is opened; a new one has them from SCHEMA.
MIGRATIONS: tuple[tuple[int, str, str, str], ...] = (
    (2, "messages", "time_scale", "REAL"),
    (3, "captures", "receiver_url", "TEXT"),
    (4, "endpoints", "scheme", "TEXT NOT NULL DEFAULT 'standard'"),
    (5, "captures", "replay_of", "TEXT"),
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS captures (
    id TEXT PRIMARY KEY,
    received_at REAL NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    query TEXT NOT NULL DEFAULT '',
    headers TEXT NOT NULL,
    body BLOB NOT NULL,
    body_size INTEGER NOT NULL,
    truncated INTEGER NOT NULL DEFAULT 0,
    client TEXT,
    scheme TEXT,
    webhook_id TEXT,
    event_type TEXT,
    verified INTEGER,
    reason TEXT,
    matched_secret TEXT,
    timestamp_skew REAL,
    status INTEGER,
    response_headers TEXT NOT NULL DEFAULT '[]',
    response_body BLOB NOT NULL DEFAULT x'',
    route TEXT,
    forwarded_to TEXT,
    forward_status INTEGER,
    forward_error TEXT,
    forward_ms REAL,
    receiver_url TEXT,
    replay_of TEXT
);
CREATE INDEX IF NOT EXISTS captures_received ON captures (received_at);

CREATE TABLE IF NOT EXISTS endpoints (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    secret TEXT,
    description TEXT NOT NULL DEFAULT '',
    events TEXT NOT NULL DEFAULT '[]',
    channels TEXT NOT NULL DEFAULT '[]',
    rate_limit REAL,
    headers TEXT NOT NULL DEFAULT '[]',
    disabled INTEGER NOT NULL DEFAULT 0,
    disabled_reason TEXT,
    old_secrets TEXT NOT NULL DEFAULT '[]',
    managed INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    rate_next REAL,
    scheme TEXT NOT NULL DEFAULT 'standard'
);

CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY,
    event_type TEXT NOT NULL,
    channels TEXT NOT NULL DEFAULT '[]',
    payload BLOB NOT NULL,
    created_at REAL NOT NULL,
    fault TEXT,
    time_scale REAL
);
CREATE INDEX IF NOT EXISTS messages_created ON messages (created_at);

CREATE TABLE IF NOT EXISTS attempts (
    id TEXT PRIMARY KEY,
    message_id TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    number INTEGER NOT NULL,
    trigger TEXT NOT NULL,
    status TEXT NOT NULL,
    scheduled_at REAL NOT NULL,
    started_at REAL,
    duration_ms REAL,
    status_code INTEGER,
    error TEXT,
    response_headers TEXT NOT NULL DEFAULT '[]',
    response_body BLOB NOT NULL DEFAULT x'',
    request_headers TEXT NOT NULL DEFAULT '[]',
    fault TEXT,
    lease_owner TEXT,
    lease_until REAL,
    extra TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS attempts_due ON attempts (status, scheduled_at);
CREATE INDEX IF NOT EXISTS attempts_endpoint ON attempts (endpoint_id, id);
CREATE INDEX IF NOT EXISTS attempts_message ON attempts (message_id, endpoint_id, number);
CREATE INDEX IF NOT EXISTS attempts_endpoint_due ON attempts (endpoint_id, status, scheduled_at);

CREATE TABLE IF NOT EXISTS check_runs (
    id TEXT PRIMARY KEY,
    started_at REAL NOT NULL,
    finished_at REAL,
    endpoint_id TEXT,
    url TEXT NOT NULL,
    scheme TEXT NOT NULL,
    verdict TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS check_runs_started ON check_runs (started_at);

CREATE TABLE IF NOT EXISTS settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

# Partial indexes: a request with no webhook-id (or that is no replay) costs nothing at insert.
INDEXES = """
CREATE INDEX IF NOT EXISTS captures_webhook_id ON captures (webhook_id, received_at) WHERE webhook_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS captures_replay_of ON captures (replay_of) WHERE replay_of IS NOT NULL;
"""


class Store(
    CaptureQueries,
    EndpointQueries,
    MessageQueries,
    AttemptQueries,
    ClaimQueries,
    CheckQueries,
    SettingsQueries,
):
    """The workspace database. Thread-safe through one lock around the shared connection."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not self.path.exists():
            # Created 0600 before SQLite opens it: its -wal and -shm files take the database's mode,
            # so nothing of the store is ever readable by others, whatever the umask.
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10.0)
        self.lock = threading.RLock()
        self._checkpointer: threading.Thread | None = None
        self._stop_checkpoints = threading.Event()
        self._index_conn: sqlite3.Connection | None = None
        self._search_attached = False
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA busy_timeout=10000")
        self.conn.execute("PRAGMA foreign_keys=OFF")
        with self.lock:
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            self.conn.executescript(SCHEMA)
            if version:
                self._migrate(version)
            self.conn.executescript(INDEXES)  # after the migrations: they may index new columns
            self.conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _migrate(self, version: int) -> None:
        for since, table, column, declaration in MIGRATIONS:
            if since <= version:
                continue
            columns = {row[1] for row in self.conn.execute(f"PRAGMA table_info({table})")}
            if column not in columns:
                self.conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")

    def start_checkpointer(self, interval: float = 0.5) -> None:
        """Move WAL checkpoints off the request path: the receiver's connection no longer checkpoints
        on commit (which blocks the event loop); a background thread does it on its own connection."""
        if self._checkpointer is not None:
            return
        with self.lock:
            self.conn.execute("PRAGMA wal_autocheckpoint=0")
        self._stop_checkpoints.clear()
        self._checkpointer = threading.Thread(
            target=self._checkpoint_loop, args=(interval,), name="hookdev-checkpoint", daemon=True
        )
        self._checkpointer.start()

    def _checkpoint_loop(self, interval: float) -> None:
        """Checkpoints, and the search index brought up to date (both on their own connections).

        While captures pour in, indexing waits (up to a tail of IDLE_TAIL rows, which a search scans):
        a flood's CPU goes to the receiver, and the index catches up in the first quiet moment."""
        conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        try:
            index: sqlite3.Connection | None = search_index.open_index(
                search_index.path_for(self.path), self.path
            )
        except sqlite3.Error:  # no search index (a search then checks every row): checkpoints go on
            index = None
        last_top = -1
        try:
            while not self._stop_checkpoints.wait(interval):
                try:
                    top = conn.execute("SELECT ifnull(max(rowid), 0) FROM captures").fetchone()[0]
                    busy = last_top >= 0 and top - last_top > 50
                    last_top = top
                    behind = (
                        index is not None and top - search_index.indexed_upto(index) > search_index.IDLE_TAIL
                    )
                    if index is not None and (not busy or behind):
                        search_index.catch_up(index, limit=20 * search_index.BATCH)
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error:
                    pass  # busy or locked: the next round catches up
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            conn.close()
            if index is not None:
                index.close()

    # -- the search index ---------------------------------------------------------------------
    @property
    def indexing_in_background(self) -> bool:
        return self._checkpointer is not None

    def _index(self) -> sqlite3.Connection:
        if self._index_conn is None:
            self._index_conn = search_index.open_index(search_index.path_for(self.path), self.path)
        return self._index_conn

    def attach_search(self) -> None:
        """Make ``search.captures_fts`` visible to this connection's queries (once)."""
        if self._search_attached:
            return
        self._index()  # the file and its schema exist
        with self.lock:
            self.conn.execute("ATTACH DATABASE ? AS search", (str(search_index.path_for(self.path)),))
        self._search_attached = True

    def index_captures(self, limit: int | None = None) -> int:
        """Bring the search index up to date now (a process without the background thread)."""
        return search_index.catch_up(self._index(), limit)

    def reset_search(self) -> None:
        with self.lock, contextlib.suppress(sqlite3.Error):  # no index: nothing to forget
            search_index.reset(self._index())

    def search_indexed_upto(self) -> int:
        self.attach_search()
        with self.lock:
            return search_index.indexed_upto(self.conn, "search")

    def close(self) -> None:
        if self._checkpointer is not None:
            self._stop_checkpoints.set()
            self._checkpointer.join(timeout=10)
            self._checkpointer = None
        if self._index_conn is not None:
            self._index_conn.close()
            self._index_conn = None
        with self.lock:
            self.conn.close()
