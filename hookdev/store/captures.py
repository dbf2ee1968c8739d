"""Captured requests: one insert per request, filtered listings, lookups."""

from __future__ import annotations

import json
import sqlite3
import threading
from typing import Any

from hookdev.models import Capture

_COLUMNS = (
    "id",
    "received_at",
    "method",
    "path",
    "query",
    "headers",
    "body",
    "body_size",
    "truncated",
    "client",
    "scheme",
    "webhook_id",
    "event_type",
    "verified",
    "reason",
    "matched_secret",
    "timestamp_skew",
    "status",
    "response_headers",
    "response_body",
    "route",
    "forwarded_to",
    "forward_status",
    "forward_error",
    "forward_ms",
    "receiver_url",
)
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM captures"
_INSERT = f"INSERT INTO captures ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"


_JSON_ANSWER = [("content-type", "application/json")]
_JSON_ANSWER_TEXT = json.dumps(_JSON_ANSWER)


def _headers_text(headers: list[tuple[str, str]]) -> str:
    return _JSON_ANSWER_TEXT if headers == _JSON_ANSWER else json.dumps(headers)


def _to_row(c: Capture) -> tuple[Any, ...]:
    return (
        c.id,
        c.received_at,
        c.method,
        c.path,
        c.query,
        json.dumps(c.headers),
        c.body,
        c.body_size,
        int(c.truncated),
        c.client,
        c.scheme,
        c.webhook_id,
        c.event_type,
        None if c.verified is None else int(c.verified),
        c.reason,
        c.matched_secret,
        c.timestamp_skew,
        c.status,
        _headers_text(c.response_headers),
        c.response_body,
        c.route,
        c.forwarded_to,
        c.forward_status,
        c.forward_error,
        c.forward_ms,
        c.receiver_url,
    )


def _store_error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def _from_row(r: tuple[Any, ...]) -> Capture:
    return Capture(
        id=r[0],
        received_at=r[1],
        method=r[2],
        path=r[3],
        query=r[4],
        headers=[tuple(h) for h in json.loads(r[5])],
        body=bytes(r[6]),
        body_size=r[7],
        truncated=bool(r[8]),
        client=r[9],
        scheme=r[10],
        webhook_id=r[11],
        event_type=r[12],
        verified=None if r[13] is None else bool(r[13]),
        reason=r[14],
        matched_secret=r[15],
        timestamp_skew=r[16],
        status=r[17],
        response_headers=[tuple(h) for h in json.loads(r[18])],
        response_body=bytes(r[19]),
        route=r[20],
        forwarded_to=r[21],
        forward_status=r[22],
        forward_error=r[23],
        forward_ms=r[24],
        receiver_url=r[25],
    )


