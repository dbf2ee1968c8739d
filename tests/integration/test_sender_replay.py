"""Replay and recovery (manual attempts, no automatic retries), the attempt log and message views
through the CLI, and the faults a consumer should catch."""

from __future__ import annotations

import json
import re
import time

import pytest

from hookdev.delivery.clock import VirtualClock
from hookdev.sender import Sender, SenderError
from tests.integration.sender_support import deliver, invoke

ATTEMPT_KEYS = {
    "id",
    "message_id",
    "endpoint_id",
    "number",
    "trigger",
    "status",
    "scheduled_at",
    "started_at",
    "duration_ms",
    "status_code",
    "error",
    "response_body",
}
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


async def test_replay_is_one_manual_attempt_with_the_same_webhook_id(workspace, consumers):
    sender = Sender(workspace)
    consumer = await consumers()
    ok = sender.add_endpoint(consumer.url + "/ok")
    bad = sender.add_endpoint(consumer.url + "/bad")
    consumer.secrets = [ok.secret, bad.secret]
    message = sender.send("code.scanned", endpoints=[ok.id, bad.id]).messages[0]
    consumer.fail_next(1, 500)  # whichever comes first fails, and gets a retry scheduled
    await deliver(workspace, message_ids={message.id}, first_attempts_only=True)

    consumer.always(503)  # the replay fails: a manual attempt is not retried
    queued = sender.replay(message.id, bad.id)
    assert [(a.endpoint_id, a.trigger, a.status) for a in queued] == [(bad.id, "manual", "pending")]
    await deliver(workspace, attempt_ids={a.id for a in queued})
    done = workspace.store.get_attempt(queued[0].id)
    assert (done.status, done.status_code) == ("failed", 503)
    assert done.number == workspace.store.last_attempt_number(message.id, bad.id)
    retries_of_manual = [a for a in workspace.store.message_attempts([message.id]) if a.number > done.number]
    assert retries_of_manual == []

    consumer.always(200)
    code, out, err = await invoke("replay", message.id, "--json", home=workspace.home)  # to every endpoint
    assert code == 0, err
    doc = json.loads(out)
    assert doc["message_id"] == message.id
    assert {a["endpoint_id"] for a in doc["attempts"]} == {ok.id, bad.id}
    assert all(a["trigger"] == "manual" and a["status"] == "success" for a in doc["attempts"])
    assert {r.webhook_id for r in consumer.requests} == {message.id}  # the same id on every attempt
    assert all(r.verified_with for r in consumer.requests)
    # a success cancels the scheduled retry left over from the first failure
    assert {d.status for d in sender.deliveries(message.id)} == {"success"}
    assert not [a for a in workspace.store.message_attempts([message.id]) if a.status == "pending"]


async def test_recover_resends_failures_in_the_window_without_a_later_success(workspace, consumers):
    sender = Sender(workspace)
    consumer = await consumers()
    endpoint = sender.add_endpoint(consumer.url)
    now = time.time()

    async def send_at(at, count=1, **run):
        messages = sender.send("code.scanned", endpoints=[endpoint.id], count=count, now=at).messages
        await deliver(workspace, VirtualClock(at), message_ids={m.id for m in messages}, **run)
        return messages

    consumer.always(500)
    (old,) = await send_at(now - 3 * 3600, first_attempts_only=True)  # failed 3 h ago: outside 2 h
    failed = await send_at(now - 600, count=2, first_attempts_only=True)
    consumer.always(200)
    await send_at(now - 300)

    code, out, err = await invoke("recover", endpoint.id, "--since", "2h", "--json", home=workspace.home)
    assert code == 0, err
    doc = json.loads(out)
    assert sorted(doc["messages"]) == sorted(m.id for m in failed)
    assert all(a["trigger"] == "manual" and a["status"] == "success" for a in doc["attempts"])
    assert ISO.match(doc["since"]) and ISO.match(doc["until"])
    # recovered: a second recovery finds nothing
    again = sender.recover(endpoint.id, now - 7200)
    assert again == []
    # the old failure is still recoverable with a wider window
    assert [a.message_id for a in sender.recover(endpoint.id, now - 4 * 3600)] == [old.id]


def test_recover_window_is_checked(workspace):
    sender = Sender(workspace)
    now = time.time()
    with pytest.raises(SenderError, match="14 days"):
        sender.recover("ep_local", now - 15 * 86400)
    with pytest.raises(SenderError, match="empty"):
        sender.recover("ep_local", now - 60, now - 120)


