"""Which catalog a command, the engine or the TUI uses: one rule, here, for all of them.

The first of these that is set wins:

1. ``--catalog PATH`` on the command line;
2. ``catalog = "..."`` in hookdev.toml (relative to the file);
3. the workspace's ``catalog`` setting;
4. the bundled sample catalog.

Loading is per type unless ``--strict`` or hookdev.toml's ``strict = true`` asks for all-or-nothing.
A workspace's ``cache/`` directory keeps big documents parsed (see :mod:`hookdev.catalog.cache`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from hookdev.catalog.loading import load_catalog
from hookdev.catalog.model import SAMPLE_SOURCE, Catalog

WORKSPACE_SETTING = "catalog"
CACHE_DIR = "cache"


@dataclass(frozen=True)
class CatalogSource:
    """A catalog to load: where from (``None``: the bundled sample), how strictly, with which cache."""

    path: str | None = None
    strict: bool = False
    cache_dir: str | None = None
    origin: str = "bundled sample"  # "--catalog", "hookdev.toml", "workspace setting", "bundled sample"

    def load(self) -> Catalog:
        """:func:`~hookdev.catalog.loading.load_catalog` with these choices (raises CatalogError)."""
        return load_catalog(self.path, strict=self.strict, cache_dir=self.cache_dir)

    @property
    def label(self) -> str:
        return SAMPLE_SOURCE if self.path is None else self.path


def catalog_source(
    *,
    flag: str | os.PathLike[str] | None = None,
    config: str | os.PathLike[str] | None = None,
    setting: object = None,
    strict_flag: bool = False,
    config_strict: bool | None = None,
    workspace_home: str | os.PathLike[str] | None = None,
) -> CatalogSource:
    """The one lookup order (see the module docstring); each layer is given by the caller that has it."""
    strict = bool(strict_flag or config_strict)
    cache_dir = str(Path(workspace_home) / CACHE_DIR) if workspace_home is not None else None
    if flag is not None and os.fspath(flag) != "":
        return CatalogSource(os.fspath(flag), strict, cache_dir, "--catalog")
    if config is not None:
        return CatalogSource(os.fspath(config), strict, cache_dir, "hookdev.toml")
    if isinstance(setting, str) and setting:
        return CatalogSource(setting, strict, cache_dir, "workspace setting")
    return CatalogSource(None, strict, cache_dir)
