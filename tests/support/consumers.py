"""Webhook consumers written to fail in known ways, for grading `hookdev check` (Standard Webhooks).

Each is a real Starlette app. ``POST /hooks`` handles a delivery; ``GET /effects`` returns how many
events it acted on (the side-effect count a ``--probe`` reads). The flaws:

- ``verify=False``: does not check signatures at all;
- ``check_timestamp=False``: checks the HMAC but not the timestamp;
- ``fail_unknown=True``: answers 500 to event types it does not know;
- ``delay``: takes that many seconds to answer;
- ``dedupe=False``: acts on every duplicate again;
- ``max_body``: refuses bodies larger than that (413).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from svix.webhooks import Webhook, WebhookVerificationError

KNOWN_TYPES = frozenset({"code.created", "code.scanned", "code.updated", "code.deleted"})


@dataclass
class Flaws:
    verify: bool = True
    check_timestamp: bool = True
    fail_unknown: bool = False
    delay: float = 0.0
    dedupe: bool = True
    max_body: int | None = None


@dataclass
class ConsumerState:
    effects: int = 0
    seen: set[str] = field(default_factory=set)
    requests: int = 0


def _hmac_only(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Signature check that ignores the timestamp (the flaw)."""
    msg_id = headers.get("webhook-id") or headers.get("svix-id") or ""
    ts = headers.get("webhook-timestamp") or headers.get("svix-timestamp") or ""
    sigs = headers.get("webhook-signature") or headers.get("svix-signature") or ""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(
        hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    ).decode()
    return any(s.startswith("v1,") and hmac.compare_digest(s[3:], expected) for s in sigs.split(" "))


def consumer_app(secret: str, flaws: Flaws | None = None) -> tuple[Starlette, ConsumerState]:
    f = flaws or Flaws()
    state = ConsumerState()

    async def hooks(request: Request) -> Response:
        state.requests += 1
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        if f.max_body is not None and len(body) > f.max_body:
            return PlainTextResponse("too large", status_code=413)
        if f.verify:
            if f.check_timestamp:
                try:
                    Webhook(secret).verify(body, headers)
                except WebhookVerificationError as e:
                    return PlainTextResponse(f"bad signature: {e}", status_code=401)
            elif not _hmac_only(secret, headers, body):
                return PlainTextResponse("bad signature", status_code=401)
        event = json.loads(body)
        if f.fail_unknown and event.get("type") not in KNOWN_TYPES:
            raise RuntimeError(f"no handler for {event.get('type')}")
        msg_id = headers.get("webhook-id") or headers.get("svix-id") or ""
        if f.delay:
            await asyncio.sleep(f.delay)
        if f.dedupe and msg_id in state.seen:
            return JSONResponse({"duplicate": True})
        state.seen.add(msg_id)
        state.effects += 1
        return JSONResponse({"ok": True})

    async def effects(request: Request) -> Response:
        return PlainTextResponse(str(state.effects))

    async def crash(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("internal error", status_code=500)

    app = Starlette(
        routes=[Route("/hooks", hooks, methods=["POST"]), Route("/effects", effects, methods=["GET"])],
        exception_handlers={RuntimeError: crash},
    )
    return app, state


_DELIVERY_ID = {
    "standard": "webhook-id",
    "stripe": None,  # Stripe consumers dedupe on the event id in the body
    "github": "x-github-delivery",
    "shopify": "x-shopify-webhook-id",
    "slack": None,
}


def scheme_consumer_app(scheme: str, secret: str, *, verify: bool = True) -> tuple[Starlette, ConsumerState]:
    """A consumer of ``scheme``'s deliveries that verifies with the provider's own library (see
    tests.support.verifiers), acknowledges unknown types and duplicates; ``verify=False`` is naive."""
    from tests.support.verifiers import official

    check = official(scheme, secret)
    state = ConsumerState()

    async def hooks(request: Request) -> Response:
        state.requests += 1
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        if verify and not check(body, headers):
            return PlainTextResponse("invalid signature", status_code=400)
        header = _DELIVERY_ID[scheme]
        key = (
            (headers.get(header) or headers.get("svix-id") or "")
            if header
            else hashlib.sha256(body).hexdigest()
        )
        if key not in state.seen:
            state.seen.add(key)
            state.effects += 1
        return JSONResponse({"ok": True})

    async def effects(request: Request) -> Response:
        return PlainTextResponse(str(state.effects))

    app = Starlette(
        routes=[Route("/hooks", hooks, methods=["POST"]), Route("/effects", effects, methods=["GET"])]
    )
    return app, state
