"""The per-endpoint rate limit (evenly spaced slots, burst of one): pure functions."""

from __future__ import annotations

import pytest

from hookdev.delivery.ratelimit import TOLERANCE, admit


def test_no_limit_admits_everything():
    assert admit(None, None, 10.0).admitted
    assert admit(None, 99.0, 10.0).admitted


def test_slots_are_spaced_one_interval_apart():
    a = admit(10, None, 100.0)
    assert a.admitted and a.next_at == pytest.approx(100.1)
    b = admit(10, a.next_at, 100.0)  # same instant: must wait for the slot
    assert not b.admitted and b.next_at == pytest.approx(100.1)
    c = admit(10, a.next_at, 100.1)
    assert c.admitted and c.next_at == pytest.approx(100.2)


def test_waking_slightly_early_counts_as_on_time():
    assert admit(10, 100.1, 100.1 - TOLERANCE / 2).admitted


def test_a_late_wakeup_does_not_lose_the_rate():
    # woke 30 ms late for the slot at 100.1: the next slot stays on the 100 ms grid
    late = admit(10, 100.1, 100.13)
    assert late.admitted and late.next_at == pytest.approx(100.2)


def test_catch_up_is_at_most_one_interval():
    # idle for a long time: no burst of saved-up slots, the next one is one interval after now
    idle = admit(10, 100.1, 200.0)
    assert idle.admitted and idle.next_at == pytest.approx(200.1)
    assert not admit(10, idle.next_at, 200.0).admitted


def test_simulated_run_sends_exactly_at_the_rate():
    rate, now, slot, sent = 50.0, 0.0, None, []
    while len(sent) < 500:
        a = admit(rate, slot, now)
        if a.admitted:
            sent.append(now)
            slot = a.next_at
        else:
            now = a.next_at + 0.0007  # a dispatcher that always wakes a little late
    measured = (len(sent) - 1) / (sent[-1] - sent[0])
    assert measured == pytest.approx(rate, rel=0.01)
