"""The app as a whole: a busy port is a message not a crash, ctrl+q closes the socket, help and the
command palette list every action, and the small 80x24 layout works (and follows a resize)."""

from __future__ import annotations

import asyncio
import socket

import pytest

from hookdev.options import EngineOptions
from hookdev.tui.app import VIEWS, HookdevApp
from hookdev.tui.screens.help import HelpScreen
from tests.tui.conftest import SIZE, post_signed, started, until


async def test_port_in_use_shows_a_banner_and_stays_usable(workspace) -> None:
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    port = blocker.getsockname()[1]
    try:
        app = HookdevApp(workspace, EngineOptions(port=port))
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.status.state == "failed", what="start failure reported")
            banner = app.query_one("#banner")
            assert banner.display and "already in use" in str(banner.content)
            for key in "23451":
                await pilot.press(key)
            assert app.query_one("#views").active == "tab-inbox"
            await app.action_quit()
    finally:
        blocker.close()


async def test_ctrl_q_stops_the_engine_and_closes_the_socket(workspace) -> None:
    app = HookdevApp(workspace, EngineOptions(port=0))
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        url = app.engine.url
        assert (await post_signed(url, workspace)).status_code == 200
        port = int(url.rsplit(":", 1)[1])
        await pilot.press("ctrl+q")
    assert workspace.store.count_captures() == 1
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", port)


async def test_help_and_command_palette_list_every_action(workspace) -> None:
    app = HookdevApp(workspace, start_engine=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = str(app.screen.query_one("#help-keys").content)
        for _, view in VIEWS:
            for binding in view.BINDINGS:
                assert (binding.tooltip or binding.description) in text
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, HelpScreen))
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for _, view in VIEWS:
            for binding in view.BINDINGS:
                assert f"{view.TITLE}: {binding.description.rstrip('…')}" in titles
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Show Receiver")
        await command.callback()
        await pilot.pause()
        assert app.query_one("#views").active == "tab-receiver"
        await app.action_quit()


async def test_small_terminal_layout(workspace) -> None:
    app = HookdevApp(workspace, start_engine=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.has_class("narrow") and not app.query_one("#log").display
        for key in "12345":
            await pilot.press(key)
            await pilot.pause()
        await pilot.press("ctrl+l")
        assert app.query_one("#log").display
        await pilot.resize_terminal(120, 36)  # a terminal made bigger gets the wide layout
        assert not app.has_class("narrow") and app.query_one("#log").display
        await app.action_quit()


async def test_the_engine_stops_however_the_app_ends(workspace) -> None:
    """Not only ctrl+q: an app ended by ``exit()`` (an error, run_test's end) stops its receiver thread,
    which otherwise outlived it holding the port and the database (and leaked from test to test)."""
    app = HookdevApp(workspace, EngineOptions(port=0, dispatch=False))
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        thread = app.engine.receiver_thread
        assert thread is not None and thread.running
        app.exit()
    assert not thread.running
