"""hookdev.toml: the optional project file, read into one typed, strictly validated ``Config``.

The file lives in the current directory (not its parents: a config that silently applies from a parent
directory is a surprise). Every value is optional and unset values stay ``None``, so callers layer
the sources as "CLI flag, else file, else built-in default" (see ``first_set``).

Validation is strict because a typo in a config file otherwise fails silently: unknown keys, wrong
types and out-of-range values are all errors that name the file, the line and the key, e.g.
``hookdev.toml:14: endpoints[1].rate_limit: expected a number > 0, got "ten"``. ``tomllib`` gives no
line numbers for keys, so ``_KeyLines`` finds them by scanning the text itself, and only when there is
an error to report. Secrets never appear in an error message or in a ``repr``.
"""

from __future__ import annotations

import bisect
import difflib
import json
import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

CONFIG_FILE = "hookdev.toml"

SCHEMES = ("standard", "stripe", "github", "shopify", "slack")
RESPOND_MODES = ("normal", "status", "fail", "delay", "gone", "throttle")
RESEND_MODES = ("new", "replay")

# The built-in defaults the starter file spells out (the modules that use them may import these).
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787
DEFAULT_TIME_SCALE = 1.0
DEFAULT_TOLERANCE = 300
DEFAULT_MAX_BODY = 5 * 1024 * 1024
DEFAULT_RESPOND_MODE = "normal"
DEFAULT_RESEND_MODE = "new"

MAX_BODY_LIMIT = 1024**4  # 1 TiB: anything larger is a typo, not a setting

TOP_KEYS = ("catalog", "time_scale", "ops_endpoint", "receiver", "routes", "endpoints", "dev")
RECEIVER_KEYS = (
    "host", "port", "secrets", "scheme", "tolerance", "max_body", "forward_to", "accept_invalid", "respond",
)  # fmt: skip
RESPOND_KEYS = ("mode", "status", "count", "delay", "retry_after")
ROUTE_KEYS = ("path", "to", "secret", "scheme")
ENDPOINT_KEYS = (
    "name", "url", "events", "channels", "rate_limit", "headers", "description", "disabled", "secret",
)  # fmt: skip
DEV_KEYS = ("resend_on_change", "resend_mode")

# Header names a custom endpoint header may not use: the platform (Svix) refuses these, and hookdev
# also protects its own signature headers and the hop-by-hop ones.
_RESERVED_HEADERS = ("user-agent", "host", "transfer-encoding", "connection", "content-length")
_RESERVED_PREFIXES = ("webhook-", "svix-", "x-svix-", "x-amz-", "content-")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# The endpoint secret format Svix accepts.
_ENDPOINT_SECRET = re.compile(r"(whsec_)?[a-zA-Z0-9+/=]{32,100}")
_SIZE = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([A-Za-z]*)\s*")
_SIZE_UNITS = {
    "": 1, "b": 1, "kb": 1000, "kib": 1024, "mb": 1000**2, "mib": 1024**2, "gb": 1000**3, "gib": 1024**3,
}  # fmt: skip
_MAX_SHOWN = 10  # issues listed in one error message

Key = tuple[str | int, ...]
Table = Mapping[str, Any]
T = TypeVar("T")


# -- the typed object --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RespondConfig:
    """How the receiver answers, to exercise a sender's failure paths (``[receiver.respond]``)."""

    mode: str | None = None  # one of RESPOND_MODES
    status: int | None = None  # for mode = status / fail
    count: int | None = None  # mode = fail: fail the next N requests, then answer normally
    delay: float | None = None  # mode = delay: seconds
    retry_after: int | None = None  # mode = throttle: 429 with this Retry-After (seconds)


@dataclass(frozen=True)
class ReceiverConfig:
    """The ``[receiver]`` table."""

    host: str | None = None
    port: int | None = None
    secrets: tuple[str, ...] | None = field(default=None, repr=False)  # extra secrets accepted
    scheme: str | None = None  # None: detect from the headers
    tolerance: int | None = None  # seconds
    max_body: int | None = None  # bytes
    forward_to: str | None = None  # raw text: shorthands ("3000") are parsed by the forwarder
    accept_invalid: bool | None = None
    respond: RespondConfig = field(default_factory=RespondConfig)


