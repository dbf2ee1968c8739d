"""Settings: declared once, layered flag > runtime change > file > default into one snapshot the engine
replaces whole; everything that reads or shows a setting reads that snapshot."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hookdev import forward
from hookdev.config import SETTINGS, parse_config
from hookdev.engine import Engine
from hookdev.events import EventBus, LogLine
from hookdev.ops import OpsEmitter
from hookdev.options import EngineOptions
from hookdev.receiver import RespondPolicy
from hookdev.settings import Layers, Settings, SettingsChanged, resolve

# -- the declarations ----------------------------------------------------------------------------------


def test_every_declared_setting_is_a_snapshot_field_and_back() -> None:
    assert [s.name for s in SETTINGS] == [f.name for f in dataclasses.fields(Settings)]


def test_declared_defaults_are_the_snapshot_defaults() -> None:
    snapshot = Settings()
    for s in SETTINGS:
        if s.name == "respond":
            assert snapshot.respond == RespondPolicy()
        else:
            assert getattr(snapshot, s.name) == s.default, s.name
    assert Settings().max_response == forward.DEFAULT_MAX_RESPONSE


def test_every_setting_with_a_flag_is_a_listen_option() -> None:
    from click.testing import CliRunner

    from hookdev.cli import main

    out = CliRunner().invoke(main, ["listen", "--help"]).output
    for s in SETTINGS:
        if s.flag:
            assert s.flag in out, s.flag


# -- layering ----------------------------------------------------------------------------------------------


def test_flag_over_runtime_over_file_over_default() -> None:
    file = parse_config('time_scale = 60\n[receiver]\ntolerance = 10\nforward_to = "4000"\n')
    layers = Layers(flags={"tolerance": 20.0}, file=file)
    s = resolve(layers)
    assert (s.time_scale, s.tolerance, s.forward_to, s.port) == (60.0, 20.0, "http://localhost:4000", 8787)
    s = resolve(layers.with_runtime(forward_to="http://localhost:5000", time_scale=2.0))
    assert (s.time_scale, s.forward_to) == (2.0, "http://localhost:5000")
    s = resolve(layers.with_runtime(tolerance=1.0))  # a runtime change of a flagged setting replaces it
    assert s.tolerance == 1.0


def test_secrets_add_up_and_cli_routes_win_per_path() -> None:
    file = parse_config(
        '[receiver]\nsecrets = ["file"]\n[[routes]]\npath = "/a"\nto = "3000"\n[[routes]]\npath = "/b"\n'
    )
    s = resolve(Layers(flags={"secrets": ("flag",), "routes": ("/a=4000",)}, file=file))
    assert s.secrets == ("flag", "file")
    assert [(r.prefix, r.target) for r in s.routes] == [("/a", "http://localhost:4000"), ("/b", "")]


# -- the event bus -------------------------------------------------------------------------------------------


def test_an_exception_in_one_subscriber_never_stops_the_others(caplog: pytest.LogCaptureFixture) -> None:
    bus = EventBus()
    seen: list[Any] = []

    def broken(event: Any) -> None:
        raise RuntimeError("boom")

    bus.subscribe(seen.append)
    bus.subscribe(broken)
    after: list[Any] = []
    bus.subscribe(after.append)
    bus.publish("first")
    bus.publish("second")
    assert seen[0] == "first" and "second" in seen
    assert after[0] == "first" and "second" in after  # the one after the broken one too
    errors = [e for e in after if isinstance(e, LogLine)]
    assert len(errors) == 2 and "boom" in errors[0].text  # reported on the bus, once per failure
    assert "a subscriber failed" in caplog.text


def test_a_failing_log_subscriber_does_not_loop() -> None:
    bus = EventBus()

    def broken(event: Any) -> None:
        raise RuntimeError("boom")

    bus.subscribe(broken)
    bus.publish(LogLine("info", "x"))  # no recursion, no exception


# -- the property: every reader shows the current snapshot ------------------------------------------------

SCHEMES = (None, "standard", "stripe")
MODES = ("normal", "status:503", "fail:2", "gone", "throttle:5")

file_values = st.fixed_dictionaries(
    {},
    optional={
        "time_scale": st.sampled_from([1.0, 60.0, 3600.0]),
        "tolerance": st.sampled_from([5, 300, 1000]),
        "accept_invalid": st.booleans(),
        "forward_to": st.sampled_from(["3000", "http://127.0.0.1:9000/x"]),
        "scheme": st.sampled_from(["standard", "github"]),
        "mode": st.sampled_from(["normal", "gone", "delay"]),
        "max_body": st.sampled_from(["1KiB", "5MiB"]),
        "resend_mode": st.sampled_from(["new", "replay"]),
    },
)


def _toml(values: dict[str, Any]) -> str:
    top, receiver, respond, dev = [], [], [], []
    for key, value in values.items():
        text = str(value).lower() if isinstance(value, bool) else repr(value).replace("'", '"')
        if key == "time_scale":
            top.append(f"{key} = {text}")
        elif key == "mode":
            respond.append(f"mode = {text}")
        elif key == "resend_mode":
            dev.append(f"{key} = {text}")
        else:
            receiver.append(f"{key} = {text}")
    return "\n".join(top + ["[receiver]", *receiver, "[receiver.respond]", *respond, "[dev]", *dev, ""])


runtime_changes = st.one_of(
    st.tuples(st.just("time_scale"), st.sampled_from([2.0, 100.0])),
    st.tuples(st.just("tolerance"), st.sampled_from([1.0, 42.0])),
    st.tuples(st.just("forward_to"), st.sampled_from([None, "4000", "http://localhost:7000/y"])),
    st.tuples(st.just("respond"), st.sampled_from(MODES)),
    st.tuples(st.just("accept_invalid"), st.booleans()),
    st.tuples(st.just("scheme"), st.sampled_from(SCHEMES)),
    st.tuples(st.just("ops_endpoint"), st.sampled_from([None, "ep_ops"])),
)
steps = st.lists(
    st.one_of(st.tuples(st.just("reload"), file_values), st.tuples(st.just("runtime"), runtime_changes)),
    max_size=8,
)


def _runtime(engine: Engine, name: str, value: Any) -> None:
    if name == "time_scale":
        engine.set_time_scale(value)
    elif name == "forward_to":
        engine.set_forwarding(value)
    elif name == "respond":
        engine.set_respond(value)
    else:
        engine.change(**{name: value})


def _everything_shown(engine: Engine) -> None:
    """Every place a setting is read or shown agrees with the snapshot."""
    s = engine.settings
    ro = engine.receiver_options
    assert (ro.extra_secrets, ro.scheme, ro.tolerance, ro.max_body) == (
        s.secrets,
        s.scheme,
        s.tolerance,
        s.max_body,
    )
    assert (ro.accept_invalid, ro.forward_to, tuple(ro.routes), ro.respond) == (
        s.accept_invalid,
        s.forward_to,
        s.routes,
        s.respond,
    )
    assert (ro.forward_timeout, ro.max_response) == (s.forward_timeout, s.max_response)
    assert engine.sender.time_scale == s.time_scale
    assert engine.dispatcher is not None and engine.dispatcher.clock.scale == s.time_scale
    opts = engine.options
    for f in dataclasses.fields(Settings):
        value = getattr(opts, f.name)
        assert (tuple(value) if isinstance(value, list) else value) == getattr(s, f.name), f.name
    emitter = OpsEmitter(engine.sender, lambda: engine.settings)
    assert emitter.endpoint_id() == s.ops_endpoint


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
def test_after_any_reloads_and_runtime_changes_everything_shows_the_snapshot(workspace, steps) -> None:
    from hookdev.delivery.clock import RealClock
    from hookdev.delivery.dispatcher import Dispatcher

    engine = Engine(workspace, EngineOptions(port=0, dispatch=False))
    engine.dispatcher = Dispatcher(workspace, clock=RealClock(1.0))  # as start() makes it
    engine.dispatcher.clock.scale = engine.settings.time_scale
    published: list[SettingsChanged] = []
    engine.bus.subscribe(lambda e: published.append(e) if isinstance(e, SettingsChanged) else None)
    runtime: dict[str, Any] = {}
    for kind, arg in steps:
        if kind == "reload":
            engine.apply_config(parse_config(_toml(arg), Path("hookdev.toml")))
        else:
            name, value = arg
            _runtime(engine, name, value)
            runtime[name] = getattr(engine.settings, name)
        _everything_shown(engine)
        for name, value in runtime.items():  # a reload never undoes a runtime change
            if name != "respond" or not value.mode == "fail":  # fail:N counts down on its own
                assert getattr(engine.settings, name) == value, name
        if published:
            assert published[-1].settings is engine.settings  # replaced whole, and told


def test_a_runtime_change_is_checked_against_its_declaration(workspace) -> None:
    engine = Engine(workspace, EngineOptions(port=0, dispatch=False))
    for bad in ({"time_scale": 0}, {"resend_mode": "sometimes"}, {"port": 70000}, {"nope": 1}):
        with pytest.raises(ValueError):
            engine.change(**bad)
    assert engine.settings == Settings(port=0)  # nothing changed
    with pytest.raises(ValueError, match="invalid target"):
        engine.set_forwarding("localhost:3000 /x")
