"""hookdev's pytest plugin: test webhook consumers and senders from your own test suite.

Registered with the ``pytest11`` entry point (``pip install hookdev`` is enough; ``-p no:hookdev``
turns it off). Three fixtures:

``hookdev_sender``
    Delivers catalog events or raw payloads, signed in any scheme (standard, stripe, github, shopify,
    slack), with any ``--fault``, to a URL or in-process to an ASGI or WSGI app (httpx transports, no
    server needed). Returns the attempt: status, headers, body, time. ``.secret`` is a fresh
    Standard Webhooks secret (``.secret_for(scheme)`` for the others). In an ``async`` test, use
    ``await hookdev_sender.asend(...)``.
``hookdev_receiver``
    A live hookdev receiver on a free port for code that *sends* webhooks: ``.url``, ``.secret`` and
    ``.wait_for(n, timeout)``, which returns the captured requests (oldest first) with their verdicts
    (``capture.verified``, ``capture.reason``).
``hookdev_check``
    ``hookdev_check(target, secret=..., **options)`` runs the `hookdev check` battery against a URL or
    an app and fails the test with a readable list of the failed checks; returns the run.
    ``probe=`` takes a callable returning a count of side effects (or a URL/command, as the CLI does).

The sync methods run on a private event loop in a background thread, so they work from plain test
functions and against in-process apps.
"""

from __future__ import annotations

import asyncio
import inspect
import operator
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from hookdev.check import Probe, ProbeError, Run, Runner, Target, battery, new_client, parse_ids
from hookdev.check.model import FAIL, WARN
from hookdev.delivery import DEFAULT_TIMEOUT, FAULTS
from hookdev.delivery.attempt import send as send_attempt
from hookdev.delivery.formats import check_scheme, random_secret, tamper
from hookdev.ids import new_id
from hookdev.models import Capture, Endpoint, Headers, Message

T = TypeVar("T")
IN_PROCESS_BASE = "http://testserver"

__all__ = ["CheckFailed", "HookdevReceiver", "HookdevSender", "SentAttempt", "hookdev_check_target"]


