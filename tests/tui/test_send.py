"""Send and Deliveries: the one-keystroke round trip, the live-validated payload editor, and the
receiver's failure modes driving real retries."""

from __future__ import annotations

import json

from textual.widgets import TextArea

from hookdev.engine import EngineOptions
from hookdev.tui.app import HookdevApp
from tests.tui.conftest import SIZE, started, until


def _timeline(app: HookdevApp) -> str:
    return str(app.view("deliveries").query_one("#timeline").content)


async def test_one_keystroke_round_trip(workspace) -> None:
    """A fresh workspace: `t` sends the first catalog event to ep_local; verified capture + successful attempt."""
    app = HookdevApp(workspace, EngineOptions(port=0))
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        first = app.ctx.catalog.names()[0]
        await pilot.press("t")
        inbox = app.view("inbox")
        await until(pilot, lambda: len(inbox.model) == 1, what="capture in the inbox")
        row = inbox.model.row(0)
        assert row.verified is True and row.event_type == first and row.status == 200
        store = workspace.store
        await until(
            pilot,
            lambda: [a.status for a in store.list_attempts(limit=None)] == ["success"],
            what="attempt succeeded",
        )
        (message,) = store.list_messages(limit=None)
        await pilot.press("4")
        deliveries = app.view("deliveries")
        await until(pilot, lambda: deliveries.selected_id == message.id, what="message listed")
        await until(pilot, lambda: "success" in _timeline(app) and "200" in _timeline(app))
        await app.action_quit()


async def test_send_view_validates_and_sends_the_editor_payload(workspace) -> None:
    app = HookdevApp(workspace, EngineOptions(port=0))
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await pilot.press("2")
        send = app.view("send")
        await pilot.press("down")  # second event type
        second = app.ctx.catalog.names()[1]
        assert send.event_type.name == second
        editor = send.query_one("#send-editor", TextArea)
        data = json.loads(editor.text)
        data["type"] = "not-the-type"
        editor.load_text(json.dumps(data, indent=2))
        issues = send.query_one("#send-issues")
        await until(pilot, lambda: "$.type" in str(issues.content), what="inline schema error with its path")
        await pilot.press("ctrl+s")
        assert workspace.store.count_messages() == 0  # refused once
        editor.load_text("{ not json")
        await until(pilot, lambda: "invalid JSON at line 1" in str(issues.content))
        await pilot.press("ctrl+r")
        await until(pilot, lambda: "matches the schema" in str(issues.content))
        editor.load_text(editor.text.replace("\n", "\n "))  # same JSON, different bytes
        expected = editor.text.encode()
        await pilot.press("ctrl+s")
        await until(pilot, lambda: workspace.store.count_messages() == 1, what="message created")
        (message,) = workspace.store.list_messages(limit=None)
        assert message.event_type == second and message.payload == expected  # the bytes as typed
        await until(pilot, lambda: workspace.store.count_captures() == 1, what="delivered to ep_local")
        assert workspace.store.list_captures(limit=1)[0].body == expected
        await app.action_quit()


async def test_failure_mode_schedules_a_retry_with_a_countdown(workspace) -> None:
    app = HookdevApp(workspace, EngineOptions(port=0))
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await pilot.press("5")
        receiver = app.view("receiver")
        receiver.query_one("#mode-status").value = True
        receiver.query_one("#param-status").value = "503"
        await pilot.press("a")
        assert app.engine.receiver_options.respond.mode == "status"
        assert app.engine.receiver_options.respond.status == 503
        await pilot.press("t")
        store = workspace.store
        await until(pilot, lambda: any(a.status == "failed" for a in store.list_attempts(limit=None)))
        await pilot.press("4")
        await until(pilot, lambda: "retry in" in _timeline(app), what="countdown to the scheduled retry")
        assert "503" in _timeline(app)
        await until(pilot, lambda: app.status.retrying >= 1, what="status bar counts the retry")
        await app.action_quit()


async def test_failing_next_request_then_the_retry_lands(workspace) -> None:
    """fail:1 with a large time scale: attempt 1 fails (500), attempt 2 lands a moment later."""
    app = HookdevApp(workspace, EngineOptions(port=0, time_scale=1000))
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await pilot.press("5")
        receiver = app.view("receiver")
        receiver.query_one("#mode-fail").value = True
        receiver.query_one("#param-count").value = "1"
        receiver.query_one("#param-status").value = "500"
        await pilot.press("a")
        await pilot.press("t")
        store = workspace.store

        def outcome() -> list[tuple[int, str, int | None]]:
            return sorted((a.number, a.status, a.status_code) for a in store.list_attempts(limit=None))

        await until(
            pilot, lambda: outcome() == [(1, "failed", 500), (2, "success", 200)], what="retry landed"
        )
        await pilot.press("4")
        await until(pilot, lambda: "failed" in _timeline(app) and "success" in _timeline(app))
        assert app.engine.receiver_options.respond.mode == "normal"  # fail:1 used up
        await app.action_quit()


async def test_retry_now_from_deliveries(workspace) -> None:
    app = HookdevApp(workspace, EngineOptions(port=0))
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        from hookdev.receiver import RespondPolicy

        app.view("receiver").apply(RespondPolicy("status", status=500))
        await pilot.press("t")
        store = workspace.store
        await until(pilot, lambda: any(a.status == "failed" for a in store.list_attempts(limit=None)))
        app.view("receiver").apply(RespondPolicy())
        await pilot.press("4")
        await until(pilot, lambda: app.view("deliveries").selected_id is not None)
        await pilot.press("r")
        await until(
            pilot,
            lambda: any(
                a.trigger == "manual" and a.status == "success" for a in store.list_attempts(limit=None)
            ),
            what="manual attempt succeeded",
        )
        await app.action_quit()
