"""Validation of a parsed hookdev.toml: typed getters that record every problem with its key path,
"did you mean" for unknown keys and choices, and the build of the typed ``Config``."""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from hookdev.config.declared import DEV_KEYS, RECEIVER_KEYS, TOP_KEYS, Setting, in_table
from hookdev.config.model import (
    ENDPOINT_KEYS,
    MAX_BODY_LIMIT,
    RESPOND_KEYS,
    RESPOND_MODES,
    ROUTE_KEYS,
    SCHEMES,
    Config,
    DevConfig,
    EndpointConfig,
    Key,
    ReceiverConfig,
    RespondConfig,
    RouteConfig,
)

# Header names a custom endpoint header may not use: the platform (Svix) refuses these, and hookdev
# also protects its own signature headers and the hop-by-hop ones.
_RESERVED_HEADERS = ("user-agent", "host", "transfer-encoding", "connection", "content-length")
_RESERVED_PREFIXES = ("webhook-", "svix-", "x-svix-", "x-amz-", "content-")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# The endpoint secret format Svix accepts.
_ENDPOINT_SECRET = re.compile(r"(whsec_)?[a-zA-Z0-9+/=]{32,100}")
_TEXT_SECRET = re.compile(
    r"[!-~](?:[ -~]{6,198})[!-~]"
)  # HMAC keys of the text-keyed schemes (Stripe, GitHub, ...)
_SIZE = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([A-Za-z]*)\s*")
_SIZE_UNITS = {
    "": 1, "b": 1, "kb": 1000, "kib": 1024, "mb": 1000**2, "mib": 1024**2, "gb": 1000**3, "gib": 1024**3,
}  # fmt: skip

Table = Mapping[str, Any]


def parse_size(value: str | int) -> int:
    """Bytes from an int or a string like "512KB", "5MiB" or "1.5 MB"; raises ValueError."""
    if isinstance(value, bool):
        raise ValueError("not a size")
    if isinstance(value, int):
        size = value
    else:
        m = _SIZE.fullmatch(value)
        if not m or m.group(2).lower() not in _SIZE_UNITS:
            raise ValueError("not a size")
        try:
            size = int(Decimal(m.group(1)) * _SIZE_UNITS[m.group(2).lower()])
        except InvalidOperation:
            raise ValueError("not a size") from None
    if not 1 <= size <= MAX_BODY_LIMIT:
        raise ValueError("size out of range")
    return size


def header_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a custom endpoint header, or None when it can (shared with the CLI)."""
    if not _TOKEN.fullmatch(name):
        return f"{json.dumps(name, ensure_ascii=False)} is not a valid header name"
    lower = name.lower()
    if lower in _RESERVED_HEADERS:
        return f"header '{name}' is reserved (hookdev sets it)"
    for prefix in _RESERVED_PREFIXES:
        if lower.startswith(prefix):
            return f"header '{name}' is reserved (hookdev sets {prefix}* headers)"
    return None


# -- validation --------------------------------------------------------------------------------------


def format_key(key: Key) -> str:
    out = ""
    for part in key:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = part if re.fullmatch(r"[A-Za-z0-9_-]+", part) else json.dumps(part, ensure_ascii=False)
            out += f".{text}" if out else text
    return out


def _describe(value: Any) -> str:
    """A value as an error message shows it, TOML-style and short."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 40 else text[:36] + '..."'
    if isinstance(value, int):
        return str(value) if abs(value) < 10**30 else "a very large integer"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, datetime):
        return "a date-time"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, time):
        return "a time"
    return type(value).__name__


def _relative(base: Path | None, text: str) -> Path:
    path = Path(text)
    try:
        path = path.expanduser()
    except RuntimeError:  # no home directory to expand "~" into
        pass
    return base / path if base is not None and not path.is_absolute() else path


