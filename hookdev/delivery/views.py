"""What the sender's objects look like to people and scripts: JSON shapes and delivery summaries.

One place, so ``--json`` output, the TUI and logs agree, and Authorization values are redacted in
all of them (they are write-only).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hookdev.models import Attempt, Endpoint, Message
from hookdev.presentation import iso
from hookdev.redact import headers_json


@dataclass
class Delivery:
    """The state of one message's delivery to one endpoint, summarised from its attempts."""

    endpoint_id: str
    status: str  # success | failed | pending | sending | canceled
    attempts: int  # attempts that ran (success or failed)
    last_status_code: int | None = None
    last_error: str | None = None
    last_attempt_at: float | None = None
    next_attempt_at: float | None = None
    exhausted: bool = False


def summarize(attempts: Iterable[Attempt]) -> list[Delivery]:
    """Deliveries per endpoint, from a message's attempts (any order), in endpoint order of first attempt."""
    groups: dict[str, list[Attempt]] = {}
    for a in attempts:
        groups.setdefault(a.endpoint_id, []).append(a)
    out = []
    for endpoint_id, group in groups.items():
        group.sort(key=lambda a: a.number)
        ran = [a for a in group if a.status in ("success", "failed")]
        statuses = {a.status for a in group}
        if "success" in statuses:
            status = "success"
        elif "sending" in statuses:
            status = "sending"
        elif "pending" in statuses:
            status = "pending"
        elif group[-1].status == "canceled":
            status = "canceled"
        else:
            status = "failed"
        last = ran[-1] if ran else None
        pending = [a.scheduled_at for a in group if a.status == "pending"]
        out.append(
            Delivery(
                endpoint_id=endpoint_id,
                status=status,
                attempts=len(ran),
                last_status_code=last.status_code if last else None,
                last_error=last.error if last else None,
                last_attempt_at=last.started_at if last else None,
                next_attempt_at=min(pending) if pending else None,
                exhausted=bool(last and last.extra.get("exhausted")),
            )
        )
    return out


def body_fields(data: bytes, key: str) -> dict[str, Any]:
    """Bytes as text when they are UTF-8, else base64 with ``<key>_base64: true``."""
    try:
        return {key: data.decode("utf-8"), f"{key}_base64": False}
    except UnicodeDecodeError:
        return {key: base64.b64encode(data).decode("ascii"), f"{key}_base64": True}


def attempt_json(a: Attempt) -> dict[str, Any]:
    """The one JSON shape of an attempt, in every command (streams of finished attempts add
    ``next_attempt_at``: see ``finished_attempt_json``)."""
    out: dict[str, Any] = {
        "id": a.id,
        "message_id": a.message_id,
        "endpoint_id": a.endpoint_id,
        "number": a.number,
        "trigger": a.trigger,
        "status": a.status,
        "scheduled_at": iso(a.scheduled_at),
        "started_at": iso(a.started_at) if a.status not in ("pending", "canceled") else None,
        "duration_ms": a.duration_ms,
        "status_code": a.status_code,
        "error": a.error,
    }
    out.update(body_fields(a.response_body, "response_body"))
    out["response_headers"] = headers_json(a.response_headers)
    out["request_headers"] = headers_json(a.request_headers)
    out["fault"] = a.fault
    out["exhausted"] = bool(a.extra.get("exhausted"))
    for key in ("retry_after", "duplicate", "interrupted", "response_truncated", "fault_note", "check"):
        if key in a.extra:
            out[key] = a.extra[key]
    return out


def finished_attempt_json(a: Attempt, next_attempt: Attempt | None) -> dict[str, Any]:
    """An attempt that just finished, as the event streams report it: ``attempt_json`` plus when the
    retry it scheduled is due (``next_attempt_at``, null when there is none)."""
    out = attempt_json(a)
    out["next_attempt_at"] = iso(next_attempt.scheduled_at) if next_attempt is not None else None
    return out


def delivery_json(d: Delivery) -> dict[str, Any]:
    return {
        "endpoint_id": d.endpoint_id,
        "status": d.status,
        "attempts": d.attempts,
        "last_status_code": d.last_status_code,
        "last_error": d.last_error,
        "last_attempt_at": iso(d.last_attempt_at),
        "next_attempt_at": iso(d.next_attempt_at),
        "exhausted": d.exhausted,
    }


def message_json(
    m: Message, *, body: bool = False, deliveries: list[Delivery] | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": m.id,
        "event_type": m.event_type,
        "channels": m.channels,
        "created_at": iso(m.created_at),
        "fault": m.fault,
        "size": len(m.payload),
    }
    if body:
        out.update(body_fields(m.payload, "payload"))
    if deliveries is not None:
        out["deliveries"] = [delivery_json(d) for d in deliveries]
    return out


def endpoint_json(
    e: Endpoint,
    *,
    secret: str | None,
    backlog: int = 0,
    pending: int = 0,
    sending: int = 0,
    success_rate: float | None = None,
) -> dict[str, Any]:
    return {
        "id": e.id,
        "url": e.url,
        "description": e.description,
        "secret": secret,
        "signs_with": "receiver secret" if e.secret is None else "endpoint secret",
        "scheme": e.scheme,
        "events": e.events,
        "channels": e.channels,
        "rate_limit": e.rate_limit,
        "headers": headers_json(e.headers),
        "disabled": e.disabled,
        "disabled_reason": e.disabled_reason,
        "managed": e.managed,
        "created_at": iso(e.created_at),
        "updated_at": iso(e.updated_at),
        "backlog": backlog,
        "pending": pending,
        "sending": sending,
        "success_rate": success_rate,
    }
