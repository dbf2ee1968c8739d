"""The relay and its client on loopback: real uvicorn relays on free ports, a tiny echo app behind the client."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from hookdev.tunnel import RelayClient, RelayRefused, RelayStatus, create_relay_app, new_channel_name
from hookdev.tunnel import protocol as p
from hookdev.tunnel.client import relay_urls

ODD_BODY = b'{ "a" :\t1 }\r\n\xff\xfe'
DEADLINE = 30.0


class _Server(uvicorn.Server):
    """No signal handling: the test runner owns the signals."""

    @contextlib.contextmanager
    def capture_signals(self):  # type: ignore[override]
        yield


def bind(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


async def wait_for(condition: Callable[[], bool], what: str, timeout: float = DEADLINE) -> None:
    """Poll ``condition`` until true, failing with ``what`` after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def serve(app: Any, sock: socket.socket | None = None) -> AsyncIterator[str]:
    sock = sock or bind()
    config = uvicorn.Config(app, log_config=None, log_level="warning", lifespan="off", timeout_graceful_shutdown=5)
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await wait_for(lambda: server.started or task.done(), "the server to start")
        assert not task.done(), "server stopped before it started"
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 20)
        sock.close()


class EchoApp:
    """The local app behind the client: echoes the request, records hung requests being cancelled."""

    def __init__(self) -> None:
        self.hang_cancelled = asyncio.Event()
        self.calls = 0
        self.app = Starlette(
            routes=[
                Route("/hang", self.hang, methods=["POST"]),
                Route("/{rest:path}", self.echo, methods=["GET", "POST", "PUT", "DELETE", "HEAD"]),
            ]
        )

    async def echo(self, request: Request) -> Response:
        self.calls += 1
        body = await request.body()
        if request.query_params.get("jitter"):
            await asyncio.sleep(random.uniform(0, 0.02))
        meta = {
            "method": request.method,
            "path": request.url.path,
            "raw_path": request.scope["raw_path"].decode("latin-1"),
            "query": request.scope["query_string"].decode("latin-1"),
            "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in request.scope["headers"]],
            "client": list(request.scope["client"]),
            "scheme": request.url.scheme,
        }
        return Response(
            content=b"echo:" + body,
            status_code=207,
            headers={"x-meta": json.dumps(meta), "content-type": "application/octet-stream", "x-app": "local"},
        )

    async def hang(self, request: Request) -> Response:
        try:
            await asyncio.Event().wait()
        finally:
            self.hang_cancelled.set()
        raise AssertionError("unreachable")


@contextlib.asynccontextmanager
async def running_client(client: RelayClient) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(client.run())
    try:
        await wait_for(lambda: client.connected or task.done(), "the client to connect")
        if task.done():
            task.result()  # raises what run() raised
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, RelayRefused):
            await task


async def test_round_trip_is_byte_exact_with_status_and_headers() -> None:
    echo = EchoApp()
    statuses: list[RelayStatus] = []
    channel = new_channel_name()
    async with serve(create_relay_app()) as relay_url:
        client = RelayClient(relay_url, echo.app, channel=channel, on_status=statuses.append)
        async with running_client(client), httpx.AsyncClient(timeout=DEADLINE) as http:
            assert client.public_url == f"{relay_url}/c/{channel}"
            assert [s.state for s in statuses] == ["connecting", "connected"]
            assert statuses[-1].message == f"Public URL: {client.public_url}"
            assert statuses[-1].public_url == client.public_url

            response = await http.post(
                client.public_url + "/hooks/a%20b?x=1&y=%FF&x=2",
                content=ODD_BODY,
                headers=[("X-Dup", "one"), ("X-Dup", "two"), ("webhook-id", "msg_1")],
            )
            assert response.status_code == 207
            assert response.content == b"echo:" + ODD_BODY
            assert response.headers["x-app"] == "local"
            assert response.headers["content-length"] == str(len(b"echo:" + ODD_BODY))
            meta = json.loads(response.headers["x-meta"])
            assert meta["method"] == "POST"
            assert meta["path"] == "/hooks/a b"
            assert meta["raw_path"] == "/hooks/a%20b"
            assert meta["query"] == "x=1&y=%FF&x=2"
            headers = [tuple(h) for h in meta["headers"]]
            assert [v for k, v in headers if k == "x-dup"] == ["one", "two"]
            assert ("webhook-id", "msg_1") in headers
            assert ("content-length", str(len(ODD_BODY))) in headers
            assert ("x-forwarded-for", "127.0.0.1") in headers
            assert ("x-forwarded-proto", "http") in headers
            assert meta["client"][0] == "127.0.0.1"
            assert meta["scheme"] == "http"

            # The channel root, other methods, an empty body.
            response = await http.put(client.public_url)
            assert response.status_code == 207
            assert json.loads(response.headers["x-meta"])["path"] == "/"
            assert response.content == b"echo:"

            # The status page counts channels without naming them.
            status = await http.get(relay_url + "/")
            assert status.status_code == 200
            assert status.json()["channels"] == 1
            assert channel not in status.text


