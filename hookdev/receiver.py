"""The receiver: a raw ASGI app that captures every request byte-exact, verifies it, stores it, answers.

Capture -> verify -> store (committed) -> answer as told, or forward to the developer's app and pass its
answer back. The row is committed before any answer leaves, so a 2xx always means "stored".
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from starlette.types import Receive, Scope, Send

from hookdev.events import CaptureUpdated, EventBus, RequestCaptured
from hookdev.forward import (
    DEFAULT_MAX_RESPONSE,
    ForwardResult,
    Route,
    forward,
    forward_headers,
    match_route,
    route_url,
    target_url,
)
from hookdev.ids import new_id
from hookdev.models import Capture
from hookdev.replay_link import replay_of
from hookdev.store import Store
from hookdev.verdicts import apply_verdict, secret_label

if TYPE_CHECKING:
    import httpx

__all__ = [
    "CaptureApp",
    "ReceiverOptions",
    "RespondPolicy",
    "SecretSource",
    "create_receiver",
    "secret_label",
]

log = logging.getLogger("hookdev.receiver")

DEFAULT_MAX_BODY = 5 * 1024 * 1024
RESPOND_MODES = ("normal", "status", "fail", "delay", "gone", "throttle")


@dataclass(frozen=True)
class RespondPolicy:
    """How the receiver answers, to exercise a sender's failure paths.

    normal: 200 when valid or unsigned, 401 when invalid. status: always ``status``. fail: answer
    ``status`` to the next ``count`` requests, then normal. delay: wait ``delay`` seconds, then normal.
    gone: 410. throttle: 429 with ``Retry-After: retry_after``.
    """

    mode: str = "normal"
    status: int = 500
    count: int = 0
    delay: float = 0.0
    retry_after: int = 30

    def describe(self) -> str:
        return {
            "normal": "normally (200 valid / 401 invalid)",
            "status": f"always {self.status}",
            "fail": f"{self.status} to the next {self.count} request(s), then normally",
            "delay": f"after a {self.delay:g} s delay",
            "gone": "410 Gone (the sender disables the endpoint)",
            "throttle": f"429 with Retry-After: {self.retry_after}",
        }.get(self.mode, self.mode)

    def answer(self) -> tuple[int | None, list[tuple[str, str]], float]:
        """The override for one request: (status or None for normal, extra headers, delay)."""
        if self.mode == "status":
            return self.status, [], 0.0
        if self.mode == "fail":
            return (self.status, [], 0.0) if self.count > 0 else (None, [], 0.0)
        if self.mode == "delay":
            return None, [], self.delay
        if self.mode == "gone":
            return 410, [], 0.0
        if self.mode == "throttle":
            return 429, [("retry-after", str(self.retry_after))], 0.0
        return None, [], 0.0

    def after_answer(self) -> RespondPolicy:
        """The policy for the next request: ``fail`` counts down, then answers normally."""
        if self.mode == "fail":
            return RespondPolicy() if self.count <= 1 else replace(self, count=self.count - 1)
        return self

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "status": self.status,
            "count": self.count,
            "delay": self.delay,
            "retry_after": self.retry_after,
        }


class SecretSource:
    """The receiver's active secrets, re-read when the workspace secret file changes (at most 1/s)."""

    def __init__(self, load: Callable[[], list[str]], path: os.PathLike[str] | None = None) -> None:
        self._load = load
        self._path = path
        self._mtime: float | None = None
        self._checked = 0.0
        self._secrets: list[str] = []
        self.refresh()

    def refresh(self) -> None:
        self._secrets = self._load()
        self._mtime = self._stat()
        self._checked = time.monotonic()

    def _stat(self) -> float | None:
        try:
            return os.stat(self._path).st_mtime if self._path is not None else None
        except OSError:
            return None

    def get(self) -> list[str]:
        now = time.monotonic()
        if now - self._checked > 1.0:
            self._checked = now
            if self._stat() != self._mtime:
                self.refresh()
        return self._secrets


@dataclass(frozen=True)
class ReceiverOptions:
    """What the receiver works with: built by the engine from its settings snapshot, replaced whole."""

    secrets: SecretSource
    extra_secrets: Sequence[str] = ()
    scheme: str | None = None
    tolerance: float = 300.0
    max_body: int = DEFAULT_MAX_BODY
    accept_invalid: bool = False
    forward_to: str | None = None
    routes: Sequence[Route] = ()
    forward_timeout: float = 30.0
    max_response: int = DEFAULT_MAX_RESPONSE
    respond: RespondPolicy = field(default_factory=RespondPolicy)