# -- a loop for sync callers -----------------------------------------------------------------------
class _LoopThread:
    """An event loop in a daemon thread: sync code submits coroutines and waits for their result."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="hookdev-pytest", daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout)

    def close(self) -> None:
        async def drain() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        if self.loop.is_running():
            asyncio.run_coroutine_threadsafe(drain(), self.loop).result(10)
            self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


# -- where a delivery goes ---------------------------------------------------------------------------
class _WSGIAsyncTransport(httpx.AsyncBaseTransport):
    """A WSGI app behind an async transport: each request runs in a worker thread."""

    def __init__(self, app: Any) -> None:
        self._sync = httpx.WSGITransport(app=app, raise_app_exceptions=False)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        sync_request = httpx.Request(request.method, request.url, headers=request.headers, content=body)

        def call() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            response = self._sync.handle_request(sync_request)
            return response.status_code, list(response.headers.raw), response.read()

        status, headers, content = await asyncio.to_thread(call)
        return httpx.Response(status, headers=headers, content=content)


def is_asgi(app: Any) -> bool:
    """An ASGI app is an async callable (Starlette, FastAPI, Quart ...); anything else callable is WSGI."""
    call = getattr(app, "__call__", None)  # noqa: B004 - we want the bound method
    return inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(call)


def hookdev_check_target(target: Any, path: str = "/", verify: Any = True) -> tuple[httpx.AsyncClient, str]:
    """A client and URL for a target: a URL string, or an ASGI/WSGI app served in-process at ``path``."""
    if isinstance(target, str):
        return new_client(verify=verify), target
    if not callable(target):
        raise TypeError(f"a target is a URL or an ASGI/WSGI app, not {type(target).__name__}")
    transport: httpx.AsyncBaseTransport
    if is_asgi(target):
        transport = httpx.ASGITransport(app=target, raise_app_exceptions=False)
    else:
        transport = _WSGIAsyncTransport(target)
    return new_client(transport=transport), IN_PROCESS_BASE + (path if path.startswith("/") else "/" + path)


# -- hookdev_sender ----------------------------------------------------------------------------------
@dataclass
class SentAttempt:
    """One delivery and what came back."""

    status_code: int | None
    headers: Headers
    body: bytes
    duration_ms: float
    error: str | None
    request_headers: Headers
    request_body: bytes
    message_id: str
    event_type: str
    scheme: str
    fault: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        import json

        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        """A response header (any case), or None."""
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


class HookdevSender:
    """Signs and delivers webhooks like the platform does (see the module docstring)."""

    def __init__(self, catalog: str | None = None) -> None:
        self._catalog_path = catalog
        self._catalog: Any = None
        self._secrets: dict[str, str] = {}
        self._loop: _LoopThread | None = None
        self.secret = self.secret_for("standard")

    def secret_for(self, scheme: str) -> str:
        """This sender's secret for a scheme (made once, in the shape that provider hands out)."""
        scheme = check_scheme(scheme)
        if scheme not in self._secrets:
            self._secrets[scheme] = random_secret(scheme)
        return self._secrets[scheme]

    def payload(self, event_type: str) -> bytes:
        """The catalog example of ``event_type`` (the bundled sample catalog unless one was given)."""
        if self._catalog is None:
            from hookdev.catalog import load_catalog

            self._catalog = load_catalog(self._catalog_path)
        example: bytes = self._catalog.get(event_type).example_bytes()
        return example

    def send(self, target: Any, event_type: str = "code.scanned", **options: Any) -> SentAttempt:
        """Deliver now and wait for the answer; see :meth:`asend` for the options."""
        if self._loop is None:
            self._loop = _LoopThread()
        return self._loop.run(self.asend(target, event_type, **options))

    async def asend(
        self,
        target: Any,
        event_type: str = "code.scanned",
        *,
        payload: bytes | str | dict[str, Any] | list[Any] | None = None,
        secret: str | Sequence[str] | None = None,
        scheme: str = "standard",
        fault: str | None = None,
        headers: Sequence[tuple[str, str]] | dict[str, str] = (),
        path: str = "/",
        message_id: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> SentAttempt:
        """Deliver one message to ``target`` (a URL, or an ASGI/WSGI app at ``path``).

        ``payload``: bytes sent as they are (str as UTF-8; a dict/list is serialized once), default the
        catalog example of ``event_type``. ``secret``: one or several (a rotation), default this
        sender's secret for ``scheme``. ``fault``: one of hookdev's faults (tamper, stale, future,
        wrong-secret, no-signature, duplicate). ``headers``: extra headers.
        """
        scheme = check_scheme(scheme)
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
        if fault == "out-of-order":
            raise ValueError("out-of-order needs a batch: send two messages in the order you want instead")
        body = _body(payload) if payload is not None else self.payload(event_type)
        secrets = [secret] if isinstance(secret, str) else list(secret or [self.secret_for(scheme)])
        extra = list(headers.items()) if isinstance(headers, dict) else list(headers)
        client, url = hookdev_check_target(target, path)
        message = Message(message_id or new_id("msg"), event_type, body, time.time(), fault=fault)
        endpoint = Endpoint(id="ep_pytest", url=url, secret=None, headers=extra, scheme=scheme)
        async with client:
            outcome = await send_attempt(client, endpoint, message, secrets, fault=fault, timeout=timeout)
        sent_body = tamper(body) if fault == "tamper" else body
        return SentAttempt(
            outcome.status_code,
            outcome.response_headers,
            outcome.response_body,
            outcome.duration_ms,
            outcome.error,
            outcome.request_headers,
            sent_body,
            message.id,
            event_type,
            scheme,
            fault,
            dict(outcome.extra),
        )

    def close(self) -> None:
        if self._loop is not None:
            self._loop.close()
            self._loop = None


def _body(payload: bytes | str | dict[str, Any] | list[Any]) -> bytes:
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, str):
        return payload.encode("utf-8")
    from hookdev.catalog import payload_bytes

    return payload_bytes(payload)


# -- hookdev_receiver --------------------------------------------------------------------------------
class HookdevReceiver:
    """A live hookdev receiver (the real engine, without the dispatcher) on a free 127.0.0.1 port."""

    def __init__(self, home: Path) -> None:
        from hookdev.engine import Engine, EngineOptions
        from hookdev.workspace import Workspace

        self.workspace = Workspace(home)
        self.secret: str = self.workspace.receiver_secrets().current
        self._loop = _LoopThread()
        self._engine = Engine(self.workspace, EngineOptions(host="127.0.0.1", port=0, dispatch=False))
        self._loop.run(self._engine.start(), timeout=30)
        self.url: str = self._engine.url + "/"

    @property
    def captures(self) -> list[Capture]:
        """Every request captured so far, oldest first."""
        return list(reversed(self.workspace.store.list_captures(limit=None)))

    def wait_for(self, n: int = 1, timeout: float = 5.0) -> list[Capture]:
        """Wait until at least ``n`` requests arrived; returns them (oldest first) with their verdicts.
        Fails the test after ``timeout`` seconds, saying how many came."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.captures
            if len(found) >= n:
                return found
            if time.monotonic() > deadline:
                pytest.fail(f"hookdev_receiver: {len(found)} of {n} request(s) arrived within {timeout:g} s")
            time.sleep(0.01)

    async def await_for(self, n: int = 1, timeout: float = 5.0) -> list[Capture]:
        """:meth:`wait_for` for async tests (does not block the event loop)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.captures
            if len(found) >= n or time.monotonic() > deadline:
                return self.wait_for(n, 0)
            await asyncio.sleep(0.01)

    def close(self) -> None:
        try:
            self._loop.run(self._engine.stop(), timeout=30)
        finally:
            self._loop.close()
            self.workspace.close()


# -- hookdev_check -----------------------------------------------------------------------------------
class CheckFailed(AssertionError):
    """Raised (as a test failure) when a check of the battery failed."""


