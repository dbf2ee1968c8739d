"""Standard Webhooks signing and verification: public vectors, every reason, tolerance, keys."""

from __future__ import annotations

import base64
import copy
import dataclasses
import pickle
import subprocess
import sys

import pytest

from hookdev.signing import Verdict, standard
from hookdev.signing.standard import SecretError

# Public vectors from the Standard Webhooks / Svix test suites (signatures.md).
VECTORS = [
    (
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        b'{"test": 2432232314}',
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    ),
    (
        "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
        "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
        1649367553,
        b'{"email":"test@example.com","username":"test_user"}',
        "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=",
    ),
]
SECRET, MSG_ID, TS, BODY, SIGNATURE = VECTORS[0]
OTHER_SECRET = VECTORS[1][0]


def headers(signature: str = SIGNATURE, msg_id: str = MSG_ID, ts: str = str(TS)) -> dict[str, str]:
    return {"webhook-id": msg_id, "webhook-timestamp": ts, "webhook-signature": signature}


def check(
    hdrs: dict[str, str], secrets: list[str] | None = None, body: bytes = BODY, **kw: object
) -> Verdict:
    kw.setdefault("now", TS)
    return standard.verify(hdrs, body, [SECRET] if secrets is None else secrets, **kw)  # type: ignore[arg-type]


def reason(
    hdrs: dict[str, str], secrets: list[str] | None = None, body: bytes = BODY, **kw: object
) -> str | None:
    verdict = check(hdrs, secrets, body, **kw)
    assert verdict.verified is False
    return verdict.reason


class TestVectors:
    @pytest.mark.parametrize(("secret", "msg_id", "ts", "body", "expected"), VECTORS)
    def test_sign_matches_vector(self, secret: str, msg_id: str, ts: int, body: bytes, expected: str) -> None:
        assert standard.sign(secret, msg_id, ts, body) == expected

    @pytest.mark.parametrize(("secret", "msg_id", "ts", "body", "expected"), VECTORS)
    def test_vector_verifies(self, secret: str, msg_id: str, ts: int, body: bytes, expected: str) -> None:
        verdict = standard.verify(headers(expected, msg_id, str(ts)), body, [secret], now=ts + 10)
        assert verdict == Verdict(True, "standard", None, 0, msg_id, ts, 10.0)

    @pytest.mark.parametrize(("secret", "msg_id", "ts", "body", "expected"), VECTORS)
    def test_one_byte_changed_fails(
        self, secret: str, msg_id: str, ts: int, body: bytes, expected: str
    ) -> None:
        verdict = standard.verify(headers(expected, msg_id, str(ts)), body + b" ", [secret], now=ts)
        assert verdict.verified is False
        assert verdict.reason == "no signature matched any of 1 active secret"

    def test_secret_without_prefix_signs_the_same(self) -> None:
        assert standard.sign(SECRET.removeprefix("whsec_"), MSG_ID, TS, BODY) == SIGNATURE


class TestVerdict:
    def test_fields_and_json(self) -> None:
        verdict = check(headers(), now=TS + 2.5)
        assert verdict.to_json() == {
            "verified": True,
            "scheme": "standard",
            "reason": None,
            "matched_secret": 0,
            "webhook_id": MSG_ID,
            "timestamp": TS,
            "skew": 2.5,
        }

    def test_failure_still_reports_id_timestamp_and_skew(self) -> None:
        verdict = check(headers("v1,AAAA"), now=TS - 7)
        assert (verdict.webhook_id, verdict.timestamp, verdict.skew) == (MSG_ID, TS, -7.0)

    def test_is_frozen_and_comparable(self) -> None:
        verdict = Verdict(None, None, None)
        with pytest.raises(dataclasses.FrozenInstanceError):
            verdict.verified = True  # type: ignore[misc]
        assert verdict == Verdict(None, None, None)
        assert hash(verdict) == hash(Verdict(None, None, None))
        assert dataclasses.replace(verdict, verified=False).verified is False
        assert [f.name for f in dataclasses.fields(Verdict)] == list(verdict.to_json())

    def test_survives_copy_and_pickle(self) -> None:
        verdict = check(headers())
        assert copy.deepcopy(verdict) == verdict
        assert pickle.loads(pickle.dumps(verdict)) == verdict


