"""Shared pieces of the CLI: the error type, --json/--home options, output helpers."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from hookdev.workspace import Workspace

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
        help="Workspace directory (default: $HOOKDEV_HOME, else the nearest .hookdev/ or hookdev.toml "
        "upward, else ./.hookdev).",
    )(f)


def open_workspace(home: str | None) -> Workspace:
    """The workspace a command uses (see `hookdev status`); creating one says so once, on stderr."""
    from hookdev.workspace import Workspace, WorkspaceError

    try:
        workspace = Workspace(home)
        if workspace.created and workspace.location.source in (
            "new",
            "found",
        ):  # --home, $HOOKDEV_HOME: as told
            secret = workspace.receiver_secrets().current
            click.echo(f"created workspace {display_path(workspace.home)} (secret {secret[:10]}…)", err=True)
    except WorkspaceError as e:
        raise HookdevError(str(e)) from None
    return workspace


def display_path(path: Path) -> str:
    """``path`` relative to the current directory when it lies below it (``./.hookdev``), else absolute."""
    try:
        return "./" + str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def yes_option(f: F) -> F:
    return click.option(
        "--yes",
        "-y",
        is_flag=True,
        help="Do it without asking (required when stdin is not a terminal).",
    )(f)


def confirm(yes: bool, question: str, command: str) -> None:
    """Guard a destructive command: go on with --yes; else ask on a terminal (declining prints
    "nothing deleted", exit 1); else refuse (exit 2): piped input never answers for the user."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise HookdevError(f"nothing deleted: `{command}` asks first; add --yes when stdin is not a terminal")
    if not click.confirm(question, default=False, err=True):
        raise Failed("nothing deleted")


def emit_json(obj: Any) -> None:
    """One JSON document (or line) on stdout, flushed at once so pipes see it."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def fmt_time(ts: float | None) -> str:
    from hookdev.presentation import clock

    return clock(ts)
