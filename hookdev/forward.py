"""Forwarding a captured request to the developer's app, byte for byte.

Targets are written the way developers say them: ``3000``, ``3000/hooks``, ``:3000/hooks``, ``localhost:3000``,
``app.local:8080/x`` or a full ``http(s)://`` URL (:func:`parse_target`).

Where a request goes (the two rules, one per kind of target):

* A plain target (``--forward``), :func:`target_url`: a target without a path of its own
  (``http://localhost:3000`` or ``.../``) gets the request path appended
  (``/hooks/x`` -> ``http://localhost:3000/hooks/x``); a target with a path is the exact URL every
  request goes to (``http://localhost:3000/webhooks``).
* A route (``/stripe=http://localhost:3000/stripe``), :func:`route_url`: like nginx's ``proxy_pass``,
  a target without a path gets the whole request path; a target with a path replaces the route prefix
  with that path and keeps the rest (``/stripe/events`` -> ``http://localhost:3000/stripe/events``,
  ``/stripe`` -> ``http://localhost:3000/stripe``).

In both, the request's query string is kept verbatim (after the target's own query, if any).

The body is sent exactly as captured (``content=body``): signatures are computed over those bytes,
so nothing on this path parses, decodes or re-serializes it. Redirects are not followed, and network
failures become a 502/504 :class:`ForwardResult` with a sentence a person can act on, never an exception.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx  # loaded when forwarding starts: it loads click and more

import asyncio
import json
import re
import socket
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

#: Headers that describe one connection, not the message (RFC 9110 section 7.6.1), plus ``expect``
#: (the 100-continue handshake belongs to the original hop). A proxy must not pass them on.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "expect",
    }
)

#: The largest answer from the app hookdev holds (and stores on the capture): ``--max-response``.
DEFAULT_MAX_RESPONSE = 10 * 1024 * 1024

_WHITESPACE = re.compile(r"\s")
_PORT_FIRST = re.compile(r"^\d+(/.*)?$")  # 3000 or 3000/hooks: a local port
_HOST_OK = re.compile(r"^[A-Za-z0-9._~%!$&'()*+,;=:@\[\]-]+$")


def parse_target(s: str) -> str:
    """Turn a developer's shorthand into a full http(s) URL, or raise ``ValueError`` saying why."""
    text = (s or "").strip()
    if not text:
        raise ValueError("empty target: give a port (3000), host:port or an http(s) URL")
    if _WHITESPACE.search(text):
        raise ValueError(f"invalid target {s!r}: it contains whitespace")
    if _PORT_FIRST.match(text):
        url = f"http://localhost:{text}"
    elif text.startswith(":"):
        url = f"http://localhost{text}"
    elif "://" in text:
        url = text
    else:
        url = f"http://{text}"
    scheme = url.split("://", 1)[0].lower()
    if scheme not in ("http", "https"):
        raise ValueError(f"invalid target {s!r}: unsupported scheme {scheme!r} (use http or https)")
    parts = urlsplit(url)
    host = parts.hostname
    if not host or not _HOST_OK.match(parts.netloc.rsplit("@", 1)[-1]):
        raise ValueError(f"invalid target {s!r}: no valid host name")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"invalid target {s!r}: the port must be a number from 1 to 65535") from None
    if port == 0:
        raise ValueError(f"invalid target {s!r}: the port must be a number from 1 to 65535")
    if parts.fragment:
        raise ValueError(f"invalid target {s!r}: a target cannot have a #fragment")
    return url


@dataclass
class Route:
    """Requests whose path is ``prefix`` or under it go to ``target`` (see :func:`route_url`).

    ``secrets`` and ``scheme`` let a route verify with its own signing secrets and scheme.
    """

    prefix: str
    target: str
    secrets: tuple[str, ...] = ()
    scheme: str | None = None