class TestHeaders:
    def test_svix_aliases(self) -> None:
        svix = {"svix-id": MSG_ID, "svix-timestamp": str(TS), "svix-signature": SIGNATURE}
        assert check(svix).verified is True

    def test_webhook_headers_win_over_svix(self) -> None:
        both = headers() | {"svix-id": "msg_other", "svix-timestamp": "1", "svix-signature": "v1,AAAA"}
        verdict = check(both)
        assert verdict.verified is True
        assert verdict.webhook_id == MSG_ID

    def test_missing_signature(self) -> None:
        hdrs = headers()
        del hdrs["webhook-signature"]
        assert reason(hdrs) == "missing header webhook-signature"

    def test_missing_header_is_named_in_the_svix_family(self) -> None:
        assert reason({"svix-id": MSG_ID, "svix-timestamp": str(TS)}) == "missing header svix-signature"

    def test_all_missing(self) -> None:
        assert reason({}) == "missing headers webhook-id, webhook-timestamp, webhook-signature"

    @pytest.mark.parametrize("value", ["", " ", "   "])
    def test_empty_signature_header(self, value: str) -> None:
        assert reason(headers(value)) == "webhook-signature is empty"

    def test_bytes_header_values_are_read_as_latin1(self) -> None:
        hdrs = {k: v.encode() for k, v in headers().items()}
        assert check(hdrs).verified is True  # type: ignore[arg-type]


class TestTimestamp:
    @pytest.mark.parametrize(
        "value", ["1614265330.5", "1614265330.0", "-1614265330", " 1614265330", "1e9", "", "١٢٣"]
    )
    def test_not_an_integer(self, value: str) -> None:
        assert reason(headers(ts=value)) == f"webhook-timestamp is not an integer: {value!r}"

    def test_svix_timestamp_named_in_reason(self) -> None:
        svix = {"svix-id": MSG_ID, "svix-timestamp": "soon", "svix-signature": SIGNATURE}
        assert reason(svix) == "svix-timestamp is not an integer: 'soon'"

    def test_absurdly_long_integer(self) -> None:
        value = "9" * 5000
        got = reason(headers(ts=value))
        assert got is not None and got.startswith("webhook-timestamp is out of range: '999")
        assert len(got) < 200

    def test_too_old(self) -> None:
        assert reason(headers(), now=TS + 412) == "timestamp is 412 s too old (tolerance 300 s)"

    def test_too_new(self) -> None:
        assert reason(headers(), now=TS - 400) == "timestamp is 400 s in the future (tolerance 300 s)"

    @pytest.mark.parametrize("offset", [-300, 0, 300])
    def test_edges_of_tolerance_pass(self, offset: int) -> None:
        assert check(headers(), now=TS + offset).verified is True

    def test_fractional_skew_rounds_up_in_reason(self) -> None:
        assert reason(headers(), now=TS + 300.2) == "timestamp is 301 s too old (tolerance 300 s)"

    def test_custom_tolerance(self) -> None:
        assert check(headers(), now=TS + 412, tolerance=600).verified is True
        assert reason(headers(), now=TS + 61, tolerance=60) == "timestamp is 61 s too old (tolerance 60 s)"
        assert reason(headers(), now=TS + 2, tolerance=1.5) == "timestamp is 2 s too old (tolerance 1.5 s)"

    def test_no_tolerance(self) -> None:
        assert check(headers(), now=TS + 10**9, tolerance=None).verified is True

    def test_wall_clock_by_default(self) -> None:
        # The vector is from 2021: against the real clock it is years too old.
        verdict = standard.verify(headers(), BODY, [SECRET])
        assert verdict.verified is False
        assert verdict.reason is not None and verdict.reason.endswith("s too old (tolerance 300 s)")
        assert verdict.skew is not None and verdict.skew > 3600 * 24 * 365

    def test_timestamp_is_checked_before_signatures(self) -> None:
        assert reason(headers("v1,!!!"), now=TS + 412) == "timestamp is 412 s too old (tolerance 300 s)"


