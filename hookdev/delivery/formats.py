"""How each provider's deliveries look on the wire: the headers an attempt carries, per signature scheme.

The sender speaks five formats, chosen per endpoint (``scheme``):

- ``standard`` (Standard Webhooks / Svix): ``webhook-id``, ``webhook-timestamp``, ``webhook-signature``
  with one ``v1,`` signature per active secret (rotation);
- ``stripe``: ``Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>]`` (one ``v1`` per active secret);
- ``github``: ``X-Hub-Signature-256``, ``X-GitHub-Event``, ``X-GitHub-Delivery`` (no timestamp);
- ``shopify``: ``X-Shopify-Hmac-Sha256``, ``X-Shopify-Topic`` and the shop/webhook headers (no
  timestamp);
- ``slack``: ``X-Slack-Signature: v0=<hex>``, ``X-Slack-Request-Timestamp`` (one signature, so only the
  current secret signs).

Everything here is computed for one attempt at the moment it is made (``now``), never when the message
was created: a timestamp fault is then always a full :data:`FAULT_OFFSET` away from the consumer's clock
(see :func:`fault_timestamp`). Pure: no I/O, the body is signed as the exact bytes given.
"""

from __future__ import annotations

import base64
import hmac
import secrets as _secrets
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from hookdev.signing import github, shopify, slack
from hookdev.signing import standard as std
from hookdev.signing._core import signing_key

SCHEMES = ("standard", "stripe", "github", "shopify", "slack")
DEFAULT_SCHEME = "standard"

#: Seconds a ``stale``/``future`` timestamp is off, from the moment of the attempt. Every verifier's
#: tolerance is 300 s; an hour is so far outside it that no queue, retry, slow proxy or loaded machine
#: between signing and checking can bring the timestamp back inside the window.
FAULT_OFFSET = 3600
FAULT_OFFSET_TEXT = "1 h"

#: Schemes whose signature covers a timestamp (so ``stale``/``future`` mean something).
TIMESTAMP_SCHEMES = frozenset({"standard", "stripe", "slack"})
#: Schemes whose header carries several signatures, so a rotation signs with old and new secrets.
MULTI_SIGNATURE_SCHEMES = frozenset({"standard", "stripe"})

#: Header names each scheme's signature lives in (what the ``no-signature`` fault removes).
SIGNATURE_HEADERS: dict[str, tuple[str, ...]] = {
    "standard": ("webhook-signature",),
    "stripe": ("Stripe-Signature",),
    "github": ("X-Hub-Signature-256",),
    "shopify": ("X-Shopify-Hmac-Sha256",),
    "slack": ("X-Slack-Signature",),
}

#: How a scheme names the event type on the wire, for people (the README and --help say it too).
SCHEME_HELP: dict[str, str] = {
    "standard": "Standard Webhooks (webhook-id/-timestamp/-signature, as Svix signs)",
    "stripe": "Stripe-Signature: t=...,v1=...",
    "github": "X-Hub-Signature-256 with X-GitHub-Event / X-GitHub-Delivery",
    "shopify": "X-Shopify-Hmac-Sha256 with X-Shopify-Topic and the shop headers",
    "slack": "X-Slack-Signature with X-Slack-Request-Timestamp",
}

#: Variations a consumer must ACCEPT (used by `hookdev check`, never by --fault): which schemes allow them.
VARIANTS: dict[str, frozenset[str]] = {
    "rotation": frozenset({"standard", "stripe"}),  # two signatures, an unknown one first
    "unknown-version": frozenset({"standard", "stripe"}),  # a signature version nobody knows, beside v1
    "svix-headers": frozenset({"standard"}),  # svix-* header names instead of webhook-*
}

SHOPIFY_SHOP = "hookdev-test.myshopify.com"
SHOPIFY_API_VERSION = "2025-01"
_DELIVERY_NAMESPACE = uuid.UUID("6c1f0d2e-8f4b-4a51-9d8e-0d6f6b3c9a11")


