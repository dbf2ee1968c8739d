"""hookdev.toml: every key read into the typed Config, every error with its line and key, `hookdev init`."""

from __future__ import annotations

import contextlib
import json
import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hookdev.cli.init import init
from hookdev.config import (
    CONFIG_FILE,
    DEFAULT_HOST,
    DEFAULT_MAX_BODY,
    DEFAULT_PORT,
    DEFAULT_RESEND_MODE,
    DEFAULT_RESPOND_MODE,
    DEFAULT_TIME_SCALE,
    DEFAULT_TOLERANCE,
    DEV_KEYS,
    ENDPOINT_KEYS,
    RECEIVER_KEYS,
    RESPOND_KEYS,
    ROUTE_KEYS,
    STARTER,
    TOP_KEYS,
    Config,
    ConfigError,
    DevConfig,
    EndpointConfig,
    ReceiverConfig,
    RespondConfig,
    RouteConfig,
    empty_config,
    find_config,
    first_set,
    header_name_problem,
    load_config,
    parse_config,
    parse_size,
    project_config,
)

SECRET = "whsec_" + "A" * 32

FULL = f"""\
catalog = "events/"
time_scale = 3600
ops_endpoint = "orders-app"

[receiver]
host = "0.0.0.0"
port = 9000
secrets = ["whsec_extra", "github-secret"]
scheme = "github"
tolerance = 60
max_body = "512KiB"
forward_to = "localhost:3000"
accept_invalid = true

[receiver.respond]
mode = "fail"
status = 503
count = 3
delay = 2.5
retry_after = 30

[[routes]]
path = "/stripe"
to = "http://localhost:3000/stripe"
secret = "whsec_stripe"
scheme = "stripe"

[[routes]]
path = "/github"

[[endpoints]]
name = "orders-app"
url = "http://localhost:3000/webhooks"
events = ["order.created", "order.paid"]
channels = ["eu"]
rate_limit = 10
headers = {{ "X-Team" = "growth", Authorization = "Bearer t" }}
description = "the orders service"
disabled = true
secret = "{SECRET}"

[[endpoints]]
name = "minimal"
url = "https://example.com/hook"

[dev]
resend_on_change = ["src/", "/abs/lib"]
resend_mode = "replay"
"""


def error_of(text: str, path: Path | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_config(text, path)
    return info.value


# -- every key ----------------------------------------------------------------------------------------


def test_every_key_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "proj" / CONFIG_FILE
    assert parse_config(FULL, path) == Config(
        catalog=tmp_path / "proj" / "events",
        time_scale=3600.0,
        ops_endpoint="orders-app",
        receiver=ReceiverConfig(
            host="0.0.0.0",
            port=9000,
            secrets=("whsec_extra", "github-secret"),
            scheme="github",
            tolerance=60,
            max_body=512 * 1024,
            forward_to="localhost:3000",
            accept_invalid=True,
            respond=RespondConfig(mode="fail", status=503, count=3, delay=2.5, retry_after=30),
        ),
        routes=(
            RouteConfig(
                path="/stripe", to="http://localhost:3000/stripe", secret="whsec_stripe", scheme="stripe"
            ),
            RouteConfig(path="/github"),
        ),
        endpoints=(
            EndpointConfig(
                name="orders-app",
                url="http://localhost:3000/webhooks",
                events=("order.created", "order.paid"),
                channels=("eu",),
                rate_limit=10.0,
                headers=(("X-Team", "growth"), ("Authorization", "Bearer t")),
                description="the orders service",
                disabled=True,
                secret=SECRET,
            ),
            EndpointConfig(name="minimal", url="https://example.com/hook"),
        ),
        dev=DevConfig(resend_on_change=(tmp_path / "proj" / "src", Path("/abs/lib")), resend_mode="replay"),
        path=path,
    )


def test_types_of_numbers() -> None:
    config = parse_config("time_scale = 2\n[[endpoints]]\nname = 'a'\nurl = 'http://a'\nrate_limit = 1")
    assert isinstance(config.time_scale, float) and config.time_scale == 2.0
    assert isinstance(config.endpoints[0].rate_limit, float)


def test_empty_file_is_the_empty_config() -> None:
    assert parse_config("") == empty_config() == Config()
    assert parse_config("# nothing\n\n") == Config()
    config = Config()
    assert config.receiver.port is None and config.receiver.respond.mode is None
    assert config.routes == () and config.endpoints == () and config.dev.resend_mode is None


def test_paths_without_a_file_stay_relative_and_absolute_paths_stay_absolute(tmp_path: Path) -> None:
    config = parse_config('catalog = "events"\n[dev]\nresend_on_change = ["src"]')
    assert config.catalog == Path("events") and config.dev.resend_on_change == (Path("src"),)
    assert parse_config('catalog = "/x/api.yaml"', tmp_path / CONFIG_FILE).catalog == Path("/x/api.yaml")
    assert parse_config("dev = { resend_on_change = [] }").dev.resend_on_change == ()


def test_secrets_do_not_show_in_repr() -> None:
    text = repr(parse_config(FULL))
    assert SECRET not in text and "whsec_extra" not in text and "whsec_stripe" not in text
    assert "Bearer t" not in text
    assert "orders-app" in text


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ('"5MiB"', 5 * 1024 * 1024),
        ('"5 MiB"', 5 * 1024 * 1024),
        ('"512KB"', 512_000),
        ('"512kib"', 512 * 1024),
        ('"1.5MB"', 1_500_000),
        ('"2MB"', 2_000_000),
        ('"100"', 100),
        ('"100B"', 100),
        ("1048576", 1048576),
    ],
)
def test_max_body_forms(value: str, size: int) -> None:
    assert parse_config(f"[receiver]\nmax_body = {value}").receiver.max_body == size


