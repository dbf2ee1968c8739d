"""The check core without a network: the battery per scheme, the payload shapes, grading, JSON, JUnit."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from hookdev.check import IDS, Exchange, Result, Run, battery, not_applicable, parse_ids
from hookdev.check.junit import junit_xml
from hookdev.check.runner import UNKNOWN_TYPE, _padded, _retyped, _with_time, judge, judge_effects
from hookdev.check.specs import BY_ID, LARGE_SIZE

BODY = b'{"type":"code.created","timestamp":"2026-11-28T10:00:00Z","data":{"code_id":"c_1"}}'


def test_every_scheme_has_its_battery() -> None:
    assert [s.id for s in battery("standard")] == list(IDS)
    assert not_applicable("standard") == {}
    assert set(not_applicable("github")) == {"stale", "future", "rotation", "unknown-version", "svix-headers"}
    assert set(not_applicable("shopify")) == set(not_applicable("github"))
    assert set(not_applicable("stripe")) == {"future", "svix-headers"}
    assert set(not_applicable("slack")) == {"rotation", "unknown-version", "svix-headers"}
    assert [s.id for s in battery("standard", only=["large", "valid"])] == ["valid", "large"]
    assert "duplicate" not in [s.id for s in battery("slack", skip=parse_ids(("duplicate,large", "fast")))]
    with pytest.raises(ValueError, match="unknown check 'fats'"):
        battery("standard", only=["fats"])
    with pytest.raises(ValueError, match="Stripe's libraries accept timestamps from the future"):
        battery("stripe", only=["future"])


def test_payload_shapes() -> None:
    large = _padded(BODY, LARGE_SIZE)
    assert len(large) == LARGE_SIZE and json.loads(large)["type"] == "code.created"
    assert json.loads(_retyped(BODY))["type"] == UNKNOWN_TYPE
    older, newer = json.loads(_with_time(BODY, -60)), json.loads(_with_time(BODY, 0))
    assert older["timestamp"] < newer["timestamp"] and older["data"] == newer["data"]
    assert _retyped(b"not json") == b"not json"


def ex(status: int | None, ms: float = 5.0, error: str | None = None, repeat: int | None = None) -> Exchange:
    return Exchange("atmpt_1", "msg_1", status, ms, error, "", repeat)


@pytest.mark.parametrize(
    "check,answers,verdict,reason",
    [
        ("tampered", [ex(401)], "pass", "refused with 401"),
        ("tampered", [ex(200)], "fail", "accepted a body changed after signing: forged events get in"),
        (
            "stale",
            [ex(500)],
            "fail",
            "answered 500: a crash, not a refusal (the platform retries 5xx for 27 h)",
        ),
        ("unsigned", [ex(302)], "fail", "expected a 4xx refusal, got 302"),
        ("fast", [ex(200, 2400)], "warn", "answered in 2.4 s: over 1 s; answer first, work after"),
        ("fast", [ex(None, 15001, "timeout: no complete response")], "fail", None),
        ("svix-headers", [ex(400)], "warn", None),
        ("svix-headers", [ex(503)], "fail", "expected 2xx, got 503"),
        ("svix-headers", [ex(302)], "fail", "expected 2xx, got 302"),
        (
            "svix-headers",
            [ex(None, 15001, "timeout: no answer")],
            "fail",
            "expected 2xx, got timeout: no answer",
        ),
        ("duplicate", [ex(200, repeat=409)], "fail", None),
        ("concurrent", [ex(200)] * 19 + [ex(503)], "fail", "1 of 20 failed; first: 503"),
        ("out-of-order", [ex(200), ex(422)], "fail", "the older event was answered 422"),
        (
            "out-of-order",
            [ex(None, 15001, "timeout: no complete response"), ex(200)],
            "fail",
            "the newer event was not answered (timeout: no complete response)",
        ),
        (
            "fast",
            [ex(None, 15001, "timeout: no complete response")],
            "fail",
            "no answer within the 15 s timeout",
        ),
        (
            "fast",
            [ex(None, 3, "connection refused")],
            "fail",
            "no answer within the 15 s timeout: connection refused",
        ),
        ("unknown-type", [ex(404)], "fail", "an unknown event type was not acknowledged: 404"),
    ],
)
def test_grading(check: str, answers: list[Exchange], verdict: str, reason: str | None) -> None:
    got_verdict, got_reason = judge(BY_ID[check], answers, 15.0)
    assert got_verdict == verdict
    if reason is not None:
        assert got_reason == reason


def test_effects_seen_by_a_probe() -> None:
    assert judge_effects(BY_ID["tampered"], "pass", "refused with 401", 1)[0] == "fail"
    assert judge_effects(BY_ID["tampered"], "pass", "refused with 401", 0) == (
        "pass",
        "refused with 401 (probe +0)",
    )
    assert judge_effects(BY_ID["duplicate"], "pass", "2xx both times", 2)[0] == "fail"
    assert judge_effects(BY_ID["duplicate"], "pass", "2xx both times", 1)[0] == "pass"
    assert judge_effects(BY_ID["valid"], "pass", "accepted", 0)[0] == "warn"


def test_run_json_round_trip_and_junit() -> None:
    run = Run("chk_1", 100.0, "http://x/hooks", "standard", "code.created", "ep_1", 101.5)
    run.results = [
        Result("valid", "pass", "accepted", [ex(200)], None, "chk_1"),
        Result("fast", "warn", "answered in 1.2 s", [ex(200, 1200)], None, "chk_1"),
        Result("tampered", "fail", "accepted a body changed after signing", [ex(200)], None, "chk_1"),
    ]
    again = Run.from_json(json.loads(json.dumps(run.to_json())))
    assert again.to_json() == run.to_json() and again.verdict == "fail"
    assert run.summary() == "1 passed, 1 warning, 1 failed in 1.5 s"
    suite = ET.fromstring(junit_xml(run)).find("testsuite")
    assert suite is not None and (suite.get("tests"), suite.get("failures")) == ("3", "1")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert cases["tampered"].find("failure") is not None and cases["fast"].find("failure") is None
    assert "WARNING: answered in 1.2 s" in (cases["fast"].findtext("system-out") or "")
