"""Cross-checks with the independent implementations: `standardwebhooks` and `svix`.

Their signatures must verify with hookdev, and hookdev's with theirs. Both libraries check the
timestamp against the real clock, so these tests sign with the current time.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
import standardwebhooks
import svix.webhooks
from hypothesis import given, settings
from hypothesis import strategies as st

from hookdev.signing import standard, verify

BODY = b'{"type":"invoice.paid","data":{"id":"in_1","amount":4200,"note":"caf\xc3\xa9"}}'
MSG_ID = "msg_2bTmPNWCAqFKz5tcsoxbzuxkTeW"

LIBRARIES = [
    pytest.param(standardwebhooks.Webhook, "webhook-", id="standardwebhooks"),
    pytest.param(svix.webhooks.Webhook, "svix-", id="svix"),
]


def their_headers(prefix: str, msg_id: str, ts: int, signature: str) -> dict[str, str]:
    return {f"{prefix}id": msg_id, f"{prefix}timestamp": str(ts), f"{prefix}signature": signature}


def their_verify(library: type, secret: str, body: bytes, hdrs: dict[str, str]) -> None:
    instance = library(secret)
    if library is standardwebhooks.Webhook:
        instance.verify(body, hdrs, json_parse=False)
    else:
        instance.verify(body, hdrs)


def as_datetime(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


@pytest.mark.parametrize(("library", "prefix"), LIBRARIES)
class TestTheirsVerifyWithHookdev:
    def test_single_signature(self, library: type, prefix: str) -> None:
        secret = standard.generate_secret()
        ts = int(time.time())
        signature = library(secret).sign(MSG_ID, as_datetime(ts), BODY.decode())
        verdict = verify(their_headers(prefix, MSG_ID, ts, signature), BODY, [secret])
        assert (verdict.verified, verdict.scheme, verdict.matched_secret) == (True, "standard", 0)
        assert verdict.webhook_id == MSG_ID and verdict.timestamp == ts

    def test_rotation_header_from_two_secrets(self, library: type, prefix: str) -> None:
        old, new = standard.generate_secret(), standard.generate_secret()
        ts = int(time.time())
        header = " ".join(library(s).sign(MSG_ID, as_datetime(ts), BODY.decode()) for s in (old, new))
        hdrs = their_headers(prefix, MSG_ID, ts, header)
        assert verify(hdrs, BODY, [old]).matched_secret == 0
        assert verify(hdrs, BODY, [new]).matched_secret == 0
        assert verify(hdrs, BODY, [standard.generate_secret(), new]).matched_secret == 1

    def test_tampered_body_fails_in_both(self, library: type, prefix: str) -> None:
        secret = standard.generate_secret()
        ts = int(time.time())
        signature = library(secret).sign(MSG_ID, as_datetime(ts), BODY.decode())
        hdrs = their_headers(prefix, MSG_ID, ts, signature)
        tampered = BODY.replace(b"4200", b"4201")
        assert verify(hdrs, tampered, [secret]).reason == "no signature matched any of 1 active secret"
        with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
            their_verify(library, secret, tampered, hdrs)


@pytest.mark.parametrize(("library", "prefix"), LIBRARIES)
class TestHookdevVerifiesWithTheirs:
    def test_single_signature(self, library: type, prefix: str) -> None:
        secret = standard.generate_secret()
        ts = int(time.time())
        signature = standard.sign(secret, MSG_ID, ts, BODY)
        assert signature == library(secret).sign(MSG_ID, as_datetime(ts), BODY.decode())
        their_verify(library, secret, BODY, their_headers(prefix, MSG_ID, ts, signature))

    def test_multi_secret_header_each_instance_verifies(self, library: type, prefix: str) -> None:
        secrets = [standard.generate_secret() for _ in range(3)]
        ts = int(time.time())
        hdrs = standard.sign_headers(secrets, MSG_ID, ts, BODY)
        if prefix == "svix-":
            hdrs = {k.replace("webhook-", "svix-"): v for k, v in hdrs.items()}
        for secret in secrets:
            their_verify(library, secret, BODY, hdrs)
        with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
            their_verify(library, standard.generate_secret(), BODY, hdrs)

    def test_bare_base64_secret(self, library: type, prefix: str) -> None:
        secret = standard.generate_secret().removeprefix("whsec_")
        ts = int(time.time())
        hdrs = their_headers(prefix, MSG_ID, ts, standard.sign(secret, MSG_ID, ts, BODY))
        their_verify(library, secret, BODY, hdrs)
        assert verify(hdrs, BODY, ["whsec_" + secret]).verified is True

    def test_unknown_versions_in_our_header_do_not_confuse_them(self, library: type, prefix: str) -> None:
        secret = standard.generate_secret()
        private, _ = standard.generate_keypair()
        ts = int(time.time())
        header = standard.signature_header([private, secret], MSG_ID, ts, BODY)
        their_verify(library, secret, BODY, their_headers(prefix, MSG_ID, ts, header))


@settings(max_examples=40, deadline=None)
@given(
    body=st.text(max_size=300),
    msg_id=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=40),
    nbytes=st.integers(min_value=24, max_value=64),
)
def test_property_both_directions(body: str, msg_id: str, nbytes: int) -> None:
    """Any UTF-8 body (the references cannot take others), any printable id, any spec secret size."""
    secret = standard.generate_secret(nbytes)
    ts = int(time.time())
    raw = body.encode()
    ours = standard.sign(secret, msg_id, ts, raw)
    theirs = standardwebhooks.Webhook(secret).sign(msg_id, as_datetime(ts), body)
    assert ours == theirs
    hdrs = their_headers("webhook-", msg_id, ts, ours)
    standardwebhooks.Webhook(secret).verify(raw, hdrs, json_parse=False)
    assert verify(hdrs, raw, [secret]).verified is True
