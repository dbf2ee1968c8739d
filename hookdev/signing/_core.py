"""What every scheme shares: the Verdict, timestamp and tolerance rules, and reason wording.

The reasons are part of the product: a person reads them to decide what to fix, so every scheme words
the same situation the same way, and no reason ever depends on anything but the input.
"""

from __future__ import annotations

import hmac
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

#: The signature schemes hookdev knows, in detection order.
SCHEMES = ("standard", "stripe", "github", "shopify", "slack")

_QUOTE_LIMIT = 60  # characters of a header value a reason quotes before cutting it short
_LIST_LIMIT = 3  # problems a reason lists before summarising the rest

#: Signatures read per header, at most. An HMAC signature costs one comparison (the digest is computed
#: once per secret), so this only bounds parsing; rotation needs two or three.
MAX_SIGNATURES = 256
#: ed25519 (``v1a``) signatures verified per request, at most: each costs a public-key operation, and a
#: header of 2,800 ``v1a,`` tokens against a ``whpk_`` key must not hold the event loop for seconds.
MAX_ED25519 = 16


class SecretError(ValueError):
    """A secret or key that cannot be used; the message is the reason, e.g. 'secret is empty'."""


@dataclass(frozen=True, init=False)
class Verdict:
    """The outcome of checking one request's signature.

    `verified` is three-valued on purpose: None means no signature scheme applied (an unsigned request),
    which a receiver shows differently from a signature that failed.
    """

    verified: bool | None
    scheme: str | None
    reason: str | None
    matched_secret: int | None = None
    webhook_id: str | None = None
    timestamp: int | None = None
    skew: float | None = None

    def __init__(
        self,
        verified: bool | None,
        scheme: str | None,
        reason: str | None,
        matched_secret: int | None = None,
        webhook_id: str | None = None,
        timestamp: int | None = None,
        skew: float | None = None,
    ) -> None:
        # Written by hand: the generated frozen __init__ pays one object.__setattr__ per field, a
        # measurable share of a verification. Setting __dict__ once leaves the instance just as frozen.
        object.__setattr__(
            self,
            "__dict__",
            {
                "verified": verified,
                "scheme": scheme,
                "reason": reason,
                "matched_secret": matched_secret,
                "webhook_id": webhook_id,
                "timestamp": timestamp,
                "skew": skew,
            },
        )

    def to_json(self) -> dict[str, Any]:
        """The verdict as a JSON-ready dict with a stable set of keys."""
        return dict(self.__dict__)


def now_or(now: float | None) -> float:
    """The caller's clock if given (tests, replays), else the wall clock."""
    return time.time() if now is None else float(now)


def quote(value: str) -> str:
    """A header value for a reason: repr-quoted and cut short, so a huge header stays one readable line."""
    if len(value) > _QUOTE_LIMIT:
        return repr(value[:_QUOTE_LIMIT]) + f"... ({len(value)} characters)"
    return repr(value)


