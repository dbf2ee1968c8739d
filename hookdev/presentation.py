"""Plain, UI-free renderings shared by every surface: timestamps, delays, verdict words and the JSON
shapes of a capture. No colours here: the CLI styles them in ``hookdev.cli.render``, the TUI in
``hookdev.tui.badges``."""

from __future__ import annotations

import base64
import datetime as dt
import time
from typing import Any

from hookdev.models import Capture
from hookdev.redact import headers_json

_iso_second: tuple[int, str] = (-1, "")


def iso(ts: float | None) -> str | None:
    """``ts`` as ISO 8601 UTC with milliseconds (``2026-01-02T03:04:05.678Z``), the same text as
    ``datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")`` with ``Z``. The
    second's text is cached: this runs for every ``listen --json`` line."""
    global _iso_second
    if ts is None:
        return None
    if not 0 <= ts < 1e11:  # not a plain current time: the general path
        return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    second = int(ts)
    micro = round((ts - second) * 1e6)  # what datetime does: half-even to the microsecond
    if micro >= 1_000_000:
        second, micro = second + 1, micro - 1_000_000
    cached, text = _iso_second
    if cached != second:
        text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        _iso_second = (second, text)
    return f"{text}.{micro // 1000:03d}Z"


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


def human_delay(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