class SchemeError(ValueError):
    """A scheme or a fault that does not apply to a scheme; the message says why, in one line."""


def check_scheme(scheme: str) -> str:
    """The scheme name, lowercased and checked."""
    name = scheme.strip().lower()
    if name not in SCHEMES:
        raise SchemeError(f"unknown scheme {scheme!r}; known: {', '.join(SCHEMES)}")
    return name


def fault_applies(scheme: str, fault: str | None) -> str | None:
    """None when ``fault`` can be delivered in ``scheme``'s terms, else the reason it cannot."""
    if fault in ("stale", "future") and scheme not in TIMESTAMP_SCHEMES:
        return (
            f"the {scheme} scheme signs no timestamp, so --fault {fault} cannot be expressed in it "
            "(a replay of an old delivery is indistinguishable from a new one)"
        )
    return None


def fault_timestamp(fault: str | None, now: float) -> tuple[int, str | None]:
    """The timestamp an attempt made at ``now`` carries, and the attempt-log note of a timestamp fault."""
    timestamp = int(now)
    if fault == "stale":
        return timestamp - FAULT_OFFSET, f"timestamp {FAULT_OFFSET_TEXT} behind"
    if fault == "future":
        return timestamp + FAULT_OFFSET, f"timestamp {FAULT_OFFSET_TEXT} ahead"
    return timestamp, None


def delivery_uuid(message_id: str) -> str:
    """A stable UUID for a message (GitHub's X-GitHub-Delivery, Shopify's webhook id): the same on
    every retry of the message, as the providers do."""
    return str(uuid.uuid5(_DELIVERY_NAMESPACE, message_id))


def random_secret(scheme: str) -> str:
    """A secret in the shape the provider hands out (every one is also a fine HMAC key)."""
    if scheme == "standard":
        return std.generate_secret()
    if scheme == "stripe":
        return "whsec_" + _secrets.token_urlsafe(24).replace("-", "a").replace("_", "b")
    return _secrets.token_hex(16)  # GitHub, Shopify, Slack: a hex string like Slack's signing secrets


@dataclass(frozen=True)
class Signed:
    """What one attempt sends: the signing headers (in order), the body, and the attempt-log note."""

    headers: list[tuple[str, str]]
    body: bytes
    note: str | None = None


def tamper(body: bytes) -> bytes:
    """A body that is still JSON (when it was an object) but not the bytes that were signed."""
    stripped = body.lstrip()
    if stripped.startswith(b"{"):
        rest = stripped[1:].lstrip()
        return b'{"tampered":true' + (b"}" + rest[1:] if rest.startswith(b"}") else b"," + rest)
    return body + b" "


