"""Replay a captured request: as it was, or edited, optionally re-signed, to a destination the user chose.

A replay goes where the user says (the receiver's own URL, the forward target or route, a typed URL),
never to the captured ``Host``, which stays a header. The body is sent as the exact bytes unless the
user edited it. Re-signing replaces every known signature header with fresh ones for one scheme.

Every replay carries ``x-hookdev-replay-of: <capture id>``. When it lands on a hookdev receiver of the
same workspace, that receiver's capture is the result and carries the link; anywhere else, the replay
itself is stored as a new capture (what was sent, what came back) linked to its original.

Editable form (``request_text``/``parse_request_text``): ``METHOD /path?query``, header lines, a blank
line, the body. Authorization values show masked; a masked value left as it is keeps the stored one.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from hookdev import signing
from hookdev.forward import Route, forward, forward_headers, match_route, route_url, target_url
from hookdev.ids import new_id
from hookdev.models import Capture, Headers
from hookdev.redact import MASK, SENSITIVE, redact_value
from hookdev.replay_link import REPLAY_HEADER
from hookdev.signing import github, shopify, slack, standard, stripe
from hookdev.store import Store

_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}$")  # an HTTP method is a token
_FRAMING = frozenset({"host", "content-length", "transfer-encoding", "connection", "keep-alive", "te"})
SIGNATURE_HEADERS = frozenset(
    {
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
        "svix-id",
        "svix-timestamp",
        "svix-signature",
        "stripe-signature",
        "x-hub-signature-256",
        "x-hub-signature",
        "x-shopify-hmac-sha256",
        "x-slack-signature",
        "x-slack-request-timestamp",
    }
)
DEFAULT_TIMEOUT = 30.0


class ReplayError(Exception):
    """A replay that cannot be built or sent as asked: a one-line reason."""


@dataclass
class ReplayRequest:
    """What a replay sends: ``target`` is the raw path and query, as captured (still percent-encoded)."""

    method: str
    target: str
    headers: Headers
    body: bytes
    edited: bool = False

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0] or "/"

    @property
    def query(self) -> str:
        return self.target.split("?", 1)[1] if "?" in self.target else ""


def from_capture(capture: Capture) -> ReplayRequest:
    """The capture's request as a replay sends it: framing headers and any old replay link dropped."""
    from hookdev.export import ExportError, request_target  # the export's URL rules, shared

    headers = [(k, v) for k, v in capture.headers if k.lower() not in _FRAMING and k.lower() != REPLAY_HEADER]
    try:
        target = request_target(capture)  # an absolute-form target keeps only its path
    except ExportError as e:
        raise ReplayError(str(e).replace("; use --as raw", ": it cannot be replayed")) from None
    return ReplayRequest(capture.method, target, headers, capture.body)


# -- editing --------------------------------------------------------------------------------------
def request_text(request: ReplayRequest) -> str:
    """The request as an editable text (UTF-8 bodies only; Authorization masked)."""
    try:
        body = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise ReplayError("the body is not UTF-8 text, so it cannot be edited: replay it as it is") from None
    lines = [f"{request.method} {request.target}"]
    lines += [f"{k}: {redact_value(k, v)}" for k, v in request.headers]
    return "\n".join(lines) + "\n\n" + body