def test_parse_size_rejects_nonsense() -> None:
    for bad in ("", "MiB", "5 parsecs", "-1", "0", "0.1B", "1e5", "2TiB", True, 0, -5):
        with pytest.raises(ValueError):
            parse_size(bad)  # type: ignore[arg-type]


def test_accessors() -> None:
    config = parse_config(FULL)
    assert first_set(None, config.receiver.port, DEFAULT_PORT) == 9000
    assert first_set(1234, config.receiver.port, DEFAULT_PORT) == 1234
    assert first_set(None, Config().receiver.port, DEFAULT_PORT) == DEFAULT_PORT
    assert first_set(None, None) is None
    assert first_set(False, True) is False  # False is a value, not "unset"
    assert config.endpoint_named("minimal") == EndpointConfig(name="minimal", url="https://example.com/hook")
    assert config.endpoint_named("nope") is None
    assert config.route_for("/stripe/") is config.routes[0] and config.route_for("/x") is None


# -- errors: exact line and key -----------------------------------------------------------------------

ERRORS = [
    # unknown keys, with and without a suggestion
    ("[recevier]\nport = 1\n", 1, "recevier", "unknown key 'recevier' (did you mean 'receiver'?)"),
    (
        "[receiver]\nhost = 'x'\n\n\n\n\nprot = 8787\n",
        7,
        "receiver.prot",
        "unknown key 'receiver.prot' (did you mean 'port'?)",
    ),
    ("zzz = 1\n", 1, "zzz", "unknown key 'zzz'"),
    (
        "[receiver.respond]\nmode = 'fail'\nstatuss = 1\n",
        3,
        "receiver.respond.statuss",
        "unknown key 'receiver.respond.statuss' (did you mean 'status'?)",
    ),
    (
        "[[routes]]\npath = '/a'\n\n[[routes]]\npath = '/b'\nsceme = 'stripe'\n",
        6,
        "routes[1].sceme",
        "unknown key 'routes[1].sceme' (did you mean 'scheme'?)",
    ),
    ("[dev]\nresend = 'new'\n", 2, "dev.resend", "unknown key 'dev.resend' (did you mean 'resend_mode'?)"),
    # wrong types (bool is not a number)
    ("catalog = 1\n", 1, "catalog", "catalog: expected a non-empty string, got 1"),
    ('catalog = ""\n', 1, "catalog", 'catalog: expected a non-empty string, got ""'),
    ("time_scale = true\n", 1, "time_scale", "time_scale: expected a number > 0, got true"),
    ("time_scale = 'fast'\n", 1, "time_scale", 'time_scale: expected a number > 0, got "fast"'),
    ("ops_endpoint = []\n", 1, "ops_endpoint", "ops_endpoint: expected a non-empty string, got an array"),
    ("receiver = 5\n", 1, "receiver", "receiver: expected a table, got 5"),
    ("[receiver]\nhost = 127\n", 2, "receiver.host", "receiver.host: expected a non-empty string, got 127"),
    (
        "[receiver]\nport = true\n",
        2,
        "receiver.port",
        "receiver.port: expected an integer from 0 to 65535, got true",
    ),
    (
        "[receiver]\nport = '8787'\n",
        2,
        "receiver.port",
        'receiver.port: expected an integer from 0 to 65535, got "8787"',
    ),
    (
        "[receiver]\nport = 8787.0\n",
        2,
        "receiver.port",
        "receiver.port: expected an integer from 0 to 65535, got 8787.0",
    ),
    (
        "[receiver]\nsecrets = 'whsec_x'\n",
        2,
        "receiver.secrets",
        'receiver.secrets: expected an array of strings, got "whsec_x"',
    ),
    (
        "[receiver]\nsecrets = [\n  'a',\n  2,\n]\n",
        4,
        "receiver.secrets[1]",
        "receiver.secrets[1]: expected a non-empty string, got 2",
    ),
    (
        "[receiver]\ntolerance = 1.5\n",
        2,
        "receiver.tolerance",
        "receiver.tolerance: expected an integer >= 0, got 1.5",
    ),
    (
        "[receiver]\nmax_body = true\n",
        2,
        "receiver.max_body",
        'receiver.max_body: expected a size from 1 byte to 1TiB: bytes or a string like "512KB" or "5MiB", got true',
    ),
    (
        "[receiver]\nmax_body = '5 parsecs'\n",
        2,
        "receiver.max_body",
        'receiver.max_body: expected a size from 1 byte to 1TiB: bytes or a string like "512KB" or "5MiB", got "5 parsecs"',
    ),
    (
        "[receiver]\nforward_to = 3000\n",
        2,
        "receiver.forward_to",
        'receiver.forward_to: expected a string, got 3000 (write "3000")',
    ),
    (
        "[receiver]\nforward_to = false\n",
        2,
        "receiver.forward_to",
        "receiver.forward_to: expected a non-empty string, got false",
    ),
    (
        "[receiver]\naccept_invalid = 'yes'\n",
        2,
        "receiver.accept_invalid",
        'receiver.accept_invalid: expected true or false, got "yes"',
    ),
    (
        "[receiver]\naccept_invalid = 1\n",
        2,
        "receiver.accept_invalid",
        "receiver.accept_invalid: expected true or false, got 1",
    ),
    (
        "[receiver]\nrespond = 'fail'\n",
        2,
        "receiver.respond",
        'receiver.respond: expected a table, got "fail"',
    ),
    (
        "[receiver.respond]\ndelay = '2s'\n",
        2,
        "receiver.respond.delay",
        'receiver.respond.delay: expected a number >= 0, got "2s"',
    ),
    (
        "[receiver.respond]\ncount = 2.0\n",
        2,
        "receiver.respond.count",
        "receiver.respond.count: expected an integer >= 0, got 2.0",
    ),
    (
        "[receiver.respond]\nretry_after = false\n",
        2,
        "receiver.respond.retry_after",
        "receiver.respond.retry_after: expected an integer >= 0, got false",
    ),
    # ranges
    ("time_scale = 0\n", 1, "time_scale", "time_scale: expected a number > 0, got 0"),
    ("time_scale = -2.5\n", 1, "time_scale", "time_scale: expected a number > 0, got -2.5"),
    ("time_scale = inf\n", 1, "time_scale", "time_scale: expected a finite number > 0, got inf"),
    ("time_scale = nan\n", 1, "time_scale", "time_scale: expected a finite number > 0, got nan"),
    (
        "[receiver]\nport = 65536\n",
        2,
        "receiver.port",
        "receiver.port: expected an integer from 0 to 65535, got 65536",
    ),
    (
        "[receiver]\nport = -1\n",
        2,
        "receiver.port",
        "receiver.port: expected an integer from 0 to 65535, got -1",
    ),
    (
        "[receiver]\ntolerance = -1\n",
        2,
        "receiver.tolerance",
        "receiver.tolerance: expected an integer >= 0, got -1",
    ),
    (
        "[receiver]\nmax_body = 0\n",
        2,
        "receiver.max_body",
        'receiver.max_body: expected a size from 1 byte to 1TiB: bytes or a string like "512KB" or "5MiB", got 0',
    ),
    (
        "[receiver.respond]\nstatus = 99\n",
        2,
        "receiver.respond.status",
        "receiver.respond.status: expected an integer from 100 to 599, got 99",
    ),
    (
        "[receiver.respond]\nstatus = 600\n",
        2,
        "receiver.respond.status",
        "receiver.respond.status: expected an integer from 100 to 599, got 600",
    ),
    (
        "[receiver.respond]\ncount = -1\n",
        2,
        "receiver.respond.count",
        "receiver.respond.count: expected an integer >= 0, got -1",
    ),
    (
        "[receiver.respond]\ndelay = -0.5\n",
        2,
        "receiver.respond.delay",
        "receiver.respond.delay: expected a number >= 0, got -0.5",
    ),
    (
        "[receiver.respond]\nretry_after = -3\n",
        2,
        "receiver.respond.retry_after",
        "receiver.respond.retry_after: expected an integer >= 0, got -3",
    ),
    # enums
    (
        "[receiver]\nscheme = 'strpe'\n",
        2,
        "receiver.scheme",
        'receiver.scheme: expected one of standard|stripe|github|shopify|slack, got "strpe" (did you mean "stripe"?)',
    ),
    (
        "[receiver]\nscheme = 'svx'\n",
        2,
        "receiver.scheme",
        'receiver.scheme: expected one of standard|stripe|github|shopify|slack, got "svx"',
    ),
    (
        "[receiver.respond]\nmode = 'fial'\n",
        2,
        "receiver.respond.mode",
        'receiver.respond.mode: expected one of normal|status|fail|delay|gone|throttle, got "fial" (did you mean "fail"?)',
    ),
    (
        "[receiver.respond]\nmode = 5\n",
        2,
        "receiver.respond.mode",
        "receiver.respond.mode: expected one of normal|status|fail|delay|gone|throttle, got 5",
    ),
    (
        "[dev]\nresend_mode = 'Replay'\n",
        2,
        "dev.resend_mode",
        'dev.resend_mode: expected one of new|replay, got "Replay" (did you mean "replay"?)',
    ),
    (
        "[[routes]]\npath = '/a'\nscheme = 'GitHub'\n",
        3,
        "routes[0].scheme",
        'routes[0].scheme: expected one of standard|stripe|github|shopify|slack, got "GitHub" (did you mean "github"?)',
    ),
    # shapes of tables and arrays of tables
    ("[routes]\npath = '/a'\n", 1, "routes", "routes: expected an array of tables ([[routes]]), got a table"),
    ("endpoints = [1]\n", 1, "endpoints[0]", "endpoints[0]: expected a table, got 1"),
    ("dev = []\n", 1, "dev", "dev: expected a table, got an array"),
    (
        "[dev]\nresend_on_change = 'src/'\n",
        2,
        "dev.resend_on_change",
        'dev.resend_on_change: expected an array of strings, got "src/"',
    ),
    # routes
    ("[[routes]]\nto = 'http://a'\n", 1, "routes[0].path", "routes[0].path: required key is missing"),
    (
        "[[routes]]\npath = 'stripe'\n",
        2,
        "routes[0].path",
        'routes[0].path: expected a path starting with "/", got "stripe"',
    ),
    (
        "[[routes]]\npath = '/a'\nto = 3000\n",
        3,
        "routes[0].to",
        "routes[0].to: expected a non-empty string, got 3000",
    ),
    (
        "[[routes]]\npath = '/a'\nsecret = ''\n",
        3,
        "routes[0].secret",
        'routes[0].secret: expected a non-empty string, got ""',
    ),
    (
        "[[routes]]\npath = '/stripe'\n\n[[routes]]\npath = '/stripe/'\n",
        5,
        "routes[1].path",
        'routes[1].path: duplicate route path "/stripe/" (also routes[0], line 1)',
    ),
    # endpoints
    (
        "[[endpoints]]\nurl = 'http://a'\n",
        1,
        "endpoints[0].name",
        "endpoints[0].name: required key is missing",
    ),
    ("[[endpoints]]\nname = 'a'\n", 1, "endpoints[0].url", "endpoints[0].url: required key is missing"),
    (
        "[[endpoints]]\nname = 'a'\nurl = 'localhost:3000'\n",
        3,
        "endpoints[0].url",
        'endpoints[0].url: expected an http:// or https:// URL, got "localhost:3000"',
    ),
    (
        "[[endpoints]]\nname = 'a'\nurl = 'http://a:99999/'\n",
        3,
        "endpoints[0].url",
        'endpoints[0].url: expected an http:// or https:// URL, got "http://a:99999/"',
    ),
    (
        "[[endpoints]]\nname = 'a'\nurl = 'http://a'\nevents = 'x'\n",
        4,
        "endpoints[0].events",
        'endpoints[0].events: expected an array of strings, got "x"',
    ),
    (
        "[[endpoints]]\nname = 'a'\nurl = 'http://a'\nchannels = [1]\n",
        4,
        "endpoints[0].channels[0]",
        "endpoints[0].channels[0]: expected a non-empty string, got 1",
    ),
    (
        "[[endpoints]]\nname = 'a'\nurl = 'http://a'\nrate_limit = 0\n",
        4,
        "endpoints[0].rate_limit",
        "endpoints[0].rate_limit: expected a number > 0, got 0",
    ),
    (
        "[[endpoints]]\nname = 'a'\nurl = 'http://a'\nrate_limit = true\n",
        4,
        "endpoints[0].rate_limit",
        "endpoints[0].rate_limit: expected a number > 0, got true",
    ),
    (
        "[[endpoints]]\nname = 'a'\nurl = 'http://a'\ndescription = 5\n",
        4,
        "endpoints[0].description",
        "endpoints[0].description: expected a string, got 5",
    ),
    (
        "[[endpoints]]\nname = 'a'\nurl = 'http://a'\ndisabled = 'no'\n",
        4,
        "endpoints[0].disabled",
        'endpoints[0].disabled: expected true or false, got "no"',
    ),
    (
        "[[endpoints]]\nname = 'a'\nurl = 'http://a'\nheaders = ['X-A: b']\n",
        4,
        "endpoints[0].headers",
        'endpoints[0].headers: expected a table of header names to values ({ "X-Team" = "growth" }), got an array',
    ),
    (
        "[[endpoints]]\nname = 'a'\nurl = 'http://a'\nheaders = { 'X-A' = 1 }\n",
        4,
        "endpoints[0].headers.X-A",
        "endpoints[0].headers.X-A: expected a one-line string, got 1",
    ),
    (
        "[[endpoints]]\nname = 'a'\nurl = 'http://a'\nheaders = { 'X A' = 'b' }\n",
        4,
        'endpoints[0].headers."X A"',
        'endpoints[0].headers."X A": "X A" is not a valid header name',
    ),
    (
        "[[endpoints]]\nname = 'a'\nurl = 'http://a'\nheaders = { X-A = 'b', x-a = 'c' }\n",
        4,
        "endpoints[0].headers.x-a",
        "endpoints[0].headers.x-a: header 'x-a' is set twice (header names ignore case)",
    ),
    (
        "ops_endpoint = 'orders'\n[[endpoints]]\nname = 'other'\nurl = 'http://a'\n",
        1,
        "ops_endpoint",
        'ops_endpoint: "orders" is neither an endpoint id (ep_...) nor the name of an [[endpoints]] entry',
    ),
]

