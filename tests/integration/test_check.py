"""`hookdev check` against consumers that fail in known ways: the exact verdicts, exit codes and outputs.

The consumers (tests/support/consumers.py) are real Starlette apps on real uvicorn servers; the CLI runs
in this process (in a thread) against a real workspace, so its attempts are really recorded.
"""

from __future__ import annotations

import json
import re
import shlex
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import httpx
import pytest

from hookdev.check import Runner, Target, battery, new_client
from hookdev.check.specs import IDS
from hookdev.check.targets import CHECK_ENDPOINT_ID
from hookdev.signing.standard import generate_secret
from hookdev.workspace import Workspace
from tests.integration.sender_support import invoke
from tests.support.consumers import Flaws, consumer_app, scheme_consumer_app
from tests.support.live import serve

SECRET = generate_secret()
REFUSALS = ("tampered", "stale", "future", "wrong-secret", "unsigned")


def verdicts(stdout: bytes) -> dict[str, str]:
    lines = [json.loads(line) for line in stdout.decode().splitlines() if line.strip()]
    return untimed({d["id"]: d["verdict"] for d in lines})


def untimed(got: dict[str, str]) -> dict[str, str]:
    """The verdicts, a ``fast`` warning read as a pass: it is the clock's (over 1 s), and on a loaded
    machine a correct consumer serving from the test's own loop can take that long. The check's own
    test below makes its consumer slow on purpose and reads the verdict raw."""
    return {k: "pass" if (k, v) == ("fast", "warn") else v for k, v in got.items()}


def expected(**fails: str) -> dict[str, str]:
    return {i: fails.get(i.replace("-", "_"), "pass") for i in IDS}


async def check(home: Path, app: Any, *args: str) -> tuple[int, bytes, bytes]:
    async with serve(app) as url:
        return await invoke("check", url, "--secret", SECRET, *args, home=home)


async def test_a_correct_consumer_passes_every_check(tmp_path: Path) -> None:
    app, state = consumer_app(SECRET)
    junit = tmp_path / "check.xml"
    code, out, err = await check(tmp_path / "ws", app, "--json", "--junit", str(junit), "--timeout", "5")
    assert code == 0, err
    assert verdicts(out) == expected()
    first = json.loads(out.splitlines()[0])
    assert set(first) >= {"id", "verdict", "reason", "sent", "why", "received", "attempts", "run_id"}
    assert first["received"][0]["status"] == 200
    suite = ET.parse(junit).getroot()
    assert suite.get("tests") == "15" and suite.get("failures") == "0"
    assert [c.get("name") for c in suite.iter("testcase")] == list(IDS)
    # every accepted event acted on once: valid, fast, rotation, unknown-version, svix-headers,
    # duplicate (once), unknown-type, large, out-of-order (2), concurrent (20)
    assert state.effects == 8 + 2 + 20


async def test_a_consumer_that_does_not_verify_fails_the_refusals(tmp_path: Path) -> None:
    app, _ = consumer_app(SECRET, Flaws(verify=False))
    junit = tmp_path / "check.xml"
    code, out, _ = await check(tmp_path / "ws", app, "--json", "--junit", str(junit))
    assert code == 1
    assert verdicts(out) == expected(**{i.replace("-", "_"): "fail" for i in REFUSALS})
    failures = {c.get("name"): c.find("failure") for c in ET.parse(junit).getroot().iter("testcase")}
    assert {n for n, f in failures.items() if f is not None} == set(REFUSALS)
    assert (
        failures["tampered"].get("message") == "accepted a body changed after signing: forged events get in"
    )


async def test_a_consumer_that_ignores_the_timestamp_fails_stale_and_future(tmp_path: Path) -> None:
    app, _ = consumer_app(SECRET, Flaws(check_timestamp=False))
    code, out, _ = await check(tmp_path / "ws", app, "--json")
    assert code == 1
    assert verdicts(out) == expected(stale="fail", future="fail")


async def test_a_consumer_that_500s_on_unknown_types(tmp_path: Path) -> None:
    app, _ = consumer_app(SECRET, Flaws(fail_unknown=True))
    code, out, _ = await check(tmp_path / "ws", app, "--json")
    assert code == 1
    assert verdicts(out) == expected(unknown_type="fail")
    (line,) = [json.loads(x) for x in out.splitlines() if b'"unknown-type"' in x]
    assert line["received"][0]["status"] == 500 and "not acknowledged" in line["reason"]


async def test_a_slow_consumer_warns_then_fails_past_the_timeout(tmp_path: Path) -> None:
    app, _ = consumer_app(SECRET, Flaws(delay=1.2))  # just over the 1 s warning: the test stays short
    code, out, _ = await check(tmp_path / "ws", app, "--json", "--only", "fast")
    assert code == 0  # a warning is not a failure
    assert {json.loads(out)["id"]: json.loads(out)["verdict"]} == {"fast": "warn"}
    assert re.fullmatch(
        r"answered in \d+\.\d s: over 1 s; answer first, work after", json.loads(out)["reason"]
    )
    code, out, _ = await check(tmp_path / "ws", app, "--json", "--only", "fast", "--timeout", "0.5")
    assert code == 1
    (line,) = [json.loads(x) for x in out.splitlines()]
    assert line["verdict"] == "fail" and "0.5 s timeout" in line["reason"]


