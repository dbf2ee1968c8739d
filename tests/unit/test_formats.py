"""Provider formats: every scheme's deliveries verify with the provider's own library (or its documented
check), and every fault is refused by it, in that scheme's terms."""

from __future__ import annotations

import time

import pytest

from hookdev.delivery import formats
from hookdev.delivery.formats import SchemeError, build
from tests.support.verifiers import official

SECRETS = {
    "standard": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "stripe": "whsec_test_abcdefghijklmnopqrstuvwxyz012345",
    "github": "It's a Secret to Everybody",
    "shopify": "shpss_0123456789abcdef0123456789abcdef",
    "slack": "8f742231b10e8888abcd99yyyzzz85a5",
}
BODY = b'{"type":"code.scanned","timestamp":"2026-11-28T10:00:00Z","data":{"code_id":"c_1"}}'


def deliver(scheme: str, secrets: list[str] | None = None, **kw: object) -> tuple[bytes, dict[str, str]]:
    signed = build(
        scheme,
        secrets or [SECRETS[scheme]],
        message_id="msg_2x7Qk",
        event_type="code.scanned",
        body=BODY,
        **kw,  # type: ignore[arg-type]
    )
    return signed.body, dict(signed.headers)


@pytest.mark.parametrize("scheme", formats.SCHEMES)
def test_a_correct_delivery_verifies_with_the_official_check(scheme: str) -> None:
    body, headers = deliver(scheme)
    assert body == BODY
    assert official(scheme, SECRETS[scheme])(body, headers)


@pytest.mark.parametrize("scheme", formats.SCHEMES)
@pytest.mark.parametrize("fault", ["tamper", "wrong-secret", "no-signature", "stale", "future"])
def test_every_fault_is_refused_in_the_schemes_terms(scheme: str, fault: str) -> None:
    if fault in ("stale", "future") and scheme in ("github", "shopify"):
        with pytest.raises(SchemeError, match="signs no timestamp"):
            deliver(scheme, fault=fault)
        return
    body, headers = deliver(scheme, fault=fault)
    accepted = official(scheme, SECRETS[scheme])(body, headers)
    if scheme == "stripe" and fault == "future":
        assert accepted  # Stripe's libraries check the past only: documented, not a hookdev choice
    else:
        assert not accepted


@pytest.mark.parametrize("scheme", ["standard", "stripe", "slack"])
def test_timestamp_faults_are_an_hour_off_the_moment_of_signing(scheme: str) -> None:
    now = time.time()
    for fault, sign in (("stale", -1), ("future", 1)):
        signed = build(
            scheme, [SECRETS[scheme]], message_id="m", event_type="t", body=BODY, fault=fault, now=now
        )
        h = {k.lower(): v for k, v in signed.headers}
        if scheme == "standard":
            raw = h["webhook-timestamp"]
        elif scheme == "stripe":
            raw = h["stripe-signature"].split(",")[0][2:]
        else:
            raw = h["x-slack-request-timestamp"]
        assert int(raw) == int(now) + sign * 3600
        assert signed.note == ("timestamp 1 h ahead" if sign > 0 else "timestamp 1 h behind")


@pytest.mark.parametrize("scheme", ["standard", "stripe"])
def test_rotation_signs_with_every_active_secret(scheme: str) -> None:
    old = formats.random_secret(scheme)
    body, headers = deliver(scheme, secrets=[SECRETS[scheme], old])
    assert official(scheme, SECRETS[scheme])(body, headers)
    assert official(scheme, old)(body, headers)


@pytest.mark.parametrize("scheme,variant", [(s, v) for v, ss in formats.VARIANTS.items() for s in sorted(ss)])
def test_check_variants_are_valid_deliveries(scheme: str, variant: str) -> None:
    body, headers = deliver(scheme, variant=variant)
    assert official(scheme, SECRETS[scheme])(body, headers)
    if variant == "svix-headers":
        assert {"svix-id", "svix-timestamp", "svix-signature"} <= set(headers)
        assert not any(k.startswith("webhook-") for k in headers)


def test_variants_a_scheme_cannot_express_are_refused() -> None:
    with pytest.raises(SchemeError, match="rotation variant does not apply to the github"):
        deliver("github", variant="rotation")


def test_provider_headers() -> None:
    _, gh = deliver("github")
    assert gh["X-GitHub-Event"] == "code.scanned"
    assert gh["X-GitHub-Delivery"] == formats.delivery_uuid("msg_2x7Qk")  # the same on every retry
    assert gh["X-Hub-Signature-256"].startswith("sha256=")
    _, sh = deliver("shopify")
    assert sh["X-Shopify-Topic"] == "code.scanned" and sh["X-Shopify-Shop-Domain"].endswith(".myshopify.com")
    assert sh["X-Shopify-Webhook-Id"] == formats.delivery_uuid("msg_2x7Qk")
    _, sl = deliver("slack", attempt_number=3)
    assert sl["X-Slack-Retry-Num"] == "2" and sl["X-Slack-Retry-Reason"] == "http_error"
    _, st = deliver("stripe")
    assert st["Stripe-Signature"].startswith("t=") and ",v1=" in st["Stripe-Signature"]
    assert formats.content_type("stripe") == "application/json; charset=utf-8"


def test_github_vector_from_the_docs() -> None:
    signed = build(
        "github", ["It's a Secret to Everybody"], message_id="m", event_type="push", body=b"Hello, World!"
    )
    assert dict(signed.headers)["X-Hub-Signature-256"] == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )


def test_unknown_scheme() -> None:
    with pytest.raises(SchemeError, match="unknown scheme 'paypal'; known: standard, stripe"):
        formats.check_scheme("paypal")
    assert formats.check_scheme(" Stripe ") == "stripe"
