"""What the delivering commands share (send, replay, recover, dispatch): options, one dispatcher run,
and the progress line printed per attempt."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from hookdev.cli import numbers
from hookdev.cli._common import HookdevError, emit_json
from hookdev.cli.catalog import catalog_path_option as catalog_option  # noqa: F401 - re-exported
from hookdev.cli.render import attempt_line
from hookdev.delivery import DEFAULT_TIMEOUT
from hookdev.delivery.validate import InputError
from hookdev.delivery.views import finished_attempt_json
from hookdev.events import AttemptFinished, EndpointChanged, EventBus
from hookdev.textsafe import visible

if TYPE_CHECKING:
    import ssl

    from hookdev.sender import Sender
    from hookdev.workspace import Workspace

F = TypeVar("F", bound=Callable[..., Any])


def delivery_options(f: F) -> F:
    f = click.option(
        "--timeout",
        type=numbers.finite(0, 86400, min_open=True),
        default=DEFAULT_TIMEOUT,
        show_default=True,
        help="Seconds to wait for the endpoint's answer; then the attempt fails as a timeout.",
    )(f)
    return click.option(
        "--time-scale",
        type=numbers.finite(0, 1e9, min_open=True),
        default=1.0,
        metavar="N",
        help="Divide every retry wait by N (3600: the 27 h 35 min schedule in about 28 s).",
    )(f)


def make_sender(
    workspace: Workspace, catalog: str | None = None, bus: EventBus | None = None, strict: bool = False
) -> Sender:
    """A Sender on the catalog the one lookup picks (--catalog, hookdev.toml, workspace setting, sample)."""
    from hookdev.cli.catalog import find_catalog
    from hookdev.sender import Sender

    sender = Sender(workspace, catalog_source=lambda: find_catalog(catalog, None, strict, workspace), bus=bus)
    sender.declared = lambda name: sync_declared(sender, name)
    return sender


def sync_declared(sender: Sender, name: str) -> bool:
    """When hookdev.toml declares an endpoint ``name`` the workspace has not met yet, create the file's
    endpoints now (as `listen` would at start) so the name works at once."""
    from hookdev.config import ConfigError, project_config
    from hookdev.managed import sync_managed_endpoints

    try:
        config = project_config()
    except ConfigError:
        return False
    if config.endpoint_named(name) is None:
        return False
    input_errors(lambda: sync_managed_endpoints(sender, config))
    return True


def client_verify(workspace: Workspace) -> ssl.SSLContext | bool:
    """Trust the system CAs plus the workspace's own CA when `hookdev tls` made one."""
    try:
        from hookdev.tls import client_verify as tls_verify
    except ImportError:
        return True
    try:
        return tls_verify(workspace.home)
    except Exception:  # no CA yet, or unreadable: default verification still works for real sites
        return True


def progress_printer(
    as_json: bool, scale: float, json_lines: bool = False, err: bool = True
) -> Callable[[Any], None]:
    """A bus subscriber printing one line per finished attempt (text on stderr unless ``err=False``;
    ``json_lines``: one attempt object per line on stdout)."""

    def on_event(event: Any) -> None:
        if isinstance(event, AttemptFinished):
            if json_lines:
                emit_json(finished_attempt_json(event.attempt, event.next_attempt))
            elif not as_json:
                click.echo(attempt_line(event.attempt, event.next_attempt, scale), err=err)
        elif isinstance(event, EndpointChanged) and not as_json and event.endpoint is not None:
            if event.endpoint.disabled and event.status_code == 410:
                click.echo(
                    click.style(
                        f"endpoint {event.endpoint_id} disabled: {visible(event.reason)}", fg="yellow"
                    ),
                    err=True,
                )

    return on_event


def run_dispatcher(
    workspace: Workspace,
    *,
    bus: EventBus,
    time_scale: float,
    timeout: float,
    concurrency: int = 32,
    stop_on_signal: bool = False,
    while_running: Callable[[], Any] | None = None,
    **run: Any,
) -> None:
    """One dispatcher on a fresh event loop until ``run()`` returns (or SIGINT/SIGTERM with ``stop_on_signal``);
    ``while_running``: a coroutine function run beside it meanwhile (cancelled when it is done)."""

    import asyncio
    import contextlib
    import signal

    from hookdev.delivery.clock import RealClock
    from hookdev.delivery.dispatcher import Dispatcher  # httpx: only for the commands that deliver

    async def main() -> None:
        dispatcher = Dispatcher(
            workspace,
            clock=RealClock(time_scale),
            bus=bus,
            timeout=timeout,
            concurrency=concurrency,
            verify=lambda: client_verify(workspace),
        )
        task = asyncio.ensure_future(dispatcher.run(**run))
        side = asyncio.ensure_future(while_running()) if while_running is not None else None
        if stop_on_signal:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(
                    NotImplementedError, RuntimeError, ValueError
                ):  # not the main thread
                    loop.add_signal_handler(sig, task.cancel)
        try:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        finally:
            if side is not None:
                side.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await side
            await dispatcher.aclose()

    asyncio.run(main())


def input_errors(fn: Callable[[], Any]) -> Any:
    """Run ``fn``; bad input (a SenderError/InputError) becomes a one-line CLI error, exit 2."""
    try:
        return fn()
    except InputError as e:
        raise HookdevError(str(e)) from None
