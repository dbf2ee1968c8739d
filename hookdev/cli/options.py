"""The options `listen` and `ui` share (both run an Engine), and their translation to EngineOptions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from hookdev.cli import numbers
from hookdev.cli._common import HookdevError
from hookdev.config import ConfigError, find_config, load_config
from hookdev.options import EngineOptions, build_engine_options
from hookdev.signing import SCHEMES
from hookdev.workspace import DEFAULT_HOST, DEFAULT_PORT

F = TypeVar("F", bound=Callable[..., Any])


def engine_options(f: F) -> F:
    decorators = [
        click.option(
            "--host", default=None, help=f"Address to bind (default {DEFAULT_HOST}; 0.0.0.0 exposes it)."
        ),
        click.option(
            "--port",
            type=click.IntRange(0, 65535),
            default=None,
            help=f"Port (default {DEFAULT_PORT}; 0 picks a free one).",
        ),
        click.option(
            "--secret",
            "secrets",
            multiple=True,
            metavar="S",
            help="Another secret to verify with (repeatable); SCHEME:SECRET (e.g. stripe:whsec_...) binds it to one scheme.",
        ),
        click.option(
            "--scheme",
            type=click.Choice(SCHEMES),
            default=None,
            help="Fix the signature scheme instead of detecting it from the headers.",
        ),
        click.option(
            "--tolerance",
            type=numbers.finite(0, 1e9),
            default=None,
            help="Timestamp tolerance in seconds, both directions (default 300).",
        ),
        click.option(
            "--max-body",
            default=None,
            metavar="SIZE",
            help="Largest body accepted (default 5MiB); larger gets 413.",
        ),
        click.option(
            "--accept-invalid",
            is_flag=True,
            default=None,
            help="Answer 200 even when a signature is invalid.",
        ),
        click.option(
            "--respond",
            default=None,
            metavar="MODE",
            help="How to answer: normal, status:CODE, fail:N[:CODE], delay:SECONDS, gone, throttle[:SECONDS].",
        ),
        click.option(
            "--time-scale",
            type=numbers.finite(0, 1e9, min_open=True),
            default=None,
            help="Divide every retry wait by N (3600: an hour per second).",
        ),
        click.option(
            "--catalog",
            type=click.Path(exists=True),
            default=None,
            help="Event catalog (dir, file or OpenAPI).",
        ),
        click.option(
            "--forward-to",
            default=None,
            metavar="TARGET",
            help="Forward every request to your app: 3000, :3000/hooks, host:port or a URL.",
        ),
        click.option(
            "--route",
            "routes",
            multiple=True,
            metavar="PATH=TARGET",
            help="Forward PATH (and below) to TARGET; repeatable, e.g. /stripe=3000/stripe.",
        ),
        click.option(
            "--forward-timeout",
            type=numbers.finite(0, 86400, min_open=True),
            default=None,
            help="Seconds to wait for your app's whole answer (default 30); then 504.",
        ),
        click.option(
            "--max-response",
            default=None,
            metavar="SIZE",
            help="Largest answer from your app passed back when forwarding (default 10MiB); larger: 502.",
        ),
        click.option(
            "--relay", default=None, metavar="URL", help="Connect to a hookdev relay for a public URL."
        ),
        click.option("--relay-token", default=None, metavar="T", help="Token the relay requires."),
        click.option(
            "--channel",
            default=None,
            metavar="NAME",
            help="Relay channel (default: a random one kept in the workspace).",
        ),
        click.option(
            "--tls",
            is_flag=True,
            default=None,
            help="Serve https with a workspace-local CA (see `hookdev tls ca`).",
        ),
        click.option(
            "--resend-on-change",
            "resend_on_change",
            multiple=True,
            metavar="PATH",
            type=click.Path(exists=True, file_okay=True),
            help="When files under PATH change (your handler's code), re-send the last message; repeatable.",
        ),
        click.option(
            "--resend-mode",
            type=click.Choice(["new", "replay"]),
            default=None,
            help="Re-send as a new message (new id; default) or replay the same id.",
        ),
        click.option(
            "--config",
            "config_file",
            type=click.Path(dir_okay=False),
            default=None,
            help="Project file (default: ./hookdev.toml when present).",
        ),
        click.option("--no-config", is_flag=True, default=False, help="Ignore ./hookdev.toml."),
    ]
    for decorator in reversed(decorators):
        f = decorator(f)
    return f


def receiver_options_from_cli(o: dict[str, Any]) -> EngineOptions:
    """CLI flags win over hookdev.toml, which wins over the defaults; the file is watched for edits."""
    config_path = None
    if not o.get("no_config"):
        config_path = Path(o["config_file"]) if o.get("config_file") else find_config()
        if o.get("config_file") and config_path is not None and not config_path.exists():
            raise HookdevError(f"no such config file: {config_path}")
    config = None
    if config_path is not None:
        try:
            config = load_config(config_path)
        except ConfigError as e:
            raise HookdevError(str(e)) from None
    try:
        opts = build_engine_options(o, config)
    except ValueError as e:
        raise HookdevError(str(e)) from None
    opts.cli = dict(o)
    opts.config_path = config_path.resolve() if config_path is not None else None
    dev = config.dev if config is not None else None
    paths = [Path(p) for p in o.get("resend_on_change") or ()] or list(
        (dev.resend_on_change if dev else None) or ()
    )
    opts.resend_on_change = paths
    opts.resend_mode = o.get("resend_mode") or (dev.resend_mode if dev and dev.resend_mode else "new")
    opts.config = config
    return opts
