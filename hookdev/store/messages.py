"""Message rows: enqueue (messages and their first attempts in one transaction), find and list."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hookdev.models import Attempt, Message
from hookdev.store.base import QueriesBase
from hookdev.store.rows import (
    ATTEMPT_INSERT,
    MESSAGE_COLUMNS,
    MESSAGE_SELECT,
    attempt_row,
    marks,
    message_from_row,
    message_row,
)


class MessageQueries(QueriesBase):
    def enqueue(self, messages: Iterable[Message], attempts: Iterable[Attempt]) -> list[Attempt]:
        """Insert messages and their first attempts in one transaction.

        An attempt whose endpoint was deleted or disabled meanwhile is left out; the attempts actually
        queued are returned.
        """
        queued: list[Attempt] = []
        with self._write() as conn:
            conn.executemany(
                f"INSERT INTO messages ({', '.join(MESSAGE_COLUMNS)}) VALUES ({marks(len(MESSAGE_COLUMNS))})",
                [message_row(m) for m in messages],
            )
            enabled = {r[0] for r in conn.execute("SELECT id FROM endpoints WHERE disabled = 0")}
            queued = [a for a in attempts if a.endpoint_id in enabled]
            conn.executemany(ATTEMPT_INSERT, [attempt_row(a) for a in queued])
        return queued

    def get_message(self, message_id: str) -> Message | None:
        with self.lock:
            row = self.conn.execute(MESSAGE_SELECT + " WHERE id = ?", (message_id,)).fetchone()
        return None if row is None else message_from_row(row)

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
        sql = MESSAGE_SELECT + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY created_at DESC, id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        with self.lock:
            rows = self.conn.execute(sql, args).fetchall()
        return [message_from_row(r) for r in rows]

    def count_messages(self) -> int:
        with self.lock:
            return int(self.conn.execute("SELECT count(*) FROM messages").fetchone()[0])
