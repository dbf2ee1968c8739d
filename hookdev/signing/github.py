"""GitHub: `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the raw body keyed by the secret text.

There is no timestamp, so nothing stops a replay; the verdict's timestamp and skew stay None.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence

from hookdev.signing._core import (
    Verdict,
    as_bytes,
    header,
    hex_digest,
    match_hmac,
    mismatch_reason,
    missing_reason,
    quote,
    secret_problem,
    signing_key,
    utf8_keys,
)

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
    algorithm, eq, value = raw.partition("=")
    if not eq or algorithm != "sha256":
        return f"{HEADER} is malformed: {quote(raw)} (expected 'sha256=<hex>')"
    digest = hex_digest(value)
    if digest is None:
        return f"{HEADER} is not valid hex (expected 64 hex digits after 'sha256=')"
    index = match_hmac(usable, body, [digest])
    return index if index is not None else mismatch_reason(len(usable), errors)