async def test_duplicates_processed_twice_are_caught_by_the_probe(tmp_path: Path) -> None:
    app, state = consumer_app(SECRET, Flaws(dedupe=False))
    async with serve(app) as url:
        probe = url.replace("/hooks", "/effects")
        code, out, _ = await invoke(
            "check", url, "--secret", SECRET, "--json", "--only", "duplicate", home=tmp_path
        )
        assert (code, verdicts(out)) == (0, {"duplicate": "pass"})  # the HTTP answers alone look fine
        code, out, _ = await invoke(
            "check", url, "--json", "--only", "duplicate,valid,tampered", "--probe", probe, home=tmp_path
        )
    assert code == 1
    assert verdicts(out) == {"valid": "pass", "tampered": "pass", "duplicate": "fail"}
    lines = {d["id"]: d for d in map(json.loads, out.splitlines())}
    assert lines["duplicate"]["probe"]["after"] - lines["duplicate"]["probe"]["before"] == 2
    assert lines["duplicate"]["reason"] == "processed the same delivery 2 times (probe +2)"
    assert lines["tampered"]["probe"]["after"] == lines["tampered"]["probe"]["before"]


async def test_a_probe_command_sees_a_tampered_event_acted_on(tmp_path: Path) -> None:
    """A consumer that answers 401 but still acts: the HTTP answer passes, the probe fails it."""
    count = tmp_path / "count"
    count.write_text("0")
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    async def sloppy(request: Any) -> Response:
        await request.body()
        count.write_text(str(int(count.read_text()) + 1))  # acts first, checks later
        return Response(status_code=401)

    app = Starlette(routes=[Route("/hooks", sloppy, methods=["POST"])])
    code, out, _ = await check(
        tmp_path / "ws", app, "--json", "--only", "tampered", "--probe", f"cat {shlex.quote(str(count))}"
    )
    assert code == 1
    (line,) = [json.loads(x) for x in out.splitlines()]
    assert line["verdict"] == "fail"
    assert line["reason"] == "refused with 401; the probe counted +1: the consumer acted on it"


async def test_scorecard_attempts_and_runs(tmp_path: Path) -> None:
    home = tmp_path / "ws"
    app, _ = consumer_app(SECRET, Flaws(verify=False))
    code, out, _ = await check(home, app, "--only", "valid,tampered,duplicate")
    text = out.decode()
    assert code == 1
    assert "✓ pass valid" in text and "✗ fail tampered" in text
    assert "judged by the HTTP answer only" in text
    assert "FAILED: 2 passed, 1 failed" in text
    code, out, _ = await invoke("check", "--list-runs", "--json", home=home)
    (run,) = json.loads(out)
    assert run["verdict"] == "fail" and run["counts"] == {"pass": 2, "warn": 0, "fail": 1}
    assert [r["id"] for r in run["results"]] == ["valid", "tampered", "duplicate"]
    assert run["endpoint_id"] is None  # a bare URL: no endpoint
    ws = Workspace(home)
    try:
        attempts = ws.store.list_attempts(endpoint_id=CHECK_ENDPOINT_ID, limit=None)
        assert sorted(a.extra["check"]["check"] for a in attempts) == ["duplicate", "tampered", "valid"]
        assert {a.extra["check"]["run"] for a in attempts} == {run["id"]}
        assert all(a.trigger == "manual" and a.status in ("success", "failed") for a in attempts)
        assert ws.store.get_endpoint(CHECK_ENDPOINT_ID) is None
    finally:
        ws.close()
    code, out, _ = await invoke("check", "--list-runs", home=home)
    assert run["id"] in out.decode()


@pytest.mark.parametrize(
    "args,message",
    [
        (["http://127.0.0.1:9/hooks"], "give --secret S"),
        (["ep_local", "--only", "nope"], "unknown check 'nope'"),
        (["ep_local", "--scheme", "github", "--only", "stale"], "does not apply to the github scheme"),
        (["ep_local", "--secret", "not-a-secret"], "--secret cannot sign standard deliveries"),
        (["ep_local", "--probe", " "], "--probe is empty"),
        (["http://example.com/hooks", "--secret", SECRET], "refusing http URL"),
        ([], "give the consumer's URL"),
        (["ftp://127.0.0.1/hooks", "--secret", SECRET], "give an http:// or https:// URL"),
        (["3000"], "a target is an endpoint id or name, or an http:// or https:// URL"),
        (["ep_local", "--junit", "/nonexistent/dir/check.xml"], "is not a writable directory"),
    ],
)
async def test_bad_input_is_one_line_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    code, out, err = await invoke("check", *args, home=tmp_path)
    assert code == 2 and message in err.decode() and "Traceback" not in err.decode()


