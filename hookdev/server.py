"""The receiver's HTTP server: the listening socket we bind ourselves, uvicorn serving the receiver
app on it, and uvicorn's and httpx's logs routed to the event bus (so nothing paints over a TUI).

uvicorn is imported only when a server starts (it loads click), so importing the engine stays light.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hookdev.events import EventBus, LogLine

if TYPE_CHECKING:
    import uvicorn
    from starlette.types import ASGIApp

    from hookdev.server_guard import ConnectionGuard, GuardLimits

LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "httpx", "hookdev.receiver")


class EngineError(Exception):
    """The engine cannot start (port in use, bad TLS files, ...): a one-line reason."""


class BusLogHandler(logging.Handler):
    """Routes uvicorn's and httpx's log records to the bus, so nothing paints over a TUI."""

    def __init__(self, bus: EventBus) -> None:
        super().__init__(logging.INFO)
        self.bus = bus

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a malformed log call must never break the server
            text = str(record.msg)
        level = (
            "error"
            if record.levelno >= logging.ERROR
            else "warning"
            if record.levelno >= logging.WARNING
            else "info"
        )
        self.bus.publish(LogLine(level, text, source=record.name))


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket; raises EngineError with a one-line reason (port in use, ...)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only then (proto 0 costs a ~40 ms delayed ACK per answer).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise EngineError(
                f"port {port} on {host} is already in use (another hookdev?); choose another with --port"
            ) from None
        raise EngineError(f"cannot listen on {host}:{port}: {e.strerror}") from None
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def _quiet_server(config: uvicorn.Config) -> uvicorn.Server:
    """uvicorn without its signal handlers: the host (CLI or TUI) owns signals and shutdown."""
    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Generator[None, None, None]:
            yield

    return Server(config)


class ReceiverServer:
    """Serves an ASGI app on a socket bound by us: ``start`` returns once it accepts connections."""

    def __init__(self, app: ASGIApp, bus: EventBus) -> None:
        self.app = app
        self.bus = bus
        self.url = ""
        self._sock: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self.guard: ConnectionGuard | None = None
        self._task: asyncio.Task[None] | None = None
        self._log_handler = BusLogHandler(bus)

    async def start(
        self, host: str, port: int, *, tls_home: Path | None = None, limits: GuardLimits | None = None
    ) -> str:
        """Bind, serve, and return the base URL (``http://127.0.0.1:8787``); raises EngineError.

        Slow clients meet the deadlines and the connection cap of ``limits`` (``hookdev.server_guard``)."""
        import uvicorn

        from hookdev.server_guard import ConnectionGuard, quiet_accept_errors

        self._sock = bind_socket(host, port)
        bound = self._sock.getsockname()[1]
        shown = f"[{host}]" if ":" in host else host
        self.url = f"{'https' if tls_home is not None else 'http'}://{shown}:{bound}"
        ssl_kwargs: dict[str, Any] = {}
        if tls_home is not None:
            from hookdev.tls import server_ssl_kwargs

            try:
                ssl_kwargs = server_ssl_kwargs(tls_home)
            except BaseException:
                self._sock.close()
                raise
        for name in LOGGERS:
            logger = logging.getLogger(name)
            logger.handlers = [self._log_handler]
            logger.propagate = False
        self.guard = ConnectionGuard(limits, fd_limited=True, keepalive_head_deadline=True)
        quiet_accept_errors(asyncio.get_running_loop(), logging.getLogger("hookdev.receiver"))
        config = uvicorn.Config(
            self.app,
            http=self.guard.protocol_class(),
            log_config=None,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
            h11_max_incomplete_event_size=256 * 1024,
            # The receiver writes its own Date/Server: a forwarded answer carries the app's, once.
            server_header=False,
            date_header=False,
            **ssl_kwargs,
        )
        self._server = _quiet_server(config)
        self._task = asyncio.create_task(self._serve(), name="hookdev-receiver")
        while not self._server.started:
            if self._task.done():
                exc = self._task.exception()
                raise EngineError(f"the receiver failed to start: {exc}")
            await asyncio.sleep(0.01)
        return self.url

    async def _serve(self) -> None:
        assert self._server is not None and self._sock is not None
        try:
            await self._server.serve(sockets=[self._sock])
        finally:
            self._sock.close()

    def request_stop(self) -> None:
        """Ask the server to finish (open requests get a grace period); ``wait_stopped`` waits for it."""
        if self._server is not None:
            self._server.should_exit = True

    async def wait_stopped(self) -> None:
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    def detach_logs(self) -> None:
        for name in LOGGERS:
            logging.getLogger(name).removeHandler(self._log_handler)
