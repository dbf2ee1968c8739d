"""The ``hookdev`` command line: parse, call the core, print text or --json. No logic of its own."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from hookdev import __version__
from hookdev.cli._common import home_option
from hookdev.cli.options import engine_options


def _skip_unused_imports() -> None:
    """Spare the commands that deliver two imports they never use (a third of `import httpx`).

    httpx imports its own command line (rich, pygments) only to expose ``httpx.main``, and httpcore
    imports trio, when installed, in case it runs under trio; hookdev uses neither. Marking them absent
    (only if nothing imported them yet) makes both fall back as when they are not installed. trio is
    only skipped in the hookdev program itself, never in a process that imports hookdev.cli (a test
    run may use trio)."""
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    program = os.path.basename(sys.argv[0]) if sys.argv else ""
    if program == "hookdev" or sys.argv[0].endswith(os.path.join("hookdev", "__main__.py")):
        sys.modules.setdefault("trio", None)  # type: ignore[arg-type]


_skip_unused_imports()

COMMANDS = (
    "ui",
    "listen",
    "inbox",
    "verify",
    "sign",
    "secret",
    "status",
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


# The one-line summary `hookdev --help` shows for each command, so listing them loads none of their
# modules; a command's own `short_help` comes from here too (one text, no drift). A command missing
# here still works: its module is imported to describe it.
SHORT_HELP = {
    "ui": "Open the TUI: inbox, send, endpoints, deliveries, receiver.",
    "listen": "Receive webhooks: capture, verify, store, answer; run retries.",
    "status": "The workspace in use and why, the receiver, queues, retries.",
    "inbox": "Captured requests, newest first: show, export, clear.",
    "verify": "Verify a webhook signature offline.",
    "sign": "Sign a body with Standard Webhooks (headers or a curl command).",
    "secret": "Print the receiver secret, or rotate it.",
    "catalog": "Event types you can send: list, show, validate.",
    "endpoints": "Where the sender delivers: add, list, show, update, delete.",
    "send": "Send a message of an event type to its endpoints.",
    "messages": "Sent messages, newest first, with their deliveries.",
    "attempts": "Delivery attempts, newest first.",
    "replay": "Send a message again now (same webhook-id, fresh signature).",
    "recover": "Resend what failed to an endpoint in a time window.",
    "dispatch": "Deliver pending attempts (the dispatcher on its own).",
    "check": "Prove a webhook consumer correct: a battery of deliveries, graded.",
    "relay": "Run a relay on a public host so webhooks reach your laptop.",
    "tls": "Local HTTPS: the workspace CA.",
    "init": "Write a commented starter hookdev.toml.",
}


class _Group(click.Group):
    """Loads each command's module only when it runs (so `--version` and `--help` load none), and
    lists commands in the order a new user meets them."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if name in SHORT_HELP or self.get_command(ctx, name) is not None]

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
        if command.short_help is None and cmd_name in SHORT_HELP:
            command.short_help = SHORT_HELP[cmd_name]
        return command

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """As click's, except that a usage error is one line: ``Error: no such option '--yes' (see
        hookdev endpoints delete --help)``, exit code 2."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as e:
            click.echo(f"Error: {usage_line(e)}", err=True)
            sys.exit(e.exit_code)
        except click.ClickException as e:
            e.show()
            sys.exit(e.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            summary = SHORT_HELP.get(name)
            if summary is None:
                command = self.get_command(ctx, name)
                if command is None or command.hidden:
                    continue
                summary = command.get_short_help_str(formatter.width - 6 - len(name))
            rows.append((name, summary))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def usage_line(e: click.UsageError) -> str:
    """Click's usage error as one line, with where to read more."""
    if isinstance(e, click.NoSuchOption):
        text = f"no such option {e.option_name!r}"
        if e.possibilities:
            text += f"; did you mean {' or '.join(sorted(e.possibilities))}?"
    else:
        text = " ".join(e.format_message().split()).removesuffix(".")
    if e.ctx is not None:
        text += f" (see {e.ctx.command_path} --help)"
    return text


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
    TUI; the options below are the TUI's (the same as `hookdev ui` and `hookdev listen`).
    """
    if ctx.invoked_subcommand is None:
        from hookdev.cli.ui import ui

        ctx.invoke(ui, home=home, **options)
        return
    if home is not None and ctx.get_parameter_source("home") == click.core.ParameterSource.COMMANDLINE:
        # `hookdev --home DIR inbox` means what `hookdev inbox --home DIR` does (as `git -C DIR` would);
        # the command's own --home still wins
        from hookdev import workspace

        workspace.GROUP_HOME = str(home)
    given = [
        name for name in options if ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE
    ]
    if given:
        option = "--" + given[0].replace("_", "-")
        raise click.UsageError(
            f"{option} goes after the command: hookdev {ctx.invoked_subcommand} {option} ..."
        )
