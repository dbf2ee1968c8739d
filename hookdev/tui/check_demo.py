"""A finished check run over the demo data, for the scorecard's screenshot and snapshot test.

The partner endpoint's consumer checks signatures but not timestamps, answers 500 to event types it
does not know, and is slow: the picture shows every kind of verdict.
"""

from __future__ import annotations

from typing import Any

from hookdev.check import Exchange, Result, Run
from hookdev.tui import demo

PARTNER = "ep_2vQxLpartnerapi01"

_ROWS: tuple[tuple[str, str, str, list[tuple[int, float, str]]], ...] = (
    ("valid", "pass", "accepted", [(200, 84.0, "")]),
    ("fast", "warn", "answered in 1.4 s: over 1 s; answer first, work after", [(200, 1412.0, "")]),
    ("tampered", "pass", "refused with 401", [(401, 12.0, "bad signature")]),
    ("stale", "fail", "accepted a timestamp 1 h old: timestamps are not checked", [(200, 88.0, "")]),
    (
        "future",
        "fail",
        "accepted a timestamp 1 h ahead: future timestamps are not checked",
        [(200, 90.0, "")],
    ),
    ("wrong-secret", "pass", "refused with 401", [(401, 11.0, "bad signature")]),
    ("unsigned", "pass", "refused with 401", [(401, 9.0, "missing signature")]),
    ("rotation", "pass", "accepted", [(200, 86.0, "")]),
    ("unknown-version", "pass", "accepted", [(200, 83.0, "")]),
    ("svix-headers", "pass", "accepted", [(200, 85.0, "")]),
    ("duplicate", "pass", "2xx both times", [(200, 87.0, "")]),
    (
        "unknown-type",
        "fail",
        "an unknown event type was not acknowledged: 500 ('no handler for hookdev.check.unknown_type')",
        [(500, 15.0, "no handler for hookdev.check.unknown_type")],
    ),
    ("large", "pass", "accepted", [(200, 212.0, "")]),
    ("out-of-order", "pass", "2xx both", [(200, 84.0, ""), (200, 82.0, "")]),
    ("concurrent", "pass", "all 20 2xx, slowest in 0.61 s", [(200, 610.0, "")] * 20),
)


def demo_run() -> Run:
    run = Run(
        id="chk_2vQxLdemocheckrun1",
        started_at=demo.NOW - 4.2,
        url="https://api.partner.example/webhooks/qr",
        scheme="standard",
        event_type="code.created",
        endpoint_id=PARTNER,
        finished_at=demo.NOW,
    )
    for i, (check_id, verdict, reason, answers) in enumerate(_ROWS):
        exchanges = [
            Exchange(f"atmpt_2vQxLdemo{i:02d}{j:02d}", f"msg_2vQxLdemo{i:02d}{j:02d}", code, ms, None, body)
            for j, (code, ms, body) in enumerate(answers)
        ]
        if check_id == "duplicate":
            exchanges[0].repeat_status = 200
        run.results.append(Result(check_id, verdict, reason, exchanges, None, run.id))
    return run


async def show_demo_check(app: Any, pilot: Any) -> None:
    """Endpoints view, the partner endpoint selected, its scorecard open on the first failed check."""
    from hookdev.tui.screens.check_run import CheckScreen
    from hookdev.tui.widgets.scorecard import Scorecard

    await pilot.press("3", "down")
    await pilot.pause()
    endpoint = app.ctx.store.get_endpoint(PARTNER)
    app.push_screen(
        CheckScreen(endpoint, secrets=[], event_type="code.created", payload=b"{}", finished=demo_run())
    )
    await pilot.pause()
    card = app.screen.query_one(Scorecard)
    card.move_cursor(row=3)
    await pilot.pause()


async def show_demo_check_options(app: Any, pilot: Any) -> None:
    """Endpoints view, the partner endpoint selected, the options dialog of a check before it runs."""
    from hookdev.tui.screens.check_options import CheckOptionsScreen

    await pilot.press("3", "down")
    await pilot.pause()
    endpoint = app.ctx.store.get_endpoint(PARTNER)
    catalog = app.ctx.catalog
    app.push_screen(
        CheckOptionsScreen(
            endpoint,
            app.ctx.workspace.signing_secrets(endpoint),
            lambda name: catalog.get(name).example_bytes(),
            "code.created",
        )
    )
    await pilot.pause()
