"""The engine, the composition root: receiver, dispatcher, relay client and watchers on ONE asyncio loop
(or, with ``receiver_thread=True``, the receiver and the relay client on a loop of their own).

It owns the running settings: one immutable ``Settings`` snapshot (``hookdev.settings``), replaced
whole when hookdev.toml is reloaded or something is changed at run time (``change``, ``set_forwarding``,
``set_respond``, ...), each time publishing ``SettingsChanged``. The receiver, the dispatcher, the
sender, the TUI and the CLI read the current snapshot; nobody writes engine attributes.

The HTTP server it runs the receiver on lives in ``hookdev.server``; the options it starts from in
``hookdev.options``. `hookdev listen` and the TUI both run an Engine and subscribe to its EventBus;
neither has logic of its own about receiving or delivering.

``receiver_thread=True`` (the TUI's choice) runs the receiver's server (uvicorn, verify, group commit,
forwarding) and the relay client on their own thread and loop (``hookdev.loop_thread``), so a flood
of requests does not share the caller's loop. Bus events then also come from that thread: a
subscriber that is not thread-safe hops them onto its own loop (the TUI does). A ``fail:N`` answer
policy still counts down at once on the receiver; the engine records it on its own loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import dataclasses
import ssl
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from hookdev import runtime
from hookdev.config import Config, empty_config
from hookdev.events import EventBus, LogLine, ServerReady, StatusChanged
from hookdev.forward import Route, parse_target
from hookdev.loop_thread import LoopThread
from hookdev.options import EngineOptions
from hookdev.receiver import ReceiverOptions, RespondPolicy, SecretSource, create_receiver, parse_respond
from hookdev.sender import Sender
from hookdev.server import EngineError, ReceiverServer, bind_socket
from hookdev.settings import Layers, Settings, SettingsChanged, resolve
from hookdev.workspace import ReceiverSecrets, Workspace

if TYPE_CHECKING:
    from hookdev.catalog import Catalog
    from hookdev.delivery.dispatcher import Dispatcher
    from hookdev.tunnel.client import RelayClient

__all__ = ["Engine", "EngineError", "EngineOptions", "bind_socket"]

T = TypeVar("T")
#: How long ``stop`` waits for the receiver's server to finish (uvicorn's own grace is 2 s).
STOP_TIMEOUT = 10.0


class _OptionsView(EngineOptions):
    """``Engine.options``: the start options with the current settings, read-only."""

    _sealed = False

    def __setattr__(self, name: str, value: Any) -> None:
        if self._sealed:
            raise AttributeError(
                f"engine.options is a read-only view of the settings: change {name} through the engine "
                f"(Engine.change({name}=...), set_forwarding, set_respond, ...)"
            )
        super().__setattr__(name, value)


class Engine:
    def __init__(
        self,
        workspace: Workspace,
        options: EngineOptions | None = None,
        bus: EventBus | None = None,
        *,
        receiver_thread: bool = False,
        receiver_pause: Callable[[], float] | None = None,
    ):
        self.workspace = workspace
        self._start = options or EngineOptions()
        self.bus = bus or EventBus()
        self.store = workspace.store
        self.secret_source = SecretSource(
            lambda: workspace.receiver_secrets().active(), workspace.secrets_path
        )
        self._layers = Layers(flags=self._start.given(), file=self._start.config or empty_config())
        self._settings = self._start.start_settings()
        #: The hookdev.toml applied last (None: none yet).
        self.config: Config | None = None
        self.app = create_receiver(self.store, self._receiver_options(self._settings), self.bus)
        self.capture_app = self.app.state.capture
        self.capture_app.on_respond_change = self.set_respond  # fail:N counting down
        self.sender = Sender(
            self.workspace,
            bus=self.bus,
            catalog_path=lambda: self._settings.catalog,
            catalog_strict=lambda: self._settings.strict,
            wake=self.wake_dispatcher,
            time_scale=lambda: self._settings.time_scale,
        )
        self._stop_watchers = asyncio.Event()
        self._stop_resend = asyncio.Event()
        self._confirm_handle: asyncio.TimerHandle | None = None
        self._resend_task: asyncio.Task[None] | None = None
        self.url = ""
        self.public_url: str | None = None
        self.dispatcher: Dispatcher | None = None
        self.relay_client: RelayClient | None = None
        self.server = ReceiverServer(self.app, self.bus)
        self._tasks: list[asyncio.Task[Any]] = []
        #: The receiver's own thread and loop (``receiver_thread=True``), or None: it shares the engine's.
        #: ``receiver_pause`` (with a thread): asked before each pass of the receiver's loop how long to
        #: step aside (``hookdev.loop_thread``); the TUI gives keys a few milliseconds of priority.
        self.receiver_thread: LoopThread | None = (
            LoopThread("hookdev-receiver", pause=receiver_pause) if receiver_thread else None
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_context: contextvars.Context | None = None  # what callbacks hopped onto it run in
        self._relay_future: concurrent.futures.Future[None] | None = None
        # The receiver's options are replaced by the engine's loop (settings) and, for a ``fail:N``
        # countdown, by the receiver's thread: one at a time.
        self._options_lock = threading.RLock()

    # -- settings -------------------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        """The current settings snapshot (immutable; replaced whole on every change)."""
        return self._settings

    @property
    def options(self) -> EngineOptions:
        """The start options with the current settings: a read-only view, for code that reads options."""
        s = self._settings
        fields = {f.name: getattr(self._start, f.name) for f in dataclasses.fields(EngineOptions)}
        fields.update(
            {
                name: list(value) if isinstance(value, tuple) else value
                for name, value in dataclasses.asdict(s).items()
                if name != "respond"
            }
        )
        fields["respond"] = s.respond
        fields["routes"] = list(s.routes)
        view = _OptionsView(**fields)
        object.__setattr__(view, "_sealed", True)
        return view

    @property
    def receiver_options(self) -> ReceiverOptions:
        """What the receiver works with now (built from the settings; read-only)."""
        options: ReceiverOptions = self.capture_app.options
        return options

    def _receiver_options(self, s: Settings) -> ReceiverOptions:
        return ReceiverOptions(
            secrets=self.secret_source,
            extra_secrets=s.secrets,
            scheme=s.scheme,
            tolerance=s.tolerance,
            max_body=s.max_body,
            accept_invalid=s.accept_invalid,
            forward_to=s.forward_to,
            routes=s.routes,
            forward_timeout=s.forward_timeout,
            max_response=s.max_response,
            respond=s.respond,
        )

    def _replace(self, new: Settings, source: str) -> Settings:
        """Make ``new`` the current snapshot, hand it to the parts that hold one, publish the change."""
        old = self._settings
        changed = new.changed(old)
        if not changed:
            return old
        self._settings = new
        with self._options_lock:
            options = self._receiver_options(new)
            if self.receiver_thread is not None and "respond" not in changed:
                # a countdown the receiver made that the engine has not recorded yet stays
                options = dataclasses.replace(options, respond=self.capture_app.options.respond)
            self.capture_app.options = options
        if self.dispatcher is not None and "time_scale" in changed:
            self.dispatcher.clock.scale = new.time_scale
        self.bus.publish(SettingsChanged(new, old, changed, source))
        return new

    def change(self, **values: Any) -> Settings:
        """Change settings at run time: recorded as a layer above hookdev.toml (a reload never undoes
        it), the snapshot replaced, ``SettingsChanged`` published. Values are in snapshot form
        (``Settings`` field types); raises ValueError for an unknown setting."""
        new = self._settings.replace(**values)
        if "catalog" in values and new.catalog is not None and new.catalog != self._settings.catalog:
            self.sender.load_catalog(
                self.sender.catalog_source(new.catalog)
            )  # raises before anything changes
        self._layers = self._layers.with_runtime(**{k: getattr(new, k) for k in values})
        return self._replace(new, "runtime")

    def set_forwarding(self, target: str | None) -> Settings:
        """Forward every request to ``target`` (a port, host:port or URL; ValueError when it is not
        one), or stop forwarding (None or empty)."""
        return self.change(forward_to=parse_target(target) if target else None)

    def set_routes(self, routes: Sequence[Route]) -> Settings:
        return self.change(routes=tuple(routes))

    def set_respond(self, policy: RespondPolicy | str) -> Settings:
        """How the receiver answers: a policy, or its text form (``fail:3:503``; ValueError when bad)."""
        return self.change(respond=parse_respond(policy) if isinstance(policy, str) else policy)

    def _respond_counted_down(self, policy: RespondPolicy) -> None:
        """On the receiver's thread: a ``fail:N`` policy counted down. The receiver uses it from the
        next request on; the engine records it (settings, ``SettingsChanged``) on its own loop."""
        with self._options_lock:
            self.capture_app.options = dataclasses.replace(self.capture_app.options, respond=policy)
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the engine's loop is gone: nothing to record
                loop.call_soon_threadsafe(self._record_respond, context=self._loop_context)

    def _record_respond(self) -> None:
        with self._options_lock:  # the newest countdown, even when several were queued
            if self.capture_app.options.respond != self._settings.respond:
                self.set_respond(self.capture_app.options.respond)

    async def _on_receiver(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` where the receiver runs: its own thread's loop, or this one."""
        thread = self.receiver_thread
        if thread is not None and thread.running:
            return await thread.run(coro)
        return await coro

    def set_time_scale(self, scale: float) -> Settings:
        if not scale > 0:
            raise ValueError("time scale must be greater than 0")
        return self.change(time_scale=float(scale))

    def rotate_receiver_secret(self, grace: float) -> ReceiverSecrets:
        """A new receiver secret; the old one stays valid for ``grace`` seconds. The receiver (and the
        default endpoint, which signs with it) use the new one at once."""
        secrets = self.workspace.rotate_receiver_secret(grace)
        self.secret_source.refresh()
        self.bus.publish(StatusChanged("receiver", "receiver secret rotated"))
        return secrets

    def receiver_secret_rotated(self) -> None:
        """The receiver's secret was rotated elsewhere (an endpoint that signs with it): re-read it."""
        self.secret_source.refresh()
        self.bus.publish(StatusChanged("receiver", "receiver secret rotated"))

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        opts = self._start
        from hookdev.server_guard import GuardLimits  # uvicorn: loaded only when a server starts

        s = self.settings
        self._loop = asyncio.get_running_loop()
        self._loop_context = contextvars.copy_context()  # its subscribers' context (the TUI's app)
        if self.receiver_thread is not None:
            self.receiver_thread.start()
            self.capture_app.on_respond_change = self._respond_counted_down
        self.url = await self._on_receiver(
            self.server.start(
                s.host,
                s.port,
                tls_home=self.workspace.home if opts.tls else None,
                limits=GuardLimits(s.head_timeout, s.body_timeout, s.max_connections),
            )
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
        runtime.announce(self.workspace.home, self.url)  # `hookdev status` sees this receiver
        self.bus.publish(
            LogLine("info", f"workspace {self.workspace.home} ({self.workspace.location.reason})", "engine")
        )
        from hookdev.ops import OpsEmitter

        self.bus.subscribe(OpsEmitter(self.sender, lambda: self._settings))
        if opts.dispatch:
            self._start_dispatcher()
        if opts.relay:
            self._start_relay()
        if opts.config_path is not None:
            self._start_config_watcher(opts.config_path)
        if self.settings.resend_on_change:
            self._start_resend_watcher()

    async def stop(self) -> None:
        if self.url:
            runtime.withdraw(self.workspace.home, self.url)
        self._stop_watchers.set()
        if self._confirm_handle is not None:
            self._confirm_handle.cancel()
        self._stop_resend.set()
        if self.relay_client is not None:
            for t in self._tasks:
                if t.get_name() == "hookdev-relay":
                    t.cancel()
            if self._relay_future is not None:
                self._relay_future.cancel()  # thread-safe: cancels its task on the receiver's loop
        if self.dispatcher is not None:
            await self.dispatcher.aclose()
        self.server.request_stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        with contextlib.suppress(asyncio.TimeoutError, RuntimeError):
            await asyncio.wait_for(self._on_receiver(self.server.wait_stopped()), STOP_TIMEOUT)
        with contextlib.suppress(asyncio.TimeoutError, RuntimeError):
            await asyncio.wait_for(self._on_receiver(self.capture_app.aclose()), STOP_TIMEOUT)
        if self.receiver_thread is not None:
            if not await self.receiver_thread.stop(STOP_TIMEOUT):
                self.log("the receiver's thread did not stop in time", "warning")
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

        verify: ssl.SSLContext | bool = True
        with contextlib.suppress(Exception):
            from hookdev.tls import client_verify

            verify = client_verify(self.workspace.home)
        self.dispatcher = Dispatcher(
            self.workspace, clock=RealClock(self.settings.time_scale), bus=self.bus, verify=verify
        )
        self._tasks.append(asyncio.create_task(self.dispatcher.run(), name="hookdev-dispatcher"))

    def _start_relay(self) -> None:
        from hookdev.tunnel.client import RelayClient, RelayStatus, new_channel_name

        opts = self._start
        channel = opts.channel or self.store.get_setting("relay_channel")
        if not channel:
            channel = new_channel_name()
            self.store.set_setting("relay_channel", channel)

        def on_status(status: RelayStatus) -> None:
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
        if self.receiver_thread is not None and self.receiver_thread.running:
            # it calls the receiver's app: on the receiver's loop, whose group commit it joins
            self._relay_future = self.receiver_thread.submit(self.relay_client.run())
        else:
            self._tasks.append(asyncio.create_task(self.relay_client.run(), name="hookdev-relay"))

    def log(self, text: str, level: str = "info") -> None:
        self.bus.publish(LogLine(level, text))

    # -- sender, catalog and hookdev.toml ------------------------------------------------------------
    def wake_dispatcher(self) -> None:
        """New work is due (sent, replayed, retried now): let the dispatcher look at once."""
        if self.dispatcher is not None:
            self.dispatcher.wake()

    @property
    def catalog(self) -> Catalog:
        return self.sender.catalog

    def reload_catalog(self) -> list[str]:
        """Re-read the catalog; raises CatalogError/SenderError and keeps the old one when it is unusable.

        Returns the problems of a catalog that loaded per type all the same (a file that does not parse,
        a type whose schema cannot be used), for the dev loop to report.
        """
        fresh = self.sender.reload_catalog()
        return [str(issue) for issue in fresh.issues]

    def apply_config(self, config: Config, *, settled: bool = True) -> list[str]:
        """Apply an (already validated) hookdev.toml: its settings (below the flags and the runtime
        changes) and its managed endpoints. Raises ValueError/SenderError for a value that only fails
        when applied (a bad forward target, a broken catalog); nothing changes then.

        ``settled=False`` (a live reload): an empty file is not applied, and managed endpoints the file
        no longer declares are disabled only if a second reading, once the file has settled, agrees
        (an editor's non-atomic save must not disable endpoints or cancel their retries)."""
        from hookdev.managed import missing_endpoints, sync_managed_endpoints

        if not settled and self._file_is_empty():
            self._confirm_later()
            return []

        layers = self._layers.with_file(config)
        new = resolve(layers)
        notes: list[str] = []
        if new.catalog is not None and new.catalog != self._settings.catalog:
            self.sender.load_catalog(
                self.sender.catalog_source(new.catalog)
            )  # raises before anything changes
        if self.config is not None and (new.host, new.port) != (self._settings.host, self._settings.port):
            notes.append("host/port changes apply at the next start")
            new = new.replace(host=self._settings.host, port=self._settings.port)
        # the running server's connection guard keeps the limits it started with
        guard = ("head_timeout", "body_timeout", "max_connections")
        if self.config is not None and any(getattr(new, k) != getattr(self._settings, k) for k in guard):
            notes.append("head_timeout/body_timeout/max_connections changes apply at the next start")
            new = new.replace(**{k: getattr(self._settings, k) for k in guard})
        self._layers = layers
        self._replace(new, "file")
        notes += sync_managed_endpoints(self.sender, config, remove_missing=settled)
        if not settled and missing_endpoints(self.sender, config):
            self._confirm_later()
        self.config = config
        for note in notes:
            self.log(note)
        return notes

    def _file_is_empty(self) -> bool:
        path = self._start.config_path
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
        path = self._start.config_path
        if path is None or self._stop_watchers.is_set():
            return
        if self._file_is_empty():  # still (or again) mid-save: look again later
            self._confirm_later()
            return
        try:
            self.apply_config(load_config(path), settled=True)
        except (ConfigError, ValueError, OSError) as e:  # the watcher reports a broken file itself
            self.log(f"hookdev.toml not re-applied: {e}", "warning")
        except Exception as e:  # a SenderError: a one-line reason, never a dead timer callback
            self.log(f"hookdev.toml not re-applied: {e}", "warning")

    def _start_config_watcher(self, path: Path) -> None:
        from hookdev.devloop import watch_config

        def catalog_path() -> Path | None:
            return Path(self._settings.catalog) if self._settings.catalog else None

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
                list(self._settings.resend_on_change),
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

    async def set_resend(self, paths: Sequence[Path], mode: str = "new") -> None:
        """Turn re-sending on source changes on (for ``paths``), off (``[]``), or change its mode."""
        if mode not in ("new", "replay"):
            raise ValueError(f"unknown resend mode {mode!r}: use new or replay")
        if self._resend_task is not None:
            self._stop_resend.set()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._resend_task, timeout=5)
            if self._resend_task in self._tasks:
                self._tasks.remove(self._resend_task)
            self._resend_task = None
        self.change(resend_on_change=tuple(paths), resend_mode=mode)
        if paths:
            self._start_resend_watcher()
        else:
            self.bus.publish(StatusChanged("watcher", "re-sending on changes is off"))

    def _last_catalog_message(self, scan: int = 200) -> Any:
        """The newest message of a catalog event type: never an operational webhook
        (``message.attempt.exhausted`` ...), which the catalog does not know and a resend would refuse."""
        from hookdev.ops import OPS_EVENT_TYPES

        try:
            catalog: Any = self.sender.catalog
        except Exception:  # an unusable catalog: still never resend an operational event
            catalog = None
        for message in self.store.list_messages(limit=scan):
            if message.event_type in OPS_EVENT_TYPES:
                continue
            if catalog is None or message.event_type in catalog:
                return message
        return None

    def _resend(self, files: list[str]) -> None:
        """Send the last sent message again: a new message (same type and bytes) or a replay of its id."""
        message = self._last_catalog_message()
        if message is None:
            self.bus.publish(
                StatusChanged(
                    "watcher",
                    "files changed, but no message of a catalog event type was sent yet to re-send",
                    ok=False,
                )
            )
            return
        what = f"{len(files)} file(s) changed" if len(files) != 1 else f"{Path(files[0]).name} changed"
        try:
            if self._settings.resend_mode == "replay":
                self.sender.replay(message.id)
                text = f"{what}: replaying {message.id} ({message.event_type})"
            else:
                result = self.sender.send(message.event_type, message.payload, validate=False)
                text = f"{what}: re-sent {message.event_type} as {result.messages[0].id}"
        except Exception as e:  # a SenderError is a one-line reason; never kill the watcher
            self.bus.publish(StatusChanged("watcher", f"{what}, but re-sending failed: {e}", ok=False))
            return
        self.bus.publish(StatusChanged("watcher", text))