@pytest.mark.parametrize("scheme", ["stripe", "github", "shopify", "slack"])
async def test_provider_batteries_against_official_libraries(scheme: str) -> None:
    """Each scheme's battery, in-process (ASGI transport): a consumer that verifies with the provider's
    library passes it all; one that does not verify fails exactly the refusals the scheme has."""
    secret = {"stripe": "whsec_" + "s" * 32, "slack": "8f742231b10e8888abcd99yyyzzz85a5"}.get(
        scheme, "hook-secret-1"
    )
    specs = battery(scheme)
    ids = [s.id for s in specs]
    if scheme in ("github", "shopify"):
        assert "stale" not in ids and "future" not in ids and "rotation" not in ids
    if scheme == "stripe":
        assert "stale" in ids and "future" not in ids and "rotation" in ids
    if scheme == "slack":
        assert "stale" in ids and "future" in ids and "unknown-version" not in ids
    for verify in (True, False):
        app, _ = scheme_consumer_app(scheme, secret, verify=verify)
        async with new_client(transport=httpx.ASGITransport(app)) as client:
            runner = Runner(
                Target("http://consumer/hooks", scheme, [secret]),
                client=client,
                event_type="code.scanned",
                payload=b'{"id":"evt_1","type":"code.scanned","data":{}}',
                timeout=5,
            )
            run = await runner.run(specs)
        got = untimed({r.id: r.verdict for r in run.results})
        fails = set() if verify else {i for i in ids if i in REFUSALS}
        assert got == {i: ("fail" if i in fails else "pass") for i in ids}, [r.reason for r in run.results]


async def test_check_in_stripe_format_from_the_command_line(tmp_path: Path) -> None:
    secret = "whsec_" + "t" * 32
    for verify, code_wanted in ((True, 0), (False, 1)):
        app, _ = scheme_consumer_app("stripe", secret, verify=verify)
        async with serve(app) as url:
            code, out, err = await invoke(
                "check",
                url,
                "--scheme",
                "stripe",
                "--secret",
                secret,
                "--json",
                "--skip",
                "concurrent",
                home=tmp_path / f"ws{verify}",
            )
        got = verdicts(out)
        assert code == code_wanted, err
        assert "future" not in got and "svix-headers" not in got and "rotation" in got
        assert {k for k, v in got.items() if v == "fail"} == (
            set() if verify else {"tampered", "stale", "wrong-secret", "unsigned"}
        )
        assert all(json.loads(line)["scheme"] == "stripe" for line in out.splitlines())


async def test_recover_leaves_the_checks_refused_deliveries_alone(workspace: Workspace) -> None:
    import time as _time

    from hookdev.sender import Sender

    sender = Sender(workspace)
    app, _ = consumer_app(SECRET)
    async with serve(app) as url:
        endpoint = sender.add_endpoint(url, secret=SECRET)
        async with new_client() as client:
            runner = Runner(
                Target(url, "standard", [SECRET], [], endpoint.id),
                client=client,
                event_type="code.created",
                payload=b'{"type":"code.created","data":{}}',
                recorder=workspace.store,
            )
            run = await runner.run(battery("standard", only=["valid", "tampered", "unsigned"]))
    assert [r.verdict for r in run.results] == ["pass", "pass", "pass"]
    failed = [
        a for a in workspace.store.list_attempts(endpoint_id=endpoint.id, limit=None) if a.status == "failed"
    ]
    assert len(failed) == 2  # the refusals are failed attempts, as the platform would record them
    assert sender.recover(endpoint.id, since=_time.time() - 60) == []  # but nothing to recover


async def test_a_url_check_leaves_no_endpoint_behind_and_remembers_its_secret(tmp_path: Path) -> None:
    home = tmp_path / "ws"
    app, _ = consumer_app(SECRET)
    async with serve(app) as url:
        for args in (["--secret", SECRET], []):  # the second run reuses the remembered secret
            code, out, err = await invoke(
                "check", url, *args, "--only", "valid,tampered", "--json", home=home
            )
            assert code == 0, err
            assert {json.loads(line)["endpoint_id"] for line in out.splitlines()} == {None}
        code, out, err = await invoke("endpoints", "list", "--json", home=home)
        assert code == 0, err
        assert [e["id"] for e in json.loads(out)] == ["ep_local"]
        code, out, _ = await invoke("check", "--list-runs", "--json", home=home)
        runs = json.loads(out)
        assert len(runs) == 2 and {r["url"] for r in runs} == {url}
        code, out, err = await invoke("attempts", "--endpoint", CHECK_ENDPOINT_ID, "--json", home=home)
        assert code == 0, err
        assert len(json.loads(out)) == 4
        # a check against an endpoint id is unchanged: its run and attempts are the endpoint's
        code, out, err = await invoke("endpoints", "add", url, "--json", home=home)
        assert code == 0, err
        ep = json.loads(out)["id"]
        code, out, err = await invoke("check", ep, "--secret", SECRET, "--only", "valid", "--json", home=home)
        assert code == 0, err
        assert json.loads(out)["endpoint_id"] == ep
        code, out, _ = await invoke("check", "--list-runs", "--json", home=home)
        assert json.loads(out)[0]["endpoint_id"] == ep
    code, out, err = await invoke("check", "http://127.0.0.1:9/other", home=home)
    assert code == 2 and "give --secret S" in err.decode()
