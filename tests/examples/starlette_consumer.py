"""A minimal correct webhook consumer on Starlette (Standard Webhooks, verified with the svix package).

What makes it correct: it verifies the raw body before parsing it (signature AND timestamp), answers
4xx to what fails, acknowledges duplicates and unknown event types with 2xx without acting twice, and
does its work quickly.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from svix.webhooks import Webhook, WebhookVerificationError

HANDLED = {"code.scanned", "code.created"}


def create_app(secret: str) -> Starlette:
    webhook = Webhook(secret)
    seen: set[str] = set()
    events: list[dict[str, Any]] = []

    async def receive(request: Request) -> Response:
        body = await request.body()  # the exact bytes: the signature covers them
        try:
            webhook.verify(body, dict(request.headers))  # signature and timestamp (both directions)
        except WebhookVerificationError:
            return Response("invalid signature", status_code=400)
        message_id = request.headers.get("webhook-id") or request.headers.get("svix-id", "")
        if message_id in seen:
            return Response(status_code=204)  # a duplicate: acknowledge it, do nothing
        seen.add(message_id)
        event = json.loads(body)
        if event.get("type") in HANDLED:
            events.append(event)  # the side effect (a real app would queue the work)
        return Response(status_code=204)  # unknown types are acknowledged too

    app = Starlette(routes=[Route("/webhooks", receive, methods=["POST"])])
    app.state.events = events
    return app
