"""Endpoints: the CLI contract (JSON keys, bad input, redaction), secret rotation verified with the
svix package, subscriptions (event types, channels), disable and delete."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from hookdev.delivery.clock import VirtualClock
from hookdev.delivery.dispatcher import Dispatcher
from hookdev.events import EndpointChanged, EventBus
from hookdev.sender import Sender, SenderError
from tests.integration.sender_support import deliver, invoke

ENDPOINT_KEYS = {
    "id",
    "url",
    "secret",
    "events",
    "channels",
    "rate_limit",
    "headers",
    "disabled",
    "description",
    "disabled_reason",
    "created_at",
    "backlog",
    "pending",
}


async def test_cli_add_show_update_list_with_authorization_never_shown(workspace):
    home = workspace.home
    code, out, err = await invoke(
        "endpoints",
        "add",
        "https://example.com/hooks",
        "--event",
        "code.scanned",
        "--channel",
        "eu",
        "--rate-limit",
        "5",
        "--header",
        "Authorization: Bearer s3cr3t-token",
        "--header",
        "X-Team: growth",
        "--description",
        "orders",
        "--json",
        home=home,
    )
    assert code == 0, err
    added = json.loads(out)
    assert ENDPOINT_KEYS <= set(added)
    assert added["id"].startswith("ep_") and added["secret"].startswith("whsec_")
    assert (added["events"], added["channels"], added["rate_limit"]) == (["code.scanned"], ["eu"], 5.0)
    assert added["headers"] == {"Authorization": "Bearer ••••", "X-Team": "growth"}
    assert added["disabled"] is False and added["backlog"] == 0 and added["pending"] == 0

    code, out, err = await invoke(
        "endpoints",
        "update",
        added["id"],
        "--clear-events",
        "--no-rate-limit",
        "--remove-header",
        "x-team",
        "--url",
        "http://localhost:9/x",
        "--json",
        home=home,
    )
    assert code == 0, err
    updated = json.loads(out)
    assert (updated["url"], updated["events"], updated["rate_limit"]) == ("http://localhost:9/x", [], None)
    assert updated["headers"] == {"Authorization": "Bearer ••••"}

    listing = [
        await invoke("endpoints", "list", "--json", home=home),
        await invoke("endpoints", "show", added["id"], home=home),
    ]
    for code, out, err in listing:
        assert code == 0, err
        assert b"s3cr3t-token" not in out + err
    ids = [e["id"] for e in json.loads(listing[0][1])]
    assert ids == ["ep_local", added["id"]]
    # the value is stored and sent all the same
    assert ("Authorization", "Bearer s3cr3t-token") in workspace.store.get_endpoint(added["id"]).headers


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "http://example.com/h"], b"https only"),
        (["add", "https://user:hunter2@example.com/h"], b"write-only header"),
        (["add", "https://example.com/h", "--event", "code.scaned"], b"did you mean code.scanned"),
        (["add", "https://example.com/h", "--header", "webhook-id: x"], b"reserved"),
        (["add", "https://example.com/h", "--rate-limit", "-1"], b"greater than 0"),
        (["show", "ep_missing"], b"no endpoint"),
    ],
)
async def test_cli_bad_input_is_one_line_exit_2_and_writes_nothing(workspace, args, message):
    before = [e.id for e in workspace.store.list_endpoints()]
    code, out, err = await invoke("endpoints", *args, home=workspace.home)
    assert code == 2, (out, err)
    assert message in err
    assert b"Traceback" not in err and len(err.strip().splitlines()) == 1
    assert b"hunter2" not in err  # a credential in a refused URL is not echoed either
    assert [e.id for e in workspace.store.list_endpoints()] == before


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"url": "ftp://example.com/h"}, "https://"),
        ({"url": "https://exa mple.com/h"}, "spaces"),
        ({"url": "https:///h"}, "no host"),
        ({"headers": [("X-Svix-Foo", "x")]}, "reserved"),
        ({"headers": [("Content-Type", "text/plain")]}, "reserved"),
        ({"headers": [("User-Agent", "x")]}, "reserved"),
        ({"headers": [("X-Ok", "line\r\nbreak")]}, "control characters"),
        ({"headers": [("Bad Name", "x")]}, "not a valid header name"),
        ({"rate_limit": 0}, "greater than 0"),
        ({"channels": ["bad channel"]}, "invalid channel"),
        ({"channels": [f"c{i}" for i in range(11)]}, "at most 10"),
        ({"events": ["nope.nothing"]}, "unknown event type"),
    ],
)
def test_bad_endpoint_input_is_refused_with_a_reason(workspace, kwargs, message):
    sender = Sender(workspace)
    before = len(sender.endpoints())
    kwargs = {"url": "https://example.com/h", **kwargs}
    with pytest.raises(SenderError, match=message):
        sender.add_endpoint(kwargs.pop("url"), **kwargs)
    assert len(sender.endpoints()) == before


def test_http_is_allowed_only_for_loopback_hosts(workspace):
    sender = Sender(workspace)
    for url in (
        "http://localhost:3000/h",
        "http://127.0.0.2/h",
        "http://[::1]:8080/h",
        "https://example.com",
    ):
        assert sender.add_endpoint(url).url == url
    for url in ("http://example.com/h", "http://10.0.0.1/h", "http://localhost.example.com/h"):
        with pytest.raises(SenderError):
            sender.add_endpoint(url)


async def test_rotation_signs_with_both_secrets_until_the_grace_period_ends(workspace, consumers):
    sender = Sender(workspace)
    consumer = await consumers()
    endpoint = sender.add_endpoint(consumer.url)
    old = endpoint.secret
    info = sender.rotate_secret(endpoint.id, grace=1)
    new = info.current
    assert new != old and [s for s, _ in info.previous] == [old]
    consumer.secrets = [old, new]

    m1 = sender.send("code.scanned", endpoints=[endpoint.id]).messages[0]
    await deliver(workspace, message_ids={m1.id})
    first = consumer.requests[-1]
    assert len(first.signature.split()) == 2
    assert sorted(first.verified_with) == sorted([old, new])  # each signature verifies with the svix package

    deadline = time.monotonic() + 20
    while sender.secrets(endpoint.id).previous:  # wait for the grace period to end
        assert time.monotonic() < deadline
        await asyncio.sleep(0.1)
    m2 = sender.send("code.scanned", endpoints=[endpoint.id]).messages[0]
    await deliver(workspace, message_ids={m2.id})
    second = consumer.requests[-1]
    assert len(second.signature.split()) == 1
    assert second.verified_with == [new]


def test_rotation_keeps_at_most_ten_old_secrets(workspace):
    sender = Sender(workspace)
    endpoint = sender.add_endpoint("https://example.com/h")
    for _ in range(10):
        sender.rotate_secret(endpoint.id, grace=3600)
    assert len(sender.secrets(endpoint.id).previous) == 10
    with pytest.raises(SenderError, match="10 unexpired old secrets"):
        sender.rotate_secret(endpoint.id, grace=3600)
    assert sender.rotate_secret(endpoint.id, grace=0).previous  # grace 0 drops the current one: allowed


async def test_ep_local_secret_is_the_receiver_secret(workspace):
    code, out, err = await invoke(
        "endpoints", "secret", "ep_local", "--rotate", "--grace", "60", "--json", home=workspace.home
    )
    assert code == 0, err
    doc = json.loads(out)
    receiver = workspace.receiver_secrets()
    assert doc["secret"] == receiver.current
    assert [p["secret"] for p in doc["previous"]] == [s for s, _ in receiver.previous]
    assert workspace.signing_secrets(workspace.store.get_endpoint("ep_local"))[0] == receiver.current


async def test_subscriptions_filter_by_event_type_and_channel(workspace, consumers):
    sender = Sender(workspace)
    sender.disable_endpoint("ep_local")
    consumer = await consumers()
    every = sender.add_endpoint(consumer.url + "/every")
    scanned = sender.add_endpoint(consumer.url + "/scanned", events=["code.scanned"])
    eu = sender.add_endpoint(consumer.url + "/eu", channels=["eu", "eu-west"])
    sender.add_endpoint(consumer.url + "/off", disabled=True)

    def targets(event_type, channels=()):
        return {e.id for e in sender.matching_endpoints(event_type, channels)}

    assert targets("code.scanned") == {every.id, scanned.id}
    assert targets("code.created") == {every.id}
    assert targets("code.created", ["eu"]) == {every.id, eu.id}
    assert targets("code.scanned", ["us"]) == {every.id, scanned.id}  # no overlap: not the eu endpoint

    result = sender.send("code.created", channels=["eu-west"])
    assert set(result.endpoint_ids) == {every.id, eu.id}
    await deliver(workspace, message_ids={result.messages[0].id})
    assert sorted(r.path for r in consumer.requests) == ["/hooks/eu", "/hooks/every"]
    assert {r.webhook_id for r in consumer.requests} == {result.messages[0].id}

    # a named endpoint gets it even when not subscribed, with a note saying so
    named = sender.send("code.created", endpoints=[scanned.id])
    assert named.endpoint_ids == [scanned.id] and "not subscribed" in named.notes[0]
    # nobody subscribed: the message exists, nothing is queued, and the note says so
    sender.disable_endpoint(every.id)
    nobody = sender.send("code.deleted")
    assert nobody.endpoint_ids == [] and nobody.attempts == [] and "not delivered" in nobody.notes[0]
    assert workspace.store.get_message(nobody.messages[0].id) is not None
    with pytest.raises(SenderError, match="at most 5 channels"):
        sender.send("code.created", channels=[f"c{i}" for i in range(6)])


async def test_disable_and_delete_cancel_pending_attempts_and_keep_messages(workspace, consumers):
    sender = Sender(workspace)
    consumer = await consumers()
    consumer.always(500)
    bus = EventBus()
    changes = []
    bus.subscribe(lambda e: changes.append(e) if isinstance(e, EndpointChanged) else None)
    sender.bus = bus
    a = sender.add_endpoint(consumer.url + "/a")
    b = sender.add_endpoint(consumer.url + "/b")
    clock = VirtualClock()
    message = sender.send("code.scanned", endpoints=[a.id, b.id], now=clock.now()).messages[0]
    await deliver(workspace, clock, message_ids={message.id}, first_attempts_only=True)
    statuses = {d.endpoint_id: d.status for d in sender.deliveries(message.id)}
    assert statuses == {a.id: "pending", b.id: "pending"}  # retries scheduled

    endpoint, canceled = sender.disable_endpoint(a.id, "maintenance")
    assert canceled == 1 and endpoint.disabled and endpoint.disabled_reason == "maintenance"
    assert {d.endpoint_id: d.status for d in sender.deliveries(message.id)}[a.id] == "canceled"
    deleted, removed = sender.delete_endpoint(b.id)
    assert (deleted, removed) == (b.id, 2)  # the failed attempt and its pending retry
    assert workspace.store.get_endpoint(b.id) is None
    assert workspace.store.get_message(message.id) is not None  # messages are never deleted

    # nothing left to send: the dispatcher runs dry without another request
    sent = len(consumer.requests)
    await deliver(workspace, clock, message_ids={message.id})
    assert len(consumer.requests) == sent
    assert [(c.endpoint_id, c.endpoint is None) for c in changes[-2:]] == [(a.id, False), (b.id, True)]

    # enabling again keeps the configuration; cancelled attempts stay cancelled
    again = sender.enable_endpoint(a.id)
    assert not again.disabled and again.url == a.url and again.secret == a.secret
    assert {d.endpoint_id: d.status for d in sender.deliveries(message.id)}[a.id] == "canceled"
    sender.disable_endpoint(a.id)
    with pytest.raises(SenderError, match="disabled"):
        sender.send("code.scanned", endpoints=[a.id])


async def test_a_retry_in_flight_is_not_resurrected_by_a_disable(workspace, consumers):
    """Disabling while an attempt is on the wire: its outcome is recorded, its retry is not queued."""
    sender = Sender(workspace)
    consumer = await consumers()
    endpoint = sender.add_endpoint(consumer.url)
    consumer.always(500, delay=0.5)
    message = sender.send("code.scanned", endpoints=[endpoint.id]).messages[0]
    dispatcher = Dispatcher(workspace, clock=VirtualClock(), timeout=10)
    task = asyncio.create_task(dispatcher.run(until_idle=True, message_ids={message.id}))
    deadline = time.monotonic() + 10
    while not consumer.requests:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.01)
    sender.disable_endpoint(endpoint.id)
    await asyncio.wait_for(task, 20)
    await dispatcher.aclose()
    attempts = workspace.store.message_attempts([message.id])
    assert [(a.number, a.status) for a in attempts] == [(1, "failed")]
