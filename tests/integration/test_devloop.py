"""The dev loop with real files and the real watcher: hookdev.toml edits apply live, a broken edit keeps
the last good config, saving a source file re-sends the last message once per burst."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import httpx

from hookdev.config import load_config
from hookdev.engine import Engine
from hookdev.events import StatusChanged
from hookdev.options import EngineOptions
from tests.conftest import wait_for

CONFIG = """
[receiver]
accept_invalid = {accept}

[receiver.respond]
mode = "{mode}"
status = 503

[[endpoints]]
name = "orders"
url = "http://127.0.0.1:9/orders"
events = ["code.scanned"]
rate_limit = {rate}
headers = {{ "X-Team" = "growth" }}
"""


def write_config(path: Path, accept: str = "false", mode: str = "normal", rate: int = 5) -> None:
    path.write_text(CONFIG.format(accept=accept, mode=mode, rate=rate), encoding="utf-8")


async def start(workspace, config_path: Path, **extra) -> tuple[Engine, list]:
    events: list = []
    config = load_config(config_path)
    options = EngineOptions(port=0, dispatch=False, config_path=config_path, config=config, **extra)
    engine = Engine(workspace, options)
    engine.bus.subscribe(events.append)
    await engine.start()
    return engine, events


async def edit_until(write, predicate, timeout: float = 20.0):
    """Write, then wait for ``predicate``; write again each second (the watcher may still be starting)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        write()
        try:
            return await wait_for(predicate, timeout=1.0)
        except AssertionError:
            if time.monotonic() > deadline:
                raise


async def resend_watcher_live(events: list) -> None:
    """Wait until the resend watcher watches: it says so in the same loop step as it registers the paths,
    so a save written after this is seen (one written before may not be)."""
    await wait_for(
        lambda: any(
            isinstance(e, StatusChanged)
            and e.topic == "watcher"
            and e.text.startswith("re-sending on changes")
            for e in events
        ),
        timeout=30,
    )


def managed(workspace):
    return [e for e in workspace.store.list_endpoints() if e.managed]


