"""A minimal correct webhook consumer on Flask (WSGI), verified with the svix package."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, request
from svix.webhooks import Webhook, WebhookVerificationError


def create_app(secret: str) -> Flask:
    app = Flask(__name__)
    webhook = Webhook(secret)
    seen: set[str] = set()
    events: list[dict[str, Any]] = []
    app.config["EVENTS"] = events

    @app.post("/webhooks")
    def receive() -> tuple[str, int]:
        body = request.get_data()  # raw bytes, before any JSON parsing
        try:
            webhook.verify(body, dict(request.headers))
        except WebhookVerificationError:
            return "invalid signature", 400
        message_id = request.headers.get("webhook-id") or request.headers.get("svix-id", "")
        if message_id not in seen:
            seen.add(message_id)
            events.append(json.loads(body))
        return "", 204

    return app
