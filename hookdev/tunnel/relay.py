"""The relay: a small public ASGI service that hands internet requests to hookdev clients.

A client opens a WebSocket to ``/_hookdev/connect`` and claims a channel with its owner key; a
request to ``/c/<channel>/<path>`` (any method, query kept) then travels to that client as one frame,
and the client's answer travels back to the caller. Many requests per channel share the one
WebSocket, matched by request id. See :mod:`hookdev.tunnel.protocol` for the frames and
:mod:`hookdev.tunnel.owners` for who may claim a channel.

With a :class:`~hookdev.tunnel.cluster.Cluster` (``hookdev relay --redis``), the relay is one
instance of many: the channel registry lives in Redis, and a request for a channel whose client is
connected to another instance is passed to that instance and answered through it.

What a caller can get besides the app's answer, always as one line of text:
404 no client on the channel, 413 body over ``max_body``, 503 (+ ``Retry-After``) the channel has
``max_in_flight`` requests waiting or ``max_buffered`` bytes held, 502 client gone or bad answer
(or the instance holding the channel is gone), 504 no answer within ``request_timeout``.

Other endpoints: ``GET /`` (a status page), ``GET /healthz`` (the instance and its Redis),
``GET /metrics`` (Prometheus text).
"""

from __future__ import annotations

import asyncio
import hmac
import itertools
import logging
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from hookdev import __version__
from hookdev.forward import HOP_BY_HOP
from hookdev.tunnel import protocol as p
from hookdev.tunnel.metrics import RelayMetrics
from hookdev.tunnel.owners import Owners

if TYPE_CHECKING:
    from hookdev.tunnel.cluster import Cluster

log = logging.getLogger("hookdev.relay")

CLAIM_TIMEOUT = 10.0
#: Largest answer a client may send back (at least ``max_body``). The WebSocket message limit of the
#: server running the relay must be above it: see :func:`ws_max_size`.
MAX_ANSWER = 8 * 1024 * 1024
#: Defaults of the per-channel backpressure limits.
MAX_IN_FLIGHT = 256
MAX_BUFFERED = 32 * 1024 * 1024
MAX_CHANNELS = 10_000
#: Seconds a caller is told to wait after a 503.
RETRY_AFTER = 1

Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


def max_answer(max_body: int) -> int:
    return max(max_body, MAX_ANSWER)


def ws_max_size(max_body: int) -> int:
    """The uvicorn ``ws_max_size`` a relay with this ``max_body`` needs (frames carry headers too)."""
    return max_answer(max_body) + 1024 * 1024


class _ClientGone(Exception):
    """The channel's client disconnected (or was replaced) before it answered."""


class Channel:
    """One claimed channel: its WebSocket, its session secret and the requests waiting for answers."""

    def __init__(self, name: str, websocket: WebSocket, session: str) -> None:
        self.name = name
        self.websocket = websocket
        self.session = session
        self.pending: dict[str, asyncio.Future[tuple[dict[str, Any], bytes]]] = {}
        self.closed = False
        self._ids = itertools.count(1)
        self._send_lock = asyncio.Lock()

    def next_id(self) -> str:
        return str(next(self._ids))

    async def send_bytes(self, data: bytes) -> None:
        async with self._send_lock:
            if self.closed:
                raise _ClientGone
            await self.websocket.send_bytes(data)

    async def send_text(self, data: str) -> None:
        async with self._send_lock:
            if not self.closed:
                await self.websocket.send_text(data)

    async def close(self, code: int, reason: str) -> None:
        """Close the WebSocket (once) and fail every request still waiting on it."""
        if self.closed:
            return
        self.fail_all()
        try:
            await asyncio.wait_for(self.websocket.close(code, reason), 5)
        except Exception:  # already gone: nothing to tell it
            pass

    def fail_all(self) -> None:
        self.closed = True
        for future in self.pending.values():
            if not future.done():
                future.set_exception(_ClientGone())
        self.pending.clear()