_fast_loads: Callable[[bytes], Any] | None
try:  # the `fast` extra: a JSON parser five times quicker on a webhook body
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover - depends on the environment
    _fast_loads = None


def _event_type(body: bytes) -> str | None:
    """The top-level ``"type"`` of a JSON object body, as ``json.loads`` reads it (else None).

    With orjson installed (the ``fast`` extra) it parses first; whatever orjson refuses (a BOM,
    UTF-16, NaN, lone surrogates, ...) is read by ``json.loads`` as before, and a body both accept
    reads the same in both (the last of repeated keys wins in each). A body nested too deep for both
    (recent orjson stops at about 1,000 levels, ``json.loads`` at the recursion limit) has no type."""
    stripped = body.lstrip()
    if not stripped.startswith(b"{"):
        return None
    data: Any = None
    if _fast_loads is not None:
        try:
            data = _fast_loads(body)
        except ValueError:  # orjson.JSONDecodeError is a ValueError
            data = None
    if data is None:
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return None
    value = data.get("type") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


_MAX_SQL_INT = 2**63 - 1


_date_cache: tuple[int, bytes] = (-1, b"")


def _http_date() -> bytes:
    """The HTTP Date of now, formatted once per second (formatdate was ~2% of ingest CPU)."""
    global _date_cache
    now = int(time.time())
    second, value = _date_cache
    if second != now:
        value = email.utils.formatdate(now, usegmt=True).encode("ascii")
        _date_cache = (now, value)
    return value


def _scope_origin(scope: Scope) -> str | None:
    """The local address a request arrived on (``scope["server"]``), as a URL origin."""
    server = scope.get("server")
    if not server or server[1] is None:
        return None
    host = f"[{server[0]}]" if ":" in str(server[0]) else str(server[0])
    return f"{scope.get('scheme', 'http')}://{host}:{server[1]}"


def _declared_length(headers: list[tuple[str, str]]) -> int:
    """The Content-Length a client claimed, as a number a database column holds (0 when absent or odd).

    A claim is only a claim: it is kept for the record, capped at the largest 64-bit integer, and never
    parsed beyond 19 ASCII digits (``int()`` of 5,000 digits raises; ``'\u00b2'.isdigit()`` is True).
    """
    declared = next((v for k, v in headers if k == "content-length"), "").strip()
    if not declared or not declared.isascii() or not declared.isdigit():
        return 0
    declared = declared.lstrip("0") or "0"
    if len(declared) > 19:
        return _MAX_SQL_INT
    return min(int(declared), _MAX_SQL_INT)


