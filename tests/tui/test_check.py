"""Endpoints → Check (c): the battery runs against the selected endpoint with a live scorecard, and
enter on a check shows its delivery in Deliveries."""

from __future__ import annotations

from textual.widgets import TabbedContent

from hookdev.options import EngineOptions
from hookdev.sender import Sender
from hookdev.tui.app import HookdevApp
from hookdev.tui.screens.check_run import CheckScreen
from hookdev.tui.widgets.scorecard import Scorecard
from tests.support.consumers import Flaws, consumer_app
from tests.tui.conftest import SIZE, serve, started, until


async def test_check_action_fills_the_scorecard_and_links_to_deliveries(workspace) -> None:
    sender = Sender(workspace)
    endpoint = sender.add_endpoint("http://127.0.0.1:9/placeholder")
    assert endpoint.secret is not None
    consumer, _ = consumer_app(endpoint.secret, Flaws(check_timestamp=False))  # ignores timestamps
    async with serve(consumer) as base:
        sender.update_endpoint(endpoint.id, url=base + "/hooks")
        app = HookdevApp(workspace, EngineOptions(port=0, dispatch=False))
        async with app.run_test(size=SIZE) as pilot:
            await started(app, pilot)
            await pilot.press("3")
            view = app.view("endpoints")
            await until(
                pilot, lambda: endpoint.id in [r.value for r in view.query_one("#endpoints-table").rows]
            )
            view.selected_id = endpoint.id
            view.query_one("#endpoints-table").move_cursor(
                row=[r.value for r in view.query_one("#endpoints-table").rows].index(endpoint.id)
            )
            await pilot.pause()
            await pilot.press("c")
            await until(pilot, lambda: isinstance(app.screen, CheckScreen), what="scorecard open")
            screen = app.screen
            await until(pilot, lambda: screen.run_result is not None, what="battery finished")
            card = screen.query_one(Scorecard)
            verdicts = {k: r.verdict for k, r in card.results.items()}
            assert verdicts["stale"] == verdicts["future"] == "fail"
            assert {k for k, v in verdicts.items() if v != "pass"} == {"stale", "future"}
            summary = str(screen.query_one("#check-summary").content)
            assert "FAILED" in summary and "failed: stale, future" in summary
            # the run is recorded like the CLI's
            (run,) = workspace.store.list_check_runs()
            assert run["endpoint_id"] == endpoint.id and run["verdict"] == "fail"
            # enter on `stale` shows its delivery in Deliveries
            card.move_cursor(row=list(card.results).index("stale"))
            await pilot.pause()
            stale_message = card.results["stale"].exchanges[0].message_id
            await pilot.press("enter")
            await until(pilot, lambda: not isinstance(app.screen, CheckScreen), what="scorecard closed")
            await until(pilot, lambda: app.query_one("#views", TabbedContent).active == "tab-deliveries")
            deliveries = app.view("deliveries")
            await until(pilot, lambda: deliveries.selected_id == stale_message, what="delivery selected")
            await until(
                pilot, lambda: "check stale" in _timeline(deliveries), what="timeline shows the check"
            )
            assert "timestamp 1 h behind" in _timeline(deliveries)


async def test_check_is_in_the_command_palette(workspace) -> None:
    app = HookdevApp(workspace, EngineOptions(port=0, dispatch=False), start_engine=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Endpoints: Check" in titles


def _timeline(view) -> str:
    return view.timeline(
        view.ctx.store.get_message(view.selected_id), view.ctx.store.message_attempts([view.selected_id])
    ).plain