class TestSignatures:
    def test_multiple_signatures_any_may_match(self) -> None:
        wrong = standard.sign(OTHER_SECRET, MSG_ID, TS, BODY)
        assert check(headers(f"{wrong} {SIGNATURE}")).verified is True
        assert check(headers(f"{SIGNATURE} {wrong}")).verified is True

    def test_double_spaces_and_padding_spaces(self) -> None:
        wrong = standard.sign(OTHER_SECRET, MSG_ID, TS, BODY)
        assert check(headers(f"  {wrong}  {SIGNATURE}  ")).verified is True

    def test_unknown_versions_are_skipped(self) -> None:
        assert check(headers(f"v2,abc v1b,AAAA {SIGNATURE}")).verified is True

    def test_only_unknown_versions(self) -> None:
        assert (
            reason(headers("v2,abc"))
            == "no supported signature in webhook-signature (found 'v2'; supported: v1, v1a)"
        )

    def test_malformed_signature_does_not_abort(self) -> None:
        assert check(headers(f"v1 v1,a,b v1,!!! v1, {SIGNATURE}")).verified is True

    def test_version_without_value(self) -> None:
        assert reason(headers("v1")) == "signature 1 of 1 is malformed: 'v1' (expected 'v1,<base64>')"

    def test_extra_comma(self) -> None:
        assert reason(headers("v1,a,b")) == "signature 1 of 1 is not valid base64"

    def test_which_signature_is_bad(self) -> None:
        assert reason(headers("v2,x v1,!!! v2,y")) == "signature 2 of 3 is not valid base64"

    def test_bad_signature_among_wrong_ones(self) -> None:
        wrong = standard.sign(OTHER_SECRET, MSG_ID, TS, BODY)
        assert (
            reason(headers(f"{wrong} v1,%%% {wrong}"))
            == "signature 2 of 3 is not valid base64; no other signature matched any of 1 active secret"
        )

    def test_several_malformed(self) -> None:
        assert reason(headers("v1,!!! nocomma")) == (
            "signature 1 of 2 is not valid base64; "
            "signature 2 of 2 is malformed: 'nocomma' (expected 'v1,<base64>')"
        )

    def test_many_malformed_are_summarised(self) -> None:
        got = reason(headers(" ".join(["v1,!!!"] * 50)))
        assert got == (
            "signature 1 of 50 is not valid base64; signature 2 of 50 is not valid base64; "
            "signature 3 of 50 is not valid base64; and 47 more malformed signatures"
        )

    def test_empty_value(self) -> None:
        assert reason(headers("v1,")) == "signature 1 of 1 is empty after 'v1,'"

    def test_wrong_length(self) -> None:
        assert reason(headers("v1,AAAA")) == "signature 1 of 1 is 3 bytes, expected 32 for v1"

    def test_unpadded_base64_is_not_valid(self) -> None:
        assert reason(headers(SIGNATURE.rstrip("="))) == "signature 1 of 1 is not valid base64"

    def test_non_canonical_base64_still_matches(self) -> None:
        # The final character carries two unused bits: E and F decode to the same 32 bytes.
        assert SIGNATURE.endswith("E=")
        assert check(headers(SIGNATURE[:-2] + "F=")).verified is True

    def test_non_ascii_signature(self) -> None:
        assert reason(headers("v1,ä€")) == "signature 1 of 1 is not valid base64"
        assert check(headers(f"v1,ä€ {SIGNATURE}")).verified is True

    def test_huge_header_gives_a_short_reason(self) -> None:
        got = reason(headers("x" * 1_000_000))
        assert got == (
            f"signature 1 of 1 is malformed: {'x' * 60!r}... (1000000 characters) (expected 'v1,<base64>')"
        )

    def test_many_signatures_find_the_good_one(self) -> None:
        wrong = standard.sign(OTHER_SECRET, MSG_ID, TS, BODY)
        assert check(headers(" ".join([wrong] * 200 + [SIGNATURE]))).verified is True


