"""``hookdev_check`` catches a consumer that skips verification, with a readable list of what failed."""

from __future__ import annotations

import pytest

from tests.examples.naive_consumer import create_app


def test_hookdev_check_catches_the_naive_consumer(hookdev_check):
    app = create_app()
    with pytest.raises(pytest.fail.Exception) as failed:
        hookdev_check(
            app,
            secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            path="/webhooks",
            probe=lambda: len(app.state.events),
        )
    report = str(failed.value)
    assert report.startswith("hookdev check: 6 of 15 checks failed against Starlette app (in-process)")
    for check in ("tampered", "stale", "future", "wrong-secret", "unsigned", "duplicate"):
        assert f"✗ {check}: " in report
    assert "processed the same delivery 2 times (probe +2)" in report
    assert "why: Accepting it means anyone who can reach the URL can forge events." in report
