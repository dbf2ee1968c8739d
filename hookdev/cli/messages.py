"""``hookdev messages``: the messages the sender created, newest first, and one with its deliveries."""

from __future__ import annotations

import sys
from typing import Any

import click

from hookdev.cli import numbers
from hookdev.cli._common import emit_json, fmt_time, home_option, json_option, open_workspace
from hookdev.cli._delivery import input_errors
from hookdev.cli.render import attempt_line
from hookdev.delivery.views import Delivery, attempt_json, message_json, summarize
from hookdev.sender import Sender

_COLORS = {
    "success": "green",
    "failed": "red",
    "pending": "yellow",
    "sending": "yellow",
    "canceled": "bright_black",
}


def delivery_word(d: Delivery) -> str:
    text = f"{d.endpoint_id} {d.status}"
    if d.attempts != 1 or d.status != "success":
        text += f" ({d.attempts} attempt{'s' if d.attempts != 1 else ''})"
    return click.style(text, fg=_COLORS.get(d.status))


@click.group(invoke_without_command=True)
@home_option
@click.option("--limit", type=numbers.LIMIT, default=50, show_default=True, help="How many messages.")
@click.option("--event-type", metavar="T", help="Only this event type.")
@json_option
@click.pass_context
def messages(ctx: click.Context, home: str | None, limit: int, event_type: str | None, as_json: bool) -> None:
    """List sent messages, newest first, with the state of each delivery (`messages show MSG`)."""
    ctx.obj = {"home": home}
    if ctx.invoked_subcommand is not None:
        return
    store = open_workspace(home).store
    found = store.list_messages(limit=limit, event_type=event_type)
    by_message: dict[str, list[Any]] = {}
    for a in store.message_attempts([m.id for m in found]):
        by_message.setdefault(a.message_id, []).append(a)
    if as_json:
        emit_json([message_json(m, deliveries=summarize(by_message.get(m.id, []))) for m in found])
        return
    if not found:
        click.echo("no messages yet: send one with `hookdev send <event type>`", err=True)
        return
    for m in found:
        deliveries = summarize(by_message.get(m.id, []))
        words = ", ".join(delivery_word(d) for d in deliveries) or click.style(
            "not delivered", fg="bright_black"
        )
        fault = click.style(f" [fault: {m.fault}]", fg="magenta") if m.fault else ""
        click.echo(f"{m.id}  {fmt_time(m.created_at)}  {m.event_type}  {len(m.payload)} B  {words}{fault}")


@messages.command()
@click.argument("message_id", metavar="MSG")
@click.option("--body", is_flag=True, help="Print the payload bytes (with --json: include it).")
@json_option
@click.pass_obj
def show(obj: dict[str, Any], message_id: str, body: bool, as_json: bool) -> None:
    """Show one message: its deliveries per endpoint and every attempt."""
    sender = Sender(open_workspace(obj["home"]))
    message = input_errors(lambda: sender.message(message_id))
    attempts = sender.store.message_attempts([message.id], include_bodies=True)
    deliveries = summarize(attempts)
    if as_json:
        doc = message_json(message, body=body, deliveries=deliveries)
        doc["attempts"] = [attempt_json(a) for a in attempts]
        emit_json(doc)
        return
    if body:
        sys.stdout.buffer.write(message.payload)
        return
    click.echo(click.style(message.event_type, bold=True) + f"   {message.id}")
    click.echo(f"  created      {fmt_time(message.created_at)}   {len(message.payload)} bytes")
    if message.channels:
        click.echo(f"  channels     {', '.join(message.channels)}")
    if message.fault:
        click.echo(f"  fault        {message.fault}")
    if not deliveries:
        click.echo("  not delivered to any endpoint (replay it: `hookdev replay MSG --endpoint EP`)")
    for d in deliveries:
        line = f"  {delivery_word(d)}"
        if d.next_attempt_at is not None:
            line += f", next attempt at {fmt_time(d.next_attempt_at)}"
        click.echo(line)
        for a in attempts:
            if a.endpoint_id == d.endpoint_id:
                when = fmt_time(a.started_at if a.status in ("success", "failed") else a.scheduled_at)
                click.echo(f"      {when}  " + attempt_line(a, listing=True, route=False))
