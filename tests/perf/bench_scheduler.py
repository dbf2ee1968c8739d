"""The delivery queue at scale: 100,000 pending attempts in one workspace.

- enqueue: messages + first attempts written through ``Sender.send`` (1,000 per transaction);
- memory: RSS growth of a process that opens the workspace and claims from it, against holding the
  same attempts as objects in a list (what an in-memory queue would cost);
- next due: the time to find the next due attempt with 1,000 vs 100,000 pending (the index keeps it
  flat: ratio ~1);
- restart: open the workspace, start a dispatcher and claim the first due attempt (target < 2 s).

`python tests/perf/bench_scheduler.py` prints the rows.
"""

from __future__ import annotations

import gc
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hookdev.sender import MAX_BATCH, Sender
from hookdev.workspace import Workspace

PENDING = 100_000
SMALL = 1_000
LOOKUPS = 2_000

# Measured in a fresh process so nothing else of this benchmark is in its RSS.
RESTART = r"""
import asyncio, sys, time
from hookdev.delivery.clock import RealClock
from hookdev.delivery.dispatcher import Dispatcher
from hookdev.events import AttemptStarted, EventBus
from hookdev.workspace import Workspace

def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024

async def main():
    base = rss()
    start = time.perf_counter()
    ws = Workspace(sys.argv[1])
    bus = EventBus()
    started = asyncio.Event()
    bus.subscribe(lambda e: started.set() if isinstance(e, AttemptStarted) else None)
    d = Dispatcher(ws, clock=RealClock(), bus=bus, timeout=2)
    task = asyncio.create_task(d.run())
    await started.wait()
    first = time.perf_counter() - start
    grown = rss() - base
    task.cancel()
    await d.aclose()
    print(first, grown)

asyncio.run(main())
"""


def _rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _fill(sender: Sender, endpoint_id: str, count: int, start: float) -> float:
    """Queue ``count`` messages due an hour from now and later; seconds taken."""
    began = time.perf_counter()
    done = 0
    while done < count:
        n = min(MAX_BATCH, count - done)
        sender.send("code.scanned", endpoints=[endpoint_id], count=n, now=start + 3600 + done)
        done += n
    return time.perf_counter() - began


def _next_due_seconds(workspace: Workspace) -> float:
    store = workspace.store
    times = []
    for _ in range(LOOKUPS):
        t = time.perf_counter()
        store.next_due()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _list_memory(count: int) -> int:
    """RSS growth from holding ``count`` pending attempts as Python objects."""
    from hookdev.models import Attempt

    gc.collect()
    before = _rss()
    held = [
        Attempt(f"atmpt_{i:022d}", f"msg_{i:022d}", "ep_x", 1, "scheduled", "pending", 1e9 + i)
        for i in range(count)
    ]
    grown = _rss() - before
    del held
    return grown


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as small_home, tempfile.TemporaryDirectory() as home:
        now = time.time()
        small = Workspace(small_home)
        s_sender = Sender(small)
        s_sender.disable_endpoint("ep_local")
        _fill(s_sender, s_sender.add_endpoint("http://127.0.0.1:9/").id, SMALL, now)

        workspace = Workspace(home)
        sender = Sender(workspace)
        sender.disable_endpoint("ep_local")
        endpoint = sender.add_endpoint("http://127.0.0.1:9/")  # nothing listens: refused at once
        enqueue = _fill(sender, endpoint.id, PENDING, now)
        assert workspace.store.count_open() == PENDING

        small_due = _next_due_seconds(small)
        big_due = _next_due_seconds(workspace)
        small.close()

        sender.send("code.scanned", endpoints=[endpoint.id])  # one due now, among 100,000 later
        workspace.close()
        out = subprocess.run(
            [sys.executable, "-c", RESTART, home], capture_output=True, text=True, timeout=120, check=True
        ).stdout.split()
        restart, rss_growth = float(out[0]), int(out[1])
    in_memory = _list_memory(PENDING)
    return [
        {
            "benchmark": "scheduler",
            "metric": f"enqueue {PENDING:,} messages + attempts",
            "value": PENDING / enqueue,
            "unit": "attempts/s",
            "baseline": "seconds in all",
            "baseline_value": enqueue,
            "ratio": float("nan"),
            "target": "-",
        },
        {
            "benchmark": "scheduler",
            "metric": f"RSS growth: open + first claim with {PENDING:,} pending",
            "value": rss_growth / 2**20,
            "unit": "MiB",
            "baseline": f"{PENDING:,} Attempt objects in a list",
            "baseline_value": in_memory / 2**20,
            "ratio": rss_growth / in_memory if in_memory else float("nan"),
            "target": "< 0.5",
        },
        {
            "benchmark": "scheduler",
            "metric": f"find next due attempt, {PENDING:,} pending",
            "value": big_due * 1e6,
            "unit": "us",
            "baseline": f"same with {SMALL:,} pending",
            "baseline_value": small_due * 1e6,
            "ratio": big_due / small_due,
            "target": "<= 2 (flat)",
        },
        {
            "benchmark": "scheduler",
            "metric": f"restart: open workspace + first claim, {PENDING:,} pending",
            "value": restart,
            "unit": "s",
            "baseline": "target",
            "baseline_value": 2.0,
            "ratio": restart / 2.0,
            "target": "< 1 (under 2 s)",
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
