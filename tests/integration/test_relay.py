"""The relay and its client on loopback: real uvicorn relays on free ports, a tiny echo app behind the client."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
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

from hookdev.tls import client_verify, server_ssl_kwargs
from hookdev.tunnel import RelayClient, RelayRefused, RelayStatus, create_relay_app, new_channel_name
from hookdev.tunnel import protocol as p
from hookdev.tunnel.client import relay_urls

ODD_BODY = b'{ "a" :\t1 }\r\n\xff\xfe'
KEY = "k" * 43
DEADLINE = 30.0


class _Server(uvicorn.Server):
    """No signal handling: the test runner owns the signals."""

    @contextlib.contextmanager
    def capture_signals(self):  # type: ignore[override]
        yield


def bind(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
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
async def serve(app: Any, sock: socket.socket | None = None, **options: Any) -> AsyncIterator[str]:
    sock = sock or bind()
    config = uvicorn.Config(
        app, log_config=None, log_level="warning", lifespan="off", timeout_graceful_shutdown=5, **options
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await wait_for(lambda: server.started or task.done(), "the server to start")
        assert not task.done(), "server stopped before it started"
        scheme = "https" if options.get("ssl_certfile") else "http"
        yield f"{scheme}://127.0.0.1:{sock.getsockname()[1]}"
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
            headers={
                "x-meta": json.dumps(meta),
                "content-type": "application/octet-stream",
                "x-app": "local",
            },
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
    claim = p.text({"type": "claim", "version": 1, "channel": channel, "session": session, "key": KEY})
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
        bad = RelayClient(
            relay_url, echo.app, channel=new_channel_name(), token=token, on_status=statuses.append
        )
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

        async with (
            serve(create_relay_app(), bind(port)) as relay_url2,
            httpx.AsyncClient(timeout=DEADLINE) as http,
        ):
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
    client = RelayClient(
        f"http://127.0.0.1:{port}", EchoApp().app, channel=new_channel_name(), on_status=statuses.append
    )
    task = asyncio.create_task(client.run())
    try:
        await wait_for(lambda: sum(s.state == "disconnected" for s in statuses) >= 2, "two failed attempts")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    failures = [s.message for s in statuses if s.state == "disconnected"]
    assert failures[0].startswith("relay unreachable (connection refused), retrying in 0.")
    second_wait = float(
        failures[1].removeprefix("relay unreachable (connection refused), retrying in ").split()[0]
    )
    assert 0.85 <= second_wait <= 1.15  # backoff doubled, with jitter
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


async def test_idle_connections_are_dropped_but_heartbeats_keep_clients_alive() -> None:
    echo = EchoApp()
    statuses: list[RelayStatus] = []
    app = create_relay_app(idle_timeout=0.6)
    async with serve(app) as relay_url:
        client = RelayClient(relay_url, echo.app, channel=new_channel_name(), on_status=statuses.append)
        async with running_client(client):
            # Two silent clients in a row are dropped: more than two idle timeouts pass meanwhile.
            for _ in range(2):
                async with ws_connect(relay_urls(relay_url)[1]) as silent:
                    claim = {
                        "type": "claim",
                        "version": 1,
                        "channel": new_channel_name(),
                        "session": "q" * 24,
                        "key": KEY,
                    }
                    await silent.send(p.text(claim))
                    assert p.parse_text(await silent.recv())["type"] == "claimed"
                    with pytest.raises(ConnectionClosed) as info:
                        await asyncio.wait_for(silent.recv(), DEADLINE)
                    assert info.value.rcvd is not None and info.value.rcvd.code == p.CLOSE_IDLE
            await wait_for(lambda: len(app.state.relay.channels) == 1, "the silent channels to be freed")
            # The heartbeating client kept its channel all along.
            assert client.connected
            assert [s.state for s in statuses] == ["connecting", "connected"]
            async with httpx.AsyncClient(timeout=DEADLINE) as http:
                assert (await http.post(client.public_url, content=b"alive")).content == b"echo:alive"


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
    assert relay_urls("relay.example.com:8080") == (
        "http://relay.example.com:8080",
        "ws://relay.example.com:8080/_hookdev/connect",
    )
    with pytest.raises(ValueError, match="invalid relay URL"):
        relay_urls("ftp://x")


async def test_relay_over_https_with_the_workspace_ca(tmp_path: Path) -> None:
    echo = EchoApp()
    async with serve(create_relay_app(), **server_ssl_kwargs(tmp_path)) as relay_url:
        assert relay_url.startswith("https://")
        client = RelayClient(relay_url, echo.app, channel=new_channel_name(), ssl=client_verify(tmp_path))
        async with (
            running_client(client),
            httpx.AsyncClient(verify=client_verify(tmp_path), timeout=DEADLINE) as http,
        ):
            assert client.public_url.startswith("https://127.0.0.1:")
            response = await http.post(client.public_url + "/tls", content=ODD_BODY)
            assert response.content == b"echo:" + ODD_BODY
            assert ("x-forwarded-proto", "https") in [
                tuple(h) for h in json.loads(response.headers["x-meta"])["headers"]
            ]

        # A client that does not trust the CA says so (and keeps retrying: the relay may fix its cert).
        statuses: list[RelayStatus] = []
        untrusting = RelayClient(relay_url, echo.app, channel=new_channel_name(), on_status=statuses.append)
        task = asyncio.create_task(untrusting.run())
        try:
            await wait_for(lambda: any(s.state == "disconnected" for s in statuses), "a failed TLS attempt")
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        failure = next(s.message for s in statuses if s.state == "disconnected")
        assert failure.startswith("relay unreachable (TLS certificate not trusted: ")


def _hookdev(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "hookdev", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )


def test_relay_command_serves_and_stops_cleanly_on_ctrl_c() -> None:
    proc = _hookdev("relay", "--host", "127.0.0.1", "--port", "0", "--token", "tok-123", "--json")
    try:
        assert proc.stdout is not None
        ready = json.loads(proc.stdout.readline())
        assert ready["event"] == "ready"
        assert ready["token_required"] is True
        assert ready["max_body"] == 5 * 1024 * 1024
        assert ready["connect"] == f"hookdev listen --relay {ready['public_url']} --relay-token T"
        status = httpx.get(ready["listen"] + "/", timeout=DEADLINE)
        assert status.json()["channels"] == 0
        health = httpx.get(ready["listen"] + "/healthz", timeout=DEADLINE)
        assert health.status_code == 200
        assert health.json()["status"] == "ok" and health.json()["redis"] == "off"
        assert "hookdev_relay_channels_connected 0.0" in httpx.get(ready["listen"] + "/metrics").text
        missing = httpx.post(ready["listen"] + f"/c/{new_channel_name()}", content=b"{}", timeout=DEADLINE)
        assert missing.status_code == 404
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=DEADLINE)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert json.loads(out.splitlines()[-1]) == {"event": "stopped"}
    assert "Traceback" not in err


def test_relay_command_text_output_mentions_the_network() -> None:
    proc = _hookdev("relay", "--host", "0.0.0.0", "--port", "0")
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("hookdev relay listening on http://0.0.0.0:")
        lines = [proc.stdout.readline() for _ in range(4)]
        assert "reachable from the network" in lines[0]
        assert any("hookdev listen --relay http://" in line for line in lines)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=DEADLINE)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert out.splitlines()[-1] == "relay stopped"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--max-body", "lots"], "Invalid value for '--max-body'"),
        (["--tls-cert", __file__], "--tls-cert and --tls-key go together"),
        (["--tls-cert", __file__, "--tls-key", __file__], "cannot use the TLS certificate"),
        (["--public-url", "ftp://x"], "--public-url: invalid target"),
    ],
)
def test_relay_command_bad_input_is_one_line(args: list[str], error: str) -> None:
    proc = _hookdev("relay", "--host", "127.0.0.1", "--port", "0", *args)
    out, err = proc.communicate(timeout=DEADLINE)
    assert proc.returncode == 2
    assert error in err
    assert "Traceback" not in err


def test_relay_command_on_a_busy_port_is_one_line_exit_2() -> None:
    blocker = bind()
    blocker.listen()
    port = blocker.getsockname()[1]
    try:
        proc = _hookdev("relay", "--host", "127.0.0.1", "--port", str(port))
        out, err = proc.communicate(timeout=DEADLINE)
    finally:
        blocker.close()
    assert proc.returncode == 2
    assert err.strip() == f"Error: port {port} on 127.0.0.1 is already in use (choose another with --port)"


def test_frames_round_trip_and_bad_frames_are_protocol_errors() -> None:
    header = {"type": "response", "id": "7", "status": 200, "headers": [["x-a", "\xff"]]}
    assert p.unpack(p.pack(header, ODD_BODY)) == (header, ODD_BODY)
    assert p.unpack(p.pack(header)) == (header, b"")
    for bad in [b"", b"\x00\x00", b"\x00\x00\x00\x09{}", b"\x00\x00\x00\x02[]", b"\x00\x00\x00\x02{x"]:
        with pytest.raises(p.ProtocolError):
            p.unpack(bad)
    assert p.headers_from_wire([["x-a", "\xff"]]) == [(b"x-a", b"\xff")]
    for bad_headers in ["x", [["only-name"]], [[1, "x"]], [["x", "\u2603"]]]:
        with pytest.raises(p.ProtocolError):
            p.headers_from_wire(bad_headers)


def test_scope_keeps_forwarded_headers_the_caller_sent() -> None:
    from hookdev.tunnel.client import build_scope

    frame = {
        "method": "post",
        "path": "/a%2Fb/%C3%A9",
        "query": "q=%FF",
        "scheme": "https",
        "client": ["203.0.113.9", 4242],
        "headers": [["X-Forwarded-For", "198.51.100.1"], ["Content-Type", "text/plain"]],
    }
    scope = build_scope(frame, ("relay.example", 443))
    assert scope["method"] == "POST"
    assert scope["path"] == "/a/b/é"
    assert scope["raw_path"] == b"/a%2Fb/%C3%A9"
    assert scope["query_string"] == b"q=%FF"
    assert scope["client"] == ("203.0.113.9", 4242)
    assert scope["server"] == ("relay.example", 443)
    assert scope["headers"] == [
        (b"x-forwarded-for", b"198.51.100.1"),
        (b"content-type", b"text/plain"),
        (b"x-forwarded-proto", b"https"),
    ]
    anonymous = build_scope({**frame, "client": None, "headers": []}, ("relay.example", 443))
    assert anonymous["client"] == ("relay", 0)
    assert anonymous["headers"] == []
    with pytest.raises(p.ProtocolError):
        build_scope({**frame, "path": "no-slash"}, ("relay.example", 443))


async def test_call_app_keeps_an_answer_sent_before_the_app_raised() -> None:
    from hookdev.tunnel.client import call_app

    async def answers_then_raises(scope: Any, receive: Any, send: Any) -> None:
        assert (await receive())["body"] == ODD_BODY
        await send({"type": "http.response.start", "status": 500, "headers": [(b"x", b"1")]})
        await send({"type": "http.response.body", "body": b"boom page"})
        raise RuntimeError("boom")

    async def raises(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("boom")

    scope = {"type": "http", "method": "POST", "path": "/", "headers": []}
    assert await call_app(answers_then_raises, scope, ODD_BODY) == (500, [(b"x", b"1")], b"boom page")
    with pytest.raises(RuntimeError):
        await call_app(raises, scope, b"")


@pytest.mark.parametrize(
    ("flag", "env", "believed"),
    [
        ([], None, True),  # the default trusts a proxy on this host (uvicorn's 127.0.0.1,::1)
        (["--forwarded-allow-ips", "none"], None, False),
        ([], "10.0.0.0/8", False),  # $HOOKDEV_RELAY_FORWARDED_ALLOW_IPS: not this peer
        ([], "127.0.0.0/8,10.0.0.5", True),
    ],
    ids=["default", "none", "env-other-network", "env-loopback-network"],
)
async def test_forwarded_headers_are_believed_only_from_trusted_proxies(
    flag: list[str], env: str | None, believed: bool
) -> None:
    environ = {k: v for k, v in os.environ.items() if k != "HOOKDEV_RELAY_FORWARDED_ALLOW_IPS"}
    if env is not None:
        environ["HOOKDEV_RELAY_FORWARDED_ALLOW_IPS"] = env
    proc = subprocess.Popen(
        [sys.executable, "-m", "hookdev", "relay", "--host", "127.0.0.1", "--port", "0", "--json", *flag],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environ,
    )
    try:
        assert proc.stdout is not None
        ready = json.loads(await asyncio.to_thread(proc.stdout.readline))
        assert ready["forwarded_allow_ips"] == (
            ["127.0.0.1", "::1"] if not flag and env is None else [] if flag else env.split(",")
        )
        echo = EchoApp()
        client = RelayClient(ready["listen"], echo.app, channel=new_channel_name())
        async with running_client(client), httpx.AsyncClient(timeout=DEADLINE) as http:
            response = await http.post(
                client.public_url + "/hooks",
                content=b"{}",
                headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
            )
        assert response.status_code == 207
        meta = json.loads(response.headers["x-meta"])
        if believed:
            assert (meta["client"][0], meta["scheme"]) == ("203.0.113.7", "https")
        else:
            assert (meta["client"][0], meta["scheme"]) == ("127.0.0.1", "http")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def test_a_bad_forwarded_allow_ips_is_one_line_exit_2() -> None:
    proc = _hookdev("relay", "--host", "127.0.0.1", "--port", "0", "--forwarded-allow-ips", "10.0.0.1,nginx")
    out, err = proc.communicate(timeout=DEADLINE)
    assert proc.returncode == 2
    assert err.strip() == (
        "Error: --forwarded-allow-ips: 'nginx' is not an IP address or network "
        "(give e.g. 127.0.0.1,10.0.0.0/8, * or none)"
    )
