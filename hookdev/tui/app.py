"""The hookdev TUI: wiring only. Views live in ``views/``, widgets in ``widgets/``, dialogs in ``screens/``.

The app runs the same Engine as ``hookdev listen``, with the receiver on a thread and loop of its own
(a flood of requests never stands between a key and the screen), subscribes to the engine's EventBus
and turns events into Textual messages for the views: captures are handed over in a thread-safe queue
(``arrivals``: within 100 ms, a few batches a second in a flood); other events from the receiver's
thread hop onto the app's loop.
Status reports (hookdev.toml reloads, the relay, the re-send watcher) are folded into ``ctx.live`` and
shown where the user is: a notification, the status bar (until fixed), the log panel, the Receiver view.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Protocol

from textual import events, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.reactive import var
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Footer, Input, Static, TabbedContent, TabPane, TextArea

from hookdev import events as ev
from hookdev.engine import Engine, EngineError
from hookdev.options import EngineOptions
from hookdev.settings import SettingsChanged
from hookdev.tui.arrivals import TICK, Arrivals, FloodGC, KeyPriority
from hookdev.tui.attempts import attempt_log_text, fmt_clock
from hookdev.tui.commands import binding_commands, help_sections, screenshot_directory
from hookdev.tui.context import Context
from hookdev.tui.live_status import CONFIG_ERROR_PREFIX
from hookdev.tui.messages import (
    CaptureChanged,
    CapturesArrived,
    CatalogReloaded,
    DeliveriesChanged,
    EndpointsChanged,
    ReceiverChanged,
)
from hookdev.tui.screens.help import HelpScreen, Section
from hookdev.tui.views.deliveries import DeliveriesView
from hookdev.tui.views.endpoints import EndpointsView
from hookdev.tui.views.inbox import InboxView
from hookdev.tui.views.receiver import ReceiverView
from hookdev.tui.views.send import SendView
from hookdev.tui.widgets.log_panel import LogPanel
from hookdev.tui.widgets.status_bar import StatusBar
from hookdev.workspace import Workspace


class ViewClass(Protocol):
    """What the app needs of a view class: a title, bindings, and a constructor taking the context."""

    @property
    def TITLE(self) -> str: ...  # noqa: N802 - the class attribute Textual views carry

    def __call__(self, ctx: Context, *, id: str | None = None) -> Widget: ...


VIEWS: tuple[tuple[str, ViewClass], ...] = (
    ("inbox", InboxView),
    ("send", SendView),
    ("endpoints", EndpointsView),
    ("deliveries", DeliveriesView),
    ("receiver", ReceiverView),
)


class HookdevApp(App[None]):
    """Inbox, Send, Endpoints, Deliveries and Receiver views over one running engine."""

    CSS_PATH = "hookdev.tcss"
    TITLE = "hookdev"
    BINDINGS: ClassVar[list[BindingType]] = [
        *[
            Binding(
                str(i),
                f"show('{name}')",
                view.TITLE,
                show=False,
                tooltip=f"Show the {view.TITLE} view",
                id=f"app.{name}",
            )
            for i, (name, view) in enumerate(VIEWS, 1)
        ],
        Binding(
            "t",
            "send_test",
            "Send test",
            tooltip="Send the selected catalog event to your own receiver",
            id="app.send_test",
        ),
        Binding("question_mark", "help", "Help", key_display="?", tooltip="All keys", id="app.help"),
        Binding(
            "ctrl+l", "toggle_log", "Log", show=False, tooltip="Show or hide the log panel", id="app.log"
        ),
        Binding(
            "escape",
            "leave_input",
            "Leave the field",
            show=False,
            tooltip="Leave a text field (then 1-5 switch views again)",
        ),  # no id: a key, not a palette command
    ]

    log_visible: var[bool] = var(True)
    """Whether the log panel is shown (hidden by default below 30 lines)."""

    def __init__(
        self,
        workspace: Workspace,
        options: EngineOptions | None = None,
        *,
        start_engine: bool = True,
        frozen_now: float | None = None,
        display_url: str | None = None,
    ) -> None:
        super().__init__()
        self._keys = KeyPriority()
        self.engine = Engine(
            workspace, options or EngineOptions(), receiver_thread=True, receiver_pause=self._keys.pause
        )
        self.ctx = Context(workspace, self.engine, frozen_now=frozen_now, display_url=display_url)
        self._load_catalog()
        self.start_engine = start_engine
        self.engine_running = False
        self._arrivals = Arrivals()  # pushed by the receiver's thread, taken on the app's loop
        self._flood_gc = FloodGC()
        self._unsubscribe: Callable[[], None] | None = None
        self._thread = threading.get_ident()
        self._log_toggled = False
        self._views: dict[str, Any] = {}
        self._stopping = False
        self._status: StatusBar | None = None
        self._log_panel: LogPanel | None = None

    def _load_catalog(self) -> None:
        """The catalog the engine's sender uses (so the Send view checks payloads against the same one)."""
        try:
            self.ctx.catalog = self.engine.catalog
        except Exception as e:  # SenderError: a one-line reason
            reason = str(e).splitlines()[0] if str(e) else "the catalog cannot be loaded"
            self.ctx.catalog_error = reason.removeprefix("cannot load the event catalog: ")

    # -- layout ---------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # the layout for this size before anything is styled: switching it later restyles every widget
        self.set_class(self.size.width < 110, "narrow")
        yield Static(id="banner")
        with TabbedContent(id="views"):
            for i, (name, view) in enumerate(VIEWS, 1):
                with TabPane(f"{i} {view.TITLE}", id=f"tab-{name}"):
                    yield view(self.ctx, id=f"view-{name}")
        log = LogPanel(self.ctx.now, utc=self.ctx.utc, id="log")
        log.display = self.size.height >= 30
        yield log
        yield StatusBar(id="status")
        yield Footer()

    def view(self, name: str) -> Any:
        """A view by name; looked up once (timers and bus events keep working while the app shuts down)."""
        if name not in self._views:
            self._views[name] = self.query_one(f"#view-{name}")
        return self._views[name]

    @property
    def status(self) -> StatusBar:
        if self._status is None:
            self._status = self.query_one("#status", StatusBar)
        return self._status

    @property
    def log_panel(self) -> LogPanel:
        if self._log_panel is None:
            self._log_panel = self.query_one("#log", LogPanel)
        return self._log_panel

    def on_mount(self) -> None:
        self._thread = threading.get_ident()
        for name, _ in VIEWS:
            self.view(name)
        _ = self.status, self.log_panel
        self.query_one("#banner", Static).display = False
        status = self.status
        status.time_scale = self.engine.settings.time_scale
        status.url = self.ctx.url + "/"
        if self.ctx.catalog_error:
            self.show_banner(f"The event catalog cannot be loaded: {self.ctx.catalog_error}", "warning")
        self._refresh_status()
        self.view("inbox").query_one("#inbox-list").focus()
        self._unsubscribe = self.engine.bus.subscribe(self._on_engine_event)
        if self.start_engine:
            self.start()
        else:
            status.state = "listening" if self.ctx.display_url else "offline"
        self.set_interval(TICK, self._flush_captures)
        self.set_interval(1.0, self._refresh_status)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):  # the receiver's thread steps aside while the key is shown
            self._keys.key_pressed()
        await super().on_event(event)

    def on_ready(self) -> None:
        # Everything built so far (Textual, the widgets, the modules) lives as long as the app: keep it
        # out of the cyclic GC's full collections, which otherwise stall a flood by 100+ ms each.
        gc.freeze()

    def on_resize(self, event: events.Resize) -> None:
        """The narrow layout below 110 columns; the log panel hidden below 30 lines (unless toggled).

        ``event.size``, not ``self.size``: this runs before App's own handler records the new size."""
        self.set_class(event.size.width < 110, "narrow")
        if not self._log_toggled:
            self.log_visible = event.size.height >= 30

    def watch_log_visible(self, visible: bool) -> None:
        self.log_panel.display = visible

    def show_banner(self, text: str, severity: str = "error") -> None:
        banner = self.query_one("#banner", Static)
        banner.update(text)
        banner.set_classes(severity)
        banner.display = True

    # -- engine ---------------------------------------------------------------------------------
    @work(exclusive=True, group="engine", exit_on_error=False, description="start the receiver")
    async def start(self) -> None:
        try:
            await self.engine.start()
        except Exception as e:  # EngineError has a one-line reason; anything else must not crash the app
            await self.engine.stop()
            if self._stopping:
                return
            self.status.state = "failed"
            self.show_banner(
                f"The receiver is not running: {e}.  You can still browse; another hookdev on this workspace "
                "delivers what you send from here.",
                "error",
            )
            self.notify(str(e), title="Receiver not started", severity="error", timeout=10)
            if not isinstance(e, EngineError):
                self.log_panel.add("error", f"receiver failed to start: {e!r}")
            return
        self.engine_running = True
        self.status.state = "listening"
        self.status.url = self.ctx.url + "/"
        self.view("inbox").refresh_hint()
        for name in ("send", "endpoints", "deliveries"):  # ep_local now points at the port we got
            self.view(name).post_message(EndpointsChanged("ep_local"))

    async def stop_engine(self) -> None:
        self._flood_gc.release()  # the process collects garbage again, whatever the app was in
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self.start_engine and not self._stopping:  # also when quit while it is still starting
            self._stopping = True
            self.engine_running = False
            await self.engine.stop()

    async def action_quit(self) -> None:
        """Stop the engine first (socket closed, in-flight attempts released), then exit."""
        await self.stop_engine()
        self.exit()

    async def on_unmount(self) -> None:
        """However the app ends (``exit()``, an error), the engine stops: its receiver thread would
        otherwise outlive the app, holding the port and the database (a no-op after ``action_quit``)."""
        await self.stop_engine()

    def _on_engine_event(self, event: Any) -> None:
        """Bus callback: quick. A capture is queued from any thread; other events are handled on the
        app's loop thread, hopped onto it without waiting (the receiver's thread never blocks on the UI)."""
        if isinstance(event, ev.RequestCaptured):
            self._arrivals.push(event.capture)
            return
        if threading.get_ident() != self._thread:
            loop = self._loop
            if loop is not None:
                with contextlib.suppress(RuntimeError):  # the app's loop is closed: quitting
                    loop.call_soon_threadsafe(self._on_hopped_event, event)
            return
        if isinstance(event, ev.CaptureUpdated):
            self.view("inbox").post_message(CaptureChanged(event.capture))
        elif isinstance(event, ev.MessageCreated | ev.AttemptStarted | ev.AttemptFinished):
            attempt = None if isinstance(event, ev.MessageCreated) else event.attempt
            message_id = (
                event.message.id if isinstance(event, ev.MessageCreated) else event.attempt.message_id
            )
            for name in ("deliveries", "endpoints"):
                self.view(name).post_message(DeliveriesChanged(message_id, attempt))
            if isinstance(event, ev.AttemptFinished):
                self._log_attempt(event)
        elif isinstance(event, ev.EndpointChanged):
            for name in ("endpoints", "send", "deliveries"):
                self.view(name).post_message(EndpointsChanged(event.endpoint_id))
            if event.reason and event.reason not in ("created", "updated"):
                self.log_panel.add("info", f"endpoint {event.endpoint_id} {event.reason}")
        elif isinstance(event, ev.LogLine):
            self.log_panel.add(event.level, event.text, event.source)
        elif isinstance(event, ev.ServerReady):
            self.log_panel.add("info", f"receiver listening on {event.url}/")
        elif isinstance(event, ev.StatusChanged):
            self._status_changed(event)
        elif isinstance(event, SettingsChanged):
            self._settings_changed(event)

    def _on_hopped_event(self, event: Any) -> None:
        if self._unsubscribe is None:  # unsubscribed meanwhile (quitting)
            return
        with self._context():
            self._on_engine_event(event)

    def _settings_changed(self, event: SettingsChanged) -> None:
        """The engine's settings were replaced: show the new ones wherever they are shown."""
        self.status.time_scale = event.settings.time_scale
        self.status.answer = event.settings.respond.mode
        self.view("receiver").post_message(ReceiverChanged())

    def _status_changed(self, event: ev.StatusChanged) -> None:
        """A config reload, relay or watcher report: log it, keep it in ctx.live, tell the user if it matters."""
        change = self.ctx.live.apply(event, self.ctx.now())
        level = "info" if event.ok else "error" if event.topic == "config" else "warning"
        self.log_panel.add(level, event.text, event.topic)
        self._show_live()
        if change == "config-broken":
            self.notify(
                event.text.removeprefix(CONFIG_ERROR_PREFIX),
                title="hookdev.toml not applied (the last good one is kept)",
                severity="error",
                timeout=10,
            )
        elif change == "config-fixed":
            self.notify("The error is fixed and hookdev.toml is applied.", title="hookdev.toml")
        elif change == "relay-lost":
            self.notify(event.text, title="Relay disconnected, reconnecting", severity="warning")
        elif change == "relay-refused":
            self.notify(event.text, title="Relay refused the connection", severity="error", timeout=10)
        elif change == "relay-connected":
            self.notify(f"Public URL: {self.ctx.live.public_url}", title="Relay connected again")
        if event.topic == "config" and event.ok:
            self._catalog_reloaded()
        self.view("receiver").post_message(ReceiverChanged())

    def _catalog_reloaded(self) -> None:
        """After a good reload the sender may have read a new catalog: show the new event types."""
        try:
            catalog = self.engine.catalog
        except Exception:  # a broken catalog is reported by the reload itself
            return
        if catalog is not self.ctx.catalog:
            self.ctx.catalog = catalog
            self.ctx.catalog_error = None
            for name in ("send", "inbox"):
                self.view(name).post_message(CatalogReloaded())

    def _show_live(self) -> None:
        """The status bar's share of ctx.live: the config error, and the public URL or why there is none."""
        live = self.ctx.live
        status = self.status
        status.config_error = live.config_error or ""
        status.public_url = live.public_url or self.engine.public_url or ""
        status.relay = live.relay_label if self.engine.options.relay and not status.public_url else ""

    def _log_attempt(self, event: ev.AttemptFinished) -> None:
        a = event.attempt
        when = fmt_clock(a.started_at or a.scheduled_at, self.ctx.utc)
        text = attempt_log_text(a, event.next_attempt, when)
        self.log_panel.add("info" if a.status == "success" else "warning", text, "sender")

    def _flush_captures(self) -> None:
        batch = self._arrivals.take()
        if batch or not len(self._arrivals):
            self._flood_gc.batch_taken(self._arrivals.flooding)
        if batch:
            self.view("inbox").post_message(CapturesArrived(batch))
            # The status bar's count follows once a second (_refresh_status): the bar is at the bottom
            # and the list at the top, and one frame repainting both repaints everything in between.

    def _refresh_status(self) -> None:
        store = self.ctx.store
        status = self.status
        status.captures = store.count_captures()
        status.retrying = store.count_open()
        status.answer = self.engine.settings.respond.mode
        self._show_live()

    # -- actions --------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Global keys stay quiet while a dialog is open (a `t` in a confirm dialog must not send)."""
        if action in ("show", "send_test", "toggle_log", "leave_input") and isinstance(
            self.screen, ModalScreen
        ):
            return False
        if action == "leave_input":  # escape is only ours while a text field has focus
            return isinstance(self.focused, Input | TextArea)
        return True

    def action_leave_input(self) -> None:
        """Escape in a text field: the view decides (the Inbox filter clears), else focus its main widget."""
        focused = self.focused
        for name, _ in VIEWS:
            view = self.view(name)
            if focused is not None and view in focused.ancestors:
                leave = getattr(view, "leave_input", None)
                if leave is None or not leave(focused):
                    view.focus_default()
                return
        self.screen.set_focus(None)

    def action_show(self, name: str) -> None:
        self.query_one("#views", TabbedContent).active = f"tab-{name}"
        self.view(name).focus_default()

    def action_send_test(self) -> None:
        self.view("send").send_test()

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.help_sections()))

    def action_toggle_log(self) -> None:
        self._log_toggled = True
        self.log_visible = not self.log_visible

    # -- discoverability ------------------------------------------------------------------------
    def help_sections(self) -> list[Section]:
        return help_sections(self.BINDINGS, VIEWS)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title == "Screenshot":  # Textual's fails when ~/Downloads does not exist
                command = SystemCommand(command.title, command.help, self.screenshot_to_folder)
            yield command
        yield from binding_commands(self.BINDINGS, VIEWS, self.run_action, self.run_view_action)

    def screenshot_to_folder(self) -> None:
        """The palette's Screenshot: into a folder that exists or can be made (the toast says where)."""
        folder = str(screenshot_directory())
        self.set_timer(0.1, lambda: self.deliver_screenshot(path=folder))

    async def run_view_action(self, name: str, action: str) -> None:
        self.action_show(name)
        await self.run_action(action, self.view(name))
