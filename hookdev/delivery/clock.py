"""Clocks for delivery: "now" and "sleep until", so the retry schedule can be compressed or skipped.

Times are *clock times*: real epoch seconds for :class:`RealClock`, virtual seconds for
:class:`VirtualClock`. They are what the database stores in ``scheduled_at``/``started_at``. The
``scale`` says how many platform seconds pass per clock second: a retry the platform makes after
``d`` seconds is stored at ``now() + d / scale``. ``--time-scale 3600`` makes the 27 h 35 min schedule
run in about 28 s.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """What delivery code asks for the time. ``instant`` clocks jump instead of waiting."""

    scale: float
    instant: bool

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...

    async def sleep_until(self, t: float) -> None: ...

    def delay(self, platform_seconds: float) -> float:
        """Clock seconds for a wait the platform measures in ``platform_seconds``."""
        ...


class RealClock:
    """Wall-clock time; waits are real. ``scale`` only shortens the waits the schedule asks for."""

    instant = False

    def __init__(self, scale: float = 1.0) -> None:
        if not scale > 0:
            raise ValueError("time scale must be greater than 0")
        self.scale = float(scale)

    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    async def sleep_until(self, t: float) -> None:
        await asyncio.sleep(max(0.0, t - time.time()))

    def delay(self, platform_seconds: float) -> float:
        return platform_seconds / self.scale


class VirtualClock:
    """Test time: a sleep moves "now" forward at once (never backward) and only yields to the loop.

    Lets a test run the whole 27 h 35 min retry schedule in milliseconds against a real consumer.
    The dispatcher lets it jump only when nothing is in flight, so every attempt starts exactly at
    its scheduled time.
    """

    instant = True
    scale = 1.0

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else float(start)

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += max(0.0, seconds)

    async def sleep(self, seconds: float) -> None:
        await self.sleep_until(self._now + seconds)

    async def sleep_until(self, t: float) -> None:
        self._now = max(self._now, t)
        await asyncio.sleep(0)

    def delay(self, platform_seconds: float) -> float:
        return platform_seconds
