"""The retry schedule end to end against a real consumer: the whole 27 h 35 min on a virtual clock,
then compressed in real time through the CLI; 410 Gone; Retry-After."""

from __future__ import annotations

import email.utils
import json
import time

import pytest

from hookdev.delivery.clock import VirtualClock
from hookdev.delivery.schedule import MAX_ATTEMPTS, offsets
from hookdev.events import AttemptFinished, EndpointChanged, EventBus
from hookdev.sender import Sender
from tests.integration.sender_support import cli, deliver


def attempts_of(workspace, message_id):
    return sorted(workspace.store.message_attempts([message_id]), key=lambda a: a.number)


async def test_whole_schedule_runs_on_a_virtual_clock_at_the_exact_offsets(workspace, consumers):
    consumer = await consumers()
    sender = Sender(workspace)
    endpoint = sender.add_endpoint(consumer.url)
    consumer.secrets = [endpoint.secret]
    consumer.always(500)
    clock = VirtualClock(start=1_800_000_000.0)
    bus = EventBus()
    finished = []
    bus.subscribe(lambda e: finished.append(e) if isinstance(e, AttemptFinished) else None)

    message = sender.send("code.scanned", endpoints=[endpoint.id], now=clock.now()).messages[0]
    await deliver(workspace, clock, bus, message_ids={message.id})

    attempts = attempts_of(workspace, message.id)
    assert [a.number for a in attempts] == list(range(1, MAX_ATTEMPTS + 1))
    assert [a.started_at - 1_800_000_000.0 for a in attempts] == pytest.approx(
        [0, 5, 305, 2105, 9305, 27305, 63305, 99305], abs=1e-3
    )
    assert offsets()[-1] == 99305
    assert [a.status for a in attempts] == ["failed"] * 8
    assert all(a.status_code == 500 and a.trigger == "scheduled" for a in attempts)
    assert attempts[-1].extra.get("exhausted") is True
    assert [d.status for d in sender.deliveries(message.id)] == ["failed"]
    # the consumer saw 8 requests, same webhook-id, each verified by the svix package, body byte-exact
    assert len(consumer.requests) == 8
    assert {r.webhook_id for r in consumer.requests} == {message.id}
    assert all(r.verified_with == [endpoint.secret] for r in consumer.requests)
    assert all(r.body == message.payload for r in consumer.requests)
    # every attempt but the last announced its retry; the last announced none
    assert [e.next_attempt is not None for e in finished] == [True] * 7 + [False]


async def test_success_stops_the_schedule(workspace, consumers):
    consumer = await consumers()
    sender = Sender(workspace)
    endpoint = sender.add_endpoint(consumer.url)
    consumer.fail_next(2, 502)
    clock = VirtualClock(start=1_800_000_000.0)
    message = sender.send("code.scanned", endpoints=[endpoint.id], now=clock.now()).messages[0]
    await deliver(workspace, clock, message_ids={message.id})
    attempts = attempts_of(workspace, message.id)
    assert [(a.number, a.status, a.status_code) for a in attempts] == [
        (1, "failed", 502),
        (2, "failed", 502),
        (3, "success", 200),
    ]
    assert attempts[2].started_at - attempts[0].started_at == pytest.approx(305, abs=1e-3)
    d = sender.deliveries(message.id)[0]
    assert (d.status, d.attempts, d.last_status_code) == ("success", 3, 200)


