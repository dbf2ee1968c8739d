"""The receiver end to end: a real uvicorn server on a free port, real SQLite, requests from httpx
signed by the independent `svix` and `standardwebhooks` packages."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime

import httpx
import pytest
from standardwebhooks import Webhook as StandardWebhook
from svix.webhooks import Webhook as SvixWebhook

from hookdev.presentation import capture_json
from hookdev.signing.standard import sign_headers
from tests.conftest import wait_for

BODY = b'{"type": "code.scanned", "timestamp": "2026-11-28T10:00:00Z", "data": {"code_id": "qr_1"}}'


def svix_headers(secret: str, body: bytes, msg_id: str = "msg_test1") -> dict[str, str]:
    now = datetime.now(tz=UTC)
    signature = SvixWebhook(secret).sign(msg_id, now, body.decode())
    return {
        "svix-id": msg_id,
        "svix-timestamp": str(int(now.timestamp())),
        "svix-signature": signature,
        "content-type": "application/json",
    }


async def test_svix_signed_request_is_verified_and_stored(workspace, engine_factory):
    engine = await engine_factory()
    secret = workspace.receiver_secrets().current
    async with httpx.AsyncClient() as client:
        r = await client.post(
            engine.url + "/hooks/flowcode?x=1", content=BODY, headers=svix_headers(secret, BODY)
        )
    assert r.status_code == 200
    answer = r.json()
    assert answer["received"] is True
    stored = workspace.store.get_capture(answer["id"])
    assert stored is not None
    assert stored.verified is True and stored.reason is None
    assert stored.scheme == "standard"
    assert stored.webhook_id == "msg_test1"
    assert stored.event_type == "code.scanned"
    assert stored.body == BODY
    assert (stored.path, stored.query, stored.method) == ("/hooks/flowcode", "x=1", "POST")
    assert stored.matched_secret == "receiver secret (current)"


async def test_tampered_body_gets_401_with_reason(workspace, engine_factory):
    engine = await engine_factory()
    headers = svix_headers(workspace.receiver_secrets().current, BODY)
    async with httpx.AsyncClient() as client:
        r = await client.post(engine.url + "/", content=BODY.replace(b"qr_1", b"qr_2"), headers=headers)
    assert r.status_code == 401
    answer = r.json()
    assert answer["received"] is True
    assert answer["error"] == "no signature matched any of 1 active secret"
    stored = workspace.store.get_capture(answer["id"])
    assert stored.verified is False and stored.reason == answer["error"]


async def test_standardwebhooks_signature_with_extra_secret(workspace, engine_factory):
    other = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    engine = await engine_factory(secrets=[other])
    now = datetime.now(tz=UTC)
    sig = StandardWebhook(other).sign("msg_x", now, BODY.decode())
    headers = {
        "webhook-id": "msg_x",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": sig,
    }
    async with httpx.AsyncClient() as client:
        r = await client.post(engine.url + "/", content=BODY, headers=headers)
    assert r.status_code == 200
    assert workspace.store.get_capture(r.json()["id"]).matched_secret == "--secret #1"


async def test_unsigned_request_is_accepted_and_any_method_and_path(workspace, engine_factory):
    engine = await engine_factory()
    async with httpx.AsyncClient() as client:
        for method in ("GET", "PUT", "DELETE", "PATCH", "OPTIONS"):
            r = await client.request(method, engine.url + f"/deep/path/{method.lower()}")
            assert r.status_code == 200, method
            stored = workspace.store.get_capture(r.json()["id"])
            assert stored.method == method and stored.verified is None


async def test_accept_invalid_answers_200(workspace, engine_factory):
    engine = await engine_factory(accept_invalid=True)
    headers = {"webhook-id": "m", "webhook-timestamp": str(int(time.time())), "webhook-signature": "v1,AAAA"}
    async with httpx.AsyncClient() as client:
        r = await client.post(engine.url + "/", content=b"{}", headers=headers)
    assert r.status_code == 200
    assert workspace.store.get_capture(r.json()["id"]).verified is False


async def test_non_utf8_body_is_stored_byte_exact_and_verifies(workspace, engine_factory):
    engine = await engine_factory()
    body = b'{ "a" :\t1 }\r\n\xff\xfe\x00'
    headers = sign_headers([workspace.receiver_secrets().current], "msg_bin", int(time.time()), body)
    async with httpx.AsyncClient() as client:
        r = await client.post(engine.url + "/", content=body, headers=headers)
    assert r.status_code == 200
    stored = workspace.store.get_capture(r.json()["id"])
    assert stored.body == body and stored.verified is True and stored.event_type is None


async def test_oversized_body_gets_413_and_is_recorded(workspace, engine_factory):
    engine = await engine_factory(max_body=1024)
    async with httpx.AsyncClient() as client:
        r = await client.post(engine.url + "/big", content=b"x" * 5000)
    assert r.status_code == 413
    stored = workspace.store.get_capture(r.json()["id"])
    assert stored.truncated is True
    assert stored.body_size == 5000
    assert len(stored.body) == 1024
    assert stored.status == 413


async def test_authorization_is_redacted_in_json_but_kept_for_forwarding(workspace, engine_factory):
    engine = await engine_factory()
    async with httpx.AsyncClient() as client:
        r = await client.post(
            engine.url + "/", content=b"{}", headers={"Authorization": "Bearer s3cr3t-token"}
        )
    stored = workspace.store.get_capture(r.json()["id"])
    assert ("authorization", "Bearer s3cr3t-token") in stored.headers
    rendered = json.dumps(capture_json(stored))
    assert "s3cr3t" not in rendered
    assert capture_json(stored)["headers"]["authorization"] == "Bearer ••••"


async def test_every_2xx_is_a_row_under_concurrency(workspace, engine_factory):
    engine = await engine_factory()
    secret = workspace.receiver_secrets().current

    async def one(client: httpx.AsyncClient, i: int) -> str:
        body = json.dumps({"type": "code.scanned", "i": i}).encode()
        r = await client.post(
            engine.url + "/", content=body, headers=sign_headers([secret], f"msg_{i}", int(time.time()), body)
        )
        assert r.status_code == 200
        return r.json()["id"]

    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=32)) as client:
        ids = await asyncio.gather(*(one(client, i) for i in range(300)))
    assert len(set(ids)) == 300
    assert workspace.store.count_captures() == 300
    assert all(workspace.store.get_capture(i) is not None for i in ids)
    assert workspace.store.count_captures(verified=True) == 300


@pytest.mark.parametrize(
    ("respond", "expected"),
    [
        ("fail:2:503", [503, 503, 200, 200]),
        ("status:418", [418, 418, 418]),
        ("gone", [410, 410]),
        ("throttle:7", [429]),
    ],
)
async def test_answer_modes(workspace, engine_factory, respond, expected):
    from hookdev.receiver import parse_respond

    engine = await engine_factory(respond=parse_respond(respond))
    got = []
    async with httpx.AsyncClient() as client:
        for _ in expected:
            r = await client.post(engine.url + "/", content=b"{}")
            got.append(r.status_code)
            if r.status_code == 429:
                assert r.headers["retry-after"] == "7"
    assert got == expected
    assert [c.status for c in reversed(workspace.store.list_captures())] == expected


async def test_delay_mode_still_stores_first(workspace, engine_factory):
    from hookdev.receiver import RespondPolicy

    engine = await engine_factory(respond=RespondPolicy("delay", delay=0.3))
    async with httpx.AsyncClient() as client:
        task = asyncio.create_task(client.post(engine.url + "/", content=b"{}"))
        await wait_for(lambda: workspace.store.count_captures() == 1)
        r = await task
    assert r.status_code == 200


def test_parse_respond_rejects_bad_modes():
    from hookdev.receiver import parse_respond

    for bad in ("fail", "status:99", "status:abc", "delay:-1", "nope", "fail:-2", "gone:3"):
        with pytest.raises(ValueError, match="invalid answer mode"):
            parse_respond(bad)
    assert parse_respond("fail:3").count == 3
    assert parse_respond("throttle").retry_after == 30


async def test_rotated_receiver_secret_keeps_old_one_during_grace(workspace, engine_factory):
    engine = await engine_factory()
    old = workspace.receiver_secrets().current
    workspace.rotate_receiver_secret(grace=3600)
    engine.secret_source.refresh()
    async with httpx.AsyncClient() as client:
        r = await client.post(engine.url + "/", content=BODY, headers=svix_headers(old, BODY))
    assert r.status_code == 200
    assert workspace.store.get_capture(r.json()["id"]).matched_secret == "receiver secret (previous #1)"
