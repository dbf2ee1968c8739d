"""Timestamp faults cannot decay into validity (issue 17).

A ``stale``/``future`` delivery is signed at the moment of each attempt, an hour off. These tests put
2 s between signing and verification (a consumer that waits before it checks, as behind a slow proxy
or on a loaded machine) and check that the providers' own libraries still refuse the faulty deliveries
while the same delay leaves a correct delivery valid. A 301 s offset would fail the ``future`` case: 2 s
later it is 299 s ahead, inside the 300 s tolerance.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hookdev.delivery import attempt as attempt_mod
from hookdev.delivery.clock import VirtualClock
from hookdev.models import Endpoint, Message
from hookdev.sender import Sender
from tests.integration.sender_support import deliver
from tests.support.live import serve
from tests.support.verifiers import Verify, official

DELAY = 2.0


class Delayed:
    """A consumer that verifies DELAY seconds after the request arrived, with an official library."""

    def __init__(self, verify: Verify) -> None:
        self.verify = verify
        self.seen: list[dict[str, Any]] = []
        self.app = Starlette(routes=[Route("/hooks", self.handle, methods=["POST"])])

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        await asyncio.sleep(DELAY)
        ok = self.verify(body, headers)
        self.seen.append({"ok": ok, "headers": headers, "checked_at": time.time()})
        return Response(status_code=204 if ok else 400)

    def by_id(self, header: str) -> dict[str, dict[str, Any]]:
        return {s["headers"][header]: s for s in self.seen}


async def test_svix_refuses_stale_and_future_two_seconds_after_signing(workspace: Any) -> None:
    sender = Sender(workspace)
    secret_holder: list[str] = []
    consumer = Delayed(lambda body, headers: official("standard", secret_holder[0])(body, headers))
    async with serve(consumer.app) as url:
        endpoint = sender.add_endpoint(url)
        assert endpoint.secret is not None
        secret_holder.append(endpoint.secret)
        ids = {
            fault: sender.send("code.scanned", endpoints=[endpoint.id], fault=fault).messages[0].id
            for fault in ("stale", "future", None)
        }
        await deliver(workspace, message_ids=set(ids.values()), first_attempts_only=True)
    seen = consumer.by_id("webhook-id")
    assert seen[ids[None]]["ok"] is True  # the delay alone does not spoil a good delivery
    for fault in ("stale", "future"):
        s = seen[ids[fault]]
        assert s["ok"] is False, f"svix accepted a --fault {fault} delivery {DELAY} s after signing"
        skew = int(s["headers"]["webhook-timestamp"]) - s["checked_at"]
        assert abs(skew) > 3590 and (skew > 0) == (fault == "future")


async def test_a_retry_of_a_future_message_is_signed_anew_and_still_refused(workspace: Any) -> None:
    sender = Sender(workspace)
    consumer = Delayed(lambda body, headers: False)
    consumer_secret: list[str] = []
    consumer.verify = lambda body, headers: official("standard", consumer_secret[0])(body, headers)
    answers = iter([400, 410])  # refuse, then 410 Gone stops the retries after attempt 2

    async def quick(request: Request) -> Response:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        consumer.seen.append(
            {"ok": consumer.verify(body, headers), "headers": headers, "checked_at": time.time()}
        )
        return Response(status_code=next(answers))

    app = Starlette(routes=[Route("/hooks", quick, methods=["POST"])])
    async with serve(app) as url:
        endpoint = sender.add_endpoint(url)
        assert endpoint.secret is not None
        consumer_secret.append(endpoint.secret)
        message = sender.send("code.scanned", endpoints=[endpoint.id], fault="future").messages[0]
        await deliver(workspace, clock=VirtualClock(), message_ids={message.id})
    assert [s["ok"] for s in consumer.seen] == [False, False]
    for s in consumer.seen:
        assert int(s["headers"]["webhook-timestamp"]) - s["checked_at"] > 3590
    attempts = workspace.store.message_attempts([message.id])
    assert [(a.number, a.fault, a.extra.get("fault_note")) for a in attempts] == [
        (1, "future", "timestamp 1 h ahead"),
        (2, "future", "timestamp 1 h ahead"),
    ]


async def test_stripe_and_slack_forms_stay_faulty_two_seconds_after_signing() -> None:
    """Both at once (one 2 s wait): a stale delivery is refused by stripe.Webhook.construct_event and
    slack_sdk; a future one by slack_sdk (Stripe's libraries check only the past: it is still 1 h ahead)."""
    await asyncio.gather(_provider_form("stripe"), _provider_form("slack"))


async def _provider_form(scheme: str) -> None:
    secret = "whsec_" + "k" * 32 if scheme == "stripe" else "8f742231b10e8888abcd99yyyzzz85a5"
    consumer = Delayed(official(scheme, secret))
    header = "stripe-signature" if scheme == "stripe" else "x-slack-signature"
    async with serve(consumer.app) as url, httpx.AsyncClient() as client:
        endpoint = Endpoint(id="ep_t", url=url, secret=secret, scheme=scheme)
        sent: dict[str | None, str] = {}

        async def one(fault: str | None) -> None:
            message = Message(f"msg_{fault}", "code.scanned", b'{"type":"code.scanned"}', time.time())
            outcome = await attempt_mod.send(client, endpoint, message, [secret], fault=fault, timeout=10)
            sent[fault] = dict((k.lower(), v) for k, v in outcome.request_headers)[header]

        await asyncio.gather(one("stale"), one("future"), one(None))
    seen = consumer.by_id(header)
    assert seen[sent[None]]["ok"] is True, scheme
    assert seen[sent["stale"]]["ok"] is False, scheme
    if scheme == "slack":
        assert seen[sent["future"]]["ok"] is False
    else:
        future = seen[sent["future"]]
        ts = int(future["headers"]["stripe-signature"].split(",")[0].removeprefix("t="))
        assert ts - future["checked_at"] > 3590
