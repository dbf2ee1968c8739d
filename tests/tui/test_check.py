"""Endpoints → Check (c): the battery runs against the selected endpoint with a live scorecard, and
enter on a check shows its delivery in Deliveries."""

from __future__ import annotations

import shlex

from textual.widgets import TabbedContent

from hookdev.options import EngineOptions
from hookdev.sender import Sender
from hookdev.tui.app import HookdevApp
from hookdev.tui.screens.check_options import CheckOptionsScreen
from hookdev.tui.screens.check_run import CheckScreen
from hookdev.tui.widgets.scorecard import Scorecard
from tests.integration.test_check import untimed
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
            await until(pilot, lambda: isinstance(app.screen, CheckOptionsScreen), what="options open")
            await pilot.pause()
            await pilot.press("enter")  # the defaults: the endpoint's scheme, the whole battery
            await until(pilot, lambda: isinstance(app.screen, CheckScreen), what="scorecard open")
            screen = app.screen
            await until(pilot, lambda: screen.run_result is not None, what="battery finished")
            card = screen.query_one(Scorecard)
            verdicts = untimed({k: r.verdict for k, r in card.results.items()})
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


async def test_the_options_dialog_overrides_scheme_checks_timeout_and_probe(workspace, tmp_path) -> None:
    """The dialog before a run: defaults filled in; a bad value is refused in place; the run uses what
    was chosen (scheme, only, probe), as `hookdev check --scheme --only --probe` would."""
    sender = Sender(workspace)
    secret = "whsec_" + "s" * 32
    endpoint = sender.add_endpoint("http://127.0.0.1:9/placeholder", secret=secret)
    consumer, state = consumer_app(secret)
    count = tmp_path / "count.txt"
    count.write_text("0")
    async with serve(consumer) as base:
        sender.update_endpoint(endpoint.id, url=base + "/hooks")
        app = HookdevApp(workspace, EngineOptions(port=0, dispatch=False))
        async with app.run_test(size=(80, 24)) as pilot:
            await started(app, pilot)
            await pilot.press("3")
            view = app.view("endpoints")
            table = view.query_one("#endpoints-table")
            await until(pilot, lambda: endpoint.id in [r.value for r in table.rows])
            table.move_cursor(row=[r.value for r in table.rows].index(endpoint.id))
            await pilot.pause()
            await pilot.press("c")
            dialog = await until(
                pilot, lambda: isinstance(app.screen, CheckOptionsScreen) and app.screen, what="options open"
            )
            await pilot.pause()
            values = dialog.values()
            assert values["scheme"] == "standard" and values["timeout"] == "15"
            assert values["event"] == workspace_first_type(app)
            dialog.query_one("#field-only").value = "valid,nope"
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is dialog  # refused in place, with the reason under the field
            assert "unknown check 'nope'" in str(dialog.query_one("#error-only").content)
            dialog.query_one("#field-only").value = "valid,stale,duplicate"
            dialog.query_one("#field-scheme").value = "stripe"
            dialog.query_one("#field-probe").value = f"cat {shlex.quote(str(count))}"
            await pilot.press("enter")
            screen = await until(
                pilot, lambda: isinstance(app.screen, CheckScreen) and app.screen, what="scorecard open"
            )
            await until(pilot, lambda: screen.run_result is not None, what="battery finished")
            run = screen.run_result
            assert run.scheme == "stripe" and run.probe == "command"
            assert [r.id for r in run.results] == ["valid", "stale", "duplicate"]
            assert "stripe" in str(screen.query_one("#check-title").content)
            # the consumer verifies Standard Webhooks only: Stripe-signed deliveries are all refused, so
            # the run really was signed in the chosen scheme
            assert {r.id: r.verdict for r in run.results} == {
                "valid": "fail",
                "stale": "pass",
                "duplicate": "fail",
            }
            attempts = workspace.store.list_attempts(endpoint_id=endpoint.id, limit=None)
            assert attempts and all(
                any(k.lower() == "stripe-signature" for k, _ in a.request_headers) for a in attempts
            )
    assert state.effects == 0


def workspace_first_type(app) -> str:
    return app.ctx.catalog.names()[0]


def _timeline(view) -> str:
    return view.timeline(
        view.ctx.store.get_message(view.selected_id), view.ctx.store.message_attempts([view.selected_id])
    ).plain


async def test_a_long_reason_is_whole_in_the_detail_pane_at_80x24(tmp_path) -> None:
    """The REASON column is cut at 80 columns (with "…"); the detail pane shows the reason whole, wrapped."""
    from hookdev.tui.check_demo import show_demo_check
    from hookdev.tui.screenshots import arrange, demo_app
    from hookdev.tui.widgets.content_view import wrap_lines

    app = demo_app(tmp_path)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await arrange(app, pilot, "endpoints")
            await show_demo_check(app, pilot)
            screen = app.screen
            card = screen.query_one(Scorecard)
            card.move_cursor(row=list(card.results).index("unknown-type"))
            await pilot.pause()
            reason = card.results["unknown-type"].reason
            assert len(reason) > 60
            cell = str(card.get_cell("unknown-type", "reason"))
            assert cell.endswith("…") and reason.startswith(cell[:-1])
            view = screen.query_one("#check-detail")
            width = view.scrollable_content_region.width
            assert 0 < width < 80
            lines = [line.plain for line in wrap_lines(view.content, width)]
            assert " ".join(" ".join(lines).split()).count(reason) == 1
            assert len(lines) <= view.size.height  # all of it in sight, no scrolling needed
    finally:
        app.ctx.workspace.close()


async def test_deliveries_name_the_url_a_bare_url_check_went_to(workspace) -> None:
    """`hookdev check URL` creates no endpoint: Deliveries shows the URL it checked, not "deleted"."""
    from hookdev.check import Runner, Target, battery, new_client

    secret = "whsec_" + "u" * 32
    consumer, _ = consumer_app(secret)
    async with serve(consumer) as base:
        url = base + "/hooks"
        async with new_client() as client:
            runner = Runner(
                Target(url, "standard", [secret]),
                client=client,
                event_type="code.created",
                payload=b'{"type":"code.created","data":{}}',
                recorder=workspace.store,
            )
            run = await runner.run(battery("standard", only=["valid"]))
    message_id = run.results[0].exchanges[0].message_id
    app = HookdevApp(workspace, EngineOptions(port=0, dispatch=False), start_engine=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        deliveries = app.view("deliveries")
        deliveries.selected_id = message_id
        text = _timeline(deliveries)
        assert f"{url} (hookdev check, no endpoint)" in text
        assert "endpoint deleted" not in text
