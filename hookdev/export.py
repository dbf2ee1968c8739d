"""Export captures as commands that reproduce them exactly (curl, httpie, python, raw HTTP), or as
NDJSON / HAR archives.

The body is never re-serialized: it travels as the exact bytes (shell single quotes, a Python bytes
literal, or base64 when it is not text). Authorization values are never written: commands read them
from the environment instead, each header from its own variable (:data:`AUTH_ENVS`):
``$HOOKDEV_AUTHORIZATION`` for Authorization, ``$HOOKDEV_PROXY_AUTHORIZATION`` for Proxy-Authorization.
"""

from __future__ import annotations

import base64
import json
import re
import shlex
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from hookdev import __version__
from hookdev.ids import new_id
from hookdev.models import Capture
from hookdev.presentation import capture_detail_json, iso
from hookdev.redact import SENSITIVE, redact_headers
from hookdev.signing.standard import sign_headers
from hookdev.workspace import DEFAULT_HOST, DEFAULT_PORT

FORMATS = ("curl", "httpie", "python", "raw", "har")
ARCHIVE_FORMATS = ("ndjson", "har")
AUTH_ENV = "HOOKDEV_AUTHORIZATION"
PROXY_AUTH_ENV = "HOOKDEV_PROXY_AUTHORIZATION"
# the variable an exported command reads each sensitive header's value from (one per header)
AUTH_ENVS = {"authorization": AUTH_ENV, "proxy-authorization": PROXY_AUTH_ENV}
DEFAULT_RECEIVER_URL = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
_SKIP = frozenset(
    {
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
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # RFC 9110 token: a method, a header name
_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # what no header value may carry (tab is fine)
_HEX = frozenset("0123456789abcdefABCDEF")
# RFC 3986 pchar plus '/': what a request target keeps as is; anything else is percent-encoded.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


class ExportError(ValueError):
    """A capture that a format cannot reproduce safely; the message says why (one line)."""


def _check(capture: Capture, headers: list[tuple[str, str]]) -> None:
    """Captured data is hostile: the method must be an HTTP token, header names tokens, values plain."""
    if not _TOKEN.match(capture.method or ""):
        raise ExportError(f"the method {capture.method!r} is not an HTTP token; refusing to export it")
    for name, value in headers:
        if not _TOKEN.match(name):
            raise ExportError(f"the header name {name!r} is not an HTTP token; refusing to export it")
        if _BAD_VALUE.search(value):
            raise ExportError(f"the {name} header holds control characters; refusing to export it")


def _encode_part(text: str, safe: str) -> str:
    """Percent-encode what a URL cannot carry as is; a ``%`` that starts no escape becomes ``%25``."""
    raw = text.encode("latin-1", "replace")
    out = []
    for i, byte in enumerate(raw):
        char = chr(byte)
        if char == "%":
            ok = i + 2 < len(raw) and chr(raw[i + 1]) in _HEX and chr(raw[i + 2]) in _HEX
            out.append("%" if ok else "%25")
        elif char.isascii() and (char.isalnum() or char in safe):
            out.append(char)
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def request_target(capture: Capture) -> str:
    """The path and query a reproduction asks for: the captured ones, percent-encoded where a URL needs.

    An absolute-form target (``POST http://elsewhere/x``) keeps only its path: a request never chooses
    where its reproduction goes. The asterisk form (``OPTIONS *``) has no URL (ExportError).
    """
    path = capture.path or "/"
    if path == "*":
        raise ExportError("the request target '*' (OPTIONS *) has no URL; use --as raw")
    if not path.startswith("/"):
        path = urlsplit(path).path or "/"
        if not path.startswith("/"):
            path = "/" + path
    target = _encode_part(path, _PATH_SAFE)
    if capture.query:
        target += "?" + _encode_part(capture.query, _QUERY_SAFE)
    return target


def receiver_base(capture: Capture, base_url: str | None = None) -> str:
    """Where a reproduction goes: ``base_url`` (the user's --url), else the receiver the request arrived
    on, else the default receiver. Never the captured Host header: anyone can write that."""
    return (base_url or capture.receiver_url or DEFAULT_RECEIVER_URL).rstrip("/")


def capture_url(capture: Capture, base_url: str | None = None) -> str:
    return receiver_base(capture, base_url) + request_target(capture)


def export_headers(
    capture: Capture, resign_secret: str | None = None, now: int | None = None
) -> list[tuple[str, str]]:
    """The headers a reproduction sends: framing ones dropped (Host kept, as captured), signature ones
    fresh when re-signing."""
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


def _shell_bytes(text: str) -> str:
    """One shell word whose bytes are exactly ``text`` read as latin-1 (captured header bytes).

    Printable ASCII is single-quoted; anything else goes through printf octal escapes inside single
    quotes, so no byte is ever expanded by the shell, and no UTF-8 re-encoding changes it.
    """
    if all(" " <= c <= "~" for c in text):
        return shlex.quote(text)
    fmt = []
    for byte in text.encode("latin-1", "replace"):
        char = chr(byte)
        if char == "%":
            fmt.append("%%")
        elif char == "\\":
            fmt.append("\\\\")
        elif char == "'" or not " " <= char <= "~":
            fmt.append(f"\\{byte:03o}")
        else:
            fmt.append(char)
    return "\"$(printf '" + "".join(fmt) + "')\""


def _has(headers: list[tuple[str, str]], name: str) -> bool:
    return any(k.lower() == name for k, _ in headers)


def auth_env(header: str) -> str:
    """The environment variable an exported command reads the value of the sensitive ``header`` from."""
    return AUTH_ENVS.get(header.lower(), AUTH_ENV)


def _sends_body(capture: Capture) -> bool:
    return bool(capture.body) or _has(capture.headers, "content-length")


def to_curl(capture: Capture, url: str, headers: list[tuple[str, str]]) -> str:
    """A curl command: -q first (no ~/.curlrc), --globoff and --path-as-is (the target is sent as
    written), only http(s), ``--url`` for the URL, and curl's own default headers removed."""
    parts = ["curl", "-q", "-sS", "--globoff", "--path-as-is", "--proto", "=http,https"]
    # HEAD through -X would wait for a body that never comes: --head asks for the head alone.
    method = ["--head"] if capture.method == "HEAD" else ["-X", shlex.quote(capture.method)]
    parts += [*method, "--url", shlex.quote(url)]
    for k, v in headers:
        if k.lower() in SENSITIVE:
            parts += ["-H", f'"{k}: ${auth_env(k)}"']
        elif v == "":
            parts += ["-H", shlex.quote(f"{k};")]  # 'Name:' would remove the header
        else:
            parts += ["-H", _shell_bytes(f"{k}: {v}")]
    body = _sends_body(capture)
    defaults = ["User-Agent", "Accept"] + (["Content-Type"] if body else [])
    for name in [*(n for n in defaults if not _has(headers, n.lower())), "Expect"]:
        parts += ["-H", shlex.quote(f"{name}:")]  # 'Name:' removes what curl would add
    if body:
        parts += ["--data-binary", "@-"]
        return _body_source(capture.body) + " | \\\n  " + " ".join(parts)
    return " ".join(parts)


_HTTPIE_SPECIAL = frozenset(":;=@")


def _httpie_item(name: str, value: str) -> str:
    """``Name:value`` where nothing in the value can act as an httpie separator (``=@``, ``:=@``, ``==``,
    ``@``...): every separator character is backslash-escaped."""
    if not value.isascii():
        raise ExportError(
            f"httpie re-encodes header bytes outside ASCII (the {name} header has some); use --as curl or python"
        )
    out = []
    for i, char in enumerate(value):
        if char == "\\" and i + 1 < len(value) and value[i + 1] in _HTTPIE_SPECIAL:
            raise ExportError(
                f"httpie cannot express a backslash before {value[i + 1]!r} in the {name} header; use --as curl or python"
            )
        out.append("\\" + char if char in _HTTPIE_SPECIAL else char)
    return shlex.quote(f"{name}:{''.join(out)}") if value else shlex.quote(f"{name};")


def to_httpie(capture: Capture, url: str, headers: list[tuple[str, str]]) -> str:
    """An HTTPie command, or ExportError when httpie cannot send this request exactly and safely.

    No user config (HTTPIE_CONFIG_DIR points nowhere), no .netrc, the path as written, every value
    escaped so it stays a header value, and HTTPie's own default headers removed.
    """
    if not re.fullmatch(r"[A-Za-z]+", capture.method):
        raise ExportError(
            f"httpie reads a method like {capture.method!r} as a URL; use --as curl or python for it"
        )
    parts = [
        "HTTPIE_CONFIG_DIR=/nonexistent/hookdev",
        "http",
        "--ignore-netrc",
        "--path-as-is",
        *([] if capture.body else ["--ignore-stdin"]),
        shlex.quote(capture.method),
        shlex.quote(url),
    ]
    for k, v in headers:
        if k.lower() in SENSITIVE:
            escaped = f"$(printf %s \"${auth_env(k)}\" | sed 's/[:;=@]/\\\\&/g')"
            parts.append(f'"{k}:{escaped}"')
        else:
            parts.append(_httpie_item(k, v))
    defaults = ["User-Agent", "Accept", "Accept-Encoding", "Connection", "Content-Type"]
    for name in defaults:
        if not _has(headers, name.lower()):
            parts.append(shlex.quote(f"{name}:"))
    command = " ".join(parts)
    return _body_source(capture.body) + " | \\\n  " + command if capture.body else command


def to_python(capture: Capture, url: str, headers: list[tuple[str, str]]) -> str:
    lines = [
        "# Reproduces a request captured by hookdev (body and header bytes exact).",
        "import os",
        "",
        "import httpx",
        "",
        f"body = {capture.body!r}",
        "headers = [",
    ]
    for k, v in headers:
        if k.lower() in SENSITIVE:
            value = f"os.environ[{auth_env(k)!r}].encode('latin-1')"
        else:
            value = repr(v.encode("latin-1", "replace"))
        lines.append(f"    ({k.encode('ascii')!r}, {value}),")
    target = request_target(capture).encode("ascii")
    lines += [
        "]",
        "with httpx.Client(trust_env=False) as client:",
        f"    request = client.build_request({capture.method!r}, {url!r}, content=body)",
        "    length = request.headers.get('content-length')",
        "    request.headers = httpx.Headers(headers + ([(b'content-length', length.encode())] if length else []))",
        f"    request.method = {capture.method!r}  # as captured: methods are case-sensitive",
        f"    request.extensions['target'] = {target!r}  # the path exactly as captured",
        "    response = client.send(request)",
        "print(response.status_code, response.text)",
    ]
    return "\n".join(lines) + "\n"


def to_raw(capture: Capture, headers: list[tuple[str, str]], base_url: str | None = None) -> bytes:
    """The request as HTTP/1.1 bytes (for nc or openssl s_client); Host as captured, else the receiver's."""
    target = capture.path + (f"?{capture.query}" if capture.query else "")
    if not target or _BAD_VALUE.search(target) or " " in target or "\t" in target:
        raise ExportError("the request target holds whitespace or control characters; refusing to export it")
    head = [f"{capture.method} {target} HTTP/1.1"]
    if not _has(headers, "host"):
        head.append(f"host: {urlsplit(receiver_base(capture, base_url)).netloc}")
    head += [f"{k}: {v}" for k, v in redact_headers(headers)]
    if capture.body or capture.method not in ("GET", "HEAD"):
        head.append(f"content-length: {len(capture.body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1", "replace") + capture.body


def export_capture(
    capture: Capture, fmt: str = "curl", resign_secret: str | None = None, base_url: str | None = None
) -> str | bytes:
    """One capture as a reproduction in ``fmt`` (curl, httpie, python, har: text; raw: bytes).

    It goes to ``base_url`` or the receiver the request arrived on (see :func:`receiver_base`).
    Raises :class:`ExportError` when the capture cannot be reproduced safely in ``fmt``.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use {', '.join(FORMATS)}")
    headers = export_headers(capture, resign_secret)
    _check(capture, headers)
    if fmt == "har":
        return json.dumps(to_har([capture], base_url), indent=2, ensure_ascii=False) + "\n"
    if fmt == "raw":
        return to_raw(capture, headers, base_url)
    url = capture_url(capture, base_url)
    if fmt == "curl":
        return to_curl(capture, url, headers) + "\n"
    if fmt == "httpie":
        return to_httpie(capture, url, headers) + "\n"
    return to_python(capture, url, headers)


def to_ndjson(captures: Iterable[Capture]) -> Iterable[str]:
    for c in captures:
        yield json.dumps(capture_detail_json(c), ensure_ascii=False) + "\n"


def _har_content(body: bytes, mime: str) -> dict[str, Any]:
    if _is_text(body):
        return {"mimeType": mime, "text": body.decode("utf-8")}
    return {"mimeType": mime, "text": base64.b64encode(body).decode(), "encoding": "base64"}


def _har_url(capture: Capture, base_url: str | None) -> str:
    try:
        return capture_url(capture, base_url)
    except ExportError:
        return receiver_base(capture, base_url) + "/"


def to_har(captures: Iterable[Capture], base_url: str | None = None) -> dict[str, Any]:
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
                    "url": _har_url(c, base_url),
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
