"""``hookdev_receiver``: test code that SENDS webhooks against a live hookdev receiver."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import httpx
from standardwebhooks.webhooks import Webhook


def notify(url: str, secret: str, event: dict) -> int:
    """The code under test: a tiny webhook sender (Standard Webhooks, with the reference library)."""
    body = json.dumps(event)
    msg_id = f"msg_{time.time_ns()}"
    now = datetime.now(tz=UTC)  # one reading for the signature and the header (two could straddle a second)
    signature = Webhook(secret).sign(msg_id, now, body)
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    return httpx.post(url, content=body, headers=headers).status_code


def test_our_sender_signs_correctly(hookdev_receiver):
    assert notify(hookdev_receiver.url, hookdev_receiver.secret, {"type": "invoice.paid"}) == 200
    assert notify(hookdev_receiver.url, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", {"type": "x"}) != 200
    good, bad = hookdev_receiver.wait_for(2, timeout=30)
    assert good.verified is True and good.event_type == "invoice.paid"
    assert bad.verified is False and bad.reason
