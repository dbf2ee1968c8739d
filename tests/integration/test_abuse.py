"""Abuse of the receiver: a real Engine (uvicorn + SQLite) on a free port, fed by raw sockets whatever
httpx would refuse to send.

Malformed request lines and headers, thousands of headers, huge header values, oversized bodies,
invalid bytes and percent-encoded garbage in paths, floods of connections. After each: the server
still answers a normal signed request, every answer that carried a capture id is a stored row with
that status, and malformed requests got uvicorn's 400 (and no row).
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from dataclasses import dataclass

import httpx
import pytest

from hookdev.signing.standard import sign_headers
from tests.conftest import wait_for


# -- a raw HTTP/1.1 exchange -----------------------------------------------------------------------
@dataclass
class Reply:
    """What came back on the socket (possibly nothing, when the server reset the connection)."""

    status: int | None
    headers: dict[str, str]
    body: bytes
    error: str | None

    @property
    def capture_id(self) -> str | None:
        if self.headers.get("content-type") != "application/json":
            return None
        return json.loads(self.body).get("id")


def _complete(buf: bytes) -> bool:
    head, sep, body = buf.partition(b"\r\n\r\n")
    if not sep:
        return False
    headers = _parse_headers(head)
    if "content-length" in headers:
        return len(body) >= int(headers["content-length"])
    if headers.get("transfer-encoding") == "chunked":
        return body.endswith(b"0\r\n\r\n")
    return False  # delimited by the end of the connection


def _parse_headers(head: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in head.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        out[name.strip().lower()] = value.strip()
    return out


def _parse(buf: bytes, error: str | None) -> Reply:
    head, sep, body = bytes(buf).partition(b"\r\n\r\n")
    if not sep:
        return Reply(None, {}, b"", error or f"no answer ({len(buf)} bytes)")
    status = int(head.split(b" ", 2)[1])
    headers = _parse_headers(head)
    if "content-length" in headers:
        body = body[: int(headers["content-length"])]
    return Reply(status, headers, body, error)


async def open_raw(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    return sock


async def exchange(port: int, data: bytes, *, timeout: float = 30.0) -> Reply:
    """Send ``data`` while reading the answer (the server may answer before it has read it all)."""
    loop = asyncio.get_running_loop()
    sock = await open_raw(port)

    async def send() -> None:
        try:
            await loop.sock_sendall(sock, data)
        except OSError:
            pass  # the server answered and closed early: its answer is what we check

    sender = asyncio.create_task(send())
    buf = bytearray()
    error = None
    try:
        async with asyncio.timeout(timeout):
            while not _complete(bytes(buf)):
                chunk = await loop.sock_recv(sock, 65536)
                if not chunk:
                    break
                buf += chunk
    except OSError as e:
        error = repr(e)
    except TimeoutError:
        error = f"no complete answer within {timeout} s"
    finally:
        sender.cancel()
        await asyncio.gather(sender, return_exceptions=True)
        sock.close()
    return _parse(bytes(buf), error)


def port_of(engine) -> int:
    return int(engine.url.rsplit(":", 1)[1])


def request(method: str, target: str, headers: list[tuple[str, str]] = (), body: bytes = b"") -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def signed(secret: str, i: int, path: str = "/flood") -> bytes:
    body = json.dumps({"type": "code.scanned", "data": {"i": i}}).encode()
    headers = sign_headers([secret], f"msg_abuse_{i}", int(time.time()), body)
    return request("POST", path, list(headers.items()), body)


# -- checks ----------------------------------------------------------------------------------------
async def assert_alive(engine, workspace) -> None:
    """The server still answers a normal signed request with 200 and stores it verified."""
    secret = workspace.receiver_secrets().current
    body = b'{"type":"code.scanned","data":{"alive":true}}'
    headers = sign_headers([secret], "msg_alive", int(time.time()), body)
    async with httpx.AsyncClient(timeout=30) as client:
        r = await client.post(engine.url + "/alive", content=body, headers=headers)
    assert r.status_code == 200, r.text
    stored = workspace.store.get_capture(r.json()["id"])
    assert stored is not None and stored.verified is True and stored.body == body


def assert_recorded(workspace, replies: list[Reply]) -> None:
    """Every answer that carried a capture id is a stored row with the status that was answered."""
    for reply in replies:
        if reply.capture_id is not None:
            stored = workspace.store.get_capture(reply.capture_id)
            assert stored is not None, reply
            assert stored.status == reply.status


def assert_uvicorn_400(reply: Reply) -> None:
    assert reply.status == 400, reply
    assert reply.capture_id is None
    assert reply.headers.get("connection", "").lower() == "close"


# -- malformed requests ----------------------------------------------------------------------------
MALFORMED = {
    "garbage-line": b"GARBAGE\r\n\r\n",
    "no-version": b"GET /\r\n\r\n",
    "binary-line": b"\x00\x01\x02\xff\xfe\r\n\r\n",
    "spaces-in-target": b"GET /a b c HTTP/1.1\r\nHost: x\r\n\r\n",
    "raw-non-ascii-path": b"POST /\xff\xfe\xc3( HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    "control-chars-in-path": b"GET /a\x01\x7f HTTP/1.1\r\nHost: x\r\n\r\n",
    "no-host-http11": b"GET / HTTP/1.1\r\n\r\n",
    "header-without-colon": b"GET / HTTP/1.1\r\nHost: x\r\nNot a header\r\n\r\n",
    "header-name-with-space": b"GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n",
    "bad-content-length": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    "negative-content-length": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    "two-content-lengths": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    "obs-fold-first-line": b"GET / HTTP/1.1\r\n folded\r\nHost: x\r\n\r\n",
}


async def test_malformed_requests_get_400_and_no_row(workspace, engine_factory):
    engine = await engine_factory()
    port = port_of(engine)
    replies = await asyncio.gather(*(exchange(port, raw) for raw in MALFORMED.values()))
    for name, reply in zip(MALFORMED, replies, strict=True):
        assert reply.status == 400, (name, reply)
        assert_uvicorn_400(reply)
    assert workspace.store.count_captures() == 0
    await assert_alive(engine, workspace)


async def test_garbage_after_a_valid_request_on_the_same_connection(workspace, engine_factory):
    """A pipelined valid request is answered and stored; the junk after it gets 400."""
    engine = await engine_factory()
    port = port_of(engine)
    sock = await open_raw(port)
    loop = asyncio.get_running_loop()
    try:
        await loop.sock_sendall(
            sock, b"POST /first HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}JUNK\r\n\r\n"
        )
        buf = bytearray()
        async with asyncio.timeout(30):
            while True:
                chunk = await loop.sock_recv(sock, 65536)
                if not chunk:
                    break
                buf += chunk
    finally:
        sock.close()
    head, _, tail = bytes(buf).partition(b"\r\n\r\n")
    length = int(_parse_headers(head)["content-length"])
    reply = _parse(head + b"\r\n\r\n" + tail[:length], None)
    rest = tail[length:]
    assert reply.status == 200 and reply.capture_id is not None
    assert workspace.store.get_capture(reply.capture_id).path == "/first"
    assert rest.startswith(b"HTTP/1.1 400 ")
    assert workspace.store.count_captures() == 1
    await assert_alive(engine, workspace)


# -- headers ---------------------------------------------------------------------------------------
async def test_thousands_of_headers_are_stored_in_order(workspace, engine_factory):
    engine = await engine_factory()
    many = [(f"X-H{i}", f"v{i}") for i in range(10_000)]
    reply = await exchange(port_of(engine), request("POST", "/many", many, b"{}"))
    assert reply.status == 200
    stored = workspace.store.get_capture(reply.capture_id)
    mine = [(k, v) for k, v in stored.headers if k.startswith("x-h")]
    assert mine == [(k.lower(), v) for k, v in many]
    await assert_alive(engine, workspace)


async def test_header_block_over_the_limit_gets_400(workspace, engine_factory):
    """uvicorn's h11 refuses a header block over 256 KiB (the engine's setting): 100,000 headers, or
    one 1 MB value. Nothing is stored and the server lives on."""
    engine = await engine_factory()
    port = port_of(engine)
    too_many = request("GET", "/h", [(f"X-H{i}", "v") for i in range(100_000)])
    too_long = request("GET", "/v", [("X-Big", "a" * 1_000_000)])
    for reply in await asyncio.gather(exchange(port, too_many), exchange(port, too_long)):
        assert_uvicorn_400(reply)
    assert workspace.store.count_captures() == 0
    await assert_alive(engine, workspace)


async def test_huge_header_value_under_the_limit_is_stored_byte_exact(workspace, engine_factory):
    engine = await engine_factory()
    value = "".join(chr(33 + i % 94) for i in range(200_000))
    reply = await exchange(port_of(engine), request("POST", "/big-header", [("X-Big", value)], b"{}"))
    assert reply.status == 200
    stored = workspace.store.get_capture(reply.capture_id)
    assert ("x-big", value) in stored.headers
    await assert_alive(engine, workspace)


# -- bodies ----------------------------------------------------------------------------------------
LIMIT = 64 * 1024


def chunked(path: str, chunks: list[bytes]) -> bytes:
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
    return head + b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"


async def test_oversized_bodies_get_413_and_are_recorded(workspace, engine_factory):
    engine = await engine_factory(max_body=LIMIT)
    port = port_of(engine)
    body = bytes(range(256)) * (1024 * 1024 // 256)  # 1 MiB, 16 x the limit
    cases = {
        "/declared": request("POST", "/declared", [], body),
        "/chunked": chunked("/chunked", [body[i : i + 50_000] for i in range(0, len(body), 50_000)]),
        # a Content-Length far beyond what is sent: answered once the limit is passed
        "/lying": b"POST /lying HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n" + body,
    }
    replies = await asyncio.gather(*(exchange(port, raw) for raw in cases.values()))
    for path, reply in zip(cases, replies, strict=True):
        assert reply.status == 413, (path, reply)
        answer = json.loads(reply.body)
        assert answer["error"] == f"body over the {LIMIT} byte limit"
        stored = workspace.store.get_capture(answer["id"])
        assert stored.path == path and stored.status == 413 and stored.truncated is True
        assert stored.body == body[:LIMIT]  # the first LIMIT bytes, exactly
        assert stored.body_size > LIMIT
    assert_recorded(workspace, replies)
    await assert_alive(engine, workspace)


async def test_default_limit_413_for_a_6_mb_body(workspace, engine_factory):
    engine = await engine_factory()
    reply = await exchange(port_of(engine), request("POST", "/six", [], b"x" * 6_000_000))
    assert reply.status == 413
    stored = workspace.store.get_capture(reply.capture_id)
    assert stored.body_size == 6_000_000 and len(stored.body) == 5 * 1024 * 1024
    await assert_alive(engine, workspace)


async def test_request_abandoned_mid_body_is_not_recorded_as_answered(workspace, engine_factory):
    engine = await engine_factory()
    port = port_of(engine)
    loop = asyncio.get_running_loop()
    sock = await open_raw(port)
    try:
        await loop.sock_sendall(
            sock, b"POST /cut HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789"
        )
    finally:
        sock.close()
    stored = await wait_for(lambda: workspace.store.list_captures(path="/cut"))
    capture = stored[0]
    assert capture.status not in (200, 401)  # nothing was answered: the client had gone
    assert "disconnect" in (capture.reason or "")
    await assert_alive(engine, workspace)


async def test_broken_chunked_body_row_does_not_claim_a_200(workspace, engine_factory):
    """uvicorn answers 400 to a chunk header that is not hex; the row must not say 200."""
    engine = await engine_factory()
    raw = b"POST /badchunk HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n"
    reply = await exchange(port_of(engine), raw)
    assert reply.status == 400 and reply.capture_id is None
    for capture in workspace.store.list_captures(path="/badchunk"):
        assert capture.status == reply.status or capture.status is None
    await assert_alive(engine, workspace)


# -- paths -----------------------------------------------------------------------------------------
async def test_percent_encoded_garbage_in_paths_is_stored(workspace, engine_factory):
    engine = await engine_factory()
    port = port_of(engine)
    targets = [
        "/%ff%fe%00/x?q=%zz&%00=%",
        "/%c3%28/%e2%82?%ff",
        "/%%%/%2e%2e/%2e%2e/etc/passwd",
        "/" + "%41" * 10_000,
        "/..;/a//b/./c?" + "&".join(["x"] * 2000),
    ]
    replies = await asyncio.gather(*(exchange(port, request("POST", t, [], b"{}")) for t in targets))
    for target, reply in zip(targets, replies, strict=True):
        assert reply.status == 200, (target, reply)
        stored = workspace.store.get_capture(reply.capture_id)
        assert stored.query == target.partition("?")[2]  # the query is kept as sent
        assert stored.body == b"{}"
    assert_recorded(workspace, replies)
    await assert_alive(engine, workspace)


async def test_path_is_captured_as_sent(workspace, engine_factory):
    engine = await engine_factory()
    target = "/hooks/a%2Fb%20c/%ff"
    reply = await exchange(port_of(engine), request("POST", target, [], b"{}"))
    assert reply.status == 200
    assert workspace.store.get_capture(reply.capture_id).path == target


@pytest.mark.parametrize(
    "raw",
    [
        b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST http://example.com/x?y=1 HTTP/1.1\r\nHost: example.com\r\nContent-Length: 2\r\n\r\n{}",
    ],
    ids=["asterisk-form", "absolute-form"],
)
async def test_every_request_target_form_is_captured(workspace, engine_factory, raw):
    """Valid HTTP/1.1 request targets that are not origin-form are requests too: captured, answered."""
    engine = await engine_factory()
    reply = await exchange(port_of(engine), raw)
    assert reply.status == 200 and reply.capture_id is not None, reply
    assert_recorded(workspace, [reply])


# -- floods ----------------------------------------------------------------------------------------
async def test_flood_of_200_connections_each_stored_and_verified(workspace, engine_factory):
    engine = await engine_factory()
    port = port_of(engine)
    secret = workspace.receiver_secrets().current
    replies = await asyncio.gather(*(exchange(port, signed(secret, i), timeout=60) for i in range(200)))
    assert [r.status for r in replies] == [200] * 200, [r for r in replies if r.status != 200][:3]
    ids = {r.capture_id for r in replies}
    assert len(ids) == 200
    assert_recorded(workspace, replies)
    assert workspace.store.count_captures(verified=True) == 200
    await assert_alive(engine, workspace)


async def test_200_half_open_connections_do_not_block_a_normal_request(workspace, engine_factory):
    """Connections that send half a request head and wait (a slowloris) while a real request comes."""
    engine = await engine_factory()
    port = port_of(engine)
    loop = asyncio.get_running_loop()
    idle = [await open_raw(port) for _ in range(200)]
    try:
        for n, sock in enumerate(idle):
            await loop.sock_sendall(sock, b"POST /slow HTTP/1.1\r\nHost: x\r\nX-Part: " + b"a" * n)
        await assert_alive(engine, workspace)
        secret = workspace.receiver_secrets().current
        replies = await asyncio.gather(*(exchange(port, signed(secret, i)) for i in range(20)))
        assert [r.status for r in replies] == [200] * 20
        assert_recorded(workspace, replies)
    finally:
        for sock in idle:
            sock.close()
    assert workspace.store.list_captures(path="/slow") == []  # half requests are not requests
    await assert_alive(engine, workspace)


async def test_connections_dropped_at_every_stage_leave_the_server_answering(workspace, engine_factory):
    """Hang up after the request line, mid-header, right after the head, mid-body: over and over."""
    engine = await engine_factory()
    port = port_of(engine)
    loop = asyncio.get_running_loop()
    whole = request("POST", "/drop", [("X-A", "1")], b'{"a":1}')
    cuts = [10, 30, len(whole) - 9, len(whole) - 3]

    async def drop(cut: int) -> None:
        sock = await open_raw(port)
        try:
            await loop.sock_sendall(sock, whole[:cut])
        finally:
            sock.close()

    await asyncio.gather(*(drop(cut) for cut in cuts * 50))
    await assert_alive(engine, workspace)
