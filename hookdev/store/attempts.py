"""Attempt rows: queue manual attempts, find and list them, count what is open, find what is due."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hookdev.models import Attempt
from hookdev.store.base import QueriesBase
from hookdev.store.rows import (
    ATTEMPT_INSERT,
    ATTEMPT_SELECT,
    ATTEMPT_SELECT_NO_BODY,
    attempt_from_row,
    attempt_row,
    chunks,
    marks,
)


@dataclass
class AttemptFilter:
    """Which attempts a dispatcher works on (None: all of them)."""

    message_ids: frozenset[str] | None = None
    attempt_ids: frozenset[str] | None = None
    first_only: bool = False

    @property
    def p(self) -> str:
        """Prefix for the status/scheduled_at columns: ``+`` (no index) when the ids are the selective
        part, so SQLite looks them up by id instead of walking every due attempt of the workspace."""
        return "+" if self.message_ids is not None or self.attempt_ids is not None else ""

    def sql(self) -> tuple[str, list[Any]]:
        where: list[str] = []
        args: list[Any] = []
        if self.message_ids is not None:
            where.append(f"message_id IN ({marks(len(self.message_ids))})")
            args += sorted(self.message_ids)
        if self.attempt_ids is not None:
            where.append(f"id IN ({marks(len(self.attempt_ids))})")
            args += sorted(self.attempt_ids)
        if self.first_only:
            where.append("number = 1 AND trigger = 'scheduled'")
        return "".join(" AND " + w for w in where), args


def fetch_attempts(conn: sqlite3.Connection, attempt_ids: Iterable[str]) -> list[Attempt]:
    """The attempts with these ids, in the order given (the caller holds the lock)."""
    ids = list(attempt_ids)
    out: list[Attempt] = []
    for chunk in chunks(ids):
        out += [
            attempt_from_row(r)
            for r in conn.execute(ATTEMPT_SELECT + f" WHERE id IN ({marks(len(chunk))})", chunk)
        ]
    order = {a: i for i, a in enumerate(ids)}
    return sorted(out, key=lambda a: order[a.id])


class AttemptQueries(QueriesBase):
    def insert_attempts(self, attempts: Iterable[Attempt]) -> list[Attempt]:
        """Queue attempts (manual ones: replay, recover) for enabled endpoints, in one transaction."""
        with self._write() as conn:
            enabled = {r[0] for r in conn.execute("SELECT id FROM endpoints WHERE disabled = 0")}
            queued = [a for a in attempts if a.endpoint_id in enabled]
            conn.executemany(ATTEMPT_INSERT, [attempt_row(a) for a in queued])
        return queued

    def get_attempt(self, attempt_id: str) -> Attempt | None:
        with self.lock:
            row = self.conn.execute(ATTEMPT_SELECT + " WHERE id = ?", (attempt_id,)).fetchone()
        return None if row is None else attempt_from_row(row)

    def get_attempts(self, attempt_ids: Iterable[str]) -> list[Attempt]:
        with self.lock:
            return fetch_attempts(self.conn, attempt_ids)

    def list_attempts(
        self,
        *,
        endpoint_id: str | None = None,
        message_id: str | None = None,
        statuses: Iterable[str] | None = None,
        limit: int | None = 50,
        include_bodies: bool = True,
    ) -> list[Attempt]:
        """Newest first (by creation)."""
        where: list[str] = []
        args: list[Any] = []
        if endpoint_id is not None:
            where.append("endpoint_id = ?")
            args.append(endpoint_id)
        if message_id is not None:
            where.append("message_id = ?")
            args.append(message_id)
        if statuses is not None:
            st = list(statuses)
            where.append(f"status IN ({marks(len(st))})")
            args += st
        sql = ATTEMPT_SELECT if include_bodies else ATTEMPT_SELECT_NO_BODY
        sql += (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        with self.lock:
            rows = self.conn.execute(sql, args).fetchall()
        return [attempt_from_row(r) for r in rows]

    def message_attempts(self, message_ids: Iterable[str], include_bodies: bool = False) -> list[Attempt]:
        """Every attempt of these messages, by message, endpoint and number."""
        ids = list(message_ids)
        sql = ATTEMPT_SELECT if include_bodies else ATTEMPT_SELECT_NO_BODY
        out: list[Attempt] = []
        with self.lock:
            for chunk in chunks(ids):
                out += [
                    attempt_from_row(r)
                    for r in self.conn.execute(
                        sql
                        + f" WHERE message_id IN ({marks(len(chunk))}) ORDER BY message_id, endpoint_id, number",
                        chunk,
                    )
                ]
        return out

    def count_open(self, filt: AttemptFilter | None = None) -> int:
        """Attempts still pending or in flight (within ``filt``)."""
        filt = filt or AttemptFilter()
        extra, args = filt.sql()
        with self.lock:
            return int(
                self.conn.execute(
                    f"SELECT count(*) FROM attempts WHERE {filt.p}status IN ('pending', 'sending'){extra}",
                    args,
                ).fetchone()[0]
            )

    def next_due(self, filt: AttemptFilter | None = None) -> float | None:
        """``scheduled_at`` of the earliest pending attempt: one descent of the (status, scheduled_at) index."""
        filt = filt or AttemptFilter()
        extra, args = filt.sql()
        with self.lock:
            row = self.conn.execute(
                f"SELECT scheduled_at FROM attempts WHERE {filt.p}status = 'pending'{extra}"
                " ORDER BY scheduled_at LIMIT 1",
                args,
            ).fetchone()
        return None if row is None else float(row[0])

    def failed_in_window(self, endpoint_id: str, since: float, until: float, limit: int = 10000) -> list[str]:
        """Messages whose delivery to the endpoint failed in [since, until] with no success since then.

        Deliveries of `hookdev check` (``extra.check``) are left out: a refused tampered event is the
        consumer being right, not a delivery to recover."""
        with self.lock:
            rows = self.conn.execute(
                "SELECT DISTINCT a.message_id FROM attempts a WHERE a.endpoint_id = ? AND a.status = 'failed'"
                " AND a.started_at >= ? AND a.started_at <= ? AND json_extract(a.extra, '$.check') IS NULL"
                " AND NOT EXISTS (SELECT 1 FROM attempts s"
                " WHERE s.message_id = a.message_id AND s.endpoint_id = a.endpoint_id AND s.status = 'success'"
                " AND s.started_at >= a.started_at) ORDER BY a.message_id LIMIT ?",
                (endpoint_id, since, until, limit),
            ).fetchall()
        return [r[0] for r in rows]

    def reschedule_pending(self, message_id: str, endpoint_id: str, when: float) -> Attempt | None:
        """Make the pending (not yet claimed) attempt of a delivery due at ``when``; None if there is none."""
        with self._write() as conn:
            row = conn.execute(
                "SELECT id FROM attempts WHERE message_id = ? AND endpoint_id = ? AND status = 'pending'"
                " ORDER BY number DESC LIMIT 1",
                (message_id, endpoint_id),
            ).fetchone()
            if row is None:
                return None
            conn.execute(
                "UPDATE attempts SET scheduled_at = ? WHERE id = ? AND status = 'pending'", (when, row[0])
            )
        return self.get_attempt(row[0])

    def last_attempt_number(self, message_id: str, endpoint_id: str) -> int:
        with self.lock:
            row = self.conn.execute(
                "SELECT max(number) FROM attempts WHERE message_id = ? AND endpoint_id = ?",
                (message_id, endpoint_id),
            ).fetchone()
        return int(row[0] or 0)
