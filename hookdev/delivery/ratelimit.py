"""Per-endpoint rate limit: messages per second, evenly spaced, never dropped. Pure functions.

The limit is a cell rate (GCRA with a burst of one): each send reserves the slot ``1 / rate``
seconds after the previous one. The slot is kept in the database with the endpoint, so every
dispatcher of a workspace shares it, and attempts over the limit simply stay ``pending`` and due,
in order: that is the endpoint's backlog.

A dispatcher that wakes a little late may use the missed slot (catch-up of at most one interval),
so lateness does not add up and the measured rate stays on the configured one.
"""

from __future__ import annotations

from dataclasses import dataclass

# Waking this early for a slot still counts as on time (timer granularity).
TOLERANCE = 0.002


@dataclass(frozen=True)
class Admission:
    admitted: bool
    next_at: float  # admitted: the slot the following send must wait for; else: when to look again


def interval(rate: float) -> float:
    return 1.0 / rate


def admit(rate: float | None, next_at: float | None, now: float) -> Admission:
    """May one more message start now for an endpoint limited to ``rate`` per second?

    ``next_at`` is the slot stored for the endpoint (None: never sent). No limit admits everything.
    """
    if rate is None or rate <= 0:
        return Admission(True, now)
    step = interval(rate)
    if next_at is not None and next_at > now + TOLERANCE:
        return Admission(False, next_at)
    base = next_at if next_at is not None and next_at >= now - step else now
    return Admission(True, base + step)
