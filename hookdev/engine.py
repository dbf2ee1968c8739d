"""The engine: receiver, dispatcher, relay client and watchers on ONE asyncio loop.

`hookdev listen` and the TUI both run an Engine and subscribe to its EventBus; neither has logic of
its own about receiving or delivering.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn

from hookdev.events import EventBus, LogLine, ServerReady, StatusChanged
from hookdev.forward import Route
from hookdev.receiver import DEFAULT_MAX_BODY, ReceiverOptions, RespondPolicy, SecretSource, create_receiver
from hookdev.workspace import DEFAULT_HOST, DEFAULT_PORT, Workspace


class EngineError(Exception):
    """The engine cannot start (port in use, bad TLS files, ...): a one-line reason."""


@dataclass
class EngineOptions:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    time_scale: float = 1.0
    catalog: str | None = None
    secrets: list[str] = field(default_factory=list)
    scheme: str | None = None
    tolerance: float = 300.0
    max_body: int = DEFAULT_MAX_BODY
    accept_invalid: bool = False
    forward_to: str | None = None
    routes: list[Route] = field(default_factory=list)
    forward_timeout: float = 30.0
    relay: str | None = None
    relay_token: str | None = None
    channel: str | None = None
    tls: bool = False
    respond: RespondPolicy = field(default_factory=RespondPolicy)
    dispatch: bool = True
    config_path: Path | None = None  # hookdev.toml to watch and re-apply on edits
    cli: dict[str, Any] = field(default_factory=dict)  # the flags given, which keep winning on reload
    resend_on_change: list[Path] = field(default_factory=list)
    resend_mode: str = "new"
    ops_endpoint: str | None = None
    config: Any = None  # the hookdev.toml Config read at start


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers: the host (CLI or TUI) owns signals and shutdown."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class _BusLogHandler(logging.Handler):
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


class Engine:
    def __init__(
        self, workspace: Workspace, options: EngineOptions | None = None, bus: EventBus | None = None
    ):
        self.workspace = workspace
        self.options = options or EngineOptions()
        self.bus = bus or EventBus()
        self.store = workspace.store
        self.secret_source = SecretSource(
            lambda: workspace.receiver_secrets().active(), workspace.secrets_path
        )
        opts = self.options
        self.receiver_options = ReceiverOptions(
            secrets=self.secret_source,
            extra_secrets=list(opts.secrets),
            scheme=opts.scheme,
            tolerance=opts.tolerance,
            max_body=opts.max_body,
            accept_invalid=opts.accept_invalid,
            forward_to=opts.forward_to,
            routes=list(opts.routes),
            forward_timeout=opts.forward_timeout,
            respond=opts.respond,
        )
        self.app = create_receiver(self.store, self.receiver_options, self.bus)
        self.sender = self._make_sender(opts.catalog)
        self.config: Any = None
        self._stop_watchers = asyncio.Event()
        self._stop_resend = asyncio.Event()
        self._resend_task: asyncio.Task[None] | None = None
        self.capture_app = self.app.state.capture
        self.url = ""
        self.public_url: str | None = None
        self.dispatcher: Any = None
        self.relay_client: Any = None
        self._sock: socket.socket | None = None
        self._server: _Server | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._log_handler = _BusLogHandler(self.bus)

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        opts = self.options
        self._sock = bind_socket(opts.host, opts.port)
        self.store.start_checkpointer()
        port = self._sock.getsockname()[1]
        scheme = "https" if opts.tls else "http"
        host = f"[{opts.host}]" if ":" in opts.host else opts.host
        self.url = f"{scheme}://{host}:{port}"
        ssl_kwargs: dict[str, Any] = {}
        if opts.tls:
            from hookdev.tls import server_ssl_kwargs

            ssl_kwargs = server_ssl_kwargs(self.workspace.home)
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "httpx"):
            logger = logging.getLogger(name)
            logger.handlers = [self._log_handler]
            logger.propagate = False
        config = uvicorn.Config(
            self.app,
            log_config=None,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
            h11_max_incomplete_event_size=256 * 1024,
            **ssl_kwargs,
        )
        self._server = _Server(config)
        self._tasks.append(asyncio.create_task(self._serve(), name="hookdev-receiver"))
        while not self._server.started:
            if self._tasks[0].done():
                exc = self._tasks[0].exception()
                raise EngineError(f"the receiver failed to start: {exc}")
            await asyncio.sleep(0.01)
        self._point_default_endpoint()
        if opts.config is not None:
            try:
                self.apply_config(opts.config)
            except Exception as e:  # SenderError/ValueError: a one-line reason
                await self.stop()
                raise EngineError(f"hookdev.toml: {e}") from None
        self.bus.publish(ServerReady(self.url))
        from hookdev.ops import OpsEmitter

        self.bus.subscribe(OpsEmitter(self))
        if opts.dispatch:
            self._start_dispatcher()
        if opts.relay:
            self._start_relay()
        if opts.config_path is not None:
            self._start_config_watcher(opts.config_path)
        if opts.resend_on_change:
            self._start_resend_watcher()

    async def _serve(self) -> None:
        assert self._server is not None and self._sock is not None
        try:
            await self._server.serve(sockets=[self._sock])
        finally:
            self._sock.close()

    async def stop(self) -> None:
        self._stop_watchers.set()
        self._stop_resend.set()
        if self.relay_client is not None:
            for t in self._tasks:
                if t.get_name() == "hookdev-relay":
                    t.cancel()
        if self.dispatcher is not None:
            await self.dispatcher.aclose()
        if self._server is not None:
            self._server.should_exit = True
        for task in self._tasks:
            if task.get_name() != "hookdev-receiver":
                task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        await self.capture_app.aclose()
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "httpx"):
            logging.getLogger(name).removeHandler(self._log_handler)

    # -- parts ----------------------------------------------------------------------------------
    def _point_default_endpoint(self) -> None:
        """Keep the fresh workspace's endpoint aimed at this receiver, whatever port it got."""
        endpoint = self.store.get_endpoint("ep_local")
        if endpoint is None or endpoint.url.rstrip("/") == self.url:
            return
        if endpoint.secret is None:  # still the receiver-linked default endpoint
            endpoint.url = self.url + "/"
            endpoint.updated_at = time.time()
            self.store.save_endpoint(endpoint)

    def _start_dispatcher(self) -> None:
        from hookdev.delivery.clock import RealClock
        from hookdev.delivery.dispatcher import Dispatcher

        verify: Any = True
        with contextlib.suppress(Exception):
            from hookdev.tls import client_verify

            verify = client_verify(self.workspace.home)
        self.dispatcher = Dispatcher(
            self.workspace, clock=RealClock(self.options.time_scale), bus=self.bus, verify=verify
        )
        self._tasks.append(asyncio.create_task(self.dispatcher.run(), name="hookdev-dispatcher"))

    def _start_relay(self) -> None:
        from hookdev.tunnel.client import RelayClient, new_channel_name

        opts = self.options
        channel = opts.channel or self.store.get_setting("relay_channel")
        if not channel:
            channel = new_channel_name()
            self.store.set_setting("relay_channel", channel)

        def on_status(status: Any) -> None:
            self.public_url = status.public_url if status.state == "connected" else None
            self.bus.publish(
                StatusChanged("relay", status.message, ok=status.state == "connected", data=status)
            )

        assert opts.relay is not None
        from hookdev.tunnel.client import relay_urls
        from hookdev.tunnel.owners import channel_key

        key = channel_key(self.workspace.home, relay_urls(opts.relay)[0], channel)
        self.relay_client = RelayClient(
            opts.relay, self.app, channel=channel, token=opts.relay_token, on_status=on_status, key=key
        )
        self._tasks.append(asyncio.create_task(self.relay_client.run(), name="hookdev-relay"))

    def log(self, text: str, level: str = "info") -> None:
        self.bus.publish(LogLine(level, text))

    # -- sender, catalog and live configuration -------------------------------------------------------
    def _make_sender(self, catalog: str | None) -> Any:
        from hookdev.sender import Sender

        return Sender(
            self.workspace,
            bus=self.bus,
            catalog_path=catalog,
            wake=self._wake_dispatcher,
            time_scale=self.options.time_scale,
        )

    def _wake_dispatcher(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.wake()

    @property
    def catalog(self) -> Any:
        return self.sender.catalog

    def reload_catalog(self) -> None:
        """Re-read the catalog; raises CatalogError/SenderError and keeps the old one when it is broken."""
        fresh = self._make_sender(self.options.catalog)
        fresh.catalog  # noqa: B018 - load now, so a broken catalog is reported and not swapped in
        self.sender = fresh

    def apply_config(self, config: Any) -> list[str]:
        """Apply an (already validated) hookdev.toml: receiver, routes, catalog, time scale, endpoints.

        Raises ValueError for a value that only fails when applied (e.g. a bad forward target)."""
        from hookdev.managed import sync_managed_endpoints
        from hookdev.options import build_engine_options

        new = build_engine_options(self.options.cli, config)
        notes: list[str] = []
        ro = self.receiver_options
        ro.extra_secrets = new.secrets
        ro.scheme = new.scheme
        ro.tolerance = new.tolerance
        ro.max_body = new.max_body
        ro.accept_invalid = new.accept_invalid
        previous = self.config
        # Forwarding set at run time (the TUI) survives a reload that does not touch it.
        if previous is None or (config.receiver.forward_to, config.routes) != (
            previous.receiver.forward_to,
            previous.routes,
        ):
            ro.forward_to = new.forward_to
            ro.routes = new.routes
        if self.config is None or config.receiver.respond != self.config.receiver.respond:
            ro.respond = new.respond
        if self.config is not None and (config.receiver.host, config.receiver.port) != (
            self.config.receiver.host,
            self.config.receiver.port,
        ):
            notes.append("host/port changes apply at the next start")
        if new.time_scale != self.options.time_scale and self.dispatcher is not None:
            self.dispatcher.clock.scale = new.time_scale
        self.options.time_scale = new.time_scale
        self.sender.time_scale = new.time_scale
        if new.catalog != self.options.catalog:
            self.options.catalog = new.catalog
            self.reload_catalog()
        self.options.ops_endpoint = config.ops_endpoint
        notes += sync_managed_endpoints(self.sender, config)
        self.config = config
        for note in notes:
            self.log(note)
        return notes

    def _start_config_watcher(self, path: Path) -> None:
        from hookdev.devloop import watch_config

        def catalog_path() -> Path | None:
            return Path(self.options.catalog) if self.options.catalog else None

        self._tasks.append(
            asyncio.create_task(
                watch_config(
                    path, catalog_path, self.apply_config, self.reload_catalog, self.bus, self._stop_watchers
                ),
                name="hookdev-config-watcher",
            )
        )

    def _start_resend_watcher(self) -> None:
        from hookdev.devloop import watch_sources

        self._stop_resend = asyncio.Event()
        self._resend_task = asyncio.create_task(
            watch_sources(
                self.options.resend_on_change,
                [self.workspace.home],
                self._resend,
                self.bus,
                self._stop_resend,
            ),
            name="hookdev-resend-watcher",
        )
        self._tasks.append(self._resend_task)

    @property
    def resend_active(self) -> bool:
        return self._resend_task is not None and not self._resend_task.done()

    async def set_resend(self, paths: list[Path], mode: str = "new") -> None:
        """Turn re-sending on source changes on (for ``paths``), off (``[]``), or change its mode."""
        if mode not in ("new", "replay"):
            raise ValueError(f"unknown resend mode {mode!r}: use new or replay")
        self.options.resend_mode = mode
        if self._resend_task is not None:
            self._stop_resend.set()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._resend_task, timeout=5)
            if self._resend_task in self._tasks:
                self._tasks.remove(self._resend_task)
            self._resend_task = None
        self.options.resend_on_change = list(paths)
        if paths:
            self._start_resend_watcher()
        else:
            self.bus.publish(StatusChanged("watcher", "re-sending on changes is off"))

    def _resend(self, files: list[str]) -> None:
        """Send the last sent message again: a new message (same type and bytes) or a replay of its id."""
        last = self.store.list_messages(limit=1)
        if not last:
            self.bus.publish(
                StatusChanged("watcher", "files changed, but nothing was sent yet to re-send", ok=False)
            )
            return
        message = last[0]
        what = f"{len(files)} file(s) changed" if len(files) != 1 else f"{Path(files[0]).name} changed"
        try:
            if self.options.resend_mode == "replay":
                self.sender.replay(message.id)
                text = f"{what}: replaying {message.id} ({message.event_type})"
            else:
                result = self.sender.send(message.event_type, message.payload, validate=False)
                text = f"{what}: re-sent {message.event_type} as {result.messages[0].id}"
        except Exception as e:  # a SenderError is a one-line reason; never kill the watcher
            self.bus.publish(StatusChanged("watcher", f"{what}, but re-sending failed: {e}", ok=False))
            return
        self.bus.publish(StatusChanged("watcher", text))