def parse_route(s: str) -> Route:
    """Parse ``/prefix=target`` (target in any :func:`parse_target` form) or raise ``ValueError``."""
    prefix, sep, target = (s or "").strip().partition("=")
    prefix = prefix.strip()
    if not sep:
        raise ValueError(
            f"invalid route {s!r}: write it as /prefix=target, e.g. /stripe=http://localhost:3000"
        )
    if not prefix.startswith("/"):
        raise ValueError(f"invalid route {s!r}: the prefix must start with '/'")
    if _WHITESPACE.search(prefix) or "?" in prefix or "#" in prefix:
        raise ValueError(f"invalid route {s!r}: the prefix must be a plain path (no spaces, '?' or '#')")
    if len(prefix) > 1:
        prefix = prefix.rstrip("/") or "/"
    try:
        url = parse_target(target)
    except ValueError as e:
        raise ValueError(f"invalid route {s!r}: {e}") from None
    return Route(prefix=prefix, target=url)


def _under(prefix: str, path: str) -> bool:
    return prefix == "/" or path == prefix or path.startswith(prefix + "/")


def match_route(routes: Iterable[Route], path: str) -> Route | None:
    """The route with the longest prefix that ``path`` is at or under, by whole segments.

    ``/stripe`` matches ``/stripe`` and ``/stripe/x`` but not ``/stripex``.
    """
    best: Route | None = None
    for route in routes:
        if _under(route.prefix, path) and (best is None or len(route.prefix) > len(best.prefix)):
            best = route
    return best


def _join_query(target_query: str, query: str) -> str:
    if target_query and query:
        return f"{target_query}&{query}"
    return target_query or query


def target_url(target: str, path: str, query: str) -> str:
    """The URL a request for ``path``/``query`` goes to, for a plain target.

    ``path`` is the raw (still percent-encoded) request path. It is appended when the target has no
    path of its own (empty or ``/``); otherwise the target's path is used as is.
    """
    parts = urlsplit(target)
    new_path = (path or "/") if parts.path in ("", "/") else parts.path
    return urlunsplit((parts.scheme, parts.netloc, new_path, _join_query(parts.query, query), ""))


def route_url(route: Route, path: str, query: str) -> str:
    """The URL a request for ``path``/``query`` goes to, for a route (``path`` must be under its prefix).

    Target without a path: the whole request path is appended. Target with a path: the route prefix
    is replaced by it (``/stripe=http://h/in`` sends ``/stripe/events`` to ``http://h/in/events``).
    """
    parts = urlsplit(route.target)
    if parts.path in ("", "/"):
        return target_url(route.target, path, query)
    rest = path[len(route.prefix.rstrip("/")) :]
    new_path = parts.path if rest in ("", "/") else parts.path.rstrip("/") + rest
    return urlunsplit((parts.scheme, parts.netloc, new_path, _join_query(parts.query, query), ""))


def _netloc(url: str) -> str:
    return urlsplit(url).netloc.rsplit("@", 1)[-1]


def forward_headers(headers: Sequence[tuple[str, str]], target_url: str) -> list[tuple[str, str]]:
    """The request headers to send on: hop-by-hop, ``content-length`` and ``host`` dropped, Host set.

    Order, duplicates and the names' case are kept. Headers named in ``Connection`` are hop-by-hop
    too. ``Content-Length`` is left to httpx, which sets it from the exact body. The new ``Host`` takes
    the place of the old one (first if there was none).
    """
    named = {
        token.strip().lower()
        for name, value in headers
        if name.lower() == "connection"
        for token in value.split(",")
        if token.strip()
    }
    drop = HOP_BY_HOP | named | {"content-length"}
    out: list[tuple[str, str]] = []
    host_at: int | None = None
    host_name = "Host"
    for name, value in headers:
        lower = name.lower()
        if lower == "host":
            if host_at is None:
                host_at, host_name = len(out), name
            continue
        if lower in drop:
            continue
        out.append((name, value))
    out.insert(host_at or 0, (host_name, _netloc(target_url)))
    return out


@dataclass
class ForwardResult:
    """What the app answered (or the 502/504 hookdev made up when it could not), and how long it took.

    ``headers`` are exactly the app's, hop-by-hop and ``content-length`` included, and ``body`` is the
    raw bytes (not decompressed): filter the headers before passing them back to a caller.
    """

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    error: str | None
    duration_ms: float
    url: str


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, _netloc(url), "", "", ""))