# The example of the issue: an array of tables item, a key on line 14.
ERRORS.append(
    (
        "time_scale = 1.0\n\n[receiver]\nport = 8787\n\n"
        "[[endpoints]]\nname = 'a'\nurl = 'http://localhost:3000/a'\nrate_limit = 5\n\n"
        "[[endpoints]]\nname = 'b'\nurl = 'http://localhost:3000/b'\nrate_limit = \"ten\"\n",
        14,
        "endpoints[1].rate_limit",
        'endpoints[1].rate_limit: expected a number > 0, got "ten"',
    )
)


@pytest.mark.parametrize(("text", "line", "key", "message"), ERRORS, ids=[e[2] + f"@{e[1]}" for e in ERRORS])
def test_error_names_line_and_key(text: str, line: int, key: str, message: str) -> None:
    error = error_of(text)
    assert str(error) == f"{CONFIG_FILE}:{line}: {message}"
    assert (error.line, error.key) == (line, key)
    assert len(error.issues) == 1


@pytest.mark.parametrize(
    "name",
    [
        "webhook-id", "Webhook-Signature", "svix-id", "X-Svix-Foo", "x-amz-date", "Content-Type",
        "content-encoding", "User-Agent", "Host", "Transfer-Encoding", "Connection", "Content-Length",
    ],
)  # fmt: skip
def test_reserved_header_names_are_refused_by_name(name: str) -> None:
    text = (
        f"[[endpoints]]\nname = 'a'\nurl = 'http://a'\n\n[endpoints.headers]\nX-Ok = '1'\n\"{name}\" = 'v'\n"
    )
    error = error_of(text)
    assert error.line == 7 and error.key == f"endpoints[0].headers.{name}"
    assert f"header '{name}' is reserved" in str(error)
    assert header_name_problem(name) is not None


