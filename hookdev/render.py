"""Plain renderings of captures and attempts shared by the CLI (text lines and JSON objects)."""

from __future__ import annotations

import base64
import datetime as dt
import time
from typing import Any

import click

from hookdev.models import Attempt, Capture
from hookdev.redact import headers_json


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def clock(ts: float | None) -> str:
    return "--:--:--" if ts is None else dt.datetime.fromtimestamp(ts).strftime("%H:%M:%S")


def verdict_word(verified: bool | None) -> str:
    return "unsigned" if verified is None else "valid" if verified else "invalid"


def capture_json(c: Capture) -> dict[str, Any]:
    """The request object of `listen --json` lines and `inbox --json` (Authorization redacted)."""
    return {
        "id": c.id,
        "received_at": iso(c.received_at),
        "method": c.method,
        "path": c.path,
        "query": c.query,
        "headers": headers_json(c.headers),
        "body_size": c.body_size,
        "scheme": c.scheme,
        "webhook_id": c.webhook_id,
        "event_type": c.event_type,
        "verified": c.verified,
        "reason": c.reason,
        "status": c.status,
    }


def capture_detail_json(c: Capture) -> dict[str, Any]:
    out = capture_json(c)
    out.update(
        client=c.client,
        truncated=c.truncated,
        matched_secret=c.matched_secret,
        timestamp_skew=c.timestamp_skew,
        route=c.route,
        forwarded_to=c.forwarded_to,
        forward_status=c.forward_status,
        forward_error=c.forward_error,
        forward_ms=c.forward_ms,
        response_headers=headers_json(c.response_headers),
        response_body=c.response_body.decode("utf-8", "replace"),
        body_base64=base64.b64encode(c.body).decode(),
    )
    try:
        out["body_text"] = c.body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return out


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
    target = c.path + (f"?{c.query}" if c.query else "")
    parts = [
        clock(c.received_at),
        f"{c.method:<6}",
        f"{target[:40]:<40}",
        f"{(c.event_type or '-')[:24]:<24}",
        badge,
        _status_style(c.status),
    ]
    line = "  ".join(parts)
    if c.verified is False and c.reason:
        line += click.style(f"  {c.reason}", fg="red")
    if c.forwarded_to:
        line += click.style(f"  -> {c.forwarded_to}", fg="bright_black")
        if c.forward_error:
            line += click.style(f" ({c.forward_error})", fg="red")
    return line


def human_delay(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def attempt_line(a: Attempt, next_attempt: Attempt | None = None, now: float | None = None) -> str:
    now = time.time() if now is None else now
    outcome = str(a.status_code) if a.status_code is not None else (a.error or a.status)
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
