"""Inbox search over 100,000 captures: the first screen of a search (count + the first page of rows, what
the Inbox asks for) with the FTS5 index, against the same search by scanning the bodies; the cost of
indexing; and what the capture indexes cost the receiver's group commit.

Target: every query's first screen under 100 ms.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from pathlib import Path

from hookdev.models import Capture
from hookdev.store import Store
from hookdev.tui.inbox_model import Filter, InboxModel

N = 100_000
QUERIES = (
    'body:"cus_77777"',  # one capture, deep in a body
    "growth",  # a header value on a third of them: many matches
    'type:code.* status:4xx body:"cus_123"',
    "header:x-team=growth status:2xx",
    "sku_3_99999",  # a free word, rare
    "nothing-matches-this",
)
TYPES = ("code.created", "code.scanned", "page.published", "contact.captured")
TEAMS = ("growth", "core", "platform")


def _capture(i: int, rng: random.Random) -> Capture:
    body = json.dumps(
        {
            "type": TYPES[i % len(TYPES)],
            "timestamp": "2026-11-29T12:00:00Z",
            "data": {
                "id": f"cus_{i}",
                "name": "".join(rng.choices("abcdefghijklmnopqrstuvwxyz ", k=60)),
                "items": [{"sku": f"sku_{j}_{i}", "qty": j} for j in range(8)],
            },
        }
    ).encode()[:1024]
    headers = [
        ("host", "127.0.0.1:8787"),
        ("content-type", "application/json"),
        ("user-agent", "hookdev-bench"),
        ("webhook-id", f"msg_{i}"),
        ("webhook-timestamp", "1764417600"),
        ("webhook-signature", "v1," + "A" * 44),
        ("x-team", TEAMS[i % 3]),
    ]
    return Capture(
        id=f"req_{i:012d}",
        received_at=1_764_417_600 + i / 100,
        method="POST",
        path="/webhooks",
        query="",
        headers=headers,
        body=body,
        body_size=len(body),
        webhook_id=f"msg_{i}",
        event_type=TYPES[i % len(TYPES)],
        verified=True,
        status=200 if i % 10 else 404,
    )


def _fill(store: Store, n: int) -> float:
    rng = random.Random(7)
    captures = [_capture(i, rng) for i in range(n)]
    started = time.perf_counter()
    for k in range(0, n, 32):  # the receiver's group commit: a batch per loop pass
        store.insert_captures(captures[k : k + 32])
    return time.perf_counter() - started


def _first_screen(store: Store, query: str) -> tuple[float, int]:
    model = InboxModel(store)
    started = time.perf_counter()
    model.reload(Filter(text=query))
    return (time.perf_counter() - started) * 1000, len(model)


def _scan_first_screen(store: Store, word: str) -> float:
    """The baseline: the same free word by scanning every body (no index), count + first page."""
    needle = word.lower()
    started = time.perf_counter()
    with store.lock:
        store.conn.execute(
            "SELECT count(*) FROM captures WHERE instr(lower(CAST(body AS TEXT)), ?) > 0", (needle,)
        ).fetchone()
        store.conn.execute(
            "SELECT id FROM captures WHERE instr(lower(CAST(body AS TEXT)), ?) > 0"
            " ORDER BY received_at DESC LIMIT 400",
            (needle,),
        ).fetchall()
    return (time.perf_counter() - started) * 1000


def run() -> list[dict]:
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as home:
        store = Store(Path(home) / "hookdev.db")
        fill = _fill(store, N)
        started = time.perf_counter()
        store.index_captures()
        index = time.perf_counter() - started
        times = {q: _first_screen(store, q) for q in QUERIES}
        times = {q: min(times[q], _first_screen(store, q)) for q in QUERIES}  # warm: best of two
        scan = min(_scan_first_screen(store, "cus_77777") for _ in range(2))
        worst_q = max(times, key=lambda q: times[q][0])
        worst, hits = times[worst_q]
        store.close()

    with tempfile.TemporaryDirectory() as home:
        bare = Store(Path(home) / "hookdev.db")
        bare.conn.execute("DROP INDEX captures_webhook_id")
        bare.conn.execute("DROP INDEX captures_replay_of")
        bare_fill = _fill(bare, 20_000)
        bare.close()
    with tempfile.TemporaryDirectory() as home:
        indexed = Store(Path(home) / "hookdev.db")
        indexed_fill = _fill(indexed, 20_000)
        indexed.close()

    detail = "; ".join(f"{q} {t:.0f} ms/{n:,}" for q, (t, n) in times.items())
    rows.append(
        {
            "benchmark": "search",
            "metric": f"slowest first screen of {len(QUERIES)} searches over {N:,} captures ({worst_q}: "
            f"{hits:,}{'+' if hits >= 5000 else ''} hits)",
            "value": worst,
            "unit": "ms",
            "baseline": "target",
            "baseline_value": 100.0,
            "ratio": worst / 100.0,
            "target": "<= 1.0",
        }
    )
    rows.append(
        {
            "benchmark": "search",
            "metric": 'first screen of body:"cus_77777" with the FTS5 index',
            "value": times[QUERIES[0]][0],
            "unit": "ms",
            "baseline": "the same by scanning every body (no index)",
            "baseline_value": scan,
            "ratio": times[QUERIES[0]][0] / scan,
            "target": "informational",
        }
    )
    rows.append(
        {
            "benchmark": "search",
            "metric": f"index {N:,} captures (background thread, off the request path)",
            "value": N / index,
            "unit": "captures/s",
            "baseline": f"group-commit inserts of the same {N:,}",
            "baseline_value": N / fill,
            "ratio": (N / index) / (N / fill),
            "target": "informational (it need only outpace the receiver: ingest bench, ~1.7k req/s)",
        }
    )
    rows.append(
        {
            "benchmark": "search",
            "metric": "group-commit insert cost per capture with the webhook-id and replay indexes",
            "value": indexed_fill / 20_000 * 1e6,
            "unit": "us",
            "baseline": "same without those two indexes",
            "baseline_value": bare_fill / 20_000 * 1e6,
            "ratio": indexed_fill / bare_fill,
            "target": "informational",
        }
    )
    print("  " + detail)
    return rows
