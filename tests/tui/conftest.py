"""TUI test helpers: bounded waits on a Pilot, signed requests to the app's own receiver."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import httpx

from hookdev.ids import new_id
from hookdev.signing.standard import sign_headers
from hookdev.workspace import Workspace

SIZE = (120, 36)


async def until(
    pilot: Any, predicate: Callable[[], Any], timeout: float = 20.0, what: str = "condition"
) -> Any:
    """Pause the pilot until ``predicate()`` is truthy; fail after ``timeout`` seconds (never a bare sleep)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout} s")
        await pilot.pause(0.05)


async def started(app: Any, pilot: Any) -> None:
    await until(pilot, lambda: app.engine_running or app.status.state == "failed", what="engine start")
    assert app.engine_running, "the receiver did not start"


async def post_signed(
    url: str,
    workspace: Workspace,
    body: bytes = b'{"type":"code.created","data":{}}',
    path: str = "/webhooks",
    secret: str | None = None,
    headers: Iterable[tuple[str, str]] = (),
    signed: bool = True,
) -> httpx.Response:
    """POST ``body`` to the receiver, signed (Standard Webhooks) with the workspace secret by default."""
    h: dict[str, str] = {"content-type": "application/json", **dict(headers)}
    if signed:
        key = secret or workspace.receiver_secrets().current
        h.update(sign_headers([key], new_id("msg"), int(time.time()), body))
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.post(url + path, content=body, headers=h)
