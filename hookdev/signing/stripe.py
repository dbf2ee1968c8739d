"""Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]`, HMAC-SHA256 over `{t}.{body}`.

The key is the whole secret text as UTF-8, `whsec_` prefix included: Stripe secrets look like Standard
Webhooks secrets but are not base64-decoded. Only `v1` counts, and only stale timestamps are refused
(Stripe's own libraries accept a timestamp from the future).
"""

from __future__ import annotations

import hmac
import operator
from collections.abc import Mapping, Sequence

from hookdev.signing._core import (
    Verdict,
    as_bytes,
    cap_signatures,
    header,
    hex_digest,
    list_problems,
    match_hmac,
    mismatch_reason,
    missing_reason,
    now_or,
    parse_timestamp,
    secret_problem,
    signing_key,
    tolerance_reason,
    utf8_keys,
)

SCHEME = "stripe"
HEADER = "stripe-signature"
_EXPECTED = "expected 't=<unix>,v1=<hex>'"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `Stripe-Signature` value for `body` sent at `timestamp`."""
    timestamp = operator.index(timestamp)
    content = f"{timestamp}.".encode() + as_bytes(body)
    return f"t={timestamp},v1={hmac.digest(signing_key(secret), content, 'sha256').hex()}"


def _parse(value: str) -> tuple[str | None, list[str]]:
    """The first `t=` value and every `v1=` value; other schemes (v0) and stray items are ignored."""
    timestamp: str | None = None
    v1: list[str] = []
    for item in value.split(","):
        key, eq, val = item.partition("=")
        key = key.strip()
        if not eq:
            continue
        if key == "t" and timestamp is None:
            timestamp = val.strip()
        elif key == "v1":
            v1.append(val.strip())
    return timestamp, v1


def verify(
    headers: Mapping[str, str],
    body: bytes,
    secrets: Sequence[str],
    *,
    tolerance: float | None = 300,
    now: float | None = None,
) -> Verdict:
    """Check a Stripe request against every secret; never raises."""
    raw = header(headers, HEADER)
    ts_raw, v1 = _parse(raw) if raw is not None else (None, [])
    timestamp: int | None = None
    skew: float | None = None
    ts_error: str | None = None
    if ts_raw is not None:
        timestamp, ts_error = parse_timestamp(f"{HEADER} timestamp", ts_raw)
        if timestamp is not None:
            skew = now_or(now) - timestamp

    def fail(reason: str) -> Verdict:
        return Verdict(False, SCHEME, reason, None, None, timestamp, skew)

    usable, errors = utf8_keys(secrets)
    problem = secret_problem(SCHEME, secrets, usable, errors)
    if problem is not None:
        return fail(problem)
    if raw is None:
        return fail(missing_reason([HEADER]))
    if not raw.strip():
        return fail(f"{HEADER} is empty")
    if ts_raw is None:
        return fail(f"{HEADER} has no timestamp ({_EXPECTED})")
    if ts_error is not None or timestamp is None or skew is None:
        return fail(ts_error or f"{HEADER} timestamp is not an integer")
    late = tolerance_reason(skew, tolerance, future=False)
    if late is not None:
        return fail(late)
    if not v1:
        return fail(f"{HEADER} has no v1 signature ({_EXPECTED})")

    total = len(v1)
    v1, capped = cap_signatures(v1)
    signatures: list[bytes] = []
    malformed: list[str] = []
    for number, value in enumerate(v1, 1):
        digest = hex_digest(value)
        if digest is None:
            malformed.append(f"signature {number} of {total} is not valid hex (expected 64 hex digits)")
        else:
            signatures.append(digest)
    if not signatures:
        return fail(list_problems(malformed) + capped)
    content = f"{ts_raw}.".encode("ascii") + as_bytes(body)
    index = match_hmac(usable, content, signatures)
    if index is not None:
        return Verdict(True, SCHEME, None, index, None, timestamp, skew)
    return fail(mismatch_reason(len(usable), errors, malformed) + capped)
