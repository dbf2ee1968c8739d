"""Operational webhooks: the platform's own events about deliveries, sent to ``ops_endpoint``.

``message.attempt.failing`` after the 4th failed attempt, ``message.attempt.exhausted`` when the
schedule ran out, ``message.attempt.recovered`` when a message that was failing succeeds, and
``endpoint.disabled``. They are ordinary signed messages (retries and all), so a team can test the
alerting it builds on them. Deliveries to the ops endpoint itself never raise ops events (no loops).
"""

from __future__ import annotations

import time
from typing import Any

from hookdev.catalog import payload_bytes
from hookdev.delivery import ATTEMPT_PREFIX
from hookdev.delivery.schedule import MAX_ATTEMPTS
from hookdev.events import AttemptFinished, EndpointChanged, MessageCreated
from hookdev.ids import new_id
from hookdev.managed import SETTING as MANAGED_SETTING
from hookdev.models import Attempt, Message
from hookdev.presentation import iso

FAILING_AFTER = 4
OPS_EVENT_TYPES = (
    "message.attempt.failing",
    "message.attempt.exhausted",
    "message.attempt.recovered",
    "endpoint.disabled",
)


class OpsEmitter:
    """A bus subscriber that turns delivery outcomes into operational messages."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    def endpoint_id(self) -> str | None:
        ref = self.engine.options.ops_endpoint
        if not ref:
            return None
        managed = self.engine.store.get_setting(MANAGED_SETTING, {}) or {}
        found = managed.get(ref, ref)
        return str(found) if found else None

    def __call__(self, event: Any) -> None:
        ops = self.endpoint_id()
        if ops is None:
            return
        if isinstance(event, AttemptFinished):
            a = event.attempt
            if a.endpoint_id == ops or a.trigger != "scheduled":
                return
            data = {
                "messageId": a.message_id,
                "endpointId": a.endpoint_id,
                "attemptId": a.id,
                "attemptNumber": a.number,
                "responseStatusCode": a.status_code,
                "error": a.error,
            }
            if a.status == "failed" and a.number == FAILING_AFTER and event.next_attempt is not None:
                self.emit(ops, "message.attempt.failing", data)
            elif a.status == "failed" and event.next_attempt is None and a.number >= MAX_ATTEMPTS:
                self.emit(ops, "message.attempt.exhausted", data)
            elif a.status == "success" and a.number > FAILING_AFTER:
                self.emit(ops, "message.attempt.recovered", data)
        elif isinstance(event, EndpointChanged):
            ep = event.endpoint
            if ep is not None and ep.id != ops and ep.disabled and event.reason and "410" in event.reason:
                self.emit(
                    ops, "endpoint.disabled", {"endpointId": ep.id, "url": ep.url, "reason": event.reason}
                )

    def emit(self, ops: str, event_type: str, data: dict[str, Any]) -> None:
        store = self.engine.store
        if store.get_endpoint(ops) is None:
            return
        now = time.time()
        body = payload_bytes({"type": event_type, "timestamp": iso(now), "data": data})
        message = Message(new_id("msg"), event_type, body, now)
        attempt = Attempt(new_id(ATTEMPT_PREFIX), message.id, ops, 1, "scheduled", "pending", now)
        store.enqueue([message], [attempt])
        self.engine.bus.publish(MessageCreated(message, (ops,)))
        self.engine._wake_dispatcher()
