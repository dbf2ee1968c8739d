"""``hookdev send``: create a message of an event type and deliver it like the platform would."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from hookdev.catalog.overrides import Override, OverrideError, parse_override
from hookdev.cli import numbers
from hookdev.cli._common import Failed, HookdevError, emit_json, home_option, json_option, open_workspace
from hookdev.cli._delivery import (
    catalog_option,
    delivery_options,
    input_errors,
    make_sender,
    progress_printer,
    run_dispatcher,
)
from hookdev.cli.catalog import strict_option
from hookdev.cli.render import attempt_line
from hookdev.delivery import FAULTS
from hookdev.delivery.views import delivery_json, summarize
from hookdev.events import AttemptFinished, EventBus
from hookdev.models import Message
from hookdev.sender import Sender


def read_data(data: str | None) -> bytes | None:
    """``--data`` as bytes exactly as given: inline JSON, ``@file`` or ``@-`` (stdin)."""
    if data is None:
        return None
    if data.startswith("@"):
        name = data[1:]
        if name == "-":
            return sys.stdin.buffer.read()
        try:
            with open(name, "rb") as f:
                return f.read()
        except OSError as e:
            raise HookdevError(f"cannot read --data file {name!r}: {e.strerror}") from None
    return os.fsencode(data)  # the argument's own bytes, even if they are not valid UTF-8


class _SendCommand(click.Command):
    """Remembers the order --set, --set-str and --unset were given in (click keeps each option apart)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["override_order"] = _override_order(args)
        return super().parse_args(ctx, args)


_OVERRIDE_FLAGS = {"--set": "set", "--set-str": "set-str", "--unset": "unset"}


def _override_order(args: list[str]) -> list[tuple[str, str]]:
    """(op, text) of every --set / --set-str / --unset in ``args``, in command-line order; the caller uses
    it only when it holds exactly what click parsed."""
    found: list[tuple[str, str]] = []
    i = 0
    while i < len(args):
        token = args[i]
        if token == "--":
            break
        name, eq, inline = token.partition("=")
        if name in _OVERRIDE_FLAGS:
            if eq:
                found.append((_OVERRIDE_FLAGS[name], inline))
            elif i + 1 < len(args):
                found.append((_OVERRIDE_FLAGS[name], args[i + 1]))
                i += 1
        i += 1  # (a value of another option that happens to read "--set" is caught by the caller's check)
    return found


@click.command(cls=_SendCommand)
@click.argument("event_type", metavar="TYPE")
@click.option(
    "--data", metavar="JSON|@FILE", help="The payload (sent byte for byte); default: the catalog example."
)
@click.option(
    "--endpoint",
    "endpoint_refs",
    multiple=True,
    metavar="EP",
    help="Send only to this endpoint, subscribed or not (repeatable).",
)
@click.option(
    "--channel",
    "channels",
    multiple=True,
    metavar="C",
    help="Channel of the message (repeatable, at most 5).",
)
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="PATH=VALUE",
    help="Change one field of the payload (repeatable): data.customer.id=cus_123, data.items[0].qty=3, "
    "data.note=null. VALUE is JSON when it parses, else a string.",
)
@click.option(
    "--set-str",
    "set_strs",
    multiple=True,
    metavar="PATH=VALUE",
    help="Like --set, but VALUE is always a string (--set-str data.zip=02134).",
)
@click.option("--unset", "unsets", multiple=True, metavar="PATH", help="Remove a field (repeatable).")
@click.option(
    "--vary",
    is_flag=True,
    help="A fresh schema-valid payload per message (new ids, timestamps, values) instead of the example.",
)
@click.option(
    "--seed",
    type=numbers.integer(-numbers.MAX_INT, numbers.MAX_INT),
    default=None,
    metavar="S",
    help="With --vary: the same seed gives the same payloads (default: a new seed each run).",
)
@click.option("--no-validate", is_flag=True, help="Send data that does not match the event type's schema.")
@click.option("--wait", is_flag=True, help="Stay until every delivery succeeded or failed (all retries).")
@click.option(
    "--fault",
    type=click.Choice(list(FAULTS)),
    default=None,
    help="Deliver it wrong on purpose: " + "; ".join(f"{k}: {v}" for k, v in FAULTS.items()) + ".",
)
@click.option(
    "--count",
    type=click.IntRange(1, 1000),
    default=None,
    metavar="N",
    help="Send N messages (default 1; 3 with --fault out-of-order).",
)
@delivery_options
@catalog_option
@strict_option
@home_option
@json_option
def send(
    event_type: str,
    data: str | None,
    endpoint_refs: tuple[str, ...],
    channels: tuple[str, ...],
    sets: tuple[str, ...],
    set_strs: tuple[str, ...],
    unsets: tuple[str, ...],
    vary: bool,
    seed: int | None,
    no_validate: bool,
    wait: bool,
    fault: str | None,
    count: int | None,
    time_scale: float,
    timeout: float,
    catalog: str | None,
    strict: bool,
    home: str | None,
    as_json: bool,
) -> None:
    """Send a message of event TYPE to every endpoint subscribed to it.

    Makes the first attempts at once. Later retries (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h) stay
    scheduled in the workspace and run while `hookdev listen`, `hookdev ui` or `hookdev dispatch`
    runs; --wait stays until every delivery is done (exit code 1 if one failed). A message no
    endpoint matches is still created (replay it later with --endpoint).

    The payload is the type's example (synthesised from the schema when the catalog has none), --data,
    or with --vary a fresh one per message; --set/--set-str/--unset change fields of it (in the order
    given), and the result is checked against the schema unless --no-validate.

    \b
    Examples:
      hookdev send code.scanned
      hookdev send code.scanned --set data.scan_count=3 --set data.device.os=ios
      hookdev send code.scanned --vary --count 20 --seed 7
      hookdev send code.scanned --data @payload.json --wait --time-scale 3600
      hookdev send code.scanned --fault tamper --endpoint ep_local
    """
    if vary and data is not None:
        raise click.UsageError("--vary makes each payload from the schema: use it without --data")
    if seed is not None and not vary:
        raise click.UsageError("--seed goes with --vary")
    overrides = _overrides(sets, set_strs, unsets)
    payload = read_data(data)
    workspace = open_workspace(home)
    bus = EventBus()
    sender = make_sender(workspace, catalog, bus, strict)
    n = count if count is not None else (3 if fault == "out-of-order" else 1)
    result = input_errors(
        lambda: sender.send(
            event_type,
            payload,
            endpoints=endpoint_refs,
            channels=channels,
            validate=not no_validate,
            fault=fault,
            count=n,
            time_scale=time_scale if time_scale != 1.0 else None,
            overrides=overrides,
            vary=vary,
            seed=seed,
        )
    )
    if not as_json:
        for note in result.notes:
            click.echo(click.style(note, fg="yellow"), err=True)
        for m in result.messages:
            click.echo(f"{m.id}  {m.event_type} -> {', '.join(result.endpoint_ids) or 'no endpoint'}")
    others = OtherProcesses(sender, [m.id for m in result.messages], time_scale, quiet=as_json)
    bus.subscribe(lambda e: others.printed.add(e.attempt.id) if isinstance(e, AttemptFinished) else None)
    if result.attempts:
        bus.subscribe(progress_printer(as_json, time_scale))
        run_dispatcher(
            workspace,
            bus=bus,
            time_scale=time_scale,
            timeout=timeout,
            until_idle=True,
            message_ids={m.id for m in result.messages},
            first_attempts_only=not wait,
            while_running=others.watch if wait else None,
        )
    others.report()
    out = [_message_result(sender, m, result.endpoint_ids) for m in result.messages]
    if as_json:
        doc: dict[str, Any] = (
            out[0]
            if len(out) == 1
            else {
                "event_type": event_type,
                "endpoints": result.endpoint_ids,
                "count": len(out),
                "messages": out,
            }
        )
        doc["notes"] = result.notes
        emit_json(doc)
    deliveries = [d for o in out for d in o["deliveries"]]
    pending = sum(d["status"] == "pending" for d in deliveries)
    if not as_json and pending and not wait:
        click.echo(
            f"{pending} delivery(ies) will be retried: keep `hookdev listen` or `hookdev dispatch` running, "
            "or use --wait",
            err=True,
        )
    failed = sum(d["status"] == "failed" for d in deliveries)
    if wait and failed:
        raise Failed(f"{failed} of {len(deliveries)} deliveries failed")