def test_allowed_header_names() -> None:
    for name in ("X-Team", "Authorization", "X-Webhook-Id", "contentx", "x-hosted"):
        assert header_name_problem(name) is None, name
    config = parse_config("[[endpoints]]\nname='a'\nurl='http://a'\nheaders={Authorization='Bearer x'}")
    assert config.endpoints[0].headers == (("Authorization", "Bearer x"),)


def test_duplicate_endpoint_names_point_at_both() -> None:
    text = "[[endpoints]]\nname = 'app'\nurl = 'http://a'\n\n[[endpoints]]\nname = 'app'\nurl = 'http://b'\n"
    assert str(error_of(text)) == (
        f'{CONFIG_FILE}:6: endpoints[1].name: duplicate endpoint name "app" (also endpoints[0], line 1)'
    )


def test_secret_values_are_never_echoed() -> None:
    bad_secret = "whsec_tooshort"
    error = error_of(f"[[endpoints]]\nname = 'a'\nurl = 'http://a'\nsecret = '{bad_secret}'\n")
    assert error.line == 4 and error.key == "endpoints[0].secret"
    assert bad_secret not in str(error) and "14 characters" in str(error)
    token = "Bearer secret-token"
    error = error_of(
        f'[[endpoints]]\nname = "a"\nurl = "http://a"\nheaders = {{ Authorization = "{token}\\n" }}\n'
    )
    assert error.line == 4 and "secret-token" not in str(error)
    assert "expected a one-line string, got a string with a line break" in str(error)


