"""Plain dataclasses that the store returns and every other layer passes around."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Headers = list[tuple[str, str]]

#: The endpoint id the attempts of ``hookdev check URL`` carry when no endpoint has the URL (no such
#: endpoint exists: see :mod:`hookdev.check.targets`). Here, so listing commands need not load the check.
CHECK_ENDPOINT_ID = "ep_check"


@dataclass
class Capture:
    """One request the receiver captured, byte-exact."""

    id: str
    received_at: float
    method: str
    path: str
    query: str
    headers: Headers
    body: bytes
    body_size: int
    truncated: bool = False
    client: str | None = None
    scheme: str | None = None
    webhook_id: str | None = None
    event_type: str | None = None
    verified: bool | None = None
    reason: str | None = None
    matched_secret: str | None = None
    timestamp_skew: float | None = None
    status: int | None = None
    response_headers: Headers = field(default_factory=list)
    response_body: bytes = b""
    route: str | None = None
    forwarded_to: str | None = None
    forward_status: int | None = None
    forward_error: str | None = None
    forward_ms: float | None = None
    receiver_url: str | None = None  # the receiver it arrived on: where exports and replays go
    replay_of: str | None = None  # the capture this one replays (``hookdev inbox replay``, the Inbox's p/e)


@dataclass
class Endpoint:
    """A destination the sender delivers messages to."""

    id: str
    url: str
    secret: str | None  # None: the endpoint signs with the workspace's receiver secrets
    description: str = ""
    events: list[str] = field(default_factory=list)  # empty: every event type
    channels: list[str] = field(default_factory=list)
    rate_limit: float | None = None  # messages per second
    headers: Headers = field(default_factory=list)
    disabled: bool = False
    disabled_reason: str | None = None
    old_secrets: list[tuple[str, float]] = field(default_factory=list)  # (secret, expires_at)
    managed: bool = False  # declared in hookdev.toml
    created_at: float = 0.0
    updated_at: float = 0.0
    scheme: str = "standard"  # the provider format deliveries are signed in (delivery/formats.py)


@dataclass
class Message:
    """An event the sender emits: its payload bytes are fixed at creation and signed as they are."""

    id: str
    event_type: str
    payload: bytes
    created_at: float
    channels: list[str] = field(default_factory=list)
    fault: str | None = None
    time_scale: float | None = (
        None  # retries of this message wait schedule/time_scale (None: the dispatcher's)
    )


@dataclass
class Attempt:
    """One delivery attempt of a message to an endpoint (pending until it runs)."""

    id: str
    message_id: str
    endpoint_id: str
    number: int
    trigger: str  # scheduled | manual
    status: str  # pending | sending | success | failed | canceled
    scheduled_at: float
    started_at: float | None = None
    duration_ms: float | None = None
    status_code: int | None = None
    error: str | None = None
    response_headers: Headers = field(default_factory=list)
    response_body: bytes = b""
    request_headers: Headers = field(default_factory=list)
    fault: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
