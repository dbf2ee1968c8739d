"""The Receiver view's Dev loop card: hookdev.toml's live reload, and re-sending on source changes.

A broken hookdev.toml edit is shown here in the error style, with the reason, until a later edit fixes
it (the engine keeps the last good configuration meanwhile). The switch turns the engine's source
watcher on and off: when files under the watched paths change, the last message is sent again, as a
new message or as a replay of the same one.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Input, Label, Select, Static, Switch

from hookdev.tui.badges import kv
from hookdev.tui.context import Context
from hookdev.tui.live_status import CONFIG_ERROR_PREFIX

MODES = (("new message", "new"), ("replay", "replay"))
MAX_ERROR_LINES = 4


def display_path(path: Path) -> str:
    """``hookdev.toml`` or ``conf/hookdev.toml`` under the current directory, else ``~/...`` or absolute."""
    if not path.is_absolute():
        return str(path)
    try:
        return os.path.relpath(path) if path.is_relative_to(Path.cwd()) else str(path)
    except (OSError, ValueError):
        return str(path)


def parse_paths(text: str) -> list[Path]:
    """Comma-separated paths; empty means the current directory."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    return [Path(p).expanduser() for p in parts] or [Path(".")]


class DevLoopPanel(Vertical):
    """hookdev.toml reload state; the re-send-on-changes switch, paths and mode; the watcher's last word."""

    def __init__(self, ctx: Context, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.ctx = ctx

    def compose(self) -> ComposeResult:
        opts = self.ctx.engine.settings
        yield Label("Dev loop", classes="card-title")
        yield Static(id="devloop-config")
        with Horizontal(id="devloop-controls"):
            with Vertical(id="devloop-switch"):
                yield Label("Re-send on changes")
                yield Switch(bool(opts.resend_on_change), id="resend-switch")
            with Vertical(id="devloop-paths"):
                yield Label("Watch paths")
                yield Input(
                    ", ".join(str(p) for p in opts.resend_on_change) or ".",
                    placeholder=". (the current directory)",
                    tooltip="Comma-separated files or folders; empty: the current directory. Enter applies.",
                    id="resend-paths",
                )
            with Vertical(id="devloop-mode"):
                yield Label("Send")
                yield Select(MODES, value=opts.resend_mode, allow_blank=False, id="resend-mode")
        yield Static(id="devloop-watcher")

    def on_mount(self) -> None:
        self.refresh_state()

    def _clock(self, ts: float) -> str:
        return dt.datetime.fromtimestamp(ts, dt.UTC if self.ctx.utc else None).strftime("%H:%M:%S")

    # -- display --------------------------------------------------------------------------------
    def refresh_state(self) -> None:
        self.query_one("#devloop-config", Static).update(self._config())
        switch = self.query_one("#resend-switch", Switch)
        with switch.prevent(Switch.Changed):
            switch.value = bool(self.ctx.engine.settings.resend_on_change)
        self.query_one("#devloop-watcher", Static).update(self._watcher())

    def _config(self) -> Content:
        path = self.ctx.engine.options.config_path
        live = self.ctx.live
        if path is None:
            return kv(
                [("Config", Content.styled("no hookdev.toml (run hookdev where one is)", "$text-muted"))]
            )
        name = Content.assemble(Content.styled(display_path(path), "bold"), "  ")
        if live.config_error is not None:
            detail = (live.config_text or "").removeprefix(CONFIG_ERROR_PREFIX).splitlines()
            shown = detail[:MAX_ERROR_LINES] or [live.config_error]
            if len(detail) > MAX_ERROR_LINES:
                shown.append(f"… and {len(detail) - MAX_ERROR_LINES} more")
            head = Content.assemble(name, Content.styled("✗ not applied", "$text-error bold"))
            lines = [Content.styled(f"  {line}", "$text-error") for line in shown]
            kept = Content.styled(
                "  the last good configuration stays in use until this is fixed", "$text-muted"
            )
            return Content("\n").join([kv([("Config", head)]), *lines, kept])
        if live.config_at is not None:
            state = Content.styled(f"✓ reloaded at {self._clock(live.config_at)}", "$text-success")
        elif self.ctx.engine.config is not None or self.ctx.engine.options.config is not None:
            state = Content.styled("✓ loaded; edits apply live", "$text-success")
        else:
            state = Content.styled("edits apply live", "$text-muted")
        return kv([("Config", Content.assemble(name, state))])

    def _watcher(self) -> Content:
        live = self.ctx.live
        if live.watcher_text is None:
            text = "on" if self.ctx.engine.settings.resend_on_change else "off"
            return kv([("Watcher", Content.styled(text, "$text-muted"))])
        when = Content.styled(f"{self._clock(live.watcher_at or 0)}  ", "$text-muted")
        style = "" if live.watcher_ok else "$text-warning"
        return kv([("Watcher", Content.assemble(when, Content.styled(live.watcher_text, style)))])

    # -- controls -------------------------------------------------------------------------------
    def toggle(self) -> None:
        switch = self.query_one("#resend-switch", Switch)
        switch.value = not switch.value

    @on(Switch.Changed, "#resend-switch")
    def _switched(self, event: Switch.Changed) -> None:
        if event.value != bool(self.ctx.engine.settings.resend_on_change):  # not the switch being set up
            self.apply(event.value)

    @on(Select.Changed, "#resend-mode")
    def _mode_changed(self, event: Select.Changed) -> None:
        changed = event.value != self.ctx.engine.settings.resend_mode  # not the select being set up
        if changed and self.query_one("#resend-switch", Switch).value:
            self.apply(True)

    @on(Input.Submitted, "#resend-paths")
    def _paths_submitted(self, event: Input.Submitted) -> None:
        switch = self.query_one("#resend-switch", Switch)
        if switch.value:
            self.apply(True)
        else:
            switch.value = True  # Enter in the paths field turns it on
        event.input.blur()

    def key_escape(self) -> None:
        box = self.query_one("#resend-paths", Input)
        if box.has_focus:
            box.blur()

    def apply(self, on: bool) -> None:
        """Start (or restart, with the paths and mode shown) or stop re-sending on changes."""
        mode = self.query_one("#resend-mode", Select).value
        paths = parse_paths(self.query_one("#resend-paths", Input).value) if on else []
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            self.app.notify(f"No such path: {', '.join(missing)}", title="Not watching", severity="error")
            self.refresh_state()  # the switch goes back off
            return
        self._set_resend(paths, mode if isinstance(mode, str) else "new")

    @work(exclusive=True, group="resend", exit_on_error=False, description="re-send on changes")
    async def _set_resend(self, paths: list[Path], mode: str) -> None:
        try:
            await self.ctx.engine.set_resend(paths, mode)
        except ValueError as e:  # a one-line reason
            self.app.notify(str(e), title="Not watching", severity="error")
        self.refresh_state()