def test_endpoint_secret_format() -> None:
    for good in (SECRET, "A" * 32, "whsec_" + "a+/=" * 25):
        config = parse_config(f"[[endpoints]]\nname='a'\nurl='http://a'\nsecret='{good}'")
        assert config.endpoints[0].secret == good
    for bad in ("whsec_" + "A" * 31, "whsec_" + "A" * 101, "whsec_" + "!" * 40):
        assert (
            error_of(f"[[endpoints]]\nname='a'\nurl='http://a'\nsecret='{bad}'").key == "endpoints[0].secret"
        )


def test_ops_endpoint_accepts_ids_and_managed_names() -> None:
    assert parse_config("ops_endpoint = 'ep_local'").ops_endpoint == "ep_local"
    text = "ops_endpoint = 'orders'\n[[endpoints]]\nname = 'orders'\nurl = 'http://a'\n"
    assert parse_config(text).ops_endpoint == "orders"
    # A named endpoint that is itself invalid gives one error (its own), not a second one here.
    error = error_of("ops_endpoint = 'orders'\n[[endpoints]]\nname = 'orders'\nurl = 'ftp://a'\n")
    assert [i.key for i in error.issues] == ["endpoints[0].url"]


def test_every_problem_is_reported_in_line_order() -> None:
    text = (
        "[receiver]\nport = 'x'\nhots = 'a'\n\n[receiver.respond]\nmode = 'nope'\n\n[dev]\nresend_mode = 1\n"
    )
    error = error_of(text)
    assert [(i.line, i.key) for i in error.issues] == [
        (2, "receiver.port"),
        (3, "receiver.hots"),
        (6, "receiver.respond.mode"),
        (9, "dev.resend_mode"),
    ]
    assert str(error).splitlines() == [str(i) for i in error.issues]


def test_long_lists_of_problems_are_cut() -> None:
    text = "\n".join(f"unknown{i} = 1" for i in range(25))
    lines = str(error_of(text)).splitlines()
    assert len(lines) == 11 and lines[-1] == "... and 15 more"
    assert len(error_of(text).issues) == 25


# -- lines in every TOML form --------------------------------------------------------------------------

LOCATED = [
    # dotted keys at the top level
    ('catalog = "x"\nreceiver.port = "p"\n', 2, "receiver.port"),
    # a sub-table before its parent's header, and the parent header later
    ("[receiver.respond]\nmode = 'normal'\n\n[receiver]\nport = 'p'\n", 5, "receiver.port"),
    # an inline array of inline tables over several lines
    (
        "endpoints = [\n  { name = 'a', url = 'http://a' },\n\n  { name = 'b', url = 'http://b', rate_limit = -1 },\n]\n",
        4,
        "endpoints[1].rate_limit",
    ),
    # the missing key of an inline table points at the table
    (
        "endpoints = [\n  { name = 'a', url = 'http://a' },\n  { url = 'http://b' },\n]\n",
        3,
        "endpoints[1].name",
    ),
    # multi-line strings and comments that look like keys and tables
    (
        'catalog = """\nport = 1\n[receiver]\n"""\n# [receiver]\n# port = 1\n'
        "description = '''\nx = 1\n'''\n[receiver] # c\nport = [] # c\n",
        7,
        "description",
    ),
    (
        'catalog = """\nport = 1\n[receiver]\n\\"""\n"""\n[receiver] # c\n\n  port = [] # c\n',
        8,
        "receiver.port",
    ),
    # quoted and escaped keys
    ("[receiver]\n\"po\\u0072t\" = 'x'\n", 2, "receiver.port"),
    ("[ 'receiver' . \"respond\" ]\n'mode' = 1\n", 2, "receiver.respond.mode"),
    # a sub-table of an array of tables belongs to its last item
    (
        "[[endpoints]]\nname='a'\nurl='http://a'\n[endpoints.headers]\nX-A='1'\n"
        "[[endpoints]]\nname='b'\nurl='http://b'\n[endpoints.headers]\nHost='x'\n",
        10,
        "endpoints[1].headers.Host",
    ),
    # CRLF line ends
    ("[receiver]\r\nhost = 'a'\r\nport = 'p'\r\n", 3, "receiver.port"),
]


