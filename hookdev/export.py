"""Export captures as commands that reproduce them exactly (curl, httpie, python, raw HTTP), or as
NDJSON / HAR archives.

The body is never re-serialized: it travels as the exact bytes (shell single quotes, a Python bytes
literal, or base64 when it is not text). Authorization values are never written: commands read them
from ``$HOOKDEV_AUTHORIZATION`` instead.
"""

from __future__ import annotations

import base64
import json
import shlex
import time
from collections.abc import Iterable
from typing import Any

from hookdev import __version__
from hookdev.ids import new_id
from hookdev.models import Capture
from hookdev.presentation import capture_detail_json, iso
from hookdev.redact import SENSITIVE, redact_headers
from hookdev.signing.standard import sign_headers

FORMATS = ("curl", "httpie", "python", "raw")
ARCHIVE_FORMATS = ("ndjson", "har")
AUTH_ENV = "HOOKDEV_AUTHORIZATION"
_SKIP = frozenset(
    {
        "host",
        "content-length",
        "connection",
        "keep-alive",
        "transfer-encoding",
        "te",
        "upgrade",
        "proxy-connection",
        "expect",
    }
)
_SIGNATURE_HEADERS = frozenset(
    {"webhook-id", "webhook-timestamp", "webhook-signature", "svix-id", "svix-timestamp", "svix-signature"}
)


def capture_url(capture: Capture, base_url: str | None = None) -> str:
    if base_url is None:
        host = next((v for k, v in capture.headers if k.lower() == "host"), "127.0.0.1:8787")
        base_url = f"http://{host}"
    return base_url.rstrip("/") + capture.path + (f"?{capture.query}" if capture.query else "")


def export_headers(
    capture: Capture, resign_secret: str | None = None, now: int | None = None
) -> list[tuple[str, str]]:
    """The headers a reproduction sends: framing ones dropped, signature ones fresh when re-signing."""
    headers = [(k, v) for k, v in capture.headers if k.lower() not in _SKIP]
    if resign_secret is None:
        return headers
    headers = [(k, v) for k, v in headers if k.lower() not in _SIGNATURE_HEADERS]
    fresh = sign_headers(
        [resign_secret], new_id("msg"), int(time.time()) if now is None else now, capture.body
    )
    return headers + list(fresh.items())


def _is_text(body: bytes) -> bool:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return "\x00" not in text


def _body_source(body: bytes) -> str:
    """A shell command writing the exact body bytes to stdout."""
    if _is_text(body):
        return "printf %s " + shlex.quote(body.decode("utf-8"))
    return f"printf %s {shlex.quote(base64.b64encode(body).decode())} | base64 -d"


def _shell_header(name: str, value: str, sep: str = ": ") -> str:
    if name.lower() in SENSITIVE:
        return f'"{name}{sep}${AUTH_ENV}"'
    return shlex.quote(f"{name}{sep}{value}")


def to_curl(capture: Capture, url: str, headers: list[tuple[str, str]]) -> str:
    parts = ["curl", "-sS", "-X", shlex.quote(capture.method), shlex.quote(url)]
    for k, v in headers:
        parts += ["-H", _shell_header(k, v)]
    if capture.body:
        parts += ["--data-binary", "@-"]
        return _body_source(capture.body) + " | \\\n  " + " ".join(parts)
    return " ".join(parts)


def to_httpie(capture: Capture, url: str, headers: list[tuple[str, str]]) -> str:
    parts = [
        "http",
        "--ignore-stdin" if not capture.body else "",
        shlex.quote(capture.method),
        shlex.quote(url),
    ]
    for k, v in headers:
        parts.append(_shell_header(k, v, sep=":"))
    command = " ".join(p for p in parts if p)
    return _body_source(capture.body) + " | \\\n  " + command if capture.body else command


