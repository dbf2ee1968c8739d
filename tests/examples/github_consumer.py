"""A minimal correct GitHub webhook consumer on Starlette, with the check GitHub documents."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def create_app(secret: str) -> Starlette:
    seen: set[str] = set()
    events: list[tuple[str, dict[str, Any]]] = []

    async def receive(request: Request) -> Response:
        body = await request.body()
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, request.headers.get("x-hub-signature-256", "")):
            return Response("bad signature", status_code=401)
        delivery = request.headers.get("x-github-delivery", "")
        if delivery not in seen:  # GitHub redelivers with the same X-GitHub-Delivery
            seen.add(delivery)
            events.append((request.headers.get("x-github-event", ""), json.loads(body)))
        return Response(status_code=204)

    app = Starlette(routes=[Route("/github", receive, methods=["POST"])])
    app.state.events = events
    return app
