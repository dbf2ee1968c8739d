"""Several relay instances sharing one real Redis (issue 16): a request to any instance reaches the
client, ownership holds across instances, losing an instance, and 500 concurrent requests."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hookdev.tunnel import RelayClient, RelayRefused, RelayStatus, create_relay_app, new_channel_name
from hookdev.tunnel.cluster import Cluster
from tests.integration.test_relay import DEADLINE, EchoApp, running_client, serve, wait_for
from tests.redis_support import redis_server

ALL_BYTES = bytes(range(256)) * 4 + b'{"a":\t1}\r\n\x00'
KEY_A = "A" * 43
KEY_B = "B" * 43


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture
def prefix() -> str:
    return f"t{uuid.uuid4().hex[:8]}:"


@contextlib.asynccontextmanager
async def instance(redis_url: str, prefix: str, **options: Any) -> AsyncIterator[tuple[str, Any]]:
    """One relay instance in this process, on a free port, sharing ``redis_url``."""
    cluster = Cluster(redis_url, prefix=prefix, lease=options.pop("lease", 3.0))
    app = create_relay_app(cluster=cluster, **options)
    await cluster.start()
    try:
        async with serve(app) as url:
            yield url, app.state.relay
    finally:
        await cluster.stop()


@contextlib.asynccontextmanager
async def instances(redis_url: str, prefix: str, n: int, **options: Any) -> AsyncIterator[list[str]]:
    async with contextlib.AsyncExitStack() as stack:
        urls = [
            (await stack.enter_async_context(instance(redis_url, prefix, **options)))[0] for _ in range(n)
        ]
        yield urls


async def test_a_request_to_any_instance_reaches_the_client_byte_exact(redis_url: str, prefix: str) -> None:
    echo = EchoApp()
    async with instances(redis_url, prefix, 3) as (a, b, c):
        client = RelayClient(a, echo.app, channel=new_channel_name(), key=KEY_A)
        async with running_client(client), httpx.AsyncClient(timeout=DEADLINE) as http:
            path = f"/c/{client.channel}/hooks/a%20b?x=1&y=%FF"
            for base in (b, c, a):
                response = await http.post(base + path, content=ALL_BYTES, headers={"X-Dup": "one"})
                assert response.status_code == 207, response.text
                assert response.content == b"echo:" + ALL_BYTES
                assert response.headers["x-app"] == "local"
                meta = json.loads(response.headers["x-meta"])
                assert meta["raw_path"] == "/hooks/a%20b" and meta["query"] == "x=1&y=%FF"
                assert ["x-dup", "one"] in meta["headers"]
            # Limits hold end to end: the receiving instance refuses an oversized body.
            too_big = await http.post(b + f"/c/{client.channel}", content=b"x" * (5 * 1024 * 1024 + 1))
            assert too_big.status_code == 413
            missing = await http.post(b + f"/c/{new_channel_name()}", content=b"{}")
            assert missing.status_code == 404

            health = (await http.get(b + "/healthz")).json()
            assert health["status"] == "ok" and health["redis"] == "ok"
            metrics = (await http.get(b + "/metrics")).text
            assert 'hookdev_relay_forwarded_requests_total{direction="out"} 1.0' in metrics
            assert 'hookdev_relay_requests_total{status="207"} 1.0' in metrics
            assert 'hookdev_relay_redis_round_trips_total{op="publish"}' in metrics
            assert "hookdev_relay_request_duration_seconds_bucket" in metrics
            owner_metrics = (await http.get(a + "/metrics")).text
            assert "hookdev_relay_channels_connected 1.0" in owner_metrics
            assert 'hookdev_relay_forwarded_requests_total{direction="in"} 2.0' in owner_metrics
    assert echo.calls == 3


async def test_ownership_holds_across_instances(redis_url: str, prefix: str) -> None:
    echo = EchoApp()
    channel = new_channel_name()
    async with instances(redis_url, prefix, 3) as (a, b, c), httpx.AsyncClient(timeout=DEADLINE) as http:
        owner = RelayClient(a, echo.app, channel=channel, key=KEY_A)
        async with running_client(owner):
            rival = RelayClient(b, echo.app, channel=channel, key=KEY_B)
            with pytest.raises(RelayRefused, match="already in use by another hookdev client"):
                await asyncio.wait_for(rival.run(), DEADLINE)
        # The owner left: still nobody else may take its channel, through any instance.
        for base in (a, b, c):
            squatter = RelayClient(base, echo.app, channel=channel, key=KEY_B)
            with pytest.raises(RelayRefused):
                await asyncio.wait_for(squatter.run(), DEADLINE)
        assert (await http.post(c + f"/c/{channel}", content=b"x")).status_code == 404

        # The owner comes back through C; then a new process of the owner (same key) through B takes over.
        back = RelayClient(c, echo.app, channel=channel, key=KEY_A)
        task = asyncio.create_task(back.run())
        await wait_for(lambda: back.connected, "the owner to reclaim through another instance")
        assert (await http.post(a + f"/c/{channel}/via-a", content=b"1")).content == b"echo:1"
        moved = RelayClient(b, echo.app, channel=channel, key=KEY_A)
        async with running_client(moved):
            with pytest.raises(RelayRefused, match="took it over"):
                await asyncio.wait_for(task, DEADLINE)
            for base in (a, b, c):
                assert (await http.post(base + f"/c/{channel}", content=b"2")).content == b"echo:2"


class Balancer:
    """A TCP load balancer on loopback: each connection goes to the first backend that accepts it."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        self.handlers: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.writers:
            writer.close()
        await asyncio.gather(*self.handlers, return_exceptions=True)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.server.wait_closed(), 5)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)
        self.writers.add(writer)
        for port in self.ports:
            try:
                up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
                break
            except OSError:
                continue
        else:
            writer.close()
            return
        self.writers.add(up_writer)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (OSError, asyncio.CancelledError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


def _spawn_relay(redis_url: str, prefix: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hookdev",
            "relay",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--json",
            "--log-format",
            "json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
        env={
            **os.environ,
            "HOOKDEV_RELAY_REDIS": redis_url,
            "HOOKDEV_RELAY_REDIS_PREFIX": prefix,
            "HOOKDEV_RELAY_LEASE": "3",
        },
    )


def _stop(procs: list[subprocess.Popen[str]]) -> list[str]:
    """Stop every relay (SIGINT, killed past DEADLINE); their stderr, none with a traceback."""
    errs = []
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        assert "Traceback" not in err, err
        errs.append(err)
    return errs


def _ready(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    ready = json.loads(proc.stdout.readline())
    assert ready["event"] == "ready" and ready["redis"] is True
    return str(ready["listen"])


async def test_losing_an_instance_the_client_reclaims_through_another(redis_url: str, prefix: str) -> None:
    echo = EchoApp()
    procs = []
    try:
        procs = [_spawn_relay(redis_url, prefix), _spawn_relay(redis_url, prefix)]  # both start at once
        proc_a = procs[0]
        a, b = _ready(procs[0]), _ready(procs[1])
        ports = [int(a.rsplit(":", 1)[1]), int(b.rsplit(":", 1)[1])]
        statuses: list[RelayStatus] = []
        async with Balancer(ports) as balanced, httpx.AsyncClient(timeout=10) as http:
            client = RelayClient(
                balanced, echo.app, channel=new_channel_name(), key=KEY_A, on_status=statuses.append
            )
            async with running_client(client):
                path = f"/c/{client.channel}/hook"
                assert (await http.post(b + path, content=b"before")).content == b"echo:before"
                # A request in flight through B at A's client when A dies: 502 within a second or two.
                in_flight = asyncio.create_task(http.post(b + f"/c/{client.channel}/hang", content=b"h"))
                await wait_for(lambda: client.in_flight == 1, "the request to reach the client")
                proc_a.send_signal(signal.SIGKILL)
                proc_a.wait(DEADLINE)
                # During the gap (the client waits 0.5 s before reconnecting): a quick 502, never a hang
                # (httpx gives up after 10 s).
                gap = await http.post(b + path, content=b"gap")
                assert gap.status_code in (502, 504, 404), gap.text
                assert (await in_flight).status_code == 502  # the relays wait 30 s: not a timeout
                await wait_for(lambda: sum(s.state == "connected" for s in statuses) == 2, "the reclaim")
                after = await http.post(b + path, content=ALL_BYTES)
                assert after.status_code == 207 and after.content == b"echo:" + ALL_BYTES
                assert (await http.post(balanced + path, content=b"lb")).content == b"echo:lb"
        assert echo.calls == 3  # the gap request never reached the client twice or late
    finally:
        for proc, err in zip(procs, _stop(procs), strict=True):
            logs = [json.loads(line) for line in err.splitlines()]  # --log-format json: every line
            assert all({"time", "level", "logger", "instance", "message"} <= set(e) for e in logs)
            assert any("claimed" in e["message"] for e in logs) or proc is procs[0]


async def test_500_concurrent_requests_over_the_instances_none_lost_none_duplicated(
    redis_url: str, prefix: str
) -> None:
    seen: list[str] = []

    async def record(request: Request) -> Response:
        body = await request.body()
        seen.append(body.decode())
        return Response(b"ok:" + body)

    app = Starlette(routes=[Route("/{rest:path}", record, methods=["POST"])])
    async with instances(redis_url, prefix, 3, max_in_flight=1000) as urls:
        client = RelayClient(urls[0], app, channel=new_channel_name(), key=KEY_A)
        async with running_client(client):
            answers = await asyncio.gather(
                *(post(urls[i % 3], f"/c/{client.channel}/n", f"req-{i}".encode()) for i in range(500))
            )
    assert answers == [(200, f"ok:req-{i}".encode()) for i in range(500)]
    assert sorted(seen) == sorted(f"req-{i}" for i in range(500))  # each exactly once


async def post(base: str, path: str, body: bytes) -> tuple[int, bytes]:
    """One POST on its own connection (httpx's pool costs O(n^2) with hundreds of queued requests)."""
    host, port = base.removeprefix("http://").rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n".encode()
            + body
        )
        raw = await asyncio.wait_for(reader.read(), DEADLINE)
    finally:
        writer.close()
    head, _, content = raw.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), content


