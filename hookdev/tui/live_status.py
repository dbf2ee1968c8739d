"""What the running engine last said about hookdev.toml, the relay and the re-send watcher.

The engine reports these as ``StatusChanged`` events and keeps no history; the status bar, the
Receiver view and the notifications all need the latest state (and a broken hookdev.toml must stay
visible until a later reload fixes it), so the app folds every event into one ``LiveStatus``. Pure
Python: no Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hookdev.events import StatusChanged

CONFIG_ERROR_PREFIX = "config error (keeping the last good one): "


@dataclass
class LiveStatus:
    """The latest config, relay and watcher state, and when each was reported (``now()`` seconds)."""

    config_error: str | None = None
    """The reload error (first line of the ConfigError) while hookdev.toml is broken; None once fixed."""
    config_text: str | None = None
    """The last config report ("reloaded hookdev.toml", or the full error)."""
    config_at: float | None = None
    relay_state: str | None = None
    """connecting | connected | disconnected | refused; None until the relay client reports."""
    relay_text: str = ""
    public_url: str | None = None
    relay_was_connected: bool = False
    watcher_text: str | None = None
    watcher_ok: bool = True
    watcher_at: float | None = None

    def apply(self, event: StatusChanged, now: float) -> str | None:
        """Fold ``event`` in; returns what a person should be told about, if anything:

        ``config-broken``, ``config-fixed``, ``relay-lost`` (was connected), ``relay-refused``,
        ``relay-connected`` (after a loss), or None.
        """
        if event.topic == "config":
            self.config_text = event.text
            self.config_at = now
            if not event.ok:
                detail = event.text.removeprefix(CONFIG_ERROR_PREFIX)
                self.config_error = detail.splitlines()[0] if detail.strip() else "hookdev.toml is invalid"
                return "config-broken"
            was_broken = self.config_error is not None
            self.config_error = None
            return "config-fixed" if was_broken else None
        if event.topic == "relay":
            return self._relay(event)
        if event.topic == "watcher":
            self.watcher_text = event.text
            self.watcher_ok = event.ok
            self.watcher_at = now
        return None

    def _relay(self, event: StatusChanged) -> str | None:
        status: Any = event.data
        state = getattr(status, "state", None) or ("connected" if event.ok else "disconnected")
        before = self.relay_state
        self.relay_state = state
        self.relay_text = event.text
        self.public_url = getattr(status, "public_url", None) if state == "connected" else None
        if state == "refused" and before != "refused":
            return "relay-refused"
        if state != "connected" and before == "connected":
            return "relay-lost"
        if state == "connected":
            again = self.relay_was_connected and before != "connected"
            self.relay_was_connected = True
            return "relay-connected" if again else None
        return None

    @property
    def relay_label(self) -> str:
        """How the status bar names a relay that is not connected."""
        if self.relay_state == "refused":
            return "relay: refused"
        return "relay: reconnecting" if self.relay_was_connected else "relay: connecting"
