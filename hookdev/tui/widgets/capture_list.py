"""The inbox list: a Line-API scroll view that draws only the visible rows of an InboxModel.

No widget per row: ``render_line`` asks the model for row ``scroll_y + y`` (a small tuple paged in from
the store on demand), so 10,000 or 1,000,000 captures cost the same to draw. Line 0 is a sticky header.

A drawn row is kept (an LRU of Strips keyed by the row, the width and its cursor/mark state; emptied
when the styles or the theme change): while a flood pours in, every flush shifts the rows down a few
lines and only the new ones are drawn afresh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from hookdev.models import Capture
from hookdev.textsafe import visible
from hookdev.tui.inbox_model import Filter, InboxModel, Row
from hookdev.tui.widgets.scrolling import shift_scroll_y, sync_virtual_size

_BADGES = {True: ("✓ valid", "valid"), False: ("✗ invalid", "invalid"), None: ("· unsigned", "unsigned")}
FORWARD_MARK = " → app"  # after the path of a request forwarded to the developer's app
STRIP_CACHE = 1024  # drawn rows kept: a few screens' worth at any height


def _fit(text: str, width: int) -> str:
    if width <= 0:
        return ""
    if len(text) > width:
        return text[: max(0, width - 1)] + "…"
    return text.ljust(width)


@dataclass(frozen=True)
class Columns:
    """Column widths for a given total width (the event-type column goes first when space is short)."""

    path: int
    event: int

    @classmethod
    def for_width(cls, width: int) -> Columns:
        fixed = 1 + 8 + 2 + 6 + 2 + 2 + 10 + 2 + 3 + 1
        rest = max(0, width - fixed)
        event = min(26, rest // 2) if rest >= 30 else 0
        return cls(path=rest - event - (2 if event else 0), event=event)


class CaptureList(ScrollView, can_focus=True):
    """Captured requests, newest first, with a cursor; follows new arrivals while the cursor is on top."""

    DEFAULT_CSS = """
    CaptureList {
        background: $surface;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
    }
    CaptureList > .capture-list--header { color: $text-muted; text-style: bold; }
    CaptureList > .capture-list--cursor { background: $panel-lighten-2; }
    CaptureList:focus > .capture-list--cursor { background: $primary 45%; text-style: bold; }
    CaptureList > .capture-list--valid { color: $success; }
    CaptureList > .capture-list--invalid { color: $error; }
    CaptureList > .capture-list--unsigned { color: $text-muted; }
    CaptureList > .capture-list--muted { color: $text-muted; }
    CaptureList > .capture-list--error-status { color: $error; }
    CaptureList > .capture-list--hint { color: $text-muted; }
    CaptureList > .capture-list--key { color: $accent; text-style: bold; }
    CaptureList > .capture-list--forwarded { color: $text-accent; }
    CaptureList > .capture-list--duplicate { color: $text-warning; text-style: bold; }
    CaptureList > .capture-list--marked { color: $text-accent; text-style: bold reverse; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "capture-list--header",
        "capture-list--cursor",
        "capture-list--valid",
        "capture-list--invalid",
        "capture-list--unsigned",
        "capture-list--muted",
        "capture-list--error-status",
        "capture-list--hint",
        "capture-list--key",
        "capture-list--forwarded",
        "capture-list--duplicate",
        "capture-list--marked",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "first", "Newest", show=False),
        Binding("end,G", "last", "Oldest", show=False),
    ]

    cursor: reactive[int] = reactive(0, init=False, always_update=True, repaint=False)
    """Index of the highlighted row (0 = newest). No repaint of its own: ``watch_cursor`` redraws the two
    rows whose highlight changed (or all of them when the view scrolled)."""

    class Highlighted(Message):
        """The cursor moved to another capture (or the list became empty: ``capture_id`` None).

        ``by_user`` is False when new arrivals moved it (the list follows the top), so a listener
        can wait for a flood to pass before loading the detail.
        """

        def __init__(self, capture_id: str | None, by_user: bool = True) -> None:
            super().__init__()
            self.capture_id = capture_id
            self.by_user = by_user

    def __init__(self, model: InboxModel, *, utc: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.model = model
        self.utc = utc
        self.empty_hint: list[tuple[str, str]] = []
        """Shown when the inbox is empty: (text, component) pieces; ``\\n`` starts a new line."""
        self._highlighted_id: str | None = None
        self._by_user = True
        self.marked_id: str | None = None
        """A capture marked for a diff (drawn with a marker)."""
        self._styles: dict[str, Style] = {}
        self._base = Style()
        self._width = 0
        self._strips: LRUCache[tuple[Row, int, bool, bool], Strip] = LRUCache(STRIP_CACHE)

    # -- data -----------------------------------------------------------------------------------
    def reload(self, filter_: Filter | None = None) -> None:
        self.model.reload(filter_)
        self._sync_size()
        self.cursor = 0
        self.scroll_to(y=0, animate=False, immediate=True)
        self.refresh()

    def add(self, captures: Iterable[Capture]) -> int:
        """Put new captures on top; keep the cursor on the same capture unless it was following the top.

        Not following, the view scrolls down by as many rows as arrived: the rows on screen stay put
        and are not redrawn (a flood then costs the scrollbar, not the list, every flush)."""
        added = self.model.add(captures)
        if not added:
            return 0
        following = self.cursor == 0 and self.scroll_y == 0
        self._sync_size(repaint=False)
        if following:
            self._by_user = False
            self.cursor = 0
            self._by_user = True
            self.refresh()
        else:
            self.set_reactive(CaptureList.cursor, self.cursor + added)
            if not shift_scroll_y(self, added):
                self.scroll_to(y=self.scroll_y + added, animate=False, immediate=True)
                self.refresh()
        return added

    def update(self, capture: Capture) -> None:
        if self.model.update(capture):
            self.refresh()

    def remove_capture(self, capture_id: str) -> None:
        if self.model.remove(capture_id):
            self._sync_size()
            self.cursor = min(self.cursor, max(0, len(self.model) - 1))
            self.refresh()

    def select_id(self, capture_id: str) -> bool:
        index = self.model.index_of(capture_id)
        if index is None:
            return False
        self.cursor = index
        return True

    @property
    def highlighted_id(self) -> str | None:
        row = self.model.row(self.cursor)
        return row.id if row is not None else None

    def _sync_size(self, *, repaint: bool = True) -> None:
        sync_virtual_size(self, Size(self.size.width, len(self.model) + 1), repaint=repaint)

    # -- cursor ---------------------------------------------------------------------------------
    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self.model) - 1)) if len(self.model) else 0

    def watch_cursor(self, old: int, value: int) -> None:
        if self.virtual_size.height != len(self.model) + 1:  # a capped count grew as rows paged in
            self._sync_size()
        top = int(self.scroll_y)
        self._scroll_to_cursor()
        if int(self.scroll_y) == top:  # only the two rows whose highlight changed (row i is line i + 1)
            self.refresh_line(old + 1)
            self.refresh_line(value + 1)
        else:
            self.refresh()
        row_id = self.highlighted_id
        if row_id != self._highlighted_id:
            self._highlighted_id = row_id
            self.post_message(self.Highlighted(row_id, self._by_user))

    def _visible_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_to_cursor(self) -> None:
        rows = self._visible_rows()
        top = int(self.scroll_y)
        if self.cursor < top:
            top = self.cursor
        elif self.cursor >= top + rows:
            top = self.cursor - rows + 1
        if top != int(self.scroll_y):
            self.scroll_to(y=top, animate=False, immediate=True)

    def action_cursor(self, delta: int) -> None:
        self.cursor += delta

    def action_page(self, direction: int) -> None:
        self.cursor += direction * self._visible_rows()

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.model.ensure(len(self.model))  # page everything in: the count may shrink to what exists
        while self.model.capped:  # a search whose count stopped early: on to its real end
            self.model.ensure(len(self.model))
        self._sync_size()
        self.cursor = len(self.model) - 1

    def on_resize(self, event: events.Resize) -> None:
        self._sync_size()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:  # the header
            return
        index = int(self.scroll_y) + offset.y - 1
        if index < len(self.model):
            self.cursor = index

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._forget_styles()

    # -- drawing --------------------------------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        # Styles are looked up once (until the theme or focus changes), not once per line: the lookups
        # cost more than drawing the rows.
        if not self._styles:
            self._styles = {
                name.removeprefix("capture-list--"): self.get_component_rich_style(name)
                for name in self.COMPONENT_CLASSES
            }
            self._base = self.rich_style
        self._width = self.scrollable_content_region.width
        return super().render_lines(crop)

    def _forget_styles(self) -> None:
        self._styles = {}
        self._strips.clear()
        self.refresh()

    def on_focus(self) -> None:
        self._forget_styles()

    def on_blur(self) -> None:
        self._forget_styles()

    def render_line(self, y: int) -> Strip:
        if not self._styles:  # called outside render_lines
            return Strip.blank(self.size.width)
        width = self._width
        base = self._base
        if y == 0:
            return Strip(self._header(width), width).crop_extend(0, width, base)
        if not len(self.model):
            return self._hint_line(y - 1, width, base)
        index = int(self.scroll_y) + y - 1
        row = self.model.row(index)
        if row is None:
            return Strip.blank(width, base)
        key = (row, width, index == self.cursor, row.id == self.marked_id)
        strip = self._strips.get(key)
        if strip is None:
            segments = self._row(row, width, base)
            if index == self.cursor:
                segments = list(Segment.apply_style(segments, post_style=self._style("cursor")))
            strip = self._strips[key] = Strip(segments).crop_extend(0, width, base)
        return strip

    def _style(self, name: str) -> Style:
        return self._styles[name]

    def _header(self, width: int) -> list[Segment]:
        cols = Columns.for_width(width)
        text = " " + "TIME".ljust(8) + "  " + "METHOD" + "  " + _fit("PATH", cols.path)
        if cols.event:
            text += "  " + _fit("EVENT TYPE", cols.event)
        text += "  " + "VERDICT".ljust(10) + "  " + "ANS"
        return [Segment(text.ljust(width), self._base + self._style("header"))]

    def _time(self, ts: float) -> str:
        when = dt.datetime.fromtimestamp(ts, dt.UTC) if self.utc else dt.datetime.fromtimestamp(ts)
        return when.strftime("%H:%M:%S")

    def _row(self, row: Row, width: int, base: Style) -> list[Segment]:
        cols = Columns.for_width(width)
        muted = base + self._style("muted")
        badge, kind = _BADGES[row.verified]
        status = "-" if row.status is None else str(row.status)
        status_style = base + self._style("error-status") if row.status and row.status >= 400 else base
        marked = row.id == self.marked_id
        out = [
            Segment("◆" if marked else " ", base + self._style("marked") if marked else base),
            Segment(self._time(row.received_at) + "  ", muted),
            Segment(visible(row.method)[:6].ljust(6) + "  ", base),
        ]
        path_width = cols.path
        if path_width > 12:  # replays and repeated webhook-ids are marked before the path
            if row.replay:
                out.append(Segment("↻ ", base + self._style("forwarded")))
                path_width -= 2
            if row.duplicate:
                out.append(Segment("dup ", base + self._style("duplicate")))
                path_width -= 4
        if row.forwarded and path_width > len(FORWARD_MARK) + 8:
            out += [
                Segment(_fit(visible(row.target), path_width - len(FORWARD_MARK)), base),
                Segment(FORWARD_MARK, base + self._style("forwarded")),
            ]
        else:
            out.append(Segment(_fit(visible(row.target), path_width), base))
        if cols.event:
            out.append(
                Segment(
                    "  " + _fit(visible(row.event_type or "-"), cols.event),
                    muted if not row.event_type else base,
                )
            )
        out.append(Segment("  " + badge.ljust(10), base + self._style(kind)))
        out.append(Segment("  " + status.rjust(3) + " ", status_style))
        return out

    def _hint_line(self, y: int, width: int, base: Style) -> Strip:
        lines: list[list[tuple[str, str]]] = [[]]
        for text, component in self.empty_hint:
            parts = text.split("\n")
            for i, part in enumerate(parts):
                if i:
                    lines.append([])
                if part:
                    lines[-1].append((part, component))
        y -= 1  # one blank line under the header
        if not 0 <= y < len(lines):
            return Strip.blank(width, base)
        segments = [Segment("  ", base)] + [
            Segment(text, base + self._style(component) if component else base)
            for text, component in lines[y]
        ]
        return Strip(segments).crop_extend(0, width, base)
