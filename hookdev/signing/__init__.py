"""Webhook signatures: detect which scheme a request uses and verify it, without I/O or UI.

One module per scheme (`standard` for Standard Webhooks and Svix, `stripe`, `github`, `shopify`,
`slack`), each with `sign(...)` and `verify(headers, body, secrets, *, tolerance, now) -> Verdict`.
`headers` keys are header names in any case (lowercase is the fast path); bodies are raw bytes and are never decoded. Verification
never raises on what a request contains: every failure is a Verdict with a reason a person can act on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hookdev.signing import github, shopify, slack, standard, stripe
from hookdev.signing._core import SCHEMES, SecretError, Verdict, as_bytes

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
    ("shopify", ("x-shopify-hmac-sha256", "shopify-hmac-sha256")),
    ("slack", ("x-slack-signature",)),
)


def detect_scheme(headers: Mapping[str, str]) -> str | None:
    """The signature scheme a request's headers announce (names in any case), or None for an unsigned
    request."""
    for scheme, names in _DETECTION:
        for name in names:
            if name in headers:
                return scheme
    lowered = {k.lower() for k in headers if isinstance(k, str)}  # Title-Case names: the slower way
    if lowered.issubset(headers):
        return None
    for scheme, names in _DETECTION:
        if not lowered.isdisjoint(names):
            return scheme
    return None


#: Schemes whose signature covers the body alone, keyed by the secret's text (HMAC-SHA256).
_BODY_ONLY = frozenset({"github", "shopify"})
#: The content Stripe (``<t>.`` + body) and Slack (``v0:<t>:`` + body) sign with the same kind of key:
#: a body of this shape signed "as GitHub/Shopify" may be one of their signatures, replayed.
_TIMESTAMPED_CONTENT = (("stripe", re.compile(rb"[0-9]+\.")), ("slack", re.compile(rb"v0:[0-9]+:")))


def split_secret(secret: str) -> tuple[str | None, str]:
    """``("stripe", "whsec_...")`` for a secret written ``stripe:whsec_...``; ``(None, secret)`` for a bare one.

    The rule (README, "Security"): a secret written ``SCHEME:SECRET`` verifies SCHEME's signatures only.
    A bare secret verifies the scheme the receiver, route or command is set to (``--scheme``), else the
    scheme the request's headers announce -- except that a bare secret never verifies a GitHub or
    Shopify signature over a body shaped like a Stripe or Slack signed payload (``<t>.``...,
    ``v0:<t>:``...), which is what a signature made for one of those looks like replayed as the other.
    """
    if isinstance(secret, str):
        scheme, sep, rest = secret.partition(":")
        if sep and rest and scheme in _VERIFIERS:
            return scheme, rest
    return None, secret


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
    used even when its headers are absent, so the verdict says which header is missing. Each secret is
    used for its own scheme only (:func:`split_secret`); ``matched_secret`` indexes ``secrets``.
    """
    detected = scheme is None
    if scheme is None:
        scheme = detect_scheme(headers)
        if scheme is None:
            return Verdict(None, None, None)
    verifier = _VERIFIERS.get(scheme)
    if verifier is None:
        known = ", ".join(SCHEMES)
        return Verdict(False, None, f"unknown signature scheme {scheme!r} (known: {known})")
    if all(s.__class__ is str and ":" not in s for s in secrets) and (
        scheme not in _BODY_ONLY or not detected
    ):
        return verifier(headers, body, secrets, tolerance=tolerance, now=now)  # the hot path: all bare
    usable: list[str] = []
    index_of: list[int] = []
    other: list[str] = []
    shaped = _replay_shape(scheme, body) if detected else None
    for index, secret in enumerate(secrets):
        bound, text = split_secret(secret)
        if bound is not None and bound != scheme:
            other.append(bound)
            continue
        if bound is None and shaped is not None:
            other.append(f"bare, and the body is shaped like a {shaped} signed payload")
            continue
        usable.append(text)
        index_of.append(index)
    if not usable and secrets:
        why = "; ".join(f"secret {i + 1} is for {o}" for i, o in enumerate(other[:3]))
        reason = f"no secret configured to verify {scheme} signatures ({why})"
        if shaped is not None:
            reason += f"; bind a secret to {scheme} ({scheme}:SECRET) to accept such a body"
        return Verdict(False, scheme, reason)
    verdict = verifier(headers, body, usable, tolerance=tolerance, now=now)
    if verdict.matched_secret is None:
        return verdict
    return Verdict(
        verdict.verified,
        verdict.scheme,
        verdict.reason,
        index_of[verdict.matched_secret],
        verdict.webhook_id,
        verdict.timestamp,
        verdict.skew,
    )


def _replay_shape(scheme: str, body: Any) -> str | None:
    """The timestamped scheme whose signed content ``body`` looks like, for a body-only ``scheme``."""
    if scheme not in _BODY_ONLY:
        return None
    raw = as_bytes(body)
    for name, pattern in _TIMESTAMPED_CONTENT:
        if pattern.match(raw):
            return name
    return None


__all__ = ["SCHEMES", "SecretError", "Verdict", "detect_scheme", "split_secret", "verify"]
