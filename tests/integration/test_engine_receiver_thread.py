"""An engine whose receiver runs on its own thread and loop (``receiver_thread=True``, the TUI's
choice): a burst of real signed requests is stored and each answer comes after its commit; events
come from the receiver's thread; settings changed on the engine's loop reach the receiver at once; a
``fail:N`` policy counts down exactly N and is recorded; forwarding works; stop ends the thread and
closes the port."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import httpx

from hookdev.engine import Engine
from hookdev.events import RequestCaptured
from hookdev.options import EngineOptions
from hookdev.signing.standard import sign_headers
from hookdev.workspace import Workspace
from tests.conftest import wait_for
from tests.tui.conftest import serve, stand_in_app

BODY = b'{"type":"code.scanned","data":{"n":1}}'


def _signed(workspace: Workspace, i: int) -> dict[str, str]:
    headers = sign_headers([workspace.receiver_secrets().current], f"msg_t{i:06d}", int(time.time()), BODY)
    headers["content-type"] = "application/json"
    return headers


async def test_a_burst_on_the_receiver_thread_is_stored_before_each_answer(workspace: Workspace) -> None:
    engine = Engine(workspace, EngineOptions(port=0, dispatch=False), receiver_thread=True)
    seen: list[tuple[str, int]] = []
    engine.bus.subscribe(
        lambda e: (
            seen.append((e.capture.id, threading.get_ident())) if isinstance(e, RequestCaptured) else None
        )
    )
    await engine.start()
    try:
        assert engine.receiver_thread is not None and engine.receiver_thread.running
        receiver_ident = engine.receiver_thread.thread_id
        stored_at_answer: list[bool] = []
        limits = httpx.Limits(max_connections=16)
        async with httpx.AsyncClient(timeout=60, limits=limits) as client:

            async def one(i: int) -> str:
                r = await client.post(engine.url + "/hooks", content=BODY, headers=_signed(workspace, i))
                assert r.status_code == 200, r.text
                capture_id: str = r.json()["id"]
                # committed before answered: the row is there the moment the answer is
                stored_at_answer.append(workspace.store.get_capture(capture_id) is not None)
                return capture_id

            ids = await asyncio.gather(*(one(i) for i in range(200)))
        assert all(stored_at_answer) and len(set(ids)) == 200
        stored = {c.id for c in workspace.store.list_captures(limit=None, include_body=False)}
        assert set(ids) <= stored
        await wait_for(lambda: len(seen) == 200)
        assert {i for i, _ in seen} == set(ids)
        assert {t for _, t in seen} == {receiver_ident} != {threading.get_ident()}
    finally:
        await engine.stop()
    assert not engine.receiver_thread.running
    assert not [t for t in threading.enumerate() if t.name == "hookdev-receiver"]
    async with httpx.AsyncClient(timeout=5) as client:  # the port is closed
        try:
            await client.get(engine.url + "/")
        except httpx.ConnectError:
            pass
        else:
            raise AssertionError("the receiver still answers after stop")


async def test_settings_reach_the_receiver_thread_and_fail_n_counts_down_exactly(
    workspace: Workspace,
) -> None:
    engine = Engine(workspace, EngineOptions(port=0, dispatch=False), receiver_thread=True)
    changes: list[Any] = []
    engine.bus.subscribe(lambda e: changes.append(e) if type(e).__name__ == "SettingsChanged" else None)
    await engine.start()
    try:
        async with httpx.AsyncClient(timeout=30) as client:

            async def post(i: int) -> int:
                r = await client.post(engine.url + "/x", content=BODY, headers=_signed(workspace, i))
                return r.status_code

            engine.set_respond("status:503")  # changed on the engine's loop: the next request sees it
            assert await post(0) == 503
            engine.set_respond("fail:3:500")
            codes = [await post(i) for i in range(1, 6)]
            assert codes == [500, 500, 500, 200, 200]
            # the countdown is recorded as a runtime change (on the engine's loop), ending at normal
            await wait_for(lambda: engine.settings.respond.mode == "normal")
            assert engine.receiver_options.respond.mode == "normal"
            counted = [c.settings.respond for c in changes if "respond" in c.changed]
            assert counted[-1].mode == "normal"

            engine.set_respond("fail:5:500")
            assert await post(10) == 500
            await wait_for(lambda: engine.settings.respond.count == 4)
            engine.change(tolerance=120.0)  # another change keeps the receiver's countdown
            assert engine.receiver_options.respond.count == 4 and engine.receiver_options.tolerance == 120.0
            engine.set_respond("normal")

            async with serve(stand_in_app(status=202)) as app_url:
                engine.set_forwarding(app_url)  # forwarded from the receiver's thread, answered by the app
                r = await client.post(engine.url + "/fwd", content=BODY, headers=_signed(workspace, 20))
                assert r.status_code == 202 and r.json() == {"app": "got it", "bytes": len(BODY)}
                capture = next(c for c in workspace.store.list_captures(limit=5) if c.path == "/fwd")
                assert capture.forward_status == 202
                engine.set_forwarding(None)
    finally:
        await engine.stop()
    assert not [t for t in threading.enumerate() if t.name == "hookdev-receiver"]
