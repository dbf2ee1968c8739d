"""Latency the relay adds: caller -> relay -> WebSocket -> client -> app, vs caller -> app over HTTP.

Both on loopback, same tiny Starlette app, N sequential requests each on a kept-alive httpx client
after a warm-up. Target: the relay hop adds less than 5 ms at the median.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import statistics
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hookdev.tunnel import RelayClient, create_relay_app, new_channel_name

N = 500
WARMUP = 50
BODY = b'{"type": "invoice.paid", "data": {"id": "in_123", "amount": 1250}}'


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self):  # type: ignore[override]
        yield


@contextlib.asynccontextmanager
async def _serve(app: Any) -> AsyncIterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = _Server(uvicorn.Config(app, log_config=None, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


def _app() -> Starlette:
    async def hook(request: Request) -> Response:
        body = await request.body()
        return Response(b'{"ok": true, "received": %d}' % len(body), media_type="application/json")

    return Starlette(routes=[Route("/{rest:path}", hook, methods=["POST"])])


async def _latencies(http: httpx.AsyncClient, url: str) -> list[float]:
    for _ in range(WARMUP):
        (await http.post(url, content=BODY)).raise_for_status()
    out = []
    for _ in range(N):
        started = time.perf_counter()
        response = await http.post(url, content=BODY)
        out.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return out


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


async def _measure() -> tuple[list[float], list[float]]:
    app = _app()
    async with _serve(app) as direct_url, _serve(create_relay_app()) as relay_url:
        client = RelayClient(relay_url, app, channel=new_channel_name())
        task = asyncio.create_task(client.run())
        try:
            deadline = time.monotonic() + 30
            while not client.connected:
                if time.monotonic() > deadline or task.done():
                    raise RuntimeError("relay client did not connect")
                await asyncio.sleep(0.01)
            async with httpx.AsyncClient() as http:
                direct = await _latencies(http, direct_url + "/hook")
                relayed = await _latencies(http, client.public_url + "/hook")
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return direct, relayed


def run() -> list[dict]:
    direct, relayed = asyncio.run(_measure())
    rows = []
    for metric, pick in (("median", statistics.median), ("p99", _p99)):
        base, hop = pick(direct), pick(relayed)
        rows.append(
            {
                "benchmark": "relay",
                "metric": f"added {metric} latency of the relay hop ({N} sequential requests)",
                "value": round(hop - base, 3),
                "unit": "ms",
                "baseline": f"{metric} of direct HTTP to the same app on loopback",
                "baseline_value": round(base, 3),
                "ratio": round(hop / base, 3) if base else 0.0,
                "target": "median added < 5 ms" if metric == "median" else "report only",
            }
        )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
