"""Layering of settings: CLI flag, else hookdev.toml, else the built-in default -> EngineOptions.

Both the first start and every live reload of hookdev.toml go through ``build_engine_options``, so a
value given on the command line keeps winning over an edited file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from hookdev.config import Config, empty_config, first_set, parse_size
from hookdev.forward import DEFAULT_MAX_RESPONSE, Route, parse_route, parse_target
from hookdev.receiver import DEFAULT_MAX_BODY, RespondPolicy, parse_respond
from hookdev.workspace import DEFAULT_HOST, DEFAULT_PORT

T = TypeVar("T")


@dataclass
class EngineOptions:
    """What an Engine starts with: the settings layered from flags, hookdev.toml and defaults."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    time_scale: float = 1.0
    catalog: str | None = None
    secrets: list[str] = field(default_factory=list)
    scheme: str | None = None
    tolerance: float = 300.0
    max_body: int = DEFAULT_MAX_BODY
    accept_invalid: bool = False
    forward_to: str | None = None
    routes: list[Route] = field(default_factory=list)
    forward_timeout: float = 30.0
    max_response: int = DEFAULT_MAX_RESPONSE
    relay: str | None = None
    relay_token: str | None = None
    channel: str | None = None
    tls: bool = False
    respond: RespondPolicy = field(default_factory=RespondPolicy)
    dispatch: bool = True
    config_path: Path | None = None  # hookdev.toml to watch and re-apply on edits
    cli: dict[str, Any] = field(default_factory=dict)  # the flags given, which keep winning on reload
    resend_on_change: list[Path] = field(default_factory=list)
    resend_mode: str = "new"
    ops_endpoint: str | None = None
    config: Config | None = None  # the hookdev.toml Config read at start


def _pick(*values: T | None) -> T:
    """The first value that is not None (the last one, the default, never is)."""
    found = next((v for v in values if v is not None), None)
    assert found is not None, "the last value is the default"
    return found


def _cli_size(text: str, flag: str = "--max-body") -> int:
    try:
        return parse_size(text)
    except ValueError:
        raise ValueError(f"invalid {flag} {text!r}: use bytes or a number with KiB/MiB (e.g. 5MiB)") from None


def respond_from_config(config: Config) -> RespondPolicy | None:
    r = config.receiver.respond
    if r.mode is None:
        return None
    policy = RespondPolicy(r.mode)
    if r.status is not None:
        policy.status = r.status
    if r.count is not None:
        policy.count = r.count
    if r.delay is not None:
        policy.delay = r.delay
    if r.retry_after is not None:
        policy.retry_after = r.retry_after
    return policy


def build_engine_options(cli: dict[str, Any], config: Config | None = None) -> EngineOptions:
    """Raises ValueError with a one-line reason for a bad flag or file value."""
    config = config or empty_config()
    rc = config.receiver
    forward_to = first_set(cli.get("forward_to"), rc.forward_to)
    routes = [parse_route(r) for r in cli.get("routes") or ()]
    cli_prefixes = {r.prefix for r in routes}
    for route in config.routes:
        if route.path in cli_prefixes:
            continue
        routes.append(
            Route(
                route.path,
                parse_target(route.to) if route.to else "",
                (route.secret,) if route.secret else (),
                route.scheme,
            )
        )
    max_body = cli.get("max_body")
    max_response = cli.get("max_response")
    return EngineOptions(
        host=_pick(cli.get("host"), rc.host, DEFAULT_HOST),
        port=_pick(cli.get("port"), rc.port, DEFAULT_PORT),
        time_scale=float(_pick(cli.get("time_scale"), config.time_scale, 1.0)),
        catalog=first_set(cli.get("catalog"), str(config.catalog) if config.catalog else None),
        secrets=list(cli.get("secrets") or ()) + list(rc.secrets or ()),
        scheme=first_set(cli.get("scheme"), rc.scheme),
        tolerance=float(_pick(cli.get("tolerance"), rc.tolerance, 300)),
        max_body=_cli_size(max_body) if max_body else _pick(rc.max_body, DEFAULT_MAX_BODY),
        accept_invalid=bool(_pick(cli.get("accept_invalid"), rc.accept_invalid, False)),
        forward_to=parse_target(forward_to) if forward_to else None,
        routes=routes,
        forward_timeout=float(_pick(cli.get("forward_timeout"), 30.0)),
        max_response=_cli_size(max_response, "--max-response")
        if max_response
        else _pick(rc.max_response, DEFAULT_MAX_RESPONSE),
        relay=cli.get("relay"),
        relay_token=cli.get("relay_token"),
        channel=cli.get("channel"),
        tls=bool(cli.get("tls")),
        respond=parse_respond(cli["respond"])
        if cli.get("respond")
        else (respond_from_config(config) or RespondPolicy()),
    )
