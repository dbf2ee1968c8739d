"""The receiver's hand-written encoders (issue 15, ingest at 0.8x) write exactly what the generic ones
wrote: the ``listen --json`` line, the stored headers text, the event type read from a body, and a
batch stored as one multi-row INSERT."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hookdev import receiver
from hookdev.cli.listen import request_line
from hookdev.ids import new_id
from hookdev.models import Capture
from hookdev.presentation import capture_json
from hookdev.store import Store
from hookdev.store import captures as store_captures
from hookdev.store.captures import _headers_text

latin1 = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=255), max_size=40)
anything = st.text(max_size=40)
names = st.sampled_from(["authorization", "Authorization", "proxy-authorization", "x-a", "content-type"])
header_lists = st.lists(st.tuples(st.one_of(names, latin1), latin1), max_size=8)


def capture_of(headers, *, verified=None, status=200, event_type=None, reason=None, **more) -> Capture:
    return Capture(
        id=new_id("req"),
        received_at=more.pop("received_at", time.time()),
        method=more.pop("method", "POST"),
        path=more.pop("path", "/hooks/é"),
        query=more.pop("query", "a=1&b=é"),
        headers=headers,
        body=b"{}",
        body_size=more.pop("body_size", 2),
        verified=verified,
        status=status,
        event_type=event_type,
        reason=reason,
        scheme=more.pop("scheme", None),
        webhook_id=more.pop("webhook_id", None),
    )


def reference_line(capture: Capture) -> bytes:
    return json.dumps({"event": "request", **capture_json(capture)}, ensure_ascii=False).encode()


@settings(max_examples=300, deadline=None)
@given(
    headers=header_lists,
    verified=st.sampled_from([None, True, False]),
    status=st.one_of(st.none(), st.integers(100, 599)),
    event_type=st.one_of(st.none(), anything),
    reason=st.one_of(st.none(), anything),
    path=latin1,
    query=latin1,
    webhook_id=st.one_of(st.none(), latin1),
    received_at=st.one_of(st.floats(0, 4e9), st.floats(1e11, 2.5e11)),  # iso() past that: year 10000
)
def test_the_listen_line_is_exactly_what_json_dumps_wrote(
    headers, verified, status, event_type, reason, path, query, webhook_id, received_at
):
    capture = capture_of(
        headers,
        verified=verified,
        status=status,
        event_type=event_type,
        reason=reason,
        path=path,
        query=query,
        webhook_id=webhook_id,
        received_at=received_at,
        scheme="standard" if verified is not None else None,
    )
    assert request_line(capture) == reference_line(capture)


def test_the_listen_line_redacts_authorization_and_joins_repeated_headers():
    capture = capture_of([("authorization", "Bearer topsecret"), ("x-team", "a"), ("x-team", "b")])
    line = json.loads(request_line(capture))
    assert line["headers"] == {"authorization": "Bearer ••••", "x-team": "a, b"}
    assert b"topsecret" not in request_line(capture)


@settings(max_examples=300, deadline=None)
@given(headers=header_lists)
def test_the_headers_column_text_is_exactly_json_dumps(headers):
    assert _headers_text(headers) == json.dumps(headers)


@pytest.mark.parametrize("odd", [[("a", 1)], [("a",)], [("a", "b", "c")], [["a", "b"]], [("a", None)]])
def test_headers_that_are_not_pairs_of_text_are_stored_as_json_dumps_makes_them(odd):
    assert _headers_text(odd) == json.dumps(odd)


BODIES = [
    b'{"type":"a"}',
    b'{"type":"a","type":"b"}',
    b' \n{"type": "spaced"}',
    b'{"type": 1}',
    b'{"type": null}',
    b'{"TYPE":"x"}',
    b'{"data":{"type":"inner"},"type":"outer"}',
    b'{"type":"\\ud800"}',
    b'{"type":"x","n":NaN}',
    b'{"type":"x","n":1e400}',
    b'{"type":"x","n":123456789012345678901234567890}',
    b'\xef\xbb\xbf{"type":"bom"}',
    '{"type":"utf16"}'.encode("utf-16"),
    b'{"type":"x"',
    b'{"type":"a"}x',
    b'{"type":"\xff"}',
    b'{"type":"\x01"}',
    b'{"type":"caf\xc3\xa9"}',
    b'{"type":"ok\\u0000"}',
    b"[]",
    b"not json",
    b"",
]


def reference_event_type(body: bytes) -> str | None:
    """What the receiver read before the fast path: json.loads, the top-level "type" if a str."""
    if not body.lstrip().startswith(b"{"):
        return None
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    value = data.get("type") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


@pytest.mark.parametrize("fast", [True, False], ids=["orjson", "json-only"])
@pytest.mark.parametrize("body", BODIES)
def test_the_event_type_is_read_as_json_loads_reads_it(body, fast, monkeypatch):
    if fast:
        pytest.importorskip("orjson")
    else:
        monkeypatch.setattr(receiver, "_fast_loads", None)
    assert receiver._event_type(body) == reference_event_type(body)


@pytest.mark.parametrize("size", [1, 2, 7, store_captures._MULTI_MAX, store_captures._MULTI_MAX + 45])
def test_a_batch_is_stored_whole_and_in_order(tmp_path: Path, size: int):
    store = Store(tmp_path / "hookdev.db")
    try:
        batch = [
            capture_of([("x-i", str(i)), ("webhook-id", f"msg_{i}")], webhook_id=f"msg_{i}", status=200)
            for i in range(size)
        ]
        for i, c in enumerate(batch):
            c.body = f'{{"i":{i}}}'.encode()
        assert store.insert_captures(batch) == [None] * size
        rows = store.conn.execute("SELECT id, body, headers FROM captures ORDER BY rowid").fetchall()
        assert [r[0] for r in rows] == [c.id for c in batch]
        assert [bytes(r[1]) for r in rows] == [c.body for c in batch]
        assert [r[2] for r in rows] == [json.dumps(c.headers) for c in batch]
        assert store.get_capture(batch[-1].id).headers == batch[-1].headers
    finally:
        store.close()


def test_a_duplicate_id_in_a_batch_fails_alone(tmp_path: Path):
    """The multi-row statement fails as a whole; every other row is then stored on its own."""
    store = Store(tmp_path / "hookdev.db")
    try:
        batch = [capture_of([("x-i", str(i))]) for i in range(5)]
        batch[3].id = batch[1].id
        errors = store.insert_captures(batch)
        assert [e is None for e in errors] == [True, True, True, False, True]
        assert "UNIQUE" in errors[3]
        assert store.count_captures() == 4
    finally:
        store.close()


def test_ids_drawn_from_the_pool_are_unique_across_threads_and_a_fork():
    """Random characters come from a shared pool: threads never get the same ones, and a forked child
    does not repeat what its parent hands out next."""
    import os
    import threading

    got: list[str] = []
    lock = threading.Lock()

    def draw() -> None:
        mine = [new_id("req", now=1_700_000_000) for _ in range(2000)]
        with lock:
            got.extend(mine)

    threads = [threading.Thread(target=draw) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(got)) == len(got) == 8000

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next ids, then leave at once
        os.write(write, " ".join(new_id("req") for _ in range(50)).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read, "rb") as pipe:
        child = pipe.read().decode().split()
    parent = [new_id("req") for _ in range(50)]
    assert len(child) == 50
    assert not {i[12:] for i in child} & {i[12:] for i in parent}


@settings(max_examples=200, deadline=None)
@given(key=st.binary(min_size=1, max_size=200), prefix=st.binary(max_size=60), body=st.binary(max_size=3000))
def test_the_cached_hmac_states_give_exactly_hmac_sha256(key, prefix, body):
    """The receiver's HMAC from cached inner/outer SHA-256 states equals the standard library's, for
    keys shorter and longer than the block (64 bytes: longer keys are hashed first)."""
    import hmac

    from hookdev.signing.standard import _digest, _hmac_states

    assert _digest(_hmac_states(key), prefix, body) == hmac.new(key, prefix + body, "sha256").digest()
