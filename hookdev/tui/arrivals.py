"""Captures on their way from the receiver's thread to the Inbox, handed over in batches; and the
priority keys get over that thread.

The receiver appends from its own thread (``push``: a deque append, no lock, never blocks); the app's
loop asks every ``TICK`` seconds for what is due (``take``). A trickle is shown within ``TICK``; while a
flood lasts (the last batch held ``FLOOD_BATCH`` or more) batches come every ``FLOOD_INTERVAL``, so a
burst of thousands of requests costs the screen a few redraws a second, not one per request or ten.
"""

from __future__ import annotations

import gc
import time
from collections import deque
from collections.abc import Callable

from hookdev.models import Capture

TICK = 0.1
"""How often the app looks for arrivals (seconds): the delay a single request is shown within."""
FLOOD_BATCH = 20
"""A batch this big means a flood: the next ones are spaced ``FLOOD_INTERVAL`` apart."""
FLOOD_INTERVAL = 0.25


class Arrivals:
    """A thread-safe queue of captures and the pace at which the app takes them."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._queue: deque[Capture] = deque()
        self._clock = clock
        self._last = float("-inf")
        self._flooding = False

    def push(self, capture: Capture) -> None:
        """Any thread: queue one capture."""
        self._queue.append(capture)

    def __len__(self) -> int:
        return len(self._queue)

    def take(self) -> list[Capture]:
        """The app's loop: the captures due now, oldest first (empty when none, or too soon in a flood)."""
        queue = self._queue
        if not queue:
            self._flooding = False
            return []
        now = self._clock()
        if self._flooding and now - self._last < FLOOD_INTERVAL:
            return []
        batch = [queue.popleft() for _ in range(len(queue))]  # only this thread pops
        self._last = now
        self._flooding = len(batch) >= FLOOD_BATCH
        return batch

    @property
    def flooding(self) -> bool:
        """Whether the last batch was a flood's (so the next one waits ``FLOOD_INTERVAL``)."""
        return self._flooding


class FloodGC:
    """No full garbage collection while a flood lasts: the young generations are collected with each
    batch instead, and automatic collection resumes when the flood is over (or the app ends).

    A full collection walks every object of the process: 30-60 ms at a time in a 10,000-request burst,
    in the middle of whatever the app was doing (a key press waits it out). Garbage in cycles that
    outlives the young generations waits for the end of the flood; everything else is freed as
    always, by reference counting."""

    def __init__(self) -> None:
        self._held = False

    @property
    def held(self) -> bool:
        return self._held

    def batch_taken(self, flooding: bool) -> None:
        if flooding:
            if not self._held and gc.isenabled():
                gc.disable()
                self._held = True
            if self._held:
                gc.collect(1)
        else:
            self.release()

    def release(self) -> None:
        if self._held:
            self._held = False
            gc.enable()


KEY_PRIORITY = 0.012
"""Seconds the receiver's thread steps aside after a key press: enough for the key and its frame."""


class KeyPriority:
    """After a key press, the receiver's loop pauses between passes for ``KEY_PRIORITY`` seconds.

    Both run Python on one GIL: without this, a key's handler and the frame that shows it share it
    with a flood's requests, 5 ms turns each. ``pause`` is called on the receiver's thread."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._until = 0.0

    def key_pressed(self) -> None:
        self._until = self._clock() + KEY_PRIORITY

    def pause(self) -> float:
        """How long the receiver should still step aside (<= 0: not at all)."""
        return self._until - self._clock()