class TestSecrets:
    def test_no_secret(self) -> None:
        assert reason(headers(), []) == "no secret configured to verify standard signatures"

    def test_matched_secret_is_the_index(self) -> None:
        verdict = check(headers(), [OTHER_SECRET, SECRET])
        assert (verdict.verified, verdict.matched_secret) == (True, 1)

    def test_first_matching_secret_wins(self) -> None:
        both = standard.signature_header([OTHER_SECRET, SECRET], MSG_ID, TS, BODY)
        assert check(headers(both), [SECRET, OTHER_SECRET]).matched_secret == 0

    def test_no_match_plural(self) -> None:
        fresh = [standard.generate_secret(), standard.generate_secret()]
        assert reason(headers(), fresh) == "no signature matched any of 2 active secrets"

    def test_bad_secret(self) -> None:
        assert reason(headers(), ["whsec_!!!notbase64"]) == "secret is not valid whsec_ base64"

    def test_empty_secrets(self) -> None:
        assert reason(headers(), [""]) == "secret is empty"
        assert reason(headers(), ["whsec_"]) == "secret is empty"

    def test_several_bad_secrets(self) -> None:
        assert reason(headers(), ["whsec_!!!", ""]) == (
            "none of the 2 secrets is usable: secret 1 is not valid whsec_ base64; secret 2 is empty"
        )

    def test_bad_secret_is_skipped(self) -> None:
        verdict = check(headers(), ["whsec_!!!", SECRET])
        assert (verdict.verified, verdict.matched_secret) == (True, 1)
        assert reason(headers(), [OTHER_SECRET, "whsec_!!!"]) == (
            "no signature matched any of 1 active secret; skipped secret 2: not valid whsec_ base64"
        )

    def test_decode_secret(self) -> None:
        raw = base64.b64decode(SECRET.removeprefix("whsec_"))
        assert standard.decode_secret(SECRET) == raw
        assert standard.decode_secret(SECRET.removeprefix("whsec_")) == raw
        unpadded = "whsec_" + base64.b64encode(b"\x01" * 25).decode().rstrip("=")
        assert standard.decode_secret(unpadded) == b"\x01" * 25
        assert standard.decode_secret(f"  {SECRET}\n") == raw

    @pytest.mark.parametrize(
        ("secret", "message"),
        [
            ("whsec_***", "secret is not valid whsec_ base64"),
            ("whsec_", "secret is empty"),
            ("whsec_a-b_", "secret is not valid whsec_ base64"),
            (
                "whpk_" + base64.b64encode(b"k" * 32).decode(),
                "secret is an ed25519 whpk_ key, not a whsec_ secret",
            ),
        ],
    )
    def test_decode_secret_errors(self, secret: str, message: str) -> None:
        with pytest.raises(SecretError) as caught:
            standard.decode_secret(secret)
        assert str(caught.value) == message
        assert isinstance(caught.value, ValueError)

    def test_generate_secret(self) -> None:
        secret = standard.generate_secret()
        assert secret.startswith("whsec_")
        assert len(standard.decode_secret(secret)) == 32
        assert len(standard.decode_secret(standard.generate_secret(64))) == 64
        assert standard.generate_secret() != standard.generate_secret()
        with pytest.raises(ValueError):
            standard.generate_secret(8)

    def test_sign_with_bad_secret_raises_secret_error(self) -> None:
        with pytest.raises(SecretError, match="secret is not valid whsec_ base64"):
            standard.sign("whsec_!!!", MSG_ID, TS, BODY)

    def test_sign_headers(self) -> None:
        hdrs = standard.sign_headers([SECRET, OTHER_SECRET], MSG_ID, TS, BODY)
        assert hdrs == {
            "webhook-id": MSG_ID,
            "webhook-timestamp": str(TS),
            "webhook-signature": f"{SIGNATURE} {standard.sign(OTHER_SECRET, MSG_ID, TS, BODY)}",
        }
        assert standard.verify(hdrs, BODY, [OTHER_SECRET], now=TS).verified is True

    def test_timestamp_must_be_an_int(self) -> None:
        with pytest.raises(TypeError):
            standard.sign(SECRET, MSG_ID, 1.5, BODY)  # type: ignore[arg-type]


class TestBodies:
    def test_non_utf8_body(self) -> None:
        body = b"\xff\xfe\x00\x80 not text \xc3\x28"
        hdrs = standard.sign_headers([SECRET], MSG_ID, TS, body)
        assert standard.verify(hdrs, body, [SECRET], now=TS).verified is True
        assert standard.verify(hdrs, body[:-1], [SECRET], now=TS).verified is False

    def test_empty_body(self) -> None:
        hdrs = standard.sign_headers([SECRET], MSG_ID, TS, b"")
        assert standard.verify(hdrs, b"", [SECRET], now=TS).verified is True

    def test_bytes_like_bodies(self) -> None:
        hdrs = standard.sign_headers([SECRET], MSG_ID, TS, BODY)
        assert standard.verify(hdrs, bytearray(BODY), [SECRET], now=TS).verified is True  # type: ignore[arg-type]
        assert standard.verify(hdrs, memoryview(BODY), [SECRET], now=TS).verified is True  # type: ignore[arg-type]

    def test_non_ascii_id_signed_as_utf8(self) -> None:
        msg_id = "msg_café"
        hdrs = standard.sign_headers([SECRET], msg_id, TS, BODY)
        assert standard.verify(hdrs, BODY, [SECRET], now=TS).verified is True
        # What a server that decodes header bytes as latin-1 hands over for the same request.
        hdrs["webhook-id"] = msg_id.encode().decode("latin-1")
        assert standard.verify(hdrs, BODY, [SECRET], now=TS).verified is True