async def test_config_edits_apply_live_and_broken_edits_keep_the_last_good(workspace, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    config_path = project / "hookdev.toml"
    write_config(config_path)
    engine, events = await start(workspace, config_path)
    try:
        [endpoint] = managed(workspace)
        assert endpoint.rate_limit == 5 and endpoint.events == ["code.scanned"]
        assert endpoint.headers == [("X-Team", "growth")]

        await edit_until(
            lambda: write_config(config_path, mode="status", rate=9),
            lambda: managed(workspace)[0].rate_limit == 9,
        )
        assert managed(workspace)[0].id == endpoint.id  # the same endpoint, updated
        assert engine.receiver_options.respond.mode == "status"
        async with httpx.AsyncClient() as client:
            assert (await client.post(engine.url + "/", content=b"{}")).status_code == 503

        config_path.write_text("[receiver]\nport = 'eighty'\n", encoding="utf-8")
        error = await wait_for(
            lambda: next(
                (e for e in events if isinstance(e, StatusChanged) and e.topic == "config" and not e.ok), None
            ),
            timeout=15,
        )
        assert "hookdev.toml:2" in error.text and "receiver.port" in error.text
        assert managed(workspace)[0].rate_limit == 9  # last good config kept
        assert engine.receiver_options.respond.mode == "status"

        write_config(config_path, mode="normal", rate=2)
        fixed = await wait_for(
            lambda: next(
                (e for e in events if isinstance(e, StatusChanged) and "error is fixed" in e.text), None
            ),
            timeout=15,
        )
        assert fixed.ok
        assert managed(workspace)[0].rate_limit == 2
        async with httpx.AsyncClient() as client:
            assert (await client.post(engine.url + "/", content=b"{}")).status_code == 200
    finally:
        await engine.stop()


async def test_removing_an_endpoint_from_the_file_disables_it(workspace, tmp_path):
    config_path = tmp_path / "hookdev.toml"
    write_config(config_path)
    engine, _ = await start(workspace, config_path)
    try:
        [endpoint] = managed(workspace)
        await edit_until(
            lambda: config_path.write_text("time_scale = 60\n", encoding="utf-8"),
            lambda: workspace.store.get_endpoint(endpoint.id).disabled,
        )
        assert workspace.store.get_endpoint(endpoint.id).disabled_reason == "removed from hookdev.toml"
        assert engine.options.time_scale == 60
    finally:
        await engine.stop()


async def test_catalog_edits_add_event_types_live(workspace, tmp_path):
    catalog = tmp_path / "events"
    catalog.mkdir()
    schema = {"type": "object", "required": ["type"], "properties": {"type": {"type": "string"}}}

    def event_file(name: str) -> None:
        doc = {
            "name": name,
            "description": f"{name} happened",
            "schema": schema,
            "example": {"type": name, "timestamp": "2026-11-28T10:00:00Z", "data": {}},
        }
        (catalog / f"{name}.json").write_text(json.dumps(doc), encoding="utf-8")

    event_file("order.created")
    config_path = tmp_path / "hookdev.toml"
    config_path.write_text(f'catalog = "{catalog}"\n', encoding="utf-8")
    engine, events = await start(workspace, config_path)
    try:
        assert engine.catalog.names() == ["order.created"]
        await edit_until(lambda: event_file("order.paid"), lambda: "order.paid" in engine.catalog.names())
        (catalog / "broken.json").write_text("{ nope", encoding="utf-8")
        await wait_for(
            lambda: any(isinstance(e, StatusChanged) and e.topic == "config" and not e.ok for e in events),
            timeout=15,
        )
        assert set(engine.catalog.names()) == {"order.created", "order.paid"}
    finally:
        await engine.stop()


async def test_saving_a_source_file_resends_the_last_message_once_per_burst(workspace, tmp_path):
    src = tmp_path / "src"
    (src / "__pycache__").mkdir(parents=True)
    (src / "node_modules").mkdir()
    handler = src / "handler.py"
    handler.write_text("x = 1\n")
    config_path = tmp_path / "hookdev.toml"
    config_path.write_text("", encoding="utf-8")
    engine, events = await start(workspace, config_path, resend_on_change=[src], resend_mode="new")
    try:
        first = engine.sender.send("code.scanned").messages[0]

        def resends() -> list:
            return [
                e
                for e in events
                if isinstance(e, StatusChanged) and e.topic == "watcher" and "re-sent" in e.text
            ]

        def count() -> int:
            return workspace.store.count_messages()

        # One save, resent once: written again only if surely missed (no resend in 10x the 1 s settle
        # time). Rewritten every second, as before, a save could land after the first burst settled
        # and its resend arrive after `events.clear()` below, counted as the burst's.
        await resend_watcher_live(events)
        for _ in range(6):
            handler.write_text("x = 0\n")
            with contextlib.suppress(AssertionError):
                await wait_for(resends, timeout=10)
                break
        await wait_for(lambda: count() == 1 + len(resends()))
        events.clear()
        before = count()

        for i in range(5):  # a burst of saves
            handler.write_text(f"x = {i + 2}\n")
        await wait_for(lambda: len(resends()) == 1, timeout=15)
        newest = workspace.store.list_messages(limit=1)[0]
        assert count() == before + 1
        assert newest.id != first.id and newest.payload == first.payload

        (src / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"\x00")
        (src / "node_modules" / "dep.js").write_text("1")
        handler.write_text("x = 100\n")  # a real change after the ignored ones
        await wait_for(lambda: len(resends()) == 2, timeout=15)
        assert count() == before + 2

        engine.change(resend_mode="replay")
        handler.write_text("x = 101\n")
        await wait_for(
            lambda: any(isinstance(e, StatusChanged) and "replaying" in e.text for e in events), timeout=15
        )
        assert count() == before + 2  # a replay makes no new message
    finally:
        await engine.stop()


async def test_managed_endpoints_are_not_edited_by_hand_by_mistake(workspace, tmp_path):
    from hookdev.sender import SenderError

    config_path = tmp_path / "hookdev.toml"
    write_config(config_path)
    engine, _ = await start(workspace, config_path)
    try:
        [endpoint] = managed(workspace)
        for change in (
            lambda: engine.sender.update_endpoint(endpoint.id, rate_limit=50),
            lambda: engine.sender.delete_endpoint(endpoint.id),
        ):
            try:
                change()
            except SenderError as e:
                assert "managed by hookdev.toml" in str(e)
            else:
                raise AssertionError("a managed endpoint was changed by hand")
        assert engine.sender.update_endpoint(endpoint.id, rate_limit=50, force=True).rate_limit == 50
    finally:
        await engine.stop()
