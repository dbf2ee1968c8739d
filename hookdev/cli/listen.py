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
from hookdev.cli.render import attempt_line, capture_json, capture_line
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
    lines instead of one each (the lines still appear at once when the receiver is idle)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, line: str) -> None:
        if not self.lines:
            asyncio.get_running_loop().call_soon(self.flush)
        self.lines.append(line)

    def flush(self) -> None:
        if self.lines:
            text, self.lines = "\n".join(self.lines) + "\n", []
            sys.stdout.write(text)
            sys.stdout.flush()


_requests = _LineBuffer()


def _print_capture(capture: Any, as_json: bool) -> None:
    if as_json:
        _requests.add(json.dumps({"event": "request", **capture_json(capture)}, ensure_ascii=False))
    else:
        line = capture_line(capture)
        _requests.add(line if sys.stdout.isatty() else click.unstyle(line))  # as click.echo does
