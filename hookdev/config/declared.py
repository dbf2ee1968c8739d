"""Every setting, declared once: its name, type, default, help, command-line flag and hookdev.toml key.

From this table come the keys hookdev.toml accepts (and their "did you mean"), how each value is
checked, the starter file ``hookdev init`` writes, the help of the ``listen``/``ui`` flags, and the
layering of the running engine's settings (``hookdev.settings``): flag > runtime change > file >
default. A new setting is one entry here plus its use.

Structures that are lists of records rather than settings (``[[endpoints]]``, ``[[routes]]``'s entries,
``[receiver.respond]``'s keys) are checked by ``checking`` and shown in the starter by ``starter``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hookdev.config.model import (
    DEFAULT_HOST,
    DEFAULT_MAX_BODY,
    DEFAULT_PORT,
    DEFAULT_RESEND_MODE,
    DEFAULT_TIME_SCALE,
    DEFAULT_TOLERANCE,
    RESEND_MODES,
    SCHEMES,
)

# How a value is checked in the file (``checking``) and parsed on the command line (``cli.options``):
#   string, strings, path, paths, bool, choice, number (> 0), integer (lo..hi), size, target,
#   respond (the [receiver.respond] table), routes (the [[routes]] array).
Kind = str


@dataclass(frozen=True)
class Setting:
    """One setting. ``key`` is its dotted hookdev.toml key (None: command line only); ``flag`` its
    command-line option (None: file only); ``default`` the built-in value of the engine's snapshot."""

    name: str
    kind: Kind
    default: Any
    help: str
    key: str | None = None
    flag: str | None = None
    metavar: str | None = None
    choices: tuple[str, ...] = ()
    lo: float | None = None
    hi: float | None = None
    file_help: str = ""  # the starter file's comment, when it says more than ``help``
    example: str | None = None  # the starter's (commented-out) value when the default is not shown
    multiple: bool = False  # the flag repeats (and the values add up)

    @property
    def table(self) -> str:
        """The hookdev.toml table the key lives in ("" for the top level)."""
        return self.key.rpartition(".")[0] if self.key else ""

    @property
    def leaf(self) -> str:
        """The key's last part: its name inside its table."""
        return self.key.rpartition(".")[2] if self.key else self.name

    @property
    def dest(self) -> str:
        """The command-line option's parameter name."""
        return self.name


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "catalog",
        "path",
        None,
        "Event catalog: a directory, an event type file, an OpenAPI or an AsyncAPI document.",
        key="catalog",
        flag="--catalog",
        file_help="event catalog: event type files, an OpenAPI or AsyncAPI document (relative path)",
        example='"events/"',
    ),
    Setting(
        "strict",
        "bool",
        False,
        "Refuse the whole catalog if any event type has a problem (default: load per type).",
        key="strict",
        flag="--strict",
        file_help="true: all-or-nothing catalog loading, for catalogs you own (default: per type)",
    ),
    Setting(
        "time_scale",
        "number",
        DEFAULT_TIME_SCALE,
        "Divide every retry wait by N (3600: an hour per second).",
        key="time_scale",
        flag="--time-scale",
        lo=0,
        file_help="delivery clock speed, > 0: 3600 plays an hour of retries in a second",
    ),
    Setting(
        "ops_endpoint",
        "string",
        None,
        "Endpoint (ep_... id or [[endpoints]] name) that receives operational events.",
        key="ops_endpoint",
        file_help="endpoint (ep_... id or [[endpoints]] name) that receives operational events",
        example='"orders-app"',
    ),
    Setting(
        "host",
        "string",
        DEFAULT_HOST,
        f"Address to bind (default {DEFAULT_HOST}; 0.0.0.0 exposes it).",
        key="receiver.host",
        flag="--host",
        file_help="interface the receiver listens on",
    ),
    Setting(
        "port",
        "integer",
        DEFAULT_PORT,
        f"Port (default {DEFAULT_PORT}; 0 picks a free one).",
        key="receiver.port",
        flag="--port",
        lo=0,
        hi=65535,
        file_help="0..65535 (0 picks a free port)",
    ),
    Setting(
        "secrets",
        "strings",
        (),
        "Another secret to verify with (repeatable); SCHEME:SECRET (e.g. stripe:whsec_...) binds it to one scheme.",
        key="receiver.secrets",
        flag="--secret",
        metavar="S",
        multiple=True,
        file_help='more secrets to accept; "SCHEME:" binds one to a scheme',
        example='["github:s3cret"]',
    ),
    Setting(
        "scheme",
        "choice",
        None,
        "Fix the signature scheme instead of detecting it from the headers.",
        key="receiver.scheme",
        flag="--scheme",
        choices=SCHEMES,
        file_help="standard|stripe|github|shopify|slack; unset: detected from the headers",
        example='"standard"',
    ),
    Setting(
        "tolerance",
        "integer",
        float(DEFAULT_TOLERANCE),
        "Timestamp tolerance in seconds, both directions (default 300).",
        key="receiver.tolerance",
        flag="--tolerance",
        lo=0,
        file_help="seconds a signature's timestamp may be away from now",
    ),
    Setting(
        "max_body",
        "size",
        DEFAULT_MAX_BODY,
        "Largest body accepted (default 5MiB); larger gets 413.",
        key="receiver.max_body",
        flag="--max-body",
        metavar="SIZE",
        file_help="largest body accepted: bytes, or a string with KB, KiB, MB or MiB",
        example='"5MiB"',
    ),
    Setting(
        "forward_to",
        "target",
        None,
        "Forward every request to your app: 3000, :3000/hooks, host:port or a URL.",
        key="receiver.forward_to",
        flag="--forward-to",
        metavar="TARGET",
        file_help="also forward every request to your app: a port, host:port or URL",
        example='"3000"',
    ),
    Setting(
        "accept_invalid",
        "bool",
        False,
        "Answer 200 even when a signature is invalid.",
        key="receiver.accept_invalid",
        flag="--accept-invalid",
        file_help="true: answer 2xx even when the signature does not verify",
    ),
    Setting(
        "respond",
        "respond",
        None,  # RespondPolicy(): normal answers (hookdev.settings fills it in)
        "How to answer: normal, status:CODE, fail:N[:CODE], delay:SECONDS, gone, throttle[:SECONDS].",
        key="receiver.respond",
        flag="--respond",
        metavar="MODE",
    ),
    Setting(
        "routes",
        "routes",
        (),
        "Forward PATH (and below) to TARGET; repeatable, e.g. /stripe=3000/stripe.",
        key="routes",
        flag="--route",
        metavar="PATH=TARGET",
        multiple=True,
    ),
    Setting(
        "forward_timeout",
        "number",
        30.0,
        "Seconds to wait for your app's whole answer (default 30); then 504.",
        flag="--forward-timeout",
        lo=0,
        hi=86400,
    ),
    Setting(
        "max_response",
        "size",
        10 * 1024 * 1024,  # hookdev.forward.DEFAULT_MAX_RESPONSE (a test keeps them equal)
        "Largest answer of your app passed back when forwarding (default 10MiB); past it, 502 with the reason.",
        key="receiver.max_response",
        flag="--max-response",
        metavar="SIZE",
        file_help="largest answer from your app held when forwarding; larger: 502",
    ),
    Setting(
        "head_timeout",
        "number",
        10.0,
        "Seconds a client has to send a whole request head (default 10); then 408 and close.",
        key="receiver.head_timeout",
        flag="--head-timeout",
        lo=0,
        hi=3600,
        file_help="seconds a client has to send a whole request head; then 408",
    ),
    Setting(
        "body_timeout",
        "number",
        10.0,
        "Seconds a request body may stall between two pieces (default 10); then the connection is cut.",
        key="receiver.body_timeout",
        flag="--body-timeout",
        lo=0,
        hi=3600,
        file_help="seconds a body may stall (or an answer go unread); then the connection is cut",
    ),
    Setting(
        "max_connections",
        "integer",
        1000,
        "Open connections at most (default 1000, and below the file-descriptor limit); past it the"
        " oldest one still waiting for its head is closed.",
        key="receiver.max_connections",
        flag="--max-connections",
        lo=1,
        hi=1_000_000,
        file_help="open connections at most; past it the oldest one still sending its head is closed",
    ),
    Setting(
        "resend_on_change",
        "paths",
        (),
        "When files under PATH change (your handler's code), re-send the last message; repeatable.",
        key="dev.resend_on_change",
        flag="--resend-on-change",
        metavar="PATH",
        multiple=True,
        file_help="resend the last events when files under these paths change (relative to this file)",
        example='["src/"]',
    ),
    Setting(
        "resend_mode",
        "choice",
        DEFAULT_RESEND_MODE,
        "Re-send as a new message (new id; default) or replay the same id.",
        key="dev.resend_mode",
        flag="--resend-mode",
        choices=RESEND_MODES,
        file_help="new: send them as new messages | replay: deliver the same messages again",
    ),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


