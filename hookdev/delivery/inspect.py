"""What an attempt sent and got back, for inspection: the exact body (a fault or a provider format may
have shaped it), and the attempt as a request that export can turn into a curl command. No I/O."""

from __future__ import annotations

from hookdev.delivery.attempt import build_request
from hookdev.delivery.formats import tamper
from hookdev.models import Attempt, Capture, Endpoint, Message
from hookdev.signing.standard import generate_secret


def sent_body(
    message: Message, fault: str | None, endpoint: Endpoint | None = None, at: float | None = None
) -> bytes:
    """The body bytes the attempt carried, made again the way the attempt made them (the body does not
    depend on the secret). Without the endpoint: the message's bytes, tampered under ``tamper``."""
    if endpoint is not None:
        try:
            return build_request(endpoint, message, [generate_secret()], fault, now=at)[1]
        except Exception:  # a format that cannot be rebuilt: the stored bytes below
            pass
    return tamper(message.payload) if fault == "tamper" else message.payload


def as_request(attempt: Attempt, message: Message, endpoint: Endpoint | None = None) -> Capture:
    """The attempt's request as a capture-shaped value (path empty: the endpoint URL is the whole target).

    Its headers are what the attempt log stored, Authorization already redacted."""
    body = sent_body(message, attempt.fault or message.fault, endpoint, attempt.started_at)
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
