"""One signed HTTP attempt with httpx: build the request the platform would send, send it, judge it.

The body is the message's stored bytes, never re-serialized. ``webhook-id`` is the message id (the
same on every attempt); ``webhook-timestamp`` and the signatures are made fresh for each attempt from
the real wall clock (a consumer checks them against its own clock, whatever the delivery clock says).
The endpoint's ``scheme`` picks the provider format (:mod:`hookdev.delivery.formats`). Faults
(``--fault``) bend exactly one thing each, so a consumer's 2xx to a bad delivery stands out; a
timestamp fault is computed at the attempt, a full hour off, so no time in flight can make it valid.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from hookdev import __version__
from hookdev.delivery import DEFAULT_TIMEOUT, formats
from hookdev.delivery.formats import tamper
from hookdev.models import Endpoint, Headers, Message
from hookdev.redact import redact_headers
from hookdev.signing import SecretError

USER_AGENT = f"hookdev/{__version__}"
MAX_RESPONSE_BODY = 1024 * 1024  # response bodies are kept up to 1 MiB


@dataclass
class Outcome:
    """What one attempt did: the response, or why there was none."""

    request_headers: Headers
    duration_ms: float
    status_code: int | None = None
    error: str | None = None
    response_headers: Headers = field(default_factory=list)
    response_body: bytes = b""
    retry_after: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410


__all__ = ["Outcome", "build_request", "describe_error", "send", "tamper"]


def build_request(
    endpoint: Endpoint,
    message: Message,
    secrets: list[str],
    fault: str | None,
    now: float | None = None,
    *,
    variant: str | None = None,
    number: int = 1,
) -> tuple[list[tuple[str, str]], bytes, str | None]:
    """Headers (in the order sent), body and attempt-log note of an attempt made at ``now`` (the real
    epoch time, read here when not given: a retry is signed when it runs, not when it was queued)."""
    signed = formats.build(
        endpoint.scheme,
        secrets,
        message_id=message.id,
        event_type=message.event_type,
        body=message.payload,
        fault=fault,
        variant=variant,
        now=time.time() if now is None else now,
        attempt_number=number,
    )
    headers = list(signed.headers)
    headers += [("content-type", formats.content_type(endpoint.scheme)), ("user-agent", USER_AGENT)]
    headers += endpoint.headers
    return headers, signed.body, signed.note


async def send(
    client: httpx.AsyncClient,
    endpoint: Endpoint,
    message: Message,
    secrets: list[str],
    *,
    fault: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    variant: str | None = None,
    number: int = 1,
) -> Outcome:
    """Make the attempt; never raises for anything the network or the consumer does."""
    try:
        headers, body, note = build_request(endpoint, message, secrets, fault, variant=variant, number=number)
    except (formats.SchemeError, SecretError) as e:
        return Outcome(request_headers=[], duration_ms=0.0, error=f"not sent: {e}")
    outcome = await _post(client, endpoint.url, headers, body, timeout)
    if note is not None:
        outcome.extra["fault_note"] = note
    if fault == "duplicate":
        again = await _post(client, endpoint.url, headers, body, timeout)
        outcome.extra["duplicate"] = {"status_code": again.status_code, "error": again.error}
    return outcome


async def _post(
    client: httpx.AsyncClient, url: str, headers: list[tuple[str, str]], body: bytes, timeout: float
) -> Outcome:
    outcome = Outcome(request_headers=redact_headers(headers), duration_ms=0.0)
    start = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            async with client.stream("POST", url, headers=headers, content=body, timeout=timeout) as response:
                outcome.status_code = response.status_code
                outcome.response_headers = list(response.headers.multi_items())
                outcome.retry_after = response.headers.get("retry-after")
                outcome.response_body, truncated = await _read_limited(response)
                if truncated:
                    outcome.extra["response_truncated"] = True
    except (TimeoutError, httpx.TimeoutException) as e:
        outcome.status_code = None
        outcome.error = _timeout_text(e, url, timeout)
    except (httpx.HTTPError, OSError) as e:
        outcome.status_code = None
        outcome.error = describe_error(e, url)
    outcome.duration_ms = (time.perf_counter() - start) * 1000
    if outcome.error is None and outcome.status_code is not None and 300 <= outcome.status_code < 400:
        location = dict((k.lower(), v) for k, v in outcome.response_headers).get("location", "?")
        outcome.error = (
            f"redirect {outcome.status_code} to {location} not followed: point the endpoint at the final URL"
        )
    return outcome


async def _read_limited(response: httpx.Response) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_RESPONSE_BODY:
            return b"".join(chunks)[:MAX_RESPONSE_BODY], True
    return b"".join(chunks), False


def _where(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = parts.hostname or "?"
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _timeout_text(e: BaseException, url: str, timeout: float) -> str:
    if isinstance(e, httpx.ConnectTimeout):
        return f"timeout: could not connect to {_where(url)} within {timeout:g} s"
    return f"timeout: no complete response from {_where(url)} within {timeout:g} s"


def describe_error(e: BaseException, url: str) -> str:
    """An error text a person can act on, from the exception chain httpx raised."""
    chain: list[BaseException] = []
    cur: BaseException | None = e
    while cur is not None and len(chain) < 10:
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__
    where = _where(url)
    for exc in chain:
        if isinstance(exc, ssl.SSLCertVerificationError):
            reason = exc.verify_message or str(exc)
            return (
                f"TLS error: certificate of {where} not trusted ({reason}); "
                "for hookdev's own receiver see `hookdev tls`"
            )
        if isinstance(exc, ssl.SSLError):
            reason = exc.reason or str(exc)
            hint = (
                " (is it serving plain http? then use an http:// URL)"
                if "WRONG_VERSION" in str(reason).upper()
                else ""
            )
            return f"TLS error talking to {where}: {reason}{hint}"
        if isinstance(exc, ConnectionRefusedError):
            return f"connection refused by {where}: nothing is listening there (is the consumer running?)"
        if isinstance(exc, socket.gaierror):
            return f"cannot resolve host {urlsplit(url).hostname!r}: {exc.strerror or exc}"
        if isinstance(exc, ConnectionResetError):
            return f"connection reset by {where} before a complete response"
    if isinstance(e, httpx.RemoteProtocolError):
        text = str(e)
        if "disconnected" in text.lower() or "closed" in text.lower():
            return f"{where} closed the connection without a complete HTTP response ({text})"
        return f"{where} sent an invalid HTTP response ({text})"
    if isinstance(e, httpx.ConnectError):
        return f"cannot connect to {where}: {e}"
    return f"request to {where} failed: {type(e).__name__}: {e}".rstrip(": ")