class TestEd25519:
    def test_keypair_format(self) -> None:
        private, public = standard.generate_keypair()
        assert private.startswith("whsk_") and public.startswith("whpk_")
        assert len(base64.b64decode(private[5:])) == 32
        assert len(base64.b64decode(public[5:])) == 32

    def test_v1a_round_trip(self) -> None:
        private, public = standard.generate_keypair()
        signature = standard.sign(private, MSG_ID, TS, BODY)
        assert signature.startswith("v1a,")
        assert len(base64.b64decode(signature[4:])) == 64
        for key in (public, private):
            verdict = standard.verify(headers(signature), BODY, [key], now=TS)
            assert (verdict.verified, verdict.matched_secret) == (True, 0)
        assert (
            reason(headers(signature), [public], body=BODY + b"!")
            == "no signature matched any of 1 active secret"
        )

    def test_v1a_wrong_key(self) -> None:
        private, _ = standard.generate_keypair()
        _, other_public = standard.generate_keypair()
        signature = standard.sign(private, MSG_ID, TS, BODY)
        assert reason(headers(signature), [other_public]) == "no signature matched any of 1 active secret"

    def test_mixed_header_and_mixed_secrets(self) -> None:
        private, public = standard.generate_keypair()
        both = standard.signature_header([private, SECRET], MSG_ID, TS, BODY)
        assert both.startswith("v1a,") and f" {SIGNATURE}" in both
        assert check(headers(both), [public]).matched_secret == 0
        assert check(headers(both), [SECRET]).matched_secret == 0
        assert check(headers(both), [public, SECRET]).matched_secret == 0
        assert check(headers(both), [OTHER_SECRET, public]).matched_secret == 1

    def test_libsodium_style_64_byte_secret_key(self) -> None:
        private, public = standard.generate_keypair()
        seed = base64.b64decode(private[5:])
        pub = base64.b64decode(public[5:])
        long_key = "whsk_" + base64.b64encode(seed + pub).decode()
        assert standard.sign(long_key, MSG_ID, TS, BODY) == standard.sign(private, MSG_ID, TS, BODY)
        mismatched = "whsk_" + base64.b64encode(seed + bytes(32)).decode()
        assert (
            reason(headers(), [mismatched])
            == "secret is a whsk_ key whose public half does not match its seed"
        )

    def test_public_key_cannot_sign(self) -> None:
        _, public = standard.generate_keypair()
        with pytest.raises(SecretError, match="can verify but not sign"):
            standard.sign(public, MSG_ID, TS, BODY)

    def test_bad_keys(self) -> None:
        assert reason(headers(), ["whpk_!!"]) == "secret is not valid whpk_ base64"
        short = "whpk_" + base64.b64encode(b"x" * 16).decode()
        assert reason(headers(), [short]) == "secret is a whpk_ key of 16 bytes (expected 32)"
        odd = "whsk_" + base64.b64encode(b"x" * 40).decode()
        assert reason(headers(), [odd]) == "secret is a whsk_ key of 40 bytes (expected 32 or 64)"

    def test_version_and_key_kind_mismatch(self) -> None:
        private, public = standard.generate_keypair()
        assert (
            reason(headers(), [public])
            == "v1 signatures need a whsec_ secret, but only ed25519 keys are configured"
        )
        v1a = standard.sign(private, MSG_ID, TS, BODY)
        assert reason(headers(v1a), [SECRET]) == (
            "v1a signatures need a whpk_ or whsk_ key, but only whsec_ secrets are configured"
        )

    def test_v1a_bad_length(self) -> None:
        assert reason(headers("v1a," + base64.b64encode(bytes(32)).decode()), [SECRET]) == (
            "signature 1 of 1 is 32 bytes, expected 64 for v1a"
        )


def test_signing_imports_no_ui_and_no_io_frameworks() -> None:
    code = (
        "import sys, hookdev.signing, hookdev.signing.standard;"
        "bad = [m for m in ('textual', 'starlette', 'httpx', 'uvicorn', 'sqlite3') if m in sys.modules];"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""
