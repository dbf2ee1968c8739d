"""The options `listen` and `ui` share (both run an Engine), and their translation to EngineOptions."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

import click

from hookdev.cli._common import HookdevError
from hookdev.engine import EngineOptions
from hookdev.forward import parse_route, parse_target
from hookdev.receiver import DEFAULT_MAX_BODY, parse_respond
from hookdev.signing import SCHEMES
from hookdev.workspace import DEFAULT_HOST, DEFAULT_PORT, Workspace

F = TypeVar("F", bound=Callable[..., Any])

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|k|mb|mib|m|gb|gib|g)?\s*$", re.I)
_UNITS = {None: 1, "b": 1, "kb": 1000, "k": 1024, "kib": 1024, "mb": 1000**2, "m": 1024**2, "mib": 1024**2,
          "gb": 1000**3, "g": 1024**3, "gib": 1024**3}


def parse_size(text: str) -> int:
    m = _SIZE.match(str(text))
    if not m:
        raise ValueError(f"invalid size {text!r}: use bytes or a number with KiB/MiB (e.g. 5MiB)")
    unit = m.group(2).lower() if m.group(2) else None
    return int(float(m.group(1)) * _UNITS[unit])


def engine_options(f: F) -> F:
    decorators = [
        click.option("--host", default=None, help=f"Address to bind (default {DEFAULT_HOST}; 0.0.0.0 exposes it)."),
        click.option("--port", type=click.IntRange(0, 65535), default=None,
                     help=f"Port (default {DEFAULT_PORT}; 0 picks a free one)."),
        click.option("--secret", "secrets", multiple=True, metavar="S",
                     help="Another secret to verify with (any scheme; repeatable)."),
        click.option("--scheme", type=click.Choice(SCHEMES), default=None,
                     help="Fix the signature scheme instead of detecting it from the headers."),
        click.option("--tolerance", type=click.FloatRange(0), default=None,
                     help="Timestamp tolerance in seconds, both directions (default 300)."),
        click.option("--max-body", default=None, metavar="SIZE", help="Largest body accepted (default 5MiB); larger gets 413."),
        click.option("--accept-invalid", is_flag=True, default=None, help="Answer 200 even when a signature is invalid."),
        click.option("--respond", default=None, metavar="MODE",
                     help="How to answer: normal, status:CODE, fail:N[:CODE], delay:SECONDS, gone, throttle[:SECONDS]."),
        click.option("--time-scale", type=click.FloatRange(min=0, min_open=True), default=None,
                     help="Divide every retry wait by N (3600: an hour per second)."),
        click.option("--catalog", type=click.Path(exists=True), default=None, help="Event catalog (dir, file or OpenAPI)."),
        click.option("--forward-to", default=None, metavar="TARGET",
                     help="Forward every request to your app: 3000, :3000/hooks, host:port or a URL."),
        click.option("--route", "routes", multiple=True, metavar="PATH=TARGET",
                     help="Forward PATH (and below) to TARGET; repeatable, e.g. /stripe=3000/stripe."),
        click.option("--forward-timeout", type=click.FloatRange(min=0, min_open=True), default=None,
                     help="Seconds to wait for your app (default 30); then 504."),
        click.option("--relay", default=None, metavar="URL", help="Connect to a hookdev relay for a public URL."),
        click.option("--relay-token", default=None, metavar="T", help="Token the relay requires."),
        click.option("--channel", default=None, metavar="NAME", help="Relay channel (default: a random one kept in the workspace)."),
        click.option("--tls", is_flag=True, default=None, help="Serve https with a workspace-local CA (see `hookdev tls ca`)."),
    ]
    for decorator in reversed(decorators):
        f = decorator(f)
    return f


def receiver_options_from_cli(workspace: Workspace, o: dict[str, Any]) -> EngineOptions:
    """CLI flags win over hookdev.toml, which wins over the defaults."""
    opts = EngineOptions()
    try:
        if o.get("host") is not None:
            opts.host = o["host"]
        if o.get("port") is not None:
            opts.port = o["port"]
        opts.secrets = list(o.get("secrets") or ())
        opts.scheme = o.get("scheme")
        if o.get("tolerance") is not None:
            opts.tolerance = o["tolerance"]
        opts.max_body = parse_size(o["max_body"]) if o.get("max_body") else DEFAULT_MAX_BODY
        opts.accept_invalid = bool(o.get("accept_invalid"))
        if o.get("respond"):
            opts.respond = parse_respond(o["respond"])
        if o.get("time_scale") is not None:
            opts.time_scale = o["time_scale"]
        opts.catalog = o.get("catalog")
        if o.get("forward_to"):
            opts.forward_to = parse_target(o["forward_to"])
        opts.routes = [parse_route(r) for r in o.get("routes") or ()]
        if o.get("forward_timeout") is not None:
            opts.forward_timeout = o["forward_timeout"]
        opts.relay = o.get("relay")
        opts.relay_token = o.get("relay_token")
        opts.channel = o.get("channel")
        opts.tls = bool(o.get("tls"))
    except ValueError as e:
        raise HookdevError(str(e)) from None
    return opts
