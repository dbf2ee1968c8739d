"""Delivery: the sender's engine room.

``schedule`` (retry math), ``clock`` (real and virtual time), ``ratelimit`` (per-endpoint spacing),
``attempt`` (one signed HTTP request), ``dispatcher`` (claims due attempts from the database and runs
them), ``validate`` (input checks) and ``views`` (JSON shapes). This module holds the few names the
light modules share, so listing endpoints does not import httpx.
"""

from __future__ import annotations

ATTEMPT_PREFIX = "atmpt"
DEFAULT_TIMEOUT = 15.0  # seconds an endpoint has to answer
FAULT_SKEW = 3600  # seconds a stale/future timestamp is off, from the moment of each attempt (see formats)

FAULTS: dict[str, str] = {
    "duplicate": "the same webhook-id is delivered twice in a row",
    "tamper": "the body is changed after signing",
    "stale": "the signed timestamp is 1 h in the past, from the moment of each attempt (retries too)",
    "future": "the signed timestamp is 1 h ahead, from the moment of each attempt (retries too)",
    "wrong-secret": "signed with a random secret the consumer does not know",
    "no-signature": "no signature header",
    "out-of-order": "a batch of messages is delivered in reverse order of creation",
}
