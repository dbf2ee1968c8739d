"""Endpoints, messages and attempts (the sender's tables).

The database is the truth for delivery: a pending attempt is a row with status ``pending`` and a
``scheduled_at``; a dispatcher claims due rows with a lease (owner + ``lease_until``) in one
``BEGIN IMMEDIATE`` transaction, so two processes never send the same attempt. Every write that
must not interleave with a claim (enqueue, finish, disable, delete) is one such transaction too.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from hookdev.models import Attempt, Endpoint, Message

_EP_COLUMNS = (
    "id",
    "url",
    "secret",
    "description",
    "events",
    "channels",
    "rate_limit",
    "headers",
    "disabled",
    "disabled_reason",
    "old_secrets",
    "managed",
    "created_at",
    "updated_at",
)
_EP_SELECT = f"SELECT {', '.join(_EP_COLUMNS)} FROM endpoints"

_MSG_COLUMNS = ("id", "event_type", "channels", "payload", "created_at", "fault", "time_scale")
_MSG_SELECT = f"SELECT {', '.join(_MSG_COLUMNS)} FROM messages"

_AT_COLUMNS = (
    "id",
    "message_id",
    "endpoint_id",
    "number",
    "trigger",
    "status",
    "scheduled_at",
    "started_at",
    "duration_ms",
    "status_code",
    "error",
    "response_headers",
    "response_body",
    "request_headers",
    "fault",
    "extra",
)
_AT_SELECT = f"SELECT {', '.join(_AT_COLUMNS)} FROM attempts"
_AT_INSERT = f"INSERT INTO attempts ({', '.join(_AT_COLUMNS)}) VALUES ({', '.join('?' * len(_AT_COLUMNS))})"

OPEN_STATUSES = ("pending", "sending")
# Claims and lookups by a set of ids go through SQLite in chunks below its variable limit.
_CHUNK = 500


def _ep_row(e: Endpoint) -> tuple[Any, ...]:
    return (
        e.id,
        e.url,
        e.secret,
        e.description,
        json.dumps(e.events),
        json.dumps(e.channels),
        e.rate_limit,
        json.dumps(e.headers),
        int(e.disabled),
        e.disabled_reason,
        json.dumps([[s, exp] for s, exp in e.old_secrets]),
        int(e.managed),
        e.created_at,
        e.updated_at,
    )


def _ep_from(r: tuple[Any, ...]) -> Endpoint:
    return Endpoint(
        id=r[0],
        url=r[1],
        secret=r[2],
        description=r[3],
        events=json.loads(r[4]),
        channels=json.loads(r[5]),
        rate_limit=r[6],
        headers=[(k, v) for k, v in json.loads(r[7])],
        disabled=bool(r[8]),
        disabled_reason=r[9],
        old_secrets=[(s, float(exp)) for s, exp in json.loads(r[10])],
        managed=bool(r[11]),
        created_at=r[12],
        updated_at=r[13],
    )


def _msg_from(r: tuple[Any, ...]) -> Message:
    return Message(
        id=r[0],
        event_type=r[1],
        channels=json.loads(r[2]),
        payload=bytes(r[3]),
        created_at=r[4],
        fault=r[5],
        time_scale=r[6],
    )


def _at_row(a: Attempt) -> tuple[Any, ...]:
    return (
        a.id,
        a.message_id,
        a.endpoint_id,
        a.number,
        a.trigger,
        a.status,
        a.scheduled_at,
        a.started_at,
        a.duration_ms,
        a.status_code,
        a.error,
        json.dumps(a.response_headers),
        a.response_body,
        json.dumps(a.request_headers),
        a.fault,
        json.dumps(a.extra),
    )


def _at_from(r: tuple[Any, ...]) -> Attempt:
    return Attempt(
        id=r[0],
        message_id=r[1],
        endpoint_id=r[2],
        number=r[3],
        trigger=r[4],
        status=r[5],
        scheduled_at=r[6],
        started_at=r[7],
        duration_ms=r[8],
        status_code=r[9],
        error=r[10],
        response_headers=[(k, v) for k, v in json.loads(r[11])],
        response_body=bytes(r[12]),
        request_headers=[(k, v) for k, v in json.loads(r[13])],
        fault=r[14],
        extra=json.loads(r[15]),
    )


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _marks(n: int) -> str:
    return ", ".join("?" * n)


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
            where.append(f"message_id IN ({_marks(len(self.message_ids))})")
            args += sorted(self.message_ids)
        if self.attempt_ids is not None:
            where.append(f"id IN ({_marks(len(self.attempt_ids))})")
            args += sorted(self.attempt_ids)
        if self.first_only:
            where.append("number = 1 AND trigger = 'scheduled'")
        return "".join(" AND " + w for w in where), args


@dataclass
class Claim:
    """What one claim pass got: attempts now ``sending`` under our lease, and when to look again."""

    attempts: list[Attempt]
    wake_at: float | None  # earliest pending attempt or rate-limit slot not claimed; None: nothing pending


@dataclass
class EndpointCounts:
    backlog: int = 0  # due, waiting (on the rate limit or a busy dispatcher)
    pending: int = 0  # scheduled for later (retries)
    sending: int = 0


class DeliveryQueries:
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

    # -- endpoints -----------------------------------------------------------------------------
    def insert_endpoint(self, endpoint: Endpoint) -> None:
        with self.lock:
            self.conn.execute(
                f"INSERT INTO endpoints ({', '.join(_EP_COLUMNS)}) VALUES ({_marks(len(_EP_COLUMNS))})",
                _ep_row(endpoint),
            )

    def save_endpoint(self, endpoint: Endpoint) -> bool:
        """Write every field of an existing endpoint; False if it is gone."""
        sets = ", ".join(f"{c} = ?" for c in _EP_COLUMNS[1:])
        with self.lock:
            cur = self.conn.execute(
                f"UPDATE endpoints SET {sets} WHERE id = ?", (*_ep_row(endpoint)[1:], endpoint.id)
            )
        return cur.rowcount > 0

    def get_endpoint(self, endpoint_id: str) -> Endpoint | None:
        with self.lock:
            row = self.conn.execute(_EP_SELECT + " WHERE id = ?", (endpoint_id,)).fetchone()
        return None if row is None else _ep_from(row)

    def find_endpoint(self, ref: str) -> Endpoint | None:
        """By exact id, else by a unique id prefix or suffix."""
        found = self.get_endpoint(ref)
        if found is not None:
            return found
        ids = self.id_matches("endpoints", ref, 2)
        return self.get_endpoint(ids[0]) if len(ids) == 1 else None

    def id_matches(self, table: str, ref: str, limit: int = 3) -> list[str]:
        """Ids in ``endpoints`` or ``messages`` that ``ref`` begins (with or without the ``ep_``/``msg_``
        prefix) or ends: what people copy from a listing."""
        prefix = {"endpoints": "ep_", "messages": "msg_"}.get(table)
        if prefix is None or not ref:
            return []
        like = _like(ref)
        with self.lock:
            rows = self.conn.execute(
                f"SELECT id FROM {table} WHERE id LIKE ? ESCAPE '\\' OR id LIKE ? ESCAPE '\\'"
                " OR id LIKE ? ESCAPE '\\' LIMIT ?",
                (like + "%", _like(prefix) + like + "%", "%" + like, limit),
            ).fetchall()
        return [r[0] for r in rows]

    def list_endpoints(self) -> list[Endpoint]:
        with self.lock:
            rows = self.conn.execute(_EP_SELECT + " ORDER BY created_at, id").fetchall()
        return [_ep_from(r) for r in rows]

    def set_endpoint_disabled(
        self, endpoint_id: str, disabled: bool, reason: str | None, now: float
    ) -> tuple[Endpoint | None, int]:
        """Disable (cancelling every pending attempt in the same transaction) or enable.

        Returns the endpoint (None if unknown) and how many pending attempts were cancelled.
        """
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE endpoints SET disabled = ?, disabled_reason = ?, updated_at = ? WHERE id = ?",
                (int(disabled), reason if disabled else None, now, endpoint_id),
            )
            if cur.rowcount == 0:
                return None, 0
            canceled = 0
            if disabled:
                canceled = conn.execute(
                    "UPDATE attempts SET status = 'canceled', error = ? WHERE endpoint_id = ? AND status = 'pending'",
                    (
                        f"canceled: endpoint disabled ({reason})"
                        if reason
                        else "canceled: endpoint disabled",
                        endpoint_id,
                    ),
                ).rowcount
            row = conn.execute(_EP_SELECT + " WHERE id = ?", (endpoint_id,)).fetchone()
        return _ep_from(row), canceled

    def delete_endpoint(self, endpoint_id: str) -> int | None:
        """Remove the endpoint and its attempts (never the messages). None if it did not exist."""
        with self._write() as conn:
            if conn.execute("DELETE FROM endpoints WHERE id = ?", (endpoint_id,)).rowcount == 0:
                return None
            return conn.execute("DELETE FROM attempts WHERE endpoint_id = ?", (endpoint_id,)).rowcount

    def endpoint_counts(self, now: float, endpoint_id: str | None = None) -> dict[str, EndpointCounts]:
        """Backlog, future retries and in-flight attempts of every endpoint that has any (or of one)."""
        out: dict[str, EndpointCounts] = {}
        one = " AND endpoint_id = ?" if endpoint_id is not None else ""
        with self.lock:
            rows = self.conn.execute(
                "SELECT endpoint_id, status, sum(scheduled_at <= ?), count(*) FROM attempts"
                f" WHERE status IN ('pending', 'sending'){one} GROUP BY endpoint_id, status",
                (now,) if endpoint_id is None else (now, endpoint_id),
            ).fetchall()
        for ep_id, status, due, total in rows:
            c = out.setdefault(ep_id, EndpointCounts())
            if status == "sending":
                c.sending = total
            else:
                c.backlog, c.pending = due, total - due
        return out

    def endpoint_recent_results(self, endpoint_id: str, limit: int = 100) -> list[str]:
        """Statuses (success/failed) of the endpoint's last ``limit`` finished attempts, newest first."""
        with self.lock:
            rows = self.conn.execute(
                "SELECT status FROM attempts WHERE endpoint_id = ? AND status IN ('success', 'failed')"
                " ORDER BY id DESC LIMIT ?",
                (endpoint_id, limit),
            ).fetchall()
        return [r[0] for r in rows]

    # -- messages ------------------------------------------------------------------------------
    def enqueue(self, messages: Iterable[Message], attempts: Iterable[Attempt]) -> list[Attempt]:
        """Insert messages and their first attempts in one transaction.

        An attempt whose endpoint was deleted or disabled meanwhile is left out; the attempts actually
        queued are returned.
        """
        queued: list[Attempt] = []
        with self._write() as conn:
            conn.executemany(
                f"INSERT INTO messages ({', '.join(_MSG_COLUMNS)}) VALUES ({_marks(len(_MSG_COLUMNS))})",
                [
                    (
                        m.id,
                        m.event_type,
                        json.dumps(m.channels),
                        m.payload,
                        m.created_at,
                        m.fault,
                        m.time_scale,
                    )
                    for m in messages
                ],
            )
            enabled = {r[0] for r in conn.execute("SELECT id FROM endpoints WHERE disabled = 0")}
            queued = [a for a in attempts if a.endpoint_id in enabled]
            conn.executemany(_AT_INSERT, [_at_row(a) for a in queued])
        return queued

    def get_message(self, message_id: str) -> Message | None:
        with self.lock:
            row = self.conn.execute(_MSG_SELECT + " WHERE id = ?", (message_id,)).fetchone()
        return None if row is None else _msg_from(row)

    def find_message(self, ref: str) -> Message | None:
        found = self.get_message(ref)
        if found is not None:
            return found
        ids = self.id_matches("messages", ref, 2)
        return self.get_message(ids[0]) if len(ids) == 1 else None

    def list_messages(
        self,
        *,
        limit: int | None = 50,
        event_type: str | None = None,
        before: tuple[float, str] | None = None,
    ) -> list[Message]:
        """Newest first. ``before`` = (created_at, id) of the last row seen, for paging."""
        where: list[str] = []
        args: list[Any] = []
        if event_type:
            where.append("event_type = ?")
            args.append(event_type)
        if before is not None:
            where.append("(created_at < ? OR (created_at = ? AND id < ?))")
            args += [before[0], before[0], before[1]]
        sql = _MSG_SELECT + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY created_at DESC, id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        with self.lock:
            rows = self.conn.execute(sql, args).fetchall()
        return [_msg_from(r) for r in rows]

    def count_messages(self) -> int:
        with self.lock:
            return int(self.conn.execute("SELECT count(*) FROM messages").fetchone()[0])

    # -- attempts ------------------------------------------------------------------------------
    def insert_attempts(self, attempts: Iterable[Attempt]) -> list[Attempt]:
        """Queue attempts (manual ones: replay, recover) for enabled endpoints, in one transaction."""
        with self._write() as conn:
            enabled = {r[0] for r in conn.execute("SELECT id FROM endpoints WHERE disabled = 0")}
            queued = [a for a in attempts if a.endpoint_id in enabled]
            conn.executemany(_AT_INSERT, [_at_row(a) for a in queued])
        return queued

    def get_attempt(self, attempt_id: str) -> Attempt | None:
        with self.lock:
            row = self.conn.execute(_AT_SELECT + " WHERE id = ?", (attempt_id,)).fetchone()
        return None if row is None else _at_from(row)

    def get_attempts(self, attempt_ids: Iterable[str]) -> list[Attempt]:
        ids = list(attempt_ids)
        out: list[Attempt] = []
        with self.lock:
            for chunk in _chunks(ids):
                out += [
                    _at_from(r)
                    for r in self.conn.execute(_AT_SELECT + f" WHERE id IN ({_marks(len(chunk))})", chunk)
                ]
        order = {a: i for i, a in enumerate(ids)}
        return sorted(out, key=lambda a: order[a.id])

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
            where.append(f"status IN ({_marks(len(st))})")
            args += st
        sql = _AT_SELECT if include_bodies else _AT_SELECT.replace(", response_body,", ", x'',", 1)
        sql += (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        with self.lock:
            rows = self.conn.execute(sql, args).fetchall()
        return [_at_from(r) for r in rows]

    def message_attempts(self, message_ids: Iterable[str], include_bodies: bool = False) -> list[Attempt]:
        """Every attempt of these messages, by message, endpoint and number."""
        ids = list(message_ids)
        sql = _AT_SELECT if include_bodies else _AT_SELECT.replace(", response_body,", ", x'',", 1)
        out: list[Attempt] = []
        with self.lock:
            for chunk in _chunks(ids):
                out += [
                    _at_from(r)
                    for r in self.conn.execute(
                        sql
                        + f" WHERE message_id IN ({_marks(len(chunk))}) ORDER BY message_id, endpoint_id, number",
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

    def claim_due(
        self,
        now: float,
        owner: str,
        lease_until: float,
        limit: int,
        filt: AttemptFilter | None = None,
        admit: Callable[[float | None, float | None, float], tuple[bool, float]] | None = None,
    ) -> Claim:
        """Claim up to ``limit`` due pending attempts, oldest first, in one transaction.

        ``admit(rate, slot, now) -> (admitted, slot')`` applies an endpoint's rate limit: attempts of a
        limited endpoint are claimed only when its slot has come, so the rest stay due and pending (its
        backlog). Once an endpoint is held back, the others are read through their own index
        (endpoint, status, scheduled_at), so a backlog of 100,000 never slows a claim for the others.
        """
        filt = filt or AttemptFilter()
        extra, fargs = filt.sql()
        p = filt.p
        due = f"{p}status = 'pending' AND {p}scheduled_at <= ?{extra}"
        claimed: list[str] = []
        blocked: dict[str, float] = {}
        slots: dict[str, tuple[float | None, float | None, bool]] = {}  # ep -> (rate, slot, changed)

        def take(rows: list[tuple[str, str, float]]) -> None:
            for attempt_id, ep_id, _ in rows:
                if len(claimed) >= limit:
                    return
                if ep_id in blocked:
                    continue
                if admit is not None:
                    if ep_id not in slots:
                        r = conn.execute("SELECT rate_limit, rate_next FROM endpoints WHERE id = ?", (ep_id,))
                        found = r.fetchone()
                        slots[ep_id] = (found[0], found[1], False) if found else (None, None, False)
                    rate, slot, _ = slots[ep_id]
                    if rate:
                        ok, slot = admit(rate, slot, now)
                        if not ok:
                            blocked[ep_id] = slot
                            continue
                        slots[ep_id] = (rate, slot, True)
                claimed.append(attempt_id)

        with self._write() as conn:
            take(
                conn.execute(
                    f"SELECT id, endpoint_id, scheduled_at FROM attempts WHERE {due} ORDER BY scheduled_at LIMIT ?",
                    [now, *fargs, limit],
                ).fetchall()
            )
            others = [r[0] for r in conn.execute("SELECT id FROM endpoints") if r[0] not in blocked]
            if blocked and len(claimed) < limit:
                rows: list[tuple[str, str, float]] = []
                for ep_id in others:
                    rows += conn.execute(
                        f"SELECT id, endpoint_id, scheduled_at FROM attempts WHERE endpoint_id = ? AND {due}"
                        " ORDER BY scheduled_at LIMIT ?",
                        [ep_id, now, *fargs, limit],
                    ).fetchall()
                rows.sort(key=lambda r: r[2])
                seen = set(claimed)
                take([r for r in rows if r[0] not in seen])
            for chunk in _chunks(claimed):
                conn.execute(
                    "UPDATE attempts SET status = 'sending', lease_owner = ?, lease_until = ?, started_at = ?"
                    f" WHERE id IN ({_marks(len(chunk))})",
                    [owner, lease_until, now, *chunk],
                )
            conn.executemany(
                "UPDATE endpoints SET rate_next = ? WHERE id = ?",
                [(slot, ep) for ep, (_, slot, changed) in slots.items() if changed],
            )
            wake: list[float] = list(blocked.values())
            pending = f"SELECT min(scheduled_at) FROM attempts WHERE {p}status = 'pending'{extra}"
            if blocked:  # the next attempt of an endpoint that is not held back, endpoint by endpoint
                for ep_id in others:
                    row = conn.execute(pending + " AND endpoint_id = ?", [*fargs, ep_id]).fetchone()
                    if row[0] is not None:
                        wake.append(float(row[0]))
            else:
                row = conn.execute(pending, fargs).fetchone()
                if row[0] is not None:
                    wake.append(float(row[0]))
            attempts = self.get_attempts(claimed)
        return Claim(attempts, min(wake) if wake else None)

    def abandoned_claims(self) -> list[tuple[str, str | None, float | None]]:
        """(id, lease_owner, lease_until) of every attempt in flight, for the lease check."""
        with self.lock:
            return [
                (r[0], r[1], r[2])
                for r in self.conn.execute(
                    "SELECT id, lease_owner, lease_until FROM attempts WHERE status = 'sending'"
                )
            ]

    def take_over(
        self, claims: Iterable[tuple[str, str | None]], owner: str, lease_until: float
    ) -> list[Attempt]:
        """Move in-flight attempts from a dead owner to ``owner``; only one taker can win each."""
        won: list[str] = []
        with self._write() as conn:
            for attempt_id, old_owner in claims:
                cur = conn.execute(
                    "UPDATE attempts SET lease_owner = ?, lease_until = ? WHERE id = ? AND status = 'sending'"
                    " AND lease_owner IS ?",
                    (owner, lease_until, attempt_id, old_owner),
                )
                if cur.rowcount:
                    won.append(attempt_id)
        return self.get_attempts(won)

    def finish_attempt(self, attempt: Attempt, owner: str, next_attempt: Attempt | None) -> Attempt | None:
        """Record the outcome of an attempt we hold, and queue its retry, in one transaction.

        Returns the retry actually queued. Nothing is written when the attempt is no longer ours
        (its endpoint was deleted); no retry is queued when the endpoint is gone or disabled, so a
        disable that raced with the attempt is never undone. A success cancels the delivery's other
        pending attempts: the consumer has the message.
        """
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE attempts SET status = ?, started_at = ?, duration_ms = ?, status_code = ?, error = ?,"
                " response_headers = ?, response_body = ?, request_headers = ?, fault = ?, extra = ?,"
                " lease_owner = NULL, lease_until = NULL WHERE id = ? AND status = 'sending' AND lease_owner = ?",
                (
                    attempt.status,
                    attempt.started_at,
                    attempt.duration_ms,
                    attempt.status_code,
                    attempt.error,
                    json.dumps(attempt.response_headers),
                    attempt.response_body,
                    json.dumps(attempt.request_headers),
                    attempt.fault,
                    json.dumps(attempt.extra),
                    attempt.id,
                    owner,
                ),
            )
            if cur.rowcount == 0:
                return None
            if attempt.status == "success":
                conn.execute(
                    "UPDATE attempts SET status = 'canceled', error = ? WHERE message_id = ? AND endpoint_id = ?"
                    " AND status = 'pending'",
                    (
                        f"canceled: delivered by attempt {attempt.number}",
                        attempt.message_id,
                        attempt.endpoint_id,
                    ),
                )
            if next_attempt is None:
                return None
            ok = conn.execute(
                "SELECT 1 FROM endpoints WHERE id = ? AND disabled = 0", (next_attempt.endpoint_id,)
            ).fetchone()
            if ok is None:
                return None
            conn.execute(_AT_INSERT, _at_row(next_attempt))
        return next_attempt

    def release_claim(self, attempt_id: str, owner: str) -> bool:
        """Give back a claimed attempt that was never sent: it is pending (and due) again."""
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE attempts SET status = 'pending', lease_owner = NULL, lease_until = NULL, started_at = NULL"
                " WHERE id = ? AND status = 'sending' AND lease_owner = ?",
                (attempt_id, owner),
            )
        return cur.rowcount > 0

    def failed_in_window(self, endpoint_id: str, since: float, until: float, limit: int = 10000) -> list[str]:
        """Messages whose delivery to the endpoint failed in [since, until] with no success since then."""
        with self.lock:
            rows = self.conn.execute(
                "SELECT DISTINCT a.message_id FROM attempts a WHERE a.endpoint_id = ? AND a.status = 'failed'"
                " AND a.started_at >= ? AND a.started_at <= ? AND NOT EXISTS (SELECT 1 FROM attempts s"
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


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
