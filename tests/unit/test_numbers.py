"""Numbers are numbers (issue 10): every numeric flag of every command, and every numeric value of
hookdev.toml, refuses NaN, infinities and out-of-range integers with a one-line error (exit 2)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hookdev.cli import main
from hookdev.config import ConfigError, parse_config


def _commands() -> list[tuple[list[str], click.Command]]:
    """Every command and subcommand, found by walking click's tree (nothing listed by hand)."""
    found: list[tuple[list[str], click.Command]] = []

    def walk(path: list[str], command: click.Command) -> None:
        found.append((path, command))
        if isinstance(command, click.Group):
            ctx = click.Context(command)
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                if sub is not None:
                    walk([*path, name], sub)

    walk([], main)
    return found


def _numeric_options() -> list[tuple[list[str], str, str]]:
    """(command path, option flag, 'float' | 'int' | 'size') for every numeric option."""
    out = []
    for path, command in _commands():
        for param in command.params:
            if not isinstance(param, click.Option) or param.is_flag:
                continue
            flag = max(param.opts, key=len)
            if isinstance(param.type, click.types.FloatParamType):
                out.append((path, flag, "float"))
            elif isinstance(param.type, click.types.IntParamType):
                out.append((path, flag, "int"))
            elif param.metavar == "SIZE":
                out.append((path, flag, "size"))
    return out


NUMERIC = _numeric_options()
BAD = {
    "float": ["nan", "NaN", "inf", "-inf", "1e999", "-1e999"],
    "int": ["99999999999999999999999", "-99999999999999999999999", "nan", "1e3"],
    "size": ["nan", "inf", "infMiB", "99999999999999999999999", "-1", "1e999"],
}


def test_the_walk_finds_the_numeric_options():
    flags = {(" ".join(path), flag) for path, flag, _ in NUMERIC}
    for expected in [
        ("inbox", "--limit"),
        ("send", "--time-scale"),
        ("listen", "--tolerance"),
        ("listen", "--max-body"),
        ("listen", "--max-response"),
        ("verify", "--now"),
        ("sign", "--timestamp"),
        ("attempts", "--limit"),
    ]:
        assert expected in flags, expected
    assert len(NUMERIC) >= 25


def _run(path: list[str], flag: str, value: str, home: Path) -> click.testing.Result:
    runner = CliRunner()
    return runner.invoke(main, [*path, f"{flag}={value}"], env={"HOOKDEV_HOME": str(home)})


def _assert_refused(result: click.testing.Result, flag: str) -> None:
    assert result.exit_code == 2, (flag, result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and flag in errors[0] or flag.lstrip("-") in errors[0], result.stderr
    assert "Traceback" not in result.output + result.stderr


@pytest.mark.parametrize(
    ("path", "flag", "value"),
    [(path, flag, value) for path, flag, kind in NUMERIC for value in BAD[kind]],
    ids=lambda x: " ".join(x) if isinstance(x, list) else str(x),
)
def test_every_numeric_flag_refuses_non_numbers(path, flag, value, tmp_path):
    _assert_refused(_run(path, flag, value, tmp_path / "ws"), flag)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    option=st.sampled_from([(p, f) for p, f, kind in NUMERIC if kind != "size"]),
    value=st.one_of(
        st.sampled_from([float("nan"), float("inf"), float("-inf")]).map(repr),
        st.integers(min_value=2**63).map(str),
        st.integers(max_value=-(2**63)).map(str),
    ),
)
def test_property_no_numeric_flag_takes_a_non_number(option, value, tmp_path):
    path, flag = option
    _assert_refused(_run(path, flag, value, tmp_path / "ws"), flag)


def test_sign_refuses_a_negative_timestamp(tmp_path):
    result = _run(["sign"], "--timestamp", "-5", tmp_path / "ws")
    _assert_refused(result, "--timestamp")


CONFIG_NUMBERS = [
    ("time_scale = {v}", "time_scale"),
    ("[receiver]\ntolerance = {v}", "tolerance"),
    ("[receiver]\nport = {v}", "port"),
    ("[receiver.respond]\nmode = 'delay'\ndelay = {v}", "delay"),
    ("[receiver.respond]\nmode = 'fail'\ncount = {v}", "count"),
    ("[receiver.respond]\nmode = 'throttle'\nretry_after = {v}", "retry_after"),
    ("[receiver.respond]\nmode = 'status'\nstatus = {v}", "status"),
    ("[[endpoints]]\nname = 'a'\nurl = 'http://127.0.0.1:1/'\nrate_limit = {v}", "rate_limit"),
]


@pytest.mark.parametrize(("template", "key"), CONFIG_NUMBERS)
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "9223372036854775807", "1e300"])
def test_every_numeric_config_value_refuses_non_numbers(template, key, value):
    with pytest.raises(ConfigError) as info:
        parse_config(template.format(v=value))
    message = str(info.value)
    assert key in message and "\n" not in message.strip()
