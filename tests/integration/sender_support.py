"""A real webhook consumer for the sender tests: a Starlette app on a free port that verifies every
request with the independent `svix` package, records it, and answers as told (fail, 410, 429 ...)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from svix.webhooks import Webhook, WebhookVerificationError

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Received:
    webhook_id: str | None
    timestamp: str | None
    signature: str | None
    body: bytes
    headers: dict[str, str]
    at: float  # time.time() on arrival
    verified_with: list[str]  # the secrets whose signature verified (svix package)
    answered: int = 0
    path: str = ""


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b'{"ok":true}'
    delay: float = 0.0


class Consumer:
    """Answers ``answer`` (default 200) to every request; ``fail_next(n, ...)`` for the next n only."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        self.secrets = list(secrets or [])
        self.requests: list[Received] = []
        self.answer = Answer()
        self._next: list[Answer] = []
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._sock: socket.socket | None = None
        self.url = ""

    def fail_next(self, count: int, status: int = 500, **kw: object) -> None:
        self._next += [Answer(status=status, **kw) for _ in range(count)]  # type: ignore[arg-type]

    def always(self, status: int = 200, **kw: object) -> None:
        self.answer = Answer(status=status, **kw)  # type: ignore[arg-type]

    def verified(self, secret: str) -> list[Received]:
        return [r for r in self.requests if secret in r.verified_with]

    async def _handle(self, request: Request) -> Response:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        ok = []
        for secret in self.secrets:
            with contextlib.suppress(WebhookVerificationError):
                Webhook(secret).verify(body, headers)
                ok.append(secret)
        answer = self._next.pop(0) if self._next else self.answer
        self.requests.append(
            Received(
                headers.get("webhook-id"),
                headers.get("webhook-timestamp"),
                headers.get("webhook-signature"),
                body,
                headers,
                time.time(),
                ok,
                answer.status,
                request.url.path,
            )
        )
        if answer.delay:
            await asyncio.sleep(answer.delay)
        return Response(answer.body, status_code=answer.status, headers=answer.headers)

    async def start(self) -> Consumer:
        app = Starlette(routes=[Route("/{path:path}", self._handle, methods=["POST", "GET", "PUT"])])
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/hooks"
        config = uvicorn.Config(
            app, log_level="error", lifespan="off", access_log=False, timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[self._sock]))
        deadline = time.monotonic() + 10
        while not self._server.started:
            if self._task.done() or time.monotonic() > deadline:
                raise RuntimeError("consumer did not start")
            await asyncio.sleep(0.01)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, 10)
        if self._sock is not None:
            self._sock.close()


def free_port() -> int:
    """A port nothing listens on (for connection-refused tests)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.asynccontextmanager
async def consumer_pool() -> AsyncIterator[Callable[..., Awaitable[Consumer]]]:
    """``await make(secrets)`` starts a consumer; all are stopped on exit. Each test module wraps this
    in its own ``consumers`` fixture."""
    made: list[Consumer] = []

    async def make(secrets: list[str] | None = None) -> Consumer:
        c = await Consumer(secrets).start()
        made.append(c)
        return c

    try:
        yield make
    finally:
        for c in made:
            await c.stop()


async def invoke(*args: str, home: Path) -> tuple[int, bytes, bytes]:
    """The real CLI in this process: fast. Run in a thread, so commands that run their own event loop
    (send, replay, recover) work while the consumers keep serving on the test's loop."""
    from click.testing import CliRunner

    from hookdev.cli import main

    result = await asyncio.to_thread(
        CliRunner(catch_exceptions=False).invoke, main, list(args), env={"HOOKDEV_HOME": str(home)}
    )
    return result.exit_code, result.stdout_bytes, result.stderr_bytes


async def cli(*args: str, home: Path, timeout: float = 60) -> tuple[int, bytes, bytes]:
    """``python -m hookdev ARGS`` as a subprocess, without blocking the loop the consumers run on."""
    env = dict(os.environ, HOOKDEV_HOME=str(home))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "hookdev",
        *args,
        env=env,
        cwd=str(ROOT),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode is not None
    return proc.returncode, out, err


async def deliver(workspace: Any, clock: Any = None, bus: Any = None, **run: Any) -> None:
    """Run a dispatcher (virtual clock by default) until the selected attempts are all done."""
    from hookdev.delivery.clock import VirtualClock
    from hookdev.delivery.dispatcher import Dispatcher

    dispatcher = Dispatcher(workspace, clock=clock or VirtualClock(), bus=bus, timeout=10)
    try:
        await asyncio.wait_for(dispatcher.run(until_idle=True, **run), 60)
    finally:
        await dispatcher.aclose()
