"""Keeping Line-API scroll views cheap to update while data streams in."""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.widget import Widget


def sync_virtual_size(view: ScrollView, size: Size) -> None:
    """Set a scroll view's virtual size without a full layout unless the scrollbar appears or goes.

    ``virtual_size`` is a layout reactive: assigning it on every flush of a flood reflows the whole
    screen 10 times a second. Only the scrollbar and the lines change, so refresh just those.
    """
    if size == view.virtual_size:
        return
    height = view.size.height
    if view.is_mounted and (view.virtual_size.height > height) == (size.height > height):
        view.set_reactive(Widget.virtual_size, size)
        view._scroll_update(size)
        view.refresh()
    else:
        view.virtual_size = size