@pytest.mark.parametrize(("text", "line", "key"), LOCATED)
def test_lines_in_every_toml_form(text: str, line: int, key: str) -> None:
    error = error_of(text)
    assert (error.line, error.key) == (line, key), str(error)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("[receiver]\nport = \n", 2),
        ("a = 1\nb = 2\n[receiver\n", 3),
        ("[receiver]\nport = 1\nport = 2\n", 3),
        ('catalog = "unterminated', 1),
        ("x = [1,\n2,\n", 3),
    ],
)
def test_toml_syntax_errors_give_the_line(text: str, line: int) -> None:
    error = error_of(text)
    assert error.line == line and error.key is None
    assert str(error).startswith(f"{CONFIG_FILE}:{line}: TOML syntax error: ")
    assert "\n" not in str(error)


def test_inputs_tomllib_itself_chokes_on() -> None:
    assert "integer too large" in str(error_of("a = " + "9" * 5000))
    assert "nested too deeply" in str(error_of("a = " + "[" * 5000 + "]" * 5000))


# -- files ---------------------------------------------------------------------------------------------


def test_load_config_reads_the_file_and_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / CONFIG_FILE
    path.write_text('\ufeff[receiver]\nport = 9000\ncatalog = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"{path}:3: unknown key 'receiver.catalog'"
    monkeypatch.chdir(tmp_path)  # inside the current directory, the name is relative
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"{CONFIG_FILE}:3: unknown key 'receiver.catalog'"
    path.write_text('\ufeff[receiver]\nport = 9000\n[dev]\nresend_on_change = ["src"]\n', encoding="utf-8")
    config = load_config(path)
    assert config.receiver.port == 9000 and config.path == path
    assert config.dev.resend_on_change == (tmp_path / "src",)


def test_unreadable_files_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")
    (tmp_path / "dir.toml").mkdir()
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "dir.toml")
    path = tmp_path / CONFIG_FILE
    path.write_bytes(b"a = 1\nb = '\xff'\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.line == 2 and str(info.value).endswith(":2: not UTF-8 text")


def test_find_config_searches_upward_like_the_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    child = tmp_path / "child" / "deeper"
    child.mkdir(parents=True)
    (tmp_path / CONFIG_FILE).write_text("[receiver]\nport = 9001\n", encoding="utf-8")
    assert find_config(tmp_path) == tmp_path / CONFIG_FILE
    assert find_config(child) == tmp_path / CONFIG_FILE
    monkeypatch.chdir(child)
    assert find_config() == tmp_path / CONFIG_FILE
    assert project_config().receiver.port == 9001
    # a workspace of its own below the file is a project of its own: the search stops there
    (tmp_path / "child" / ".hookdev").mkdir()
    assert find_config(child) is None
    assert find_config() is None and project_config() == Config()


# -- the starter file ----------------------------------------------------------------------------------


def test_starter_parses_to_the_defaults(tmp_path: Path) -> None:
    assert parse_config(STARTER, tmp_path / CONFIG_FILE) == Config(
        strict=False,
        time_scale=DEFAULT_TIME_SCALE,
        receiver=ReceiverConfig(
            host=DEFAULT_HOST,
            port=DEFAULT_PORT,
            tolerance=DEFAULT_TOLERANCE,
            max_body=DEFAULT_MAX_BODY,
            max_response=10 * 1024 * 1024,
            head_timeout=10.0,
            body_timeout=10.0,
            max_connections=1000,
            accept_invalid=False,
            respond=RespondConfig(mode=DEFAULT_RESPOND_MODE),
        ),
        dev=DevConfig(resend_mode=DEFAULT_RESEND_MODE),
        path=tmp_path / CONFIG_FILE,
    )


def test_starter_defaults_match_the_workspace() -> None:
    from hookdev import workspace

    assert (DEFAULT_HOST, DEFAULT_PORT) == (workspace.DEFAULT_HOST, workspace.DEFAULT_PORT)


def _uncommented_starter() -> str:
    """The starter with every commented-out setting turned on (and a real endpoint secret)."""
    text = re.sub(r"(?m)^# (?=[a-z_]+ = |\[)", "", STARTER)
    return text.replace('secret = "whsec_..."           # signing', f'secret = "{SECRET}"  # signing')


def test_starter_shows_every_setting_with_an_explanation() -> None:
    for line in STARTER.splitlines():
        assert len(line) <= 120, line
        if re.match(r"(# )?[a-z_]+ = ", line) and not line.startswith("# headers"):
            assert "  # " in line, f"no explanation: {line}"
    config = parse_config(_uncommented_starter())
    tables: list[tuple[Any, tuple[str, ...]]] = [
        (config, tuple(k for k in TOP_KEYS if k not in ("receiver", "routes", "endpoints", "dev"))),
        (config.receiver, tuple(k for k in RECEIVER_KEYS if k != "respond")),
        (config.receiver.respond, RESPOND_KEYS),
        (config.routes[0], ROUTE_KEYS),
        (config.endpoints[0], ENDPOINT_KEYS),
        (config.dev, DEV_KEYS),
    ]
    for obj, keys in tables:
        for key in keys:
            assert getattr(obj, key) is not None, key
    assert config.endpoints[0].headers and config.endpoints[0].events
    assert len(config.routes) == 1 and len(config.endpoints) == 1


# -- hookdev init ----------------------------------------------------------------------------------------


def test_init_writes_refuses_then_forces(tmp_path: Path) -> None:
    runner = CliRunner()
    cwd = tmp_path
    with contextlib.chdir(cwd):
        result = runner.invoke(init, [])
        assert result.exit_code == 0, result.output
        target = Path(cwd) / CONFIG_FILE
        assert target.read_text(encoding="utf-8") == STARTER
        assert "Wrote" in result.output and "Next:" in result.output and "hookdev listen" in result.output
        assert load_config(target).receiver.port == DEFAULT_PORT

        target.write_text("# mine\n", encoding="utf-8")
        result = runner.invoke(init, [])
        assert result.exit_code == 2
        assert "already exists" in result.output and "--force" in result.output
        assert target.read_text(encoding="utf-8") == "# mine\n"

        result = runner.invoke(init, ["--force"])
        assert result.exit_code == 0, result.output
        assert "Overwrote" in result.output
        assert target.read_text(encoding="utf-8") == STARTER
        assert sorted(p.name for p in Path(cwd).iterdir()) == [CONFIG_FILE]  # no temporary file left


def test_init_path_and_json(tmp_path: Path) -> None:
    runner = CliRunner()
    elsewhere = tmp_path / "proj"
    elsewhere.mkdir()
    cwd = tmp_path / "here"
    cwd.mkdir()
    with contextlib.chdir(cwd):
        result = runner.invoke(init, ["--path", str(elsewhere)])
        assert result.exit_code == 0, result.output
        assert (elsewhere / CONFIG_FILE).read_text(encoding="utf-8") == STARTER
        assert not (Path(cwd) / CONFIG_FILE).exists()
        assert f"cd {elsewhere}" in result.output

        result = runner.invoke(init, ["--path", str(elsewhere), "--json"])
        assert result.exit_code == 2 and "already exists" in result.output

        result = runner.invoke(init, ["--path", str(elsewhere), "--json", "--force"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output) == {"path": str(elsewhere / CONFIG_FILE), "overwritten": True}

        result = runner.invoke(init, ["--path", str(tmp_path / "nope")])
        assert result.exit_code == 2 and "is not a directory" in result.output
        assert not (tmp_path / "nope").exists()


def test_init_is_a_hookdev_command(tmp_path: Path) -> None:
    from hookdev.cli import main

    runner = CliRunner()
    result = runner.invoke(main, ["init", "--help"])
    assert result.exit_code == 0 and "--force" in result.output and "--path" in result.output
    result = runner.invoke(main, ["init", "--path", str(tmp_path)])
    assert result.exit_code == 0 and (tmp_path / CONFIG_FILE).exists()


# -- properties ------------------------------------------------------------------------------------------

FRAGMENTS = [
    "[receiver]", "[receiver.respond]", "[[routes]]", "[[endpoints]]", "[dev]", "[endpoints.headers]",
    "port = 1", "port = true", 'host = "h"', "mode = 'fail'", "status = 700", "time_scale = -1",
    'name = "a"', "name = 'a'", 'url = "http://a"', "rate_limit = 'ten'", "headers = { Host = 'x' }",
    'path = "/a"', "secrets = [1, 'a']", "receiver.port = 2", "x = 1", 'x = """', '"""', "'''", "{", "}",
    "[", "]", "# comment", "", "  ", "=", '"k" = 1', "a.b.c = []", "endpoints = [{}, 1]", "max_body = '1MiB'",
]  # fmt: skip
LENIENT = settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])


