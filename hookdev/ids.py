"""Time-sortable, unguessable identifiers: ``prefix_`` + 22 base62 characters.

The first 8 characters are the creation time in milliseconds (base62, fixed width), the other 14 are
random (about 83 bits), so ids sort by creation time (lexically) and cannot be guessed. Cheap enough
for the receiver's hot path: the time part is cached per millisecond.
"""

from __future__ import annotations

import os
import threading
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


# Random characters are drawn from the OS 4 KiB at a time (one system call per ~290 ids instead of
# one per id: the receiver makes an id per request), handed out under a lock, never twice, and
# forgotten in a forked child (which must not repeat its parent's).
_pool = ""
_taken = 0
_pool_lock = threading.Lock()


def _forget_pool() -> None:
    global _pool, _taken, _pool_lock
    _pool, _taken = "", 0
    _pool_lock = threading.Lock()  # another thread may have held it at the fork: the child starts free


os.register_at_fork(after_in_child=_forget_pool)


def _random_chars() -> str:
    global _pool, _taken
    with _pool_lock:
        start = _taken
        if start + _RANDOM_WIDTH > len(_pool):
            _pool = os.urandom(4096).translate(_TO_ALPHABET, _UNEVEN).decode("ascii")
            start = 0
        _taken = start + _RANDOM_WIDTH
        return _pool[start : start + _RANDOM_WIDTH]


def new_id(prefix: str, now: float | None = None) -> str:
    ms = int((time.time() if now is None else now) * 1000)
    return f"{prefix}_{_time_part(ms)}{_random_chars()}"
