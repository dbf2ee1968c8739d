"""The Inbox's arrivals queue: a trickle is taken at once, a flood in batches spaced FLOOD_INTERVAL
apart, nothing lost or reordered, pushes from another thread while the app takes; a key press asks
the receiver to step aside briefly."""

from __future__ import annotations

import gc
import threading
import time

import pytest

from hookdev.models import Capture
from hookdev.tui.arrivals import FLOOD_BATCH, FLOOD_INTERVAL, KEY_PRIORITY, Arrivals, FloodGC, KeyPriority


def _capture(i: int) -> Capture:
    return Capture(
        id=f"req_{i:06d}",
        received_at=float(i),
        method="POST",
        path="/",
        query="",
        headers=[],
        body=b"",
        body_size=0,
    )


def test_a_trickle_is_taken_at_once_and_a_flood_in_spaced_batches() -> None:
    now = [100.0]
    arrivals = Arrivals(clock=lambda: now[0])
    assert arrivals.take() == []
    arrivals.push(_capture(1))
    assert [c.id for c in arrivals.take()] == ["req_000001"]
    now[0] += 0.1
    for i in range(FLOOD_BATCH):  # a flood: taken whole, then the next batch waits
        arrivals.push(_capture(10 + i))
    assert len(arrivals.take()) == FLOOD_BATCH
    arrivals.push(_capture(99))
    now[0] += FLOOD_INTERVAL / 2
    assert arrivals.take() == [] and len(arrivals) == 1
    now[0] += FLOOD_INTERVAL / 2
    assert [c.id for c in arrivals.take()] == ["req_000099"]  # a small batch: the flood is over
    arrivals.push(_capture(100))
    now[0] += 0.01
    assert [c.id for c in arrivals.take()] == ["req_000100"]


def test_pushes_from_another_thread_are_all_taken_in_order() -> None:
    ticks = iter(range(10**9))
    arrivals = Arrivals(clock=lambda: next(ticks) * FLOOD_INTERVAL)  # every take is due
    total, taken = 20_000, []
    thread = threading.Thread(target=lambda: [arrivals.push(_capture(i)) for i in range(total)])
    thread.start()
    deadline = time.monotonic() + 30
    while (thread.is_alive() or len(arrivals)) and time.monotonic() < deadline:
        taken.extend(arrivals.take())
    thread.join(10)
    assert [c.id for c in taken] == [f"req_{i:06d}" for i in range(total)]


def test_a_key_press_asks_the_receiver_to_step_aside_briefly() -> None:
    now = [50.0]
    keys = KeyPriority(clock=lambda: now[0])
    assert keys.pause() <= 0  # no key yet: the receiver runs on
    keys.key_pressed()
    assert keys.pause() == pytest.approx(KEY_PRIORITY)
    now[0] += KEY_PRIORITY / 2
    assert 0 < keys.pause() < KEY_PRIORITY
    now[0] += KEY_PRIORITY
    assert keys.pause() <= 0


def test_no_full_collection_while_a_flood_lasts_and_collection_resumes_after() -> None:
    assert gc.isenabled()
    flood_gc = FloodGC()
    try:
        flood_gc.batch_taken(flooding=True)
        assert flood_gc.held and not gc.isenabled()  # automatic collection (and so gen 2) is off
        before = gc.get_stats()[1]["collections"]
        flood_gc.batch_taken(flooding=True)
        assert gc.get_stats()[1]["collections"] > before  # the young generations, with each batch
        flood_gc.batch_taken(flooding=False)  # the flood is over
        assert not flood_gc.held and gc.isenabled()
        flood_gc.release()  # releasing twice changes nothing
        assert gc.isenabled()
    finally:
        gc.enable()


def test_a_collector_disabled_by_someone_else_stays_as_it_was() -> None:
    gc.disable()
    try:
        flood_gc = FloodGC()
        flood_gc.batch_taken(flooding=True)
        flood_gc.batch_taken(flooding=False)
        assert not flood_gc.held and not gc.isenabled()  # not ours to turn back on
    finally:
        gc.enable()
