"""The running engine's settings: one immutable snapshot, layered flag > runtime change > file > default.

``Settings`` has one field per declared setting (``hookdev.config.declared``). ``Layers`` holds the
three sources above the defaults; ``resolve`` turns them into a snapshot. The engine keeps the layers,
replaces its snapshot whole whenever one of them changes (a hookdev.toml reload, a runtime change from
the TUI) and publishes ``SettingsChanged``; every part reads the current snapshot and keeps no copy.

A runtime change of a setting that was also given as a flag replaces the flag's value: the user's
latest word for this run wins, and a later reload of the file undoes neither.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hookdev.config import Config, empty_config, parse_size
from hookdev.config.declared import BY_NAME, SETTINGS, Setting
from hookdev.config.model import DEFAULT_HOST, DEFAULT_MAX_BODY, DEFAULT_PORT
from hookdev.forward import DEFAULT_MAX_RESPONSE, Route, parse_route, parse_target
from hookdev.receiver import RespondPolicy, parse_respond


@dataclass(frozen=True)
class Settings:
    """One immutable snapshot of every setting (see ``hookdev.config.declared`` for what each means)."""

    catalog: str | None = None
    strict: bool = False
    time_scale: float = 1.0
    ops_endpoint: str | None = None
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    secrets: tuple[str, ...] = ()
    scheme: str | None = None
    tolerance: float = 300.0
    max_body: int = DEFAULT_MAX_BODY
    forward_to: str | None = None  # a full URL (shorthands are parsed on the way in)
    accept_invalid: bool = False
    respond: RespondPolicy = field(default_factory=RespondPolicy)
    routes: tuple[Route, ...] = ()
    forward_timeout: float = 30.0
    max_response: int = DEFAULT_MAX_RESPONSE
    head_timeout: float = 10.0
    body_timeout: float = 10.0
    max_connections: int = 1000
    resend_on_change: tuple[Path, ...] = ()
    resend_mode: str = "new"

    def changed(self, other: Settings) -> tuple[str, ...]:
        """The names of the settings whose values differ from ``other``'s."""
        return tuple(s.name for s in SETTINGS if getattr(self, s.name) != getattr(other, s.name))

    def replace(self, **values: Any) -> Settings:
        unknown = sorted(set(values) - set(BY_NAME))
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(unknown)}")
        for name, value in values.items():
            check(name, value)
        return dataclasses.replace(self, **{k: normalize(k, v) for k, v in values.items()})


@dataclass(frozen=True)
class SettingsChanged:
    """The engine replaced its settings snapshot. ``source``: "file" (hookdev.toml reloaded) or
    "runtime" (changed while running, e.g. from the TUI)."""

    settings: Settings
    previous: Settings
    changed: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Layers:
    """The sources of the settings above the built-in defaults, highest first.

    ``flags``: the command line as parsed by click (``None`` or empty: not given); ``runtime``:
    changes made while running, as snapshot values; ``file``: the hookdev.toml read last.
    """

    flags: Mapping[str, Any] = field(default_factory=dict)
    runtime: Mapping[str, Any] = field(default_factory=dict)
    file: Config = field(default_factory=empty_config)

    def with_runtime(self, **values: Any) -> Layers:
        """These runtime changes recorded (and any flag of the same settings dropped: see the module doc)."""
        flags = {k: v for k, v in self.flags.items() if k not in values}
        return Layers(flags, {**self.runtime, **values}, self.file)

    def with_file(self, config: Config) -> Layers:
        return Layers(self.flags, self.runtime, config)


def normalize(name: str, value: Any) -> Any:
    """A snapshot value in its canonical type (tuples for sequences, floats for numbers)."""
    setting = BY_NAME[name]
    if value is None:
        return None
    if setting.kind in ("strings", "routes", "paths"):
        return tuple(Path(v) if setting.kind == "paths" else v for v in value)
    if setting.name in ("time_scale", "tolerance", "forward_timeout", "head_timeout", "body_timeout"):
        return float(value)
    if setting.kind == "path":
        return str(value)
    return value


