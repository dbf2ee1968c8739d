"""The inbox's data: a filtered, newest-first window over the captures table, paged in on demand.

The list widget asks for row ``i``; rows come from the store in pages of lightweight tuples (no bodies,
no headers kept), so 100,000 captures cost a few megabytes and the first screen one small query. New
captures arrive from the engine and are put on top without touching the store. Pure Python: the widget
that draws these rows is the only part that knows about Textual.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import NamedTuple

from hookdev import search
from hookdev.models import Capture
from hookdev.search import Query
from hookdev.store import Store

PAGE = 400
FIRST_PAGE = 100  # a screen or three: a new filter shows its first rows without loading a whole page
COUNT_AT_MOST = 5_000  # a filtered count stops here; the rest is counted as it is paged in
VERDICTS = ("all", "valid", "invalid", "unsigned", "duplicates")


class Row(NamedTuple):
    """What one line of the inbox shows."""

    id: str
    received_at: float
    method: str
    target: str
    event_type: str | None
    verified: bool | None
    status: int | None
    reason: str | None
    webhook_id: str | None
    forwarded: bool = False  # sent on to the developer's app (the status is then the app's answer)
    duplicate: bool = False  # its webhook-id was seen before
    replay: bool = False  # a replay of another capture

    @classmethod
    def of(cls, c: Capture, duplicate: bool = False) -> Row:
        target = c.path + (f"?{c.query}" if c.query else "")
        return cls(
            c.id,
            c.received_at,
            c.method,
            target,
            c.event_type,
            c.verified,
            c.status,
            c.reason,
            c.webhook_id,
            c.forwarded_to is not None,
            duplicate,
            c.replay_of is not None,
        )


@dataclass(frozen=True)
class Filter:
    """The inbox filter: the search text (hookdev.search's language), an event type, and a verdict
    (or "duplicates": captures whose webhook-id was seen before)."""

    text: str = ""
    event_type: str = ""
    verdict: str = "all"  # all | valid | invalid | unsigned | duplicates

    @property
    def active(self) -> bool:
        return bool(self.text or self.event_type or self.verdict != "all")

    @property
    def query(self) -> Query:
        q = search.parse(self.text)
        if self.event_type:
            q = replace(q, event_type=self.event_type)
        if self.verdict == "duplicates":
            q = replace(q, duplicate=True)
        elif self.verdict != "all":
            q = replace(q, verdict=self.verdict)
        return q

    @property
    def errors(self) -> tuple[str, ...]:
        return search.parse(self.text).errors

    def store_kwargs(self) -> dict[str, object]:
        return {"query": self.query}

    def matches(self, capture: Capture, duplicate: bool = False) -> bool:
        """The same test the store's SQL applies, for captures that arrive live."""
        return search.matches(self.query, capture, duplicate=duplicate)


class InboxModel:
    """Rows newest first: ``head`` holds live arrivals (appended), ``pages`` what the store returned."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.filter = Filter()
        self.total = 0
        self._head: list[Row] = []  # oldest first; index 0 of the list is _head[-1]
        self._pages: list[Row] = []  # newest first
        self._ids: set[str] = set()
        self._exhausted = False
        self.capped = False

    def __len__(self) -> int:
        return self.total

    @property
    def loaded(self) -> int:
        return len(self._head) + len(self._pages)

    def reload(self, filter_: Filter | None = None) -> None:
        """Start over (a new filter, a clear): count, then the first page."""
        if filter_ is not None:
            self.filter = filter_
        self._head.clear()
        self._pages.clear()
        self._ids.clear()
        self._exhausted = False
        kwargs = self.filter.store_kwargs()
        cap = COUNT_AT_MOST if self.filter.active else None
        self.total = self.store.count_captures(at_most=cap, **kwargs)  # type: ignore[arg-type]
        self.capped = cap is not None and self.total >= cap  # then ``total`` grows as rows are paged in
        self.ensure(FIRST_PAGE - 1)

    def ensure(self, index: int) -> None:
        """Page rows in from the store until ``index`` is loaded (or there are no more)."""
        while self.loaded <= index and not self._exhausted:
            before = (self._pages[-1].received_at, self._pages[-1].id) if self._pages else None
            size = FIRST_PAGE if not self._pages else PAGE
            got = self.store.list_captures(
                limit=size,
                before=before,
                include_body=False,
                **self.filter.store_kwargs(),  # type: ignore[arg-type]
            )
            if len(got) < size:
                self._exhausted = True
            seen = self.store.seen_before([c.id for c in got if c.webhook_id])
            for c in got:
                if c.id not in self._ids:
                    self._ids.add(c.id)
                    self._pages.append(Row.of(c, c.id in seen))
        if self._exhausted:
            self.total = self.loaded
            self.capped = False
        elif self.capped and self.loaded >= self.total:
            self.total = self.loaded + 1  # more to come: one row past what is loaded

    def row(self, index: int) -> Row | None:
        if index < 0 or index >= self.total:
            return None
        if index >= self.loaded:
            self.ensure(index)
            if index >= self.loaded:
                return None
        n = len(self._head)
        return self._head[n - 1 - index] if index < n else self._pages[index - n]

    def add(self, captures: Iterable[Capture]) -> int:
        """Put live arrivals on top; returns how many matched the filter (and were added)."""
        added = 0
        fresh = [c for c in captures if c.id not in self._ids]
        seen = self.store.seen_before([c.id for c in fresh if c.webhook_id])
        query = self.filter.query
        for c in fresh:
            if c.id in self._ids:
                continue
            row = Row.of(c, c.id in seen)
            if search.matches(query, c, duplicate=row.duplicate):
                self._ids.add(c.id)
                self._head.append(row)
                added += 1
        self.total += added
        return added

    def update(self, capture: Capture) -> bool:
        """Replace a row in place (a forwarded answer arrived); False when it is not loaded."""
        if capture.id not in self._ids:
            return False
        new = Row.of(capture, bool(self.store.seen_before([capture.id]) if capture.webhook_id else False))
        for rows in (self._head, self._pages):
            for i, r in enumerate(rows):
                if r.id == capture.id:
                    rows[i] = new
                    return True
        return False

    def remove(self, capture_id: str) -> bool:
        if capture_id not in self._ids:
            return False
        self._ids.discard(capture_id)
        for rows in (self._head, self._pages):
            for i, r in enumerate(rows):
                if r.id == capture_id:
                    del rows[i]
                    self.total -= 1
                    return True
        return False

    def index_of(self, capture_id: str) -> int | None:
        n = len(self._head)
        for i, r in enumerate(reversed(self._head)):
            if r.id == capture_id:
                return i
        for i, r in enumerate(self._pages):
            if r.id == capture_id:
                return n + i
        return None

    def event_types(self) -> list[str]:
        """Event types seen in the loaded rows (for the filter's suggestions)."""
        return sorted({r.event_type for r in (*self._head, *self._pages) if r.event_type})
