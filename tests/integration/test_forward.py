"""Forwarding to a real app on a free port: bytes, headers, answers, and the app down or slow."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import json
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from standardwebhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hookdev.forward import forward, forward_headers, target_url

ODD_BODY = b'{ "a" :\t1 }\r\n\xff\xfe'
SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


class _Server(uvicorn.Server):
    """No signal handling: the test runner owns the signals."""

    @contextlib.contextmanager
    def capture_signals(self):  # type: ignore[override]
        yield


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextlib.asynccontextmanager
async def serve(app: Starlette) -> AsyncIterator[str]:
    sock = _free_socket()
    server = _Server(uvicorn.Config(app, log_config=None, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        deadline = asyncio.get_running_loop().time() + 20
        while not server.started:
            assert not task.done(), "server stopped before it started"
            assert asyncio.get_running_loop().time() < deadline, "server did not start"
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 20)
        sock.close()


def make_app(seen: list[dict], release: asyncio.Event | None = None) -> Starlette:
    async def echo(request: Request) -> Response:
        body = await request.body()
        seen.append(
            {
                "method": request.method,
                "path": request.url.path,
                "raw_path": request.scope["raw_path"],
                "query": request.scope["query_string"],
                "headers": [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.scope["headers"]],
                "body": body,
            }
        )
        return Response(
            content=b"answer:\x00\xff" + body,
            status_code=201,
            headers={"x-app": "yes", "content-type": "application/octet-stream"},
        )

    async def slow(request: Request) -> Response:
        assert release is not None
        await release.wait()
        return Response("late")

    async def verify(request: Request) -> Response:
        body = await request.body()
        try:
            Webhook(SECRET).verify(body, dict(request.headers), json_parse=False)
        except WebhookVerificationError as e:
            return JSONResponse({"verified": False, "error": str(e)}, status_code=400)
        return JSONResponse({"verified": True, "length": len(body)})

    async def redirect(request: Request) -> Response:
        return Response(status_code=302, headers={"location": "/elsewhere"})

    return Starlette(
        routes=[
            Route("/slow", slow, methods=["POST"]),
            Route("/verify", verify, methods=["POST"]),
            Route("/redirect", redirect, methods=["POST"]),
            Route("/{rest:path}", echo, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        ]
    )


async def test_forward_is_byte_exact_and_passes_headers_and_answer() -> None:
    seen: list[dict] = []
    async with serve(make_app(seen)) as base, httpx.AsyncClient() as client:
        url = target_url(base, "/hooks/a%20b", "x=1&y=%FF&x=2")
        incoming = [
            ("Host", "public.example:443"),
            ("Content-Type", "application/json"),
            ("Connection", "keep-alive"),
            ("Transfer-Encoding", "chunked"),
            ("Content-Length", "999"),
            ("X-Dup", "one"),
            ("X-Dup", "two"),
            ("webhook-id", "msg_1"),
        ]
        result = await forward(client, url, "POST", forward_headers(incoming, url), ODD_BODY, timeout=20)

    assert result.error is None, result.error
    assert result.status == 201
    assert result.body == b"answer:\x00\xff" + ODD_BODY
    assert ("x-app", "yes") in result.headers
    assert result.url == url
    assert result.duration_ms > 0

    (got,) = seen
    assert got["body"] == ODD_BODY
    assert got["method"] == "POST"
    assert got["raw_path"] == b"/hooks/a%20b"
    assert got["query"] == b"x=1&y=%FF&x=2"
    names = [name.lower() for name, _ in got["headers"]]
    assert ("host", base.removeprefix("http://")) in got["headers"]
    assert names.count("host") == 1
    assert [v for k, v in got["headers"] if k == "x-dup"] == ["one", "two"]
    assert ("content-length", str(len(ODD_BODY))) in got["headers"]
    assert "transfer-encoding" not in names
    assert "connection" not in names
    # No client default headers sneak in: what the sender sent is what the app sees.
    assert "user-agent" not in names
    assert "accept-encoding" not in names


async def test_forward_without_body_and_other_methods() -> None:
    seen: list[dict] = []
    async with serve(make_app(seen)) as base, httpx.AsyncClient() as client:
        url = target_url(base, "/x", "")
        result = await forward(client, url, "DELETE", forward_headers([], url), b"")
    assert result.status == 201
    assert seen[0]["method"] == "DELETE"
    assert seen[0]["body"] == b""


async def test_redirects_are_returned_not_followed() -> None:
    seen: list[dict] = []
    async with serve(make_app(seen)) as base, httpx.AsyncClient() as client:
        url = base + "/redirect"
        result = await forward(client, url, "POST", forward_headers([], url), b"{}")
    assert result.status == 302
    assert ("location", "/elsewhere") in result.headers
    assert seen == []


async def test_standard_webhooks_signature_still_verifies_at_the_app() -> None:
    text = '{ "type" :\t"invoice.paid",  "amount": 12.50, "name": "Zoë" }\r\n'
    msg_id = "msg_2Lsx7aB"
    now = dt.datetime.now(dt.UTC)
    signature = Webhook(SECRET).sign(msg_id, now, text)
    incoming = [
        ("Host", "hooks.example"),
        ("content-type", "application/json"),
        ("webhook-id", msg_id),
        ("webhook-timestamp", str(int(now.timestamp()))),
        ("webhook-signature", signature),
    ]
    async with serve(make_app([])) as base, httpx.AsyncClient() as client:
        url = base + "/verify"
        result = await forward(client, url, "POST", forward_headers(incoming, url), text.encode())
        assert json.loads(result.body) == {"verified": True, "length": len(text.encode())}
        # The same app says no to a body changed by one byte, so the check above means something.
        tampered = await forward(client, url, "POST", forward_headers(incoming, url), text.encode()[:-1])
        assert tampered.status == 400


async def test_app_down_gives_502_with_an_actionable_error() -> None:
    sock = _free_socket()
    port = sock.getsockname()[1]
    sock.close()  # nothing listens here now
    async with httpx.AsyncClient() as client:
        url = f"http://localhost:{port}/hooks"
        result = await forward(client, url, "POST", forward_headers([], url), b"{}")
    assert result.status == 502
    assert result.error == f"app not reachable at http://localhost:{port}: connection refused"
    assert json.loads(result.body) == {"error": result.error}
    assert ("content-type", "application/json") in result.headers


async def test_slow_app_gives_504() -> None:
    release = asyncio.Event()
    async with serve(make_app([], release)) as base, httpx.AsyncClient() as client:
        url = base + "/slow"
        try:
            result = await forward(client, url, "POST", forward_headers([], url), b"{}", timeout=0.5)
        finally:
            release.set()
    assert result.status == 504
    assert result.error == "app did not answer within 0.5 s"
    assert json.loads(result.body)["error"] == result.error


@pytest.mark.parametrize("url", ["notaurl", "http://exa mple.com/"])
async def test_bad_url_is_a_502_not_an_exception(url: str) -> None:
    async with httpx.AsyncClient() as client:
        result = await forward(client, url, "POST", [], b"")
    assert result.status == 502
    assert result.error
