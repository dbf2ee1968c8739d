"""A load generator for the ingest benchmark, run as its own process so it never shares a core or a
GIL with the server it measures.

``python -m tests.perf.loadgen --url URL [--secret whsec_...] --requests N --concurrency C``
sends N POSTs of a ``--body-size`` byte JSON body over C keep-alive connections (raw asyncio
streams: a few dozen microseconds of client work per request) and prints one JSON object: statuses,
seconds, requests/s, latency percentiles and the client's own CPU use. Every request is built and
signed (Standard Webhooks, unique webhook-id) before the clock starts.

``python -m tests.perf.loadgen serve`` runs the cheapest HTTP/1.1 server asyncio allows (a fixed
200 for every request) and prints its URL: what the client reaches against it is the client's
ceiling, the proof that it is not the bottleneck of a measurement far below it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import sys
import time
from urllib.parse import urlsplit

from hookdev.signing.standard import sign_headers


def body_of(size: int, i: int) -> bytes:
    """A JSON event of exactly ``size`` bytes (the filler pads it)."""
    head = json.dumps({"type": "code.scanned", "data": {"i": i, "pad": ""}}, separators=(",", ":"))
    pad = size - len(head)
    if pad < 0:
        raise ValueError(f"--body-size must be at least {len(head)}")
    body = head.replace('"pad":""', '"pad":"' + "x" * pad + '"').encode()
    assert len(body) == size
    return body


def build_requests(url: str, secret: str | None, count: int, size: int, tag: str) -> list[bytes]:
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host = parts.netloc
    now = int(time.time())
    out = []
    for i in range(count):
        body = body_of(size, i)
        lines = [
            f"POST {path} HTTP/1.1",
            f"host: {host}",
            "content-type: application/json",
            f"content-length: {len(body)}",
        ]
        if secret:
            for k, v in sign_headers([secret], f"msg_{tag}_{i}", now, body).items():
                lines.append(f"{k}: {v}")
        out.append(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    return out


class Stats:
    def __init__(self) -> None:
        self.statuses: dict[int, int] = {}
        self.errors: list[str] = []
        self.latencies: list[float] = []


async def connection(host: str, port: int, requests: list[bytes], cursor: list[int], stats: Stats) -> None:
    """One keep-alive connection: take the next request, send it, read its answer; reconnect if told."""
    reader = writer = None
    try:
        while True:
            i = cursor[0]
            if i >= len(requests):
                return
            cursor[0] = i + 1
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            assert reader is not None
            start = time.perf_counter()
            writer.write(requests[i])
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            close = False
            for line in head.lower().split(b"\r\n")[1:]:
                if line.startswith(b"content-length:"):
                    length = int(line[15:])
                elif line.startswith(b"connection:") and b"close" in line:
                    close = True
            if length:
                await reader.readexactly(length)
            stats.latencies.append(time.perf_counter() - start)
            stats.statuses[status] = stats.statuses.get(status, 0) + 1
            if close:
                writer.close()
                writer = None
    except (OSError, asyncio.IncompleteReadError, ValueError) as e:
        stats.errors.append(repr(e))
    finally:
        if writer is not None:
            writer.close()


async def generate(url: str, requests: list[bytes], concurrency: int) -> dict[str, object]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    stats = Stats()
    cursor = [0]
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    await asyncio.gather(*(connection(host, port, requests, cursor, stats) for _ in range(concurrency)))
    seconds = time.perf_counter() - start
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    lat = sorted(stats.latencies)

    def pct(p: float) -> float:
        return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else float("nan")

    done = sum(stats.statuses.values())
    return {
        "requests": len(requests),
        "answered": done,
        "statuses": {str(k): v for k, v in sorted(stats.statuses.items())},
        "errors": stats.errors[:5],
        "error_count": len(stats.errors),
        "seconds": seconds,
        "rps": done / seconds if seconds else 0.0,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "cpu_seconds": cpu,
        "cpu_share": cpu / seconds if seconds else 0.0,  # 1.0: the client used a whole core
    }


# -- the ceiling server ----------------------------------------------------------------------------
_BODY = b'{"received":true}'
ANSWER = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (
    len(_BODY),
    _BODY,
)


class _Fixed(asyncio.Protocol):
    """Answers a fixed 200 to every complete request (head + Content-Length body) it parses."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.buf = b""

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            length = 0
            for line in self.buf[:end].split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            total = end + 4 + length
            if len(self.buf) < total:
                return
            self.buf = self.buf[total:]
            self.transport.write(ANSWER)  # type: ignore[attr-defined]


async def serve() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Fixed, "127.0.0.1", 0, backlog=2048)
    port = server.sockets[0].getsockname()[1]
    print(json.dumps({"url": f"http://127.0.0.1:{port}/"}), flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["serve"]:
        asyncio.run(serve())
        return 0
    parser = argparse.ArgumentParser(
        prog="python -m tests.perf.loadgen", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--url", required=True)
    parser.add_argument("--secret", default=None, help="sign every request with this whsec_ secret")
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--body-size", type=int, default=1024)
    parser.add_argument("--tag", default=str(os.getpid()), help="makes webhook-ids unique across runs")
    opts = parser.parse_args(args)
    requests = build_requests(opts.url, opts.secret, opts.requests, opts.body_size, opts.tag)
    result = asyncio.run(generate(opts.url, requests, opts.concurrency))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
