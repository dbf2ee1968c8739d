"""The tunnel pieces wired into the engine (what `listen --relay/--forward-to/--tls` run): a public
request through a real relay is captured and verified locally, forwarded to the app, and the app's
answer goes back to the original caller."""

from __future__ import annotations

import json
import stat
import time

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route as StarletteRoute

from hookdev.forward import parse_route
from hookdev.signing.standard import sign_headers
from hookdev.tls import client_verify
from hookdev.tunnel.relay import create_relay_app
from tests.conftest import wait_for
from tests.integration.test_relay import serve

BODY = b'{ "type": "code.scanned",\t"data": {} }\r\n\xff'


def app_recording(received: list[tuple[str, bytes, dict[str, str]]]) -> Starlette:
    async def handler(request: Request) -> Response:
        received.append((request.url.path, await request.body(), dict(request.headers)))
        return Response(b"app says hi", status_code=202, headers={"x-app": "yes"})

    return Starlette(routes=[StarletteRoute("/{path:path}", handler, methods=["POST", "GET"])])


async def test_public_request_through_relay_is_captured_forwarded_and_answered(workspace, engine_factory):
    received: list = []
    async with serve(create_relay_app()) as relay_url, serve(app_recording(received)) as app_url:
        engine = await engine_factory(relay=relay_url, forward_to=app_url)
        await wait_for(lambda: engine.public_url, timeout=30)
        assert engine.public_url.startswith(relay_url + "/c/")
        assert engine.public_url == f"{relay_url}/c/{workspace.store.get_setting('relay_channel')}"
        keys = workspace.home / "relay-keys.json"  # the channel's owner key, private to the workspace
        assert stat.S_IMODE(keys.stat().st_mode) == 0o600
        assert list(json.loads(keys.read_text())) == [
            f"{relay_url} {workspace.store.get_setting('relay_channel')}"
        ]
        headers = sign_headers([workspace.receiver_secrets().current], "msg_pub", int(time.time()), BODY)
        async with httpx.AsyncClient() as client:
            r = await client.post(engine.public_url + "/hooks/in?x=1", content=BODY, headers=headers)
        assert r.status_code == 202 and r.content == b"app says hi" and r.headers["x-app"] == "yes"
        path, body, app_headers = received[0]
        assert path == "/hooks/in" and body == BODY
        assert app_headers["webhook-signature"] == headers["webhook-signature"]
        capture = workspace.store.list_captures(limit=1)[0]
        assert capture.verified is True and capture.body == BODY
        assert capture.forward_status == 202 and capture.status == 202
        assert capture.path == "/hooks/in" and capture.query == "x=1"


async def test_routes_and_app_down(workspace, engine_factory):
    received: list = []
    async with serve(app_recording(received)) as app_url:
        engine = await engine_factory(
            routes=[parse_route(f"/stripe={app_url}/stripe"), parse_route("/down=1")]
        )
        async with httpx.AsyncClient() as client:
            ok = await client.post(engine.url + "/stripe/events", content=b"{}")
            down = await client.post(engine.url + "/down/x", content=b"{}")
            local = await client.post(engine.url + "/other", content=b"{}")
    assert ok.status_code == 202 and received[0][0] == "/stripe/events"
    assert down.status_code == 502
    assert local.status_code == 200 and local.json()["received"] is True
    rows = {c.path: c for c in workspace.store.list_captures()}
    assert "app not reachable" in rows["/down/x"].forward_error
    assert rows["/down/x"].status == 502


async def test_tls_receiver_trusted_through_the_workspace_ca(workspace, engine_factory):
    engine = await engine_factory(tls=True)
    assert engine.url.startswith("https://127.0.0.1:")
    async with httpx.AsyncClient(verify=client_verify(workspace.home)) as client:
        r = await client.post(engine.url + "/", content=b"{}")
    assert r.status_code == 200
    async with httpx.AsyncClient() as untrusting:
        try:
            await untrusting.post(engine.url + "/", content=b"{}")
        except httpx.ConnectError as e:
            assert "CERTIFICATE_VERIFY_FAILED" in str(e)
        else:
            raise AssertionError("an untrusting client must refuse the workspace certificate")


async def test_sender_delivers_over_https_to_the_tls_receiver(workspace, engine_factory):
    engine = await engine_factory(tls=True, dispatch=True)
    assert workspace.store.get_endpoint("ep_local").url == engine.url + "/"
    engine.sender.send("code.scanned")
    capture = await wait_for(lambda: next(iter(workspace.store.list_captures(limit=1)), None), timeout=30)
    assert capture.verified is True and capture.event_type == "code.scanned"
    attempt = await wait_for(
        lambda: next((a for a in workspace.store.list_attempts(limit=5) if a.status == "success"), None),
        timeout=30,
    )
    assert attempt.status_code == 200
