"""The ``hookdev`` command line: parse, call the core, print text or --json. No logic of its own."""

from __future__ import annotations

import importlib
from typing import Any

import click

from hookdev import __version__
from hookdev.cli._common import home_option
from hookdev.cli.options import engine_options

COMMANDS = (
    "ui",
    "listen",
    "inbox",
    "verify",
    "sign",
    "secret",
    "catalog",
    "endpoints",
    "send",
    "messages",
    "attempts",
    "replay",
    "recover",
    "dispatch",
    "check",
    "relay",
    "tls",
    "init",
)


class _Group(click.Group):
    """Loads each command's module only when it runs (a fast `--version` and `verify`), and lists
    commands in the order a new user meets them."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if self.get_command(ctx, name) is not None]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        try:
            module = importlib.import_module(f"hookdev.cli.{cmd_name}")
        except ModuleNotFoundError as e:
            if e.name == f"hookdev.cli.{cmd_name}":
                return None  # not built yet
            raise
        command: click.Command = getattr(module, cmd_name)
        return command


@click.group(
    cls=_Group, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(__version__, "--version", "-V", prog_name="hookdev")
@home_option
@engine_options
@click.pass_context
def main(ctx: click.Context, home: str | None, **options: Any) -> None:
    """hookdev - the webhook workbench.

    Receive and verify webhooks, send them like the platform does (retries, rate limits, replay),
    tunnel them from the internet, and watch it all in one terminal. With no command it opens the
    TUI; the options above are the TUI's (the same as `hookdev ui` and `hookdev listen`).
    """
    if ctx.invoked_subcommand is None:
        from hookdev.cli.ui import ui

        ctx.invoke(ui, home=home, **options)
        return
    given = [
        name
        for name in ["home", *options]
        if ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE
    ]
    if given:
        option = "--" + given[0].replace("_", "-")
        raise click.UsageError(
            f"{option} goes after the command: hookdev {ctx.invoked_subcommand} {option} ..."
        )
