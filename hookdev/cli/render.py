"""The CLI's text lines: captures and attempts, coloured with click (the JSON shapes are the core's,
in ``hookdev.presentation``)."""

from __future__ import annotations

import time

import click

from hookdev.models import Attempt, Capture
from hookdev.presentation import (
    capture_detail_json,
    capture_json,
    clock,
    human_delay,
    iso,
    verdict_word,
)
from hookdev.textsafe import visible

__all__ = [
    "attempt_line",
    "capture_detail_json",
    "capture_json",
    "capture_line",
    "clock",
    "human_delay",
    "iso",
    "verdict_word",
]


def _status_style(status: int | None) -> str:
    text = "-" if status is None else str(status)
    color = "green" if status and status < 300 else "yellow" if status and status < 500 else "red"
    return click.style(text, fg=color)


def capture_line(c: Capture) -> str:
    verdict = verdict_word(c.verified)
    color = {"valid": "green", "invalid": "red", "unsigned": "bright_black"}[verdict]
    badge = click.style(
        f"{'✓' if c.verified else '✗' if c.verified is False else '·'} {verdict:<8}", fg=color
    )
    target = visible(c.path + (f"?{c.query}" if c.query else ""))
    parts = [
        clock(c.received_at),
        f"{visible(c.method):<6}",
        f"{target[:40]:<40}",
        f"{visible(c.event_type or '-')[:24]:<24}",
        badge,
        _status_style(c.status),
    ]
    line = "  ".join(parts)
    if c.verified is False and c.reason:
        line += click.style(f"  {visible(c.reason)}", fg="red")
    if c.forwarded_to:
        line += click.style(f"  -> {visible(c.forwarded_to)}", fg="bright_black")
        if c.forward_error:
            line += click.style(f" ({visible(c.forward_error)})", fg="red")
    return line


def attempt_line(a: Attempt, next_attempt: Attempt | None = None, now: float | None = None) -> str:
    now = time.time() if now is None else now
    outcome = str(a.status_code) if a.status_code is not None else visible(a.error or a.status)
    color = "green" if a.status == "success" else "red" if a.status == "failed" else "yellow"
    line = (
        f"{clock(a.started_at or a.scheduled_at)}  deliver {a.message_id} -> {a.endpoint_id} "
        f"attempt {a.number}: " + click.style(f"{a.status} ({outcome})", fg=color)
    )
    if a.duration_ms is not None:
        line += f" in {a.duration_ms:.0f} ms"
    if next_attempt is not None:
        line += f", retry {next_attempt.number} in {human_delay(next_attempt.scheduled_at - now)}"
    return line
