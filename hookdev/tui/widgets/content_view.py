"""A scrollable view of one Content (text with theme-variable styles), drawn with the Line API.

Unlike a Static in a scroll container, replacing its text never reflows the screen: only this
widget's lines are redrawn. The inbox detail changes on every cursor move, so this keeps key presses
fast while a flood of requests arrives.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from hookdev.tui.widgets.scrolling import sync_virtual_size


def wrap_lines(content: Content, width: int) -> list[Content]:
    """Lines of ``content`` folded to ``width``; only the lines that are too long go through wrap()."""
    if not content.plain:
        return []
    out: list[Content] = []
    for line in content.split("\n", allow_blank=True):
        out.extend([line] if line.cell_length <= width else line.wrap(width))
    return out


class ContentView(ScrollView, can_focus=True):
    """Content wrapped to the widget's width; scroll with the arrow keys when focused."""

    DEFAULT_CSS = """
    ContentView {
        background: $surface;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        padding: 0 1;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "scroll_up", "Scroll up", show=False),
        Binding("down", "scroll_down", "Scroll down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "scroll_home", "Top", show=False),
        Binding("end", "scroll_end", "Bottom", show=False),
    ]

    def __init__(
        self, content: Content | str = "", *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._content = Content(content) if isinstance(content, str) else content
        self._lines: list[Content] | None = None
        self._width = 0

    @property
    def content(self) -> Content:
        return self._content

    def update(self, content: Content | str, *, keep_scroll: bool = False) -> None:
        self._content = Content(content) if isinstance(content, str) else content
        self._lines = None
        self._wrap()
        if not keep_scroll:
            self.scroll_to(y=0, animate=False, immediate=True)
        self.refresh()

    def _wrap(self) -> list[Content]:
        width = max(1, self.scrollable_content_region.width)
        if self._lines is None or width != self._width:
            self._width = width
            self._lines = wrap_lines(self._content, width)
            sync_virtual_size(self, Size(width, len(self._lines)))
        return self._lines

    def on_resize(self) -> None:
        self._lines = None
        self._wrap()

    def render_line(self, y: int) -> Strip:
        lines = self._wrap()
        width = self.scrollable_content_region.width
        base = self.visual_style
        index = int(self.scroll_y) + y
        if index >= len(lines):
            return Strip.blank(width, base.rich_style)
        segments = [
            Segment(text, style.rich_style)
            for text, style in lines[index].render(base, end="", parse_style=self._get_style)
        ]
        return Strip(segments).crop_extend(0, width, base.rich_style)
