"""``hookdev dispatch``: run the dispatcher alone, delivering every due and scheduled attempt."""

from __future__ import annotations

import click

from hookdev.cli._common import HookdevError, home_option, json_option, open_workspace
from hookdev.cli._delivery import delivery_options, progress_printer, run_dispatcher
from hookdev.events import EventBus


@click.command()
@click.option(
    "--once", is_flag=True, help="Deliver what is due now, then exit (later retries stay scheduled)."
)
@click.option(
    "--until-idle", is_flag=True, help="Exit when nothing is pending any more (waits for every retry)."
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 1000),
    default=32,
    show_default=True,
    help="Attempts in flight at once.",
)
@delivery_options
@home_option
@json_option
def dispatch(
    once: bool,
    until_idle: bool,
    concurrency: int,
    time_scale: float,
    timeout: float,
    home: str | None,
    as_json: bool,
) -> None:
    """Deliver every pending attempt of the workspace at its time, printing one line per attempt.

    Runs until Ctrl-C (or see --once, --until-idle). Any number of dispatchers (and `hookdev listen`)
    can share a workspace: each attempt is claimed by exactly one. With --json, one JSON object per
    attempt (JSON Lines).
    """
    if once and until_idle:
        raise HookdevError("--once and --until-idle cannot be used together")
    workspace = open_workspace(home)
    bus = EventBus()
    bus.subscribe(progress_printer(as_json, time_scale, json_lines=as_json, err=False))
    run_dispatcher(
        workspace,
        bus=bus,
        time_scale=time_scale,
        timeout=timeout,
        concurrency=concurrency,
        stop_on_signal=True,
        until_idle=until_idle,
        once=once,
    )