class CaptureQueries:
    conn: sqlite3.Connection
    lock: threading.RLock

    def insert_capture(self, capture: Capture) -> None:
        """Insert and commit (autocommit mode): once this returns the row is durable."""
        with self.lock:
            self.conn.execute(_INSERT, _to_row(capture))

    def insert_captures(self, captures: list[Capture]) -> list[str | None]:
        """Insert several in one transaction (the receiver's group commit); one error (or None) per row.

        A row that cannot be stored never costs the others theirs: when the batch fails, every row is
        inserted on its own, and only the rows that fail again report an error.
        """
        if not captures:
            return []
        with self.lock:
            rows: list[tuple[Any, ...] | None] = []
            errors: list[str | None] = []
            for capture in captures:
                try:
                    rows.append(_to_row(capture))
                    errors.append(None)
                except Exception as e:  # a value that cannot become a row (bad JSON text, ...)
                    rows.append(None)
                    errors.append(_store_error(e))
            good = [row for row in rows if row is not None]
            if len(good) == len(rows):
                try:
                    if len(good) == 1:
                        self.conn.execute(_INSERT, good[0])
                    else:
                        self.conn.execute("BEGIN")
                        try:
                            self.conn.executemany(_INSERT, good)
                        except BaseException:
                            self.conn.execute("ROLLBACK")
                            raise
                        self.conn.execute("COMMIT")
                    return errors
                except Exception:
                    pass  # isolate the bad row(s) below
            for i, row in enumerate(rows):
                if row is None:
                    continue
                try:
                    self.conn.execute(_INSERT, row)
                except Exception as e:
                    errors[i] = _store_error(e)
            return errors

    def update_capture_response(self, capture: Capture) -> None:
        with self.lock:
            self.conn.execute(
                "UPDATE captures SET status = ?, response_headers = ?, response_body = ?, forwarded_to = ?,"
                " forward_status = ?, forward_error = ?, forward_ms = ? WHERE id = ?",
                (
                    capture.status,
                    json.dumps(capture.response_headers),
                    capture.response_body,
                    capture.forwarded_to,
                    capture.forward_status,
                    capture.forward_error,
                    capture.forward_ms,
                    capture.id,
                ),
            )

    def update_capture_verdict(self, capture: Capture) -> None:
        with self.lock:
            self.conn.execute(
                "UPDATE captures SET scheme = ?, verified = ?, reason = ?, matched_secret = ?,"
                " timestamp_skew = ? WHERE id = ?",
                (
                    capture.scheme,
                    None if capture.verified is None else int(capture.verified),
                    capture.reason,
                    capture.matched_secret,
                    capture.timestamp_skew,
                    capture.id,
                ),
            )

    def get_capture(self, capture_id: str) -> Capture | None:
        with self.lock:
            row = self.conn.execute(_SELECT + " WHERE id = ?", (capture_id,)).fetchone()
        return None if row is None else _from_row(row)

    def find_capture(self, prefix: str) -> Capture | None:
        """By exact id, else by a unique id prefix or suffix (what people copy from a listing)."""
        found = self.get_capture(prefix)
        if found is not None:
            return found
        with self.lock:
            rows = self.conn.execute(
                _SELECT + " WHERE id LIKE ? OR id LIKE ? LIMIT 2", (prefix + "%", "%" + prefix)
            ).fetchall()
        return _from_row(rows[0]) if len(rows) == 1 else None

    def list_captures(
        self,
        *,
        limit: int | None = 50,
        verified: bool | None = None,
        unsigned: bool = False,
        event_type: str | None = None,
        path: str | None = None,
        text: str | None = None,
        before: tuple[float, str] | None = None,
        include_body: bool = True,
    ) -> list[Capture]:
        """Newest first. ``before`` = (received_at, id) of the last row seen, for paging."""
        where, args = self._capture_filter(verified, unsigned, event_type, path, text)
        if before is not None:
            where.append("(received_at < ? OR (received_at = ? AND id < ?))")
            args += [before[0], before[0], before[1]]
        sql = _SELECT if include_body else _SELECT.replace(", body,", ", x'',", 1)
        sql += (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY received_at DESC, id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        with self.lock:
            rows = self.conn.execute(sql, args).fetchall()
        return [_from_row(r) for r in rows]

    def count_captures(
        self,
        *,
        verified: bool | None = None,
        unsigned: bool = False,
        event_type: str | None = None,
        path: str | None = None,
        text: str | None = None,
    ) -> int:
        where, args = self._capture_filter(verified, unsigned, event_type, path, text)
        sql = "SELECT count(*) FROM captures" + (" WHERE " + " AND ".join(where) if where else "")
        with self.lock:
            return int(self.conn.execute(sql, args).fetchone()[0])

    @staticmethod
    def _capture_filter(
        verified: bool | None, unsigned: bool, event_type: str | None, path: str | None, text: str | None
    ) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        args: list[Any] = []
        if unsigned:
            where.append("verified IS NULL")
        elif verified is not None:
            where.append("verified = ?")
            args.append(int(verified))
        if event_type:
            where.append("event_type = ?")
            args.append(event_type)
        if path:
            where.append("path = ?")
            args.append(path)
        if text:
            like = f"%{text}%"
            where.append(
                "(path LIKE ? OR method LIKE ? OR ifnull(event_type, '') LIKE ? OR ifnull(reason, '') LIKE ?"
                " OR ifnull(webhook_id, '') LIKE ? OR id LIKE ?)"
            )
            args += [like] * 6
        return where, args

    def delete_capture(self, capture_id: str) -> bool:
        with self.lock:
            return self.conn.execute("DELETE FROM captures WHERE id = ?", (capture_id,)).rowcount > 0

    def clear_captures(self) -> int:
        with self.lock:
            return self.conn.execute("DELETE FROM captures").rowcount