def num(value: float) -> str:
    """A number of seconds without a pointless '.0'."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return f"{value:g}" if isinstance(value, float) else str(value)


def plural(count: int, word: str) -> str:
    """'1 secret', '2 secrets'."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header value as text, ``name`` (lowercase) matched case-insensitively, so a Title-Case dict
    (``dict(request.headers)`` in Flask or Django) reads the same; tolerant of raw bytes values."""
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if isinstance(k, str) and k.lower() == name), None)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("latin-1")
    return str(value)


def as_bytes(body: Any) -> bytes:
    """The body as bytes without ever decoding it; str bodies (a caller's convenience) become UTF-8."""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8", "surrogatepass")
    return bytes(body)


def missing_reason(names: Sequence[str]) -> str:
    """'missing header webhook-signature' or 'missing headers webhook-id, webhook-signature'."""
    if len(names) == 1:
        return f"missing header {names[0]}"
    return "missing headers " + ", ".join(names)


def no_secret_reason(scheme: str) -> str:
    return f"no secret configured to verify {scheme} signatures"


def parse_timestamp(name: str, raw: str) -> tuple[int | None, str | None]:
    """A unix timestamp header: ASCII digits only (no sign, no fraction, no spaces), else a reason.

    The reference libraries parse with float(), which accepts '1614265330.9'; the spec says integer.
    """
    if raw.isascii() and raw.isdigit():
        if len(raw) > 15:  # beyond year 30000000: not a clock reading, and int() has a digit limit
            return None, f"{name} is out of range: {quote(raw)}"
        return int(raw), None
    return None, f"{name} is not an integer: {quote(raw)}"


def tolerance_reason(skew: float, tolerance: float | None, *, future: bool = True) -> str | None:
    """Why a timestamp `skew` seconds in the past (negative: future) is outside `tolerance`, or None.

    `future=False` checks the past only (Stripe's rule). A tolerance of None disables the check.
    """
    if tolerance is None:
        return None
    if skew > tolerance:
        return f"timestamp is {_seconds(skew)} s too old (tolerance {num(tolerance)} s)"
    if future and -skew > tolerance:
        return f"timestamp is {_seconds(-skew)} s in the future (tolerance {num(tolerance)} s)"
    return None


def _seconds(value: float) -> str:
    """Whole seconds, rounded up so '300.2 s' past a 300 s tolerance never reads as '300 s'."""
    return str(math.ceil(value)) if math.isfinite(value) else "infinitely many"


def unusable_reason(errors: Sequence[str]) -> str:
    """Why none of the secrets can be used; `errors` are predicates such as 'is empty', one per secret."""
    if len(errors) == 1:
        return f"secret {errors[0]}"
    listed = "; ".join(f"secret {i} {err}" for i, err in enumerate(errors[:_LIST_LIMIT], 1))
    more = f"; and {len(errors) - _LIST_LIMIT} more" if len(errors) > _LIST_LIMIT else ""
    return f"none of the {len(errors)} secrets is usable: {listed}{more}"


def skipped_note(errors: Sequence[str | None]) -> str:
    """'; skipped secret 2: not valid whsec_ base64' for the unusable secrets among usable ones."""
    notes = [f"secret {i}: {err.removeprefix('is ')}" for i, err in enumerate(errors, 1) if err is not None]
    if not notes:
        return ""
    more = f"; and {len(notes) - _LIST_LIMIT} more" if len(notes) > _LIST_LIMIT else ""
    return "; skipped " + "; skipped ".join(notes[:_LIST_LIMIT]) + more


def no_match_reason(active: int, *, other: bool = False) -> str:
    """'no signature matched any of 2 active secrets' (or 'no other signature ...' after malformed ones)."""
    which = "no other signature" if other else "no signature"
    return f"{which} matched any of {plural(active, 'active secret')}"


def cap_signatures(tokens: list[str]) -> tuple[list[str], str]:
    """The first :data:`MAX_SIGNATURES` tokens, and the note a failed verdict adds when some were left."""
    return cap(tokens, MAX_SIGNATURES, "signatures")


def cap(items: list[Any], limit: int, what: str) -> tuple[list[Any], str]:
    """The first ``limit`` items, and the note a failed verdict adds when some were left unchecked."""
    if len(items) <= limit:
        return items, ""
    left = len(items) - limit
    return items[:limit], f"; {left} more {what} were not checked (at most {limit} are tried per request)"


def list_problems(problems: Sequence[str]) -> str:
    """Several malformed-signature reasons in one line, cut short after a few."""
    listed = "; ".join(problems[:_LIST_LIMIT])
    if len(problems) > _LIST_LIMIT:
        listed += f"; and {len(problems) - _LIST_LIMIT} more malformed signatures"
    return listed


@lru_cache(maxsize=512)
def utf8_key(secret: str) -> tuple[bytes | None, str | None]:
    """An HMAC key for the schemes keyed by the secret's text itself (Stripe, GitHub, Shopify, Slack).

    Returns (key, None) or (None, predicate) where the predicate completes 'secret ...'.
    Cached: the same few secrets verify every request.
    """
    if not isinstance(secret, str):
        return None, "is not text"
    if not secret:
        return None, "is empty"
    try:
        return secret.encode("utf-8"), None
    except UnicodeEncodeError:
        return None, "is not valid UTF-8 text"


def utf8_keys(secrets: Sequence[str]) -> tuple[list[tuple[int, bytes]], list[str | None]]:
    """The usable keys as (index, key) and, per secret, the reason it is unusable (None when usable)."""
    usable: list[tuple[int, bytes]] = []
    errors: list[str | None] = []
    for index, secret in enumerate(secrets):
        key, err = utf8_key(secret) if isinstance(secret, str) else (None, "is not text")
        errors.append(err)
        if key is not None:
            usable.append((index, key))
    return usable, errors


def secret_problem(
    scheme: str, secrets: Sequence[str], usable: Sequence[object], errors: Sequence[str | None]
) -> str | None:
    """The reason to fail before looking at the request: no secret at all, or none usable."""
    if not secrets:
        return no_secret_reason(scheme)
    if not usable:
        return unusable_reason([err or "is unusable" for err in errors])
    return None


def hex_digest(value: str) -> bytes | None:
    """A SHA-256 digest written as 64 hex digits (either case), or None."""
    if len(value) != 64:
        return None
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        return None
    return raw if len(raw) == 32 else None  # fromhex skips spaces, which would shorten the result


def match_hmac(
    usable: Sequence[tuple[int, bytes]], content: bytes, signatures: Sequence[bytes]
) -> int | None:
    """The index of the first secret whose HMAC-SHA256 of `content` equals one of `signatures`."""
    for index, key in usable:
        expected = hmac.digest(key, content, "sha256")
        for signature in signatures:
            if hmac.compare_digest(expected, signature):
                return index
    return None


def signing_key(secret: str) -> bytes:
    """The UTF-8 key for signing with a text-keyed scheme; SecretError says why it cannot be used."""
    key, err = utf8_key(secret) if isinstance(secret, str) else (None, "is not text")
    if key is None:
        raise SecretError(f"secret {err}")
    return key


def mismatch_reason(usable: int, errors: Sequence[str | None], malformed: Sequence[str] = ()) -> str:
    """Nothing matched: the malformed signatures first, then how many secrets were tried and skipped."""
    if malformed:
        return list_problems(malformed) + "; " + no_match_reason(usable, other=True) + skipped_note(errors)
    return no_match_reason(usable) + skipped_note(errors)


def verify_body_hmac(
    scheme: str,
    header_name: str,
    headers: Mapping[str, str],
    body: Any,
    secrets: Sequence[str],
    parse: Callable[[str], bytes | str],
) -> Verdict:
    """The shape GitHub and Shopify share: one header holding HMAC-SHA256(secret text, raw body), no
    timestamp. ``parse`` turns the header value into the digest bytes, or a reason it is malformed."""
    usable, errors = utf8_keys(secrets)
    problem: int | str | None = secret_problem(scheme, secrets, usable, errors)
    if problem is None:
        raw = header(headers, header_name)
        if raw is None:
            problem = missing_reason([header_name])
        elif not raw.strip():
            problem = f"{header_name} is empty"
        else:
            digest = parse(raw)
            if isinstance(digest, str):
                problem = digest
            else:
                index = match_hmac(usable, as_bytes(body), [digest])
                problem = index if index is not None else mismatch_reason(len(usable), errors)
    if isinstance(problem, int):
        return Verdict(True, scheme, None, problem)
    return Verdict(False, scheme, problem)
