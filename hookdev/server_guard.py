"""A guard for the uvicorn servers that face the internet (the receiver and the relay): deadlines per
connection and a connection cap.

uvicorn (h11) waits forever for a request head that never ends, for a body that stops arriving and for
a caller that stops reading the answer, and accepts connections until the process runs out of file
descriptors; its ``limit_concurrency`` answers 503 to everyone once idle connections fill it.
:class:`ConnectionGuard` makes an h11 protocol class for ``uvicorn.Config(http=...)`` with:

* a **head deadline**: a request head must arrive in full within ``head_timeout`` seconds; past it:
  ``408`` and close. For a kept-alive connection the deadline starts either when the answer is complete
  (``keepalive_head_deadline=True``, the receiver) or at the next request's first byte (the default,
  the relay: until then uvicorn's keep-alive timeout applies);
* a **body-progress deadline**: while a body arrives, each silence longer than ``body_timeout`` closes
  the connection (the app sees a disconnect, and the receiver records what arrived). Time the server
  itself stops reading (flow control) does not count;
* a **write-progress deadline**: an answer the caller does not read for ``body_timeout`` closes the
  connection;
* a **connection cap**: at most ``max_connections`` HTTP connections (with ``fd_limited=True``, never
  more than the file-descriptor limit allows minus a reserve: :func:`fd_cap`). A new connection past
  the cap evicts the oldest one still waiting for its request head; if every connection is busy with a
  request, the new one is closed at once. So a flood of connections that never finish their headers
  cannot lock real callers out. Upgraded (WebSocket) connections leave the guard: the app bounds them.

Each connection keeps one timer for all of this: a deadline moved per request is a number, and the
timer, when it fires early, sleeps again until the deadline (a timer armed and cancelled per request
cost the receiver ~2% of its CPU).

Plus :func:`throttle_accept_errors` (and :func:`quiet_accept_errors`, the same with the receiver's
hint): running out of file descriptors makes asyncio log a traceback each time it retries
``accept()``; this logs one line per interval instead, with a count.

Use: ``uvicorn.Config(app, http=ConnectionGuard(GuardLimits(...)).protocol_class(), ...)`` and call
``throttle_accept_errors(loop, logger)`` on the server's loop. Used by the receiver
(:mod:`hookdev.server`) and the relay (:mod:`hookdev.cli.relay`).
"""

from __future__ import annotations

import asyncio
import errno
import logging
import time
from dataclasses import dataclass
from typing import Any, Literal

from uvicorn.protocols.http.h11_impl import H11Protocol

DEFAULT_HEAD_TIMEOUT = 10.0
DEFAULT_BODY_TIMEOUT = 10.0
DEFAULT_MAX_CONNECTIONS = 1000
FD_RESERVE = 64  # descriptors kept for the database, the app's own clients, logs

Phase = Literal["head", "body", "app", "write"]

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
    """The shared state of one server's guarded connections (see the module docstring)."""

    def __init__(
        self,
        limits: GuardLimits | None = None,
        *,
        fd_limited: bool = False,
        keepalive_head_deadline: bool = False,
    ) -> None:
        self.limits = limits or GuardLimits()
        self.max_connections = (
            fd_cap(self.limits.max_connections) if fd_limited else self.limits.max_connections
        )
        self.keepalive_head_deadline = keepalive_head_deadline
        self.connections: dict[_GuardedH11, None] = {}  # insertion order = age
        self.head_timeouts = 0
        self.body_timeouts = 0
        self.write_timeouts = 0
        self.evicted = 0
        self.refused = 0

    def protocol_class(self) -> type[H11Protocol]:
        """An h11 protocol class for ``uvicorn.Config(http=...)`` bound to this guard."""
        return type("GuardedH11Protocol", (_GuardedH11,), {"guard": self})

    def admit(self, conn: _GuardedH11) -> bool:
        if len(self.connections) >= self.max_connections:
            victim = next((c for c in self.connections if c.phase == "head"), None)
            if victim is None:
                self.refused += 1
                return False
            self.evicted += 1
            victim.cut()
        self.connections[conn] = None
        return True