def build(
    scheme: str,
    secrets: Sequence[str],
    *,
    message_id: str,
    event_type: str,
    body: bytes,
    fault: str | None = None,
    variant: str | None = None,
    now: float | None = None,
    attempt_number: int = 1,
) -> Signed:
    """The headers and body of one attempt, signed as ``scheme``'s provider signs, at ``now``.

    ``fault`` bends one thing (see :data:`hookdev.delivery.FAULTS`); ``variant`` is one of
    :data:`VARIANTS` (valid deliveries in an unusual form). Raises :class:`SchemeError` for a fault or
    variant the scheme cannot express, and ``SecretError`` for a secret that cannot sign.
    """
    problem = fault_applies(scheme, fault)
    if problem is not None:
        raise SchemeError(problem)
    if variant is not None and scheme not in VARIANTS.get(variant, frozenset()):
        raise SchemeError(f"the {variant} variant does not apply to the {scheme} scheme")
    moment = time.time() if now is None else now
    timestamp, note = fault_timestamp(fault, moment)
    signing = [random_secret(scheme)] if fault == "wrong-secret" else list(secrets)
    if not signing:
        raise std.SecretError("no secret to sign with")
    if scheme == "standard":
        headers = _standard(signing, message_id, timestamp, body, variant)
    elif scheme == "stripe":
        headers = _stripe(signing, timestamp, body, variant)
    elif scheme == "github":
        headers = [
            ("X-GitHub-Event", event_type),
            ("X-GitHub-Delivery", delivery_uuid(message_id)),
            ("X-GitHub-Hook-ID", "1"),
            ("X-Hub-Signature-256", github.sign(signing[0], body)),
        ]
    elif scheme == "shopify":
        headers = [
            ("X-Shopify-Topic", event_type),
            ("X-Shopify-Hmac-Sha256", shopify.sign(signing[0], body)),
            ("X-Shopify-Shop-Domain", SHOPIFY_SHOP),
            ("X-Shopify-API-Version", SHOPIFY_API_VERSION),
            ("X-Shopify-Webhook-Id", delivery_uuid(message_id)),
            ("X-Shopify-Event-Id", delivery_uuid("event:" + message_id)),
            ("X-Shopify-Triggered-At", _iso(moment)),
        ]
    elif scheme == "slack":
        headers = [
            ("X-Slack-Request-Timestamp", str(timestamp)),
            ("X-Slack-Signature", slack.sign(signing[0], timestamp, body)),
        ]
        if attempt_number > 1:  # Slack says which retry this is
            headers += [
                ("X-Slack-Retry-Num", str(attempt_number - 1)),
                ("X-Slack-Retry-Reason", "http_error"),
            ]
    else:
        raise SchemeError(f"unknown scheme {scheme!r}; known: {', '.join(SCHEMES)}")
    if fault == "no-signature":
        drop = {h.lower() for h in SIGNATURE_HEADERS[scheme]} | {"svix-signature"}
        headers = [(k, v) for k, v in headers if k.lower() not in drop]
    if fault == "tamper":
        body = tamper(body)
    return Signed(headers, body, note)


def content_type(scheme: str) -> str:
    """The Content-Type the provider sends JSON with."""
    return "application/json; charset=utf-8" if scheme == "stripe" else "application/json"


def _standard(
    secrets: Sequence[str], message_id: str, timestamp: int, body: bytes, variant: str | None
) -> list[tuple[str, str]]:
    signatures = std.signature_header(secrets, message_id, timestamp, body)
    if variant == "rotation":  # an old secret the consumer no longer has signs first
        signatures = std.sign(std.generate_secret(), message_id, timestamp, body) + " " + signatures
    elif variant == "unknown-version":  # a version from the future sits next to the v1 it can check
        fake = base64.b64encode(_secrets.token_bytes(32)).decode("ascii")
        signatures = f"v2,{fake} " + signatures
    prefix = "svix" if variant == "svix-headers" else "webhook"
    return [
        (f"{prefix}-id", message_id),
        (f"{prefix}-timestamp", str(timestamp)),
        (f"{prefix}-signature", signatures),
    ]


def _stripe(
    secrets: Sequence[str], timestamp: int, body: bytes, variant: str | None
) -> list[tuple[str, str]]:
    content = f"{timestamp}.".encode() + body
    v1 = [
        "v1=" + hmac.digest(stripe_key(s), content, "sha256").hex() for s in secrets
    ]  # Stripe signs with every active secret during a roll
    items = [f"t={timestamp}"]
    if variant == "rotation":
        items.append("v1=" + hmac.digest(_secrets.token_bytes(32), content, "sha256").hex())
    elif variant == "unknown-version":
        items.append("v2=" + _secrets.token_hex(32))
    return [("Stripe-Signature", ",".join(items + v1))]


def stripe_key(secret: str) -> bytes:
    """Stripe keys the HMAC with the whole secret text (``whsec_`` included); SecretError if unusable."""
    return signing_key(secret)


def _iso(moment: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + f".{int(moment % 1 * 1000):03d}Z"
