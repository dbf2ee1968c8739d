"""The link a replay carries: ``x-hookdev-replay-of: <capture id>``, read by the receiver into
``Capture.replay_of``. Anyone can send the header, so it only ever labels a capture; it chooses nothing."""

from __future__ import annotations

import re

from hookdev.models import Headers

REPLAY_HEADER = "x-hookdev-replay-of"
_REPLAY_ID = re.compile(r"^req_[0-9A-Za-z]{6,40}$")


def replay_of(headers: Headers) -> str | None:
    """The capture a request says it replays, when the header's value is a capture id."""
    for name, value in headers:
        if name == REPLAY_HEADER or name.lower() == REPLAY_HEADER:
            value = value.strip()
            return value if _REPLAY_ID.match(value) else None
    return None
