"""The dev loop: live reload of hookdev.toml and the catalog, and re-sending on source changes.

Both watchers use ``watchfiles.awatch`` on the engine's loop. A broken edit keeps the last good
configuration and reports the error (StatusChanged topic "config", ok=False) until it is fixed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import watchfiles

from hookdev.catalog import CatalogError
from hookdev.config import ConfigError, load_config
from hookdev.events import EventBus, StatusChanged

IGNORED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "__pycache__",
        "node_modules",
        ".venv",
        "venv",
        "env",
        ".env",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".hookdev",
        "site-packages",
        ".idea",
        ".vscode",
    }
)
DEBOUNCE_MS = 400
# A burst of saves is one resend: changes are grouped until none came for RESEND_SETTLE_MS (an editor's
# save-all, a formatter rewriting the file, saves a fraction of a second apart), or for at most
# RESEND_MAX_MS while they keep coming.
RESEND_SETTLE_MS = 1000
RESEND_MAX_MS = 10_000


class SourceFilter(watchfiles.DefaultFilter):
    """Changes that mean "the consumer's code changed": not VCS, caches, dependencies, venvs or the
    hookdev workspace itself (whose database changes on every request)."""

    def __init__(self, ignore_paths: list[Path]) -> None:
        super().__init__(ignore_dirs=tuple(IGNORED_DIRS), ignore_paths=[str(p) for p in ignore_paths])

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        parts = Path(path).parts
        if any(p in IGNORED_DIRS or p.endswith(".egg-info") for p in parts):
            return False
        if any(part.startswith("pyvenv") for part in parts):
            return False
        if path.endswith((".log", ".tmp", ".swp", "~")):  # logs and editor scratch files are not code
            return False
        return super().__call__(change, path)


async def watch_config(
    config_path: Path,
    catalog_path: Callable[[], Path | None],
    apply: Callable[[Any], object],
    reload_catalog: Callable[[], object],
    bus: EventBus,
    stop: asyncio.Event,
) -> None:
    """Re-read hookdev.toml (and the catalog) on every change; apply the new config when it is valid."""
    last_error: str | None = None

    def targets() -> list[Path]:
        paths = [config_path.parent]
        catalog = catalog_path()
        if catalog is not None and catalog.exists():
            paths.append(catalog if catalog.is_dir() else catalog.parent)
        return paths

    while not stop.is_set():
        watched = targets()
        async for changes in watchfiles.awatch(
            *watched, stop_event=stop, debounce=DEBOUNCE_MS, recursive=True
        ):
            changed = {Path(p).resolve() for _, p in changes}
            catalog = catalog_path()
            catalog_changed = catalog is not None and any(
                p == catalog.resolve() or catalog.resolve() in p.parents for p in changed
            )
            config_changed = config_path.resolve() in changed
            if not (config_changed or catalog_changed):
                continue
            try:
                if config_changed:
                    config = load_config(config_path)
                    apply(config)
                problems = reload_catalog()
            except (ConfigError, CatalogError, ValueError) as e:
                last_error = str(e)
                bus.publish(
                    StatusChanged("config", f"config error (keeping the last good one): {e}", ok=False)
                )
                continue
            what = "hookdev.toml" if config_changed else "catalog"
            if isinstance(problems, list) and problems:  # loaded per type, but not everything loaded
                last_error = problems[0]
                more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
                text = f"reloaded {what}; the catalog has problems: {problems[0]}{more}"
                bus.publish(StatusChanged("config", text, ok=False))
            else:
                text = f"reloaded {what}" + (" - the error is fixed" if last_error else "")
                last_error = None
                bus.publish(StatusChanged("config", text, ok=True))
            if targets() != watched:
                break  # the catalog moved: watch the new place


async def watch_sources(
    paths: list[Path],
    ignore: list[Path],
    on_change: Callable[[list[str]], Any],
    bus: EventBus,
    stop: asyncio.Event,
) -> None:
    """Call ``on_change`` once per settled burst of changes under ``paths``."""
    existing = [p for p in paths if p.exists()]
    missing = [p for p in paths if not p.exists()]
    if missing:
        bus.publish(
            StatusChanged(
                "watcher", f"not watching missing path(s): {', '.join(map(str, missing))}", ok=False
            )
        )
    if not existing:
        return
    bus.publish(StatusChanged("watcher", f"re-sending on changes under {', '.join(map(str, existing))}"))
    watch_filter = SourceFilter(ignore)
    async for changes in watchfiles.awatch(
        *existing,
        watch_filter=watch_filter,
        stop_event=stop,
        debounce=RESEND_MAX_MS,
        step=RESEND_SETTLE_MS,
    ):
        files = sorted({p for _, p in changes})
        with contextlib.suppress(Exception):
            result = on_change(files)
            if asyncio.iscoroutine(result):
                await result
