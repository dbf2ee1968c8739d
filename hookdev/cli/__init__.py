"""The ``hookdev`` command line: parse, call the core, print text or --json. No logic of its own."""

from __future__ import annotations

import importlib

import click

from hookdev import __version__

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
@click.pass_context
def main(ctx: click.Context) -> None:
    """hookdev - the webhook workbench.

    Receive and verify webhooks, send them like the platform does (retries, rate limits, replay),
    tunnel them from the internet, and watch it all in one terminal. Run with no command to open the TUI.
    """
    if ctx.invoked_subcommand is None:
        from hookdev.cli.ui import ui

        ctx.invoke(ui)
