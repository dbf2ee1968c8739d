"""`--resend-on-change` does what it says (issue 12): a burst of saves is one resend, and only a message
of a catalog event type is ever resent (never an operational webhook). Real files, the real watcher."""

from __future__ import annotations

import asyncio
from pathlib import Path

from hookdev.config import load_config
from hookdev.engine import Engine
from hookdev.events import LogLine, StatusChanged
from hookdev.options import EngineOptions
from tests.conftest import wait_for
from tests.integration.test_devloop import resend_watcher_live


async def test_a_burst_of_saves_resends_once_and_never_an_operational_event(
    workspace, tmp_path: Path
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    handler, other, warm = src / "handler.py", src / "other.py", src / "warm.py"
    handler.write_text("x = 1\n")
    config_path = tmp_path / "hookdev.toml"
    config_path.write_text("", encoding="utf-8")
    options = EngineOptions(
        port=0,
        dispatch=False,
        config_path=config_path,
        config=load_config(config_path),
        resend_on_change=[src],
        resend_mode="new",
    )
    engine = Engine(workspace, options)
    events: list[object] = []
    engine.bus.subscribe(events.append)
    await engine.start()
    try:
        # the ready output names the workspace (the TUI's log panel and `listen` show it)
        assert any(
            isinstance(e, LogLine) and e.text.startswith(f"workspace {workspace.home} (") for e in events
        )
        engine.sender.send("code.scanned")

        def resends() -> list[str]:
            return [
                e.text
                for e in events
                if isinstance(e, StatusChanged) and e.topic == "watcher" and "re-sent" in e.text
            ]

        # The watcher is running once a save is seen (it starts in the background). A save is written
        # again only when the last one was surely missed (no resend in 10 s, 10x the settle time): a
        # quicker retry on a loaded machine made a second warm-up resend arrive during the checks below.
        await resend_watcher_live(events)
        for i in range(6):
            warm.write_text(f"w = {i}\n")
            try:
                await wait_for(lambda: resends(), timeout=10)
                break
            except AssertionError:
                continue
        await wait_for(lambda: resends(), timeout=5)
        # An operational webhook sent since: the newest message, yet never the one resent.
        engine.sender.send_operational(
            "message.attempt.exhausted", {"message_id": "msg_x", "endpoint_id": "ep_x"}, "ep_local"
        )
        assert workspace.store.list_messages(limit=1)[0].event_type == "message.attempt.exhausted"
        events.clear()

        for i in range(5):  # five saves in about a second, as an editor and a formatter make them
            handler.write_text(f"x = {i + 2}\n")
            await asyncio.sleep(0.2)
        await wait_for(lambda: any("handler.py" in t for t in resends()), timeout=15)
        other.write_text("y = 1\n")  # a later, separate change: its own resend
        await wait_for(lambda: any("other.py" in t for t in resends()), timeout=15)
        texts = [t for t in resends() if not t.startswith("warm.py")]  # a late warm-up resend is not ours
        assert len(texts) == 2, texts
        assert texts[0].startswith("handler.py changed: re-sent code.scanned as msg_"), texts
        assert texts[1].startswith("other.py changed: re-sent code.scanned as msg_"), texts
        assert not any(isinstance(e, StatusChanged) and not e.ok and e.topic == "watcher" for e in events)
    finally:
        await engine.stop()
