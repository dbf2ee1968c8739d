"""A NAIVE consumer: it parses the JSON and acts on it without verifying anything. Do not copy it."""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def create_app() -> Starlette:
    events: list[dict[str, Any]] = []

    async def receive(request: Request) -> Response:
        events.append(json.loads(await request.body()))  # no signature, no timestamp, no dedupe
        return Response(status_code=200)

    app = Starlette(routes=[Route("/webhooks", receive, methods=["POST"])])
    app.state.events = events
    return app