async def test_schedule_compressed_by_time_scale_through_the_cli(workspace, consumers, tmp_path):
    consumer = await consumers()
    sender = Sender(workspace)
    endpoint = sender.add_endpoint(consumer.url)
    consumer.always(503)
    started = time.monotonic()
    code, out, err = await cli(
        "send",
        "code.scanned",
        "--endpoint",
        endpoint.id,
        "--wait",
        "--time-scale",
        "72000",
        "--json",
        home=workspace.home,
    )
    took = time.monotonic() - started
    assert code == 1, err  # --wait: a failed delivery is exit 1
    doc = json.loads(out)
    assert doc["deliveries"][0]["status"] == "failed"
    assert doc["deliveries"][0]["attempts"] == 8
    assert doc["deliveries"][0]["last_status_code"] == 503
    assert len(consumer.requests) == 8
    attempts = attempts_of(workspace, doc["message_id"])
    # each retry is scheduled when the previous attempt ended, the schedule's delay divided by the scale
    ended = [a.started_at + a.duration_ms / 1000 for a in attempts]
    gaps = [b.scheduled_at - end for end, b in zip(ended, attempts[1:], strict=False)]
    assert gaps == pytest.approx([d / 72000 for d in (5, 300, 1800, 7200, 18000, 36000, 36000)], abs=0.05)
    assert took < 60  # 1.4 s of waits; generous for a loaded machine


async def test_410_gone_disables_the_endpoint_and_cancels_its_pending_retries(workspace, consumers):
    consumer = await consumers()
    sender = Sender(workspace)
    endpoint = sender.add_endpoint(consumer.url)
    clock = VirtualClock(start=1_800_000_000.0)
    bus = EventBus()
    changes = []
    bus.subscribe(lambda e: changes.append(e) if isinstance(e, EndpointChanged) else None)

    consumer.fail_next(1, 500)
    first = sender.send("code.scanned", endpoints=[endpoint.id], now=clock.now()).messages[0]
    await deliver(workspace, clock, bus, message_ids={first.id}, first_attempts_only=True)
    assert [a.status for a in attempts_of(workspace, first.id)] == ["failed", "pending"]

    consumer.always(410)
    second = sender.send("code.scanned", endpoints=[endpoint.id], now=clock.now()).messages[0]
    await deliver(workspace, clock, bus, message_ids={second.id})

    updated = workspace.store.get_endpoint(endpoint.id)
    assert updated.disabled is True
    assert "410 Gone" in updated.disabled_reason
    assert [a.status for a in attempts_of(workspace, second.id)] == ["failed"]  # no retry after 410
    assert [a.status for a in attempts_of(workspace, first.id)] == ["failed", "canceled"]
    assert len(consumer.requests) == 2
    assert [c.endpoint_id for c in changes] == [endpoint.id] and changes[0].endpoint.disabled
    assert sender.matching_endpoints("code.scanned", []) == [workspace.store.get_endpoint("ep_local")]


async def test_retry_after_delays_the_next_attempt_but_never_below_the_schedule(workspace, consumers):
    consumer = await consumers()
    sender = Sender(workspace)
    endpoint = sender.add_endpoint(consumer.url)
    clock = VirtualClock(start=1_800_000_000.0)
    http_date = email.utils.formatdate(time.time() + 7200, usegmt=True)
    consumer.fail_next(1, 429, headers={"Retry-After": "600"})  # longer than 5 s: wins
    consumer.fail_next(1, 503, headers={"Retry-After": "1"})  # shorter than 5 min: the schedule wins
    consumer.fail_next(1, 429, headers={"Retry-After": http_date})  # an HTTP date, ~2 h away
    consumer.fail_next(1, 500, headers={"Retry-After": "99999"})  # not 429/503: ignored
    message = sender.send("code.scanned", endpoints=[endpoint.id], now=clock.now()).messages[0]
    await deliver(workspace, clock, message_ids={message.id})

    attempts = attempts_of(workspace, message.id)
    gaps = [b.started_at - a.started_at for a, b in zip(attempts, attempts[1:], strict=False)]
    assert [a.status_code for a in attempts] == [429, 503, 429, 500, 200]
    assert gaps[0] == pytest.approx(600, abs=1e-3)
    assert gaps[1] == pytest.approx(300, abs=1e-3)
    assert gaps[2] == pytest.approx(7200, abs=5)
    assert gaps[3] == pytest.approx(7200, abs=1e-3)  # the 4th failure waits the schedule's 2 h
    assert attempts[1].extra["retry_after"] == 600
