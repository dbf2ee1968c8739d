"""Forwarding never holds an unbounded answer, and every failure is a status with a reason (issue 10).

A real Engine forwards to a real app (uvicorn on a free port) that streams forever, trickles, or
answers with its own Date and Server headers.
"""

from __future__ import annotations

import asyncio
import socket

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from tests.integration.test_forward import serve


def app() -> Starlette:
    async def forever(request: Request) -> Response:
        async def chunks():
            block = b"x" * 65536
            while True:
                yield block
                await asyncio.sleep(0)

        return StreamingResponse(chunks(), media_type="application/octet-stream")

    async def trickle(request: Request) -> Response:
        async def chunks():
            while True:
                yield b"."
                await asyncio.sleep(0.05)

        return StreamingResponse(chunks())

    async def echo(request: Request) -> Response:
        return Response(repr(request.headers.raw).encode())  # its uvicorn adds Date and Server

    return Starlette(
        routes=[
            Route("/forever", forever, methods=["POST"]),
            Route("/trickle", trickle, methods=["POST"]),
            Route("/{rest:path}", echo, methods=["POST"]),
        ]
    )


def raw_headers(port: int, path: str, extra: bytes = b"") -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(
            f"POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n".encode()
            + extra
            + b"\r\n{}"
        )
        buf = b""
        while chunk := s.recv(65536):
            buf += chunk
    return buf


async def test_an_app_that_streams_forever_gets_a_502_and_a_reason(workspace, engine_factory):
    async with serve(app()) as base:
        engine = await engine_factory(forward_to=base)
        engine.change(max_response=256 * 1024)
        async with httpx.AsyncClient(timeout=30) as client:
            r = await client.post(engine.url + "/forever", content=b"{}")
    assert r.status_code == 502
    assert "over the 262144 byte limit (--max-response)" in r.json()["error"]
    stored = workspace.store.get_capture(workspace.store.list_captures(limit=1)[0].id)
    assert stored.status == 502 and stored.forward_status is None
    assert "--max-response" in stored.forward_error
    assert len(stored.response_body) < 1024  # the reason, not the stream


async def test_forward_timeout_covers_the_whole_answer(workspace, engine_factory):
    """Headers come at once, then a byte every 50 ms forever: 504 when the timeout ends."""
    async with serve(app()) as base:
        engine = await engine_factory(forward_to=base, forward_timeout=1.0)
        async with httpx.AsyncClient(timeout=30) as client:
            r = await client.post(engine.url + "/trickle", content=b"{}")
    assert r.status_code == 504
    stored = workspace.store.list_captures(limit=1)[0]
    assert stored.status == 504 and "did not answer within 1 s" in stored.forward_error


async def test_forwarded_answers_carry_the_apps_date_and_server_once(workspace, engine_factory):
    async with serve(app()) as base:
        engine = await engine_factory(forward_to=base)
        port = int(engine.url.rsplit(":", 1)[1])
        answer = await asyncio.to_thread(raw_headers, port, "/hooks", b"X-Bin: \xff\xfe\r\n")
        head = answer.partition(b"\r\n\r\n")[0].lower().split(b"\r\n")
        dates = [h for h in head if h.startswith(b"date:")]
        servers = [h for h in head if h.startswith(b"server:")]
        assert len(dates) == 1, head
        assert servers == [b"server: uvicorn"], head  # the app's
        # the app got the captured header bytes exactly (they are not ASCII)
        assert b"(b'x-bin', b'\\xff\\xfe')" in answer
    # the receiver's own answers: one Date, one Server
    engine.set_forwarding(None)
    own = await asyncio.to_thread(raw_headers, port, "/own")
    head = own.partition(b"\r\n\r\n")[0].lower().split(b"\r\n")
    assert len([h for h in head if h.startswith(b"date:")]) == 1
    assert [h for h in head if h.startswith(b"server:")] == [b"server: hookdev"]


async def test_a_failure_to_record_the_answer_still_answers_the_caller(workspace, engine_factory):
    """The capture's update fails (a real SQLite trigger): the caller still gets the app's answer,
    never a bare 500 from the server."""
    async with serve(app()) as base:
        engine = await engine_factory(forward_to=base)
        workspace.store.conn.execute(
            "CREATE TRIGGER no_update BEFORE UPDATE ON captures BEGIN SELECT RAISE(ABORT, 'read-only'); END"
        )
        async with httpx.AsyncClient(timeout=30) as client:
            r = await client.post(engine.url + "/hooks", content=b"{}")
    assert r.status_code == 200 and r.headers["server"] == "uvicorn"  # the app's answer
