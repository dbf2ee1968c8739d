"""Header names are case-insensitive for every scheme (issue 12: interop details).

Flask's and Django's ``dict(request.headers)`` hand over Title-Case names; they must get the very
verdict lowercase names get -- never ``verified=None`` ("unsigned"), which code checking ``is False``
would let through.
"""

from __future__ import annotations

import time

import pytest

from hookdev import signing
from hookdev.signing import github, shopify, slack, standard, stripe

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BODY = b'{"type":"code.scanned","data":{"id":"qr_1"}}'
NOW = int(time.time())


def signed(scheme: str, body: bytes = BODY) -> dict[str, str]:
    if scheme == "standard":
        return standard.sign_headers([SECRET], "msg_case", NOW, body)
    if scheme == "stripe":
        return {"stripe-signature": stripe.sign(SECRET, NOW, body)}
    if scheme == "github":
        return {"x-hub-signature-256": github.sign(SECRET, body)}
    if scheme == "shopify":
        return {"x-shopify-hmac-sha256": shopify.sign(SECRET, body)}
    if scheme == "slack":
        return {"x-slack-signature": slack.sign(SECRET, NOW, body), "x-slack-request-timestamp": str(NOW)}
    raise AssertionError(scheme)


def title_case(headers: dict[str, str]) -> dict[str, str]:
    return {"-".join(part.capitalize() for part in k.split("-")): v for k, v in headers.items()}


@pytest.mark.parametrize("scheme", signing.SCHEMES)
@pytest.mark.parametrize("tampered", [False, True])
def test_title_case_names_get_the_lowercase_verdict(scheme: str, tampered: bool) -> None:
    headers = signed(scheme)
    body = BODY.replace(b"qr_1", b"qr_2") if tampered else BODY
    lower = signing.verify(headers, body, [SECRET], now=NOW)
    for variant in (title_case(headers), {k.upper(): v for k, v in headers.items()}):
        assert variant != headers
        verdict = signing.verify(variant, body, [SECRET], now=NOW)
        assert verdict == lower
        assert verdict.scheme == scheme and verdict.verified is (not tampered)
        # the scheme's own verifier too, not only the dispatching one
        direct = getattr(signing, scheme).verify(variant, body, [SECRET], now=NOW)
        assert direct.verified is (not tampered)


def test_a_title_case_request_is_never_read_as_unsigned() -> None:
    headers = title_case(signed("standard"))
    assert "Webhook-Signature" in headers
    assert signing.detect_scheme(headers) == "standard"
    assert signing.verify(headers, b"other body", [SECRET], now=NOW).verified is False


def test_unsigned_stays_unsigned_in_any_case() -> None:
    assert signing.verify({"Content-Type": "application/json"}, BODY, [SECRET]).verified is None


def test_shopify_unprefixed_header_is_recognised() -> None:
    value = shopify.sign(SECRET, BODY)
    for name in ("shopify-hmac-sha256", "Shopify-Hmac-Sha256"):
        assert signing.detect_scheme({name: value}) == "shopify"
        assert signing.verify({name: value}, BODY, [SECRET]).verified is True
        bad = signing.verify({name: value}, BODY + b" ", [SECRET])
        assert bad.verified is False and bad.scheme == "shopify"
    broken = signing.verify({"shopify-hmac-sha256": "not base64!"}, BODY, [SECRET])
    assert broken.verified is False and "shopify-hmac-sha256 is not valid base64" in (broken.reason or "")
    # the prefixed header, when present, is the one read
    both = {"x-shopify-hmac-sha256": value, "shopify-hmac-sha256": "junk"}
    assert signing.verify(both, BODY, [SECRET]).verified is True
