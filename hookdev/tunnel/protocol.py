"""The wire protocol between a hookdev relay and its clients, over one WebSocket per client.

Control messages are JSON text frames with a ``type``:

* client -> relay: ``{"type": "claim", "channel": str, "key": str, "session": str, "token"?: str,
  "version": 1}`` (the token may instead come as ``Authorization: Bearer`` on the upgrade request);
  ``{"type": "ping"}`` as a heartbeat.
* relay -> client: ``{"type": "claimed", "channel", "public_url", "max_body", "max_answer", "idle_timeout"}`` or
  ``{"type": "refused", "reason": str}`` followed by a close with a 44xx code; ``{"type": "pong"}``;
  ``{"type": "cancel", "id": str}`` when the relay stopped waiting for an answer.

A relayed request and its answer travel as binary frames so bodies stay byte-exact with no base64:
a 4-byte big-endian length, that many bytes of JSON header, then the raw body.

* request header: ``{"type": "request", "id", "method", "path", "query", "headers", "client", "scheme"}``
  where ``path`` is the raw (percent-encoded) path after ``/c/<channel>``, ``query`` the raw query
  string, ``headers`` a list of ``[name, value]`` pairs and ``client`` ``[host, port]`` or null.
* response header: ``{"type": "response", "id", "status", "headers"}``.

Header names, values, path and query are bytes on the HTTP side; they travel as latin-1 strings,
which map every byte to one character and back.

The ``key`` in a claim is the channel's owner credential: a random secret the client keeps in its
workspace (``relay-keys.json``, 0600). The first claim of a channel binds the channel to the key's
SHA-256; from then on only a claim with the same key gets the channel, live or not, before or after
a relay restart (when the relay keeps its bindings: ``--state`` or ``--redis``). The ``session`` is
a random secret of one :class:`RelayClient` instance: a claim with the right key and the same
session replaces a stale connection quietly (close 4001, the old side retries); with the right key
and another session it takes the channel over (close 4410, final for the old side: two processes
of the same workspace cannot serve one channel).
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from typing import Any

VERSION = 1
CONNECT_PATH = "/_hookdev/connect"
CHANNEL_RE = re.compile(r"[A-Za-z0-9_-]{8,64}")
CHANNEL_RULE = "8 to 64 characters from A-Z a-z 0-9 _ -"

# Close codes (4000-4999 are for applications). A 44xx close is a refusal: final, do not retry.
CLOSE_BAD_REQUEST = 4400
CLOSE_UNAUTHORIZED = 4401
CLOSE_TIMEOUT = 4408
CLOSE_TAKEN = 4409
CLOSE_TAKEN_OVER = 4410
# Not a refusal: the relay cannot take the channel now (full, or its registry unreachable); retry.
CLOSE_FULL = 4503
CLOSE_UNAVAILABLE = 4503
CLOSE_IDLE = 4000
CLOSE_REPLACED = 4001

_LEN = struct.Struct(">I")


class ProtocolError(ValueError):
    """A frame that does not follow this protocol."""


KEY_RE = re.compile(r"[A-Za-z0-9_-]{32,128}")


def valid_channel(name: str) -> bool:
    return bool(CHANNEL_RE.fullmatch(name))


def valid_key(key: object) -> bool:
    return isinstance(key, str) and bool(KEY_RE.fullmatch(key))


def key_hash(key: str) -> str:
    """What a relay keeps of a channel key: its SHA-256, hex."""
    return hashlib.sha256(key.encode()).hexdigest()


def pack(header: dict[str, Any], body: bytes = b"") -> bytes:
    """One binary frame: length-prefixed JSON header, then the body as is."""
    head = json.dumps(header, separators=(",", ":")).encode()
    return _LEN.pack(len(head)) + head + body


def unpack(frame: bytes) -> tuple[dict[str, Any], bytes]:
    """Split a binary frame into its JSON header and its body, or raise :class:`ProtocolError`."""
    if len(frame) < _LEN.size:
        raise ProtocolError("frame too short")
    (size,) = _LEN.unpack_from(frame)
    end = _LEN.size + size
    if end > len(frame):
        raise ProtocolError("frame header longer than the frame")
    try:
        header = json.loads(frame[_LEN.size : end])
    except ValueError as e:
        raise ProtocolError(f"frame header is not JSON: {e}") from None
    if not isinstance(header, dict):
        raise ProtocolError("frame header is not an object")
    return header, frame[end:]


def text(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"))


def parse_text(data: str) -> dict[str, Any]:
    try:
        message = json.loads(data)
    except ValueError as e:
        raise ProtocolError(f"message is not JSON: {e}") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ProtocolError("message has no type")
    return message


def headers_to_wire(headers: list[tuple[bytes, bytes]]) -> list[list[str]]:
    return [[k.decode("latin-1"), v.decode("latin-1")] for k, v in headers]


def headers_from_wire(value: Any) -> list[tuple[bytes, bytes]]:
    if not isinstance(value, list):
        raise ProtocolError("headers must be a list")
    out: list[tuple[bytes, bytes]] = []
    for item in value:
        if not (isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item)):
            raise ProtocolError("each header must be a [name, value] pair of strings")
        try:
            out.append((item[0].encode("latin-1"), item[1].encode("latin-1")))
        except UnicodeEncodeError:
            raise ProtocolError("header is not latin-1") from None
    return out
