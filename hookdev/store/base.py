"""What every query mixin shares: the connection, its lock, the write transaction and id lookup."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from hookdev.store.rows import like


class QueriesBase:
    conn: sqlite3.Connection
    lock: threading.RLock

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (``BEGIN IMMEDIATE``) so it serialises with claims."""
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def id_matches(self, table: str, ref: str, limit: int = 3) -> list[str]:
        """Ids in ``endpoints`` or ``messages`` that ``ref`` begins (with or without the ``ep_``/``msg_``
        prefix) or ends: what people copy from a listing."""
        prefix = {"endpoints": "ep_", "messages": "msg_"}.get(table)
        if prefix is None or not ref:
            return []
        pattern = like(ref)
        with self.lock:
            rows = self.conn.execute(
                f"SELECT id FROM {table} WHERE id LIKE ? ESCAPE '\\' OR id LIKE ? ESCAPE '\\'"
                " OR id LIKE ? ESCAPE '\\' LIMIT ?",
                (pattern + "%", like(prefix) + pattern + "%", "%" + pattern, limit),
            ).fetchall()
        return [str(r[0]) for r in rows]