class _CallableProbe(Probe):
    """A probe that is a Python callable returning the count (sync or async)."""

    def __init__(self, fn: Callable[[], int | Awaitable[int]]) -> None:
        self.spec = getattr(fn, "__name__", "callable")
        self.kind = "callable"
        self.timeout = 10.0
        self._fn = fn

    async def read(self) -> int:
        """The callable's count; what it raises or returns instead becomes a :class:`ProbeError`, which
        the check reports (a sync callable runs inline: it is the test's own code, on its objects)."""
        try:
            value: object = self._fn()
            if inspect.isawaitable(value):
                value = await asyncio.wait_for(value, self.timeout)
        except TimeoutError:
            raise ProbeError(f"probe {self.spec} did not finish within {self.timeout:g} s") from None
        except Exception as e:  # noqa: BLE001 - the user's code: any failure is the probe's
            raise ProbeError(f"probe {self.spec} raised {type(e).__name__}: {e}"[:300]) from None
        try:  # an int, an int-like (numpy), or the text of one ("3\n" from a subprocess)
            if isinstance(value, bool):
                raise TypeError
            return int(value.strip()) if isinstance(value, str | bytes) else operator.index(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ProbeError(
                f"probe {self.spec} returned {value!r:.60}, expected an int (a count of side effects)"
            ) from None


def failure_text(run: Run, target: str, warnings: bool = False) -> str:
    """The readable list a failed ``hookdev_check`` shows."""
    bad = [r for r in run.results if r.verdict == FAIL or (warnings and r.verdict == WARN)]
    lines = [
        f"hookdev check: {len(bad)} of {len(run.results)} checks failed against {target} ({run.scheme}):"
    ]
    for r in bad:
        lines.append(f"  ✗ {r.id}: {r.reason}")
        lines.append(f"      sent: {r.spec_sends}; received: {r.received()}")
        lines.append(f"      why: {r.why}")
    lines.append(run.summary())
    return "\n".join(lines)


class HookdevCheck:
    """``hookdev_check(target, secret=..., **options)``: the battery, failing the test on a failed check."""

    def __init__(self, sender: HookdevSender) -> None:
        self._sender = sender
        self._loop: _LoopThread | None = None
        self.runs: list[Run] = []

    def __call__(self, target: Any, **options: Any) -> Run:
        if self._loop is None:
            self._loop = _LoopThread()
        try:
            return self._loop.run(self.acheck(target, **options))
        except CheckFailed as e:
            pytest.fail(str(e), pytrace=False)

    async def acheck(
        self,
        target: Any,
        *,
        secret: str | Sequence[str] | None = None,
        scheme: str = "standard",
        event: str = "code.scanned",
        payload: bytes | str | dict[str, Any] | None = None,
        only: Sequence[str] | str | None = None,
        skip: Sequence[str] | str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        probe: str | Callable[[], int | Awaitable[int]] | None = None,
        path: str = "/",
        headers: Sequence[tuple[str, str]] = (),
        warnings_fail: bool = False,
    ) -> Run:
        """Run the battery; raise :class:`CheckFailed` (a test failure) listing every failed check."""
        scheme = check_scheme(scheme)
        secrets = [secret] if isinstance(secret, str) else list(secret or [self._sender.secret_for(scheme)])
        specs = battery(scheme, parse_ids(only), parse_ids(skip))
        body = _body(payload) if payload is not None else self._sender.payload(event)
        reader: Probe | None = None
        if probe is not None:
            reader = Probe(probe) if isinstance(probe, str) else _CallableProbe(probe)
        client, url = hookdev_check_target(target, path)
        async with client:
            runner = Runner(
                Target(url, scheme, secrets, list(headers)),
                client=client,
                event_type=event,
                payload=body,
                timeout=timeout,
                probe=reader,
            )
            run = await runner.run(specs)
        self.runs.append(run)
        name = target if isinstance(target, str) else f"{type(target).__name__} app (in-process)"
        if run.failed or (warnings_fail and any(r.verdict == WARN for r in run.results)):
            raise CheckFailed(failure_text(run, name, warnings_fail))
        return run

    def close(self) -> None:
        if self._loop is not None:
            self._loop.close()
            self._loop = None


# -- fixtures ----------------------------------------------------------------------------------------
@pytest.fixture
def hookdev_sender() -> Iterator[HookdevSender]:
    """Deliver signed webhooks (any scheme, any fault) to a URL or an in-process ASGI/WSGI app."""
    sender = HookdevSender()
    yield sender
    sender.close()


@pytest.fixture
def hookdev_receiver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HookdevReceiver]:
    """A live hookdev receiver on a free port: ``.url``, ``.secret``, ``.wait_for(n, timeout)``."""
    receiver = HookdevReceiver(tmp_path_factory.mktemp("hookdev") / "ws")
    yield receiver
    receiver.close()


@pytest.fixture
def hookdev_check(hookdev_sender: HookdevSender) -> Iterator[HookdevCheck]:
    """Run the `hookdev check` battery against a URL or an app; a failed check fails the test."""
    checker = HookdevCheck(hookdev_sender)
    yield checker
    checker.close()
