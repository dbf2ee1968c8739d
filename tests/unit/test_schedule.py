"""The retry schedule, Retry-After parsing and the clocks: pure functions, no I/O."""

from __future__ import annotations

import asyncio
import email.utils

import pytest

from hookdev.delivery.clock import Clock, RealClock, VirtualClock
from hookdev.delivery.schedule import (
    MAX_ATTEMPTS,
    MAX_RETRY_AFTER,
    RETRY_DELAYS,
    describe,
    next_delay,
    offsets,
    parse_retry_after,
)


def test_schedule_is_the_platforms():
    assert RETRY_DELAYS == (5, 300, 1800, 7200, 18000, 36000, 36000)
    assert MAX_ATTEMPTS == 8
    assert offsets() == [0, 5, 305, 2105, 9305, 27305, 63305, 99305]
    assert offsets()[-1] == 27 * 3600 + 35 * 60 + 5  # the last attempt starts 27 h 35 min 5 s after the first


def test_next_delay_after_each_failure_and_none_after_the_last():
    assert [next_delay(n) for n in range(1, 8)] == [5, 300, 1800, 7200, 18000, 36000, 36000]
    assert next_delay(8) is None
    assert next_delay(9) is None
    assert next_delay(0) is None


@pytest.mark.parametrize(
    ("number", "retry_after", "expected"),
    [
        (1, 60, 60),  # longer than 5 s: honoured
        (2, 60, 300),  # shorter than 5 min: the schedule wins
        (3, 1800, 1800),
        (1, 10**9, MAX_RETRY_AFTER),  # absurd values are capped
        (8, 60, None),  # exhausted whatever the header says
    ],
)
def test_retry_after_only_lengthens_the_wait(number, retry_after, expected):
    assert next_delay(number, retry_after) == expected


def test_parse_retry_after_seconds_and_http_dates():
    now = 1_800_000_000.0
    assert parse_retry_after("120", now) == 120
    assert parse_retry_after(" 7 ", now) == 7
    assert parse_retry_after("1.5", now) == 1.5
    date = email.utils.formatdate(now + 3600, usegmt=True)
    assert parse_retry_after(date, now) == pytest.approx(3600, abs=1)
    past = email.utils.formatdate(now - 3600, usegmt=True)
    assert parse_retry_after(past, now) == 0
    for bad in (None, "", "soon", "-5", "nan", "inf", "Mon, 99 Foo 2020"):
        assert parse_retry_after(bad, now) is None, bad


def test_describe_durations():
    assert [describe(s) for s in (0, 5, 59, 300, 1800, 7200, 99305)] == [
        "0s",
        "5s",
        "59s",
        "5m",
        "30m",
        "2h",
        "27h35m5s",
    ]


async def test_virtual_clock_jumps_forward_only():
    clock = VirtualClock(start=100.0)
    assert isinstance(clock, Clock)
    await clock.sleep(5)
    assert clock.now() == 105.0
    await clock.sleep_until(50.0)  # in the past: time does not go back
    assert clock.now() == 105.0
    await asyncio.wait_for(clock.sleep(36000), 1)  # ten virtual hours, at once
    assert clock.now() == 36105.0
    assert clock.delay(300) == 300


async def test_real_clock_scales_waits_not_time():
    clock = RealClock(3600)
    assert isinstance(clock, Clock)
    assert clock.delay(36000) == 10
    before = clock.now()
    await clock.sleep_until(before + 0.01)
    assert clock.now() >= before + 0.01
    with pytest.raises(ValueError):
        RealClock(0)
