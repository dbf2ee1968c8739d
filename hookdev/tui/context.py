"""What every view needs from the running app: the workspace, the engine, the catalog, a clock.

Passed to each view at construction (no reaching into the App). ``frozen_now``/``display_url`` make
the screen deterministic for snapshot tests and screenshots: times in UTC, a fixed "now" and URL.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hookdev.engine import Engine
from hookdev.sender import Sender
from hookdev.store import Store
from hookdev.tui.live_status import LiveStatus
from hookdev.workspace import Workspace

if TYPE_CHECKING:
    from hookdev.catalog import Catalog


@dataclass
class Context:
    workspace: Workspace
    engine: Engine
    frozen_now: float | None = None
    display_url: str | None = None
    catalog: Catalog | None = None  # None when it failed to load
    catalog_error: str | None = None
    live: LiveStatus = field(default_factory=LiveStatus)
    """The engine's last word on hookdev.toml, the relay and the re-send watcher (the app keeps it)."""

    @property
    def store(self) -> Store:
        return self.workspace.store

    @property
    def utc(self) -> bool:
        """Frozen screens show UTC so they look the same on every machine."""
        return self.frozen_now is not None

    def now(self) -> float:
        return self.frozen_now if self.frozen_now is not None else time.time()

    @property
    def url(self) -> str:
        """The receiver's URL as the user should type it."""
        if self.display_url:
            return self.display_url
        if self.engine.url:
            return self.engine.url
        settings = self.engine.settings
        return f"http://{settings.host}:{settings.port}"

    @property
    def time_scale(self) -> float:
        return self.engine.settings.time_scale

    @property
    def sender(self) -> Sender:
        """The engine's sender service (endpoints, messages, attempts)."""
        return self.engine.sender