@dataclass
class Budget:
    """What one channel holds on this instance right now: requests in flight and body bytes buffered."""

    in_flight: int = 0
    buffered: int = 0
    peak_buffered: int = 0


def _short(name: str) -> str:
    return name[:4] + "..."


def _text(status: int, message: str, extra: list[tuple[bytes, bytes]] | None = None) -> Answer:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), *(extra or [])]
    return status, headers, (message + "\n").encode()


def _busy(message: str) -> Answer:
    return _text(503, message, [(b"retry-after", str(RETRY_AFTER).encode())])


NOT_CONNECTED = "no hookdev client is connected to this channel (start one with: hookdev listen --relay)"


class Relay:
    """The relay's state (its channels, their budgets) and its endpoints."""

    def __init__(
        self,
        *,
        token: str | None,
        public_url: str | None,
        max_body: int,
        request_timeout: float,
        idle_timeout: float,
        max_in_flight: int = MAX_IN_FLIGHT,
        max_buffered: int = MAX_BUFFERED,
        max_channels: int = MAX_CHANNELS,
        owners: Owners | None = None,
        cluster: Cluster | None = None,
    ) -> None:
        self.token = token or None
        self.public_url = public_url.rstrip("/") if public_url else None
        self.max_body = max_body
        self.request_timeout = request_timeout
        self.idle_timeout = idle_timeout
        self.max_in_flight = max_in_flight
        self.max_buffered = max(max_buffered, max_body)
        self.max_channels = max_channels
        self.owners = owners if owners is not None else Owners()
        self.cluster = cluster
        self.instance = cluster.instance if cluster is not None else uuid.uuid4().hex[:12]
        self.channels: dict[str, Channel] = {}
        self.budgets: dict[str, Budget] = {}
        self.metrics = RelayMetrics()
        if cluster is not None:
            cluster.attach(self)

    # -- GET /, /healthz, /metrics ----------------------------------------------------------------
    async def status(self, request: Request) -> JSONResponse:
        base = self.public_url or str(request.base_url).rstrip("/")
        return JSONResponse(
            {
                "service": "hookdev relay",
                "version": __version__,
                "channels": len(self.channels),
                "connect": f"hookdev listen --relay {base}",
            }
        )

    async def healthz(self, request: Request) -> JSONResponse:
        redis = "off"
        if self.cluster is not None:
            redis = "ok" if await self.cluster.healthy() else "unreachable"
        ok = redis in ("ok", "off")
        return JSONResponse(
            {
                "status": "ok" if ok else "degraded",
                "instance": self.instance,
                "version": __version__,
                "channels": len(self.channels),
                "redis": redis,
            },
            status_code=200 if ok else 503,
        )

    async def metrics_page(self, request: Request) -> Response:
        self.metrics.channels.set(len(self.channels))
        return Response(self.metrics.render(), media_type=self.metrics.content_type)

    # -- the clients' WebSocket -------------------------------------------------------------------
    def _base_url(self, websocket: WebSocket) -> str:
        if self.public_url:
            return self.public_url
        url = websocket.url
        scheme = "https" if url.scheme in ("wss", "https") else "http"
        return f"{scheme}://{url.netloc}"

    def _token_ok(self, websocket: WebSocket, claim: dict[str, Any]) -> bool:
        if self.token is None:
            return True
        given = claim.get("token")
        auth = websocket.headers.get("authorization", "")
        if auth[:7].lower() == "bearer ":
            given = auth[7:].strip()
        if not isinstance(given, str) or not given:
            return False
        return hmac.compare_digest(given.encode(), self.token.encode())

    async def _refuse(self, websocket: WebSocket, code: int, reason: str, why: str) -> None:
        self.metrics.refused.labels(why).inc()
        await _refuse(websocket, code, reason)

    async def connect(self, websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            first = await asyncio.wait_for(websocket.receive(), CLAIM_TIMEOUT)
        except TimeoutError:
            await self._refuse(
                websocket, p.CLOSE_TIMEOUT, f"no claim received within {CLAIM_TIMEOUT:g} s", "timeout"
            )
            return
        if first["type"] == "websocket.disconnect":
            return
        try:
            claim = p.parse_text(first.get("text") or "")
        except p.ProtocolError:
            claim = {}
        if claim.get("type") != "claim":
            await self._refuse(
                websocket,
                p.CLOSE_BAD_REQUEST,
                "expected a claim message first (is this a hookdev client?)",
                "protocol",
            )
            return
        if not self._token_ok(websocket, claim):
            await self._refuse(websocket, p.CLOSE_UNAUTHORIZED, "relay token missing or wrong", "token")
            return
        name, session, key = claim.get("channel"), claim.get("session"), claim.get("key")
        if not isinstance(name, str) or not p.valid_channel(name):
            await self._refuse(
                websocket, p.CLOSE_BAD_REQUEST, f"invalid channel name: use {p.CHANNEL_RULE}", "protocol"
            )
            return
        if not isinstance(session, str) or not 16 <= len(session) <= 128:
            await self._refuse(
                websocket, p.CLOSE_BAD_REQUEST, "claim without a valid session key", "protocol"
            )
            return
        if not p.valid_key(key):
            await self._refuse(
                websocket,
                p.CLOSE_BAD_REQUEST,
                "claim without a valid channel key (this hookdev client is too old for this relay)",
                "protocol",
            )
            return
        assert isinstance(key, str)
        if name not in self.channels and len(self.channels) >= self.max_channels:
            await _refuse(websocket, p.CLOSE_FULL, "this relay has no room for more channels now")
            return
        verdict = await self._claim(name, p.key_hash(key), session)
        if verdict is None:
            await _refuse(websocket, p.CLOSE_UNAVAILABLE, "the relay cannot reach its channel registry now")
            return
        if verdict == "full":
            await _refuse(websocket, p.CLOSE_FULL, "this relay has no room for more channels now")
            return
        if verdict == "refused":
            await self._refuse(
                websocket,
                p.CLOSE_TAKEN,
                f"channel {name} is already in use by another hookdev client (choose another with --channel)",
                "owner",
            )
            return
        old = self.channels.get(name)
        channel = Channel(name, websocket, session)
        self.channels[name] = channel  # first: the old connection's exit must not release the new lease
        if old is not None and not old.closed:
            await self.replace(old, session)
        self.metrics.channels.set(len(self.channels))
        log.info("channel %s: claimed (%s, %d live)", _short(name), verdict, len(self.channels))
        try:
            await channel.send_text(
                p.text(
                    {
                        "type": "claimed",
                        "channel": name,
                        "public_url": f"{self._base_url(websocket)}/c/{name}",
                        "max_body": self.max_body,
                        "max_answer": max_answer(self.max_body),
                        "idle_timeout": self.idle_timeout,
                    }
                )
            )
            await self._serve(channel)
        finally:
            channel.fail_all()
            if self.channels.get(name) is channel:
                del self.channels[name]
                if self.cluster is not None:
                    await self.cluster.release(name, channel.session)
            self.metrics.channels.set(len(self.channels))
            log.info("channel %s: client left (%d live)", _short(name), len(self.channels))

    async def _claim(self, name: str, key_hash: str, session: str) -> str | None:
        """The owner check: ``"bound"``, ``"owner"``, ``"refused"``, ``"full"``; None: registry down."""
        if self.cluster is not None:
            return await self.cluster.claim(name, key_hash, session)
        return self.owners.claim(name, key_hash)

    async def replace(self, old: Channel, session: str) -> None:
        """The channel's owner connected again: drop its previous connection."""
        if hmac.compare_digest(old.session.encode(), session.encode()):
            log.info("channel %s: client reconnected, replacing its old connection", _short(old.name))
            await old.close(p.CLOSE_REPLACED, "replaced by a new connection of the same client")
        else:
            log.info("channel %s: taken over by another client with the channel's key", _short(old.name))
            await old.close(p.CLOSE_TAKEN_OVER, "another hookdev client with this channel's key took it over")

    async def _serve(self, channel: Channel) -> None:
        """Read the client's frames until it leaves or stays silent for ``idle_timeout``."""
        while True:
            try:
                message = await asyncio.wait_for(channel.websocket.receive(), self.idle_timeout)
            except TimeoutError:
                await channel.close(p.CLOSE_IDLE, f"idle for {self.idle_timeout:g} s")
                return
            if message["type"] == "websocket.disconnect":
                return
            try:
                if message.get("bytes") is not None:
                    header, body = p.unpack(message["bytes"])
                    future = channel.pending.pop(str(header.get("id")), None)
                    if header.get("type") == "response" and future is not None and not future.done():
                        future.set_result((header, body))
                elif p.parse_text(message.get("text") or "").get("type") == "ping":
                    await channel.send_text(p.text({"type": "pong"}))
                    self.owners.touch(channel.name)
            except p.ProtocolError as e:
                log.warning("channel %s: ignored a bad frame: %s", _short(channel.name), e)

    # -- backpressure ---------------------------------------------------------------------------
    def _admit(self, name: str, size: int) -> Budget | str:
        """Take a slot (and ``size`` bytes) of the channel's budget, or say why not."""
        budget = self.budgets.setdefault(name, Budget())
        if budget.in_flight >= self.max_in_flight:
            return (
                f"this channel already has {self.max_in_flight} requests waiting for its client; retry later"
            )
        if budget.buffered + size > self.max_buffered:
            return f"this channel already holds {self.max_buffered} bytes for its client; retry later"
        budget.in_flight += 1
        self._grow(budget, size)
        return budget

    def _grow(self, budget: Budget, size: int) -> None:
        budget.buffered += size
        budget.peak_buffered = max(budget.peak_buffered, budget.buffered)

    def _release(self, name: str, budget: Budget, size: int) -> None:
        budget.in_flight -= 1
        budget.buffered -= size
        if budget.in_flight <= 0 and self.budgets.get(name) is budget:
            del self.budgets[name]

    # -- public requests ------------------------------------------------------------------------
    async def public(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status, headers, body = await self._public(scope, receive)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        self.metrics.requests.labels(str(status)).inc()
        self.metrics.response_bytes.inc(len(body))
        self.metrics.latency.observe(time.perf_counter() - started)

    async def _public(self, scope: Scope, receive: Receive) -> Answer:
        name = scope["path_params"]["channel"]
        channel = self.channels.get(name)
        holder: str | None = None
        if channel is None or channel.closed:
            channel = None
            if self.cluster is None or not p.valid_channel(name):
                return _text(404, NOT_CONNECTED)
            try:
                holder = await self.cluster.holder(name)
            except Exception as e:
                log.warning("channel %s: cannot look the channel up in Redis: %s", _short(name), e)
                return _text(502, "the relay cannot reach its channel registry now")
            if holder is None or holder == self.instance:
                return _text(404, NOT_CONNECTED)
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body:
            return _text(413, f"request body is larger than this relay accepts ({self.max_body} bytes)")
        admitted = self._admit(name, declared or 0)
        if isinstance(admitted, str):
            return _busy(admitted)
        budget, held = admitted, declared or 0
        try:
            body: bytes | Answer
            body, held = await self._read_body(scope, receive, budget, held)
            if isinstance(body, tuple):
                return body
            self.metrics.request_bytes.inc(len(body))
            header = _request_header(scope, name, body)
            if channel is not None:
                return await self._deliver(channel, header, body)
            assert self.cluster is not None and holder is not None
            self.metrics.forwarded.labels("out").inc()
            return await self.cluster.forward(holder, name, header, body)
        finally:
            self._release(name, budget, held)

    async def _read_body(
        self, scope: Scope, receive: Receive, budget: Budget, held: int
    ) -> tuple[bytes | Answer, int]:
        """The whole body (or why not), and the bytes of the budget it now holds."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return _text(400, "the request body did not arrive in full"), held
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return _text(
                    413, f"request body is larger than this relay accepts ({self.max_body} bytes)"
                ), held
            if size > held:  # no (or a lying) Content-Length: take budget as the bytes come
                if budget.buffered + size - held > self.max_buffered:
                    return _busy(
                        f"this channel already holds {self.max_buffered} bytes for its client; retry later"
                    ), held
                self._grow(budget, size - held)
                held = size
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), held

    async def forwarded(self, name: str, header: dict[str, Any], body: bytes) -> Answer:
        """A request another instance received for a channel connected here (see the cluster)."""
        self.metrics.forwarded.labels("in").inc()
        channel = self.channels.get(name)
        if channel is None or channel.closed:
            return _text(404, NOT_CONNECTED)
        admitted = self._admit(name, len(body))
        if isinstance(admitted, str):
            return _busy(admitted)
        try:
            return await self._deliver(channel, header, body)
        finally:
            self._release(name, admitted, len(body))

    async def _deliver(self, channel: Channel, header: dict[str, Any], body: bytes) -> Answer:
        """Send one request frame to the channel's client and wait for its answer."""
        request_id = channel.next_id()
        future: asyncio.Future[tuple[dict[str, Any], bytes]] = asyncio.get_running_loop().create_future()
        channel.pending[request_id] = future
        try:
            await channel.send_bytes(p.pack({**header, "id": request_id}, body))
            answer_header, answer = await asyncio.wait_for(future, self.request_timeout)
        except TimeoutError:
            await _quietly(channel.send_text(p.text({"type": "cancel", "id": request_id})))
            return _text(504, f"the hookdev client did not answer within {self.request_timeout:g} s")
        except _ClientGone:
            return _text(502, "the hookdev client disconnected before answering")
        except Exception as e:  # the WebSocket broke while sending
            log.warning("channel %s: cannot send a request: %s", _short(channel.name), e)
            return _text(502, "the hookdev client disconnected before answering")
        finally:
            channel.pending.pop(request_id, None)
        return _answer(answer_header, answer, str(header.get("method", "")))

    async def drain(self, timeout: float) -> None:
        """Wait (at most ``timeout`` s) until no request is waiting here for an answer."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(timeout, self.request_timeout)
        while self.budgets and loop.time() < deadline:
            await asyncio.sleep(0.05)

    async def close_all(self, code: int, reason: str) -> None:
        for channel in list(self.channels.values()):
            await channel.close(code, reason)


async def _quietly(coro: Any) -> None:
    try:
        await coro
    except Exception:
        pass


async def _refuse(websocket: WebSocket, code: int, reason: str) -> None:
    """Tell a client why it is refused, in a message it can show, then close with a 44xx code."""
    try:
        await websocket.send_text(p.text({"type": "refused", "reason": reason}))
        await websocket.close(code, reason[:120])
    except Exception:
        pass


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length" and value.strip().isdigit():
            return int(value)
    return None


def _request_header(scope: Scope, name: str, body: bytes) -> dict[str, Any]:
    """The request frame's header: the raw path after the channel, the query, the end-to-end headers."""
    prefix = f"/c/{name}".encode()
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
    rest = (
        raw_path[len(prefix) :]
        if raw_path.startswith(prefix)
        else b"/" + scope["path_params"].get("rest", "").encode()
    )
    if not rest.startswith(b"/"):
        rest = b"/" + rest
    headers: list[tuple[bytes, bytes]] = []
    chunked = False
    for key, value in scope["headers"]:
        if key.decode("latin-1").lower() in HOP_BY_HOP:
            chunked = chunked or key.lower() == b"transfer-encoding"
            continue
        headers.append((key, value))
    if chunked and not any(k.lower() == b"content-length" for k, _ in headers):
        headers.append((b"content-length", str(len(body)).encode()))
    client = scope.get("client")
    return {
        "type": "request",
        "method": scope["method"],
        "path": rest.decode("latin-1"),
        "query": scope.get("query_string", b"").decode("latin-1"),
        "headers": p.headers_to_wire(headers),
        "client": [client[0], client[1]] if client else None,
        "scheme": scope.get("scheme", "http"),
    }


def _answer(header: dict[str, Any], body: bytes, method: str) -> Answer:
    status = header.get("status")
    if not isinstance(status, int) or not 200 <= status <= 599:
        return _text(502, f"the hookdev client sent an invalid answer (status {status!r})")
    try:
        raw = p.headers_from_wire(header.get("headers", []))
    except p.ProtocolError as e:
        return _text(502, f"the hookdev client sent an invalid answer ({e})")
    drop = set(HOP_BY_HOP)
    if method != "HEAD":
        drop.add("content-length")  # recomputed from the body by the server
    headers = [(k, v) for k, v in raw if k.decode("latin-1").lower() not in drop]
    if method != "HEAD":
        headers.append((b"content-length", str(len(body)).encode()))
    return status, headers, body


class _Public:
    """The ``/c/{channel}`` endpoint as a raw ASGI app, so every method reaches it."""

    def __init__(self, relay: Relay) -> None:
        self.relay = relay

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.relay.public(scope, receive, send)


def create_relay_app(
    *,
    token: str | None = None,
    public_url: str | None = None,
    max_body: int = 5 * 1024 * 1024,
    request_timeout: float = 30.0,
    idle_timeout: float = 3600.0,
    max_in_flight: int = MAX_IN_FLIGHT,
    max_buffered: int = MAX_BUFFERED,
    max_channels: int = MAX_CHANNELS,
    owners: Owners | None = None,
    cluster: Cluster | None = None,
) -> Starlette:
    """The relay as an ASGI app (``app.state.relay`` is its :class:`Relay`).

    ``token``: clients must present it (``Authorization: Bearer``) to claim a channel.
    ``public_url``: the base URL callers use, if it differs from what clients connect to (a proxy).
    ``idle_timeout``: a client silent that long (clients send a heartbeat) is disconnected.
    ``max_in_flight``/``max_buffered``: per-channel backpressure (503 + ``Retry-After`` past them).
    ``owners``: the channel bindings (default: in memory); ``cluster``: the Redis backend, whose
    start and stop follow the app's lifespan.
    Run it with uvicorn's ``ws_max_size`` at least :func:`ws_max_size` (uvicorn's default, 16 MiB, is
    enough for the default ``max_body``).
    """
    import contextlib
    from collections.abc import AsyncIterator

    relay = Relay(
        token=token,
        public_url=public_url,
        max_body=max_body,
        request_timeout=request_timeout,
        idle_timeout=idle_timeout,
        max_in_flight=max_in_flight,
        max_buffered=max_buffered,
        max_channels=max_channels,
        owners=owners,
        cluster=cluster,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if cluster is not None:
            await cluster.start()
        try:
            yield
        finally:
            if cluster is not None:
                await cluster.stop()

    public = _Public(relay)
    app = Starlette(
        routes=[
            Route("/", relay.status, methods=["GET"]),
            Route("/healthz", relay.healthz, methods=["GET"]),
            Route("/metrics", relay.metrics_page, methods=["GET"]),
            WebSocketRoute(p.CONNECT_PATH, relay.connect),
            Route("/c/{channel}", public),
            Route("/c/{channel}/{rest:path}", public),
        ],
        lifespan=lifespan,
    )
    app.state.relay = relay
    return app
