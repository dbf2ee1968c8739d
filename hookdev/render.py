"""The old home of the renderings, kept so older imports still work: the plain ones live in
``hookdev.presentation``, the CLI's coloured lines in ``hookdev.cli.render`` (loaded only when asked
for, so the core never loads click)."""

from __future__ import annotations

from typing import Any

from hookdev.presentation import capture_detail_json, capture_json, clock, human_delay, iso, verdict_word

__all__ = ["capture_detail_json", "capture_json", "clock", "human_delay", "iso", "verdict_word"]


def __getattr__(name: str) -> Any:
    if name in ("capture_line", "attempt_line"):
        from hookdev.cli import render

        return getattr(render, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
