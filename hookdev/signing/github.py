"""GitHub: `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the raw body keyed by the secret text.

There is no timestamp, so nothing stops a replay; the verdict's timestamp and skew stay None.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence

from hookdev.signing._core import Verdict, as_bytes, hex_digest, quote, signing_key, verify_body_hmac

SCHEME = "github"
HEADER = "x-hub-signature-256"


def sign(secret: str, body: bytes) -> str:
    """The `X-Hub-Signature-256` value for `body`."""
    return "sha256=" + hmac.digest(signing_key(secret), as_bytes(body), "sha256").hex()


def verify(
    headers: Mapping[str, str],
    body: bytes,
    secrets: Sequence[str],
    *,
    tolerance: float | None = 300,
    now: float | None = None,
) -> Verdict:
    """Check a GitHub request against every secret; never raises. `tolerance` and `now` do not apply."""
    return verify_body_hmac(SCHEME, HEADER, headers, body, secrets, _digest)


def _digest(raw: str) -> bytes | str:
    algorithm, eq, value = raw.partition("=")
    if not eq or algorithm != "sha256":
        return f"{HEADER} is malformed: {quote(raw)} (expected 'sha256=<hex>')"
    digest = hex_digest(value)
    if digest is None:
        return f"{HEADER} is not valid hex (expected 64 hex digits after 'sha256=')"
    return digest
