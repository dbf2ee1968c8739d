"""A signature verdict applied to a capture: which secrets apply, and what the capture records.

One rule for every place that judges a capture (the receiver as it arrives, ``verify --request``, the
TUI's verify-again, the demo): a route with its own secrets is checked with those, any other request
with the receiver's secrets plus the extra ones configured; secrets given for this one check (a
``--secret``, a secret typed in the TUI) are tried last. ``matched_secret`` says which one matched, in
words, never the secret itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from hookdev import signing
from hookdev.models import Capture
from hookdev.signing import Verdict

if TYPE_CHECKING:  # hookdev.forward loads httpx: `verify` and `sign` must not pay for it
    from hookdev.forward import Route


def verification_secrets(
    receiver: Sequence[str],
    extra: Sequence[str] = (),
    route: Route | None = None,
    given: Sequence[str] = (),
) -> list[str]:
    """The secrets a request is checked with, in the order ``secret_label`` names them."""
    if route is not None and route.secrets:
        return [*route.secrets, *given]
    return [*receiver, *extra, *given]


def secret_label(
    index: int, n_receiver: int, route: Route | None, *, n_extra: int = -1, given_label: str = ""
) -> str:
    """Which secret matched, in words: ``index`` into ``verification_secrets``' list."""
    if route is not None and route.secrets:
        if index < len(route.secrets):
            return f"route {route.prefix} secret #{index + 1}"
        return given_label or f"--secret #{index - len(route.secrets) + 1}"
    if index == 0 and n_receiver:
        return "receiver secret (current)"
    if index < n_receiver:
        return f"receiver secret (previous #{index})"
    if n_extra >= 0 and index >= n_receiver + n_extra and given_label:
        return given_label
    return f"--secret #{index - n_receiver + 1}"


def apply_verdict(
    capture: Capture,
    *,
    receiver: Sequence[str],
    extra: Sequence[str] = (),
    route: Route | None = None,
    given: Sequence[str] = (),
    given_label: str = "",
    scheme: str | None = None,
    tolerance: float | None = 300,
    now: float | None = None,
) -> Verdict:
    """Verify ``capture`` and write the verdict onto it (scheme, verified, reason, webhook id, skew,
    matched secret). ``now`` None: the current time; the TUI and ``verify --request`` pass the time it
    arrived, so an old request is not failed for its age. Returns the verdict."""
    secrets = verification_secrets(receiver, extra, route, given)
    if route is not None and route.scheme:
        scheme = route.scheme
    headers = {k.lower(): v for k, v in capture.headers}
    verdict = signing.verify(headers, capture.body, secrets, scheme=scheme, tolerance=tolerance, now=now)
    capture.scheme = verdict.scheme
    capture.verified = verdict.verified
    capture.reason = verdict.reason
    if verdict.verified is False and _signed_by_hookdev(headers, verdict.reason):
        capture.reason = f"{verdict.reason} (signed by another hookdev workspace? see `hookdev status`)"
    capture.webhook_id = verdict.webhook_id
    capture.timestamp_skew = verdict.skew
    capture.matched_secret = (
        None
        if verdict.matched_secret is None
        else secret_label(
            verdict.matched_secret, len(receiver), route, n_extra=len(extra), given_label=given_label
        )
    )
    return verdict


def _signed_by_hookdev(headers: dict[str, str], reason: str | None) -> bool:
    """A well-formed signature from hookdev's own sender that no secret here matches: most likely a
    `hookdev send` run against another workspace (another folder, another secret)."""
    return (
        reason is not None
        and " matched any of " in reason
        and headers.get("user-agent", "").startswith("hookdev/")
    )