async def test_attempt_log_and_message_views_through_the_cli(workspace, consumers):
    sender = Sender(workspace)
    consumer = await consumers()
    endpoint = sender.add_endpoint(consumer.url, headers=[("Authorization", "Bearer top-secret")])
    consumer.fail_next(1, 500, body=b"\xff\xfe not utf-8")
    data = b'{"type":"code.scanned","timestamp":"2026-11-28T10:00:00Z","data":{"code_id":"qr_1","scanned_at":"2026-11-28T10:00:00Z"}}'
    # --data bytes are sent exactly as given (key order, no spaces): never re-serialized
    code, out, err = await invoke(
        "send",
        "code.scanned",
        "--endpoint",
        endpoint.id,
        "--data",
        data.decode(),
        "--no-validate",
        "--json",
        home=workspace.home,
    )
    assert code == 0, err
    sent = json.loads(out)
    assert set(sent) >= {"message_id", "event_type", "endpoints", "deliveries"}
    assert sent["deliveries"][0]["status"] == "pending" and sent["deliveries"][0]["attempts"] == 1
    assert consumer.requests[0].body == data

    code, out, err = await invoke("attempts", "--message", sent["message_id"], "--json", home=workspace.home)
    assert code == 0, err
    attempts = json.loads(out)
    assert len(attempts) == 2  # the failed one and its scheduled retry
    failed = next(a for a in attempts if a["status"] == "failed")
    assert ATTEMPT_KEYS <= set(failed)
    assert (failed["number"], failed["trigger"], failed["status_code"]) == (1, "scheduled", 500)
    assert failed["response_body_base64"] is True  # not UTF-8: base64 with a flag
    assert ISO.match(failed["scheduled_at"]) and ISO.match(failed["started_at"])
    assert failed["request_headers"]["Authorization"] == "Bearer ••••"
    assert failed["request_headers"]["webhook-id"] == sent["message_id"]
    assert failed["request_headers"]["user-agent"].startswith("hookdev/")
    pending = next(a for a in attempts if a["status"] == "pending")
    assert pending["number"] == 2 and pending["started_at"] is None

    code, out, err = await invoke(
        "messages", "show", sent["message_id"][-8:], "--json", "--body", home=workspace.home
    )
    assert code == 0, err
    shown = json.loads(out)
    assert shown["payload"] == data.decode() and shown["deliveries"][0]["endpoint_id"] == endpoint.id
    assert len(shown["attempts"]) == 2
    assert b"top-secret" not in out
    code, out, err = await invoke("messages", "--json", home=workspace.home)
    assert code == 0, err
    assert [m["id"] for m in json.loads(out)] == [sent["message_id"]]


async def test_send_bad_input_exit_2_nothing_written(workspace):
    for args, message in [
        (["send", "code.scaned"], b"did you mean code.scanned"),
        (["send", "code.scanned", "--data", "{not json"], b"not valid JSON"),
        (["send", "code.scanned", "--data", '{"type": 5}'], b"schema"),
        (["send", "code.scanned", "--endpoint", "ep_nope"], b"no endpoint"),
    ]:
        code, out, err = await invoke(*args, home=workspace.home)
        assert code == 2, (args, err)
        assert message in err and b"Traceback" not in err, err
    assert workspace.store.count_messages() == 0


def test_schema_errors_name_the_json_path(workspace):
    sender = Sender(workspace)
    bad = b'{"type":"code.scanned","timestamp":"2026-11-28T10:00:00Z","data":{"code_id":5}}'
    with pytest.raises(SenderError, match=r"\$\.data"):
        sender.send("code.scanned", bad)
    assert workspace.store.count_messages() == 0


@pytest.mark.parametrize("fault", ["tamper", "stale", "future", "wrong-secret", "no-signature"])
async def test_faults_are_caught_by_a_verifying_consumer(workspace, consumers, fault):
    sender = Sender(workspace)
    consumer = await consumers()
    endpoint = sender.add_endpoint(consumer.url)
    consumer.secrets = [endpoint.secret]
    message = sender.send("code.scanned", endpoints=[endpoint.id], fault=fault).messages[0]
    await deliver(workspace, message_ids={message.id}, first_attempts_only=True)
    (received,) = consumer.requests
    assert received.verified_with == []  # the svix package refuses it
    assert received.webhook_id == message.id
    attempt = workspace.store.message_attempts([message.id])[0]
    assert attempt.fault == fault and workspace.store.get_message(message.id).fault == fault
    if fault == "tamper":
        assert received.body != message.payload and json.loads(received.body)["tampered"] is True
    if fault == "no-signature":
        assert received.signature is None
    if fault in ("stale", "future"):  # an hour off from the moment it was sent, and the log says so
        sign = 1 if fault == "future" else -1
        assert int(received.timestamp) - received.at == pytest.approx(sign * 3600, abs=2)
        assert attempt.extra["fault_note"] == (
            "timestamp 1 h ahead" if fault == "future" else "timestamp 1 h behind"
        )
    else:
        assert "fault_note" not in attempt.extra


async def test_duplicate_and_out_of_order_faults(workspace, consumers):
    sender = Sender(workspace)
    consumer = await consumers()
    endpoint = sender.add_endpoint(consumer.url)
    consumer.secrets = [endpoint.secret]
    dup = sender.send("code.scanned", endpoints=[endpoint.id], fault="duplicate").messages[0]
    await deliver(workspace, message_ids={dup.id})
    assert [r.webhook_id for r in consumer.requests] == [dup.id, dup.id]
    assert all(r.verified_with for r in consumer.requests)
    consumer.requests.clear()

    batch = sender.send("code.scanned", endpoints=[endpoint.id], fault="out-of-order", count=5).messages
    await deliver(workspace, message_ids={m.id for m in batch})
    assert [r.webhook_id for r in consumer.requests] == [m.id for m in reversed(batch)]
    with pytest.raises(SenderError, match="batch"):
        sender.send("code.scanned", fault="out-of-order")


async def test_dispatch_once_delivers_what_is_due_and_leaves_later_retries(workspace, consumers):
    sender = Sender(workspace)
    consumer = await consumers()
    endpoint = sender.add_endpoint(consumer.url)
    consumer.fail_next(1, 500)
    ids = [m.id for m in sender.send("code.scanned", endpoints=[endpoint.id], count=2).messages]
    code, out, err = await invoke("dispatch", "--once", "--json", home=workspace.home)
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert sorted(a["status"] for a in lines) == ["failed", "success"]
    assert all(ATTEMPT_KEYS <= set(a) for a in lines)
    failed = next(a for a in lines if a["status"] == "failed")
    assert failed["next_attempt_at"] is not None
    statuses = sorted(a.status for a in workspace.store.message_attempts(ids))
    assert statuses == ["failed", "pending", "success"]  # the retry waits for its time
