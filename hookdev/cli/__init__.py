"""The ``hookdev`` command line: parse, call the core, print text or --json. No logic of its own."""

from __future__ import annotations

import click

from hookdev import __version__


class _Group(click.Group):
    """Lists commands in the order they were added (the order a new user meets them)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


@click.group(cls=_Group, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
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


def _register() -> None:
    import importlib

    for name in (
        "ui", "listen", "inbox", "verify", "sign", "secret",
        "catalog", "endpoints", "send", "messages", "attempts", "replay", "recover", "dispatch",
        "relay", "tls", "init",
    ):
        try:
            module = importlib.import_module(f"hookdev.cli.{name}")
        except ModuleNotFoundError as e:
            if e.name == f"hookdev.cli.{name}":
                continue  # not built yet
            raise
        main.add_command(getattr(module, name.replace("-", "_")))


_register()
