"""``hookdev attempts``: the attempt log, newest first, filtered by endpoint, message or status."""

from __future__ import annotations

import click

from hookdev.cli import numbers
from hookdev.cli._common import emit_json, fmt_time, home_option, json_option, open_workspace
from hookdev.cli._delivery import input_errors
from hookdev.cli.render import attempt_line
from hookdev.delivery.views import attempt_json
from hookdev.models import CHECK_ENDPOINT_ID
from hookdev.sender import Sender

STATUSES = {
    "success": ("success",),
    "failed": ("failed",),
    "pending": ("pending", "sending"),
    "canceled": ("canceled",),
}


@click.command()
@click.option(
    "--endpoint",
    "endpoint_ref",
    metavar="EP",
    help=f"Only attempts to this endpoint ({CHECK_ENDPOINT_ID}: those of `hookdev check URL`).",
)
@click.option("--message", "message_ref", metavar="MSG", help="Only attempts of this message.")
@click.option(
    "--status",
    type=click.Choice(list(STATUSES)),
    default=None,
    help="Only attempts in this state (pending includes in flight).",
)
@click.option("--limit", type=numbers.LIMIT, default=50, show_default=True, help="How many attempts.")
@home_option
@json_option
def attempts(
    endpoint_ref: str | None,
    message_ref: str | None,
    status: str | None,
    limit: int,
    home: str | None,
    as_json: bool,
) -> None:
    """List delivery attempts, newest first: when, trigger, status code or error, duration."""
    sender = Sender(open_workspace(home))
    endpoint_id = (
        CHECK_ENDPOINT_ID  # the attempts of `hookdev check URL` (a URL no endpoint has)
        if endpoint_ref == CHECK_ENDPOINT_ID and sender.store.get_endpoint(CHECK_ENDPOINT_ID) is None
        else input_errors(lambda: sender.endpoint(endpoint_ref).id)
        if endpoint_ref
        else None
    )
    message_id = input_errors(lambda: sender.message(message_ref).id) if message_ref else None
    found = sender.store.list_attempts(
        endpoint_id=endpoint_id,
        message_id=message_id,
        statuses=STATUSES[status] if status else None,
        limit=limit,
        include_bodies=as_json,
    )
    names = sender.endpoint_names()  # hookdev.toml names: lists show them
    if as_json:
        emit_json([{**attempt_json(a), "endpoint_name": names.get(a.endpoint_id)} for a in found])
        return
    if not found:
        click.echo("no attempts match", err=True)
        return
    for a in found:
        when = fmt_time(a.started_at if a.status in ("success", "failed") else a.scheduled_at)
        click.echo(
            f"{a.id}  {when}  " + attempt_line(a, listing=True, endpoint_name=names.get(a.endpoint_id))
        )
