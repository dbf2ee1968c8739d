"""Endpoint rows: create, save, find, list, disable (cancelling pending attempts) and delete; the
queue counts and recent results a listing shows."""

from __future__ import annotations

from dataclasses import dataclass

from hookdev.models import Endpoint
from hookdev.store.base import QueriesBase
from hookdev.store.rows import ENDPOINT_COLUMNS, ENDPOINT_SELECT, endpoint_from_row, endpoint_row, marks


@dataclass
class EndpointCounts:
    backlog: int = 0  # due, waiting (on the rate limit or a busy dispatcher)
    pending: int = 0  # scheduled for later (retries)
    sending: int = 0


class EndpointQueries(QueriesBase):
    def insert_endpoint(self, endpoint: Endpoint) -> None:
        with self.lock:
            self.conn.execute(
                f"INSERT INTO endpoints ({', '.join(ENDPOINT_COLUMNS)}) VALUES ({marks(len(ENDPOINT_COLUMNS))})",
                endpoint_row(endpoint),
            )

    def save_endpoint(self, endpoint: Endpoint) -> bool:
        """Write every field of an existing endpoint; False if it is gone."""
        sets = ", ".join(f"{c} = ?" for c in ENDPOINT_COLUMNS[1:])
        with self.lock:
            cur = self.conn.execute(
                f"UPDATE endpoints SET {sets} WHERE id = ?", (*endpoint_row(endpoint)[1:], endpoint.id)
            )
        return cur.rowcount > 0

    def get_endpoint(self, endpoint_id: str) -> Endpoint | None:
        with self.lock:
            row = self.conn.execute(ENDPOINT_SELECT + " WHERE id = ?", (endpoint_id,)).fetchone()
        return None if row is None else endpoint_from_row(row)

    def find_endpoint(self, ref: str) -> Endpoint | None:
        """By exact id, else by a unique id prefix or suffix."""
        found = self.get_endpoint(ref)
        if found is not None:
            return found
        ids = self.id_matches("endpoints", ref, 2)
        return self.get_endpoint(ids[0]) if len(ids) == 1 else None

    def list_endpoints(self) -> list[Endpoint]:
        with self.lock:
            rows = self.conn.execute(ENDPOINT_SELECT + " ORDER BY created_at, id").fetchall()
        return [endpoint_from_row(r) for r in rows]

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
            row = conn.execute(ENDPOINT_SELECT + " WHERE id = ?", (endpoint_id,)).fetchone()
        return endpoint_from_row(row), canceled

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