def _json_body(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


#: The receiver's own answers: the headers stored with the capture, and their encoded forms.
_JSON_ANSWER: list[tuple[str, str]] = [("content-type", "application/json")]
_JSON_ANSWER_RAW = (b"content-type", b"application/json")
_SERVER_RAW = (b"server", b"hookdev")


class CaptureApp:
    """The raw ASGI app behind the receiver (every path, every method)."""

    def __init__(self, store: Store, options: ReceiverOptions, bus: EventBus | None = None) -> None:
        self.store = store
        #: Read once per request; the engine replaces it whole when its settings change.
        self.options = options
        #: Called with the answer policy for the next request when a ``fail:N`` policy counts down; by
        #: default the receiver keeps it itself (the engine records it as a runtime change instead).
        self.on_respond_change: Callable[[RespondPolicy], None] = self._keep_respond
        self.bus = bus
        self._client: httpx.AsyncClient | None = None
        #: The receiver's own URL (the engine sets it once bound): where exports and replays of a
        #: capture go. Never the request's Host header, which anyone can write.
        self.receiver_url: str | None = None
        self._batch: list[tuple[Capture, asyncio.Future[str | None]]] = []
        #: Where the engine finds this app (``app.state.capture``), as it did behind a framework.
        self.state = SimpleNamespace(capture=self)

    def _keep_respond(self, policy: RespondPolicy) -> None:
        self.options = replace(self.options, respond=policy)

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            import httpx  # loaded with the first forward: it loads click and more

            self._client = httpx.AsyncClient(follow_redirects=False, timeout=None)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        opts = self.options
        received_at = time.time()
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        body, size, truncated, disconnected = await self._read_body(receive, opts.max_body)
        if truncated:
            size = max(size, _declared_length(headers))
        client = scope.get("client")
        capture = Capture(
            id=new_id("req", received_at),
            received_at=received_at,
            method=scope["method"],
            path=(scope.get("raw_path") or scope["path"].encode()).decode(
                "latin-1"
            ),  # as sent, still encoded
            query=scope["query_string"].decode("latin-1"),
            headers=headers,
            body=body,
            body_size=size,
            truncated=truncated,
            client=f"{client[0]}:{client[1]}" if client else None,
            receiver_url=self.receiver_url or _scope_origin(scope),
            replay_of=replay_of(headers),
        )
        if disconnected:
            # Nobody will read an answer: record what arrived, and that it was never answered.
            capture.reason = f"the client disconnected after {size} body bytes, before the request was complete; nothing was answered"
            await self._insert(capture)
            return
        route = match_route(opts.routes, scope["path"]) if opts.routes else None
        target = route.target if route is not None else opts.forward_to
        if route is not None:
            capture.route = route.prefix

        status: int | None
        extra: list[tuple[str, str]]
        if truncated:
            status, extra, delay = 413, [], 0.0
            capture.reason = f"body over the {opts.max_body} byte limit"
        else:
            self._verify(capture, route)
            respond = opts.respond
            if target is not None or respond.mode == "normal":
                status, extra, delay = None, [], 0.0
            else:
                status, extra, delay = respond.answer()
                after = respond.after_answer()
                if after != respond:
                    self.on_respond_change(after)

        if target is not None and not truncated:
            await self._forward(capture, target, route, scope, send)
            return

        if status is None:
            if capture.verified is False and not opts.accept_invalid:
                status = 401
            else:
                status = 200
        if status == 413 or status == 401 or (capture.verified is False and status >= 400):
            body = _json_body({"received": True, "id": capture.id, "error": capture.reason})
        else:  # the common answer, written without a JSON encoder (an id is ASCII letters and digits)
            body = b'{"received":true,"id":"' + capture.id.encode("ascii") + b'"}'
        capture.status = status
        capture.response_headers = [*_JSON_ANSWER, *extra]
        capture.response_body = body
        error = await self._insert(capture)
        if error is not None:
            await self._not_stored(send, capture, error)
            return
        if delay > 0:
            await asyncio.sleep(delay)
        if extra:
            await self._answer(send, status, capture.response_headers, body)
            return
        # The common case, pre-encoded: what _answer would send for these headers.
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    _JSON_ANSWER_RAW,
                    (b"date", _http_date()),
                    _SERVER_RAW,
                    (b"content-length", str(len(body)).encode("ascii")),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _verify(self, capture: Capture, route: Route | None) -> None:
        opts = self.options
        apply_verdict(
            capture,
            receiver=opts.secrets.get(),
            extra=opts.extra_secrets,
            route=route,
            scheme=opts.scheme,
            tolerance=opts.tolerance,
        )
        capture.event_type = _event_type(capture.body)

    async def _forward(
        self, capture: Capture, target: str, route: Route | None, scope: Scope, send: Send
    ) -> None:
        raw_path = (scope.get("raw_path") or capture.path.encode()).decode("latin-1")
        if route is not None:
            url = route_url(route, raw_path, capture.query)
        else:
            url = target_url(target, raw_path, capture.query)
        capture.forwarded_to = url
        # Store first: the request is durable before the app (or anyone) sees it.
        error = await self._insert(capture)
        if error is not None:
            await self._not_stored(send, capture, error)
            return
        try:
            result = await forward(
                self.client,
                url,
                capture.method,
                forward_headers(capture.headers, url),
                capture.body,
                timeout=self.options.forward_timeout,
                max_response=self.options.max_response,
            )
        except Exception as e:  # forward() reports failures itself; this is the last line of defence
            log.exception("forwarding %s failed", capture.id)
            result = ForwardResult(
                502,
                [("content-type", "application/json"), ("x-hookdev-error", "forward")],
                _json_body({"error": f"forwarding failed: {type(e).__name__}: {e}"}),
                f"forwarding failed: {type(e).__name__}: {e}",
                0.0,
                url,
            )
        capture.status = result.status
        capture.forward_status = result.status if result.error is None else None
        capture.forward_error = result.error
        capture.forward_ms = result.duration_ms
        capture.response_headers = result.headers
        capture.response_body = result.body
        try:
            self.store.update_capture_response(capture)
        except Exception:  # the row stays (with no status); the caller still gets the app's answer
            log.exception("could not record the forwarded answer of %s", capture.id)
        if self.bus is not None:
            self.bus.publish(CaptureUpdated(capture))
        passthrough = [(k, v) for k, v in result.headers if k.lower() not in _NOT_PASSED_BACK]
        await self._answer(send, result.status, passthrough, result.body, ours=result.error is not None)

    async def _insert(self, capture: Capture) -> str | None:
        """Store ``capture`` and return once it is committed: None, or why it could not be stored.

        Group commit: every request that reaches this point in the same turn of the event loop is
        inserted in one transaction (one fsync-free WAL commit instead of N), then all of them answer.
        A row that cannot be stored fails alone: the others in its batch are stored and answered.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str | None] = loop.create_future()
        self._batch.append((capture, future))
        if len(self._batch) == 1:
            loop.call_soon(self._flush)
        error = await future
        if error is None and self.bus is not None:
            self.bus.publish(RequestCaptured(capture))
        return error

    def _flush(self) -> None:
        batch, self._batch = self._batch, []
        try:
            errors = self.store.insert_captures([c for c, _ in batch])
        except Exception as e:  # the store itself is unusable (closed, disk gone): nothing is stored
            errors = [f"{type(e).__name__}: {e}"] * len(batch)
        for (capture, future), error in zip(batch, errors, strict=True):
            if error is not None:
                log.error("request %s could not be stored: %s", capture.id, error)
            if not future.done():
                future.set_result(error)

    async def _not_stored(self, send: Send, capture: Capture, error: str) -> None:
        """The truthful answer for a request whose row could not be stored: 500, and why."""
        body = _json_body(
            {"received": False, "id": capture.id, "error": f"the request was not stored: {error}"}
        )
        await self._answer(send, 500, [("content-type", "application/json")], body)

    @staticmethod
    async def _read_body(receive: Receive, limit: int) -> tuple[bytes, int, bool, bool]:
        """(body, size, truncated, disconnected): disconnected when the client left mid-request."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"".join(chunks), size, False, True
            chunk = message.get("body", b"")
            if chunk:
                size += len(chunk)
                if size > limit:
                    kept = limit - (size - len(chunk))
                    if kept > 0:
                        chunks.append(chunk[:kept])
                    return b"".join(chunks), size, True, False
                chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks), size, False, False

    @staticmethod
    async def _answer(
        send: Send, status: int, headers: list[tuple[str, str]], body: bytes, *, ours: bool = True
    ) -> None:
        """Send one answer. The server adds no Date or Server of its own (the engine turns uvicorn's
        off), so a forwarded answer carries the app's, once; ours get a Date and ``server: hookdev``."""
        raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        names = {k.lower() for k, _ in headers}
        if "date" not in names:
            raw.append((b"date", _http_date()))
        if ours and "server" not in names:
            raw.append((b"server", b"hookdev"))
        raw.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})


