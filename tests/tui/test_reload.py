"""hookdev.toml reloads reach everything the TUI shows and does (the engine's one settings snapshot)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from hookdev.config import load_config
from hookdev.ids import new_id
from hookdev.options import EngineOptions
from hookdev.signing.standard import sign_headers
from hookdev.tui.app import HookdevApp
from tests.tui.conftest import SIZE, started, until


async def _reload(app: HookdevApp, pilot, config_path: Path, text: str, done) -> None:
    """Write the file until the engine has applied it (the watcher may start after the first write)."""
    deadline = time.monotonic() + 30
    while not done():
        config_path.write_text(text, encoding="utf-8")
        try:
            await until(pilot, done, timeout=1.0, what="reload applied")
        except AssertionError:
            if time.monotonic() > deadline:
                raise


async def test_a_reloaded_time_scale_shows_in_the_status_bar(workspace, tmp_path: Path) -> None:
    config_path = tmp_path / "hookdev.toml"
    config_path.write_text("time_scale = 1.0\n", encoding="utf-8")
    options = EngineOptions(port=0, config_path=config_path, config=load_config(config_path))
    app = HookdevApp(workspace, options)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        assert app.status.time_scale == 1
        await _reload(
            app, pilot, config_path, "time_scale = 3600\n", lambda: app.engine.settings.time_scale == 3600
        )
        await until(pilot, lambda: app.status.time_scale == 3600, what="status bar shows ×3600")
        assert "3600" in str(app.status.render())
        assert app.ctx.time_scale == 3600
        await app.action_quit()


async def test_verify_again_uses_the_reloaded_tolerance(workspace, tmp_path: Path) -> None:
    config_path = tmp_path / "hookdev.toml"
    config_path.write_text("[receiver]\ntolerance = 300\n", encoding="utf-8")
    options = EngineOptions(port=0, config_path=config_path, config=load_config(config_path))
    app = HookdevApp(workspace, options)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        secret = workspace.receiver_secrets().current
        body = b'{"type":"code.created","data":{}}'
        signed_at = int(time.time()) - 60  # a minute old: inside 300 s, outside 5 s
        headers = {
            "content-type": "application/json",
            **sign_headers([secret], new_id("msg"), signed_at, body),
        }
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.post(app.engine.url + "/webhooks", content=body, headers=headers)
        assert response.status_code == 200
        capture = workspace.store.get_capture(response.json()["id"])
        assert capture.verified is True

        inbox = app.view("inbox")
        inbox.reverify(capture, secret)  # with the tolerance of now: 300
        assert workspace.store.get_capture(capture.id).verified is True

        await _reload(
            app, pilot, config_path, "[receiver]\ntolerance = 5\n", lambda: app.engine.settings.tolerance == 5
        )
        assert app.engine.receiver_options.tolerance == 5  # the receiver...
        inbox.reverify(capture, secret)  # ...and the Inbox's verify-again
        again = workspace.store.get_capture(capture.id)
        assert again.verified is False and "timestamp" in (again.reason or "")
        await app.action_quit()
