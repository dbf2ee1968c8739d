"""Fixed, realistic demo data for screenshots and snapshot tests: captures of every verdict (one
forwarded to the developer's app), a few endpoints (one disabled by a 410), messages whose deliveries
succeeded, failed, and are retrying, and an engine set up to forward, with a relay and the dev loop on.

Every id, secret and timestamp is fixed, so two runs draw the same screen. Signatures are real: the
valid captures verify against the workspace secret this module writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hookdev.catalog import load_catalog
from hookdev.events import StatusChanged
from hookdev.forward import Route
from hookdev.models import Attempt, Capture, Endpoint, Message
from hookdev.options import EngineOptions
from hookdev.signing.standard import sign_headers
from hookdev.tunnel.client import RelayStatus
from hookdev.verdicts import apply_verdict
from hookdev.workspace import Workspace, write_private

BASE = 1741964966.0  # 2025-03-14 15:09:26 UTC
NOW = BASE + 600.0
URL = "http://127.0.0.1:8787"
RECEIVER_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OLD_SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
PARTNER_SECRET = "whsec_plJ3nmyCDGBKInavdOK15jsl0N6Oe7Jz"
APP_URL = "http://localhost:3000"
RELAY = "https://relay.hookdev.example"
PUBLIC_URL = RELAY + "/c/k7Qm2vXa9LpT"


@dataclass(frozen=True)
class _Req:
    at: float
    event: str | None
    path: str = "/webhooks/qr"
    secret: str | None = RECEIVER_SECRET  # None: unsigned
    status: int | None = None
    signed_at: float | None = None
    extra: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    method: str = "POST"
    forwarded: bool = False  # answered by the developer's app at APP_URL


_REQUESTS = (
    _Req(BASE + 585, "code.scanned", forwarded=True),
    _Req(BASE + 571, "code.created", extra=(("authorization", "Bearer sk_live_51HqLyjWDarjtT1zdp7dc"),)),
    _Req(BASE + 544, "code.updated", secret="whsec_wrongwrongwrongwrongwrongwrong0"),
    _Req(BASE + 530, "page.published", status=500),
    _Req(
        BASE + 512,
        None,
        path="/hooks/legacy",
        secret=None,
        body=b"event=page.unpublished&page=pg_2c9Yw8&by=usr_8Hn2QmZr4TbX",
        extra=(("content-type", "application/x-www-form-urlencoded"),),
    ),
    _Req(BASE + 488, "contact.captured", signed_at=BASE - 900),
    _Req(BASE + 466, "folder.shared"),
    _Req(BASE + 431, "workspace.member_added"),
    _Req(BASE + 402, None, path="/health", secret=None, body=b"", method="GET"),
    _Req(BASE + 377, "code.scanned"),
    _Req(BASE + 350, "page.unpublished"),
    _Req(BASE + 301, "code.deleted"),
    _Req(BASE + 262, "code.scanned"),
    _Req(BASE + 233, "workspace.member_removed"),
)


def _capture(i: int, r: _Req, examples: dict[str, bytes]) -> Capture:
    body = r.body if r.body is not None else examples[r.event or ""]
    headers = [
        ("host", "127.0.0.1:8787"),
        ("user-agent", "hookdev/0.1 (webhook sender)"),
        ("content-type", "application/json"),
        ("content-length", str(len(body))),
        *r.extra,
    ]
    if r.secret is not None:
        msg_id = f"msg_2vQxL9dFz3Hk8TnWp{i:03d}"
        headers += list(sign_headers([r.secret], msg_id, int(r.signed_at or r.at - 0.4), body).items())
    if r.body is not None and r.extra:
        headers = [(k, v) for k, v in headers if k != "content-type" or v != "application/json"]
    capture = Capture(
        id=f"req_2vQxLdemo{i:012d}",
        received_at=r.at,
        method=r.method,
        path=r.path,
        query="",
        headers=headers,
        body=body,
        body_size=len(body),
        client=f"127.0.0.1:{52100 + i}",
        event_type=r.event,
    )
    verdict = apply_verdict(capture, receiver=[RECEIVER_SECRET, OLD_SECRET], now=r.at)
    status = r.status or (401 if verdict.verified is False else 200)
    answer = {"received": True, "id": capture.id}
    if verdict.verified is False:
        answer["error"] = verdict.reason or ""
    if r.forwarded:
        status = 202
        answer_headers = [
            ("content-type", "application/json; charset=utf-8"),
            ("x-request-id", "7c1d2e0a-5b7f-4d1e-9a43-0f3b8e6c2d51"),
            ("x-powered-by", "Express"),
        ]
        answer_body = b'{"queued":true,"job":"job_8842"}'
    else:
        answer_headers = [("content-type", "application/json")]
        answer_body = json.dumps(answer, separators=(",", ":")).encode()
    capture.status = status
    capture.response_headers = answer_headers
    capture.response_body = answer_body
    if r.forwarded:
        capture.forwarded_to = APP_URL + r.path
        capture.forward_status = status
        capture.forward_ms = 14.2
    return capture


def _attempt(
    n: int,
    msg: str,
    ep: str,
    number: int,
    status: str,
    at: float,
    code: int | None = None,
    ms: float | None = None,
    error: str | None = None,
    trigger: str = "scheduled",
    fault: str | None = None,
) -> Attempt:
    return Attempt(
        id=f"att_2vQxLdemo{n:012d}",
        message_id=msg,
        endpoint_id=ep,
        number=number,
        trigger=trigger,
        status=status,
        scheduled_at=at,
        started_at=None if status == "pending" else at,
        duration_ms=ms,
        status_code=code,
        error=error,
        fault=fault,
    )


_ANSWERS = {
    200: b'{"ok":true}',
    401: b'{"error":"invalid signature"}',
    410: b'{"error":"gone"}',
    500: b'{"error":"internal error","trace_id":"7f3a9c"}',
    503: b'{"error":"upstream unavailable, try again"}',
}


def _fill_exchanges(store: Any, messages: list[Message], attempts: list[Attempt]) -> None:
    """What each finished attempt sent and got back (signed with fixed secrets at its own time)."""
    from hookdev.delivery.attempt import build_request
    from hookdev.redact import redact_headers

    by_id = {m.id: m for m in messages}
    for a in attempts:
        endpoint = store.get_endpoint(a.endpoint_id)
        if endpoint is None or a.status in ("pending", "sending") or a.started_at is None:
            continue
        headers = build_request(endpoint, by_id[a.message_id], [PARTNER_SECRET], a.fault, now=a.started_at)[0]
        a.request_headers = redact_headers(headers)
        if a.status_code is not None:
            a.response_headers = [("content-type", "application/json"), ("server", "consumer/1.4")]
            a.response_body = _ANSWERS.get(a.status_code, b"{}")


def _number_by_time(attempts: list[Attempt]) -> None:
    """Give the attempts ids in the order they were made, as real (time-ordered) ids are: listings sort
    by id. A pending retry was made when the attempt before it failed, one retry delay (300 s) earlier."""
    made = sorted(attempts, key=lambda a: (a.started_at or a.scheduled_at - 300, a.id))
    for n, a in enumerate(made, 1):
        a.id = f"att_2vQxLdemo{n:012d}"


def seed(workspace: Workspace) -> None:
    """Write the demo secrets, captures, endpoints, messages and attempts into ``workspace``."""
    write_private(
        workspace.secrets_path,
        json.dumps(
            {"secret": RECEIVER_SECRET, "previous": [{"secret": OLD_SECRET, "expires_at": NOW + 6 * 3600}]}
        ),
    )
    store = workspace.store
    catalog = load_catalog(None)
    examples = {t.name: t.example_bytes() for t in catalog}
    for i, r in enumerate(reversed(_REQUESTS)):
        store.insert_capture(_capture(i, r, examples))
    local_ep = store.get_endpoint("ep_local")
    if local_ep is not None:
        local_ep.url = URL + "/"
        store.save_endpoint(local_ep)
    store.insert_endpoint(
        Endpoint(
            id="ep_2vQxLpartnerapi01",
            url="https://api.partner.example/webhooks/qr",
            secret=PARTNER_SECRET,
            description="Partner integration (staging)",
            events=["code.created", "code.scanned"],
            channels=["staging"],
            rate_limit=10.0,
            headers=[("X-Env", "staging"), ("Authorization", "Bearer pk_stage_9f2c81d0a4")],
            created_at=BASE - 86400,
            updated_at=BASE - 3600,
        )
    )
    store.insert_endpoint(
        Endpoint(
            id="ep_2vQxLlegacyhook02",
            url="https://old.example.net/hooks",
            secret=PARTNER_SECRET,
            description="Old consumer",
            disabled=True,
            disabled_reason="410 Gone from https://old.example.net/hooks (message msg_2vQxLdemomessage03, attempt 1)",
            created_at=BASE - 5 * 86400,
            updated_at=BASE + 100,
        )
    )
    messages = [
        Message("msg_2vQxLdemomessage01", "code.created", examples["code.created"], BASE + 570),
        Message("msg_2vQxLdemomessage02", "code.scanned", examples["code.scanned"], BASE + 584),
        Message("msg_2vQxLdemomessage03", "page.published", examples["page.published"], BASE + 520),
        Message(
            "msg_2vQxLdemomessage04", "workspace.member_added", examples["workspace.member_added"], BASE + 430
        ),
        # sent with the tamper fault: hookdev's receiver refuses it, the partner's consumer wrongly accepts it
        Message(
            "msg_2vQxLdemomessage05", "code.created", examples["code.created"], BASE + 500, fault="tamper"
        ),
    ]
    local, partner, legacy = "ep_local", "ep_2vQxLpartnerapi01", "ep_2vQxLlegacyhook02"
    attempts = [
        _attempt(1, messages[0].id, local, 1, "success", BASE + 570.2, 200, 11.8),
        _attempt(2, messages[0].id, partner, 1, "failed", BASE + 570.2, 500, 84.1),
        _attempt(3, messages[0].id, partner, 2, "failed", BASE + 575.3, 503, 91.7),
        _attempt(4, messages[0].id, partner, 3, "pending", NOW + 272),
        _attempt(5, messages[1].id, local, 1, "success", BASE + 584.1, 200, 9.6),
        _attempt(6, messages[1].id, partner, 1, "sending", BASE + 599.8),
        _attempt(7, messages[2].id, local, 1, "failed", BASE + 520.1, 500, 10.2),
        _attempt(8, messages[2].id, local, 2, "success", BASE + 525.2, 200, 8.9),
        _attempt(10, messages[3].id, local, 1, "success", BASE + 430.3, 200, 12.4),
        _attempt(11, messages[4].id, local, 1, "failed", BASE + 500.1, 401, 9.1, fault="tamper"),
        _attempt(12, messages[4].id, local, 2, "failed", BASE + 505.2, 401, 8.7, fault="tamper"),
        _attempt(13, messages[4].id, partner, 1, "success", BASE + 500.1, 200, 88.3, fault="tamper"),
    ]
    gone = _attempt(
        9,
        messages[2].id,
        legacy,
        1,
        "failed",
        BASE + 520.1,
        410,
        35.0,
        "410 Gone: the endpoint is disabled and nothing more is sent to it",
    )
    _fill_exchanges(store, messages, [*attempts, gone])
    _number_by_time([*attempts, gone])
    store.enqueue(messages, attempts)
    # the legacy endpoint is disabled, so enqueue skipped its attempt: record the 410 that disabled it
    store.set_endpoint_disabled(legacy, False, None, BASE + 100)
    store.insert_attempts([gone])
    store.set_endpoint_disabled(
        legacy,
        True,
        "410 Gone from https://old.example.net/hooks (message msg_2vQxLdemomessage03, attempt 1)",
        BASE + 100,
    )


LOG_LINES = (
    ("info", "receiver listening on http://127.0.0.1:8787/", "hookdev"),
    (
        "info",
        "msg_2vQxLdemomessage01 → ep_2vQxLpartnerapi01 attempt 2: failed (503) in 92 ms; retry 3 scheduled",
        "sender",
    ),
    (
        "warning",
        "invalid signature on POST /webhooks/qr: no signature matched the 2 active secrets",
        "receiver",
    ),
)


def engine_options() -> EngineOptions:
    """An engine forwarding to a local app, with a route, a relay, hookdev.toml and re-send on changes."""
    return EngineOptions(
        forward_to=APP_URL,
        routes=[Route("/stripe", "http://localhost:4242/webhooks")],
        relay=RELAY,
        config_path=Path("hookdev.toml"),
        resend_on_change=[Path("src")],
    )


STATUS_EVENTS = (
    StatusChanged("config", "reloaded hookdev.toml"),
    StatusChanged("watcher", "re-sending on changes under src"),
    StatusChanged(
        "relay",
        f"Public URL: {PUBLIC_URL}",
        data=RelayStatus("connected", f"Public URL: {PUBLIC_URL}", PUBLIC_URL),
    ),
)

CONFIG_ERROR = StatusChanged(
    "config",
    "config error (keeping the last good one): hookdev.toml:7: receiver.port: expected an integer from 0 to"
    ' 65535, got "80a"\nhookdev.toml:12: endpoints[0].rate_limit: must be greater than 0',
    ok=False,
)
