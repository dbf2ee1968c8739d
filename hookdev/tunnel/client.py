"""The relay client: holds one outbound WebSocket to a relay and serves its requests with a local ASGI app.

``RelayClient(relay_url, app, channel=...)``; ``await client.run()`` connects, claims the channel and
serves until cancelled. A lost connection (relay restart, network) is retried with exponential backoff
(0.5 s doubling to 10 s, with 10 % jitter). A refusal by the relay (wrong token, channel taken, not a
hookdev relay) is final: ``run()`` reports it through ``on_status`` (state ``"refused"``) and raises
:class:`RelayRefused`.

Each relayed request is served in-process by calling ``app`` with a synthesized HTTP scope and the
exact body bytes; nothing goes through a local socket. The scope's ``client`` is the original caller's
address (``("relay", 0)`` if the relay did not say), and ``x-forwarded-for``/``x-forwarded-proto`` are
added only when the relay passed the caller's address and the request does not carry them already.
The scope has no lifespan ``state``: an app that needs shared state should keep it on ``app.state``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import secrets
import socket
import ssl as ssl_module
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import unquote, urlsplit, urlunsplit

from starlette.types import ASGIApp, Message
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from hookdev import __version__
from hookdev.forward import parse_target
from hookdev.tunnel import protocol as p

log = logging.getLogger("hookdev.relay.client")

MIN_DELAY = 0.5
MAX_DELAY = 10.0
CLAIM_TIMEOUT = 10.0
HEARTBEAT = 25.0
#: Largest frame accepted from a relay: a request of the largest body a relay may announce, plus headers.
MAX_FRAME = 64 * 1024 * 1024

State = Literal["connecting", "connected", "disconnected", "refused"]


@dataclass(frozen=True)
class RelayStatus:
    """One state change of a :class:`RelayClient`, with a line to show a person."""

    state: State
    message: str
    public_url: str | None = None


class RelayRefused(Exception):
    """The relay said no (token, channel, protocol): retrying would get the same answer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def new_channel_name() -> str:
    """A random, unguessable channel name (128 bits) in the relay's alphabet, not starting with '-'."""
    while True:
        name = secrets.token_urlsafe(16)
        if p.valid_channel(name) and not name.startswith("-"):
            return name


def relay_urls(relay_url: str) -> tuple[str, str]:
    """``(http base URL, websocket URL)`` for a relay given as http(s)://, ws(s):// or a shorthand."""
    text = (relay_url or "").strip()
    lower = text.lower()
    if lower.startswith("ws://"):
        text = "http://" + text[5:]
    elif lower.startswith("wss://"):
        text = "https://" + text[6:]
    try:
        url = parse_target(text)
    except ValueError as e:
        raise ValueError(f"invalid relay URL: {e}") from None
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    path = parts.path.rstrip("/")
    if path.endswith(p.CONNECT_PATH):
        path = path[: -len(p.CONNECT_PATH)]
    base = urlunsplit((scheme, parts.netloc, path, "", ""))
    ws = urlunsplit(("wss" if scheme == "https" else "ws", parts.netloc, path + p.CONNECT_PATH, "", ""))
    return base, ws


def check_relay_target(relay_url: str, channel: str | None) -> None:
    """Raise ValueError with a one-line reason for a relay URL or channel name a client cannot use."""
    try:
        relay_urls(relay_url)
    except ValueError as e:
        raise ValueError(f"--relay: {e}") from None
    if channel is not None and not p.valid_channel(channel):
        raise ValueError(f"--channel: invalid channel name {channel!r}: use {p.CHANNEL_RULE}")