def parse_request_text(text: str, original: ReplayRequest) -> ReplayRequest:
    """An edited request; ReplayError says which line is wrong.

    A body left as it was is sent as the original bytes (an editor's added final newline ignored)."""
    head, sep, body = text.partition("\n\n")
    if not sep:
        head, body = text.rstrip("\n"), ""
    lines = [line.rstrip("\r") for line in head.split("\n")]
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise ReplayError("the first line must be the method and path, like `POST /webhooks`")
    parts = lines[0].split()
    bad_version = len(parts) == 3 and not parts[2].upper().startswith("HTTP/")
    if len(parts) not in (2, 3) or bad_version or not _TOKEN.match(parts[0]):
        raise ReplayError(f"line 1: expected `METHOD /path`, got {lines[0][:80]!r}")
    method, target = parts[0].upper(), parts[1]
    if not target.startswith("/"):
        raise ReplayError(
            f"line 1: the path must start with / (the destination is chosen apart), got {target[:80]!r}"
        )
    kept = {k.lower(): v for k, v in original.headers if k.lower() in SENSITIVE}
    headers: Headers = []
    for n, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        name, value = name.strip(), value.strip()
        if not colon or not _TOKEN.match(name.replace("_", "-")):
            raise ReplayError(f"line {n}: expected `Name: value`, got {line[:80]!r}")
        if name.lower() in SENSITIVE and MASK in value and name.lower() in kept:
            value = kept[name.lower()]  # left masked: the stored value
        headers.append((name, value))
    original_text = original.body.decode("utf-8", "replace")
    if body.endswith("\n") and not original_text.endswith("\n"):
        body = body[:-1]  # the final newline an editor adds on save
    data = original.body if body == original_text else body.encode("utf-8")
    edited = (
        method != original.method
        or target != original.target
        or headers != original.headers
        or data != original.body
    )
    return ReplayRequest(method, target, headers, data, edited=edited)


# -- signing --------------------------------------------------------------------------------------
def resign(
    request: ReplayRequest, secret: str, scheme: str = "standard", now: float | None = None
) -> ReplayRequest:
    """Every known signature header replaced by fresh ones for ``scheme`` (the webhook-id is kept)."""
    if scheme not in signing.SCHEMES:
        raise ReplayError(f"unknown scheme {scheme!r}: use one of {', '.join(signing.SCHEMES)}")
    lowered = {k.lower(): v for k, v in request.headers}
    ts = int(time.time() if now is None else now)
    body = request.body
    try:
        if scheme == "standard":
            msg_id = lowered.get("webhook-id") or lowered.get("svix-id") or new_id("msg")
            fresh = list(standard.sign_headers([secret], msg_id, ts, body).items())
        elif scheme == "stripe":
            fresh = [("stripe-signature", stripe.sign(secret, ts, body))]
        elif scheme == "github":
            fresh = [("x-hub-signature-256", github.sign(secret, body))]
        elif scheme == "shopify":
            fresh = [("x-shopify-hmac-sha256", shopify.sign(secret, body))]
        else:
            fresh = [
                ("x-slack-request-timestamp", str(ts)),
                ("x-slack-signature", slack.sign(secret, ts, body)),
            ]
    except signing.SecretError as e:
        raise ReplayError(str(e)) from None
    kept = [(k, v) for k, v in request.headers if k.lower() not in SIGNATURE_HEADERS]
    return ReplayRequest(request.method, request.target, kept + fresh, body, edited=request.edited)


# -- destinations ---------------------------------------------------------------------------------
def destination(base: str, request: ReplayRequest, route: Route | None = None) -> str:
    """The URL a replay goes to: ``base`` (a receiver or a typed URL; its own path wins when it has
    one), or where ``route`` sends this path. Only http(s) URLs with a host."""
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ReplayError(
            f"replay destination must be an http:// or https:// URL with a host, got {base[:100]!r}"
        )
    if route is not None:
        return route_url(route, request.path, request.query)
    return target_url(base, request.path, request.query)


def own_receiver_url(store: Store, capture: Capture | None = None) -> str:
    """hookdev's own receiver: as the running one last announced it (the default endpoint follows its
    port), else the one the capture arrived on, else the default. Never the captured Host."""
    from hookdev.export import receiver_base

    endpoint = store.get_endpoint("ep_local")
    if endpoint is not None and endpoint.secret is None:
        return endpoint.url.rstrip("/")
    return receiver_base(capture) if capture is not None else "http://127.0.0.1:8787"


