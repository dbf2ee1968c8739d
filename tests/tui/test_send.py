"""Send and Deliveries: the one-keystroke round trip, the live-validated payload editor, and the
receiver's failure modes driving real retries."""

from __future__ import annotations

import json

from textual.widgets import Select, TextArea

from hookdev.options import EngineOptions
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
        assert editor.is_syntax_aware  # JSON highlighting: the key and its string value differ in colour
        quoted = [seg for seg in editor.render_line(1) if seg.text.startswith('"')]
        assert len(quoted) == 2 and quoted[0].style.color != quoted[1].style.color
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


async def test_fault_retry_now_and_replay(workspace) -> None:
    """A tampered message is refused (invalid, 401) and its retry waits ~500 s; `r` runs that same
    retry now; a consumer that wrongly accepts it is flagged; `p` replays as a manual attempt; the
    out-of-order fault sends a batch of three."""
    app = HookdevApp(workspace, EngineOptions(port=0, time_scale=0.01))  # retry #2 in 5 s / 0.01
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        store = workspace.store
        await pilot.press("2")
        send = app.view("send")
        send.query_one("#send-fault", Select).value = "tamper"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await until(pilot, lambda: store.count_messages() == 1, what="message created")
        (message,) = store.list_messages(limit=None)
        assert message.fault == "tamper"

        def attempts() -> list:
            return sorted(store.list_attempts(limit=None), key=lambda a: a.number)

        await until(
            pilot, lambda: [a.status for a in attempts()] == ["failed", "pending"], what="retry waiting"
        )
        first, retry = attempts()
        assert first.fault == "tamper" and first.status_code == 401
        assert (
            store.list_captures(limit=1)[0].verified is False
        )  # the receiver's verdict on the tampered body
        waiting_until = retry.scheduled_at
        assert waiting_until - first.scheduled_at > 100

        app.engine.change(accept_invalid=True)  # now a consumer that (wrongly) takes anything
        await pilot.press("4")
        deliveries = app.view("deliveries")
        await until(pilot, lambda: deliveries.selected_id == message.id, what="message listed")
        await until(pilot, lambda: "⚑ tamper" in _timeline(app) and "retry in" in _timeline(app))
        await pilot.press("r")
        await until(pilot, lambda: attempts()[-1].status == "success", what="the retry ran now")
        ran = attempts()
        assert [(a.number, a.trigger) for a in ran] == [(1, "scheduled"), (2, "scheduled")]
        assert ran[1].id == retry.id and ran[1].started_at < waiting_until - 100  # the same attempt, early
        assert ran[1].fault == "tamper" and ran[1].status_code == 200
        await until(
            pilot, lambda: "2xx to a tampered message" in _timeline(app), what="accepted fault flagged"
        )
        table = deliveries.query_one("#messages-table")
        await until(
            pilot, lambda: "2xx: tamper" in str(table.get_row(message.id)[2]), what="listed as accepted"
        )

        await pilot.press("p")
        await until(pilot, lambda: len(attempts()) == 3 and attempts()[-1].status == "success", what="replay")
        assert attempts()[-1].trigger == "manual" and attempts()[-1].number == 3

        await pilot.press("2")
        send.query_one("#send-fault", Select).value = "out-of-order"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await until(pilot, lambda: store.count_messages() == 4, what="a batch of three")
        assert sorted(m.fault or "" for m in store.list_messages(limit=None)) == [
            "out-of-order",
            "out-of-order",
            "out-of-order",
            "tamper",
        ]
        await app.action_quit()


async def test_filter_groups_overrides_and_vary_with_many_types(workspace, tmp_path) -> None:
    """255 types: a fuzzy filter over names and descriptions, grouped by prefix; overrides and Vary."""
    from textual.widgets import Input, OptionList

    from tests.unit.test_catalog_per_type import big_document, write

    doc = big_document(255)
    doc["webhooks"]["star.4"]["post"]["summary"] = "Someone starred the repository"
    path = write(tmp_path / "big.json", doc)
    app = HookdevApp(workspace, EngineOptions(port=0, catalog=str(path)))
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await pilot.press("2")
        send = app.view("send")
        types = send.query_one("#send-types", OptionList)
        headings = [types.get_option_at_index(i) for i in range(types.option_count)]
        assert [str(o.prompt).split()[0] for o in headings if o.disabled] == [
            "issues", "pull_request", "push", "release", "star",
        ]  # fmt: skip
        assert types.option_count == 255 + 5
        await pilot.press("slash")
        assert send.query_one("#send-filter", Input).has_focus
        await pilot.press(*"starred")  # matches a description
        await until(pilot, lambda: types.option_count == 1, what="filtered to one type")
        assert types.get_option_at_index(0).id == "star.4"
        await pilot.press("enter")
        await until(pilot, lambda: send.event_type is not None and send.event_type.name == "star.4")

        editor = send.query_one("#send-editor", TextArea)
        overrides = send.query_one("#send-overrides", Input)
        overrides.value = "org=org_zzzzzzzzzzzzzzzzzzzzzzzzzzz; note=null; -at"
        overrides.focus()
        await pilot.press("enter")
        await until(pilot, lambda: '"note": null' in editor.text, what="overrides applied")
        data = json.loads(editor.text)
        assert data["org"] == "org_" + "z" * 27 and "at" not in data
        issues = send.query_one("#send-issues")
        await until(
            pilot, lambda: "$" in str(issues.content) and '"at"' in str(issues.content)
        )  # at is required
        overrides.value = "org=org_zzzzzzzzzzzzzzzzzzzzzzzzzzz; note=null"
        await pilot.press("ctrl+r")  # the example again, overrides applied on top
        await until(pilot, lambda: "matches the schema" in str(issues.content))
        first = json.loads(editor.text)
        await pilot.click("#send-vary")
        await until(pilot, lambda: json.loads(editor.text) != first, what="a varied payload")
        varied = json.loads(editor.text)
        assert varied["org"] == "org_" + "z" * 27 and varied["note"] is None  # overrides kept
        await until(pilot, lambda: "matches the schema" in str(issues.content))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: workspace.store.count_messages() == 1, what="message created")
        (message,) = workspace.store.list_messages(limit=None)
        assert json.loads(message.payload) == varied
        overrides.value = "bad..path=1"
        await pilot.click("#send-apply")
        await until(pilot, lambda: any("cannot read the path" in str(n.message) for n in app._notifications))
        await app.action_quit()


async def test_a_late_highlight_event_does_not_undo_a_jump_to_a_message(workspace) -> None:
    """Deliveries' RowHighlighted arrives asynchronously: one posted before a jump (a reload's
    row-0 highlight, say) must not move the selection back once it is handled."""
    from textual.widgets import DataTable
    from textual.widgets._data_table import RowKey

    from hookdev.sender import Sender

    sender = Sender(workspace)
    names = sender.catalog.names()
    ids = [sender.send(names[0], endpoints=["ep_local"]).messages[0].id for _ in range(3)]
    app = HookdevApp(workspace, EngineOptions(port=0, dispatch=False))
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await pilot.press("4")
        view = app.view("deliveries")
        await until(pilot, lambda: len(view.query_one("#messages-table", DataTable).rows) == 3)
        table = view.query_one("#messages-table", DataTable)
        newest, oldest = ids[-1], ids[0]
        stale = DataTable.RowHighlighted(table, 0, RowKey(newest))  # posted by an earlier reload
        view.select_message(oldest)
        table.post_message(stale)
        await pilot.pause()
        await pilot.pause()
        assert view.selected_id == oldest
        assert str(view.query_one("#timeline-title").content).startswith(oldest)
