"""Time-sortable, unguessable identifiers: ``prefix_`` + 22 base62 characters.

The first 6 bytes are the creation time in milliseconds, the other 10 are random, so ids sort by
creation time (lexically, since the width is fixed) and cannot be guessed.
"""

from __future__ import annotations

import os
import time

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_WIDTH = 22


def _base62(n: int) -> str:
    out = []
    while n:
        n, r = divmod(n, 62)
        out.append(_ALPHABET[r])
    return "".join(reversed(out)).rjust(_WIDTH, "0")


def new_id(prefix: str, now: float | None = None) -> str:
    ms = int((time.time() if now is None else now) * 1000)
    raw = ms.to_bytes(6, "big") + os.urandom(10)
    return f"{prefix}_{_base62(int.from_bytes(raw, 'big'))}"
