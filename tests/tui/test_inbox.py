"""Inbox: live captures from a real receiver, the detail tabs, filters, copy as curl, verify again,
delete and clear."""

from __future__ import annotations

from hookdev.options import EngineOptions
from hookdev.signing.standard import generate_secret
from hookdev.tui.app import HookdevApp
from hookdev.tui.screens.confirm import ConfirmScreen
from hookdev.tui.screens.prompt import PromptScreen
from tests.tui.conftest import SIZE, post_signed, started, until


def _text(app: HookdevApp, key: str) -> str:
    return str(app.view("inbox").query_one(f"#detail-{key}-text").content)


async def test_receive_and_inspect(workspace) -> None:
    app = HookdevApp(workspace, EngineOptions(port=0))
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        response = await post_signed(
            app.engine.url, workspace, headers=[("authorization", "Bearer topsecret123")]
        )
        assert response.status_code == 200
        inbox = app.view("inbox")
        await until(pilot, lambda: len(inbox.model) == 1, what="capture listed")
        await until(pilot, lambda: inbox.detail.capture is not None, what="detail shown")
        overview = _text(app, "overview")
        assert "✓ valid" in overview and "receiver secret (current)" in overview
        assert "POST /webhooks" in overview
        await pilot.press("right")
        assert inbox.detail.tabs.active == "detail-headers"
        headers = _text(app, "headers")
        assert "topsecret123" not in headers and "authorization: Bearer ••••" in headers
        await pilot.press("right")
        assert '"type": "code.created"' in _text(app, "body")
        await pilot.press("b", "b")
        assert "7b 22 74 79" in _text(app, "body")  # hex of '{"ty'
        await pilot.press("right")
        assert "200" in _text(app, "response") and "by hookdev" in _text(app, "response")
        await app.action_quit()


async def test_filters_by_verdict_and_text(workspace) -> None:
    app = HookdevApp(workspace, EngineOptions(port=0))
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        url = app.engine.url
        await post_signed(url, workspace, path="/valid")
        assert (
            await post_signed(url, workspace, path="/invalid", secret=generate_secret())
        ).status_code == 401
        await post_signed(url, workspace, path="/unsigned", signed=False)
        inbox = app.view("inbox")
        await until(pilot, lambda: len(inbox.model) == 3, what="three captures")
        await pilot.press("v", "v")  # all -> valid -> invalid
        await until(pilot, lambda: len(inbox.model) == 1, what="invalid only")
        assert inbox.model.row(0).target == "/invalid"
        await pilot.press("v")  # unsigned
        await until(pilot, lambda: len(inbox.model) == 1 and inbox.model.row(0).target == "/unsigned")
        await pilot.press("v")  # duplicates (none: every webhook-id is new)
        await until(pilot, lambda: len(inbox.model) == 0)
        await pilot.press("v")  # all
        await until(pilot, lambda: len(inbox.model) == 3)
        await pilot.press("slash", *"valid")
        await until(pilot, lambda: len(inbox.model) == 2, what="text filter")  # /valid and /invalid
        await pilot.press("escape")
        await until(pilot, lambda: len(inbox.model) == 3, what="filter cleared")
        # a new capture that does not match an active filter stays out; one that matches comes in live
        await pilot.press("v")  # valid
        await until(pilot, lambda: len(inbox.model) == 1)
        await post_signed(url, workspace, path="/unsigned-2", signed=False)
        await post_signed(url, workspace, path="/valid-2")
        await until(pilot, lambda: len(inbox.model) == 2, what="live arrival filtered")
        assert {inbox.model.row(i).target for i in range(2)} == {"/valid", "/valid-2"}
        await app.action_quit()


async def test_copy_as_curl_to_clipboard_and_file(workspace) -> None:
    app = HookdevApp(workspace, EngineOptions(port=0))
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await post_signed(app.engine.url, workspace, headers=[("authorization", "Bearer topsecret123")])
        inbox = app.view("inbox")
        await until(pilot, lambda: inbox.list.highlighted_id is not None)
        await pilot.press("c")
        assert app.clipboard.startswith("printf %s ") and "curl" in app.clipboard
        assert "topsecret123" not in app.clipboard
        saved = workspace.home / "exports" / f"{inbox.list.highlighted_id}.curl.sh"
        assert saved.read_text() == app.clipboard
        await app.action_quit()


async def test_verify_again_with_another_secret(workspace) -> None:
    other = generate_secret()
    app = HookdevApp(workspace, EngineOptions(port=0))
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await post_signed(
            app.engine.url, workspace, secret=other
        )  # signed with a secret hookdev does not know
        inbox = app.view("inbox")
        await until(pilot, lambda: inbox.list.highlighted_id is not None)
        capture_id = inbox.list.highlighted_id
        assert workspace.store.get_capture(capture_id).verified is False
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen))
        app.screen.query_one("#field-secret").value = other
        await pilot.press("enter", "enter")  # next field, then submit
        await until(
            pilot, lambda: workspace.store.get_capture(capture_id).verified is True, what="re-verified"
        )
        assert "the secret entered in the TUI" in _text(app, "overview")
        assert inbox.model.row(0).verified is True
        await app.action_quit()


async def test_delete_and_clear(workspace) -> None:
    app = HookdevApp(workspace, EngineOptions(port=0))
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        for i in range(3):
            await post_signed(app.engine.url, workspace, path=f"/n{i}")
        inbox = app.view("inbox")
        await until(pilot, lambda: len(inbox.model) == 3)
        await pilot.press("d")
        assert workspace.store.count_captures() == 2 and len(inbox.model) == 2
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        assert workspace.store.count_captures() == 2
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: workspace.store.count_captures() == 0, what="cleared")
        assert len(inbox.model) == 0
        await app.action_quit()


async def test_captured_terminal_controls_are_drawn_escaped(workspace) -> None:
    """A request whose path, headers and body hold ESC/OSC/C1/bidi characters: the list row and the
    detail tabs show them as visible escapes, never raw (issue 10)."""
    import httpx

    app = HookdevApp(workspace, EngineOptions(port=0))
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        async with httpx.AsyncClient() as client:
            await client.post(
                app.engine.url + "/x%1b",
                content='{"a": "\x9b31m\u202eevil"}\x1b]0;t\x07'.encode(),
                headers={"x-title": "\x1b]0;pwned\x07".encode("latin-1")},
            )
        inbox = app.view("inbox")
        await until(pilot, lambda: len(inbox.model) == 1, what="capture listed")
        await until(pilot, lambda: inbox.detail.capture is not None, what="detail shown")
        row = "".join(seg.text for seg in inbox.query_one("CaptureList").render_line(1))
        texts = [row, _text(app, "overview")]
        await pilot.press("right")
        texts.append(_text(app, "headers"))
        await pilot.press("right")
        texts.append(_text(app, "body"))
        for text in texts:
            for raw in ("\x1b", "\x07", "\x9b", "\u202e"):
                assert raw not in text, (raw, text)
        assert "\\x1b]0;pwned\\x07" in texts[2]
        assert "\\u202eevil" in texts[3]
        await app.action_quit()
