"""Stripe, GitHub, Shopify and Slack signatures, and scheme detection and dispatch."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from hookdev.signing import SCHEMES, Verdict, detect_scheme, github, shopify, slack, standard, stripe, verify
from hookdev.signing.standard import SecretError

GITHUB_SECRET = "It's a Secret to Everybody"
GITHUB_BODY = b"Hello, World!"
GITHUB_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SLACK_TS = 1531420618
SLACK_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    b"&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    b"&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
SLACK_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"

STRIPE_SECRET = "whsec_test_5Y2mV8bQ1xR7"
TS = 1_700_000_000
BODY = b'{"id":"evt_1","object":"event","type":"charge.succeeded"}'
BINARY = b"\x00\xff\xfe\x80binary\xc3"


class TestGitHub:
    def test_vector(self) -> None:
        assert github.sign(GITHUB_SECRET, GITHUB_BODY) == GITHUB_SIGNATURE
        verdict = verify({"x-hub-signature-256": GITHUB_SIGNATURE}, GITHUB_BODY, [GITHUB_SECRET])
        assert verdict == Verdict(True, "github", None, 0)

    def test_uppercase_hex_verifies(self) -> None:
        hdrs = {"x-hub-signature-256": "sha256=" + GITHUB_SIGNATURE[7:].upper()}
        assert github.verify(hdrs, GITHUB_BODY, [GITHUB_SECRET]).verified is True

    def test_tamper(self) -> None:
        verdict = github.verify({"x-hub-signature-256": GITHUB_SIGNATURE}, b"Hello, World?", [GITHUB_SECRET])
        assert verdict == Verdict(False, "github", "no signature matched any of 1 active secret")

    def test_rotation(self) -> None:
        hdrs = {"x-hub-signature-256": GITHUB_SIGNATURE}
        assert github.verify(hdrs, GITHUB_BODY, ["old", GITHUB_SECRET]).matched_secret == 1
        assert (
            github.verify(hdrs, GITHUB_BODY, ["a", "b"]).reason
            == "no signature matched any of 2 active secrets"
        )

    def test_non_utf8_body(self) -> None:
        hdrs = {"x-hub-signature-256": github.sign("s3cret", BINARY)}
        assert github.verify(hdrs, BINARY, ["s3cret"]).verified is True

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("", "x-hub-signature-256 is empty"),
            ("sha1=abc", "x-hub-signature-256 is malformed: 'sha1=abc' (expected 'sha256=<hex>')"),
            ("757107ea", "x-hub-signature-256 is malformed: '757107ea' (expected 'sha256=<hex>')"),
            ("sha256=xyz", "x-hub-signature-256 is not valid hex (expected 64 hex digits after 'sha256=')"),
            (
                "sha256=" + "ab " * 21 + "a",
                "x-hub-signature-256 is not valid hex (expected 64 hex digits after 'sha256=')",
            ),
        ],
    )
    def test_malformed(self, value: str, expected: str) -> None:
        assert github.verify({"x-hub-signature-256": value}, GITHUB_BODY, [GITHUB_SECRET]).reason == expected

    def test_missing_header_and_no_timestamp_fields(self) -> None:
        verdict = verify({}, GITHUB_BODY, [GITHUB_SECRET], scheme="github")
        assert verdict == Verdict(False, "github", "missing header x-hub-signature-256")


class TestShopify:
    def test_sign_matches_definition_and_verifies(self) -> None:
        expected = base64.b64encode(hmac.new(b"shpss_1", BODY, hashlib.sha256).digest()).decode()
        assert shopify.sign("shpss_1", BODY) == expected
        verdict = verify({"x-shopify-hmac-sha256": expected}, BODY, ["shpss_1"])
        assert verdict == Verdict(True, "shopify", None, 0)

    def test_tamper_and_non_utf8(self) -> None:
        hdrs = {"x-shopify-hmac-sha256": shopify.sign("shpss_1", BINARY)}
        assert shopify.verify(hdrs, BINARY, ["shpss_1"]).verified is True
        assert (
            shopify.verify(hdrs, BINARY + b"x", ["shpss_1"]).reason
            == "no signature matched any of 1 active secret"
        )

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("", "x-shopify-hmac-sha256 is empty"),
            ("not base64!", "x-shopify-hmac-sha256 is not valid base64"),
            ("AAAA", "x-shopify-hmac-sha256 is 3 bytes, expected 32"),
        ],
    )
    def test_malformed(self, value: str, expected: str) -> None:
        assert shopify.verify({"x-shopify-hmac-sha256": value}, BODY, ["shpss_1"]).reason == expected


class TestSlack:
    def headers(self, signature: str = SLACK_SIGNATURE, ts: str = str(SLACK_TS)) -> dict[str, str]:
        return {"x-slack-signature": signature, "x-slack-request-timestamp": ts}

    def test_vector(self) -> None:
        assert slack.sign(SLACK_SECRET, SLACK_TS, SLACK_BODY) == SLACK_SIGNATURE
        verdict = verify(self.headers(), SLACK_BODY, [SLACK_SECRET], now=SLACK_TS + 1)
        assert verdict == Verdict(True, "slack", None, 0, None, SLACK_TS, 1.0)

    def test_tamper(self) -> None:
        verdict = slack.verify(self.headers(), SLACK_BODY + b"&x=1", [SLACK_SECRET], now=SLACK_TS)
        assert verdict.reason == "no signature matched any of 1 active secret"

    def test_tolerance_both_directions(self) -> None:
        too_old = slack.verify(self.headers(), SLACK_BODY, [SLACK_SECRET], now=SLACK_TS + 412)
        assert too_old.reason == "timestamp is 412 s too old (tolerance 300 s)"
        too_new = slack.verify(self.headers(), SLACK_BODY, [SLACK_SECRET], now=SLACK_TS - 400)
        assert too_new.reason == "timestamp is 400 s in the future (tolerance 300 s)"
        assert slack.verify(self.headers(), SLACK_BODY, [SLACK_SECRET], now=SLACK_TS - 300).verified is True

    def test_non_utf8_body(self) -> None:
        hdrs = self.headers(slack.sign("s", TS, BINARY), str(TS))
        assert slack.verify(hdrs, BINARY, ["s"], now=TS).verified is True

    @pytest.mark.parametrize(
        ("hdrs", "expected"),
        [
            ({}, "missing headers x-slack-request-timestamp, x-slack-signature"),
            ({"x-slack-signature": SLACK_SIGNATURE}, "missing header x-slack-request-timestamp"),
            ({"x-slack-request-timestamp": str(SLACK_TS)}, "missing header x-slack-signature"),
            (
                {"x-slack-signature": SLACK_SIGNATURE, "x-slack-request-timestamp": "1531420618.5"},
                "x-slack-request-timestamp is not an integer: '1531420618.5'",
            ),
            (
                {"x-slack-signature": "v1=abc", "x-slack-request-timestamp": str(SLACK_TS)},
                "x-slack-signature is malformed: 'v1=abc' (expected 'v0=<hex>')",
            ),
            (
                {"x-slack-signature": "v0=abc", "x-slack-request-timestamp": str(SLACK_TS)},
                "x-slack-signature is not valid hex (expected 64 hex digits after 'v0=')",
            ),
            (
                {"x-slack-signature": "", "x-slack-request-timestamp": str(SLACK_TS)},
                "x-slack-signature is empty",
            ),
        ],
    )
    def test_reasons(self, hdrs: dict[str, str], expected: str) -> None:
        verdict = verify(hdrs, SLACK_BODY, [SLACK_SECRET], scheme="slack", now=SLACK_TS)
        assert (verdict.verified, verdict.scheme, verdict.reason) == (False, "slack", expected)


class TestStripe:
    def test_sign_matches_definition(self) -> None:
        # The key is the whole secret text, whsec_ prefix included, not base64-decoded.
        digest = hmac.new(STRIPE_SECRET.encode(), f"{TS}.".encode() + BODY, hashlib.sha256).hexdigest()
        assert stripe.sign(STRIPE_SECRET, TS, BODY) == f"t={TS},v1={digest}"

    def test_round_trip(self) -> None:
        hdrs = {"stripe-signature": stripe.sign(STRIPE_SECRET, TS, BODY)}
        verdict = verify(hdrs, BODY, [STRIPE_SECRET], now=TS + 5)
        assert verdict == Verdict(True, "stripe", None, 0, None, TS, 5.0)

    def test_tamper(self) -> None:
        hdrs = {"stripe-signature": stripe.sign(STRIPE_SECRET, TS, BODY)}
        verdict = stripe.verify(hdrs, BODY + b" ", [STRIPE_SECRET], now=TS)
        assert verdict.reason == "no signature matched any of 1 active secret"

    def test_non_utf8_body(self) -> None:
        hdrs = {"stripe-signature": stripe.sign(STRIPE_SECRET, TS, BINARY)}
        assert stripe.verify(hdrs, BINARY, [STRIPE_SECRET], now=TS).verified is True

    def test_several_v1_and_v0_ignored(self) -> None:
        good = stripe.sign(STRIPE_SECRET, TS, BODY).split(",")[1]
        hdrs = {"stripe-signature": f"t={TS},v1={'0' * 64},{good},v0={'1' * 64}"}
        assert stripe.verify(hdrs, BODY, [STRIPE_SECRET], now=TS).verified is True

    def test_tolerance_checks_the_past_only(self) -> None:
        hdrs = {"stripe-signature": stripe.sign(STRIPE_SECRET, TS, BODY)}
        assert stripe.verify(hdrs, BODY, [STRIPE_SECRET], now=TS - 10_000).verified is True
        old = stripe.verify(hdrs, BODY, [STRIPE_SECRET], now=TS + 412)
        assert old.reason == "timestamp is 412 s too old (tolerance 300 s)"
        assert old.skew == 412.0

    def test_not_the_standard_key(self) -> None:
        """A Standard Webhooks signature made with the same whsec_ text must not pass as Stripe's."""
        secret = standard.generate_secret()
        key = standard.decode_secret(secret)
        wrong = hmac.new(key, f"{TS}.".encode() + BODY, hashlib.sha256).hexdigest()
        hdrs = {"stripe-signature": f"t={TS},v1={wrong}"}
        assert stripe.verify(hdrs, BODY, [secret], now=TS).verified is False

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("", "stripe-signature is empty"),
            ("v1=" + "0" * 64, "stripe-signature has no timestamp (expected 't=<unix>,v1=<hex>')"),
            (f"t={TS}", "stripe-signature has no v1 signature (expected 't=<unix>,v1=<hex>')"),
            (f"t={TS},v0={'0' * 64}", "stripe-signature has no v1 signature (expected 't=<unix>,v1=<hex>')"),
            ("t=soon,v1=" + "0" * 64, "stripe-signature timestamp is not an integer: 'soon'"),
            (f"t={TS},v1=zz", "signature 1 of 1 is not valid hex (expected 64 hex digits)"),
            (
                f"t={TS},v1={'0' * 64},v1=zz",
                "signature 2 of 2 is not valid hex (expected 64 hex digits); "
                "no other signature matched any of 1 active secret",
            ),
            ("garbage", "stripe-signature has no timestamp (expected 't=<unix>,v1=<hex>')"),
        ],
    )
    def test_reasons(self, value: str, expected: str) -> None:
        verdict = stripe.verify({"stripe-signature": value}, BODY, [STRIPE_SECRET], now=TS)
        assert (verdict.verified, verdict.reason) == (False, expected)

    def test_missing(self) -> None:
        assert verify({}, BODY, [STRIPE_SECRET], scheme="stripe").reason == "missing header stripe-signature"