class Checker:
    """Typed getters that record every problem (with its key path) instead of stopping at the first."""

    def __init__(self) -> None:
        self.found: list[tuple[Key, str, Key | None]] = []

    def fail(self, key: Key, message: str, also: Key | None = None) -> None:
        """Record a problem at ``key``; ``also`` names an earlier key it clashes with."""
        self.found.append((key, f"{format_key(key)}: {message}", also))

    def table(self, value: Any, key: Key, allowed: tuple[str, ...]) -> Table | None:
        if not isinstance(value, dict):
            self.fail(key, f"expected a table, got {_describe(value)}")
            return None
        for name in value:
            if name not in allowed:
                text = f"unknown key '{format_key(key + (name,))}'"
                close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
                if close:
                    text += f" (did you mean '{close[0]}'?)"
                self.found.append((key + (name,), text, None))
        return value

    def subtable(self, t: Table, key: Key, name: str, allowed: tuple[str, ...]) -> Table:
        if name not in t:
            return {}
        return self.table(t[name], key + (name,), allowed) or {}

    def tables(self, t: Table, name: str, allowed: tuple[str, ...]) -> list[tuple[Key, Table]]:
        """An array of tables (``[[name]]``): each valid entry with its key path."""
        if name not in t:
            return []
        value = t[name]
        if not isinstance(value, list):
            self.fail((name,), f"expected an array of tables ([[{name}]]), got {_describe(value)}")
            return []
        out: list[tuple[Key, Table]] = []
        for i, item in enumerate(value):
            entry = self.table(item, (name, i), allowed)
            if entry is not None:
                out.append(((name, i), entry))
        return out

    def string(self, t: Table, key: Key, name: str, *, empty_ok: bool = False) -> str | None:
        if name not in t:
            return None
        return self._string_value(t[name], key + (name,), empty_ok=empty_ok)

    def _string_value(self, value: Any, key: Key, *, empty_ok: bool = False) -> str | None:
        if not isinstance(value, str) or (not empty_ok and not value.strip()):
            self.fail(key, f"expected a {'' if empty_ok else 'non-empty '}string, got {_describe(value)}")
            return None
        return value

    def strings(self, t: Table, key: Key, name: str) -> tuple[str, ...] | None:
        if name not in t:
            return None
        value = t[name]
        if not isinstance(value, list):
            self.fail(key + (name,), f"expected an array of strings, got {_describe(value)}")
            return None
        items = [self._string_value(item, key + (name, i)) for i, item in enumerate(value)]
        return tuple(item for item in items if item is not None)

    def boolean(self, t: Table, key: Key, name: str) -> bool | None:
        if name not in t:
            return None
        value = t[name]
        if not isinstance(value, bool):
            self.fail(key + (name,), f"expected true or false, got {_describe(value)}")
            return None
        return value

    def integer(
        self, t: Table, key: Key, name: str, lo: int, hi: int | None = None, *, at_most: int = 10**9
    ) -> int | None:
        """An integer from ``lo`` to ``hi`` (named in every error), and never above ``at_most``."""
        if name not in t:
            return None
        value = t[name]
        top = at_most if hi is None else min(hi, at_most)
        if isinstance(value, int) and not isinstance(value, bool) and lo <= value <= top:
            return value
        bounds = f">= {lo}" if hi is None else f"from {lo} to {hi}"
        if hi is None and isinstance(value, int) and not isinstance(value, bool) and value > top:
            bounds = f"<= {top}"
        self.fail(key + (name,), f"expected an integer {bounds}, got {_describe(value)}")
        return None

    def number(
        self, t: Table, key: Key, name: str, *, above: float, inclusive: bool, at_most: float = 1e9
    ) -> float | None:
        """A finite int or float ``> above`` (``>=`` when inclusive) and ``<= at_most``, as a float."""
        if name not in t:
            return None
        value = t[name]
        result: float | None = None
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                result = float(value)
            except OverflowError:
                result = None
        if (
            result is not None
            and math.isfinite(result)
            and (result >= above if inclusive else result > above)
            and result <= at_most
        ):
            return result
        finite = "finite " if isinstance(value, float) and not math.isfinite(value) else ""
        bound = f"{'>=' if inclusive else '>'} {above:g}"
        if result is not None and math.isfinite(result) and result > at_most:
            bound = f"<= {at_most:g}"
        self.fail(key + (name,), f"expected a {finite}number {bound}, got {_describe(value)}")
        return None

    def choice(self, t: Table, key: Key, name: str, choices: tuple[str, ...]) -> str | None:
        if name not in t:
            return None
        value = t[name]
        if isinstance(value, str) and value in choices:
            return value
        text = f"expected one of {'|'.join(choices)}, got {_describe(value)}"
        if isinstance(value, str):
            close = difflib.get_close_matches(value.lower(), choices, n=1, cutoff=0.6)
            if close:
                text += f' (did you mean "{close[0]}"?)'
        self.fail(key + (name,), text)
        return None

    def required(self, t: Table, key: Key, name: str) -> None:
        if name not in t:
            self.fail(key + (name,), "required key is missing")