@dataclass(frozen=True)
class RouteConfig:
    """One ``[[routes]]`` entry: per-path forwarding and verification."""

    path: str
    to: str | None = None  # None: verify and store only
    secret: str | None = field(default=None, repr=False)
    scheme: str | None = None


@dataclass(frozen=True)
class EndpointConfig:
    """One ``[[endpoints]]`` entry: a managed endpoint, identified by ``name`` across reloads.

    The file declares the whole endpoint, so absent collections are empty rather than ``None``.
    """

    name: str
    url: str
    events: tuple[str, ...] = ()  # empty: every event type
    channels: tuple[str, ...] = ()
    rate_limit: float | None = None  # messages per second; None: no limit
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)  # may hold an Authorization
    description: str = ""
    disabled: bool = False
    secret: str | None = field(default=None, repr=False)  # None: generated once and kept


@dataclass(frozen=True)
class DevConfig:
    """The ``[dev]`` table."""

    resend_on_change: tuple[Path, ...] | None = None  # resolved against the file's directory
    resend_mode: str | None = None  # one of RESEND_MODES


@dataclass(frozen=True)
class Config:
    """Everything ``hookdev.toml`` can set; ``Config()`` is the empty file."""

    catalog: Path | None = None  # resolved against the file's directory
    time_scale: float | None = None
    ops_endpoint: str | None = None  # endpoint id or managed endpoint name
    receiver: ReceiverConfig = field(default_factory=ReceiverConfig)
    routes: tuple[RouteConfig, ...] = ()
    endpoints: tuple[EndpointConfig, ...] = ()
    dev: DevConfig = field(default_factory=DevConfig)
    path: Path | None = None  # the file it was read from

    def endpoint_named(self, name: str) -> EndpointConfig | None:
        return next((e for e in self.endpoints if e.name == name), None)

    def route_for(self, path: str) -> RouteConfig | None:
        """The route whose path equals ``path`` (a trailing slash does not matter)."""
        want = path.rstrip("/") or "/"
        return next((r for r in self.routes if (r.path.rstrip("/") or "/") == want), None)


def first_set(*values: T | None) -> T | None:
    """The first value that is not None: ``first_set(cli_port, config.receiver.port, DEFAULT_PORT)``."""
    return next((v for v in values if v is not None), None)


def empty_config() -> Config:
    return Config()


# -- errors ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in the file: where it is and what is wrong."""

    file: str
    line: int | None
    key: str | None  # e.g. "endpoints[1].rate_limit"; None for syntax and read errors
    message: str  # the text after "file:line: "

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.message}"


class ConfigError(Exception):
    """An unreadable or invalid hookdev.toml; ``str()`` lists the problems, one line each, by line."""

    def __init__(self, issues: Iterable[ConfigIssue]) -> None:
        self.issues = tuple(issues)
        lines = [str(issue) for issue in self.issues[:_MAX_SHOWN]]
        if len(self.issues) > _MAX_SHOWN:
            lines.append(f"... and {len(self.issues) - _MAX_SHOWN} more")
        super().__init__("\n".join(lines))

    @property
    def line(self) -> int | None:
        return self.issues[0].line if self.issues else None

    @property
    def key(self) -> str | None:
        return self.issues[0].key if self.issues else None


# -- reading -----------------------------------------------------------------------------------------


def find_config(start: Path | None = None) -> Path | None:
    """``hookdev.toml`` in ``start`` (default: the current directory), not in its parents."""
    directory = Path.cwd() if start is None else Path(start)
    candidate = directory / CONFIG_FILE
    return candidate if candidate.exists() else None