def check(name: str, value: Any) -> None:
    """Raise ValueError (one line) when ``value`` is out of what the declaration of ``name`` allows:
    a choice not among its choices, a number at or below its bound, an integer out of its range."""
    setting = BY_NAME[name]
    if value is None:
        return
    if setting.kind == "choice" and value not in setting.choices:
        raise ValueError(f"{name}: expected one of {'|'.join(setting.choices)}, got {value!r}")
    if setting.kind in ("number", "integer", "size") and (
        isinstance(value, bool) or not isinstance(value, int | float)
    ):
        raise ValueError(f"{name}: expected a number, got {value!r}")
    if setting.kind == "number" and setting.lo is not None and not value > setting.lo:
        raise ValueError(f"{name}: expected a number > {setting.lo:g}, got {value!r}")
    if setting.kind == "integer" and (
        (setting.lo is not None and value < setting.lo) or (setting.hi is not None and value > setting.hi)
    ):
        raise ValueError(f"{name}: {value!r} is out of range")
    if setting.kind == "bool" and not isinstance(value, bool):
        raise ValueError(f"{name}: expected true or false, got {value!r}")


def _given(value: Any) -> bool:
    return value is not None and value != () and value != [] and value is not False


def _from_flag(setting: Setting, value: Any) -> Any:
    """A command-line value in snapshot form; raises ValueError with a one-line reason."""
    if setting.kind == "size" and isinstance(value, str):
        try:
            return parse_size(value)
        except ValueError:
            raise ValueError(
                f"invalid {setting.flag} {value!r}: use bytes or a number with KiB/MiB (e.g. 5MiB)"
            ) from None
    if setting.kind == "target":
        return parse_target(value)
    if setting.kind == "respond":
        return value if isinstance(value, RespondPolicy) else parse_respond(value)
    if setting.kind == "routes":
        return tuple(r if isinstance(r, Route) else parse_route(r) for r in value)
    return normalize(setting.name, value)


def _from_file(setting: Setting, config: Config) -> Any:
    """The file's value in snapshot form, or None when the file does not set it."""
    if setting.kind == "respond":
        return respond_from_config(config)
    if setting.kind == "routes":
        return (
            tuple(
                Route(r.path, parse_target(r.to) if r.to else "", (r.secret,) if r.secret else (), r.scheme)
                for r in config.routes
            )
            or None
        )
    assert setting.key is not None
    value: Any = config
    for part in setting.key.split("."):
        value = getattr(value, part)
    if value is None:
        return None
    if setting.kind == "target":
        return parse_target(value)
    return normalize(setting.name, value)


def respond_from_config(config: Config) -> RespondPolicy | None:
    r = config.receiver.respond
    if r.mode is None:
        return None
    values = {k: v for k, v in dataclasses.asdict(r).items() if k != "mode" and v is not None}
    return RespondPolicy(r.mode, **values)


def resolve(layers: Layers) -> Settings:
    """The snapshot the layers make: for each setting, the first of flag, runtime change, file and
    default that sets it. Extra secrets add up (flags and the file); ``--route`` entries win over the
    file's routes for the same path. Raises ValueError with a one-line reason for a bad value."""
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        flag = layers.flags.get(setting.dest)
        file_value = _from_file(setting, layers.file) if setting.key else None
        if setting.name in layers.runtime:
            chosen = layers.runtime[setting.name]
            if _given(flag):
                chosen = _from_flag(setting, flag)
        elif _given(flag):
            chosen = _from_flag(setting, flag)
            if setting.name == "secrets" and file_value:
                chosen = tuple(chosen) + tuple(file_value)
            elif setting.name == "routes" and file_value:
                given = {r.prefix for r in chosen}
                chosen = tuple(chosen) + tuple(r for r in file_value if r.prefix not in given)
        else:
            chosen = file_value
        if chosen is not None:
            values[setting.name] = normalize(setting.name, chosen)
    return Settings(**values)
