"""How an Engine starts: ``EngineOptions``, and ``build_engine_options`` that layers the command line
over hookdev.toml over the defaults into one (through ``hookdev.settings.resolve``, as every reload
does too, so a value given on the command line keeps winning over an edited file)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hookdev.config import Config, empty_config
from hookdev.forward import Route
from hookdev.receiver import RespondPolicy
from hookdev.settings import Layers, Settings, resolve
from hookdev.settings import respond_from_config as respond_from_config
from hookdev.workspace import DEFAULT_HOST, DEFAULT_PORT

DEFAULTS = Settings()


@dataclass
class EngineOptions:
    """The settings an Engine starts with (already layered), and what only a start chooses.

    ``cli`` keeps the flags given and ``config`` the hookdev.toml read, so the engine can layer them
    again on every reload (``hookdev.settings.Layers``)."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    time_scale: float = DEFAULTS.time_scale
    catalog: str | None = None
    strict: bool = False
    secrets: list[str] = field(default_factory=list)
    scheme: str | None = None
    tolerance: float = DEFAULTS.tolerance
    max_body: int = DEFAULTS.max_body
    accept_invalid: bool = False
    forward_to: str | None = None
    routes: list[Route] = field(default_factory=list)
    forward_timeout: float = DEFAULTS.forward_timeout
    max_response: int = DEFAULTS.max_response
    head_timeout: float = DEFAULTS.head_timeout
    body_timeout: float = DEFAULTS.body_timeout
    max_connections: int = DEFAULTS.max_connections
    relay: str | None = None
    relay_token: str | None = None
    channel: str | None = None
    tls: bool = False
    respond: RespondPolicy = field(default_factory=RespondPolicy)
    dispatch: bool = True
    config_path: Path | None = None  # hookdev.toml to watch and re-apply on edits
    cli: dict[str, Any] = field(default_factory=dict)  # the flags given, which keep winning on reload
    resend_on_change: list[Path] = field(default_factory=list)
    resend_mode: str = DEFAULTS.resend_mode
    ops_endpoint: str | None = None
    config: Config | None = None  # the hookdev.toml Config read at start

    def given(self) -> dict[str, Any]:
        """The settings these options set explicitly: the flags of the command line when it built
        them, else (options made in code) every setting that differs from its default."""
        if self.cli:
            return dict(self.cli)
        start = dataclasses.asdict(self.start_settings())
        defaults = dataclasses.asdict(DEFAULTS)
        return {name: getattr(self, name) for name in start if start[name] != defaults[name]}

    def start_settings(self) -> Settings:
        """The settings snapshot these options start an engine with."""
        return Settings(
            catalog=self.catalog,
            strict=self.strict,
            time_scale=float(self.time_scale),
            ops_endpoint=self.ops_endpoint,
            host=self.host,
            port=self.port,
            secrets=tuple(self.secrets),
            scheme=self.scheme,
            tolerance=float(self.tolerance),
            max_body=self.max_body,
            forward_to=self.forward_to,
            accept_invalid=self.accept_invalid,
            respond=self.respond,
            routes=tuple(self.routes),
            forward_timeout=float(self.forward_timeout),
            max_response=self.max_response,
            head_timeout=float(self.head_timeout),
            body_timeout=float(self.body_timeout),
            max_connections=self.max_connections,
            resend_on_change=tuple(self.resend_on_change),
            resend_mode=self.resend_mode,
        )


def build_engine_options(cli: dict[str, Any], config: Config | None = None) -> EngineOptions:
    """Raises ValueError with a one-line reason for a bad flag or file value."""
    s = resolve(Layers(flags=cli, file=config or empty_config()))
    return EngineOptions(
        host=s.host,
        port=s.port,
        time_scale=s.time_scale,
        catalog=s.catalog,
        strict=s.strict,
        secrets=list(s.secrets),
        scheme=s.scheme,
        tolerance=s.tolerance,
        max_body=s.max_body,
        accept_invalid=s.accept_invalid,
        forward_to=s.forward_to,
        routes=list(s.routes),
        forward_timeout=s.forward_timeout,
        max_response=s.max_response,
        head_timeout=s.head_timeout,
        body_timeout=s.body_timeout,
        max_connections=s.max_connections,
        relay=cli.get("relay"),
        relay_token=cli.get("relay_token"),
        channel=cli.get("channel"),
        tls=bool(cli.get("tls")),
        respond=s.respond,
        resend_on_change=list(s.resend_on_change),
        resend_mode=s.resend_mode,
        ops_endpoint=s.ops_endpoint,
    )
