"""The options `listen` and `ui` share (both run an Engine), and their translation to EngineOptions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from hookdev.cli import numbers
from hookdev.cli._common import HookdevError
from hookdev.config import SETTINGS, ConfigError, Setting, find_config, load_config

if TYPE_CHECKING:  # hookdev.options loads the receiver and httpx: only `listen` and `ui` need it
    from hookdev.options import EngineOptions

F = TypeVar("F", bound=Callable[..., Any])


def _setting_option(setting: Setting) -> Callable[[F], F]:
    """The click option of a declared setting: its flag, help and a type that fits its kind."""
    kind = setting.kind
    extra: dict[str, Any] = {}
    if kind == "bool":
        extra["is_flag"] = True
    elif kind == "choice":
        extra["type"] = click.Choice(setting.choices)
    elif kind == "integer" and isinstance(setting.default, float):
        extra["type"] = numbers.finite(setting.lo or 0, 1e9 if setting.hi is None else setting.hi)
    elif kind == "integer":
        extra["type"] = numbers.integer(
            None if setting.lo is None else int(setting.lo),
            numbers.MAX_INT if setting.hi is None else int(setting.hi),
        )
    elif kind == "number":
        extra["type"] = numbers.finite(
            setting.lo or 0, 1e9 if setting.hi is None else setting.hi, min_open=True
        )
    elif kind == "path":
        extra["type"] = click.Path(exists=True)
    elif kind == "paths":
        extra["type"] = click.Path(exists=True, file_okay=True)
    if setting.multiple:
        extra["multiple"] = True
    else:
        extra["default"] = None
    if setting.metavar:
        extra["metavar"] = setting.metavar
    assert setting.flag is not None
    return click.option(setting.flag, setting.dest, help=setting.help, **extra)


def engine_options(f: F) -> F:
    """The options of ``listen`` and ``ui``: one per declared setting that has a flag, then the
    start-only ones (relay, TLS, which config file)."""
    decorators = [_setting_option(s) for s in SETTINGS if s.flag is not None]
    decorators += [
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
    from hookdev.options import build_engine_options

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
    opts.config = config
    return opts
