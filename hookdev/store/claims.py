"""Claims: a dispatcher takes due attempts under a lease (owner + ``lease_until``) in one
``BEGIN IMMEDIATE`` transaction, so two processes never send the same attempt; it records the outcome
and queues the retry in one transaction too, takes over the claims of a dead owner, or gives one back.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from hookdev.models import Attempt
from hookdev.store.attempts import AttemptFilter, fetch_attempts
from hookdev.store.base import QueriesBase
from hookdev.store.rows import ATTEMPT_INSERT, attempt_row, chunks, marks


@dataclass
class Claim:
    """What one claim pass got: attempts now ``sending`` under our lease, and when to look again."""

    attempts: list[Attempt]
    wake_at: float | None  # earliest pending attempt or rate-limit slot not claimed; None: nothing pending


class ClaimQueries(QueriesBase):
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
            for chunk in chunks(claimed):
                conn.execute(
                    "UPDATE attempts SET status = 'sending', lease_owner = ?, lease_until = ?, started_at = ?"
                    f" WHERE id IN ({marks(len(chunk))})",
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
            attempts = fetch_attempts(conn, claimed)
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
        with self.lock:
            return fetch_attempts(self.conn, won)

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
            conn.execute(ATTEMPT_INSERT, attempt_row(next_attempt))
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
