"""Config reloads never destroy identity (issue 10): an editor's non-atomic save (the file empty, or
half-written, for a moment) neither disables managed endpoints nor cancels their retries; an endpoint
that really leaves is disabled keeping its id and secret, and coming back re-enables it."""

from __future__ import annotations

from hookdev.events import StatusChanged
from hookdev.managed import REMOVED
from tests.conftest import wait_for
from tests.integration.test_devloop import managed, start, write_config


def reloads(events: list) -> int:
    return sum(
        1 for e in events if isinstance(e, StatusChanged) and e.text.startswith("reloaded hookdev.toml")
    )


def pending(workspace, endpoint_id: str) -> int:
    return len(workspace.store.list_attempts(endpoint_id=endpoint_id, statuses=["pending"], limit=None))


async def save(config_path, text: str, events: list) -> None:
    """Write the file and wait until the engine has read it (retrying: the watcher may be starting)."""
    seen = reloads(events)
    for _ in range(20):
        config_path.write_text(text, encoding="utf-8")
        try:
            await wait_for(lambda: reloads(events) > seen, timeout=1.0)
            return
        except AssertionError:
            continue
    raise AssertionError("the watcher never reloaded the file")


async def test_a_transiently_empty_or_partial_file_keeps_endpoints_and_retries(workspace, tmp_path):
    config_path = tmp_path / "hookdev.toml"
    write_config(config_path)
    full = config_path.read_text()
    engine, events = await start(workspace, config_path)
    try:
        [endpoint] = managed(workspace)
        engine.sender.send("code.scanned")
        assert pending(workspace, endpoint.id) == 1
        for transient in ("", "time_scale = 1\n"):  # empty, then cut before [[endpoints]]
            await save(config_path, transient, events)
            await save(config_path, full, events)
        # past the settle time, the file says the endpoint is there: nothing was disabled or cancelled
        await wait_for(lambda: engine._confirm_handle is None, timeout=10)
        now = workspace.store.get_endpoint(endpoint.id)
        assert not now.disabled, now.disabled_reason
        assert pending(workspace, endpoint.id) == 1
    finally:
        await engine.stop()


async def test_an_endpoint_that_leaves_keeps_its_identity_and_comes_back(workspace, tmp_path):
    config_path = tmp_path / "hookdev.toml"
    write_config(config_path)
    full = config_path.read_text()
    engine, events = await start(workspace, config_path)
    try:
        [endpoint] = managed(workspace)
        secret = workspace.signing_secrets(endpoint)
        await save(config_path, "time_scale = 2\n", events)
        left = await wait_for(
            lambda: (e := workspace.store.get_endpoint(endpoint.id)).disabled and e, timeout=10
        )
        assert left.disabled_reason == REMOVED and left.id == endpoint.id
        await save(config_path, full, events)
        back = await wait_for(lambda: not (e := workspace.store.get_endpoint(endpoint.id)).disabled and e)
        assert [e.id for e in managed(workspace)] == [endpoint.id]  # re-enabled, not re-created
        assert workspace.signing_secrets(back) == secret
    finally:
        await engine.stop()
