"""Inbox as an inspector: replay and edit a capture (to the receiver, to a typed URL), the link between a
replay and its original, repeated webhook-ids flagged and filtered, search into bodies and headers with
field syntax, and the diff of two captures. A real receiver and a real app on free ports."""

from __future__ import annotations

import time

from textual.widgets import Input, RadioButton, TextArea

from hookdev.engine import EngineOptions
from hookdev.ids import new_id
from hookdev.signing.standard import sign_headers
from hookdev.tui.app import HookdevApp
from hookdev.tui.screens.diff import DiffScreen
from hookdev.tui.screens.replay import ReplayScreen
from tests.tui.conftest import SIZE, post_signed, serve, stand_in_app, started, until


def _overview(app: HookdevApp) -> str:
    return str(app.view("inbox").query_one("#detail-overview-text").content)


async def test_replay_and_edit_from_the_inbox(workspace) -> None:
    app = HookdevApp(workspace, EngineOptions(port=0))
    async with (
        serve(stand_in_app(status=202)) as app_url,
        app.run_test(size=SIZE, notifications=True) as pilot,
    ):
        await started(app, pilot)
        await post_signed(app.engine.url, workspace, body=b'{"type":"code.created","data":{"id":"cus_1"}}')
        inbox = app.view("inbox")
        await until(pilot, lambda: inbox.list.highlighted_id is not None)
        original = inbox.list.highlighted_id

        # p: to hookdev's receiver, re-signed with its secret
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, ReplayScreen), what="replay dialog")
        app.screen.query_one("#sign-receiver", RadioButton).value = True
        await pilot.press("ctrl+s")
        await until(pilot, lambda: workspace.store.replays_of(original), what="replayed")
        new_id_ = workspace.store.replays_of(original)[0]
        replayed = workspace.store.get_capture(new_id_)
        assert replayed.verified is True and replayed.client != "hookdev replay"  # the receiver's own
        await until(pilot, lambda: inbox.list.highlighted_id == new_id_, what="the replay selected")
        await until(
            pilot, lambda: f"Replay of  {original}" in _overview(app).replace("Replay of   ", "Replay of  ")
        )
        assert inbox.model.row(0).replay
        await pilot.press("f")  # to the original
        await until(pilot, lambda: inbox.list.highlighted_id == original, what="jumped to the original")
        await until(pilot, lambda: new_id_ in _overview(app), what="its replays listed")

        # e: edit the body and the path, send to a typed URL: recorded as a capture of its own
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ReplayScreen), what="edit dialog")
        area = app.screen.query_one("#replay-text", TextArea)
        area.text = area.text.replace("cus_1", "cus_2").replace("POST /webhooks", "POST /edited")
        app.screen.query_one("#replay-url", Input).value = app_url + "/in"
        await pilot.pause()
        assert app.screen.query_one("#to-url", RadioButton).value
        await pilot.press("ctrl+s")
        await until(pilot, lambda: len(workspace.store.replays_of(original)) == 2, what="edited replay")
        record = workspace.store.get_capture(workspace.store.replays_of(original)[1])
        assert record.client == "hookdev replay" and record.status == 202
        assert record.forwarded_to == app_url + "/in" and b"cus_2" in record.body
        await until(pilot, lambda: inbox.list.highlighted_id == record.id, what="the record listed")

        # a bad URL is refused in the dialog, nothing sent
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, ReplayScreen))
        app.screen.query_one("#replay-url", Input).value = "file:///etc/passwd"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "http" in str(app.screen.query_one("#replay-error").content))
        await pilot.press("escape")
        assert len(workspace.store.replays_of(original)) == 2
        await app.action_quit()


async def test_duplicates_search_and_diff(workspace) -> None:
    app = HookdevApp(workspace, EngineOptions(port=0))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await started(app, pilot)
        url = app.engine.url
        secret = workspace.receiver_secrets().current
        msg = new_id("msg")
        bodies = [
            b'{"type":"code.created","data":{"id":"cus_123","plan":"pro"}}',
            b'{"type":"code.created","data":{"id":"cus_123","plan":"team","seats":3}}',
        ]
        import httpx

        async with httpx.AsyncClient() as client:
            for body in bodies:  # the same webhook-id twice: a retry, as a consumer sees one
                headers = {"content-type": "application/json", "x-team": "growth"}
                headers.update(sign_headers([secret], msg, int(time.time()), body))
                await client.post(url + "/hooks", content=body, headers=headers)
        await post_signed(url, workspace, body=b'{"type":"page.published","data":{"id":"pg_9"}}')
        inbox = app.view("inbox")
        await until(pilot, lambda: len(inbox.model) == 3)
        assert [inbox.model.row(i).duplicate for i in range(3)] == [False, True, False]

        await pilot.press("down")  # the duplicate
        await until(pilot, lambda: "seen 2 times" in _overview(app), what="flagged in the detail")
        dup_id = inbox.list.highlighted_id
        await pilot.press("f")
        await until(pilot, lambda: inbox.list.highlighted_id != dup_id, what="jumped to the first")
        assert workspace.store.get_capture(inbox.list.highlighted_id).webhook_id == msg

        await pilot.press("v", "v", "v", "v")  # all -> valid -> invalid -> unsigned -> duplicates
        await until(pilot, lambda: len(inbox.model) == 1 and inbox.model.row(0).id == dup_id)
        await pilot.press("v")

        box = app.view("inbox").query_one("#inbox-filter", Input)
        for query, expected in [
            ('body:"cus_123"', 2),
            ("seats", 1),  # a free word found in a body
            ("header:x-team=growth", 2),
            ("type:code.* status:2xx", 2),
            ("type:page.*", 1),
            ("growth type:page.*", 0),
            ("is:duplicate", 1),
        ]:
            box.value = query
            await until(pilot, lambda e=expected: len(inbox.model) == e, what=query)
        box.value = ""
        await until(pilot, lambda: len(inbox.model) == 3)

        inbox.list.focus()
        await pilot.press("home", "down", "m", "down", "m")  # mark the duplicate, diff with the first
        await until(pilot, lambda: isinstance(app.screen, DiffScreen), what="diff shown")
        text = str(app.screen.query_one("#diff-text").content)
        assert "$.data.plan" in text and "team" in text and "pro" in text and "$.data.seats" in text
        assert "webhook-signature" in text  # the headers differ in their signature
        await pilot.press("escape")
        await app.action_quit()
