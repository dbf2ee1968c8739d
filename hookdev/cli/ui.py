"""``hookdev ui`` (and bare ``hookdev``): the Textual app over the same engine as ``listen``."""

from __future__ import annotations

from typing import Any

import click

from hookdev.cli._common import home_option, open_workspace
from hookdev.cli.options import engine_options, receiver_options_from_cli


@click.command()
@home_option
@engine_options
def ui(home: str | None = None, **options: Any) -> None:
    """Open the TUI: inbox, send, endpoints, deliveries and receiver controls in one window."""
    from hookdev.tui.app import HookdevApp  # textual is imported only here

    workspace = open_workspace(home)
    engine_options_ = receiver_options_from_cli(options)
    try:
        HookdevApp(workspace, engine_options_).run()
    finally:
        workspace.close()
