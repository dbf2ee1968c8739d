"""Other providers' formats with the same fixtures: a GitHub consumer, signed as GitHub signs."""

from __future__ import annotations

from tests.examples.github_consumer import create_app

SECRET = "It's a Secret to Everybody"


def test_a_push_event_signed_as_github_signs(hookdev_sender):
    app = create_app(SECRET)
    sent = hookdev_sender.send(
        app, "push", payload={"ref": "refs/heads/main"}, scheme="github", secret=SECRET, path="/github"
    )
    assert sent.status_code == 204
    assert app.state.events == [("push", {"ref": "refs/heads/main"})]
    assert (
        hookdev_sender.send(
            app, "push", scheme="github", secret=SECRET, path="/github", fault="tamper", payload=b"{}"
        ).status_code
        == 401
    )


def test_the_github_battery(hookdev_check):
    app = create_app(SECRET)
    run = hookdev_check(
        app, scheme="github", secret=SECRET, path="/github", probe=lambda: len(app.state.events)
    )
    # every check passes; "fast" may warn (over 1 s) when the machine running the tests is busy
    assert all(r.verdict == "pass" for r in run.results if r.id != "fast"), run.results
    assert "stale" not in [r.id for r in run.results]  # GitHub signs no timestamp