async def test_second_client_on_a_live_channel_is_refused_clearly() -> None:
    echo = EchoApp()
    channel = new_channel_name()
    async with serve(create_relay_app()) as relay_url:
        first = RelayClient(relay_url, echo.app, channel=channel)
        async with running_client(first), httpx.AsyncClient(timeout=DEADLINE) as http:
            statuses: list[RelayStatus] = []
            second = RelayClient(relay_url, echo.app, channel=channel, on_status=statuses.append)
            with pytest.raises(RelayRefused) as info:
                await asyncio.wait_for(second.run(), DEADLINE)
            assert "already in use by another hookdev client" in info.value.message
            assert statuses[-1].state == "refused"
            assert "already in use" in statuses[-1].message
            assert not second.connected
            # The first client still owns the channel.
            response = await http.post(first.public_url + "/x", content=b"still mine")
            assert response.content == b"echo:still mine"


async def test_same_client_reconnecting_replaces_its_stale_connection() -> None:
    """A reconnect that beats the relay's dead-connection detection must not lock the client out."""
    channel = new_channel_name()
    session = "s" * 24
    claim = p.text({"type": "claim", "version": 1, "channel": channel, "session": session})
    async with serve(create_relay_app()) as relay_url:
        ws_url = relay_urls(relay_url)[1]
        async with ws_connect(ws_url) as old:
            await old.send(claim)
            assert p.parse_text(await old.recv())["type"] == "claimed"
            async with ws_connect(ws_url) as new:
                await new.send(claim)
                assert p.parse_text(await new.recv())["type"] == "claimed"
                with pytest.raises(ConnectionClosed) as info:
                    await asyncio.wait_for(old.recv(), DEADLINE)
                assert info.value.rcvd is not None and info.value.rcvd.code == p.CLOSE_REPLACED


@pytest.mark.parametrize("token", [None, "wrong"])
async def test_token_is_required_when_the_relay_has_one(token: str | None) -> None:
    echo = EchoApp()
    async with serve(create_relay_app(token="s3cret-token")) as relay_url:
        statuses: list[RelayStatus] = []
        bad = RelayClient(relay_url, echo.app, channel=new_channel_name(), token=token, on_status=statuses.append)
        with pytest.raises(RelayRefused, match="relay token missing or wrong"):
            await asyncio.wait_for(bad.run(), DEADLINE)
        assert statuses[-1].state == "refused"
        assert "relay token missing or wrong" in statuses[-1].message

        good = RelayClient(relay_url, echo.app, channel=new_channel_name(), token="s3cret-token")
        async with running_client(good), httpx.AsyncClient(timeout=DEADLINE) as http:
            response = await http.post(good.public_url, content=b"ok")
            assert response.content == b"echo:ok"


async def test_client_reconnects_after_a_relay_restart_on_the_same_port() -> None:
    echo = EchoApp()
    statuses: list[RelayStatus] = []
    sock = bind()
    port = sock.getsockname()[1]
    client: RelayClient | None = None
    async with serve(create_relay_app(), sock) as relay_url:
        client = RelayClient(relay_url, echo.app, channel=new_channel_name(), on_status=statuses.append)
        task = asyncio.create_task(client.run())
        await wait_for(lambda: client is not None and client.connected, "the first connection")
    try:
        await wait_for(lambda: not client.connected, "the client to notice the relay is gone")
        await wait_for(lambda: statuses[-1].state in ("disconnected", "connecting"), "a disconnected status")
        assert any(s.state == "disconnected" and "retrying in" in s.message for s in statuses)

        async with serve(create_relay_app(), bind(port)) as relay_url2, httpx.AsyncClient(timeout=DEADLINE) as http:
            await wait_for(lambda: client.connected, "the client to reconnect to the new relay")
            states = [s.state for s in statuses]
            assert states.count("connected") == 2
            assert states[:2] == ["connecting", "connected"]
            assert client.public_url.startswith(relay_url2)
            response = await http.post(client.public_url + "/again", content=b"after restart")
            assert response.status_code == 207
            assert response.content == b"echo:after restart"
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_unreachable_relay_is_reported_and_retried() -> None:
    sock = bind()
    port = sock.getsockname()[1]
    sock.close()
    statuses: list[RelayStatus] = []
    client = RelayClient(f"http://127.0.0.1:{port}", EchoApp().app, channel=new_channel_name(), on_status=statuses.append)
    task = asyncio.create_task(client.run())
    try:
        await wait_for(lambda: sum(s.state == "disconnected" for s in statuses) >= 2, "two failed attempts")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    failures = [s.message for s in statuses if s.state == "disconnected"]
    assert failures[0].startswith("relay unreachable, retrying in 0.")
    assert failures[1].startswith("relay unreachable, retrying in 1.") or failures[1].startswith(
        "relay unreachable, retrying in 0.9"
    )
    assert not client.connected


