"""``hookdev recover``: resend every message whose delivery to an endpoint failed in a time window."""

from __future__ import annotations

import time

import click

from hookdev.cli._common import Failed, emit_json, home_option, json_option, open_workspace
from hookdev.cli._delivery import (
    delivery_options,
    input_errors,
    make_sender,
    progress_printer,
    run_dispatcher,
)
from hookdev.delivery.validate import parse_when
from hookdev.delivery.views import attempt_json
from hookdev.events import EventBus
from hookdev.models import Attempt
from hookdev.presentation import iso


@click.command()
@click.argument("endpoint_ref", metavar="EP")
@click.option(
    "--since",
    required=True,
    metavar="WHEN",
    help="Start of the window: a duration ago (2h, 30m, 1d, 90s) or ISO 8601.",
)
@click.option(
    "--until",
    default=None,
    metavar="WHEN",
    help="End of the window (default: now). At most 14 days after --since.",
)
@delivery_options
@home_option
@json_option
def recover(
    endpoint_ref: str,
    since: str,
    until: str | None,
    time_scale: float,
    timeout: float,
    home: str | None,
    as_json: bool,
) -> None:
    """Resend (manual attempts, no automatic retries) every message whose delivery to EP failed in the
    window and has not succeeded since. Exit code 1 if a resend failed.

    \b
    Examples:
      hookdev recover ep_2x... --since 2h
      hookdev recover ep_2x... --since 2026-11-27T08:00 --until 2026-11-27T12:00
    """
    workspace = open_workspace(home)
    bus = EventBus()
    sender = make_sender(workspace, bus=bus)
    now = time.time()

    def start() -> tuple[float, float, list[Attempt]]:
        start_at = parse_when(since, now)
        end_at = parse_when(until, now) if until else now
        return start_at, end_at, sender.recover(endpoint_ref, start_at, end_at)

    start_at, end_at, queued = input_errors(start)
    endpoint_id = sender.endpoint(endpoint_ref).id
    if not as_json:
        click.echo(f"{len(queued)} failed message(s) to resend to {endpoint_id}", err=True)
    if queued:
        bus.subscribe(progress_printer(as_json, time_scale))
        run_dispatcher(
            workspace,
            bus=bus,
            time_scale=time_scale,
            timeout=timeout,
            until_idle=True,
            attempt_ids={a.id for a in queued},
        )
    done = sender.store.get_attempts(a.id for a in queued)
    if as_json:
        emit_json(
            {
                "endpoint_id": endpoint_id,
                "since": iso(start_at),
                "until": iso(end_at),
                "messages": [a.message_id for a in done],
                "attempts": [attempt_json(a) for a in done],
            }
        )
    failed = [a for a in done if a.status != "success"]
    if failed:
        raise Failed(f"{len(failed)} of {len(done)} resent message(s) failed again")
