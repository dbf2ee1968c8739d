"""Endpoints: add and edit through the form, rotate, replay, recover, disable/enable, delete."""

from __future__ import annotations

from textual.widgets import Input, TextArea

from hookdev.options import EngineOptions
from hookdev.receiver import RespondPolicy
from hookdev.tui.app import HookdevApp
from hookdev.tui.screens.confirm import ConfirmScreen
from hookdev.tui.screens.endpoint_form import EndpointFormScreen
from hookdev.tui.screens.prompt import PromptScreen
from tests.tui.conftest import SIZE, started, until


async def _fill(app: HookdevApp, pilot, **values: str) -> None:
    screen = app.screen
    for name, value in values.items():
        if name == "headers":
            screen.query_one("#form-headers", TextArea).load_text(value)
        else:
            screen.query_one(f"#form-{name}", Input).value = value
    await pilot.press("ctrl+s")


async def test_add_edit_rotate_disable_delete(workspace) -> None:
    app = HookdevApp(workspace, EngineOptions(port=0))
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        store = workspace.store
        await pilot.press("3", "a")
        await until(pilot, lambda: isinstance(app.screen, EndpointFormScreen))
        await _fill(app, pilot, url="http://example.com/hooks")  # plain http off loopback: refused
        assert isinstance(app.screen, EndpointFormScreen)
        assert "https" in str(app.screen.query_one("#form-error").content)
        await _fill(app, pilot, url="https://example.com/hooks", events="code.created, code.scanned")
        await until(pilot, lambda: not isinstance(app.screen, EndpointFormScreen), what="form closed")
        (added,) = [e for e in store.list_endpoints() if e.id != "ep_local"]
        assert added.url == "https://example.com/hooks" and added.events == ["code.created", "code.scanned"]
        view = app.view("endpoints")
        await until(pilot, lambda: view.selected_id == added.id)

        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, EndpointFormScreen))
        await _fill(app, pilot, rate_limit="5", headers="X-Env: test\nAuthorization: Bearer hunter2")
        await until(pilot, lambda: store.get_endpoint(added.id).rate_limit == 5.0)
        assert ("Authorization", "Bearer hunter2") in store.get_endpoint(added.id).headers
        shown = str(view.query_one("#endpoint-settings").content)
        assert "hunter2" not in shown and "Authorization: Bearer ••••" in shown
        await pilot.press("e")  # the masked value left as it is keeps the stored one
        await until(pilot, lambda: isinstance(app.screen, EndpointFormScreen))
        assert "hunter2" not in app.screen.query_one("#form-headers", TextArea).text
        await _fill(app, pilot, description="partner")
        await until(pilot, lambda: store.get_endpoint(added.id).description == "partner")
        assert ("Authorization", "Bearer hunter2") in store.get_endpoint(added.id).headers

        old_secret = store.get_endpoint(added.id).secret
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press("enter")  # default grace 24h
        await until(pilot, lambda: store.get_endpoint(added.id).secret != old_secret, what="rotated")
        assert [s for s, _ in store.get_endpoint(added.id).old_secrets] == [old_secret]

        await pilot.press("o")
        assert store.get_endpoint(added.id).disabled is True
        await pilot.press("o")
        assert store.get_endpoint(added.id).disabled is False

        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: store.get_endpoint(added.id) is None, what="deleted")
        await app.action_quit()


async def test_replay_an_attempt(workspace) -> None:
    app = HookdevApp(workspace, EngineOptions(port=0))
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        store = workspace.store
        await pilot.press("t")
        await until(pilot, lambda: [a.status for a in store.list_attempts(limit=None)] == ["success"])
        await pilot.press("3")
        view = app.view("endpoints")
        await until(pilot, lambda: view.selected_attempt_id() is not None, what="attempt log")
        await pilot.press("p")
        await until(
            pilot,
            lambda: (
                sorted((a.number, a.trigger, a.status) for a in store.list_attempts(limit=None))
                == [(1, "scheduled", "success"), (2, "manual", "success")]
            ),
            what="replayed",
        )
        await until(pilot, lambda: store.count_captures() == 2)
        await app.action_quit()


async def test_recover_failed_messages(workspace) -> None:
    app = HookdevApp(workspace, EngineOptions(port=0))
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        store = workspace.store
        app.engine.set_respond(RespondPolicy("status", status=500))
        await pilot.press("t")
        await until(pilot, lambda: any(a.status == "failed" for a in store.list_attempts(limit=None)))
        app.engine.set_respond(RespondPolicy())
        await pilot.press("3")
        await until(pilot, lambda: app.view("endpoints").selected_id == "ep_local")
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press("enter")  # since 1h
        await until(
            pilot,
            lambda: any(
                a.trigger == "manual" and a.status == "success" for a in store.list_attempts(limit=None)
            ),
            what="recovered",
        )
        await app.action_quit()
