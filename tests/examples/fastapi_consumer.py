"""A minimal correct webhook consumer on FastAPI, verified with the svix package."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request, Response
from svix.webhooks import Webhook, WebhookVerificationError


def create_app(secret: str) -> FastAPI:
    app = FastAPI()
    webhook = Webhook(secret)
    seen: set[str] = set()
    app.state.events = []

    @app.post("/webhooks", status_code=204)
    async def receive(request: Request) -> Response:
        body = await request.body()  # not a pydantic model: the signature covers the raw bytes
        try:
            webhook.verify(body, dict(request.headers))
        except WebhookVerificationError:
            return Response("invalid signature", status_code=400)
        message_id = request.headers.get("webhook-id") or request.headers.get("svix-id", "")
        if message_id not in seen:
            seen.add(message_id)
            event: dict[str, Any] = json.loads(body)
            app.state.events.append(event)
        return Response(status_code=204)

    return app
