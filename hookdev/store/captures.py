"""Captured requests: one insert per request, filtered listings, lookups."""

from __future__ import annotations

import functools
import itertools
import json
import sqlite3
import threading
from typing import Any

from hookdev.models import Capture
from hookdev.search import Query, is_glob
from hookdev.store.search_index import fts_phrase, single_word, trigram_phrase

# A capture whose webhook-id an earlier capture had (served by the partial index on webhook_id).
_SEEN_BEFORE = (
    "captures.webhook_id IS NOT NULL AND EXISTS (SELECT 1 FROM captures e WHERE e.webhook_id = captures.webhook_id"
    " AND (e.received_at < captures.received_at OR (e.received_at = captures.received_at AND e.id < captures.id)))"
)
_BODY_TEXT = "CAST(captures.body AS TEXT)"


def _like(text: str) -> str:
    """A LIKE pattern (case-insensitive for ASCII) finding ``text`` anywhere, with ``\\`` as the escape."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


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
    "replay_of",
)
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM captures"
_INSERT = f"INSERT INTO captures ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"


# Rows in one multi-row INSERT: larger batches take executemany, so at most 64 such statements sit
# in the connection's statement cache (128).
_MULTI_MAX = 64
_ROW_MARKS = "(" + ", ".join("?" * len(_COLUMNS)) + ")"


@functools.lru_cache(maxsize=_MULTI_MAX)
def _insert_many(n: int) -> str:
    return f"INSERT INTO captures ({', '.join(_COLUMNS)}) VALUES " + ", ".join([_ROW_MARKS] * n)


_JSON_ANSWER = [("content-type", "application/json")]
_JSON_ANSWER_TEXT = json.dumps(_JSON_ANSWER)


_ascii = json.encoder.encode_basestring_ascii  # json.dumps of one str, in C


def _headers_text(headers: list[tuple[str, str]]) -> str:
    """``json.dumps(headers)``, the text the headers columns hold (searches match on it), written
    without the generic encoder for the usual list of pairs of strings (it ran for every request)."""
    if headers == _JSON_ANSWER:
        return _JSON_ANSWER_TEXT
    try:
        return "[" + ", ".join([f"[{_ascii(k)}, {_ascii(v)}]" for k, v in headers]) + "]"
    except (TypeError, ValueError):  # not pairs of str: whatever json.dumps makes of it
        return json.dumps(headers)


def _to_row(c: Capture) -> tuple[Any, ...]:
    return (
        c.id,
        c.received_at,
        c.method,
        c.path,
        c.query,
        _headers_text(c.headers),
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
        c.replay_of,
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
        replay_of=r[26],
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
                    elif len(good) <= _MULTI_MAX:
                        # One statement, one implicit transaction: SQLite inserts and commits the
                        # whole batch in a single call (which runs without Python's GIL).
                        self.conn.execute(_insert_many(len(good)), list(itertools.chain.from_iterable(good)))
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
        query: Query | None = None,
    ) -> list[Capture]:
        """Newest first. ``before`` = (received_at, id) of the last row seen, for paging. ``query``: the
        search language (hookdev.search), bodies and headers included."""
        where, args = self._capture_filter(verified, unsigned, event_type, path, text)
        if query is not None:
            more, more_args = self._query_filter(query)
            where += more
            args += more_args
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
        query: Query | None = None,
        at_most: int | None = None,
    ) -> int:
        """How many match; ``at_most``: stop counting there (a search matching 30,000 rows needn't)."""
        where, args = self._capture_filter(verified, unsigned, event_type, path, text)
        if query is not None:
            more, more_args = self._query_filter(query)
            where += more
            args += more_args
        sql = "SELECT count(*) FROM captures" + (" WHERE " + " AND ".join(where) if where else "")
        if at_most is not None and where:
            sql = f"SELECT count(*) FROM (SELECT 1 FROM captures WHERE {' AND '.join(where)} LIMIT ?)"
            args.append(at_most)
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

    def find_replay(self, original_id: str, since: float) -> str | None:
        """The newest capture a receiver made of a replay of ``original_id`` since ``since``."""
        with self.lock:
            row = self.conn.execute(
                "SELECT id FROM captures WHERE replay_of = ? AND received_at >= ?"
                " AND ifnull(client, '') != 'hookdev replay' ORDER BY received_at DESC LIMIT 1",
                (original_id, since),
            ).fetchone()
        return None if row is None else str(row[0])

    def replays_of(self, original_id: str) -> list[str]:
        """Ids of the captures replaying ``original_id``, oldest first."""
        with self.lock:
            rows = self.conn.execute(
                "SELECT id FROM captures WHERE replay_of = ? ORDER BY received_at", (original_id,)
            ).fetchall()
        return [str(r[0]) for r in rows]

    def _query_filter(self, q: Query) -> tuple[list[str], list[Any]]:
        """SQL for a Query: the same test as ``hookdev.search.matches``. Bodies and headers are found
        through the FTS5 index (rows not yet indexed: by a scan), then checked on the row itself."""
        where: list[str] = []
        args: list[Any] = []
        upto = self._indexed_upto() if q.needs_body else 0

        def text_like(column: str, pattern: str) -> None:
            if is_glob(pattern):
                where.append(f"lower(ifnull({column}, '')) GLOB ?")
                args.append(pattern.lower())
            else:
                where.append(f"instr(lower(ifnull({column}, '')), ?) > 0")
                args.append(pattern.lower())

        def fts(columns: str, text: str) -> tuple[str, list[Any]]:
            """Candidates from the word index (rows not indexed yet: all of them), or "" without words."""
            phrase = fts_phrase(text)
            if phrase is None or upto < 0:
                return "", []
            sub = "SELECT rowid FROM search.captures_fts WHERE captures_fts MATCH ?"
            return f"(captures.rowid > ? OR captures.rowid IN ({sub}))", [upto, f"{{{columns}}} : {phrase}"]

        def exact(
            candidates: str, cand_args: list[Any], check: str, check_args: list[Any], trusted: bool
        ) -> None:
            """Candidates checked on the row itself; ``trusted``: the index is exact for indexed rows."""
            if not candidates:
                where.append(f"({check})")
                args.extend(check_args)
            elif trusted:
                where.append(f"({candidates} AND (captures.rowid <= ? OR {check}))")
                args.extend([*cand_args, upto, *check_args])
            else:
                where.append(f"({candidates} AND {check})")
                args.extend([*cand_args, *check_args])

        if q.verdict == "unsigned":
            where.append("verified IS NULL")
        elif q.verdict in ("valid", "invalid"):
            where.append("verified = ?")
            args.append(int(q.verdict == "valid"))
        if q.event_type is not None:
            text_like("event_type", q.event_type)
        if q.path is not None:
            text_like("path", q.path)
        if q.method is not None:
            where.append("method = ?")
            args.append(q.method)
        if q.status is not None:
            where.append("status BETWEEN ? AND ?")
            args += list(q.status)
        if q.duplicate:
            where.append(_SEEN_BEFORE)
        if q.replay:
            where.append("replay_of IS NOT NULL")
        for i in q.ids:
            where.append("(id LIKE ? OR id LIKE ?)")
            args += [i + "%", "%" + i]
        for w in q.webhook_ids:
            text_like("webhook_id", w)
        for b in q.body:
            clause, clause_args = fts("body", b)
            exact(clause, clause_args, f"{_BODY_TEXT} LIKE ? ESCAPE '\\'", [_like(b)], single_word(b))
        for name, value in q.headers:
            clause, clause_args = fts("headers", f"{name} {value or ''}")
            needle = json.dumps(name)[:-1] + '", "'  # '"name", "' as the headers column stores it
            pattern = _like(needle) + (_like(value)[1:] if value else "")
            exact(clause, clause_args, "headers LIKE ? ESCAPE '\\'", [pattern], False)
        columns = ("path", "method", "event_type", "reason", "webhook_id", "id")
        for w in q.words:
            meta = " OR ".join(f"instr(lower(ifnull({c}, '')), ?) > 0" for c in columns)
            check = f"({meta} OR {_BODY_TEXT} LIKE ? ESCAPE '\\' OR headers LIKE ? ESCAPE '\\')"
            check_args = [w.lower()] * len(columns) + [_like(w), _like(w)]
            grams = trigram_phrase(w)
            if grams is None or upto < 0:  # under 3 characters (or no index): every row is checked
                exact("", [], check, check_args, False)
                continue
            subs = ["SELECT rowid FROM search.meta_fts WHERE meta_fts MATCH ?"]
            sub_args: list[Any] = [grams]
            phrase = fts_phrase(w)
            if phrase is not None:
                subs.append("SELECT rowid FROM search.captures_fts WHERE captures_fts MATCH ?")
                sub_args.append(f"{{body headers}} : {phrase}")
            candidates = f"(captures.rowid > ? OR captures.rowid IN ({' UNION '.join(subs)}))"
            exact(candidates, [upto, *sub_args], check, check_args, single_word(w))
        return where, args

    def _indexed_upto(self) -> int:
        """How far the search index goes; without the background indexer, it is brought up to date.

        -1 when there is no usable index (search.db cannot be opened): every row is then checked."""
        store: Any = self
        try:
            if not store.indexing_in_background:
                store.index_captures()
            return int(store.search_indexed_upto())
        except sqlite3.Error:
            return -1

    def seen_before(self, capture_ids: list[str]) -> set[str]:
        """Which of these captures carry a webhook-id that an earlier capture already had."""
        if not capture_ids:
            return set()
        out: set[str] = set()
        with self.lock:
            for start in range(0, len(capture_ids), 500):
                chunk = capture_ids[start : start + 500]
                marks = ", ".join("?" * len(chunk))
                rows = self.conn.execute(
                    f"SELECT id FROM captures WHERE id IN ({marks}) AND {_SEEN_BEFORE}", chunk
                ).fetchall()
                out.update(str(r[0]) for r in rows)
        return out

    def duplicates_of(self, webhook_id: str) -> tuple[int, str | None]:
        """How many captures carry ``webhook_id``, and the first one."""
        with self.lock:
            row = self.conn.execute(
                "SELECT count(*), (SELECT id FROM captures WHERE webhook_id = ?1 ORDER BY received_at, id LIMIT 1)"
                " FROM captures WHERE webhook_id = ?1",
                (webhook_id,),
            ).fetchone()
        return int(row[0]), row[1]

    def captures_per_second(self, since: float, until: float) -> dict[int, int]:
        """Captures received in each whole second from ``since`` to ``until`` (served by the time index)."""
        with self.lock:
            rows = self.conn.execute(
                "SELECT CAST(received_at AS INTEGER), count(*) FROM captures"
                " WHERE received_at >= ? AND received_at < ? GROUP BY 1",
                (since, until),
            ).fetchall()
        return {int(r[0]): int(r[1]) for r in rows}

    def verdict_counts(self) -> dict[str, int]:
        """How many captures are valid, invalid and unsigned."""
        with self.lock:
            rows = self.conn.execute("SELECT verified, count(*) FROM captures GROUP BY verified").fetchall()
        names = {1: "valid", 0: "invalid", None: "unsigned"}
        out = {"valid": 0, "invalid": 0, "unsigned": 0}
        for verified, count in rows:
            out[names.get(verified, "unsigned")] += int(count)
        return out

    def delete_capture(self, capture_id: str) -> bool:
        with self.lock:
            return self.conn.execute("DELETE FROM captures WHERE id = ?", (capture_id,)).rowcount > 0

    def clear_captures(self) -> int:
        store: Any = self
        with self.lock:
            removed = int(self.conn.execute("DELETE FROM captures").rowcount)
            store.reset_search()  # rowids start over: the old index entries must not stay
        return removed
