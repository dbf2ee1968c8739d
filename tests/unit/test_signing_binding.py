"""A secret belongs to a scheme; verification work per request is bounded (issue 10)."""

from __future__ import annotations

import base64

import pytest

from hookdev.signing import slack, split_secret, standard, stripe, verify
from hookdev.signing._core import MAX_ED25519

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # a Standard Webhooks secret, and a plausible Stripe one
TS = 1_700_000_000
BODY = b'{"id":"evt_1","type":"charge.succeeded"}'
LATER = TS + 3600  # an hour later: far outside Stripe's 300 s tolerance


def stripe_replays() -> dict[str, tuple[dict[str, str], bytes]]:
    """A Stripe signature too old to replay, presented as GitHub and Shopify over "<t>." + body."""
    v1 = stripe.sign(SECRET, TS, BODY).split("v1=")[1]
    content = f"{TS}.".encode() + BODY
    return {
        "github": ({"x-hub-signature-256": "sha256=" + v1}, content),
        "shopify": ({"x-shopify-hmac-sha256": base64.b64encode(bytes.fromhex(v1)).decode()}, content),
    }


def test_the_stripe_signature_itself_is_too_old():
    header = {"stripe-signature": stripe.sign(SECRET, TS, BODY)}
    verdict = verify(header, BODY, [SECRET], now=LATER)
    assert verdict.verified is False and "too old" in verdict.reason


@pytest.mark.parametrize("as_scheme", ["github", "shopify"])
@pytest.mark.parametrize("secret", [SECRET, "stripe:" + SECRET], ids=["bare", "bound-to-stripe"])
def test_an_old_stripe_signature_replayed_as_another_scheme_is_not_valid(as_scheme, secret):
    headers, body = stripe_replays()[as_scheme]
    verdict = verify(headers, body, [secret], now=LATER)
    assert verdict.scheme == as_scheme
    assert verdict.verified is False, verdict
    assert "stripe" in verdict.reason


def test_a_slack_signature_replayed_as_github_is_not_valid():
    key = "8f742231b10e8888abcd99yyyzzz85a5"
    v0 = slack.sign(key, TS, BODY).removeprefix("v0=")
    content = f"v0:{TS}:".encode() + BODY
    verdict = verify({"x-hub-signature-256": "sha256=" + v0}, content, [key], now=LATER)
    assert verdict.verified is False and "slack" in verdict.reason


def test_a_secret_bound_to_a_scheme_verifies_that_scheme_only():
    github_sig = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    github_secret = "It's a Secret to Everybody"
    body = b"Hello, World!"
    headers = {"x-hub-signature-256": github_sig}
    assert verify(headers, body, [github_secret]).verified is True  # bare: today's rules
    bound = verify(headers, body, ["stripe:" + SECRET, "github:" + github_secret])
    assert bound.verified is True and bound.matched_secret == 1  # the index in the list as given
    wrong = verify(headers, body, ["stripe:" + github_secret])
    assert wrong.verified is False and "secret 1 is for stripe" in wrong.reason
    # A Standard Webhooks signature with a secret bound to Stripe is not accepted either.
    std = standard.sign_headers([SECRET], "msg_1", TS, BODY)
    assert verify(std, BODY, ["stripe:" + SECRET], now=TS).verified is False
    assert verify(std, BODY, ["standard:" + SECRET], now=TS).verified is True


def test_a_fixed_scheme_binds_bare_secrets_to_it():
    """With --scheme github, a bare secret is a GitHub secret: a body of any shape verifies."""
    from hookdev.signing import github

    body = f"{TS}.".encode() + BODY
    headers = {"x-hub-signature-256": github.sign(SECRET, body)}
    assert verify(headers, body, [SECRET], scheme="github").verified is True
    assert verify(headers, body, ["github:" + SECRET]).verified is True
    assert verify(headers, body, [SECRET]).verified is False  # detected + bare + Stripe-shaped


def test_split_secret():
    assert split_secret("stripe:whsec_x") == ("stripe", "whsec_x")
    assert split_secret("whsec_x") == (None, "whsec_x")
    assert split_secret("not-a-scheme:x") == (None, "not-a-scheme:x")
    assert split_secret("github:") == (None, "github:")


def test_thousands_of_v1a_tokens_are_not_all_verified():
    """2,800 v1a tokens against a whpk_ key: at most MAX_ED25519 ed25519 checks, then a reason."""
    signing, public = standard.generate_keypair()
    fake = "v1a," + base64.b64encode(b"\x01" * 64).decode()
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(TS),
        "webhook-signature": " ".join([fake] * 2800),
    }
    verdict = verify(headers, BODY, [public], now=TS)
    assert verdict.verified is False
    assert f"at most {MAX_ED25519} are tried per request" in verdict.reason
    # ... while a good one among the first few still verifies
    good = standard.sign(signing, "msg_1", TS, BODY)
    headers["webhook-signature"] = " ".join([fake] * 3 + [good] + [fake] * 2800)
    assert verify(headers, BODY, [public], now=TS).verified is True
