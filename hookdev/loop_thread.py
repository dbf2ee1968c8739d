"""An asyncio event loop on a thread of its own, for work that must not share the caller's loop.

The TUI runs its receiver (uvicorn, verify, group commit, forwarding, the relay client) here, so a
flood of requests does not stand between a key press and the screen: the app's loop only takes the
captures the receiver hands over. ``run`` awaits a coroutine on this loop from another loop,
``submit`` starts one without waiting, ``call`` runs a plain function here; ``stop`` cancels what
is left, stops the loop and joins the thread, each step with a deadline (never a hang on quit).

``pause`` (optional) is asked before every pass of the loop how long to hold off (seconds; at most
``MAX_PAUSE``): the TUI asks its receiver to step aside for a few milliseconds after a key press, so
the key and the frame that shows it get the interpreter to themselves (threads share one GIL).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import selectors
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

#: How long ``stop`` lets the loop's remaining tasks finish after cancelling them.
CANCEL_GRACE = 3.0
#: The longest a loop pass is held off when ``pause`` asks for it.
MAX_PAUSE = 0.05


class _PausingSelector(selectors.DefaultSelector):
    """The loop's selector, which first sleeps (the GIL released) for as long as ``pause`` says."""

    def __init__(self, pause: Callable[[], float]) -> None:
        super().__init__()
        self._pause = pause

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        try:
            wait = self._pause()
        except Exception:  # a broken callback must never stop the loop
            wait = 0.0
        if wait > 0:
            time.sleep(min(wait, MAX_PAUSE))
        return super().select(timeout)


class LoopThread:
    """One daemon thread running one asyncio loop until ``stop``."""

    def __init__(self, name: str, *, pause: Callable[[], float] | None = None) -> None:
        self.name = name
        self._pause = pause
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def thread_id(self) -> int | None:
        return self._thread.ident if self._thread is not None else None

    def start(self) -> None:
        """Start the thread; returns once its loop runs (at most a few milliseconds)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._main, name=self.name, daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError(f"the {self.name} thread did not start")

    def _main(self) -> None:
        loop = (
            asyncio.SelectorEventLoop(_PausingSelector(self._pause))
            if self._pause is not None
            else asyncio.new_event_loop()
        )
        asyncio.set_event_loop(loop)
        self.loop = loop
        loop.call_soon(self._ready.set)
        try:
            loop.run_forever()
        finally:
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def _live_loop(self) -> asyncio.AbstractEventLoop:
        loop = self.loop
        if loop is None or loop.is_closed() or not self.running:
            raise RuntimeError(f"the {self.name} thread is not running")
        return loop

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Start ``coro`` on this loop; the returned future is thread-safe (``cancel`` cancels it)."""
        try:
            loop = self._live_loop()
        except RuntimeError:
            coro.close()
            raise
        return asyncio.run_coroutine_threadsafe(coro, loop)

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on this loop and await its result from the caller's loop."""
        return await asyncio.wrap_future(self.submit(coro))

    def call(self, fn: Callable[[], Any]) -> None:
        """Run ``fn`` soon on this loop (no result; nothing happens once the thread has stopped)."""
        with contextlib.suppress(RuntimeError):
            self._live_loop().call_soon_threadsafe(fn)

    async def stop(self, timeout: float = 10.0) -> bool:
        """Cancel the loop's remaining tasks, stop it and join the thread; True when it ended in time."""
        thread, loop = self._thread, self.loop
        if thread is None or loop is None:
            return True
        deadline = time.monotonic() + timeout
        if thread.is_alive() and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # closed meanwhile
                loop.call_soon_threadsafe(lambda: loop.create_task(_finish(loop)))
        while thread.is_alive() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return not thread.is_alive()


async def _finish(loop: asyncio.AbstractEventLoop) -> None:
    """On the thread's loop: cancel every other task, give them a grace period, stop the loop."""
    me = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks(loop) if t is not me and not t.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=CANCEL_GRACE)
    loop.stop()
