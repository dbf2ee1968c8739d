"""The typed hookdev.toml: every table as a frozen dataclass, its keys and choices, and the errors.

Every value is optional and unset values stay ``None``, so callers layer the sources as "CLI flag,
else file, else built-in default". Secrets never appear in a ``repr``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

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

RESPOND_KEYS = ("mode", "status", "count", "delay", "retry_after")
ROUTE_KEYS = ("path", "to", "secret", "scheme")
ENDPOINT_KEYS = (
    "name", "url", "events", "channels", "rate_limit", "headers", "description", "disabled", "secret",
    "scheme",
)  # fmt: skip

_MAX_SHOWN = 10  # issues listed in one error message

Key = tuple[str | int, ...]
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
    max_response: int | None = None  # bytes of an app's answer held when forwarding
    head_timeout: float | None = None  # seconds a client has to send a request head
    body_timeout: float | None = None  # seconds a body may stall
    max_connections: int | None = None  # open connections at most
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
    scheme: str = "standard"  # the provider format deliveries are signed in (one of SCHEMES)


@dataclass(frozen=True)
class DevConfig:
    """The ``[dev]`` table."""

    resend_on_change: tuple[Path, ...] | None = None  # resolved against the file's directory
    resend_mode: str | None = None  # one of RESEND_MODES


@dataclass(frozen=True)
class Config:
    """Everything ``hookdev.toml`` can set; ``Config()`` is the empty file."""

    catalog: Path | None = None  # resolved against the file's directory
    strict: bool | None = None  # all-or-nothing catalog loading
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
