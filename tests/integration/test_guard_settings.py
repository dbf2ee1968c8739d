"""The receiver's connection guard from hookdev.toml (``[receiver] head_timeout / body_timeout /
max_connections``, declared once beside their flags), and its write-progress deadline: a caller that
stops reading a large answer is cut after ``body_timeout``, and what it sent is still stored."""

from __future__ import annotations

import asyncio
import socket
import time

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hookdev.config import parse_config
from hookdev.config.starter import render_starter
from hookdev.engine import Engine
from hookdev.options import build_engine_options
from hookdev.server_guard import GuardLimits
from hookdev.signing.standard import sign_headers
from tests.conftest import wait_for
from tests.integration.test_abuse import open_raw, port_of
from tests.integration.test_slow_clients import read_all
from tests.support.live import serve

FILE = "[receiver]\nhead_timeout = 0.5\nbody_timeout = 7\nmax_connections = 30\n"


async def test_hookdev_toml_sets_the_guard_and_flags_still_win(workspace) -> None:
    config = parse_config(FILE)
    assert (config.receiver.head_timeout, config.receiver.body_timeout) == (0.5, 7.0)
    assert config.receiver.max_connections == 30
    assert build_engine_options({"max_connections": 40}, config).max_connections == 40  # flag > file
    flags = {"port": 0}
    options = build_engine_options(flags, config)
    options.dispatch = False
    options.cli, options.config = flags, config  # as `hookdev listen` does (hookdev/cli/options.py)
    engine = Engine(workspace, options)
    await engine.start()
    try:
        guard = engine.server.guard
        assert guard is not None and guard.limits == GuardLimits(0.5, 7.0, 30)
        sock = await open_raw(port_of(engine))
        try:  # the file's 0.5 s head deadline, not the default 10 s
            await asyncio.get_running_loop().sock_sendall(sock, b"POST /slow HTTP/1.1\r\nHost: x\r\nX-A: b")
            answer = await read_all(sock)
        finally:
            sock.close()
        assert answer.startswith(b"HTTP/1.1 408 ")
        assert engine.server.guard.head_timeouts == 1
        # a live edit of the file is noted, and the running guard keeps its limits
        notes = engine.apply_config(parse_config(FILE.replace("0.5", "2")))
        assert "head_timeout/body_timeout/max_connections changes apply at the next start" in notes
        assert engine.settings.head_timeout == 0.5
    finally:
        await engine.stop()


def test_bad_values_in_the_file_are_one_line_errors_and_the_starter_lists_the_keys() -> None:
    from hookdev.config import ConfigError

    for text, message in (
        ("[receiver]\nbody_timeout = 0\n", "receiver.body_timeout: expected a number > 0, got 0"),
        ("[receiver]\nmax_connections = 0\n", "receiver.max_connections"),
        ("[receiver]\nhead_timout = 1\n", "did you mean 'head_timeout'?"),
    ):
        try:
            parse_config(text)
        except ConfigError as e:
            assert message in str(e.issues[0]), e.issues
        else:
            raise AssertionError(f"accepted {text!r}")
    starter = render_starter()
    for key in ("head_timeout", "body_timeout", "max_connections"):
        assert f"\n{key} = " in starter or f"\n# {key} = " in starter, key


BIG = 9 * 1024 * 1024  # the app's answer, passed back by the receiver (under max_response, 10 MiB)


async def _big(request: Request) -> Response:
    await request.body()
    return Response(b"x" * BIG, media_type="application/octet-stream")


async def test_a_caller_that_stops_reading_a_large_answer_is_cut_and_its_request_is_stored(
    workspace, engine_factory
) -> None:
    app = Starlette(routes=[Route("/hooks", _big, methods=["POST"])])
    async with serve(app) as app_url:
        engine = await engine_factory(forward_to=app_url, body_timeout=0.5)
        secret = workspace.receiver_secrets().current
        body = b'{"type":"code.scanned","data":{"stalled":true}}'
        headers = sign_headers([secret], "msg_no_reader", int(time.time()), body)
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        request = (
            f"POST /hooks HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n{head}\r\n".encode() + body
        )
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a reader that takes almost nothing
        sock.setblocking(False)
        try:
            await loop.sock_connect(sock, ("127.0.0.1", port_of(engine)))
            await loop.sock_sendall(sock, request)
            # never read: the answer piles up on the server until its write deadline cuts the connection
            await wait_for(lambda: engine.server.guard.write_timeouts >= 1, timeout=60)
            got = 0
            async with asyncio.timeout(30):  # cut: the rest of the stream ends short of the whole answer
                while True:
                    try:
                        chunk = await loop.sock_recv(sock, 1 << 20)
                    except ConnectionResetError:
                        break
                    if not chunk:
                        break
                    got += len(chunk)
        finally:
            sock.close()
        assert got < BIG
        assert engine.server.guard.write_timeouts == 1
        [capture] = await wait_for(lambda: workspace.store.list_captures(path="/hooks"))
        assert capture.body == body and capture.verified is True
        async with httpx.AsyncClient(timeout=30) as client:  # a caller that reads gets it all
            r = await client.post(engine.url + "/hooks", content=body, headers=headers)
        assert r.status_code == 200 and len(r.content) == BIG
        assert engine.server.guard.write_timeouts == 1