def _returns_config_or_config_error(text: str) -> ConfigError | None:
    try:
        assert isinstance(parse_config(text), Config)
    except ConfigError as e:
        assert e.issues and str(e)
        assert all("\n" not in str(issue) and "\r" not in str(issue) for issue in e.issues)  # one line each
        return e
    return None


@LENIENT
@given(st.text())
def test_any_text_gives_a_config_or_a_config_error(text: str) -> None:
    _returns_config_or_config_error(text)


@LENIENT
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=25))
def test_toml_like_text_gives_a_config_or_a_config_error(lines: list[str]) -> None:
    _returns_config_or_config_error("\n".join(lines))


# Random TOML documents: built from dicts, written in table or inline style, checked against tomllib.

_KNOWN = sorted(set(TOP_KEYS + RECEIVER_KEYS + RESPOND_KEYS + ROUTE_KEYS + ENDPOINT_KEYS + DEV_KEYS))
_NAMES = st.one_of(st.sampled_from(_KNOWN), st.text(max_size=6))
_SCALARS = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=10),
    st.sampled_from(
        ["standard", "fail", "replay", "5MiB", "http://localhost:3000/x", "/a", SECRET, "ep_x", "X-Team"]
    ),
    st.dates(),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_NAMES, inner, max_size=3)),
    max_leaves=8,
)
# Values one level deep: enough for a config's tables, and much cheaper to generate than _VALUES.
_SHALLOW = st.one_of(_SCALARS, st.lists(_SCALARS, max_size=3), st.dictionaries(_NAMES, _SCALARS, max_size=3))