async def test_health_says_when_redis_is_gone_and_release_works_through_redis(
    redis_url: str, prefix: str
) -> None:
    channel = new_channel_name()
    own = contextlib.ExitStack()
    own_redis = own.enter_context(redis_server())
    try:
        async with instance(own_redis, prefix) as (url, _), httpx.AsyncClient(timeout=DEADLINE) as http:
            assert (await http.get(url + "/healthz")).json()["redis"] == "ok"
            own.close()  # Redis goes away under a running instance
            health = await http.get(url + "/healthz")
            assert health.status_code == 503
            assert health.json()["status"] == "degraded" and health.json()["redis"] == "unreachable"
    finally:
        own.close()

    async with instance(redis_url, prefix) as (url, _), httpx.AsyncClient(timeout=DEADLINE) as http:
        owner = RelayClient(url, EchoApp().app, channel=channel, key=KEY_A)
        async with running_client(owner):
            pass
        done = await asyncio.to_thread(
            subprocess.run,
            [
                sys.executable,
                "-m",
                "hookdev",
                "relay",
                "--release",
                channel,
                "--redis",
                redis_url,
                "--redis-prefix",
                prefix,
            ],
            capture_output=True,
            text=True,
            timeout=DEADLINE,
            cwd=Path(__file__).parents[2],
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"channel {channel} released"
        newcomer = RelayClient(url, EchoApp().app, channel=channel, key=KEY_B)
        async with running_client(newcomer):
            assert (await http.post(url + f"/c/{channel}", content=b"n")).content == b"echo:n"


async def test_limits_and_timeouts_hold_across_instances(redis_url: str, prefix: str) -> None:
    echo = EchoApp()
    async with instances(redis_url, prefix, 2, request_timeout=1.0, max_in_flight=1) as (a, b):
        client = RelayClient(a, echo.app, channel=new_channel_name(), key=KEY_A)
        async with running_client(client), httpx.AsyncClient(timeout=DEADLINE) as http:
            hung = asyncio.create_task(http.post(b + f"/c/{client.channel}/hang", content=b"h"))
            await wait_for(lambda: client.in_flight == 1, "the hung request to reach the client")
            busy = await http.post(b + f"/c/{client.channel}/x", content=b"second")
            assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
            timed_out = await hung
            assert timed_out.status_code == 504
            assert "did not answer within 1 s" in timed_out.text
            await asyncio.wait_for(echo.hang_cancelled.wait(), DEADLINE)  # the client stopped the app


async def test_a_rolling_restart_drops_nothing_in_flight(redis_url: str, prefix: str) -> None:
    """SIGTERM to the instance serving a channel: its requests in flight finish, the client moves on."""
    started = asyncio.Event()

    async def handler(request: Request) -> Response:
        body = await request.body()
        if request.url.path == "/slow":
            started.set()
            await asyncio.sleep(1.0)
        return Response(b"ok:" + body)

    app = Starlette(routes=[Route("/{rest:path}", handler, methods=["POST"])])
    procs = [_spawn_relay(redis_url, prefix), _spawn_relay(redis_url, prefix)]
    try:
        a, b = _ready(procs[0]), _ready(procs[1])
        statuses: list[RelayStatus] = []
        ports = [int(a.rsplit(":", 1)[1]), int(b.rsplit(":", 1)[1])]
        async with Balancer(ports) as balanced, httpx.AsyncClient(timeout=DEADLINE) as http:
            client = RelayClient(
                balanced, app, channel=new_channel_name(), key=KEY_A, on_status=statuses.append
            )
            async with running_client(client):
                slow = asyncio.create_task(http.post(b + f"/c/{client.channel}/slow", content=b"1"))
                await asyncio.wait_for(started.wait(), DEADLINE)
                procs[0].send_signal(signal.SIGTERM)  # A serves the channel: it drains, then leaves
                answer = await slow
                assert answer.status_code == 200 and answer.content == b"ok:1"
                await wait_for(lambda: sum(s.state == "connected" for s in statuses) == 2, "the move to B")
                after = await http.post(balanced + f"/c/{client.channel}/x", content=b"2")
                assert after.content == b"ok:2"
        assert procs[0].wait(DEADLINE) in (0, -signal.SIGTERM)  # uvicorn re-raises SIGTERM once shut down
    finally:
        _stop(procs)
