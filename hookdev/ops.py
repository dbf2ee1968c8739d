"""Operational webhooks: the platform's own events about deliveries, sent to ``ops_endpoint``.

``message.attempt.failing`` after the 4th failed attempt, ``message.attempt.exhausted`` when the
schedule ran out, ``message.attempt.recovered`` when a message that was failing succeeds, and
``endpoint.disabled``. They are ordinary signed messages (retries and all), so a team can test the
alerting it builds on them. Deliveries to the ops endpoint itself never raise ops events (no loops).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hookdev.delivery.schedule import MAX_ATTEMPTS
from hookdev.events import AttemptFinished, EndpointChanged
from hookdev.managed import SETTING as MANAGED_SETTING
from hookdev.sender import Sender
from hookdev.settings import Settings
from hookdev.store import Store

FAILING_AFTER = 4
OPS_EVENT_TYPES = (
    "message.attempt.failing",
    "message.attempt.exhausted",
    "message.attempt.recovered",
    "endpoint.disabled",
)


class OpsEmitter:
    """A bus subscriber that turns delivery outcomes into operational messages."""

    def __init__(self, sender: Sender, settings: Callable[[], Settings]) -> None:
        self.sender = sender
        self.store: Store = sender.store
        self.settings = settings

    def endpoint_id(self) -> str | None:
        ref = self.settings().ops_endpoint
        if not ref:
            return None
        managed = self.store.get_setting(MANAGED_SETTING, {}) or {}
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
            if ep is not None and ep.id != ops and ep.disabled and event.status_code == 410:
                self.emit(
                    ops, "endpoint.disabled", {"endpointId": ep.id, "url": ep.url, "reason": event.reason}
                )

    def emit(self, ops: str, event_type: str, data: dict[str, Any]) -> None:
        self.sender.send_operational(event_type, data, ops)
