"""The receiver's fast paths (issue 15, ingest at 0.8x) keep every guarantee of the slow ones.

A real Engine (uvicorn + SQLite) on a free port and raw sockets: the receiver served without a
framework and with pre-encoded answers still answers pipelined requests, a 100 Continue and a HEAD
right, and the connection's single deadline timer still cuts a stalled head after many answers, but
never a connection that keeps sending requests.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time

from hookdev.signing.standard import sign_headers
from tests.integration.test_abuse import assert_alive, open_raw, port_of


def keepalive_request(secret: str, i: int, path: str = "/fast") -> bytes:
    body = json.dumps({"type": "code.scanned", "data": {"i": i}}).encode()
    headers = sign_headers([secret], f"msg_fast_{i}", int(time.time()), body)
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def parse_answers(buf: bytes) -> tuple[list[tuple[int, dict[str, str], bytes]], bytes]:
    """The complete answers at the start of ``buf`` (Content-Length framed), and what is left."""
    answers = []
    while b"\r\n\r\n" in buf:
        head, rest = buf.split(b"\r\n\r\n", 1)
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}
        length = int(headers.get("content-length", "0"))
        if len(rest) < length:
            break
        answers.append((int(status_line.split()[1]), headers, rest[:length]))
        buf = rest[length:]
    return answers, buf


async def read_answers(sock: socket.socket, count: int, timeout: float = 30) -> list:
    loop = asyncio.get_running_loop()
    buf = b""
    answers: list = []
    async with asyncio.timeout(timeout):
        while len(answers) < count:
            chunk = await loop.sock_recv(sock, 65536)
            assert chunk, f"closed after {len(answers)} answers: {buf!r}"
            found, buf = parse_answers(buf + chunk)
            answers += found
    return answers


async def test_pipelined_requests_100_continue_and_head_are_answered_whole(workspace, engine_factory):
    engine = await engine_factory()
    secret = workspace.receiver_secrets().current
    loop = asyncio.get_running_loop()
    sock = await open_raw(port_of(engine))
    try:
        # three requests in one write: three answers, in order, each stored
        await loop.sock_sendall(sock, b"".join(keepalive_request(secret, i, "/pipelined") for i in range(3)))
        answers = await read_answers(sock, 3)
        assert [a[0] for a in answers] == [200, 200, 200]
        ids = [json.loads(a[2])["id"] for a in answers]
        assert [workspace.store.get_capture(i).webhook_id for i in ids] == [f"msg_fast_{i}" for i in range(3)]
        for _, headers, body in answers:  # the pre-encoded answer: what the generic one sent
            assert headers["content-type"] == "application/json" and headers["server"] == "hookdev"
            assert headers["date"].endswith(" GMT") and int(headers["content-length"]) == len(body)
            assert json.loads(body) == {"received": True, "id": json.loads(body)["id"]}
            stored = workspace.store.get_capture(json.loads(body)["id"])
            assert stored.response_body == body and stored.verified is True and stored.status == 200
            assert stored.response_headers == [("content-type", "application/json")]

        # Expect: 100-continue: the interim answer comes before the body is sent (it is not held back)
        body = b'{"type":"code.scanned"}'
        headers = sign_headers([secret], "msg_fast_continue", int(time.time()), body)
        head = (
            "POST /continue HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
            f"Content-Length: {len(body)}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        )
        await loop.sock_sendall(sock, head.encode())
        async with asyncio.timeout(30):
            interim = await loop.sock_recv(sock, 65536)
        assert interim.startswith(b"HTTP/1.1 100 "), interim
        await loop.sock_sendall(sock, body)
        [(status, _, answer)] = await read_answers(sock, 1)
        assert status == 200
        assert workspace.store.get_capture(json.loads(answer)["id"]).body == body

        # HEAD: the head alone, its Content-Length that of the body a GET would have had
        await loop.sock_sendall(sock, b"HEAD /head HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        async with asyncio.timeout(30):
            reply = await loop.sock_recv(sock, 65536)
        assert reply.startswith(b"HTTP/1.1 200 ") and reply.endswith(b"\r\n\r\n"), reply
        [stored] = workspace.store.list_captures(path="/head")
        assert stored.method == "HEAD" and stored.status == 200
    finally:
        sock.close()
    await assert_alive(engine, workspace)


async def test_a_stalled_head_after_many_answers_still_gets_408(workspace, engine_factory):
    """The deadline moves with every answer (one timer per connection); a head that then stalls is
    still cut when its own deadline passes."""
    engine = await engine_factory(head_timeout=0.5)
    secret = workspace.receiver_secrets().current
    loop = asyncio.get_running_loop()
    sock = await open_raw(port_of(engine))
    try:
        for i in range(10):
            await loop.sock_sendall(sock, keepalive_request(secret, i, "/before"))
            [(status, _, _)] = await read_answers(sock, 1)
            assert status == 200
        await loop.sock_sendall(sock, b"POST /stalled HTTP/1.1\r\nHost: x\r\nX-A: b")
        buf = b""
        async with asyncio.timeout(20):
            while chunk := await loop.sock_recv(sock, 65536):  # the server closes: the read ends
                buf += chunk
    finally:
        sock.close()
    assert buf.startswith(b"HTTP/1.1 408 "), buf
    assert engine.server.guard.head_timeouts == 1
    assert workspace.store.list_captures(path="/stalled") == []
    await assert_alive(engine, workspace)


async def test_a_connection_that_keeps_sending_outlives_its_first_deadline(workspace, engine_factory):
    """A request every quarter deadline for 2.5 deadlines: the timer set for the first deadline fires
    (most likely while the connection waits for its next head) after the deadline has moved on, and
    must then sleep again, not cut the connection."""
    engine = await engine_factory(head_timeout=1.0)
    secret = workspace.receiver_secrets().current
    loop = asyncio.get_running_loop()
    sock = await open_raw(port_of(engine))
    started = time.monotonic()
    sent = 0
    try:
        while time.monotonic() - started < 2.5:
            await loop.sock_sendall(sock, keepalive_request(secret, sent, "/busy"))
            [(status, _, _)] = await read_answers(sock, 1)
            assert status == 200
            sent += 1
            await asyncio.sleep(0.25)
    finally:
        sock.close()
    assert engine.server.guard.head_timeouts == 0
    assert workspace.store.count_captures(path="/busy") == sent
