"""The relay's memory under load: 60 concurrent 4 MiB requests to a slow client.

A real ``hookdev relay`` process (defaults: 5 MiB bodies, 32 MiB buffered per channel); the client
and its slow app (0.3 s per request) in this process. Peak RSS of the relay (``VmHWM``) after one
warm-up request is the baseline; the figure is the peak after the burst, minus it. For contrast the
same burst runs against a relay whose per-channel limits are lifted (``--max-buffered 1GiB``), and
the client's own peak of body bytes held is reported too. Linux only (reads /proc).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hookdev.tunnel import RelayClient, new_channel_name

ROOT = Path(__file__).resolve().parents[2]
BODY = b"\x00\xff" * (2 * 1024 * 1024)  # 4 MiB
BURST = 60
MIB = 1024 * 1024


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM")


@contextlib.contextmanager
def _relay(*args: str) -> Iterator[tuple[int, str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "hookdev", "relay", "--host", "127.0.0.1", "--port", "0", "--json", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        yield proc.pid, json.loads(proc.stdout.readline())["listen"]
    finally:
        proc.terminate()
        proc.wait(30)


def _slow_app() -> Starlette:
    async def slow(request: Request) -> Response:
        body = await request.body()
        await asyncio.sleep(0.3)
        return Response(str(len(body)).encode())

    return Starlette(routes=[Route("/{rest:path}", slow, methods=["POST"])])


async def _burst(pid: int, url: str) -> tuple[int, int, int, int]:
    """(baseline peak RSS, peak RSS after the burst, requests answered 200, client's peak bytes held)."""
    client = RelayClient(url, _slow_app(), channel=new_channel_name())
    task = asyncio.create_task(client.run())
    try:
        for _ in range(3000):
            if client.connected or task.done():
                break
            await asyncio.sleep(0.01)
        if not client.connected:
            raise RuntimeError("relay client did not connect")
        limits = httpx.Limits(max_connections=BURST)
        async with httpx.AsyncClient(timeout=120, limits=limits) as http:
            (await http.post(client.public_url + "/warm", content=BODY)).raise_for_status()
            baseline = _peak_rss(pid)
            responses = await asyncio.gather(
                *(http.post(client.public_url + "/big", content=BODY) for _ in range(BURST))
            )
        return baseline, _peak_rss(pid), sum(r.status_code == 200 for r in responses), client.peak_buffered
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def run() -> list[dict]:
    with _relay() as (pid, url):
        base, peak, ok, held = asyncio.run(_burst(pid, url))
    with _relay("--max-buffered", "1GiB") as (pid, url):
        open_base, open_peak, open_ok, open_held = asyncio.run(_burst(pid, url))
    added, open_added = (peak - base) / MIB, (open_peak - open_base) / MIB
    return [
        {
            "benchmark": "relay_memory",
            "metric": f"relay peak RSS added by {BURST} concurrent 4 MiB requests to a slow client ({ok} relayed, the rest 503)",
            "value": round(added, 1),
            "unit": "MiB",
            "baseline": "relay peak RSS after one warm-up request",
            "baseline_value": round(base / MIB, 1),
            "ratio": round(peak / base, 3),
            "target": "bounded (a body held costs ~1.7x its size in copies)",
        },
        {
            "benchmark": "relay_memory",
            "metric": f"the same with --max-buffered 1GiB (limit lifted: {open_ok} relayed)",
            "value": round(open_added, 1),
            "unit": "MiB",
            "baseline": "relay peak RSS after one warm-up request",
            "baseline_value": round(open_base / MIB, 1),
            "ratio": round(open_peak / open_base, 3),
            "target": "report only (what the limit saves)",
        },
        {
            "benchmark": "relay_memory",
            "metric": "client's peak body bytes held at once (default limits)",
            "value": round(held / MIB, 1),
            "unit": "MiB",
            "baseline": "the same with the limit lifted",
            "baseline_value": round(open_held / MIB, 1),
            "ratio": round(held / open_held, 3) if open_held else 0.0,
            "target": "<= 32 MiB (the relay's --max-buffered)",
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