def _table_of(allowed: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """A table with mostly its own keys (values of any type) and now and then a stranger."""
    return st.dictionaries(
        st.one_of(st.sampled_from(allowed), st.sampled_from(allowed), _NAMES), _SHALLOW, max_size=6
    )


_SHAPED = st.fixed_dictionaries(
    {},
    optional={
        "time_scale": _SCALARS,
        "ops_endpoint": _SCALARS,
        "catalog": _SCALARS,
        "receiver": st.builds(
            lambda t, r: {**t, **({"respond": r} if r is not None else {})},
            _table_of(RECEIVER_KEYS),
            st.none() | _table_of(RESPOND_KEYS),
        ),
        "routes": st.lists(_table_of(ROUTE_KEYS), max_size=3),
        "endpoints": st.lists(_table_of(ENDPOINT_KEYS), max_size=3),
        "dev": _table_of(DEV_KEYS),
    },
)


def _toml_key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else _toml_string(name)


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"


def _is_section(value: Any) -> bool:
    return isinstance(value, dict) or (
        bool(value) and isinstance(value, list) and all(isinstance(v, dict) for v in value)
    )


def _dump(doc: dict[str, Any], sections: bool) -> str:
    """TOML text for ``doc``: tables as [headers] and [[arrays]] when ``sections``, else all inline."""
    out: list[str] = []

    def emit(table: dict[str, Any], path: list[str]) -> None:
        for k, v in table.items():
            if not (sections and _is_section(v)):
                out.append(f"{_toml_key(k)} = {_toml_value(v)}")
        for k, v in table.items():
            if sections and _is_section(v):
                header = ".".join(_toml_key(p) for p in [*path, k])
                for item in [v] if isinstance(v, dict) else v:
                    out.append(f"[{header}]" if isinstance(v, dict) else f"[[{header}]]")
                    emit(item, [*path, k])

    emit(doc, [])
    return "\n".join(out) + "\n"


def _lookup(doc: Any, key: tuple[str | int, ...]) -> bool:
    for part in key:
        if isinstance(part, int):
            if not isinstance(doc, list) or part >= len(doc):
                return False
        elif not isinstance(doc, dict) or part not in doc:
            return False
        doc = doc[part]
    return True


_KEY_PART = re.compile(r'\.?("(?:[^"\\]|\\.)*"|[A-Za-z0-9_-]+)|\[(\d+)\]')


def _key_path(key: str) -> tuple[str | int, ...]:
    """``endpoints[1].headers."X A"`` -> ("endpoints", 1, "headers", "X A")."""
    parts: list[str | int] = []
    for name, index in _KEY_PART.findall(key):
        parts.append(int(index) if index else json.loads(name) if name.startswith('"') else name)
    return tuple(parts)


def _check_document(doc: dict[str, Any], sections: bool) -> None:
    text = _dump(doc, sections)
    assert tomllib.loads(text) == doc  # the generator writes the document it means to
    error = _returns_config_or_config_error(text)
    if error is None:
        return
    lines = text.split("\n")  # not splitlines(): keys may hold \x85 and other breaks
    for issue in error.issues:
        # Every problem in a valid document has a line, and the line shows the key it names.
        assert issue.line is not None and issue.key is not None, str(issue)
        path = _key_path(issue.key)
        if _lookup(doc, path) and isinstance(path[-1], str):
            assert _toml_key(path[-1]) in lines[issue.line - 1], (str(issue), text)


@LENIENT
@given(st.dictionaries(_NAMES, _VALUES, max_size=8), st.booleans())
def test_random_documents_give_a_config_or_a_config_error(doc: dict[str, Any], sections: bool) -> None:
    _check_document(doc, sections)


@LENIENT
@given(_SHAPED, st.booleans())
def test_documents_shaped_like_a_config_give_a_config_or_a_located_error(
    doc: dict[str, Any], sections: bool
) -> None:
    _check_document(doc, sections)


_GOOD_ENDPOINT = st.fixed_dictionaries(
    {"url": st.sampled_from(["http://localhost:3000/a", "https://example.com/hook"])},
    optional={
        "events": st.lists(st.text(min_size=1, max_size=8).filter(str.strip), max_size=3),
        "rate_limit": st.floats(min_value=0.01, max_value=1e6),
        "headers": st.dictionaries(
            st.from_regex(r"X-[A-Za-z]{1,6}", fullmatch=True),
            st.text(alphabet="abc ", max_size=5),
            max_size=2,
        ),
        "disabled": st.booleans(),
        "description": st.text(max_size=10),
    },
)
_GOOD = st.fixed_dictionaries(
    {},
    optional={
        "time_scale": st.floats(min_value=1e-3, max_value=1e6),
        "receiver": st.fixed_dictionaries(
            {},
            optional={
                "port": st.integers(0, 65535),
                "tolerance": st.integers(0, 10**6),
                "max_body": st.one_of(st.integers(1, 10**9), st.sampled_from(["1KB", "5MiB", "2 MB"])),
                "scheme": st.sampled_from(["standard", "stripe", "github", "shopify", "slack"]),
                "respond": st.fixed_dictionaries(
                    {},
                    optional={
                        "mode": st.sampled_from(["normal", "fail", "throttle"]),
                        "status": st.integers(100, 599),
                    },
                ),
            },
        ),
        "endpoints": st.lists(_GOOD_ENDPOINT, max_size=3),
    },
)


@LENIENT
@given(_GOOD, st.booleans())
def test_valid_documents_parse_and_keep_their_values(doc: dict[str, Any], sections: bool) -> None:
    for i, endpoint in enumerate(doc.get("endpoints", [])):
        endpoint["name"] = f"ep-{i}"
    if any(
        len({h.lower() for h in e.get("headers", {})}) != len(e.get("headers", {}))
        for e in doc.get("endpoints", [])
    ):
        return  # headers differing only in case are (rightly) an error
    config = parse_config(_dump(doc, sections))
    receiver = doc.get("receiver", {})
    assert config.receiver.port == receiver.get("port")
    assert config.receiver.respond.status == receiver.get("respond", {}).get("status")
    assert config.time_scale == doc.get("time_scale")
    assert [e.name for e in config.endpoints] == [e["name"] for e in doc.get("endpoints", [])]
    for parsed, raw in zip(config.endpoints, doc.get("endpoints", []), strict=True):
        assert parsed.rate_limit == raw.get("rate_limit")
        assert dict(parsed.headers) == raw.get("headers", {})
        assert parsed.events == tuple(raw.get("events", ()))
