"""Time-sortable, unguessable identifiers: ``prefix_`` + 22 base62 characters.

The first 8 characters are the creation time in milliseconds (base62, fixed width), the other 14 are
random (about 83 bits), so ids sort by creation time (lexically) and cannot be guessed. Cheap enough
for the receiver's hot path: the time part is cached per millisecond.
"""

from __future__ import annotations

import os
import time

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_TIME_WIDTH = 8  # 62**8 ms is about 6,900 years
_RANDOM_WIDTH = 14
_last_ms = -1
_last_prefix = ""


def _base62(n: int, width: int) -> str:
    out = []
    while n:
        n, r = divmod(n, 62)
        out.append(_ALPHABET[r])
    return "".join(reversed(out)).rjust(width, "0")


def _time_part(ms: int) -> str:
    global _last_ms, _last_prefix
    if ms != _last_ms:
        _last_ms, _last_prefix = ms, _base62(ms, _TIME_WIDTH)
    return _last_prefix


# 248 = 4 * 62: bytes below it map uniformly onto the alphabet; the rest are dropped and redrawn.
_TO_ALPHABET = bytes(ord(_ALPHABET[b % 62]) for b in range(256))
_UNEVEN = bytes(range(248, 256))


def new_id(prefix: str, now: float | None = None) -> str:
    ms = int((time.time() if now is None else now) * 1000)
    chars = os.urandom(_RANDOM_WIDTH + 6).translate(_TO_ALPHABET, _UNEVEN)  # in C: the receiver's hot path
    while len(chars) < _RANDOM_WIDTH:
        chars += os.urandom(8).translate(_TO_ALPHABET, _UNEVEN)
    return f"{prefix}_{_time_part(ms)}{chars[:_RANDOM_WIDTH].decode('ascii')}"
