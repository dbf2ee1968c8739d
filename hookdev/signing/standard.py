"""Standard Webhooks 1.0 (what Svix sends): sign and verify `webhook-*` / `svix-*` signatures.

Signed content is `{id}.{timestamp}.` followed by the raw body bytes; the body is never decoded.
`v1` is HMAC-SHA256 keyed by a `whsec_` secret (base64); `v1a` is ed25519 with `whsk_` secret keys and
`whpk_` public keys. Unlike the reference library this module never raises on a malformed request: it
returns a Verdict whose reason says exactly what was wrong.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import operator
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from hookdev.signing._core import (
    MAX_ED25519,
    SecretError,
    Verdict,
    as_bytes,
    cap,
    cap_signatures,
    header,
    list_problems,
    missing_reason,
    no_match_reason,
    parse_timestamp,
    quote,
    secret_problem,
    skipped_note,
    tolerance_reason,
)

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SCHEME = "standard"
SECRET_PREFIX = "whsec_"
SIGNING_KEY_PREFIX = "whsk_"
PUBLIC_KEY_PREFIX = "whpk_"
_HEADER_NAMES = ("id", "timestamp", "signature")


@dataclass(frozen=True, slots=True)
class _Key:
    """One configured secret, decoded once: an HMAC key, an ed25519 key, or why it is unusable."""

    hmac_key: bytes | None = None
    hmac_base: tuple[hashlib._Hash, hashlib._Hash] | None = (
        None  # keyed once (_hmac_states): copied per request
    )
    public: Ed25519PublicKey | None = None
    private: Ed25519PrivateKey | None = None
    error: str | None = None  # completes "secret ...", e.g. "is not valid whsec_ base64"


def _b64decode(text: str) -> bytes | None:
    """Strict standard base64 (alphabet, padding, nothing after it), or None."""
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except ValueError:  # binascii.Error is a ValueError, and so is non-ASCII input
        return None


def _b64decode_secret(text: str) -> bytes | None:
    """Like _b64decode, but tolerant of missing padding (the reference libraries add it too)."""
    return _b64decode(text + "=" * (-len(text) % 4))


@lru_cache(maxsize=512)
def _load_key(secret: str) -> _Key:
    """Decode a secret once; the same few secrets verify every request, so this is cached.

    Surrounding whitespace (a pasted secret, a file's final newline) is never part of base64.
    """
    secret = secret.strip()
    if secret.startswith(SIGNING_KEY_PREFIX) or secret.startswith(PUBLIC_KEY_PREFIX):
        return _load_ed25519(secret)
    raw = _b64decode_secret(secret.removeprefix(SECRET_PREFIX))
    if raw is None:
        return _Key(error=f"is not valid {SECRET_PREFIX} base64")
    if not raw:
        return _Key(error="is empty")
    return _Key(hmac_key=raw, hmac_base=_hmac_states(raw))


_IPAD = bytes(b ^ 0x36 for b in range(256))  # translate tables: key XOR ipad, key XOR opad
_OPAD = bytes(b ^ 0x5C for b in range(256))


def _hmac_states(key: bytes) -> tuple[hashlib._Hash, hashlib._Hash]:
    """HMAC-SHA256's inner and outer hash states for ``key`` (RFC 2104), cached with the secret: a
    request's digest then costs two copies and three updates of C hash objects, not the key schedule
    and the Python-level ``hmac.HMAC`` wrapper's calls (a third of a verification)."""
    if len(key) > 64:  # longer than SHA-256's block: HMAC keys with its hash
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return hashlib.sha256(key.translate(_IPAD)), hashlib.sha256(key.translate(_OPAD))


def _load_ed25519(secret: str) -> _Key:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

    prefix = secret[:5]
    raw = _b64decode_secret(secret[5:])
    if raw is None:
        return _Key(error=f"is not valid {prefix} base64")
    if prefix == PUBLIC_KEY_PREFIX:
        if len(raw) != 32:
            return _Key(error=f"is a {prefix} key of {len(raw)} bytes (expected 32)")
        return _Key(public=Ed25519PublicKey.from_public_bytes(raw))
    if len(raw) not in (32, 64):  # a bare seed, or libsodium's seed + public key
        return _Key(error=f"is a {prefix} key of {len(raw)} bytes (expected 32 or 64)")
    private = Ed25519PrivateKey.from_private_bytes(raw[:32])
    public = private.public_key()
    if len(raw) == 64 and public.public_bytes_raw() != raw[32:]:
        return _Key(error=f"is a {prefix} key whose public half does not match its seed")
    return _Key(public=public, private=private)


def _key(secret: Any) -> _Key:
    if not isinstance(secret, str):
        return _Key(error="is not text")
    return _load_key(secret)


def generate_secret(nbytes: int = 32) -> str:
    """A new `whsec_` secret of `nbytes` random bytes (the spec asks for 24 to 64)."""
    if not 24 <= nbytes <= 64:
        raise ValueError(f"a secret must have 24 to 64 random bytes, not {nbytes}")
    return SECRET_PREFIX + base64.b64encode(os.urandom(nbytes)).decode("ascii")


def decode_secret(secret: str) -> bytes:
    """The HMAC key bytes of a `whsec_` secret (prefix optional); SecretError says why not."""
    key = _key(secret)
    if key.error is not None:
        raise SecretError(f"secret {key.error}")
    if key.hmac_key is None:
        raise SecretError(f"secret is an ed25519 {secret.strip()[:5]} key, not a {SECRET_PREFIX} secret")
    return key.hmac_key


def generate_keypair() -> tuple[str, str]:
    """A new ed25519 pair for `v1a`: (`whsk_` + base64 32-byte seed, `whpk_` + base64 public key)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = Ed25519PrivateKey.generate()
    seed = base64.b64encode(private.private_bytes_raw()).decode("ascii")
    public = base64.b64encode(private.public_key().public_bytes_raw()).decode("ascii")
    return SIGNING_KEY_PREFIX + seed, PUBLIC_KEY_PREFIX + public


def _content(msg_id: str, timestamp: int, body: bytes) -> bytes:
    return f"{msg_id}.{timestamp}.".encode("utf-8", "surrogatepass") + body


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """One signature: `v1,<base64>` for a `whsec_` (or bare base64) secret, `v1a,<base64>` for `whsk_`."""
    key = _key(secret)
    content = _content(msg_id, operator.index(timestamp), as_bytes(body))
    if key.error is not None:
        raise SecretError(f"secret {key.error}")
    if key.hmac_key is not None:
        return "v1," + base64.b64encode(hmac.digest(key.hmac_key, content, "sha256")).decode("ascii")
    if key.private is not None:
        return "v1a," + base64.b64encode(key.private.sign(content)).decode("ascii")
    raise SecretError(f"secret is a {PUBLIC_KEY_PREFIX} public key, which can verify but not sign")


def signature_header(secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value: one signature per secret, in order, separated by single spaces."""
    return " ".join(sign(secret, msg_id, timestamp, body) for secret in secrets)


def sign_headers(secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three headers a Standard Webhooks sender adds to a request."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(operator.index(timestamp)),
        "webhook-signature": signature_header(secrets, msg_id, timestamp, body),
    }


def _read_headers(headers: Mapping[str, str]) -> tuple[list[str | None], list[str]]:
    """The id, timestamp and signature values, and the header name each came from (or would have).

    `webhook-*` wins over the `svix-*` alias. A missing header is named in the family the request
    uses, so a Svix request missing its signature is told about `svix-signature`.
    """
    webhook = [header(headers, "webhook-" + part) for part in _HEADER_NAMES]
    svix = [header(headers, "svix-" + part) for part in _HEADER_NAMES]
    family = "svix-" if all(v is None for v in webhook) and any(v is not None for v in svix) else "webhook-"
    values: list[str | None] = []
    names: list[str] = []
    for part, own, alias in zip(_HEADER_NAMES, webhook, svix, strict=True):
        if own is not None:
            values.append(own)
            names.append("webhook-" + part)
        elif alias is not None:
            values.append(alias)
            names.append("svix-" + part)
        else:
            values.append(None)
            names.append(family + part)
    return values, names


def _prefixes(msg_id: str, timestamp: int) -> list[bytes]:
    """What precedes the body in the signed content, plus the latin-1 reading of a non-ASCII id.

    Servers (Starlette included) decode header bytes as latin-1, so a sender's UTF-8 id reaches us as
    mojibake whose latin-1 encoding is the exact bytes that were signed.
    """
    prefix = f"{msg_id}.{timestamp}.".encode("utf-8", "surrogatepass")
    if msg_id.isascii():
        return [prefix]
    try:
        alt = f"{msg_id}.{timestamp}.".encode("latin-1")
    except UnicodeEncodeError:
        return [prefix]
    return [prefix, alt]


_WEBHOOK_NAMES = ["webhook-id", "webhook-timestamp", "webhook-signature"]


def verify(
    headers: Mapping[str, str],
    body: bytes,
    secrets: Sequence[str],
    *,
    tolerance: float | None = 300,
    now: float | None = None,
) -> Verdict:
    """Check a Standard Webhooks (or Svix) request against every secret; never raises.

    Order of checks, like the reference libraries: secrets, headers, timestamp and tolerance, then
    every signature against every secret. The first secret (in `secrets` order) that matches wins.
    This is the receiver's hot path, so the common case (webhook-* headers, one or two HMAC secrets)
    avoids every step it can; anything unusual takes the slower, more careful route.
    """
    msg_id = headers.get("webhook-id")
    ts_raw = headers.get("webhook-timestamp")
    sig_raw = headers.get("webhook-signature")
    if msg_id.__class__ is str and ts_raw.__class__ is str and sig_raw.__class__ is str:
        names = _WEBHOOK_NAMES
    else:
        (msg_id, ts_raw, sig_raw), names = _read_headers(headers)
    timestamp: int | None = None
    skew: float | None = None
    ts_error: str | None = None
    if ts_raw is not None:
        timestamp, ts_error = parse_timestamp(names[1], ts_raw)
        if timestamp is not None:
            skew = (time.time() if now is None else float(now)) - timestamp

    keys = [_key(secret) for secret in secrets]
    if not keys or all(key.error is not None for key in keys):
        errors = [key.error for key in keys]
        reason = secret_problem(SCHEME, secrets, [], errors) or "no usable secret"
        return Verdict(False, SCHEME, reason, None, msg_id, timestamp, skew)
    if msg_id is None or ts_raw is None or sig_raw is None:
        missing = [
            name for name, value in zip(names, (msg_id, ts_raw, sig_raw), strict=True) if value is None
        ]
        return Verdict(False, SCHEME, missing_reason(missing), None, msg_id, timestamp, skew)
    if timestamp is None or skew is None:
        return Verdict(False, SCHEME, ts_error, None, msg_id, timestamp, skew)
    late = tolerance_reason(skew, tolerance)
    if late is not None:
        return Verdict(False, SCHEME, late, None, msg_id, timestamp, skew)

    all_tokens = sig_raw.split()
    tokens, capped = cap_signatures(all_tokens)
    if not tokens:
        return Verdict(False, SCHEME, f"{names[2]} is empty", None, msg_id, timestamp, skew)
    if body.__class__ is not bytes:
        body = as_bytes(body)
    prefixes = _prefixes(msg_id, timestamp)
    index = _fast_match(keys, tokens, prefixes, body)
    if index is not None:
        return Verdict(True, SCHEME, None, index, msg_id, timestamp, skew)

    # The careful way: decode every signature strictly, so non-canonical base64 still matches and
    # every malformed signature gets its own reason.
    v1, v1a, malformed, unknown = _parse_signatures(tokens, len(all_tokens))
    v1a, ed_capped = cap(v1a, MAX_ED25519, "v1a signatures")
    capped = ed_capped + capped
    if v1 or v1a:
        for index, key in enumerate(keys):
            base = key.hmac_base
            if base is not None:
                if not v1:
                    continue
                for prefix in prefixes:
                    expected = _digest(base, prefix, body)
                    for sig in v1:
                        if hmac.compare_digest(expected, sig):
                            return Verdict(True, SCHEME, None, index, msg_id, timestamp, skew)
            elif key.public is not None and v1a and _ed25519_matches(key.public, v1a, prefixes, body):
                return Verdict(True, SCHEME, None, index, msg_id, timestamp, skew)
    reason = _mismatch_reason(names[2], keys, v1, v1a, malformed, unknown) + capped
    return Verdict(False, SCHEME, reason, None, msg_id, timestamp, skew)


def _digest(base: tuple[hashlib._Hash, hashlib._Hash], prefix: bytes, body: bytes) -> bytes:
    """HMAC-SHA256 of prefix + body from the key's cached states (:func:`_hmac_states`), without
    copying the body: ``hmac.new(key, prefix + body, "sha256").digest()``."""
    inner = base[0].copy()
    inner.update(prefix)
    inner.update(body)
    outer = base[1].copy()
    outer.update(inner.digest())
    return outer.digest()


def _fast_match(keys: list[_Key], tokens: list[str], prefixes: list[bytes], body: bytes) -> int | None:
    """The common case in a fraction of the time: a `v1,` signature whose text is exactly the base64
    of an expected digest. Equal text means an equal signature; any other outcome (no match, v1a,
    malformed input) returns None and the caller takes the careful way, so this decides nothing alone.
    """
    texts = [token[3:].encode("utf-8", "surrogatepass") for token in tokens if token[:3] == "v1,"]
    if not texts:
        return None
    for index, key in enumerate(keys):
        base = key.hmac_base
        if base is None:
            if key.public is not None:
                return None  # an ed25519 key ranks before the rest: let the careful way keep the order
            continue
        for prefix in prefixes:
            expected = binascii.b2a_base64(_digest(base, prefix, body), newline=False)
            for text in texts:
                if hmac.compare_digest(expected, text):
                    return index
    return None


def _parse_signatures(
    tokens: list[str], count: int | None = None
) -> tuple[list[bytes], list[bytes], list[str], list[str]]:
    """Split `v1,<b64> v1a,<b64> ...` into decoded v1 and v1a signatures, problems and unknown versions."""
    v1: list[bytes] = []
    v1a: list[bytes] = []
    malformed: list[str] = []
    unknown: list[str] = []
    count = len(tokens) if count is None else count
    for number, token in enumerate(tokens, 1):
        version, comma, value = token.partition(",")
        if not comma:
            malformed.append(
                f"signature {number} of {count} is malformed: {quote(token)} (expected 'v1,<base64>')"
            )
            continue
        if version != "v1" and version != "v1a":
            unknown.append(version)
            continue
        raw = _b64decode(value)
        expected = 32 if version == "v1" else 64
        if not value:
            malformed.append(f"signature {number} of {count} is empty after '{version},'")
        elif raw is None:
            malformed.append(f"signature {number} of {count} is not valid base64")
        elif len(raw) != expected:
            malformed.append(
                f"signature {number} of {count} is {len(raw)} bytes, expected {expected} for {version}"
            )
        else:
            (v1 if version == "v1" else v1a).append(raw)
    return v1, v1a, malformed, unknown


def _ed25519_matches(
    public: Ed25519PublicKey, signatures: list[bytes], prefixes: list[bytes], body: bytes
) -> bool:
    from cryptography.exceptions import InvalidSignature

    for prefix in prefixes:
        content = prefix + body
        for sig in signatures:
            try:
                public.verify(sig, content)
            except InvalidSignature:
                continue
            return True
    return False


def _mismatch_reason(
    name: str, keys: list[_Key], v1: list[bytes], v1a: list[bytes], malformed: list[str], unknown: list[str]
) -> str:
    """The most specific reason nothing matched: malformed signatures first, then what was compared."""
    if not v1 and not v1a:
        if malformed:
            return list_problems(malformed)
        versions = ", ".join(quote(v) for v in dict.fromkeys(unknown[:5]))
        return f"no supported signature in {name} (found {versions}; supported: v1, v1a)"
    hmac_keys = sum(1 for key in keys if key.hmac_key is not None)
    ed_keys = sum(1 for key in keys if key.public is not None)
    if not v1a and not hmac_keys:
        base = f"v1 signatures need a {SECRET_PREFIX} secret, but only ed25519 keys are configured"
    elif not v1 and not ed_keys:
        base = (
            f"v1a signatures need a {PUBLIC_KEY_PREFIX} or {SIGNING_KEY_PREFIX} key, "
            f"but only {SECRET_PREFIX} secrets are configured"
        )
    else:
        base = no_match_reason(hmac_keys + ed_keys, other=bool(malformed))
    prefix = list_problems(malformed) + "; " if malformed else ""
    note = skipped_note([key.error for key in keys])
    return prefix + base + note


__all__ = [
    "SCHEME",
    "SecretError",
    "decode_secret",
    "generate_keypair",
    "generate_secret",
    "sign",
    "sign_headers",
    "signature_header",
    "verify",
]
