"""Testing the Starlette consumer with hookdev's fixtures, in-process."""

from __future__ import annotations

from tests.examples.starlette_consumer import create_app


def test_a_signed_event_is_processed_once(hookdev_sender):
    app = create_app(hookdev_sender.secret)
    first = hookdev_sender.send(app, "code.scanned", path="/webhooks", message_id="msg_one")
    again = hookdev_sender.send(app, "code.scanned", path="/webhooks", message_id="msg_one")
    assert (first.status_code, again.status_code) == (204, 204)
    assert [e["type"] for e in app.state.events] == ["code.scanned"]


def test_faults_are_refused(hookdev_sender):
    app = create_app(hookdev_sender.secret)
    for fault in ("tamper", "stale", "future", "wrong-secret", "no-signature"):
        sent = hookdev_sender.send(app, "code.scanned", path="/webhooks", fault=fault)
        assert sent.status_code == 400, fault
    assert app.state.events == []


def test_the_consumer_passes_the_battery(hookdev_check):
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    app = create_app(secret)
    run = hookdev_check(app, secret=secret, path="/webhooks", probe=lambda: len(app.state.events))
    # every check passes; "fast" may warn (over 1 s) when the machine running the tests is busy
    assert all(r.verdict == "pass" for r in run.results if r.id != "fast"), run.results
    assert len(run.results) == 15
