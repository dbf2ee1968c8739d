"""Forwarding memory: peak RSS of a receiver forwarding to an app that streams its answer forever,
against the same receiver forwarding small answers (the baseline, measured in the same run).

The app runs in this process (raw asyncio, chunked, never ending); the receiver runs in a fresh
process (a real Engine on a free port) which loads itself with httpx and reports its own peak RSS
(VmHWM), so nothing of the app or of this benchmark is counted. With ``--max-response`` (default
10 MiB) the receiver stops reading past the cap: the peak grows by about the cap per answer in flight,
never with how long the app streams.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import threading

CHILD = r"""
import asyncio, json, sys, tempfile
import httpx
from hookdev.engine import Engine
from hookdev.options import EngineOptions
from hookdev.workspace import Workspace

def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

async def main():
    app, path, n, concurrency = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    cap = int(sys.argv[5])
    ws = Workspace(tempfile.mkdtemp())
    options = EngineOptions(port=0, dispatch=False, forward_to=app, forward_timeout=60, max_response=cap)
    engine = Engine(ws, options)
    await engine.start()
    async with httpx.AsyncClient(timeout=120) as client:
        await client.post(engine.url + "/small", content=b"{}")  # warm up
        before = hwm()
        statuses = []
        for _ in range(n // concurrency):
            rs = await asyncio.gather(*(client.post(engine.url + path, content=b"{}") for _ in range(concurrency)))
            statuses += [r.status_code for r in rs]
    await engine.stop()
    ws.close()
    print(json.dumps({"before": before, "peak": hwm(), "statuses": sorted(set(statuses))}))

asyncio.run(main())
"""


def _app() -> tuple[str, threading.Event]:
    """A raw HTTP app: /small answers 1 KiB; anything else streams 64 KiB chunks until the peer leaves."""
    ready: dict[str, str] = {}
    started = threading.Event()
    stop = threading.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                await reader.readexactly(length)
                if head.startswith(b"POST /small "):
                    writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 1024\r\n\r\n" + b"x" * 1024)
                    await writer.drain()
                    continue
                writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
                chunk = b"%x\r\n%s\r\n" % (65536, b"y" * 65536)
                while not stop.is_set():
                    writer.write(chunk)
                    await writer.drain()
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    def serve() -> None:
        async def main() -> None:
            server = await asyncio.start_server(handle, "127.0.0.1", 0)
            ready["url"] = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
            started.set()
            while not stop.is_set():
                await asyncio.sleep(0.1)
            server.close()

        asyncio.run(main())

    threading.Thread(target=serve, daemon=True).start()
    started.wait(10)
    return ready["url"], stop


def _measure(app: str, path: str, n: int, concurrency: int, cap: int = 10 * 1024 * 1024) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, app, path, str(n), str(concurrency), str(cap)],
        capture_output=True,
        timeout=600,
        cwd=tempfile.gettempdir(),
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr.decode()[-2000:])
    return json.loads(out.stdout.decode().strip().splitlines()[-1])


def run() -> list[dict]:
    app, stop = _app()
    try:
        small = _measure(app, "/small", 40, 8)
        forever = _measure(app, "/forever", 40, 8)
        small_cap = _measure(app, "/forever", 40, 8, cap=1024 * 1024)
    finally:
        stop.set()
    assert forever["statuses"] == [502], forever
    grown_small = small["peak"] - small["before"]
    grown = forever["peak"] - forever["before"]
    return [
        {
            "benchmark": "forward_stream_memory",
            "metric": "peak RSS forwarding 40 never-ending answers, 8 at a time (each cut at --max-response 10 MiB: 502)",
            "value": forever["peak"],
            "unit": "MiB",
            "baseline": "peak RSS forwarding 40 answers of 1 KiB, 8 at a time",
            "baseline_value": small["peak"],
            "ratio": forever["peak"] / small["peak"],
            "target": "bounded: growth <= 8 x cap (80 MiB) + 50%",
        },
        {
            "benchmark": "forward_stream_memory",
            "metric": "peak RSS growth during the never-ending answers",
            "value": grown,
            "unit": "MiB",
            "baseline": "peak RSS growth during the small answers",
            "baseline_value": grown_small,
            "ratio": grown / max(grown_small, 0.1),
            "target": "informational",
        },
        {
            "benchmark": "forward_stream_memory",
            "metric": "peak RSS growth, the same never-ending answers with --max-response 1MiB",
            "value": small_cap["peak"] - small_cap["before"],
            "unit": "MiB",
            "baseline": "peak RSS growth with --max-response 10MiB (above)",
            "baseline_value": grown,
            "ratio": (small_cap["peak"] - small_cap["before"]) / max(grown, 0.1),
            "target": "< 0.3: memory follows the cap, not the stream",
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
