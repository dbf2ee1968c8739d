"""Typed engine events and the bus that carries them.

The engine publishes; the CLI and the TUI subscribe. Subscribers are plain callables run on the
engine's event loop thread; they must be quick (the TUI posts a message and returns).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hookdev.models import Attempt, Capture, Endpoint, Message

log = logging.getLogger("hookdev.events")


@dataclass(frozen=True)
class RequestCaptured:
    capture: Capture


@dataclass(frozen=True)
class CaptureUpdated:
    """A capture changed after it was stored: the forwarded app answered, or it was re-verified."""

    capture: Capture


@dataclass(frozen=True)
class MessageCreated:
    message: Message
    endpoint_ids: tuple[str, ...]


@dataclass(frozen=True)
class AttemptStarted:
    attempt: Attempt


@dataclass(frozen=True)
class AttemptFinished:
    """An attempt ended; ``next_attempt`` is the retry it scheduled, if any."""

    attempt: Attempt
    next_attempt: Attempt | None = None


@dataclass(frozen=True)
class EndpointChanged:
    endpoint_id: str
    endpoint: Endpoint | None  # None: deleted
    reason: str = ""
    status_code: int | None = None  # the answer that caused it (410: disabled because the endpoint is gone)


@dataclass(frozen=True)
class LogLine:
    level: str  # info | warning | error
    text: str
    source: str = "hookdev"


@dataclass(frozen=True)
class ServerReady:
    url: str


@dataclass(frozen=True)
class StatusChanged:
    """Something about the running engine a status bar shows (relay, config reload, watcher)."""

    topic: str  # relay | config | watcher | receiver
    text: str
    ok: bool = True
    data: Any = None


Event = (
    RequestCaptured
    | CaptureUpdated
    | MessageCreated
    | AttemptStarted
    | AttemptFinished
    | EndpointChanged
    | LogLine
    | ServerReady
    | StatusChanged
)
Subscriber = Callable[[Any], None]


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    def publish(self, event: Any) -> None:
        """Hand ``event`` to every subscriber. One that raises never stops the others: its error is
        logged, and reported on the bus as a LogLine (unless the event was one: no loops)."""
        failures: list[tuple[Subscriber, Exception]] = []
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception as error:
                log.exception("a subscriber failed on %s", type(event).__name__)
                failures.append((callback, error))
        if not isinstance(event, LogLine):
            for failed, problem in failures:
                name = getattr(failed, "__qualname__", type(failed).__name__)
                self.publish(
                    LogLine("error", f"{name} failed on {type(event).__name__}: {problem}", "events")
                )
