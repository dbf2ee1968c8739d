"""Webhook signatures: detect which scheme a request uses and verify it, without I/O or UI.

One module per scheme (`standard` for Standard Webhooks and Svix, `stripe`, `github`, `shopify`,
`slack`), each with `sign(...)` and `verify(headers, body, secrets, *, tolerance, now) -> Verdict`.
`headers` keys are lowercase header names; bodies are raw bytes and are never decoded. Verification
never raises on what a request contains: every failure is a Verdict with a reason a person can act on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from hookdev.signing import github, shopify, slack, standard, stripe
from hookdev.signing._core import SCHEMES, SecretError, Verdict

_Verifier = Callable[..., Verdict]

_VERIFIERS: dict[str, _Verifier] = {
    "standard": standard.verify,
    "stripe": stripe.verify,
    "github": github.verify,
    "shopify": shopify.verify,
    "slack": slack.verify,
}

# Detection order matters: a request carrying several schemes' headers is read as the first one.
_DETECTION: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("standard", ("webhook-signature", "svix-signature", "webhook-id", "svix-id")),
    ("stripe", ("stripe-signature",)),
    ("github", ("x-hub-signature-256",)),
    ("shopify", ("x-shopify-hmac-sha256",)),
    ("slack", ("x-slack-signature",)),
)


def detect_scheme(headers: Mapping[str, str]) -> str | None:
    """The signature scheme a request's (lowercase) headers announce, or None for an unsigned request."""
    for scheme, names in _DETECTION:
        for name in names:
            if name in headers:
                return scheme
    return None


def verify(
    headers: Mapping[str, str],
    body: bytes,
    secrets: Sequence[str],
    *,
    scheme: str | None = None,
    tolerance: float | None = 300,
    now: float | None = None,
) -> Verdict:
    """Verify a request with `scheme`, or with the scheme its headers announce.

    Returns `Verdict(None, None, None)` when no scheme is given and none is detected. A given scheme is
    used even when its headers are absent, so the verdict says which header is missing.
    """
    if scheme is None:
        scheme = detect_scheme(headers)
        if scheme is None:
            return Verdict(None, None, None)
    verifier = _VERIFIERS.get(scheme)
    if verifier is None:
        known = ", ".join(SCHEMES)
        return Verdict(False, None, f"unknown signature scheme {scheme!r} (known: {known})")
    return verifier(headers, body, secrets, tolerance=tolerance, now=now)


__all__ = ["SCHEMES", "SecretError", "Verdict", "detect_scheme", "verify"]
