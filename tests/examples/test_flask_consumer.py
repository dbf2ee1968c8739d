"""Testing the Flask consumer with hookdev's fixtures: a WSGI app, in-process."""

from __future__ import annotations

from tests.examples.flask_consumer import create_app


def test_a_signed_event_is_accepted(hookdev_sender):
    app = create_app(hookdev_sender.secret)
    sent = hookdev_sender.send(app, "page.published", path="/webhooks")
    assert sent.status_code == 204 and sent.duration_ms < 15_000
    assert app.config["EVENTS"][0]["type"] == "page.published"


def test_the_consumer_passes_the_battery(hookdev_check):
    secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
    app = create_app(secret)
    run = hookdev_check(app, secret=secret, path="/webhooks", probe=lambda: len(app.config["EVENTS"]))
    assert run.counts() == {"pass": 15, "warn": 0, "fail": 0}