class RelayClient:
    """Connects ``app`` to a relay channel; see the module docstring for the lifecycle."""

    def __init__(
        self,
        relay_url: str,
        app: ASGIApp,
        *,
        channel: str,
        token: str | None = None,
        on_status: Callable[[RelayStatus], None] | None = None,
        request_timeout: float = 30.0,
        ssl: ssl_module.SSLContext | None = None,
        key: str | None = None,
    ) -> None:
        if not p.valid_channel(channel):
            raise ValueError(f"invalid channel name {channel!r}: use {p.CHANNEL_RULE}")
        self.base_url, self.ws_url = relay_urls(relay_url)
        self.app = app
        self.channel = channel
        self.token = token or None
        self.on_status = on_status
        self.request_timeout = request_timeout
        self.ssl = ssl
        if key is not None and not p.valid_key(key):
            raise ValueError("invalid channel key: use 32 to 128 characters from A-Z a-z 0-9 _ -")
        #: The channel's owner credential (see :mod:`hookdev.tunnel.owners`); without one given, a
        #: random key that lasts as long as this client.
        self.key = key or secrets.token_urlsafe(32)
        self._session = secrets.token_urlsafe(24)
        #: Requests being served now and the body bytes they hold (and the most it held at once).
        self.in_flight = 0
        self.buffered = 0
        self.peak_buffered = 0
        self._announced_url: str | None = None
        self._max_answer: int | None = None
        self._heartbeat = HEARTBEAT
        self._connected = False
        self._send_lock = asyncio.Lock()
        parts = urlsplit(self.base_url)
        default_port = 443 if parts.scheme == "https" else 80
        self._server = (parts.hostname or "relay", parts.port or default_port)

    @property
    def public_url(self) -> str:
        """Where the internet sends requests: as the relay announced it, else ``<relay>/c/<channel>``."""
        return self._announced_url or f"{self.base_url}/c/{self.channel}"

    @property
    def connected(self) -> bool:
        """True only while the channel is claimed on a live connection."""
        return self._connected

    def _report(self, state: State, message: str) -> None:
        log.info("relay %s: %s", state, message)
        if self.on_status is not None:
            try:
                self.on_status(RelayStatus(state, message, self.public_url))
            except Exception:
                log.exception("on_status callback failed")

    async def run(self) -> None:
        """Connect, claim, serve; reconnect with backoff until cancelled. Raises :class:`RelayRefused`."""
        delay = MIN_DELAY
        while True:
            self._report("connecting", f"connecting to relay {self.base_url}")
            claimed = False
            try:
                async with self._connect() as ws:
                    await self._claim(ws)
                    claimed = True
                    delay = MIN_DELAY
                    self._connected = True
                    self._report("connected", f"Public URL: {self.public_url}")
                    await self._serve(ws)
                if ws.close_code is not None and 4400 <= ws.close_code < 4500:
                    raise RelayRefused(ws.close_reason or f"closed with code {ws.close_code}")
                reason = "connection to relay closed" + _close_detail(ws)
            except RelayRefused as e:
                self._report("refused", f"refused by the relay: {e.message}")
                raise
            except InvalidStatus as e:
                status = e.response.status_code
                if status < 500:
                    message = f"no hookdev relay at {self.base_url} (HTTP {status} on {p.CONNECT_PATH})"
                    self._report("refused", message)
                    raise RelayRefused(message) from None
                reason = f"relay answered HTTP {status}"
            except ConnectionClosed as e:
                if claimed and e.rcvd is not None and 4400 <= e.rcvd.code < 4500:
                    self._report("refused", f"refused by the relay: {e.rcvd.reason or e.rcvd.code}")
                    raise RelayRefused(e.rcvd.reason or f"closed with code {e.rcvd.code}") from None
                reason = ("connection to relay lost" if claimed else "relay unreachable") + _closed_detail(e)
            except (OSError, TimeoutError, InvalidHandshake) as e:
                reason = ("connection to relay lost" if claimed else "relay unreachable") + f" ({_why(e)})"
                log.debug("relay connection failed: %r", e)
            finally:
                self._connected = False
            wait = min(MAX_DELAY, delay * random.uniform(0.9, 1.1))
            self._report("disconnected", f"{reason}, retrying in {wait:.1f} s")
            await asyncio.sleep(wait)
            delay = min(MAX_DELAY, delay * 2)

    def _connect(self) -> Any:
        headers = [("Authorization", f"Bearer {self.token}")] if self.token else []
        kwargs: dict[str, Any] = {}
        if self.ws_url.startswith("wss://") and self.ssl is not None:
            kwargs["ssl"] = self.ssl
        return connect(
            self.ws_url,
            additional_headers=headers,
            user_agent_header=f"hookdev/{__version__}",
            open_timeout=CLAIM_TIMEOUT,
            max_size=MAX_FRAME,
            **kwargs,
        )

    async def _claim(self, ws: ClientConnection) -> None:
        claim = {
            "type": "claim",
            "version": p.VERSION,
            "channel": self.channel,
            "key": self.key,
            "session": self._session,
        }
        await ws.send(p.text(claim))
        try:
            raw = await asyncio.wait_for(ws.recv(), CLAIM_TIMEOUT)
        except ConnectionClosed as e:
            if e.rcvd is not None and 4400 <= e.rcvd.code < 4500:
                raise RelayRefused(e.rcvd.reason or f"closed with code {e.rcvd.code}") from None
            raise
        try:
            if not isinstance(raw, str):
                raise p.ProtocolError("binary answer to a claim")
            answer = p.parse_text(raw)
        except p.ProtocolError as e:
            raise RelayRefused(f"{self.base_url} does not speak the hookdev relay protocol ({e})") from None
        if answer["type"] == "refused":
            raise RelayRefused(str(answer.get("reason") or "no reason given"))
        if answer["type"] != "claimed":
            raise RelayRefused(f"unexpected answer {answer['type']!r} to a claim")
        announced = answer.get("public_url")
        self._announced_url = announced if isinstance(announced, str) else None
        max_answer = answer.get("max_answer")
        self._max_answer = max_answer if isinstance(max_answer, int) else None
        idle = answer.get("idle_timeout")
        if isinstance(idle, int | float) and idle > 0:
            self._heartbeat = min(HEARTBEAT, idle / 3)

    async def _serve(self, ws: ClientConnection) -> None:
        tasks: dict[str, asyncio.Task[None]] = {}
        heartbeat = asyncio.create_task(self._beat(ws))
        try:
            async for message in ws:
                try:
                    if isinstance(message, bytes):
                        header, body = p.unpack(message)
                        if header.get("type") == "request" and "id" in header:
                            request_id = str(header["id"])
                            task = asyncio.create_task(self._answer(ws, request_id, header, body))
                            tasks[request_id] = task
                            task.add_done_callback(functools.partial(_forget, tasks, request_id))
                    else:
                        control = p.parse_text(message)
                        if control["type"] == "cancel":
                            running = tasks.get(str(control.get("id")))
                            if running is not None:
                                running.cancel()
                except p.ProtocolError as e:
                    log.warning("ignored a bad frame from the relay: %s", e)
        finally:
            heartbeat.cancel()
            pending = [heartbeat, *tasks.values()]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def _beat(self, ws: ClientConnection) -> None:
        """Tell the relay we are alive, so its idle timeout only frees channels of vanished clients."""
        while True:
            await asyncio.sleep(self._heartbeat)
            await self._send(ws, p.text({"type": "ping"}))

    async def _send(self, ws: ClientConnection, data: str | bytes) -> None:
        async with self._send_lock:
            await ws.send(data)

    async def _answer(
        self, ws: ClientConnection, request_id: str, header: dict[str, Any], body: bytes
    ) -> None:
        self.in_flight += 1
        self.buffered += len(body)
        self.peak_buffered = max(self.peak_buffered, self.buffered)
        try:
            await self._answer_one(ws, request_id, header, body)
        finally:
            self.in_flight -= 1
            self.buffered -= len(body)

    async def _answer_one(
        self, ws: ClientConnection, request_id: str, header: dict[str, Any], body: bytes
    ) -> None:
        try:
            scope = build_scope(header, self._server)
        except p.ProtocolError as e:
            status, headers, answer = _text(502, f"hookdev client got a bad request frame: {e}")
        else:
            try:
                status, headers, answer = await asyncio.wait_for(
                    call_app(self.app, scope, body), self.request_timeout
                )
            except TimeoutError:
                status, headers, answer = _text(
                    504, f"local app did not answer within {self.request_timeout:g} s"
                )
            except Exception as e:
                log.exception("local app failed on a relayed request")
                status, headers, answer = _text(502, f"local app failed: {type(e).__name__}")
        if self._max_answer is not None and len(answer) > self._max_answer:
            status, headers, answer = _text(
                502, f"local app's answer ({len(answer)} bytes) is too large for the relay"
            )
        frame = p.pack(
            {"type": "response", "id": request_id, "status": status, "headers": p.headers_to_wire(headers)},
            answer,
        )
        try:
            await self._send(ws, frame)
        except ConnectionClosed:
            pass  # the relay already told the caller the client went away


