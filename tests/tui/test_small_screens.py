"""80x24 and the small things: escape leaves a field, digits then switch views, dialogs' buttons stay
reachable, the Receiver view says it scrolls, the hex view fills the width, the Screenshot command
writes where it can. Over the frozen demo workspace (no port bound), so these are quick."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual.widgets import Button, Input, TabbedContent

from hookdev.tui.commands import screenshot_directory
from hookdev.tui.screens.endpoint_form import EndpointFormScreen
from hookdev.tui.screens.prompt import PromptScreen
from hookdev.tui.screenshots import demo_app
from hookdev.tui.widgets.capture_detail import hex_columns, hex_dump
from tests.tui.conftest import until


def _inside(app, widget) -> bool:
    region = widget.region
    return region.height > 0 and region.bottom <= app.size.height and region.right <= app.size.width


async def test_escape_leaves_a_number_field_and_digits_switch_views_again(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("5")
        count = app.view("receiver").query_one("#param-count", Input)
        count.value = "3"
        count.focus()
        await pilot.pause()
        await pilot.press("end", "1")  # typed into the field, not a view switch
        assert count.value == "31"
        assert app.query_one("#views", TabbedContent).active == "tab-receiver"
        await pilot.press("escape")
        assert not count.has_focus
        await pilot.press("1")  # now a view switch, and the value is untouched
        assert app.query_one("#views", TabbedContent).active == "tab-inbox"
        assert count.value == "31"
    app.ctx.workspace.close()


async def test_escape_in_the_inbox_filter_clears_it(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        inbox = app.view("inbox")
        total = len(inbox.model)
        await pilot.press("slash", *"nothing-like-this")
        await until(pilot, lambda: len(inbox.model) == 0, what="filtered to nothing")
        hint = "".join(text for text, _ in inbox.list.empty_hint)
        assert "No requests match the filter" in hint and "No requests yet" not in hint
        await pilot.press("escape")
        await until(pilot, lambda: len(inbox.model) == total, what="filter cleared")
        assert inbox.list.has_focus
    app.ctx.workspace.close()


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_endpoint_form_buttons_are_reachable(tmp_path: Path, size: tuple[int, int]) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press("3", "e")
        await until(pilot, lambda: isinstance(app.screen, EndpointFormScreen), what="form open")
        await pilot.pause()
        assert _inside(app, app.screen.query_one("#save", Button))
        assert _inside(app, app.screen.query_one("#cancel", Button))
        await pilot.press("escape")
        await pilot.press("1", "r")  # a prompt with a message and two fields
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="prompt open")
        await pilot.pause()
        assert _inside(app, app.screen.query_one("#submit", Button))
    app.ctx.workspace.close()


async def test_receiver_view_says_it_scrolls_at_80x24(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("5")
        receiver = app.view("receiver")
        more = receiver.query_one("#receiver-more")
        await until(pilot, lambda: more.display, what="the hint shows")
        receiver.scroll_end(animate=False, immediate=True)
        await until(pilot, lambda: not more.display, what="the hint goes at the bottom")
    app.ctx.workspace.close()


def test_hex_dump_fills_the_width() -> None:
    assert hex_columns(None) == 16
    assert hex_columns(46) == 8  # what used to wrap
    assert hex_columns(140) == 32
    line = hex_dump(bytes(range(64)), per_line=hex_columns(76)).splitlines()[0]
    assert len(line) <= 76 and line.count(" ") >= 16


async def test_hex_body_uses_the_detail_width(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("b", "b")  # pretty -> raw -> hex
        view = app.view("inbox").query_one("#detail-body-text")
        width = view.scrollable_content_region.width

        def widest() -> int:
            return max(len(line) for line in str(view.content).splitlines())

        await until(pilot, lambda: "00000000" in str(view.content), what="hex shown")
        await until(pilot, lambda: widest() > width - 16, what="hex filling the width")
        assert widest() <= width
    app.ctx.workspace.close()


def test_screenshot_directory_falls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = screenshot_directory(tmp_path / "new" / "Downloads")  # created when missing
    assert made == tmp_path / "new" / "Downloads" and made.is_dir()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.chdir(tmp_path)
    assert screenshot_directory(blocker / "Downloads") == Path(os.getcwd())  # cannot be made: cwd


async def test_screenshot_command_writes_and_says_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEXTUAL_SCREENSHOT_LOCATION", str(tmp_path / "shots" / "missing"))
    app = demo_app(tmp_path / "ws")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Screenshot")
        command.callback()
        folder = tmp_path / "shots" / "missing"
        await until(pilot, lambda: folder.is_dir() and list(folder.glob("*.svg")), what="screenshot saved")
        await until(
            pilot,
            lambda: any(str(folder) in str(n.message) for n in app._notifications),
            what="a toast naming the folder",
        )
    app.ctx.workspace.close()


async def test_attempt_detail_from_deliveries_and_the_endpoint_log(tmp_path: Path) -> None:
    from hookdev.tui.screens.attempt_detail import AttemptDetailScreen

    app = demo_app(tmp_path)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press(
            "4", "down"
        )  # msg_…01: 200 from ep_local, 500 and 503 from the partner, a retry due
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, AttemptDetailScreen), what="attempt opened")

        def text() -> str:
            return str(app.screen.query_one("#attempt-text").content)

        assert "pending" in text() and "(not sent yet)" in text()
        await pilot.press("left_square_bracket")  # the 503 before it
        await until(pilot, lambda: "503" in text() and "upstream unavailable" in text())
        shown = text()
        assert "POST https://api.partner.example/webhooks/qr" in shown and "webhook-signature: v1," in shown
        assert "Authorization: Bearer ••••" in shown and "pk_stage" not in shown
        assert "92 ms" in shown and '"type": "code.created"' in shown
        await pilot.press("b", "b")  # hex
        await until(pilot, lambda: "00000000  7b" in text(), what="hex body")
        await pilot.press("c")
        assert (
            app.clipboard.startswith("printf %s ")
            and "https://api.partner.example/webhooks/qr" in app.clipboard
        )
        assert "pk_stage" not in app.clipboard and "HOOKDEV_AUTHORIZATION" in app.clipboard
        await pilot.press("escape")

        await pilot.press("3")  # the partner endpoint's attempt log: enter opens one, with its long note
        await pilot.pause()
        app.view("endpoints").query_one("#attempts-table").focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, AttemptDetailScreen), what="opened from the log")
        await pilot.press("escape")
    app.ctx.workspace.close()


def test_diff_shows_hostile_bytes_escaped() -> None:
    from hookdev.json_diff import diff_captures
    from hookdev.models import Capture
    from hookdev.tui.screens.diff import diff_content

    def cap(i: int, body: bytes, path: str) -> Capture:
        return Capture(f"req_{i:012d}", 0.0, "POST", path, "", [("x-note", f"v{i}\x1b[2J")], body, len(body))

    a = cap(1, b'{"k\\u001b]0;owned\\u0007": 1, "n": "a"}', "/x\x1b[31m")
    b = cap(2, b'{"n": "b\\u202e"}', "/y")
    text = diff_content(diff_captures(a, b)).plain
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    assert "\\x1b" in text and "\\u202e" in text
