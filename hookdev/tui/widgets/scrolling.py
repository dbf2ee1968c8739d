"""Keeping Line-API scroll views cheap to update while data streams in."""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.widget import Widget


def sync_virtual_size(view: ScrollView, size: Size, *, repaint: bool = True) -> None:
    """Set a scroll view's virtual size without a full layout unless the scrollbar appears or goes.

    ``virtual_size`` is a layout reactive: assigning it on every flush of a flood reflows the whole
    screen 10 times a second. Only the scrollbar and the lines change, so refresh just those
    (``repaint=False``: just the scrollbar, for a caller that knows the lines on screen stay).
    """
    if size == view.virtual_size:
        return
    height = view.size.height
    if view.is_mounted and (view.virtual_size.height > height) == (size.height > height):
        view.set_reactive(Widget.virtual_size, size)
        view._scroll_update(size)
        if repaint:
            view.refresh()
    else:
        view.virtual_size = size


def shift_scroll_y(view: ScrollView, lines: int) -> bool:
    """Scroll a line-API view by ``lines`` without redrawing it: for rows inserted above the ones on
    screen, which then stay where they are (only the scrollbar moves). False, and nothing changed,
    when the view cannot scroll that far (the caller redraws)."""
    old = view.scroll_y
    new = view.validate_scroll_y(old + lines)
    if new != old + lines:
        return False
    view.set_reactive(Widget.scroll_y, new)
    view.set_reactive(Widget.scroll_target_y, new)
    if view.show_vertical_scrollbar:
        view.vertical_scrollbar.position = new
    return True
