"""The battery: which checks exist, what each sends, when it passes, why it matters, where it applies.

Every check has a stable id (scripts, ``--only``/``--skip`` and JUnit rely on it). The table is the
Standard Webhooks battery; other schemes run the subset their rules allow (GitHub and Shopify sign no
timestamp, Stripe's libraries only refuse the past, only Standard Webhooks has the ``svix-*`` naming).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hookdev.delivery.formats import FAULT_OFFSET_TEXT, SCHEMES, TIMESTAMP_SCHEMES, VARIANTS

#: How a probe reading must move for a check: "none" (no side effect allowed), "once" (at most one),
#: "some" (at least one is expected, or the probe is not counting this consumer's work).
PROBE_NONE = "none"
PROBE_ONCE = "once"
PROBE_SOME = "some"

LARGE_SIZE = 1024 * 1024
CONCURRENT = 20
FAST_WARN = 1.0  # seconds: slower answers warn (the platform's timeout fails them)


@dataclass(frozen=True)
class Spec:
    """One check of the battery."""

    id: str
    sends: str  # what is delivered
    passes: str  # when it passes
    why: str  # one sentence on why it matters
    fault: str | None = None  # the sender fault it delivers
    variant: str | None = None  # the formats variant it delivers
    probe: str | None = None  # PROBE_* : how a side-effect probe judges it (None: not probed)


_ALL = frozenset(SCHEMES)

CHECKS: tuple[Spec, ...] = (
    Spec(
        "valid",
        "a correctly signed catalog event",
        "2xx",
        "A consumer that refuses real events loses data: the platform retries for 27 h, then gives up.",
        probe=PROBE_SOME,
    ),
    Spec(
        "fast",
        "a correctly signed catalog event, timed",
        "answered in under 1 s (warn when slower, fail past the timeout)",
        "Slow answers time out under load and every timeout is retried: do the work after answering.",
    ),
    Spec(
        "tampered",
        "a body changed after signing",
        "4xx",
        "Accepting it means anyone who can reach the URL can forge events.",
        fault="tamper",
        probe=PROBE_NONE,
    ),
    Spec(
        "stale",
        f"a timestamp {FAULT_OFFSET_TEXT} in the past",
        "4xx",
        "Without a timestamp check, a captured request can be replayed forever.",
        fault="stale",
        probe=PROBE_NONE,
    ),
    Spec(
        "future",
        f"a timestamp {FAULT_OFFSET_TEXT} ahead",
        "4xx",
        "A future timestamp stays replayable for as long as it is ahead: check both directions.",
        fault="future",
        probe=PROBE_NONE,
    ),
    Spec(
        "wrong-secret",
        "a signature made with a secret the consumer does not know",
        "4xx",
        "Only the holder of the secret may send events.",
        fault="wrong-secret",
        probe=PROBE_NONE,
    ),
    Spec(
        "unsigned",
        "no signature header",
        "4xx",
        "A missing signature must be refused, not skipped.",
        fault="no-signature",
        probe=PROBE_NONE,
    ),
    Spec(
        "rotation",
        "two signatures, the unknown one first",
        "2xx",
        "During a secret rotation every delivery carries several signatures: any one that matches counts.",
        variant="rotation",
    ),
    Spec(
        "unknown-version",
        "a signature of an unknown version next to a valid one",
        "2xx",
        "New signature versions get added: skip the ones you do not know instead of refusing.",
        variant="unknown-version",
    ),
    Spec(
        "svix-headers",
        "svix-id/-timestamp/-signature instead of webhook-*",
        "2xx (warn when only one naming is accepted)",
        "Svix-hosted platforms send svix-* headers, others webhook-*: a portable consumer reads both.",
        variant="svix-headers",
    ),
    Spec(
        "duplicate",
        "the same delivery (same id) twice",
        "2xx both times, processed once",
        "Platforms deliver at least once: the same event can arrive twice and must not act twice.",
        fault="duplicate",
        probe=PROBE_ONCE,
    ),
    Spec(
        "unknown-type",
        "an event type the consumer has never seen",
        "2xx",
        "New event types appear without warning: acknowledge and ignore them, or they are retried for 27 h.",
    ),
    Spec(
        "large",
        "a 1 MiB payload",
        "2xx",
        "Real events can be big (long lists, rich objects): a size limit below 1 MiB drops them.",
    ),
    Spec(
        "out-of-order",
        "an older event after a newer one",
        "2xx both",
        "Delivery order is not guaranteed (retries overtake): order by the event's own timestamp.",
    ),
    Spec(
        "concurrent",
        f"{CONCURRENT} deliveries at once",
        "all 2xx, none past the timeout",
        "Bursts arrive in parallel: a consumer that serializes or locks times out under them.",
    ),
)
BY_ID: dict[str, Spec] = {c.id: c for c in CHECKS}
IDS: tuple[str, ...] = tuple(BY_ID)


def not_applicable(scheme: str) -> dict[str, str]:
    """The checks a scheme's rules leave out, with the reason."""
    out: dict[str, str] = {}
    if scheme not in TIMESTAMP_SCHEMES:
        reason = f"{_name(scheme)} signs no timestamp"
        out["stale"] = reason
        out["future"] = reason
    elif scheme == "stripe":
        out["future"] = "Stripe's libraries accept timestamps from the future (only the past is checked)"
    for variant, schemes in VARIANTS.items():
        if scheme not in schemes:
            out[variant] = {
                "rotation": f"{_name(scheme)} sends one signature per delivery",
                "unknown-version": f"{_name(scheme)} has a single signature version",
                "svix-headers": "only Standard Webhooks has the svix-* naming",
            }[variant]
    return out


def battery(scheme: str, only: list[str] | None = None, skip: list[str] | None = None) -> list[Spec]:
    """The checks to run for ``scheme``, in table order. Raises ValueError (one line) for an unknown id,
    or for an ``--only`` id the scheme's rules leave out."""
    for ids in (only or [], skip or []):
        unknown = [i for i in ids if i not in BY_ID]
        if unknown:
            raise ValueError(f"unknown check {unknown[0]!r}; known: {', '.join(IDS)}")
    excluded = not_applicable(scheme)
    for i in only or []:
        if i in excluded:
            raise ValueError(f"check {i!r} does not apply to the {scheme} scheme: {excluded[i]}")
    chosen = [c for c in CHECKS if c.id not in excluded]
    if only:
        chosen = [c for c in chosen if c.id in only]
    if skip:
        chosen = [c for c in chosen if c.id not in skip]
    return chosen


def parse_ids(values: Sequence[str] | str | None) -> list[str]:
    """``--only a,b --only c`` -> ['a', 'b', 'c'] (blank items dropped)."""
    if values is None:
        return []
    items = [values] if isinstance(values, str) else list(values)
    return [part.strip() for item in items for part in item.split(",") if part.strip()]


def _name(scheme: str) -> str:
    return {"github": "GitHub", "shopify": "Shopify", "slack": "Slack", "stripe": "Stripe"}.get(
        scheme, "Standard Webhooks"
    )