def check_setting(check: Checker, t: Table, key: Key, setting: Setting, base: Path | None) -> Any:
    """The value of one declared setting in its table ``t`` (at ``key``), checked as its kind says;
    None when it is absent or wrong (the problem is recorded)."""
    name = setting.leaf
    kind = setting.kind
    if kind == "string":
        return check.string(t, key, name)
    if kind == "strings":
        return check.strings(t, key, name)
    if kind == "path":
        text = check.string(t, key, name)
        return None if text is None else _relative(base, text)
    if kind == "paths":
        paths = check.strings(t, key, name)
        return None if paths is None else tuple(_relative(base, p) for p in paths)
    if kind == "bool":
        return check.boolean(t, key, name)
    if kind == "choice":
        return check.choice(t, key, name, setting.choices)
    if kind == "number":
        at_most = 1e9 if setting.hi is None else setting.hi
        return check.number(t, key, name, above=setting.lo or 0, inclusive=False, at_most=at_most)
    if kind == "integer":
        hi = None if setting.hi is None else int(setting.hi)
        return check.integer(t, key, name, int(setting.lo or 0), hi)
    if kind == "size":
        if name not in t:
            return None
        value = t[name]
        try:
            if not isinstance(value, int | str):
                raise ValueError
            return parse_size(value)
        except ValueError:
            check.fail(
                key + (name,),
                f'expected a size from 1 byte to 1TiB: bytes or a string like "512KB" or "5MiB", got {_describe(value)}',
            )
            return None
    if kind == "target":
        if name not in t:
            return None
        value = t[name]
        if isinstance(value, int) and not isinstance(value, bool):
            check.fail(key + (name,), f'expected a string, got {value} (write "{value}")')
            return None
        return check.string(t, key, name)
    if kind == "respond":
        return _respond(check, check.subtable(t, key, name, RESPOND_KEYS), key + (name,))
    if kind == "routes":
        return _routes(check, t)
    raise AssertionError(f"setting {setting.name}: unknown kind {kind!r}")


def _table(check: Checker, t: Table, table: str, base: Path | None) -> dict[str, Any]:
    """Every declared setting of ``table`` found in ``t``, by its key's last part."""
    key: Key = tuple(table.split(".")) if table else ()
    return {s.leaf: check_setting(check, t, key, s, base) for s in in_table(table)}


def build_config(check: Checker, data: dict[str, Any], path: Path | None) -> Config:
    base = path.parent if path is not None else None
    top = check.table(data, (), TOP_KEYS) or {}
    values = _table(check, top, "", base)
    receiver = ReceiverConfig(
        **_table(check, check.subtable(top, (), "receiver", RECEIVER_KEYS), "receiver", base)
    )
    endpoints = _endpoints(check, top)
    dev = DevConfig(**_table(check, check.subtable(top, (), "dev", DEV_KEYS), "dev", base))
    ops_endpoint = values["ops_endpoint"]
    if ops_endpoint is not None and not ops_endpoint.startswith("ep_"):
        raw = top.get("endpoints")
        names = [e.get("name") for e in raw if isinstance(e, dict)] if isinstance(raw, list) else []
        if ops_endpoint not in names:
            check.fail(
                ("ops_endpoint",),
                f"{_describe(ops_endpoint)} is neither an endpoint id (ep_...) nor the name of an [[endpoints]] entry",
            )
    return Config(
        catalog=values["catalog"],
        strict=values["strict"],
        time_scale=values["time_scale"],
        ops_endpoint=ops_endpoint,
        receiver=receiver,
        routes=values["routes"],
        endpoints=endpoints,
        dev=dev,
        path=path,
    )


