"""LoopThread: a coroutine run on the thread's own loop and awaited from ours; a plain call there; a
stop that cancels what is left, ends the thread in time, and refuses work afterwards."""

from __future__ import annotations

import asyncio
import threading
import warnings

import pytest

from hookdev.loop_thread import LoopThread


async def test_run_and_call_happen_on_the_thread_and_stop_ends_it() -> None:
    thread = LoopThread("test-loop")
    thread.start()
    try:
        assert thread.running and thread.thread_id not in (None, threading.get_ident())

        async def where() -> tuple[int, asyncio.AbstractEventLoop]:
            await asyncio.sleep(0)
            return threading.get_ident(), asyncio.get_running_loop()

        ident, loop = await thread.run(where())
        assert ident == thread.thread_id and loop is thread.loop
        assert loop is not asyncio.get_running_loop()

        called = threading.Event()
        thread.call(lambda: called.set() if threading.get_ident() == ident else None)
        assert await asyncio.to_thread(called.wait, 10)

        with pytest.raises(ValueError, match="boom"):  # an exception comes back to the awaiting loop

            async def fails() -> None:
                raise ValueError("boom")

            await thread.run(fails())
    finally:
        assert await thread.stop(10)
    assert not thread.running


async def test_stop_cancels_work_that_never_ends_and_later_work_is_refused() -> None:
    thread = LoopThread("test-loop")
    thread.start()
    cancelled = threading.Event()

    async def forever() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            cancelled.set()

    future = thread.submit(forever())
    assert await thread.stop(10), "the thread did not end"
    assert cancelled.is_set() and future.cancelled()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the refused coroutine is closed, never "never awaited"

        async def nothing() -> None:
            return None

        with pytest.raises(RuntimeError, match="not running"):
            thread.submit(nothing())
    thread.call(lambda: None)  # nothing happens, nothing raised


async def test_stop_before_start_is_a_no_op() -> None:
    assert await LoopThread("never-started").stop(1)


async def test_the_pause_callback_is_asked_on_the_thread_and_never_stops_the_loop() -> None:
    asked: list[int] = []
    calls = 0

    def pause() -> float:
        nonlocal calls
        calls += 1
        asked.append(threading.get_ident())
        if calls % 3 == 0:
            raise RuntimeError("a broken callback")  # ignored: the loop goes on
        return 0.001  # step aside a millisecond before every pass

    thread = LoopThread("test-loop", pause=pause)
    thread.start()
    try:

        async def work() -> int:
            total = 0
            for i in range(20):  # every await is another pass of the loop
                await asyncio.sleep(0)
                total += i
            return total

        assert await thread.run(work()) == sum(range(20))
        assert calls >= 20 and set(asked) == {thread.thread_id}
    finally:
        assert await thread.stop(10)