def to_python(capture: Capture, url: str, headers: list[tuple[str, str]]) -> str:
    lines = [
        "# Reproduces a request captured by hookdev (body sent as the exact bytes).",
        "import os",
        "",
        "import httpx",
        "",
        f"body = {capture.body!r}",
        "headers = [",
    ]
    for k, v in headers:
        value = f"os.environ[{AUTH_ENV!r}]" if k.lower() in SENSITIVE else repr(v)
        lines.append(f"    ({k!r}, {value}),")
    lines += [
        "]",
        f"response = httpx.request({capture.method!r}, {url!r}, headers=headers, content=body)",
        "print(response.status_code, response.text)",
    ]
    return "\n".join(lines) + "\n"


def to_raw(capture: Capture, headers: list[tuple[str, str]]) -> bytes:
    target = capture.path + (f"?{capture.query}" if capture.query else "")
    host = next((v for k, v in capture.headers if k.lower() == "host"), "127.0.0.1:8787")
    head = [f"{capture.method} {target} HTTP/1.1", f"host: {host}"]
    head += [f"{k}: {v}" for k, v in redact_headers(headers)]
    if capture.body or capture.method not in ("GET", "HEAD"):
        head.append(f"content-length: {len(capture.body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1", "replace") + capture.body


def export_capture(
    capture: Capture, fmt: str = "curl", resign_secret: str | None = None, base_url: str | None = None
) -> str | bytes:
    """One capture as a reproduction in ``fmt`` (curl, httpie, python: text; raw: bytes)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use {', '.join(FORMATS)}")
    headers = export_headers(capture, resign_secret)
    url = capture_url(capture, base_url)
    if fmt == "curl":
        return to_curl(capture, url, headers) + "\n"
    if fmt == "httpie":
        return to_httpie(capture, url, headers) + "\n"
    if fmt == "python":
        return to_python(capture, url, headers)
    return to_raw(capture, headers)


def to_ndjson(captures: Iterable[Capture]) -> Iterable[str]:
    for c in captures:
        yield json.dumps(capture_detail_json(c), ensure_ascii=False) + "\n"


def _har_content(body: bytes, mime: str) -> dict[str, Any]:
    if _is_text(body):
        return {"mimeType": mime, "text": body.decode("utf-8")}
    return {"mimeType": mime, "text": base64.b64encode(body).decode(), "encoding": "base64"}


def to_har(captures: Iterable[Capture]) -> dict[str, Any]:
    entries = []
    for c in captures:
        mime = next((v for k, v in c.headers if k.lower() == "content-type"), "application/octet-stream")
        resp_mime = next(
            (v for k, v in c.response_headers if k.lower() == "content-type"), "application/json"
        )
        request_content = _har_content(c.body, mime)
        entries.append(
            {
                "startedDateTime": iso(c.received_at),
                "time": c.forward_ms or 0,
                "request": {
                    "method": c.method,
                    "url": capture_url(c),
                    "httpVersion": "HTTP/1.1",
                    "headers": [{"name": k, "value": v} for k, v in redact_headers(c.headers)],
                    "queryString": [],
                    "cookies": [],
                    "headersSize": -1,
                    "bodySize": c.body_size,
                    "postData": {
                        "mimeType": mime,
                        "text": request_content["text"],
                        **({"encoding": "base64"} if "encoding" in request_content else {}),
                    },
                },
                "response": {
                    "status": c.status or 0,
                    "statusText": "",
                    "httpVersion": "HTTP/1.1",
                    "headers": [{"name": k, "value": v} for k, v in redact_headers(c.response_headers)],
                    "cookies": [],
                    "content": {"size": len(c.response_body), **_har_content(c.response_body, resp_mime)},
                    "redirectURL": "",
                    "headersSize": -1,
                    "bodySize": len(c.response_body),
                },
                "cache": {},
                "timings": {"send": 0, "wait": c.forward_ms or 0, "receive": 0},
                "comment": f"{c.id} verdict={'unsigned' if c.verified is None else c.verified} {c.reason or ''}".strip(),
            }
        )
    return {
        "log": {"version": "1.2", "creator": {"name": "hookdev", "version": __version__}, "entries": entries}
    }