def _text(status: int, message: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    return status, [(b"content-type", b"text/plain; charset=utf-8")], (message + "\n").encode()


def _why(e: BaseException) -> str:
    """A few words on why a connection attempt failed."""
    if isinstance(e, ConnectionRefusedError):
        return "connection refused"
    if isinstance(e, socket.gaierror):
        return "host name not found"
    if isinstance(e, ssl_module.SSLCertVerificationError):
        return f"TLS certificate not trusted: {e.verify_message}"
    if isinstance(e, TimeoutError):
        return "timed out"
    return str(e) or type(e).__name__


def _closed_detail(e: ConnectionClosed) -> str:
    frame = e.rcvd or e.sent
    if frame is None:
        return ""
    return f" (code {frame.code}{': ' + frame.reason if frame.reason else ''})"


def _close_detail(ws: ClientConnection) -> str:
    if ws.close_code is None:
        return ""
    return f" (code {ws.close_code}{': ' + ws.close_reason if ws.close_reason else ''})"


def build_scope(header: dict[str, Any], server: tuple[str, int]) -> dict[str, Any]:
    """The ASGI HTTP scope for a relayed request frame (raises :class:`ProtocolError` on a bad one)."""
    method, path, query, scheme = (header.get(k) for k in ("method", "path", "query", "scheme"))
    if not isinstance(method, str) or not method or not isinstance(path, str) or not path.startswith("/"):
        raise p.ProtocolError("request frame without a method or path")
    query = query if isinstance(query, str) else ""
    scheme = scheme if scheme in ("http", "https") else "http"
    headers = [(k.lower(), v) for k, v in p.headers_from_wire(header.get("headers", []))]
    client_info = header.get("client")
    client: tuple[str, int] = ("relay", 0)
    if isinstance(client_info, list) and len(client_info) == 2 and isinstance(client_info[0], str):
        client = (client_info[0], int(client_info[1]) if isinstance(client_info[1], int) else 0)
        names = {k for k, _ in headers}
        if b"x-forwarded-for" not in names:
            headers.append((b"x-forwarded-for", client[0].encode("latin-1")))
        if b"x-forwarded-proto" not in names:
            headers.append((b"x-forwarded-proto", scheme.encode()))
    try:
        raw_path = path.encode("latin-1")
        query_string = query.encode("latin-1")
    except UnicodeEncodeError:
        raise p.ProtocolError("path or query is not latin-1") from None
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method.upper(),
        "scheme": scheme,
        "path": unquote(path, encoding="utf-8", errors="replace"),
        "raw_path": raw_path,
        "query_string": query_string,
        "root_path": "",
        "headers": headers,
        "client": client,
        "server": server,
        "extensions": {},
    }


async def call_app(
    app: ASGIApp, scope: dict[str, Any], body: bytes
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Run one request through an ASGI app in-process: ``(status, headers, body)`` of its answer.

    The body is handed over in one message, exactly. If the app raises after sending a complete
    answer (Starlette does, after its 500 page), the answer counts; otherwise the error propagates.
    """
    status: int | None = None
    headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []
    finished = asyncio.Event()
    body_sent = False

    async def receive() -> Message:
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = int(message["status"])
            headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            chunks.append(bytes(message.get("body", b"")))
            if not message.get("more_body", False):
                finished.set()

    try:
        await app(scope, receive, send)
    except Exception:
        if status is None or not finished.is_set():
            raise
    finally:
        finished.set()
    if status is None:
        raise RuntimeError("the app returned without answering")
    return status, headers, b"".join(chunks)


def _forget(tasks: dict[str, asyncio.Task[None]], request_id: str, _task: asyncio.Task[None]) -> None:
    """Done callback: drop a finished request's task."""
    tasks.pop(request_id, None)
