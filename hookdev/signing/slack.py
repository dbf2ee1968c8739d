"""Slack: `X-Slack-Signature: v0=<hex>` over `v0:{timestamp}:{body}`, timestamp in
`X-Slack-Request-Timestamp`, refused when more than `tolerance` seconds off in either direction.
"""

from __future__ import annotations

import hmac
import operator
from collections.abc import Mapping, Sequence

from hookdev.signing._core import (
    Verdict,
    as_bytes,
    header,
    hex_digest,
    match_hmac,
    mismatch_reason,
    missing_reason,
    now_or,
    parse_timestamp,
    quote,
    secret_problem,
    signing_key,
    tolerance_reason,
    utf8_keys,
)

SCHEME = "slack"
SIGNATURE_HEADER = "x-slack-signature"
TIMESTAMP_HEADER = "x-slack-request-timestamp"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Slack-Signature` value for `body` sent at `timestamp`."""
    content = f"v0:{operator.index(timestamp)}:".encode() + as_bytes(body)
    return "v0=" + hmac.digest(signing_key(secret), content, "sha256").hex()


def verify(
    headers: Mapping[str, str],
    body: bytes,
    secrets: Sequence[str],
    *,
    tolerance: float | None = 300,
    now: float | None = None,
) -> Verdict:
    """Check a Slack request against every secret; never raises."""
    raw = header(headers, SIGNATURE_HEADER)
    ts_raw = header(headers, TIMESTAMP_HEADER)
    timestamp: int | None = None
    skew: float | None = None
    ts_error: str | None = None
    if ts_raw is not None:
        timestamp, ts_error = parse_timestamp(TIMESTAMP_HEADER, ts_raw)
        if timestamp is not None:
            skew = now_or(now) - timestamp

    def fail(reason: str) -> Verdict:
        return Verdict(False, SCHEME, reason, None, None, timestamp, skew)

    usable, errors = utf8_keys(secrets)
    problem = secret_problem(SCHEME, secrets, usable, errors)
    if problem is not None:
        return fail(problem)
    missing = [name for name, value in ((TIMESTAMP_HEADER, ts_raw), (SIGNATURE_HEADER, raw)) if value is None]
    if missing:
        return fail(missing_reason(missing))
    assert raw is not None and ts_raw is not None
    if ts_error is not None or skew is None:
        return fail(ts_error or f"{TIMESTAMP_HEADER} is not an integer")
    late = tolerance_reason(skew, tolerance)
    if late is not None:
        return fail(late)
    if not raw.strip():
        return fail(f"{SIGNATURE_HEADER} is empty")
    version, eq, value = raw.partition("=")
    if not eq or version != "v0":
        return fail(f"{SIGNATURE_HEADER} is malformed: {quote(raw)} (expected 'v0=<hex>')")
    digest = hex_digest(value)
    if digest is None:
        return fail(f"{SIGNATURE_HEADER} is not valid hex (expected 64 hex digits after 'v0=')")
    # Slack signs the timestamp exactly as sent (digits only, checked above).
    content = f"v0:{ts_raw}:".encode("ascii") + as_bytes(body)
    index = match_hmac(usable, content, [digest])
    if index is not None:
        return Verdict(True, SCHEME, None, index, None, timestamp, skew)
    return fail(mismatch_reason(len(usable), errors))