class _GuardedH11(H11Protocol):
    guard: ConnectionGuard

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.phase: Phase = "head"
        self._timer: asyncio.TimerHandle | None = None
        self._deadline: float | None = None  # loop time; None: no deadline now
        self._left = False
        if not self.guard.admit(self):
            self._left = True
            transport.close()
            return
        self._arm(self.guard.limits.head_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._leave()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not self._left:
            self._follow()

    def handle_websocket_upgrade(self, event: Any) -> None:
        self._leave()  # the app bounds its WebSockets itself
        super().handle_websocket_upgrade(event)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._left:
            return
        if self.guard.keepalive_head_deadline:
            self._follow()  # waiting for the next head: its deadline starts now
        elif self.phase != "head":
            self.phase = "app"  # until the next request's first byte: uvicorn's keep-alive timeout
            self._cancel()

    def pause_writing(self) -> None:
        super().pause_writing()
        if not self._left:
            self.phase = "write"
            self._arm(self.guard.limits.body_timeout)

    def resume_writing(self) -> None:
        super().resume_writing()
        if not self._left and self.phase == "write":
            self.phase = "app"
            self._cancel()
            self._follow()

    def _follow(self) -> None:
        """Set the deadline for what the connection waits for now."""
        if self.phase == "write":
            return
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            if self.phase != "head":  # a new head: the deadline starts now, partial data does not extend it
                self.phase = "head"
                self._arm(self.guard.limits.head_timeout)
        elif cycle.more_body:
            self.phase = "body"
            self._arm(self.guard.limits.body_timeout)  # any data is progress
        elif self.phase != "app":
            self.phase = "app"  # the app has the whole request: its time is its own
            self._cancel()

    def _arm(self, delay: float) -> None:
        """The deadline is ``delay`` seconds from now. The connection's one timer is kept when it
        fires no later than that (it then sleeps again until the deadline), else replaced."""
        deadline = self.loop.time() + delay
        self._deadline = deadline
        timer = self._timer
        if timer is not None:
            if timer.when() <= deadline:
                return
            timer.cancel()
        self._timer = self.loop.call_at(deadline, self._expired)

    def _cancel(self) -> None:
        """No deadline now (the timer stays: it finds none when it fires)."""
        self._deadline = None

    def _stop_timer(self) -> None:
        self._deadline = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expired(self) -> None:
        self._timer = None
        deadline = self._deadline
        if deadline is None or self._left or self.transport.is_closing():
            return
        if self.loop.time() + 0.001 < deadline:  # the deadline moved since the timer was set
            self._timer = self.loop.call_at(deadline, self._expired)
            return
        self._deadline = None
        if self.phase == "body" and self.flow.read_paused:
            self._arm(self.guard.limits.body_timeout)  # we stopped reading, not the caller
            return
        if self.phase == "head":
            self.guard.head_timeouts += 1
            if self.cycle is None or self.cycle.response_complete:
                self.transport.write(_408)
        elif self.phase == "body":
            self.guard.body_timeouts += 1
        elif self.phase == "write":
            self.guard.write_timeouts += 1
            self.cut(abort=True)  # close() would wait, holding the answer, for a caller that never reads
            return
        else:
            return
        self.cut()

    def cut(self, *, abort: bool = False) -> None:
        """Close the connection now (an app still reading the request sees a disconnect); ``abort``
        drops what is still buffered for the caller instead of flushing it first."""
        self._leave()
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True
            cycle.message_event.set()
        if abort:
            self.transport.abort()
        else:
            self.transport.close()

    def _leave(self) -> None:
        if not self._left:
            self._left = True
            self._stop_timer()
            self.guard.connections.pop(self, None)


_ACCEPT_ERRNOS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
RECEIVER_ACCEPT_HINT = "; raise `ulimit -n` or lower --max-connections"


def throttle_accept_errors(
    loop: asyncio.AbstractEventLoop, logger: logging.Logger, interval: float = 10.0, hint: str = ""
) -> None:
    """Log running out of file descriptors at ``accept()`` once per ``interval`` (with a count, then
    ``hint``), instead of asyncio's traceback per retry. Other errors go to the loop's previous handler."""
    previous = loop.get_exception_handler()
    state = {"last": float("-inf"), "count": 0}

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        message = str(context.get("message", ""))
        if message.startswith("socket.accept() out of system resource") or (
            isinstance(exc, OSError) and exc.errno in _ACCEPT_ERRNOS and "accept" in message
        ):
            state["count"] += 1
            now = time.monotonic()
            if now - state["last"] >= interval:
                why = exc.strerror if isinstance(exc, OSError) and exc.strerror else "out of resources"
                logger.error(
                    "cannot accept connections: %s (%d time(s) in the last %g s)%s",
                    why,
                    state["count"],
                    interval,
                    hint,
                )
                state["last"], state["count"] = now, 0
            return
        if isinstance(exc, ValueError) and "_start_serving" in repr(context.get("handle")):
            return  # a retry asyncio scheduled after EMFILE, firing after the server closed its socket
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)


def quiet_accept_errors(
    loop: asyncio.AbstractEventLoop, logger: logging.Logger, interval: float = 10.0
) -> None:
    """:func:`throttle_accept_errors` with the receiver's hint."""
    throttle_accept_errors(loop, logger, interval, hint=RECEIVER_ACCEPT_HINT)
