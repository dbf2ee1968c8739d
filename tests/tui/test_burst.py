"""Responsive under a flood: the TUI's receiver runs on its own thread, every capture of a burst of real
signed requests reaches the inbox list while keys are pressed (none twice, the oldest reachable
with End), the status bar and the verdict counts catch up, and quitting ends the thread.

Latency figures are the benchmark's (``python -m tests.perf tui``); nothing here is timed."""

from __future__ import annotations

import asyncio
import gc
import threading
import time

import httpx

from hookdev.options import EngineOptions
from hookdev.signing.standard import sign_headers
from hookdev.tui.app import HookdevApp
from tests.tui.conftest import SIZE, post_signed, started, until

BURST = 300
BODY = b'{"type":"code.scanned","data":{"code_id":"code_1"}}'


async def test_every_capture_of_a_burst_reaches_the_list_while_keys_are_pressed(workspace) -> None:
    app = HookdevApp(workspace, EngineOptions(port=0, dispatch=False))
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        thread = app.engine.receiver_thread
        assert thread is not None and thread.running and thread.thread_id != threading.get_ident()
        inbox = app.view("inbox")
        secret = workspace.receiver_secrets().current
        answered: list[str] = []

        async def fire() -> None:
            limits = httpx.Limits(max_connections=32)
            async with httpx.AsyncClient(timeout=60, limits=limits) as client:
                sem = asyncio.Semaphore(32)

                async def one(i: int) -> None:
                    headers = sign_headers([secret], f"msg_burst{i:05d}", int(time.time()), BODY)
                    async with sem:
                        r = await client.post(app.engine.url + f"/burst/{i}", content=BODY, headers=headers)
                    assert r.status_code == 200, r.text
                    answered.append(r.json()["id"])

                await asyncio.gather(*(one(i) for i in range(BURST)))

        load = asyncio.create_task(fire())
        keys = 0
        while not load.done():  # the app keeps taking keys while the flood pours in
            await pilot.press("down" if keys % 2 == 0 else "up")
            keys += 1
        await load
        assert keys > 0 and len(set(answered)) == BURST

        await until(pilot, lambda: len(inbox.model) == BURST, timeout=60, what="every capture listed")
        stored = workspace.store.list_captures(limit=None, include_body=False)
        listed = [row.id for row in (inbox.model.row(i) for i in range(BURST)) if row is not None]
        assert len(listed) == BURST == len(set(listed))
        assert set(listed) == {c.id for c in stored} == set(answered)
        await pilot.press("end")
        assert inbox.list.cursor == BURST - 1 and inbox.list.highlighted_id == listed[-1]
        await pilot.press("home")
        assert inbox.list.highlighted_id == listed[0]

        await until(pilot, lambda: app.status.captures == BURST, what="status bar count")
        await until(pilot, lambda: inbox._counts.get("valid") == BURST, what="verdict counts")
        await app.action_quit()
    assert not thread.running
    assert not [t for t in threading.enumerate() if t.name == "hookdev-receiver"]
    assert gc.isenabled()  # paused full collections (while a flood lasts) resume when the app ends


def _list_lines(app: HookdevApp) -> list[str]:
    """The inbox rows as the screen shows them (the compositor's lines, without the scrollbar)."""
    region = app.view("inbox").list.scrollable_content_region
    strips = app.screen._compositor.render_strips()
    return [
        "".join(segment.text for segment in strips[y].crop(region.x, region.right))
        for y in range(region.y, region.bottom)
    ]


async def test_arrivals_leave_the_rows_on_screen_in_place_when_not_following(workspace) -> None:
    """Away from the top, new captures scroll the view instead of pushing the rows down: the screen keeps
    the same rows in the same places, exactly as a full redraw would draw them."""
    app = HookdevApp(workspace, EngineOptions(port=0, dispatch=False))
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        inbox = app.view("inbox")
        for i in range(30):
            await post_signed(app.engine.url, workspace, path=f"/first/{i}")
        await until(pilot, lambda: len(inbox.model) == 30, what="first captures listed")
        await pilot.press("down", "down", "down")
        await pilot.pause()
        chosen, before = inbox.list.highlighted_id, _list_lines(app)
        assert any("/first/26" in line for line in before)  # the cursor's row (newest first)
        for i in range(12):
            await post_signed(app.engine.url, workspace, path=f"/later/{i}")
        await until(pilot, lambda: len(inbox.model) == 42, what="later captures listed")
        await pilot.pause()
        after = _list_lines(app)
        assert inbox.list.highlighted_id == chosen and inbox.list.cursor == 15
        assert after == before  # nothing moved on screen
        inbox.list.refresh()  # what a full redraw draws is what was shown
        await pilot.pause()
        assert _list_lines(app) == after
        await pilot.press("home")  # back on top: following again, the newest first
        await pilot.pause()
        assert "/later/11" in _list_lines(app)[1]
        await app.action_quit()


async def test_a_fail_n_countdown_on_the_receiver_thread_reaches_the_status_bar(workspace) -> None:
    """The receiver counts ``fail:N`` down on its own thread; the engine records each step on the app's
    loop, and the status bar follows without a subscriber failing."""
    app = HookdevApp(workspace, EngineOptions(port=0, dispatch=False))
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        app.engine.set_respond("fail:2:503")
        await until(pilot, lambda: app.status.answer == "fail", what="status bar shows the answer mode")
        codes = [(await post_signed(app.engine.url, workspace, path=f"/n/{i}")).status_code for i in range(3)]
        assert codes == [503, 503, 200]
        await until(pilot, lambda: app.status.answer == "normal", what="the countdown reaches the status bar")
        assert app.engine.settings.respond.mode == "normal"
        failures = [e.text for e in app.log_panel.entries if "failed on" in e.text]
        assert not failures, failures
        await app.action_quit()
