"""TUI test helpers: bounded waits on a Pilot, signed requests to the app's own receiver, and a real
Starlette app on a free port standing in for the developer's app."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

import httpx
import pytest
import textual.constants
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hookdev.ids import new_id
from hookdev.signing.standard import sign_headers
from hookdev.workspace import Workspace

SIZE = (120, 36)


@pytest.fixture(autouse=True)
def no_animations(monkeypatch: pytest.MonkeyPatch) -> None:
    """Apps made in a test skip animations: every key press would otherwise wait for the tab underline
    to glide (about 0.2 s a view switch), and the end state is the same."""
    monkeypatch.setattr(textual.constants, "TEXTUAL_ANIMATIONS", "none")


@pytest.fixture(autouse=True)
def plain_rendering(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine's own taste never reaches the pictures: $NO_COLOR (which some CI systems set) made
    every snapshot differ, and so would $TEXTUAL_FILTERS. (The demo app pins its theme itself.)"""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(textual.constants, "FILTERS", "")


async def until(
    pilot: Any, predicate: Callable[[], Any], timeout: float = 45.0, what: str = "condition"
) -> Any:
    """Pause the pilot until ``predicate()`` is truthy; fail after ``timeout`` seconds (never a bare sleep).
    The deadline is generous: it costs nothing while the condition comes, and a loaded CI machine is slow."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout} s")
        await asyncio.sleep(0.05)  # not pilot.pause: that walks every widget on each poll


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


class _Server(uvicorn.Server):
    """uvicorn without signal handlers (the test runner owns them)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def stand_in_app(status: int = 202) -> Starlette:
    """The developer's app: answers every request with ``status``, ``x-app: yes`` and
    ``{"app": "got it", "bytes": N}``."""

    async def hook(request: Request) -> JSONResponse:
        body = await request.body()
        return JSONResponse(
            {"app": "got it", "bytes": len(body)}, status_code=status, headers={"x-app": "yes"}
        )

    return Starlette(routes=[Route("/{path:path}", hook, methods=["GET", "POST", "PUT"])])


@contextlib.asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """Run an ASGI app with uvicorn on a free port (a socket bound here); yields its ``http://`` URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.setblocking(False)
    config = uvicorn.Config(
        app, log_config=None, access_log=False, lifespan="off", timeout_graceful_shutdown=2
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            if task.done() or time.monotonic() > deadline:
                raise AssertionError("the server did not start")
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 20)
        sock.close()
