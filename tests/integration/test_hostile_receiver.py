"""Hostile input at the receiver (issue 10): one bad request never costs anyone else's data.

A real Engine (uvicorn + SQLite) on a free port, raw sockets for what httpx would refuse to send.
"""

from __future__ import annotations

import asyncio
import json
import time

from tests.integration.test_abuse import assert_alive, assert_recorded, exchange, port_of, request, signed

LIMIT = 64 * 1024


async def test_content_length_beyond_an_integer_column_gets_413_and_others_are_stored(
    workspace, engine_factory
):
    """A Content-Length of 20 nines (over SQLite's 64-bit INTEGER) with a body over --max-body: 413 and
    recorded, and the requests committed in the same group commit are stored and answered 200."""
    engine = await engine_factory(max_body=LIMIT)
    port = port_of(engine)
    secret = workspace.receiver_secrets().current
    body = b"x" * (LIMIT + 10_000)
    huge = (
        b"POST /huge HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Length: 99999999999999999999\r\n\r\n" + body
    )
    many_digits = (
        b"POST /digits HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: "
        + b"9" * 5000
        + b"\r\n\r\n"
        + body
    )
    normal = [signed(secret, i, path="/neighbour") for i in range(40)]
    replies = await asyncio.gather(*(exchange(port, raw) for raw in [huge, many_digits, *normal]))
    huge_reply, digits_reply, *rest = replies
    assert huge_reply.status == 413, huge_reply
    stored = workspace.store.get_capture(huge_reply.capture_id)
    assert stored is not None and stored.status == 413 and stored.truncated
    assert stored.body == body[:LIMIT]
    assert stored.body_size == 2**63 - 1  # the claim, capped to what the column holds
    assert json.loads(huge_reply.body)["error"] == f"body over the {LIMIT} byte limit"
    # 5,000 digits: h11 refuses the head (400, no row) or we cap it; never a 500
    assert digits_reply.status in (400, 413), digits_reply
    assert [r.status for r in rest] == [200] * 40
    assert_recorded(workspace, replies)
    assert workspace.store.count_captures(path="/neighbour") == 40
    await assert_alive(engine, workspace)


async def test_a_row_that_cannot_be_stored_fails_alone(workspace, engine_factory):
    """One row the database refuses (a real SQLite trigger here) gets a truthful 500 naming the cause;
    the requests committed with it in the same batch are stored and answered 200."""
    engine = await engine_factory()
    workspace.store.conn.execute(
        "CREATE TRIGGER poison BEFORE INSERT ON captures WHEN NEW.path = '/poison'"
        " BEGIN SELECT RAISE(ABORT, 'poisoned row'); END"
    )
    port = port_of(engine)
    secret = workspace.receiver_secrets().current
    raws = [signed(secret, i, path="/ok") for i in range(30)]
    raws.insert(15, request("POST", "/poison", [], b"{}"))
    replies = await asyncio.gather(*(exchange(port, raw) for raw in raws))
    poison = replies.pop(15)
    assert poison.status == 500, poison
    answer = json.loads(poison.body)
    assert answer["received"] is False and "poisoned row" in answer["error"]
    assert workspace.store.get_capture(answer["id"]) is None
    assert [r.status for r in replies] == [200] * 30
    assert_recorded(workspace, replies)
    assert workspace.store.count_captures(path="/ok") == 30
    await assert_alive(engine, workspace)


async def test_a_stripe_signature_replayed_as_github_is_refused_by_the_receiver(workspace, engine_factory):
    """The receiver's own secret is a plausible Stripe secret: an old Stripe signature made with it,
    replayed as X-Hub-Signature-256 over "<t>." + body, must not be accepted."""
    import httpx

    from hookdev.signing import stripe

    engine = await engine_factory()
    secret = workspace.receiver_secrets().current
    ts = int(time.time()) - 3600
    body = b'{"type":"charge.succeeded"}'
    v1 = stripe.sign(secret, ts, body).split("v1=")[1]
    async with httpx.AsyncClient() as client:
        old = await client.post(
            engine.url + "/s", content=body, headers={"stripe-signature": f"t={ts},v1={v1}"}
        )
        replay = await client.post(
            engine.url + "/g",
            content=f"{ts}.".encode() + body,
            headers={"x-hub-signature-256": "sha256=" + v1},
        )
    assert old.status_code == 401
    assert replay.status_code == 401, replay.text
    stored = workspace.store.get_capture(replay.json()["id"])
    assert stored.verified is False and stored.scheme == "github" and "stripe" in stored.reason