def forward_destination(forward_to: str | None, routes: list[Route], request: ReplayRequest) -> str | None:
    """Where the receiver would forward this request now (its route, or the forward target), if anywhere."""
    route = match_route(routes, request.path.split("?", 1)[0]) if routes else None
    if route is not None:
        return destination(route.target, request, route)
    return destination(forward_to, request) if forward_to else None


# -- sending --------------------------------------------------------------------------------------
@dataclass
class ReplayResult:
    url: str
    request: ReplayRequest
    status: int | None
    error: str | None
    duration_ms: float
    response_headers: Headers = field(default_factory=list)
    response_body: bytes = b""
    capture_id: str | None = None  # the new capture (the receiver's, or the replay's own record)
    recorded: bool = False  # True when hookdev stored the replay itself (the destination is not ours)

    def to_json(self) -> dict[str, object]:
        return {
            "url": self.url,
            "status": self.status,
            "error": self.error,
            "duration_ms": round(self.duration_ms, 1),
            "capture_id": self.capture_id,
            "recorded": self.recorded,
            "edited": self.request.edited,
        }


async def send(
    request: ReplayRequest,
    url: str,
    original_id: str,
    *,
    client: httpx.AsyncClient | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> ReplayResult:
    """Send ``request`` to ``url`` with the replay link header; never raises for network errors."""
    headers = forward_headers(request.headers + [(REPLAY_HEADER, original_id)], url)
    own = client is None
    client = client or httpx.AsyncClient(follow_redirects=False, timeout=None)
    try:
        result = await forward(client, url, request.method, headers, request.body, timeout=timeout)
    finally:
        if own:
            await client.aclose()
    if result.error is not None:
        error = result.error.replace("app not reachable", "nothing answered").replace("app ", "destination ")
        return ReplayResult(url, request, None, error, result.duration_ms)
    return ReplayResult(url, request, result.status, None, result.duration_ms, result.headers, result.body)


def record(original: Capture, result: ReplayResult, received_at: float) -> Capture:
    """The replay as a capture of its own: what was sent, where, and what came back."""
    request = result.request
    lowered = {k.lower(): v for k, v in request.headers}
    event_type: str | None = None
    if request.body.lstrip().startswith(b"{"):
        try:
            data = json.loads(request.body)
        except (ValueError, RecursionError):
            data = None
        if isinstance(data, dict) and isinstance(data.get("type"), str):
            event_type = data["type"]
    return Capture(
        id=new_id("req", received_at),
        received_at=received_at,
        method=request.method,
        path=request.path,
        query=request.query,
        headers=list(request.headers) + [(REPLAY_HEADER, original.id)],
        body=request.body,
        body_size=len(request.body),
        client="hookdev replay",
        scheme=signing.detect_scheme(lowered),
        webhook_id=lowered.get("webhook-id") or lowered.get("svix-id"),
        event_type=event_type,
        verified=None,
        reason=f"replay sent by hookdev to {result.url} (not verified: it was not received)",
        status=result.status,
        response_headers=result.response_headers,
        response_body=result.response_body,
        forwarded_to=result.url,
        forward_status=result.status,
        forward_error=result.error,
        forward_ms=result.duration_ms,
        replay_of=original.id,
    )


async def replay(
    store: Store,
    original: Capture,
    request: ReplayRequest,
    url: str,
    *,
    client: httpx.AsyncClient | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> ReplayResult:
    """Send, then link the result: the capture a hookdev receiver on this workspace made of it, or else a
    capture recording the replay itself (so every replay shows in the Inbox as "replay of req_…")."""
    started = time.time()
    result = await send(request, url, original.id, client=client, timeout=timeout)
    landed = store.find_replay(original.id, since=started)
    if landed is not None:
        result.capture_id = landed
        return result
    capture = record(original, result, time.time())
    store.insert_capture(capture)
    result.capture_id = capture.id
    result.recorded = True
    return result