def in_table(table: str) -> tuple[Setting, ...]:
    """The settings whose keys live in ``table`` ("" for the top level), in declaration order."""
    return tuple(s for s in SETTINGS if s.key is not None and s.table == table)


def starter_value(setting: Setting) -> tuple[str, bool]:
    """The value a starter line shows, and whether the line is commented out (no default to show)."""
    value = setting.default
    if value is None or value == ():
        return setting.example or '""', True
    if setting.kind == "size":
        return f'"{format_size(value)}"', False
    if isinstance(value, bool):
        return ("true" if value else "false"), False
    if isinstance(value, str):
        return json.dumps(value), False
    if setting.kind == "integer":
        return str(int(value)), False
    return repr(value), False


def format_size(size: int) -> str:
    """``5MiB`` for 5 * 1024**2: the largest binary unit that divides it, else bytes."""
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size % factor == 0:
            return f"{size // factor}{unit}"
    return str(size)


# The keys each table accepts: its settings, then the tables inside it.
TOP_KEYS = (*(s.leaf for s in in_table("") if s.kind != "routes"), "receiver", "routes", "endpoints", "dev")
RECEIVER_KEYS = tuple(s.leaf for s in in_table("receiver"))
DEV_KEYS = tuple(s.leaf for s in in_table("dev"))
