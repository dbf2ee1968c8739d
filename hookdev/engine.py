"""The engine, the composition root: receiver, dispatcher, relay client and watchers on ONE asyncio loop.

The HTTP server it runs the receiver on lives in ``hookdev.server``; the options it starts from in
``hookdev.options``.

`hookdev listen` and the TUI both run an Engine and subscribe to its EventBus; neither has logic of
its own about receiving or delivering.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import Any

from hookdev.events import EventBus, LogLine, ServerReady, StatusChanged
from hookdev.options import EngineOptions, build_engine_options
from hookdev.receiver import ReceiverOptions, SecretSource, create_receiver
from hookdev.server import EngineError, ReceiverServer, bind_socket
from hookdev.workspace import Workspace

__all__ = ["Engine", "EngineError", "EngineOptions", "bind_socket"]


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
            max_response=opts.max_response,
            respond=opts.respond,
        )
        self.app = create_receiver(self.store, self.receiver_options, self.bus)
        self.sender = self._make_sender(opts.catalog)
        self.config: Any = None
        self._stop_watchers = asyncio.Event()
        self._stop_resend = asyncio.Event()
        self._confirm_handle: asyncio.TimerHandle | None = None
        self._resend_task: asyncio.Task[None] | None = None
        self.capture_app = self.app.state.capture
        self.url = ""
        self.public_url: str | None = None
        self.dispatcher: Any = None
        self.relay_client: Any = None
        self.server = ReceiverServer(self.app, self.bus)
        self._tasks: list[asyncio.Task[Any]] = []

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        opts = self.options
        self.url = await self.server.start(
            opts.host, opts.port, tls_home=self.workspace.home if opts.tls else None
        )
        self.capture_app.receiver_url = self.url
        self.store.start_checkpointer()
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

    async def stop(self) -> None:
        self._stop_watchers.set()
        if self._confirm_handle is not None:
            self._confirm_handle.cancel()
        self._stop_resend.set()
        if self.relay_client is not None:
            for t in self._tasks:
                if t.get_name() == "hookdev-relay":
                    t.cancel()
        if self.dispatcher is not None:
            await self.dispatcher.aclose()
        self.server.request_stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        await self.server.wait_stopped()
        await self.capture_app.aclose()
        self.server.detach_logs()

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
        self.relay_client = RelayClient(
            opts.relay, self.app, channel=channel, token=opts.relay_token, on_status=on_status
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

    def reload_catalog(self) -> list[str]:
        """Re-read the catalog; raises CatalogError/SenderError and keeps the old one when it is unusable.

        Returns the problems of a catalog that loaded per type all the same (a file that does not parse,
        a type whose schema cannot be used), for the dev loop to report.
        """
        fresh = self._make_sender(self.options.catalog)
        problems = [str(issue) for issue in fresh.catalog.issues]  # load now: a broken one is not swapped in
        self.sender = fresh
        return problems

    def apply_config(self, config: Any, *, settled: bool = True) -> list[str]:
        """Apply an (already validated) hookdev.toml: receiver, routes, catalog, time scale, endpoints.

        ``settled=False`` (a live reload): an empty file is not applied, and managed endpoints the file
        no longer declares are disabled only if a second reading, once the file has settled, agrees
        (an editor's non-atomic save must not disable endpoints or cancel their retries).
        Raises ValueError for a value that only fails when applied (e.g. a bad forward target)."""
        from hookdev.managed import missing_endpoints, sync_managed_endpoints

        if not settled and self._file_is_empty():
            self._confirm_later()
            return []

        new = build_engine_options(self.options.cli, config)
        notes: list[str] = []
        ro = self.receiver_options
        ro.extra_secrets = new.secrets
        ro.scheme = new.scheme
        ro.tolerance = new.tolerance
        ro.max_body = new.max_body
        ro.max_response = new.max_response
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
        notes += sync_managed_endpoints(self.sender, config, remove_missing=settled)
        if not settled and missing_endpoints(self.sender, config):
            self._confirm_later()
        self.config = config
        for note in notes:
            self.log(note)
        return notes

    def _file_is_empty(self) -> bool:
        path = self.options.config_path
        try:
            return path is not None and not path.read_bytes().strip()
        except OSError:
            return True  # mid-replace: nothing to read right now

    def _confirm_later(self) -> None:
        """Re-read hookdev.toml once it has settled and apply it for good (removals included)."""
        from hookdev.managed import REMOVAL_SETTLE

        if self._confirm_handle is None:  # one check at a time; it reads the file as it is then
            self._confirm_handle = asyncio.get_running_loop().call_later(REMOVAL_SETTLE, self._confirm)

    def _confirm(self) -> None:
        from hookdev.config import ConfigError, load_config

        self._confirm_handle = None
        path = self.options.config_path
        if path is None or self._stop_watchers.is_set():
            return
        if self._file_is_empty():  # still (or again) mid-save: look again later
            self._confirm_later()
            return
        try:
            self.apply_config(load_config(path), settled=True)
        except (ConfigError, ValueError, OSError) as e:  # the watcher reports a broken file itself
            self.log(f"hookdev.toml not re-applied: {e}", "warning")

    def _start_config_watcher(self, path: Path) -> None:
        from hookdev.devloop import watch_config

        def catalog_path() -> Path | None:
            return Path(self.options.catalog) if self.options.catalog else None

        self._tasks.append(
            asyncio.create_task(
                watch_config(
                    path,
                    catalog_path,
                    lambda config: self.apply_config(config, settled=False),
                    self.reload_catalog,
                    self.bus,
                    self._stop_watchers,
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