def _respond(check: Checker, r: Table, key: Key) -> RespondConfig:
    return RespondConfig(
        mode=check.choice(r, key, "mode", RESPOND_MODES),
        status=check.integer(r, key, "status", 100, 599),
        count=check.integer(r, key, "count", 0),
        delay=check.number(r, key, "delay", above=0, inclusive=True, at_most=3600),
        retry_after=check.integer(r, key, "retry_after", 0),
    )


def _routes(check: Checker, top: Table) -> tuple[RouteConfig, ...]:
    routes: list[RouteConfig] = []
    seen: dict[str, Key] = {}
    for key, t in check.tables(top, "routes", ROUTE_KEYS):
        check.required(t, key, "path")
        path = check.string(t, key, "path")
        if path is not None and not path.startswith("/"):
            check.fail(key + ("path",), f'expected a path starting with "/", got {_describe(path)}')
            path = None
        to = check.string(t, key, "to")
        secret = check.string(t, key, "secret")
        scheme = check.choice(t, key, "scheme", SCHEMES)
        if path is None:
            continue
        normal = path.rstrip("/") or "/"
        if normal in seen:
            check.fail(key + ("path",), f"duplicate route path {_describe(path)}", also=seen[normal])
            continue
        seen[normal] = key
        routes.append(RouteConfig(path=path, to=to, secret=secret, scheme=scheme))
    return tuple(routes)


def _endpoints(check: Checker, top: Table) -> tuple[EndpointConfig, ...]:
    endpoints: list[EndpointConfig] = []
    seen: dict[str, Key] = {}
    for key, t in check.tables(top, "endpoints", ENDPOINT_KEYS):
        check.required(t, key, "name")
        check.required(t, key, "url")
        name = check.string(t, key, "name")
        url = check.string(t, key, "url")
        if url is not None and not _is_http_url(url):
            check.fail(key + ("url",), f"expected an http:// or https:// URL, got {_describe(url)}")
            url = None
        scheme = check.choice(t, key, "scheme", SCHEMES) or "standard"
        secret = check.string(t, key, "secret")
        if secret is not None and scheme != "standard" and not _TEXT_SECRET.fullmatch(secret):
            check.fail(
                key + ("secret",),
                f"expected 8 to 200 printable characters (no space at either end), got a string of {len(secret)} characters",
            )
            secret = None
        elif secret is not None and scheme == "standard" and not _ENDPOINT_SECRET.fullmatch(secret):
            # The value is a secret: describe it, never echo it.
            check.fail(
                key + ("secret",),
                f"expected whsec_ followed by 32 to 100 base64 characters, got a string of {len(secret)} characters",
            )
            secret = None
        events = check.strings(t, key, "events") or ()
        channels = check.strings(t, key, "channels") or ()
        rate_limit = check.number(t, key, "rate_limit", above=0, inclusive=False)
        headers = _headers(check, t, key)
        description = check.string(t, key, "description", empty_ok=True) or ""
        disabled = bool(check.boolean(t, key, "disabled"))
        if name is None or url is None:
            continue
        if name in seen:
            check.fail(key + ("name",), f"duplicate endpoint name {_describe(name)}", also=seen[name])
            continue
        seen[name] = key
        endpoints.append(
            EndpointConfig(
                name, url, events, channels, rate_limit, headers, description, disabled, secret, scheme
            )
        )
    return tuple(endpoints)


def _headers(check: Checker, t: Table, key: Key) -> tuple[tuple[str, str], ...]:
    if "headers" not in t:
        return ()
    key = key + ("headers",)
    value = t["headers"]
    if not isinstance(value, dict):
        check.fail(
            key,
            f'expected a table of header names to values ({{ "X-Team" = "growth" }}), got {_describe(value)}',
        )
        return ()
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, text in value.items():
        problem = header_name_problem(name)
        if problem is None and name.lower() in seen:
            problem = f"header '{name}' is set twice (header names ignore case)"
        if problem is not None:
            check.fail(key + (name,), problem)
            continue
        seen.add(name.lower())
        if not isinstance(text, str) or any(c in text for c in "\r\n\0"):
            # Header values may be credentials (Authorization): say what is wrong, not what it is.
            got = "a string with a line break" if isinstance(text, str) else _describe(text)
            check.fail(key + (name,), f"expected a one-line string, got {got}")
            continue
        out.append((name, text))
    return tuple(out)


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in url)
