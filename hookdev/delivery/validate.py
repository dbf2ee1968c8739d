"""Checks on what a person types for the sender: URLs, headers, channels, limits, durations.

Each returns the clean value or raises :class:`InputError` with a one-line reason; nothing here
touches the database, so a refused command writes nothing.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from hookdev.config import header_name_problem
from hookdev.models import Headers

MAX_ENDPOINT_CHANNELS = 10
MAX_MESSAGE_CHANNELS = 5
MAX_URL_LENGTH = 2048
MAX_RATE_LIMIT = 100_000.0
MAX_GRACE = 604_800.0
MAX_RECOVER_WINDOW = 14 * 86_400.0
_CHANNEL = re.compile(r"[A-Za-z0-9_.:\-]{1,128}")
_SECRET = re.compile(r"(whsec_)?[a-zA-Z0-9+/=]{32,100}")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(w|d|h|m|s)", re.I)
_DURATION_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


class InputError(ValueError):
    """Bad input: the message is one line a person can act on."""


def is_loopback(host: str) -> bool:
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    """An endpoint URL: https, or http to a loopback host (localhost, 127.0.0.0/8, ::1)."""
    url = url.strip()
    if not url:
        raise InputError("the endpoint URL is empty")
    if len(url) > MAX_URL_LENGTH:
        raise InputError(f"the endpoint URL is longer than {MAX_URL_LENGTH} characters")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise InputError(f"invalid URL {url!r}: it contains spaces or control characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as e:
        raise InputError(f"invalid URL {url!r}: {e}") from None
    if "@" in parts.netloc:  # user:password@host: a credential that every listing would then show
        shown = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
        raise InputError(
            f"invalid URL {shown!r} with user:password@: credentials in a URL would be shown wherever the "
            "URL is; send them as a write-only header instead: --header 'Authorization: Basic …'"
        )
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InputError(f"invalid URL {url!r}: use an https:// URL (or http:// for localhost)")
    if not parts.hostname:
        raise InputError(f"invalid URL {url!r}: no host")
    if scheme == "http" and not is_loopback(parts.hostname):
        raise InputError(
            f"refusing http URL {url!r}: payloads go over https only (http is allowed for localhost, "
            "127.0.0.0/8 and ::1)"
        )
    return url


def parse_header(text: str) -> tuple[str, str]:
    """``'Name: value'`` -> (name, value)."""
    name, sep, value = text.partition(":")
    if not sep:
        raise InputError(f"invalid header {text!r}: write it as 'Name: value'")
    return check_header(name.strip(), value.strip())


def check_header(name: str, value: str) -> tuple[str, str]:
    problem = header_name_problem(name)
    if problem is not None:
        raise InputError(problem)
    if any(ord(c) < 32 and c != "\t" or ord(c) == 127 for c in value):
        raise InputError(f"the value of header '{name}' contains control characters (a line break?)")
    if not value.isascii():
        raise InputError(f"the value of header '{name}' must be ASCII text")
    if not value:
        raise InputError(f"header '{name}' has an empty value")
    return name, value


def merge_headers(current: Headers, set_: Iterable[tuple[str, str]], remove: Iterable[str] = ()) -> Headers:
    """Apply additions (replacing a header of the same name, any case) and removals."""
    out = list(current)
    for name in remove:
        if not any(k.lower() == name.lower() for k, _ in out):
            raise InputError(f"the endpoint has no header '{name}' to remove")
        out = [(k, v) for k, v in out if k.lower() != name.lower()]
    for name, value in set_:
        name, value = check_header(name, value)
        out = [(k, v) for k, v in out if k.lower() != name.lower()] + [(name, value)]
    return out


def check_channels(channels: Iterable[str], limit: int, what: str) -> list[str]:
    out: list[str] = []
    for c in channels:
        if not _CHANNEL.fullmatch(c):
            raise InputError(f"invalid channel {c!r}: use letters, digits and _ . : - (at most 128)")
        if c not in out:
            out.append(c)
    if len(out) > limit:
        raise InputError(f"{what} can have at most {limit} channels, got {len(out)}")
    return out


def check_rate_limit(value: float | None) -> float | None:
    if value is None:
        return None
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"invalid rate limit {value:g}: give messages per second, a number greater than 0")
    if value > MAX_RATE_LIMIT:
        raise InputError(
            f"rate limit {value:g} is above the maximum of {MAX_RATE_LIMIT:g} messages per second"
        )
    return float(value)


def check_grace(value: float) -> float:
    if not math.isfinite(value) or not 0 <= value <= MAX_GRACE:
        raise InputError(f"grace period must be 0 to {MAX_GRACE:g} seconds, got {value:g}")
    return float(value)


def check_secret(secret: str, scheme: str = "standard") -> str:
    """A secret the scheme can sign with: Standard Webhooks needs ``whsec_`` + base64; the other
    schemes key their HMAC with the secret's text (Stripe's ``whsec_...`` included), 8 to 200 printable
    characters (GitHub's own example secret has spaces)."""
    if scheme == "standard":
        if not _SECRET.fullmatch(secret):
            raise InputError("a secret must look like whsec_ + 32 to 100 base64 characters")
        return secret
    if not 8 <= len(secret) <= 200 or secret != secret.strip() or not secret.isprintable():
        raise InputError(f"a {scheme} secret must be 8 to 200 printable characters (no space at either end)")
    return secret


def check_scheme(scheme: str) -> str:
    """standard | stripe | github | shopify | slack (any case)."""
    from hookdev.delivery.formats import SchemeError
    from hookdev.delivery.formats import check_scheme as check

    try:
        return check(scheme)
    except SchemeError as e:
        raise InputError(str(e)) from None


def parse_duration(text: str) -> float:
    """``90s``, ``30m``, ``2h``, ``1d``, ``1h30m`` or plain seconds -> seconds."""
    t = text.strip().lower().replace(" ", "")
    try:
        value = float(t)
    except ValueError:
        pass
    else:
        if math.isfinite(value) and value >= 0:
            return value
        raise InputError(f"invalid duration {text!r}")
    pos = 0
    total = 0.0
    for m in _DURATION_PART.finditer(t):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _DURATION_UNITS[m.group(2)]
        pos = m.end()
    if pos != len(t) or not t:
        raise InputError(f"invalid duration {text!r}: use e.g. 90s, 30m, 2h, 1d")
    return total


def parse_when(text: str, now: float) -> float:
    """A point in time: a duration ago (``2h``) or an ISO 8601 date-time (local time if no zone)."""
    try:
        return now - parse_duration(text)
    except InputError:
        pass
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"invalid time {text!r}: give a duration ago (2h, 30m, 1d) or ISO 8601") from None
    if when.tzinfo is None:
        when = when.astimezone()
    return when.timestamp()
