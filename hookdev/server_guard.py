"""Slow clients meet deadlines at the receiver: a request head must arrive in time, a body must keep
arriving, and only so many connections are open at once.

uvicorn (h11) waits forever for a request head that never ends and for a body that stops arriving, and
accepts connections until the process runs out of file descriptors. :class:`ConnectionGuard` makes an
h11 protocol class for ``uvicorn.Config(http=...)`` with:

* a **head deadline**: a connection waiting for a request head (a new one, or a kept-alive one after an
  answer) gets ``head_timeout`` seconds for the whole head; then ``408`` and close;
* a **body-progress deadline**: while a body arrives, ``body_timeout`` seconds of silence close the
  connection (the app sees a disconnect, and the receiver records what arrived). Time the server
  itself stops reading (flow control) does not count;
* a **connection cap**: at most ``max_connections`` (never more than the file-descriptor limit allows,
  minus a reserve). A new connection past the cap evicts the oldest one still waiting for its head; if
  every connection is busy with a request, the new one is closed at once. So 1,100 connections that
  never finish their headers cannot lock real callers out.

And :func:`quiet_accept_errors`: when ``accept()`` runs out of file descriptors anyway, asyncio logs a
traceback per retry; this logs one line per interval, with a count.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import time
from dataclasses import dataclass
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

DEFAULT_HEAD_TIMEOUT = 10.0
DEFAULT_BODY_TIMEOUT = 10.0
DEFAULT_MAX_CONNECTIONS = 1000
FD_RESERVE = 64  # descriptors kept for the database, the app's own clients, logs

_408 = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain\r\nconnection: close\r\n"
    b"content-length: 40\r\n\r\nthe request head did not arrive in time\n"
)


@dataclass(frozen=True)
class GuardLimits:
    head_timeout: float = DEFAULT_HEAD_TIMEOUT
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS


def fd_cap(wanted: int) -> int:
    """``wanted``, lowered to what the process's file-descriptor limit leaves after a reserve."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):
        return wanted
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(8, min(wanted, soft - FD_RESERVE))


class ConnectionGuard:
    """The connections of one server and their deadlines (see the module docstring)."""

    def __init__(self, limits: GuardLimits | None = None) -> None:
        self.limits = limits or GuardLimits()
        self.max_connections = fd_cap(self.limits.max_connections)
        self.open: dict[_GuardedH11, None] = {}  # oldest first
        self.head_timeouts = 0
        self.body_timeouts = 0
        self.evicted = 0
        self.refused = 0

    def protocol_class(self) -> type[H11Protocol]:
        return type("GuardedH11Protocol", (_GuardedH11,), {"guard": self})

    def admit(self, conn: _GuardedH11) -> bool:
        if len(self.open) >= self.max_connections:
            waiting = next((c for c in self.open if c.waiting == "head"), None)
            if waiting is None:
                self.refused += 1
                return False
            self.evicted += 1
            waiting.cut()
        self.open[conn] = None
        return True


class _GuardedH11(H11Protocol):
    guard: ConnectionGuard

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.waiting = "head"  # head | body | app
        self._timer: asyncio.TimerHandle | None = None
        self._gone = False
        if not self.guard.admit(self):
            self._gone = True
            transport.abort()
            return
        self._arm(self.guard.limits.head_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._leave()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not self._gone:
            self._track()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self._gone:
            self._track()

    def handle_websocket_upgrade(self, event: Any) -> None:
        self._leave()  # the app bounds its WebSockets itself
        super().handle_websocket_upgrade(event)

    def _track(self) -> None:
        """Set the deadline for what the connection waits for now."""
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            if self.waiting != "head":  # a new head: the deadline starts now, partial data does not extend it
                self.waiting = "head"
                self._arm(self.guard.limits.head_timeout)
        elif cycle.more_body:
            self.waiting = "body"
            self._arm(self.guard.limits.body_timeout)  # any data is progress
        elif self.waiting != "app":
            self.waiting = "app"  # the app has the whole request: its time is its own
            self._cancel()

    def _arm(self, delay: float) -> None:
        self._cancel()
        self._timer = self.loop.call_later(delay, self._expired)

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expired(self) -> None:
        self._timer = None
        if self._gone or self.transport.is_closing():
            return
        if self.waiting == "body" and self.flow.read_paused:
            self._arm(self.guard.limits.body_timeout)  # we stopped reading, not the client
            return
        if self.waiting == "head":
            self.guard.head_timeouts += 1
            self.transport.write(_408)
        elif self.waiting == "body":
            self.guard.body_timeouts += 1
        else:
            return
        self.cut()

    def cut(self) -> None:
        """Close now; an app still reading the request sees a disconnect."""
        self._leave()
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True
            cycle.message_event.set()
        self.transport.close()

    def _leave(self) -> None:
        if not self._gone:
            self._gone = True
            self._cancel()
        self.guard.open.pop(self, None)


_ACCEPT_ERRNOS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})


def quiet_accept_errors(
    loop: asyncio.AbstractEventLoop, logger: logging.Logger, interval: float = 10.0
) -> None:
    """Log running out of file descriptors at ``accept()`` once per ``interval`` (with a count), instead
    of asyncio's traceback per retry. Other errors go to the loop's previous handler."""
    previous = loop.get_exception_handler()
    state = {"last": float("-inf"), "count": 0}

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        message = str(context.get("message", ""))
        if isinstance(exc, OSError) and exc.errno in _ACCEPT_ERRNOS and "accept" in message:
            state["count"] += 1
            now = time.monotonic()
            if now - state["last"] >= interval:
                logger.error(
                    "cannot accept connections: %s (%d time(s) in the last %g s); raise `ulimit -n`"
                    " or lower --max-connections",
                    exc.strerror or "out of resources",
                    state["count"],
                    interval,
                )
                state["last"], state["count"] = now, 0
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
