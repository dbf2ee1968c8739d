"""Receiver view: forwarding to a real app (typed as a shorthand, checked inline, applied at once) with
the app's answer in the inbox, and a real relay's public URL until the relay goes away; the dev loop:
re-sending on file changes, and a broken hookdev.toml shown in the status bar until it is fixed."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

from textual.widgets import Input

from hookdev.config import load_config
from hookdev.options import EngineOptions
from hookdev.tui.app import HookdevApp
from hookdev.tunnel.relay import create_relay_app
from tests.tui.conftest import SIZE, post_signed, serve, stand_in_app, started, until


def _text(app: HookdevApp, selector: str) -> str:
    return str(app.view("receiver").query_one(selector).content)


async def test_forward_to_a_real_app_and_see_its_answer(workspace) -> None:
    async with serve(stand_in_app(status=202)) as app_url, contextlib.AsyncExitStack() as relay:
        relay_url = await relay.enter_async_context(serve(create_relay_app()))
        app = HookdevApp(workspace, EngineOptions(port=0, relay=relay_url))
        async with app.run_test(size=SIZE) as pilot:
            await started(app, pilot)
            where = app_url.removeprefix("http://")
            await until(pilot, lambda: app.status.public_url.startswith(relay_url + "/c/"), what="public URL")
            receiver = app.view("receiver")
            await pilot.press("5", "f")
            box = receiver.query_one("#forward-target", Input)
            assert box.has_focus and "not forwarding" in _text(app, "#forward-now")

            box.value = "localhost:3000 /x"  # refused inline, nothing applied
            await until(pilot, lambda: "whitespace" in _text(app, "#forward-check"), what="inline error")
            await pilot.press("enter")
            assert app.engine.receiver_options.forward_to is None

            box.value = where  # the host:port shorthand
            await until(pilot, lambda: f"http://{where}" in _text(app, "#forward-check"), what="preview")
            await pilot.press("enter")
            assert app.engine.receiver_options.forward_to == f"http://{where}"
            await until(pilot, lambda: f"http://{where}" in _text(app, "#forward-now"))

            response = await post_signed(app.engine.url, workspace, path="/webhooks/stripe")
            assert response.status_code == 202 and response.json() == {"app": "got it", "bytes": 33}
            inbox = app.view("inbox")
            await until(pilot, lambda: len(inbox.model) == 1 and inbox.model.row(0).status == 202)
            assert inbox.model.row(0).forwarded  # drawn with the "→ app" marker
            await pilot.press("1", "left")  # Overview -> Response
            assert inbox.detail.tabs.active == "detail-response"

            def answer() -> str:
                return str(inbox.query_one("#detail-response-text").content)

            await until(pilot, lambda: "from your app" in answer(), what="the app's answer shown")
            shown = answer()
            assert f"http://{where}/webhooks/stripe" in shown and "202" in shown and " ms" in shown
            assert "x-app: yes" in shown and '"app": "got it"' in shown

            await pilot.press("5", "f")
            box.value = ""  # empty: stop forwarding
            await pilot.press("enter")
            assert app.engine.receiver_options.forward_to is None
            assert (await post_signed(app.engine.url, workspace)).status_code == 200  # hookdev answers again
            assert app.status.public_url in _text(app, "#forward-more")  # the relay, connected

            await relay.aclose()  # the relay goes away: reconnecting, no public URL
            await until(pilot, lambda: app.status.relay == "relay: reconnecting", what="relay lost")
            assert not app.status.public_url
            await until(pilot, lambda: "public" not in str(app.status.render()))
            await app.action_quit()


async def test_dev_loop_resend_on_changes_and_a_broken_config(workspace, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    config_path = project / "hookdev.toml"
    good = "time_scale = 1.0\n"
    config_path.write_text(good)
    src = tmp_path / "src"
    src.mkdir()
    options = EngineOptions(port=0, config_path=config_path, config=load_config(config_path))
    app = HookdevApp(workspace, options)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        store = workspace.store
        await pilot.press("t")  # something to re-send
        await until(pilot, lambda: store.count_messages() == 1, what="first message")

        await pilot.press("5")
        receiver = app.view("receiver")
        receiver.query_one("#resend-paths", Input).value = str(src)
        await pilot.press("w")
        await until(pilot, lambda: app.engine.resend_active, what="watcher started")
        assert app.engine.options.resend_on_change == [src]
        await until(pilot, lambda: "re-sending on changes under" in _text(app, "#devloop-watcher"))
        (src / "handler.py").write_text("print('changed')\n")
        await until(pilot, lambda: store.count_messages() == 2, timeout=30, what="re-sent on the change")
        await until(pilot, lambda: "re-sent" in _text(app, "#devloop-watcher"))
        await pilot.press("w")
        await until(pilot, lambda: not app.engine.resend_active, what="watcher stopped")

        async def rewrite_until(text: str, done) -> None:
            """The watcher may start after the first write: write again each second until it is seen."""
            deadline = time.monotonic() + 30
            while not done():
                assert time.monotonic() < deadline, f"the watcher did not notice {text!r}"
                config_path.write_text(text)
                written = time.monotonic()
                while not done() and time.monotonic() - written < 1.0:
                    await pilot.pause(0.05)

        await rewrite_until("time_scale = 1.0\n[receiver\n", lambda: app.status.config_error)
        assert "hookdev.toml:2" in app.status.config_error and "TOML syntax error" in app.status.config_error
        assert "✗ not applied" in _text(app, "#devloop-config")
        assert any(e.level == "error" and "hookdev.toml:2" in e.text for e in app.log_panel.entries)
        await rewrite_until(good + "# fixed\n", lambda: not app.status.config_error)
        await until(pilot, lambda: "✓ reloaded" in _text(app, "#devloop-config"))
        await app.action_quit()