def _connect_reason(exc: BaseException) -> str:
    """A short cause, found down the exception chain (anyio hides it behind "All connection attempts failed")."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError):
            return "connection refused"
        if isinstance(seen, socket.gaierror):
            return "host name not found"
        text = str(seen).lower()
        if "refused" in text:
            return "connection refused"
        if "name or service not known" in text or "nodename nor servname" in text:
            return "host name not found"
        if "unreachable" in text:
            return "network unreachable"
        if "certificate" in text:
            return f"TLS failed ({seen})"
        seen = seen.__cause__ or seen.__context__
    return str(exc) or type(exc).__name__


def _failure(status: int, error: str, url: str, started: float) -> ForwardResult:
    body = (json.dumps({"error": error}) + "\n").encode()
    return ForwardResult(
        status=status,
        headers=[("content-type", "application/json"), ("x-hookdev-error", "forward")],
        body=body,
        error=error,
        duration_ms=(time.perf_counter() - started) * 1000,
        url=url,
    )


async def forward(
    client: httpx.AsyncClient,
    url: str,
    method: str,
    headers: list[tuple[str, str]],
    body: bytes,
    *,
    timeout: float = 30.0,
    max_response: int = DEFAULT_MAX_RESPONSE,
) -> ForwardResult:
    """Send one request to ``url`` with exactly ``body`` and ``headers``; never raises (but for
    cancellation): every failure is a 502/504 result with a reason.

    ``headers`` are sent as given (pass them through :func:`forward_headers` first): the client's
    default headers (User-Agent, Accept-Encoding, ...) are not added. The answer's body is read raw,
    not decompressed, so what comes back is what the app sent. App down -> 502; no complete answer
    (head AND body) within ``timeout`` seconds -> 504; an answer over ``max_response`` bytes -> 502,
    read no further (memory stays flat however long the app streams).
    """
    import httpx

    started = time.perf_counter()
    try:
        request = client.build_request(method, url, content=body, timeout=httpx.Timeout(timeout))
        # As bytes: a captured value holds whatever bytes arrived (read as latin-1), and httpx would
        # encode a str value as ASCII and refuse the rest.
        sent = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        if "content-length" in request.headers:
            sent.append((b"Content-Length", request.headers["content-length"].encode("ascii")))
        request.headers = httpx.Headers(sent)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError, TypeError) as e:
        return _failure(502, f"cannot forward to {url}: {e}", url, started)
    try:
        async with asyncio.timeout(timeout):
            response = await client.send(request, stream=True, follow_redirects=False)
            try:
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_raw():
                    size += len(chunk)
                    if size > max_response:
                        error = (
                            f"the app's answer is over the {max_response} byte limit (--max-response);"
                            f" it was not passed on (status {response.status_code})"
                        )
                        return _failure(502, error, url, started)
                    chunks.append(chunk)
            finally:
                await response.aclose()
    except httpx.ConnectTimeout:
        error = f"app at {_origin(url)} did not accept a connection within {timeout:g} s"
        return _failure(504, error, url, started)
    except (TimeoutError, httpx.TimeoutException):
        return _failure(504, f"app did not answer within {timeout:g} s", url, started)
    except httpx.ConnectError as e:
        return _failure(502, f"app not reachable at {_origin(url)}: {_connect_reason(e)}", url, started)
    except httpx.RemoteProtocolError as e:
        return _failure(
            502, f"app at {_origin(url)} closed the connection without a valid answer ({e})", url, started
        )
    except (httpx.HTTPError, OSError) as e:
        return _failure(502, f"forwarding to {_origin(url)} failed: {e or type(e).__name__}", url, started)
    except Exception as e:  # anything else is still a reason on the capture, never a bare 500
        return _failure(502, f"forwarding to {_origin(url)} failed: {type(e).__name__}: {e}", url, started)
    return ForwardResult(
        status=response.status_code,
        headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw],
        body=b"".join(chunks),
        error=None,
        duration_ms=(time.perf_counter() - started) * 1000,
        url=url,
    )
