"""Check runs (``hookdev check``): each run is one row (its results as JSON); its deliveries are
ordinary messages and finished manual attempts, tagged ``extra["check"]``, so Deliveries shows them."""

from __future__ import annotations

import json
from typing import Any

from hookdev.models import Attempt, Message
from hookdev.store.base import QueriesBase
from hookdev.store.rows import ATTEMPT_INSERT, MESSAGE_COLUMNS, attempt_row, marks, message_row

_MSG_INSERT = f"INSERT INTO messages ({', '.join(MESSAGE_COLUMNS)}) VALUES ({marks(len(MESSAGE_COLUMNS))})"


class CheckQueries(QueriesBase):
    def record_check_delivery(self, message: Message, attempt: Attempt) -> None:
        """A check's message and its FINISHED attempt, in one transaction (never pending: no dispatcher
        may send it again), whatever the endpoint's state (a check target may be disabled)."""
        assert attempt.status not in ("pending", "sending"), "record an attempt once it finished"
        with self._write() as conn:
            conn.execute(_MSG_INSERT, message_row(message))
            conn.execute(ATTEMPT_INSERT, attempt_row(attempt))

    def save_check_run(self, run: Any) -> None:
        """Insert or replace a run (a :class:`hookdev.check.model.Run`)."""
        data = run.to_json()
        with self.lock:
            self.conn.execute(
                "INSERT OR REPLACE INTO check_runs (id, started_at, finished_at, endpoint_id, url, scheme, "
                "verdict, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run.id,
                    run.started_at,
                    run.finished_at,
                    run.endpoint_id,
                    run.url,
                    run.scheme,
                    run.verdict,
                    json.dumps(data),
                ),
            )

    def list_check_runs(self, limit: int = 50, endpoint_id: str | None = None) -> list[dict[str, Any]]:
        """Newest first, as the JSON each run was saved with."""
        sql = "SELECT data FROM check_runs"
        args: list[Any] = []
        if endpoint_id is not None:
            sql += " WHERE endpoint_id = ?"
            args.append(endpoint_id)
        sql += " ORDER BY started_at DESC, id DESC LIMIT ?"
        args.append(limit)
        with self.lock:
            rows = self.conn.execute(sql, args).fetchall()
        return [json.loads(r[0]) for r in rows]

    def get_check_run(self, ref: str) -> dict[str, Any] | None:
        """A run by id, or by a prefix/suffix of it that matches one run."""
        with self.lock:
            row = self.conn.execute("SELECT data FROM check_runs WHERE id = ?", (ref,)).fetchone()
            if row is None and ref:
                rows = self.conn.execute(
                    "SELECT data FROM check_runs WHERE id LIKE ? OR id LIKE ? LIMIT 2",
                    (ref.replace("%", "") + "%", "%" + ref.replace("%", "")),
                ).fetchall()
                row = rows[0] if len(rows) == 1 else None
        return None if row is None else json.loads(row[0])
