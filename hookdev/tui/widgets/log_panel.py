"""The log panel: engine LogLines and uvicorn/httpx records land here, never over the screen.

A Line-API view over a bounded deque of plain tuples, so a flood of log lines costs no widgets, and
level colours come from the active theme at draw time.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable
from typing import ClassVar, NamedTuple

from rich.segment import Segment
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from hookdev.textsafe import visible
from hookdev.tui.widgets.scrolling import sync_virtual_size

MAX_LINES = 2000


class LogEntry(NamedTuple):
    at: float
    level: str  # info | warning | error
    text: str
    source: str


class LogPanel(ScrollView):
    """The last MAX_LINES log lines, following the end unless scrolled up."""

    DEFAULT_CSS = """
    LogPanel {
        height: 6;
        border-top: solid $panel-lighten-2;
        border-title-color: $text-muted;
        background: $surface;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
    }
    LogPanel > .log-panel--time { color: $text-muted; }
    LogPanel > .log-panel--source { color: $text-muted; }
    LogPanel > .log-panel--warning { color: $warning; }
    LogPanel > .log-panel--error { color: $error; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "log-panel--time",
        "log-panel--source",
        "log-panel--warning",
        "log-panel--error",
    }

    def __init__(self, now: Callable[[], float], *, utc: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self._now = now
        self._utc = utc
        self.entries: deque[LogEntry] = deque(maxlen=MAX_LINES)
        self.border_title = "log"

    def add(self, level: str, text: str, source: str = "hookdev") -> None:
        at_end = self.scroll_y >= self.max_scroll_y
        for line in text.splitlines() or [""]:
            self.entries.append(LogEntry(self._now(), level, line, source))
        sync_virtual_size(self, Size(self.size.width, len(self.entries)))
        if at_end:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
            if self.scroll_y < len(self.entries) - self.scrollable_content_region.height:
                # the scrollbar just appeared: the new size applies at the next layout, follow then
                self.call_after_refresh(self.scroll_end, animate=False, immediate=True, x_axis=False)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        index = int(self.scroll_y) + y
        if index >= len(self.entries):
            return Strip.blank(width, base)
        entry = self.entries[index]
        when = dt.datetime.fromtimestamp(entry.at, dt.UTC if self._utc else None).strftime("%H:%M:%S")
        segments = [Segment(f" {when}  ", base + self.get_component_rich_style("log-panel--time"))]
        if entry.source != "hookdev":
            segments.append(
                Segment(
                    entry.source.split(".")[0] + ": ",
                    base + self.get_component_rich_style("log-panel--source"),
                )
            )
        style = base
        if entry.level in ("warning", "error"):
            style = base + self.get_component_rich_style(f"log-panel--{entry.level}")
        segments.append(Segment(visible(entry.text), style))
        return Strip(segments).crop_extend(0, width, base)