def load_config(path: Path) -> Config:
    """Read and validate a config file; raises ConfigError (also for files that cannot be read)."""
    path = Path(path)
    file = _display(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ConfigError([ConfigIssue(file, None, None, f"cannot read: {e.strerror or e}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise ConfigError([ConfigIssue(file, line, None, "not UTF-8 text")]) from None
    return parse_config(text, path)


def project_config(start: Path | None = None) -> Config:
    """The config of the project in ``start`` (default: cwd), or the empty config when there is none."""
    path = find_config(start)
    return empty_config() if path is None else load_config(path)


def parse_config(text: str, path: Path | None = None) -> Config:
    """Parse and validate the text of a hookdev.toml; pure (relative paths resolve against ``path``)."""
    file = _display(path)
    text = text.removeprefix("\ufeff")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError([_syntax_issue(file, text, e)]) from None
    except ValueError:  # an integer literal beyond Python's digit limit
        raise ConfigError([ConfigIssue(file, None, None, "TOML syntax error: integer too large")]) from None
    except RecursionError:
        raise ConfigError([ConfigIssue(file, None, None, "TOML syntax error: nested too deeply")]) from None
    check = _Checker()
    config = _build(check, data, path)
    if check.found:
        lines = _KeyLines(text)
        issues = []
        for key, message, also in check.found:
            if also is not None:
                where = lines.find(also)
                message += f" (also {_format_key(also)}{'' if where is None else f', line {where}'})"
            issues.append(ConfigIssue(file, lines.find(key), _format_key(key) or None, message))
        issues.sort(key=lambda i: math.inf if i.line is None else i.line)
        raise ConfigError(issues)
    return config


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


def _display(path: Path | None) -> str:
    """The file name as errors show it: relative to the current directory when it is inside it."""
    if path is None:
        return CONFIG_FILE
    try:
        return str(Path(path).relative_to(Path.cwd())) if Path(path).is_absolute() else str(path)
    except (ValueError, OSError):
        return str(path)


def _syntax_issue(file: str, text: str, e: tomllib.TOMLDecodeError) -> ConfigIssue:
    message = str(e)
    m = re.search(r"at line (\d+), column \d+", message)
    if m:
        line: int | None = int(m.group(1))
    elif "end of document" in message:
        line = text.count("\n") + 1
    else:
        line = None
    return ConfigIssue(file, line, None, f"TOML syntax error: {message}")


# -- validation --------------------------------------------------------------------------------------


def _format_key(key: Key) -> str:
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


class _Checker:
    """Typed getters that record every problem (with its key path) instead of stopping at the first."""

    def __init__(self) -> None:
        self.found: list[tuple[Key, str, Key | None]] = []

    def fail(self, key: Key, message: str, also: Key | None = None) -> None:
        """Record a problem at ``key``; ``also`` names an earlier key it clashes with."""
        self.found.append((key, f"{_format_key(key)}: {message}", also))

    def table(self, value: Any, key: Key, allowed: tuple[str, ...]) -> Table | None:
        if not isinstance(value, dict):
            self.fail(key, f"expected a table, got {_describe(value)}")
            return None
        for name in value:
            if name not in allowed:
                text = f"unknown key '{_format_key(key + (name,))}'"
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
        out = []
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

    def integer(self, t: Table, key: Key, name: str, lo: int, hi: int | None = None) -> int | None:
        if name not in t:
            return None
        value = t[name]
        if (
            isinstance(value, int)
            and not isinstance(value, bool)
            and lo <= value
            and (hi is None or value <= hi)
        ):
            return value
        bounds = f">= {lo}" if hi is None else f"from {lo} to {hi}"
        self.fail(key + (name,), f"expected an integer {bounds}, got {_describe(value)}")
        return None

    def number(self, t: Table, key: Key, name: str, *, above: float, inclusive: bool) -> float | None:
        """A finite int or float ``> above`` (``>=`` when inclusive), returned as a float."""
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
        ):
            return result
        finite = "finite " if isinstance(value, float) and not math.isfinite(value) else ""
        bound = f"{'>=' if inclusive else '>'} {above:g}"
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


def _build(check: _Checker, data: dict[str, Any], path: Path | None) -> Config:
    base = path.parent if path is not None else None
    top = check.table(data, (), TOP_KEYS) or {}
    catalog = check.string(top, (), "catalog")
    time_scale = check.number(top, (), "time_scale", above=0, inclusive=False)
    ops_endpoint = check.string(top, (), "ops_endpoint")
    receiver = _receiver(check, check.subtable(top, (), "receiver", RECEIVER_KEYS))
    routes = _routes(check, top)
    endpoints = _endpoints(check, top)
    dev = _dev(check, check.subtable(top, (), "dev", DEV_KEYS), base)
    if ops_endpoint is not None and not ops_endpoint.startswith("ep_"):
        raw = top.get("endpoints")
        names = [e.get("name") for e in raw if isinstance(e, dict)] if isinstance(raw, list) else []
        if ops_endpoint not in names:
            check.fail(
                ("ops_endpoint",),
                f"{_describe(ops_endpoint)} is neither an endpoint id (ep_...) nor the name of an [[endpoints]] entry",
            )
    return Config(
        catalog=None if catalog is None else _relative(base, catalog),
        time_scale=time_scale,
        ops_endpoint=ops_endpoint,
        receiver=receiver,
        routes=routes,
        endpoints=endpoints,
        dev=dev,
        path=path,
    )


def _receiver(check: _Checker, t: Table) -> ReceiverConfig:
    key: Key = ("receiver",)
    max_body = None
    if "max_body" in t:
        value = t["max_body"]
        try:
            if not isinstance(value, int | str):
                raise ValueError
            max_body = parse_size(value)
        except ValueError:
            check.fail(
                key + ("max_body",),
                f'expected a size from 1 byte to 1TiB: bytes or a string like "512KB" or "5MiB", got {_describe(value)}',
            )
    forward_to = None
    if "forward_to" in t:
        value = t["forward_to"]
        if isinstance(value, int) and not isinstance(value, bool):
            check.fail(key + ("forward_to",), f'expected a string, got {value} (write "{value}")')
        else:
            forward_to = check.string(t, key, "forward_to")
    respond_key = key + ("respond",)
    r = check.subtable(t, key, "respond", RESPOND_KEYS)
    respond = RespondConfig(
        mode=check.choice(r, respond_key, "mode", RESPOND_MODES),
        status=check.integer(r, respond_key, "status", 100, 599),
        count=check.integer(r, respond_key, "count", 0),
        delay=check.number(r, respond_key, "delay", above=0, inclusive=True),
        retry_after=check.integer(r, respond_key, "retry_after", 0),
    )
    return ReceiverConfig(
        host=check.string(t, key, "host"),
        port=check.integer(t, key, "port", 0, 65535),
        secrets=check.strings(t, key, "secrets"),
        scheme=check.choice(t, key, "scheme", SCHEMES),
        tolerance=check.integer(t, key, "tolerance", 0),
        max_body=max_body,
        forward_to=forward_to,
        accept_invalid=check.boolean(t, key, "accept_invalid"),
        respond=respond,
    )


def _routes(check: _Checker, top: Table) -> tuple[RouteConfig, ...]:
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


def _endpoints(check: _Checker, top: Table) -> tuple[EndpointConfig, ...]:
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
        secret = check.string(t, key, "secret")
        if secret is not None and not _ENDPOINT_SECRET.fullmatch(secret):
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
            EndpointConfig(name, url, events, channels, rate_limit, headers, description, disabled, secret)
        )
    return tuple(endpoints)


def _headers(check: _Checker, t: Table, key: Key) -> tuple[tuple[str, str], ...]:
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


def _dev(check: _Checker, t: Table, base: Path | None) -> DevConfig:
    paths = check.strings(t, ("dev",), "resend_on_change")
    return DevConfig(
        resend_on_change=None if paths is None else tuple(_relative(base, p) for p in paths),
        resend_mode=check.choice(t, ("dev",), "resend_mode", RESEND_MODES),
    )


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in url)


# -- finding the line of a key -----------------------------------------------------------------------

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR = re.compile(r"[^,\]}\n#]*")
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


class _KeyLines:
    """Line numbers of the keys, tables and array items of a TOML document tomllib has accepted.

    Keys are paths like ``("endpoints", 1, "rate_limit")``: arrays of tables and inline arrays count
    their items, as the error messages do. Best effort: anything it cannot follow ends the scan, and
    ``find`` falls back to the nearest enclosing key it did see.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.lines: dict[Key, int] = {}
        self._newlines = [i for i, c in enumerate(text) if c == "\n"]
        self._arrays: dict[Key, int] = {}  # array of tables -> index of its last item
        try:
            self._document()
        except Exception:  # a partial map still places most errors
            pass

    def find(self, key: Key) -> int | None:
        for end in range(len(key), 0, -1):
            line = self.lines.get(key[:end])
            if line is not None:
                return line
        return None

    # -- helpers
    def _line_at(self, pos: int) -> int:
        return bisect.bisect_right(self._newlines, pos - 1) + 1

    def _mark(self, key: Key, pos: int, *, weak: bool = False) -> None:
        if weak:
            self.lines.setdefault(key, self._line_at(pos))
        else:
            self.lines[key] = self._line_at(pos)

    def _peek(self) -> str:
        return self.text[self.pos : self.pos + 1]

    def _expect(self, token: str) -> None:
        if not self.text.startswith(token, self.pos):
            raise ValueError(f"expected {token!r} at {self.pos}")
        self.pos += len(token)

    def _skip(self, newlines: bool) -> None:
        text, n = self.text, len(self.text)
        while self.pos < n:
            c = text[self.pos]
            if c in " \t\r" or (newlines and c == "\n"):
                self.pos += 1
            elif c == "#":
                end = text.find("\n", self.pos)
                self.pos = n if end < 0 else end
            else:
                return

    def _resolve(self, names: Key) -> Key:
        """A header's names with the current index of every array of tables on the way."""
        path: Key = ()
        for name in names:
            path += (name,)
            if path in self._arrays:
                path += (self._arrays[path],)
        return path

    # -- grammar
    def _document(self) -> None:
        table: Key = ()
        while True:
            self._skip(newlines=True)
            start = self.pos
            if start >= len(self.text):
                return
            if self.text.startswith("[[", start):
                self.pos += 2
                names = self._key()
                self._skip(newlines=False)
                self._expect("]]")
                array = self._resolve(names[:-1]) + names[-1:]
                index = self._arrays.get(array, -1) + 1
                self._arrays[array] = index
                table = array + (index,)
                self._mark(array, start, weak=True)
                self._mark(table, start)
            elif self.text.startswith("[", start):
                self.pos += 1
                names = self._key()
                self._skip(newlines=False)
                self._expect("]")
                table = self._resolve(names)
                self._mark(table, start)
            else:
                self._pair(table, start)

    def _pair(self, table: Key, start: int) -> None:
        names = self._key()
        self._skip(newlines=False)
        self._expect("=")
        key = table + names
        for end in range(len(table) + 1, len(key)):
            self._mark(key[:end], start, weak=True)
        self._mark(key, start)
        self._value(key)

    def _key(self) -> Key:
        names: list[str] = []
        while True:
            self._skip(newlines=False)
            c = self._peek()
            if c == '"':
                names.append(self._basic_string())
            elif c == "'":
                end = self.text.index("'", self.pos + 1)
                names.append(self.text[self.pos + 1 : end])
                self.pos = end + 1
            else:
                m = _BARE_KEY.match(self.text, self.pos)
                if not m:
                    raise ValueError(f"no key at {self.pos}")
                names.append(m.group())
                self.pos = m.end()
            self._skip(newlines=False)
            if self._peek() != ".":
                return tuple(names)
            self.pos += 1

    def _basic_string(self) -> str:
        text = self.text
        self.pos += 1
        out: list[str] = []
        while True:
            c = text[self.pos]
            if c == '"':
                self.pos += 1
                return "".join(out)
            if c == "\\":
                e = text[self.pos + 1]
                if e in "uU":
                    width = 4 if e == "u" else 8
                    out.append(chr(int(text[self.pos + 2 : self.pos + 2 + width], 16)))
                    self.pos += 2 + width
                else:
                    out.append(_ESCAPES.get(e, e))
                    self.pos += 2
            else:
                out.append(c)
                self.pos += 1

    def _value(self, key: Key) -> None:
        self._skip(newlines=False)
        text = self.text
        if text.startswith('"""', self.pos) or text.startswith("'''", self.pos):
            self._multiline_string(text[self.pos])
        elif text.startswith('"', self.pos):
            self._basic_string()
        elif text.startswith("'", self.pos):
            self.pos = text.index("'", self.pos + 1) + 1
        elif text.startswith("[", self.pos):
            self._array(key)
        elif text.startswith("{", self.pos):
            self._inline_table(key)
        else:
            m = _SCALAR.match(text, self.pos)
            if m is None or m.end() == self.pos:
                raise ValueError(f"no value at {self.pos}")
            self.pos = m.end()

    def _multiline_string(self, quote: str) -> None:
        text = self.text
        self.pos += 3
        while True:
            if quote == '"' and text[self.pos] == "\\":
                self.pos += 2
            elif text.startswith(quote * 3, self.pos):
                self.pos += 3
                for _ in range(2):  # up to two quotes may sit right before the closing three
                    if text.startswith(quote, self.pos):
                        self.pos += 1
                return
            else:
                self.pos += 1
            if self.pos >= len(text):
                raise ValueError("unterminated string")

    def _array(self, key: Key) -> None:
        self.pos += 1
        index = 0
        while True:
            self._skip(newlines=True)
            if self._peek() == "]":
                self.pos += 1
                return
            self._mark(key + (index,), self.pos)
            self._value(key + (index,))
            self._skip(newlines=True)
            if self._peek() == ",":
                self.pos += 1
            index += 1

    def _inline_table(self, key: Key) -> None:
        self.pos += 1
        while True:
            self._skip(newlines=True)
            if self._peek() == "}":
                self.pos += 1
                return
            self._pair(key, self.pos)
            self._skip(newlines=True)
            if self._peek() == ",":
                self.pos += 1


# -- the starter file ----------------------------------------------------------------------------------

STARTER = """\
# hookdev.toml - project settings for hookdev, read from the directory you run hookdev in.
# Every setting is optional. Command-line flags win over this file; this file wins over the defaults.
# Active lines hold the built-in defaults; remove the "# " in front of a line to turn it on.

# catalog = "events/"            # event catalog: JSON Schema files or an OpenAPI document, relative to this file
time_scale = 1.0                 # delivery clock speed, > 0: 3600 plays an hour of retries in a second
# ops_endpoint = "orders-app"    # endpoint (ep_... id or [[endpoints]] name) that receives operational events

[receiver]
host = "127.0.0.1"               # interface the receiver listens on
port = 8787                      # 0..65535 (0 picks a free port)
# secrets = ["whsec_..."]        # more secrets to accept besides the workspace's own (any scheme)
# scheme = "standard"            # standard|stripe|github|shopify|slack; unset: detected from the headers
tolerance = 300                  # seconds a signature's timestamp may be away from now
max_body = "5MiB"                # largest body accepted: bytes, or a string with KB, KiB, MB or MiB
# forward_to = "3000"            # also forward every request to your app: a port, host:port or URL
accept_invalid = false           # true: answer 2xx even when the signature does not verify

[receiver.respond]               # how the receiver answers, to exercise a sender's failure paths
mode = "normal"                  # normal | status | fail | delay | gone | throttle
# status = 500                   # the status code for mode = "status" and mode = "fail"
# count = 3                      # mode = "fail": fail the next N requests, then answer normally
# delay = 2.5                    # mode = "delay": seconds to wait before answering
# retry_after = 30               # mode = "throttle": answer 429 with this Retry-After, in seconds

# [[routes]]                     # per-path handling; repeat the block for each path
# path = "/stripe"               # requests to this path...
# to = "http://localhost:3000/stripe"  # ...are forwarded here (unset: only verified and stored)
# secret = "whsec_..."           # ...and verified with this secret (optional)
# scheme = "stripe"              # ...and this scheme (optional; unset: detected)

# [[endpoints]]                  # endpoints hookdev sends to, kept in sync with this file
# name = "orders-app"            # required and unique: identifies the endpoint across reloads
# url = "http://localhost:3000/webhooks"  # required: where deliveries go
# events = ["order.created"]     # event types it subscribes to; empty: all of them
# channels = []                  # only messages on one of these channels; empty: no channel filter
# rate_limit = 10                # at most this many messages per second, > 0; unset: no limit
# headers = { "X-Team" = "growth" }  # custom headers added to every delivery
# description = ""               # a note shown in listings
# disabled = false               # true: keep the endpoint but deliver nothing to it
# secret = "whsec_..."           # signing secret, whsec_ + base64; unset: generated once and kept

[dev]
# resend_on_change = ["src/"]    # resend the last events when files under these paths change (relative to this file)
resend_mode = "new"              # new: send them as new messages | replay: deliver the same messages again
"""
