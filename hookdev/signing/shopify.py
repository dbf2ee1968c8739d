"""Shopify: `X-Shopify-Hmac-Sha256: <base64>` (or the newer unprefixed `shopify-hmac-sha256`, which
the official library also reads), HMAC-SHA256 of the raw body keyed by the secret text.

There is no timestamp; the verdict's timestamp and skew stay None.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping, Sequence

from hookdev.signing._core import Verdict, as_bytes, header, signing_key, verify_body_hmac

SCHEME = "shopify"
HEADER = "x-shopify-hmac-sha256"
UNPREFIXED = "shopify-hmac-sha256"


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
    name = (
        UNPREFIXED if header(headers, HEADER) is None and header(headers, UNPREFIXED) is not None else HEADER
    )
    return verify_body_hmac(SCHEME, name, headers, body, secrets, lambda raw: _digest(raw, name))


def _digest(raw: str, name: str = HEADER) -> bytes | str:
    try:
        digest = binascii.a2b_base64(raw, strict_mode=True)
    except ValueError:
        return f"{name} is not valid base64"
    if len(digest) != 32:
        return f"{name} is {len(digest)} bytes, expected 32"
    return digest