# Framing headers are recomputed for the bytes we send back; never pass the app's own.
_NOT_PASSED_BACK = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})


def create_receiver(store: Store, options: ReceiverOptions, bus: EventBus | None = None) -> CaptureApp:
    """The receiver as an ASGI app (every target form, every method, also ``OPTIONS *`` and absolute
    URIs); ``app.state.capture`` is the CaptureApp itself, where its options live.

    It is served as it is, without a framework's middleware and routing around it: they cost a fifth
    of a request's CPU and decided nothing (the app answers every request itself; an exception is
    answered 500 by the server, and logged)."""
    return CaptureApp(store, options, bus)


def parse_respond(text: str) -> RespondPolicy:
    """Parse ``normal``, ``status:500``, ``fail:3`` or ``fail:3:503``, ``delay:2.5``, ``gone``, ``throttle:30``."""
    mode, _, rest = text.strip().partition(":")
    args = rest.split(":") if rest else []
    mode = mode.lower()
    try:
        if mode == "normal" and not args:
            return RespondPolicy()
        if mode == "status" and len(args) == 1:
            return RespondPolicy("status", status=_status(args[0]))
        if mode == "fail" and len(args) in (1, 2):
            count = int(args[0]) if len(args[0]) <= 10 else -1
            if not 0 <= count <= 10**9:
                raise ValueError
            return RespondPolicy("fail", status=_status(args[1]) if len(args) == 2 else 500, count=count)
        if mode == "delay" and len(args) == 1:
            delay = float(args[0])
            if not 0 <= delay <= 3600:
                raise ValueError
            return RespondPolicy("delay", delay=delay)
        if mode == "gone" and not args:
            return RespondPolicy("gone")
        if mode == "throttle" and len(args) <= 1:
            retry_after = int(args[0]) if args and len(args[0]) <= 10 else 30 if not args else -1
            if not 0 <= retry_after <= 10**9:
                raise ValueError
            return RespondPolicy("throttle", retry_after=retry_after)
    except ValueError:
        pass
    raise ValueError(
        f"invalid answer mode {text!r}: use normal, status:CODE, fail:N[:CODE], delay:SECONDS, gone or throttle[:SECONDS]"
    )


def _status(text: str) -> int:
    code = int(text)
    if not 100 <= code <= 599:
        raise ValueError
    return code
