"""Small text helpers the TUI's widgets share."""

from __future__ import annotations


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis when it is longer."""
    return text if len(text) <= width else text[: width - 1] + "…"
