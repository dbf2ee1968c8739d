"""The delivery tables' rows: their columns, and the mapping between a row and its dataclass.

Rows are read by column NAME (``c["rate_limit"]``), never by position, so adding a column is one entry
in a tuple here plus its use.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from hookdev.models import Attempt, Endpoint, Message

ENDPOINT_COLUMNS = (
    "id",
    "url",
    "secret",
    "description",
    "events",
    "channels",
    "rate_limit",
    "headers",
    "disabled",
    "disabled_reason",
    "old_secrets",
    "managed",
    "created_at",
    "updated_at",
    "scheme",
)
ENDPOINT_SELECT = f"SELECT {', '.join(ENDPOINT_COLUMNS)} FROM endpoints"

MESSAGE_COLUMNS = ("id", "event_type", "channels", "payload", "created_at", "fault", "time_scale")
MESSAGE_SELECT = f"SELECT {', '.join(MESSAGE_COLUMNS)} FROM messages"

ATTEMPT_COLUMNS = (
    "id",
    "message_id",
    "endpoint_id",
    "number",
    "trigger",
    "status",
    "scheduled_at",
    "started_at",
    "duration_ms",
    "status_code",
    "error",
    "response_headers",
    "response_body",
    "request_headers",
    "fault",
    "extra",
)
ATTEMPT_SELECT = f"SELECT {', '.join(ATTEMPT_COLUMNS)} FROM attempts"
# The same columns with an empty response body: listings that never show bodies skip reading them.
ATTEMPT_SELECT_NO_BODY = ATTEMPT_SELECT.replace(", response_body,", ", x'',", 1)
ATTEMPT_INSERT = (
    f"INSERT INTO attempts ({', '.join(ATTEMPT_COLUMNS)}) VALUES ({', '.join('?' * len(ATTEMPT_COLUMNS))})"
)

OPEN_STATUSES = ("pending", "sending")
# Claims and lookups by a set of ids go through SQLite in chunks below its variable limit.
CHUNK = 500

T = TypeVar("T")


def _named(columns: tuple[str, ...], row: Sequence[Any]) -> dict[str, Any]:
    return dict(zip(columns, row, strict=True))


def endpoint_row(e: Endpoint) -> tuple[Any, ...]:
    """The values of ``ENDPOINT_COLUMNS``, in order."""
    values = {
        "id": e.id,
        "url": e.url,
        "secret": e.secret,
        "description": e.description,
        "events": json.dumps(e.events),
        "channels": json.dumps(e.channels),
        "rate_limit": e.rate_limit,
        "headers": json.dumps(e.headers),
        "disabled": int(e.disabled),
        "disabled_reason": e.disabled_reason,
        "old_secrets": json.dumps([[s, exp] for s, exp in e.old_secrets]),
        "managed": int(e.managed),
        "created_at": e.created_at,
        "updated_at": e.updated_at,
        "scheme": e.scheme,
    }
    return tuple(values[c] for c in ENDPOINT_COLUMNS)


def endpoint_from_row(row: Sequence[Any]) -> Endpoint:
    c = _named(ENDPOINT_COLUMNS, row)
    return Endpoint(
        id=c["id"],
        url=c["url"],
        secret=c["secret"],
        description=c["description"],
        events=json.loads(c["events"]),
        channels=json.loads(c["channels"]),
        rate_limit=c["rate_limit"],
        headers=[(k, v) for k, v in json.loads(c["headers"])],
        disabled=bool(c["disabled"]),
        disabled_reason=c["disabled_reason"],
        old_secrets=[(s, float(exp)) for s, exp in json.loads(c["old_secrets"])],
        managed=bool(c["managed"]),
        created_at=c["created_at"],
        updated_at=c["updated_at"],
        scheme=c["scheme"] or "standard",
    )


def message_row(m: Message) -> tuple[Any, ...]:
    """The values of ``MESSAGE_COLUMNS``, in order."""
    values = {
        "id": m.id,
        "event_type": m.event_type,
        "channels": json.dumps(m.channels),
        "payload": m.payload,
        "created_at": m.created_at,
        "fault": m.fault,
        "time_scale": m.time_scale,
    }
    return tuple(values[c] for c in MESSAGE_COLUMNS)


def message_from_row(row: Sequence[Any]) -> Message:
    c = _named(MESSAGE_COLUMNS, row)
    return Message(
        id=c["id"],
        event_type=c["event_type"],
        channels=json.loads(c["channels"]),
        payload=bytes(c["payload"]),
        created_at=c["created_at"],
        fault=c["fault"],
        time_scale=c["time_scale"],
    )


def attempt_row(a: Attempt) -> tuple[Any, ...]:
    """The values of ``ATTEMPT_COLUMNS``, in order."""
    values = {
        "id": a.id,
        "message_id": a.message_id,
        "endpoint_id": a.endpoint_id,
        "number": a.number,
        "trigger": a.trigger,
        "status": a.status,
        "scheduled_at": a.scheduled_at,
        "started_at": a.started_at,
        "duration_ms": a.duration_ms,
        "status_code": a.status_code,
        "error": a.error,
        "response_headers": json.dumps(a.response_headers),
        "response_body": a.response_body,
        "request_headers": json.dumps(a.request_headers),
        "fault": a.fault,
        "extra": json.dumps(a.extra),
    }
    return tuple(values[c] for c in ATTEMPT_COLUMNS)


def attempt_from_row(row: Sequence[Any]) -> Attempt:
    c = _named(ATTEMPT_COLUMNS, row)
    return Attempt(
        id=c["id"],
        message_id=c["message_id"],
        endpoint_id=c["endpoint_id"],
        number=c["number"],
        trigger=c["trigger"],
        status=c["status"],
        scheduled_at=c["scheduled_at"],
        started_at=c["started_at"],
        duration_ms=c["duration_ms"],
        status_code=c["status_code"],
        error=c["error"],
        response_headers=[(k, v) for k, v in json.loads(c["response_headers"])],
        response_body=bytes(c["response_body"]),
        request_headers=[(k, v) for k, v in json.loads(c["request_headers"])],
        fault=c["fault"],
        extra=json.loads(c["extra"]),
    )


def chunks(items: list[T]) -> Iterator[list[T]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def marks(n: int) -> str:
    """``?, ?, ?`` for ``n`` parameters."""
    return ", ".join("?" * n)


def like(text: str) -> str:
    """``text`` escaped for a ``LIKE ... ESCAPE '\\'`` pattern."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
