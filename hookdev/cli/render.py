"""The CLI's text lines: captures and attempts, coloured with click (the JSON shapes are the core's,
in ``hookdev.presentation``)."""

from __future__ import annotations

import time

import click

from hookdev.delivery.schedule import countdown
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
    "outcome_text",
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


def outcome_text(a: Attempt) -> str:
    """The result of an attempt in a few words: ``503 in 4 ms``, an error, or "" while it is open."""
    if a.status in ("pending", "sending"):
        return ""
    if a.status_code is not None:
        text = str(a.status_code)
        if a.error:
            text += f" ({visible(a.error)})"
    else:
        text = visible(a.error or a.status)
    if a.duration_ms is not None and a.status in ("success", "failed"):
        text += f" in {a.duration_ms:.0f} ms"
    return text


def attempt_line(
    a: Attempt,
    next_attempt: Attempt | None = None,
    scale: float = 1.0,
    now: float | None = None,
    *,
    listing: bool = False,
    endpoint_name: str | None = None,
    route: bool = True,
) -> str:
    """The CLI's one line for an attempt, wherever one is shown.

    As it happens (``listen``, ``send``, ``dispatch``, ``replay``, ``recover``):
    ``msg_.. -> ep_..  attempt 2: 503 in 4 ms; retry 3 in 5m (3.0 s at time scale 100)``.
    In a log (``listing``: ``hookdev attempts``, ``messages show``), the trigger and the state are
    spelled out, since a listed attempt may be pending or canceled:
    ``msg_.. -> orders-app  attempt 2 (retry) failed: 503 in 4 ms [check stale] [fault: ...]``.
    ``endpoint_name`` shows instead of the endpoint id (hookdev.toml names); ``route=False`` leaves out
    ``msg -> ep`` (a line under its message's delivery to that endpoint)."""
    color = "green" if a.status == "success" else "red" if a.status == "failed" else "yellow"
    head = f"attempt {a.number}"
    if route:
        head = f"{a.message_id} -> {visible(endpoint_name or a.endpoint_id)}  {head}"
    outcome = outcome_text(a)
    if listing:
        line = (
            f"{head} ({a.trigger}) " + click.style(a.status, fg=color) + (f": {outcome}" if outcome else "")
        )
    else:
        line = (
            f"{head}" + (" (manual)" if a.trigger == "manual" else "") + ": " + click.style(outcome, fg=color)
        )
    check = a.extra.get("check")
    if isinstance(check, dict) and check.get("check"):
        line += click.style(f" [check {visible(str(check['check']))}]", fg="cyan")
    if a.fault:
        note = a.extra.get("fault_note")
        line += click.style(f" [fault: {a.fault}{', ' + note if note else ''}]", fg="magenta")
    if next_attempt is not None:
        if now is None:  # as of when this attempt ended: the schedule's own delay ("5m", never "4m59s")
            ended = (
                a.started_at + a.duration_ms / 1000 if a.started_at and a.duration_ms is not None else None
            )
            now = ended if ended is not None else time.time()
        wait = max(0.0, next_attempt.scheduled_at - now)
        delay = next_attempt.extra.get("delay")  # the schedule's own figure, when the dispatcher kept it
        shown = delay if isinstance(delay, int | float) and not isinstance(delay, bool) else wait * scale
        line += f"; retry {next_attempt.number} in {countdown(shown)}"
        if scale != 1:
            line += f" ({wait:.1f} s at time scale {scale:g})"
    elif a.status == "failed":
        if a.extra.get("exhausted"):
            line += "; failed: all 8 attempts used"
        elif a.trigger == "manual" and not listing:
            line += "; manual attempt, no retries"
        elif a.status_code == 410:
            line += "; endpoint disabled"
    return line
