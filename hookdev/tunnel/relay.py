"""The relay: a small public ASGI service that hands internet requests to hookdev clients.

A client opens a WebSocket to ``/_hookdev/connect`` and claims a channel; a request to
``/c/<channel>/<path>`` (any method, query kept) then travels to that client as one frame, and the
client's answer travels back to the caller. Many requests per channel share the one WebSocket,
matched by request id. See :mod:`hookdev.tunnel.protocol` for the frames.

What a caller can get besides the app's answer, always as one line of text:
404 no client on the channel, 413 body over ``max_body``, 502 client gone or bad answer,
504 no answer within ``request_timeout``.
"""

from __future__ import annotations

import asyncio
import hmac
import itertools
import logging
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from hookdev import __version__
from hookdev.forward import HOP_BY_HOP
from hookdev.tunnel import protocol as p

log = logging.getLogger("hookdev.relay")

CLAIM_TIMEOUT = 10.0
#: Largest answer a client may send back (at least ``max_body``). The WebSocket message limit of the
#: server running the relay must be above it: see :func:`ws_max_size`.
MAX_ANSWER = 8 * 1024 * 1024


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
        async with self._send_lock:
            if self.closed:
                return
            self.closed = True
            self.fail_all()
            try:
                await self.websocket.close(code, reason)
            except Exception:  # already gone: nothing to tell it
                pass

    def fail_all(self) -> None:
        self.closed = True
        for future in self.pending.values():
            if not future.done():
                future.set_exception(_ClientGone())
        self.pending.clear()


def _short(name: str) -> str:
    return name[:4] + "..."


def _text(status: int, message: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    return status, [(b"content-type", b"text/plain; charset=utf-8")], (message + "\n").encode()


class Relay:
    """The relay's state (its channels) and its three endpoints."""

    def __init__(
        self,
        *,
        token: str | None,
        public_url: str | None,
        max_body: int,
        request_timeout: float,
        idle_timeout: float,
    ) -> None:
        self.token = token or None
        self.public_url = public_url.rstrip("/") if public_url else None
        self.max_body = max_body
        self.request_timeout = request_timeout
        self.idle_timeout = idle_timeout
        self.channels: dict[str, Channel] = {}

    # -- GET / ----------------------------------------------------------------------------------
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

    async def connect(self, websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            first = await asyncio.wait_for(websocket.receive(), CLAIM_TIMEOUT)
        except TimeoutError:
            await _refuse(websocket, p.CLOSE_TIMEOUT, f"no claim received within {CLAIM_TIMEOUT:g} s")
            return
        if first["type"] == "websocket.disconnect":
            return
        try:
            claim = p.parse_text(first.get("text") or "")
        except p.ProtocolError:
            claim = {}
        if claim.get("type") != "claim":
            await _refuse(
                websocket, p.CLOSE_BAD_REQUEST, "expected a claim message first (is this a hookdev client?)"
            )
            return
        if not self._token_ok(websocket, claim):
            await _refuse(websocket, p.CLOSE_UNAUTHORIZED, "relay token missing or wrong")
            return
        name, session = claim.get("channel"), claim.get("session")
        if not isinstance(name, str) or not p.valid_channel(name):
            await _refuse(websocket, p.CLOSE_BAD_REQUEST, f"invalid channel name: use {p.CHANNEL_RULE}")
            return
        if not isinstance(session, str) or not 16 <= len(session) <= 128:
            await _refuse(websocket, p.CLOSE_BAD_REQUEST, "claim without a valid session key")
            return
        old = self.channels.get(name)
        if old is not None and not old.closed:
            if not hmac.compare_digest(old.session.encode(), session.encode()):
                await _refuse(
                    websocket,
                    p.CLOSE_TAKEN,
                    f"channel {name} is already in use by another hookdev client (choose another with --channel)",
                )
                return
            log.info("channel %s: client reconnected, replacing its old connection", _short(name))
            await old.close(p.CLOSE_REPLACED, "replaced by a new connection of the same client")
        channel = Channel(name, websocket, session)
        self.channels[name] = channel
        log.info("channel %s: claimed (%d live)", _short(name), len(self.channels))
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
            log.info("channel %s: client left (%d live)", _short(name), len(self.channels))

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
            except p.ProtocolError as e:
                log.warning("channel %s: ignored a bad frame: %s", _short(channel.name), e)

    # -- public requests ------------------------------------------------------------------------
    async def public(self, scope: Scope, receive: Receive, send: Send) -> None:
        status, headers, body = await self._relay(scope, receive)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _relay(self, scope: Scope, receive: Receive) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        name = scope["path_params"]["channel"]
        channel = self.channels.get(name)
        if channel is None or channel.closed:
            return _text(
                404, "no hookdev client is connected to this channel (start one with: hookdev listen --relay)"
            )
        body = await _read_body(scope, receive, self.max_body)
        if body is None:
            return _text(413, f"request body is larger than this relay accepts ({self.max_body} bytes)")
        request_id = channel.next_id()
        future: asyncio.Future[tuple[dict[str, Any], bytes]] = asyncio.get_running_loop().create_future()
        channel.pending[request_id] = future
        try:
            await channel.send_bytes(p.pack(_request_header(scope, name, request_id, body), body))
            header, answer = await asyncio.wait_for(future, self.request_timeout)
        except TimeoutError:
            await _quietly(channel.send_text(p.text({"type": "cancel", "id": request_id})))
            return _text(504, f"the hookdev client did not answer within {self.request_timeout:g} s")
        except _ClientGone:
            return _text(502, "the hookdev client disconnected before answering")
        except Exception as e:  # the WebSocket broke while sending
            log.warning("channel %s: cannot send a request: %s", _short(name), e)
            return _text(502, "the hookdev client disconnected before answering")
        finally:
            channel.pending.pop(request_id, None)
        return _answer(header, answer, scope["method"])


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


async def _read_body(scope: Scope, receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None as soon as it is known to exceed ``limit``."""
    for name, value in scope["headers"]:
        if name == b"content-length" and value.strip().isdigit() and int(value) > limit:
            return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _request_header(scope: Scope, name: str, request_id: str, body: bytes) -> dict[str, Any]:
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
        "id": request_id,
        "method": scope["method"],
        "path": rest.decode("latin-1"),
        "query": scope.get("query_string", b"").decode("latin-1"),
        "headers": p.headers_to_wire(headers),
        "client": [client[0], client[1]] if client else None,
        "scheme": scope.get("scheme", "http"),
    }


def _answer(header: dict[str, Any], body: bytes, method: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
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
) -> Starlette:
    """The relay as an ASGI app (``app.state.relay`` is its :class:`Relay`).

    ``token``: clients must present it (``Authorization: Bearer``) to claim a channel.
    ``public_url``: the base URL callers use, if it differs from what clients connect to (a proxy).
    ``idle_timeout``: a client silent that long (clients send a heartbeat) is disconnected.
    Run it with uvicorn's ``ws_max_size`` at least :func:`ws_max_size` (uvicorn's default, 16 MiB, is
    enough for the default ``max_body``).
    """
    relay = Relay(
        token=token,
        public_url=public_url,
        max_body=max_body,
        request_timeout=request_timeout,
        idle_timeout=idle_timeout,
    )
    public = _Public(relay)
    app = Starlette(
        routes=[
            Route("/", relay.status, methods=["GET"]),
            WebSocketRoute(p.CONNECT_PATH, relay.connect),
            Route("/c/{channel}", public),
            Route("/c/{channel}/{rest:path}", public),
        ]
    )
    app.state.relay = relay
    return app
