"""The platform's retry schedule and the rules that bend it (Retry-After). Pure functions.

Attempt 1 is immediate; after each failure the next attempt waits 5 s, 5 min, 30 min, 2 h, 5 h,
10 h, 10 h: 8 attempts in all, the last 27 h 35 min 5 s after the first. Then the delivery is
failed (exhausted). Times here are platform seconds; the clock scales them.
"""

from __future__ import annotations

import email.utils
import math

RETRY_DELAYS: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000, 36000)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# A consumer's Retry-After can delay a retry, but not past a week (an absurd header must not park a
# delivery forever).
MAX_RETRY_AFTER = 7 * 86400.0
# Statuses whose Retry-After header is honoured.
RETRY_AFTER_STATUSES = frozenset({429, 503})


def offsets() -> list[float]:
    """Start of each attempt relative to the first: 0, 5, 305, 2105, 9305, 27305, 63305, 99305."""
    out = [0.0]
    for d in RETRY_DELAYS:
        out.append(out[-1] + d)
    return out


def next_delay(failed_number: int, retry_after: float | None = None) -> float | None:
    """Platform seconds to wait after attempt ``failed_number`` failed; None when it was the last.

    ``retry_after`` (from a 429/503) can only lengthen the wait: max(schedule, retry_after).
    """
    if failed_number < 1 or failed_number >= MAX_ATTEMPTS:
        return None
    delay = RETRY_DELAYS[failed_number - 1]
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return float(delay)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """A Retry-After header as seconds from ``now`` (epoch): delta-seconds or an HTTP date.

    Unparseable values are ignored (None), as a client must; a date in the past means 0.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


def describe(seconds: float) -> str:
    """A short human duration: 5s, 5m, 2h, 27h35m5s."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    parts = []
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        parts.append(f"{hours}h")
    if minutes:
        parts.append(f"{minutes}m")
    if secs:
        parts.append(f"{secs}s")
    return "".join(parts)


def countdown(seconds: float) -> str:
    """A wait until the next attempt, in the schedule's own units: whole minutes from a minute on (a
    30-minute retry reads ``30m``, never ``29m59s`` because a moment passed), whole seconds below."""
    seconds = max(0.0, seconds)
    if seconds >= 59.5:
        return describe(round(seconds / 60) * 60)
    return describe(seconds)
