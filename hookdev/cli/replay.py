"""``hookdev replay``: one manual attempt of a message now (no automatic retries)."""

from __future__ import annotations

import click

from hookdev.cli._common import Failed, emit_json, home_option, json_option, open_workspace
from hookdev.cli._delivery import (
    delivery_options,
    input_errors,
    make_sender,
    progress_printer,
    run_dispatcher,
)
from hookdev.delivery.views import attempt_json
from hookdev.events import EventBus


@click.command()
@click.argument("message_id", metavar="MSG")
@click.option(
    "--endpoint",
    "endpoint_ref",
    metavar="EP",
    help="Replay to this endpoint only (default: every endpoint the message went to).",
)
@click.option(
    "--fault/--no-fault",
    "repeat_fault",
    default=False,
    help="A message sent with --fault: repeat its fault, or replay it clean (the default).",
)
@delivery_options
@home_option
@json_option
def replay(
    message_id: str,
    endpoint_ref: str | None,
    repeat_fault: bool,
    time_scale: float,
    timeout: float,
    home: str | None,
    as_json: bool,
) -> None:
    """Send a message again now: same webhook-id, fresh timestamp and signature.

    A manual attempt gets no automatic retries. A message sent with a fault (`send --fault`) is
    replayed clean unless --fault repeats it; either way the output says which. Exit code 1 if an
    attempt failed.
    """
    workspace = open_workspace(home)
    bus = EventBus()
    sender = make_sender(workspace, bus=bus)
    message = input_errors(lambda: sender.message(message_id))
    queued = input_errors(lambda: sender.replay(message.id, endpoint_ref, fault=repeat_fault))
    replayed_fault = message.fault if repeat_fault else None
    if not as_json:
        if message.fault and repeat_fault:
            click.echo(f"replaying {message.id} with its fault: {message.fault}", err=True)
        elif message.fault:
            click.echo(
                f"replaying {message.id} clean (it was sent with fault {message.fault}; --fault repeats it)",
                err=True,
            )
        elif repeat_fault:
            click.echo(f"replaying {message.id} clean: it was sent without a fault", err=True)
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
                "message_id": message.id,
                "fault": replayed_fault,
                "message_fault": message.fault,
                "attempts": [attempt_json(a) for a in done],
            }
        )
    failed = [a for a in done if a.status != "success"]
    if failed:
        raise Failed(f"{len(failed)} of {len(done)} replay attempt(s) failed")
