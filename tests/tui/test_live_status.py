"""LiveStatus: what the app tells the user about hookdev.toml reloads and the relay (pure, no app)."""

from __future__ import annotations

from hookdev.events import StatusChanged
from hookdev.tui.live_status import CONFIG_ERROR_PREFIX, LiveStatus
from hookdev.tunnel.client import RelayStatus


def _relay(state: str, url: str | None = None) -> StatusChanged:
    text = f"Public URL: {url}" if url else f"relay {state}"
    return StatusChanged("relay", text, ok=state == "connected", data=RelayStatus(state, text, url))  # type: ignore[arg-type]


def test_a_broken_config_stays_until_a_reload_fixes_it() -> None:
    live = LiveStatus()
    assert live.apply(StatusChanged("config", "reloaded hookdev.toml"), 1.0) is None  # fine all along
    error = (
        CONFIG_ERROR_PREFIX
        + "hookdev.toml:7: receiver.port: expected an integer\nhookdev.toml:9: unknown key 'x'"
    )
    assert live.apply(StatusChanged("config", error, ok=False), 2.0) == "config-broken"
    assert live.config_error == "hookdev.toml:7: receiver.port: expected an integer"
    assert (
        live.apply(StatusChanged("config", error, ok=False), 3.0) == "config-broken"
    )  # still broken: said again
    assert live.apply(StatusChanged("watcher", "re-sent code.created"), 4.0) is None
    assert live.config_error is not None  # other topics do not clear it
    assert (
        live.apply(StatusChanged("config", "reloaded hookdev.toml - the error is fixed"), 5.0)
        == "config-fixed"
    )
    assert live.config_error is None and live.config_at == 5.0


def test_relay_states_and_what_the_status_bar_calls_them() -> None:
    live = LiveStatus()
    assert live.apply(_relay("connecting"), 0) is None and live.relay_label == "relay: connecting"
    assert live.apply(_relay("connected", "https://r.example/c/abc"), 0) is None  # the first connect is quiet
    assert live.public_url == "https://r.example/c/abc"
    assert live.apply(_relay("disconnected"), 0) == "relay-lost"
    assert live.public_url is None and live.relay_label == "relay: reconnecting"
    assert live.apply(_relay("connecting"), 0) is None and live.relay_label == "relay: reconnecting"
    assert live.apply(_relay("connected", "https://r.example/c/abc"), 0) == "relay-connected"
    assert live.apply(_relay("refused"), 0) == "relay-refused" and live.relay_label == "relay: refused"
    assert live.apply(_relay("refused"), 0) is None  # told once
