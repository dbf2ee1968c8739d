"""``hookdev listen``: the receiver (and the dispatcher, relay client, watchers) in the foreground."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from typing import Any

import click

from hookdev.cli._common import (
    HookdevError,
    display_path,
    emit_json,
    fmt_time,
    home_option,
    json_option,
    open_workspace,
)
from hookdev.cli.options import engine_options, receiver_options_from_cli
from hookdev.cli.render import attempt_line, capture_line
from hookdev.delivery.views import finished_attempt_json
from hookdev.engine import Engine, EngineError
from hookdev.events import (
    AttemptFinished,
    CaptureUpdated,
    EndpointChanged,
    LogLine,
    RequestCaptured,
    StatusChanged,
)
from hookdev.presentation import iso
from hookdev.redact import SENSITIVE, redact_value
from hookdev.textsafe import visible


@click.command()
@home_option
@engine_options
@json_option
def listen(home: str | None, as_json: bool, **options: Any) -> None:
    """Receive webhooks: capture, verify, store and answer every request.

    Listens on http://127.0.0.1:8787 by default and prints one line per request. Also runs the
    dispatcher, so deliveries and retries of `hookdev send` happen while it runs.

    \b
    Examples:
      hookdev listen
      hookdev listen --port 0 --json
      hookdev listen --forward-to 3000
      hookdev listen --respond fail:3:503
    """
    workspace = open_workspace(home)
    engine_opts = receiver_options_from_cli(options)
    if engine_opts.relay:
        from hookdev.tunnel.client import check_relay_target

        try:
            check_relay_target(engine_opts.relay, engine_opts.channel)
        except ValueError as e:
            workspace.close()
            raise HookdevError(str(e)) from None
    try:
        asyncio.run(_run(workspace, engine_opts, as_json))
    except EngineError as e:
        raise HookdevError(str(e)) from None
    finally:
        workspace.close()


async def _run(workspace: Any, options: Any, as_json: bool) -> None:
    engine = Engine(workspace, options)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    def on_event(event: Any) -> None:
        if isinstance(event, RequestCaptured) and event.capture.forwarded_to is None:
            _print_capture(event.capture, as_json)
        elif isinstance(event, CaptureUpdated):
            _print_capture(event.capture, as_json)
        elif isinstance(event, AttemptFinished):
            if as_json:
                emit_json({"event": "attempt", **finished_attempt_json(event.attempt, event.next_attempt)})
            else:
                line = attempt_line(event.attempt, event.next_attempt, engine.settings.time_scale)
                click.echo(f"{fmt_time(time.time())}  {line}", err=True)
        elif isinstance(event, EndpointChanged) and event.reason:
            if as_json:
                emit_json({"event": "endpoint", "id": event.endpoint_id, "reason": event.reason})
            else:
                click.echo(
                    f"{fmt_time(time.time())}  endpoint {event.endpoint_id}: {visible(event.reason)}",
                    err=True,
                )
        elif isinstance(event, StatusChanged):
            if as_json:
                emit_json(
                    {
                        "event": event.topic,
                        "ok": event.ok,
                        "message": event.text,
                        **(
                            {"public_url": event.data.public_url}
                            if event.topic == "relay" and event.ok
                            else {}
                        ),
                    }
                )
            else:
                text = visible(event.text)
                click.echo(text if event.ok else click.style(text, fg="yellow"), err=not event.ok)
        elif isinstance(event, LogLine) and event.level != "info":
            click.echo(click.style(visible(f"{event.source}: {event.text}"), fg="yellow"), err=True)

    engine.bus.subscribe(on_event)
    await engine.start()
    secret = workspace.receiver_secrets().current
    if as_json:
        emit_json(
            {
                "event": "ready",
                "url": engine.url,
                "secret": secret,
                "workspace": str(workspace.home.absolute()),
                "workspace_source": workspace.location.source,
            }
        )
    else:
        click.echo(
            click.style("hookdev listening on ", bold=True) + click.style(engine.url, fg="cyan", bold=True),
            err=True,
        )
        click.echo(f"  workspace  {display_path(workspace.home)}  ({workspace.location.reason})", err=True)
        click.echo(f"  secret     {secret}", err=True)
        settings = engine.settings
        if settings.forward_to:
            click.echo(f"  forward    {settings.forward_to}", err=True)
        for route in settings.routes:
            click.echo(f"  route      {route.prefix} -> {route.target}", err=True)
        click.echo(f"  answers    {settings.respond.describe()}", err=True)
        if options.config_path is not None:
            click.echo(f"  config     {options.config_path} (edits apply live)", err=True)
        if options.relay:
            click.echo(
                f"  relay      {options.relay} (the public URL follows once the channel is live)", err=True
            )
        click.echo(
            "  try        hookdev send <event type>   (hookdev catalog list shows them) - Ctrl-C stops",
            err=True,
        )
    sys.stdout.flush()
    try:
        await stop.wait()
    finally:
        await engine.stop()
        if not as_json:
            click.echo("stopped.", err=True)


class _LineBuffer:
    """Request lines written once per event-loop turn: under a flood, one write and flush for many
    lines instead of one each (the lines still appear at once when the receiver is idle: a line never
    waits past the end of the loop pass that made it). JSON lines are UTF-8 bytes, written to the
    binary stdout; text lines go through the text stdout (its encoding is the terminal's)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.json_lines: list[bytes] = []

    def add(self, line: str) -> None:
        if not self.lines and not self.json_lines:
            asyncio.get_running_loop().call_soon(self.flush)
        self.lines.append(line)

    def add_json(self, line: bytes) -> None:
        if not self.lines and not self.json_lines:
            asyncio.get_running_loop().call_soon(self.flush)
        self.json_lines.append(line)

    def flush(self) -> None:
        if self.lines:
            text, self.lines = "\n".join(self.lines) + "\n", []
            sys.stdout.write(text)
        if self.json_lines:
            self.json_lines.append(b"")
            data, self.json_lines = b"\n".join(self.json_lines), []
            out = getattr(sys.stdout, "buffer", None)
            if out is None:  # a text-only stdout (a test's capture): the same text
                sys.stdout.write(data.decode("utf-8", "surrogatepass"))
            else:
                sys.stdout.flush()  # what was written as text before stays before
                out.write(data)
                out.flush()
        sys.stdout.flush()


_requests = _LineBuffer()

_str = json.encoder.encode_basestring  # json.dumps(s, ensure_ascii=False) of one str, in C


def _json_text(value: str | None) -> str:
    return "null" if value is None else _str(value)


def request_line(capture: Any) -> bytes:
    """The ``listen --json`` line of a capture: exactly ``json.dumps({"event": "request",
    **capture_json(capture)}, ensure_ascii=False)``, encoded as UTF-8, built without the generic
    encoder (it was a third of the line's cost, and the line runs for every request)."""
    c = capture
    headers: dict[str, str] = {}  # hookdev.redact.headers_json, inlined
    for k, v in c.headers:
        if k.lower() in SENSITIVE:
            v = redact_value(k, v)
        headers[k] = f"{headers[k]}, {v}" if k in headers else v
    verified = "null" if c.verified is None else "true" if c.verified else "false"
    status = "null" if c.status is None else str(int(c.status))
    return (
        f'{{"event": "request", "id": {_str(c.id)}, "received_at": {_json_text(iso(c.received_at))}, '
        f'"method": {_str(c.method)}, "path": {_str(c.path)}, "query": {_str(c.query)}, "headers": {{'
        + ", ".join([f"{_str(k)}: {_str(v)}" for k, v in headers.items()])
        + f'}}, "body_size": {int(c.body_size)}, "scheme": {_json_text(c.scheme)}, '
        f'"webhook_id": {_json_text(c.webhook_id)}, "event_type": {_json_text(c.event_type)}, '
        f'"verified": {verified}, "reason": {_json_text(c.reason)}, "status": {status}}}'
    ).encode("utf-8", "surrogatepass")


def _print_capture(capture: Any, as_json: bool) -> None:
    if as_json:
        _requests.add_json(request_line(capture))
    else:
        line = capture_line(capture)
        _requests.add(line if sys.stdout.isatty() else click.unstyle(line))  # as click.echo does
