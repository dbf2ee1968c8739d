"""Shopify: `X-Shopify-Hmac-Sha256: <base64>`, HMAC-SHA256 of the raw body keyed by the secret text.

There is no timestamp; the verdict's timestamp and skew stay None.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping, Sequence

from hookdev.signing._core import (
    Verdict,
    as_bytes,
    header,
    match_hmac,
    mismatch_reason,
    missing_reason,
    secret_problem,
    signing_key,
    utf8_keys,
)

SCHEME = "shopify"
HEADER = "x-shopify-hmac-sha256"


def sign(secret: str, body: bytes) -> str:
    """The `X-Shopify-Hmac-Sha256` value for `body`."""
    return base64.b64encode(hmac.digest(signing_key(secret), as_bytes(body), "sha256")).decode("ascii")


def verify(
    headers: Mapping[str, str],
    body: bytes,
    secrets: Sequence[str],
    *,
    tolerance: float | None = 300,
    now: float | None = None,
) -> Verdict:
    """Check a Shopify request against every secret; never raises. `tolerance` and `now` do not apply."""
    usable, errors = utf8_keys(secrets)
    problem = secret_problem(SCHEME, secrets, usable, errors)
    if problem is None:
        problem = _check(header(headers, HEADER), as_bytes(body), usable, errors)
    if isinstance(problem, int):
        return Verdict(True, SCHEME, None, problem)
    return Verdict(False, SCHEME, problem)


def _check(
    raw: str | None, body: bytes, usable: list[tuple[int, bytes]], errors: list[str | None]
) -> int | str:
    """The matching secret's index, or the reason there is none."""
    if raw is None:
        return missing_reason([HEADER])
    if not raw.strip():
        return f"{HEADER} is empty"
    try:
        digest = binascii.a2b_base64(raw, strict_mode=True)
    except ValueError:
        return f"{HEADER} is not valid base64"
    if len(digest) != 32:
        return f"{HEADER} is {len(digest)} bytes, expected 32"
    index = match_hmac(usable, body, [digest])
    return index if index is not None else mismatch_reason(len(usable), errors)