class TestSigningErrors:
    @pytest.mark.parametrize(
        "call",
        [
            lambda: stripe.sign("", TS, BODY),
            lambda: github.sign("", BODY),
            lambda: shopify.sign("", BODY),
            lambda: slack.sign("", TS, BODY),
        ],
    )
    def test_empty_secret_cannot_sign(self, call) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(SecretError, match="^secret is empty$"):
            call()

    def test_surrogate_secret(self) -> None:
        verdict = github.verify({"x-hub-signature-256": GITHUB_SIGNATURE}, GITHUB_BODY, ["\udcff"])
        assert verdict.reason == "secret is not valid UTF-8 text"


class TestDetectAndDispatch:
    @pytest.mark.parametrize(
        ("hdrs", "scheme"),
        [
            ({"webhook-signature": "x"}, "standard"),
            ({"svix-signature": "x"}, "standard"),
            ({"webhook-id": "x"}, "standard"),
            ({"svix-id": "x"}, "standard"),
            ({"stripe-signature": "x"}, "stripe"),
            ({"x-hub-signature-256": "x"}, "github"),
            ({"x-shopify-hmac-sha256": "x"}, "shopify"),
            ({"x-slack-signature": "x"}, "slack"),
            ({"webhook-id": "x", "stripe-signature": "x", "x-slack-signature": "x"}, "standard"),
            ({"stripe-signature": "x", "x-hub-signature-256": "x"}, "stripe"),
            ({"x-shopify-hmac-sha256": "x", "x-slack-signature": "x"}, "shopify"),
            (
                {"content-type": "application/json", "webhook-timestamp": "1", "x-hub-signature": "sha1=x"},
                None,
            ),
            ({}, None),
        ],
    )
    def test_detect(self, hdrs: dict[str, str], scheme: str | None) -> None:
        assert detect_scheme(hdrs) == scheme

    def test_unsigned_request(self) -> None:
        assert verify({"content-type": "application/json"}, BODY, ["whatever"]) == Verdict(None, None, None)
        assert verify({}, BODY, []) == Verdict(None, None, None)

    @pytest.mark.parametrize("scheme", SCHEMES)
    def test_forced_scheme_without_headers(self, scheme: str) -> None:
        verdict = verify({}, BODY, ["s3cret", standard.generate_secret()], scheme=scheme)
        assert verdict.verified is False and verdict.scheme == scheme
        assert verdict.reason is not None and verdict.reason.startswith("missing header")

    @pytest.mark.parametrize("scheme", SCHEMES)
    def test_no_secret_configured(self, scheme: str) -> None:
        verdict = verify({}, BODY, [], scheme=scheme)
        assert verdict.reason == f"no secret configured to verify {scheme} signatures"

    def test_forced_scheme_overrides_detection(self) -> None:
        hdrs = {"x-hub-signature-256": GITHUB_SIGNATURE, "webhook-id": "msg_1"}
        assert verify(hdrs, GITHUB_BODY, [GITHUB_SECRET]).scheme == "standard"
        assert verify(hdrs, GITHUB_BODY, [GITHUB_SECRET], scheme="github").verified is True

    def test_unknown_scheme(self) -> None:
        verdict = verify({}, BODY, ["s"], scheme="paypal")
        assert verdict == Verdict(
            False, None, "unknown signature scheme 'paypal' (known: standard, stripe, github, shopify, slack)"
        )

    def test_tolerance_and_now_pass_through(self) -> None:
        hdrs = {"stripe-signature": stripe.sign(STRIPE_SECRET, TS, BODY)}
        assert verify(hdrs, BODY, [STRIPE_SECRET], now=TS + 412).verified is False
        assert verify(hdrs, BODY, [STRIPE_SECRET], now=TS + 412, tolerance=600).verified is True