async def test_hundred_concurrent_requests_share_one_channel() -> None:
    echo = EchoApp()
    async with serve(create_relay_app()) as relay_url:
        client = RelayClient(relay_url, echo.app, channel=new_channel_name())
        limits = httpx.Limits(max_connections=100)
        async with running_client(client), httpx.AsyncClient(timeout=60, limits=limits) as http:

            async def one(i: int) -> tuple[int, httpx.Response]:
                body = f"request {i} ".encode() + bytes([i % 256]) * i
                return i, await http.post(f"{client.public_url}/n/{i}?jitter=1", content=body)

            results = await asyncio.gather(*(one(i) for i in range(100)))
    assert len(results) == 100
    for i, response in results:
        assert response.status_code == 207, response.text
        assert response.content == b"echo:" + f"request {i} ".encode() + bytes([i % 256]) * i
        assert json.loads(response.headers["x-meta"])["path"] == f"/n/{i}"
    assert echo.calls == 100


async def test_body_over_the_limit_is_413() -> None:
    echo = EchoApp()
    async with serve(create_relay_app(max_body=1000)) as relay_url:
        client = RelayClient(relay_url, echo.app, channel=new_channel_name())
        async with running_client(client), httpx.AsyncClient(timeout=DEADLINE) as http:
            at_limit = await http.post(client.public_url, content=b"x" * 1000)
            assert at_limit.status_code == 207
            too_big = await http.post(client.public_url, content=b"x" * 1001)
            assert too_big.status_code == 413
            assert "larger than this relay accepts (1000 bytes)" in too_big.text

            async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the limit holds while reading
                for _ in range(3):
                    yield b"y" * 400

            streamed = await http.post(client.public_url, content=chunks())
            assert streamed.status_code == 413
    assert echo.calls == 1


async def test_hanging_app_gives_504_and_is_cancelled() -> None:
    echo = EchoApp()
    async with serve(create_relay_app(request_timeout=0.5)) as relay_url:
        client = RelayClient(relay_url, echo.app, channel=new_channel_name())
        async with running_client(client), httpx.AsyncClient(timeout=DEADLINE) as http:
            response = await http.post(client.public_url + "/hang", content=b"{}")
            assert response.status_code == 504
            assert response.text == "the hookdev client did not answer within 0.5 s\n"
            await wait_for(echo.hang_cancelled.is_set, "the relay's cancel to reach the local app")
            # The channel still works afterwards.
            assert (await http.post(client.public_url, content=b"next")).content == b"echo:next"


async def test_unknown_and_freed_channels_are_404() -> None:
    echo = EchoApp()
    app = create_relay_app()
    async with serve(app) as relay_url, httpx.AsyncClient(timeout=DEADLINE) as http:
        response = await http.post(f"{relay_url}/c/{new_channel_name()}/x", content=b"{}")
        assert response.status_code == 404
        assert "no hookdev client is connected to this channel" in response.text
        assert (await http.get(f"{relay_url}/c/short")).status_code == 404

        client = RelayClient(relay_url, echo.app, channel=new_channel_name())
        async with running_client(client):
            assert (await http.get(client.public_url)).status_code == 207
        await wait_for(lambda: not app.state.relay.channels, "the channel to be freed")
        assert (await http.get(client.public_url)).status_code == 404
        assert (await http.get(relay_url + "/")).json()["channels"] == 0


async def test_invalid_channel_names_are_refused_by_the_relay() -> None:
    async with serve(create_relay_app()) as relay_url:
        async with ws_connect(relay_urls(relay_url)[1]) as ws:
            await ws.send(p.text({"type": "claim", "channel": "bad name!", "session": "s" * 24}))
            answer = p.parse_text(await ws.recv())
            assert answer == {"type": "refused", "reason": f"invalid channel name: use {p.CHANNEL_RULE}"}
            with pytest.raises(ConnectionClosed) as info:
                await ws.recv()
            assert info.value.rcvd is not None and info.value.rcvd.code == p.CLOSE_BAD_REQUEST


async def test_not_a_relay_is_a_final_refusal() -> None:
    async with serve(EchoApp().app) as url:
        client = RelayClient(url, EchoApp().app, channel=new_channel_name())
        with pytest.raises(RelayRefused, match="no hookdev relay at"):
            await asyncio.wait_for(client.run(), DEADLINE)


def test_channel_names_and_urls() -> None:
    names = {new_channel_name() for _ in range(200)}
    assert len(names) == 200
    assert all(p.valid_channel(n) and not n.startswith("-") for n in names)
    for bad in ["short", "x" * 65, "has space12", "dots.are.no", ""]:
        assert not p.valid_channel(bad)
        with pytest.raises(ValueError, match="invalid channel name"):
            RelayClient("http://127.0.0.1:1", EchoApp().app, channel=bad)
    assert relay_urls("https://relay.example.com/") == (
        "https://relay.example.com",
        "wss://relay.example.com/_hookdev/connect",
    )
    assert relay_urls("ws://127.0.0.1:8080/_hookdev/connect") == (
        "http://127.0.0.1:8080",
        "ws://127.0.0.1:8080/_hookdev/connect",
    )
    assert relay_urls("relay.example.com:8080") == ("http://relay.example.com:8080", "ws://relay.example.com:8080/_hookdev/connect")
    with pytest.raises(ValueError, match="invalid relay URL"):
        relay_urls("ftp://x")
