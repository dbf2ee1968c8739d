"""What every view needs from the running app: the workspace, the engine, the catalog, a clock.

Passed to each view at construction (no reaching into the App). ``frozen_now``/``display_url`` make
the screen deterministic for snapshot tests and screenshots: times in UTC, a fixed "now" and URL.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from hookdev.engine import Engine
from hookdev.store import Store
from hookdev.workspace import Workspace


@dataclass
class Context:
    workspace: Workspace
    engine: Engine
    frozen_now: float | None = None
    display_url: str | None = None
    catalog: Any = None  # hookdev.catalog.Catalog, or None when it failed to load
    catalog_error: str | None = None
    _sender: Any = field(default=None, repr=False)

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
        opts = self.engine.options
        return f"http://{opts.host}:{opts.port}"

    @property
    def time_scale(self) -> float:
        return self.engine.options.time_scale

    def _wake(self) -> None:
        if self.engine.dispatcher is not None:
            self.engine.dispatcher.wake()

    @property
    def sender(self) -> Any:
        """The sender service (endpoints, messages, attempts), created on first use."""
        if self._sender is None:
            from hookdev.sender import Sender

            self._sender = Sender(
                self.workspace,
                bus=self.engine.bus,
                catalog=self.catalog,
                catalog_path=self.engine.options.catalog,
                wake=self._wake,
            )
        return self._sender
