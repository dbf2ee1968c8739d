"""Testing the FastAPI consumer with hookdev's fixtures, in-process and in other providers' formats."""

from __future__ import annotations

from tests.examples.fastapi_consumer import create_app


def test_a_rotation_in_progress_is_accepted(hookdev_sender):
    new, old = hookdev_sender.secret, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    app = create_app(old)  # the consumer still has the old secret
    sent = hookdev_sender.send(app, "code.created", path="/webhooks", secret=[new, old])
    assert sent.status_code == 204


def test_the_consumer_passes_the_battery(hookdev_check):
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    app = create_app(secret)
    run = hookdev_check(app, secret=secret, path="/webhooks", probe=lambda: len(app.state.events))
    # every check passes; "fast" may warn (over 1 s) when the machine running the tests is busy
    assert all(r.verdict == "pass" for r in run.results if r.id != "fast"), run.results