class OtherProcesses:
    """Attempts of these messages that another hookdev process (a running `listen`, the TUI, `dispatch`)
    made: printed like this process's own, each once, as they finish (``watch``) and at the end."""

    POLL = 0.5

    def __init__(self, sender: Sender, message_ids: list[str], scale: float, quiet: bool) -> None:
        self.sender = sender
        self.message_ids = message_ids
        self.scale = scale
        self.quiet = quiet
        self.printed: set[str] = set()  # attempt ids already shown (this process's come from the bus)

    def report(self) -> None:
        if self.quiet or not self.message_ids:
            return
        attempts = self.sender.store.message_attempts(self.message_ids)
        by_number = {(a.message_id, a.endpoint_id, a.number): a for a in attempts}
        finished = [a for a in attempts if a.status in ("success", "failed") and a.id not in self.printed]
        for a in sorted(finished, key=lambda a: (a.started_at or a.scheduled_at, a.number)):
            next_attempt = by_number.get(
                (a.message_id, a.endpoint_id, a.number + 1)
            )  # when its retry was due
            line = attempt_line(a, next_attempt, self.scale)
            click.echo(line + click.style("  (by another hookdev process)", fg="bright_black"), err=True)
            self.printed.add(a.id)

    async def watch(self) -> None:
        import asyncio

        while True:
            await asyncio.sleep(self.POLL)
            self.report()


def _overrides(sets: tuple[str, ...], set_strs: tuple[str, ...], unsets: tuple[str, ...]) -> list[Override]:
    """--set, --set-str and --unset as overrides, in the order given; a bad path is a usage error."""
    given: list[tuple[str, str]] = [("set", t) for t in sets]
    given += [("set-str", t) for t in set_strs] + [("unset", t) for t in unsets]
    ordered = click.get_current_context().meta.get("override_order", [])
    if sorted(ordered) == sorted(given):  # what click parsed, in command-line order
        given = ordered
    try:
        return [parse_override(text, op=op) for op, text in given]  # type: ignore[arg-type]
    except OverrideError as e:
        raise click.UsageError(str(e)) from None


def _message_result(sender: Sender, m: Message, endpoint_ids: list[str]) -> dict[str, Any]:
    return {
        "message_id": m.id,
        "event_type": m.event_type,
        "endpoints": endpoint_ids,
        "channels": m.channels,
        "fault": m.fault,
        "deliveries": [delivery_json(d) for d in summarize(sender.store.message_attempts([m.id]))],
    }
