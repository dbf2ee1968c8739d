"""Shared pieces of the CLI: the error type, --json/--home options, output helpers."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from hookdev.workspace import Workspace, WorkspaceError

F = TypeVar("F", bound=Callable[..., Any])


class HookdevError(click.ClickException):
    """A one-line error for bad input: printed as ``Error: ...``, exit code 2, no traceback."""

    exit_code = 2


class Failed(click.ClickException):
    """A check that ran and said no (e.g. an invalid signature): exit code 1, the message as it is."""

    exit_code = 1

    def show(self, file: Any = None) -> None:
        click.echo(self.format_message(), err=True)


def json_option(f: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")(f)


def home_option(f: F) -> F:
    return click.option(
        "--home",
        type=click.Path(file_okay=False),
        envvar="HOOKDEV_HOME",
        help="Workspace directory (default: $HOOKDEV_HOME, else ./.hookdev).",
    )(f)


def open_workspace(home: str | None) -> Workspace:
    try:
        return Workspace(home)
    except WorkspaceError as e:
        raise HookdevError(str(e)) from None


def emit_json(obj: Any) -> None:
    """One JSON document (or line) on stdout, flushed at once so pipes see it."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def fmt_time(ts: float | None) -> str:
    from hookdev.presentation import clock

    return clock(ts)
