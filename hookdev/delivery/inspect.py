"""What an attempt sent and got back, for inspection: the exact body (a ``tamper`` fault changed it),
and the attempt as a request that export can turn into a curl command. Pure: no I/O."""

from __future__ import annotations

from hookdev.delivery.attempt import tamper
from hookdev.models import Attempt, Capture, Message


def sent_body(message: Message, fault: str | None) -> bytes:
    """The body bytes the attempt carried: the message's, or the tampered ones under ``tamper``."""
    return tamper(message.payload) if fault == "tamper" else message.payload


def as_request(attempt: Attempt, message: Message) -> Capture:
    """The attempt's request as a capture-shaped value (path empty: the endpoint URL is the whole target).

    Its headers are what the attempt log stored, Authorization already redacted."""
    body = sent_body(message, attempt.fault or message.fault)
    return Capture(
        id=attempt.id,
        received_at=attempt.started_at or attempt.scheduled_at,
        method="POST",
        path="",
        query="",
        headers=list(attempt.request_headers),
        body=body,
        body_size=len(body),
    )
