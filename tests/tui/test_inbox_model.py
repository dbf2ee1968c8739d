"""The inbox's windowed model over a real store: paging, live arrivals, and a filter that agrees with SQL."""

from __future__ import annotations

import itertools

from hookdev.models import Capture
from hookdev.tui.inbox_model import FIRST_PAGE, PAGE, Filter, InboxModel


def _capture(
    i: int, verified: bool | None = True, event: str | None = "code.created", path: str = "/hooks"
) -> Capture:
    return Capture(
        id=f"req_{i:010d}",
        received_at=1_700_000_000 + i,
        method="POST",
        path=path,
        query="",
        headers=[],
        body=b"{}",
        body_size=2,
        verified=verified,
        event_type=event,
        status=200,
        reason=None if verified is not False else "no signature matched",
    )


def test_pages_in_rows_on_demand(workspace) -> None:
    store = workspace.store
    for i in range(PAGE * 2 + 7):
        store.insert_capture(_capture(i))
    model = InboxModel(store)
    model.reload()
    assert len(model) == PAGE * 2 + 7 and model.loaded == FIRST_PAGE
    assert model.row(0).id == f"req_{PAGE * 2 + 6:010d}"  # newest first
    assert model.row(len(model) - 1).id == "req_0000000000"
    assert model.loaded == len(model)
    assert model.row(len(model)) is None


def test_live_arrivals_go_on_top_once(workspace) -> None:
    store = workspace.store
    model = InboxModel(store)
    model.reload()
    first = _capture(1)
    store.insert_capture(first)
    assert model.add([first, first]) == 1
    model.ensure(10)  # paging must not list it twice
    assert len(model) == 1 and model.row(0).id == first.id
    second = _capture(2)
    store.insert_capture(second)
    model.add([second])
    assert [model.row(i).id for i in range(2)] == [second.id, first.id]
    assert model.remove(first.id) and len(model) == 1


def test_live_filter_agrees_with_the_store(workspace) -> None:
    store = workspace.store
    captures = [
        _capture(i, verified, event, path)
        for i, (verified, event, path) in enumerate(
            itertools.product(
                [True, False, None], ["code.created", "page.published", None], ["/a", "/Stripe/x"]
            )
        )
    ]
    for c in captures:
        store.insert_capture(c)
    filters = [
        Filter(),
        Filter(verdict="valid"),
        Filter(verdict="invalid"),
        Filter(verdict="unsigned"),
        Filter(event_type="page.published"),
        Filter(text="stripe"),
        Filter(text="NO SIGNATURE"),
        Filter(text="req_00000000", verdict="invalid", event_type="code.created"),
    ]
    for f in filters:
        in_sql = {c.id for c in store.list_captures(limit=None, **f.store_kwargs())}
        live = InboxModel(store)
        live.reload(f)
        assert {live.row(i).id for i in range(len(live))} == in_sql, f
        fresh = InboxModel(store)
        fresh.filter = f
        fresh.add(captures)
        assert {fresh.row(i).id for i in range(len(fresh))} == in_sql, f


def _rich(i: int) -> Capture:
    teams = ("growth", "core", "platform")
    body = f'{{"type":"code.created","data":{{"id":"cus_{i}","note":"pct 50% of {teams[i % 3]}"}}}}'.encode()
    return Capture(
        id=f"req_{i:010d}",
        received_at=1_700_000_000 + i,
        method="POST" if i % 4 else "PUT",
        path="/valid" if i % 2 else "/invalid",
        query="",
        headers=[("content-type", "application/json"), ("x-team", teams[i % 3])],
        body=body,
        body_size=len(body),
        verified=True,
        event_type="code.created" if i % 5 else "page.published",
        webhook_id=f"msg_{i % 7}",
        status=200 if i % 6 else 404,
    )


def test_search_agrees_between_sql_with_its_index_and_python(workspace) -> None:
    """Bodies, headers and field terms: the store (index + the not-yet-indexed tail) and the live
    matcher give the same answer, including duplicates (webhook-id seen before)."""
    store = workspace.store
    captures = [_rich(i) for i in range(40)]
    store.insert_captures(captures[:30])
    store.index_captures()
    store.insert_captures(captures[30:])  # not indexed yet: found by the tail scan
    for text in [
        'body:"cus_12"',
        "growth",
        "50%",
        "header:x-team=core",
        "header:x-team",
        "type:code.* status:4xx",
        "type:page.* growth",
        "valid",  # a substring of /invalid too
        "method:PUT is:duplicate",
        "cus_3",
        "nothing-like-this",
        "status:2xx platform body:pct",
    ]:
        f = Filter(text=text)
        in_sql = {c.id for c in store.list_captures(limit=None, **f.store_kwargs())}
        assert store.count_captures(**f.store_kwargs()) == len(in_sql), text
        live = InboxModel(store)
        live.reload(f)
        assert {live.row(i).id for i in range(len(live))} == in_sql, text
        fresh = InboxModel(store)
        fresh.filter = f
        fresh.add(captures)
        assert {fresh.row(i).id for i in range(len(fresh))} == in_sql, text


def test_a_large_match_count_is_capped_then_grows_as_rows_page_in(workspace, monkeypatch) -> None:
    import hookdev.tui.inbox_model as im

    monkeypatch.setattr(im, "COUNT_AT_MOST", 10)
    monkeypatch.setattr(im, "FIRST_PAGE", 4)
    monkeypatch.setattr(im, "PAGE", 8)
    store = workspace.store
    store.insert_captures([_rich(i) for i in range(50)])
    model = InboxModel(store)
    model.reload(Filter(text="growth"))  # 17 of the 50
    assert model.capped and len(model) == 10 and model.loaded == 4
    ids = [model.row(i).id for i in range(len(model))]
    while model.capped:
        model.ensure(len(model))
    assert len(model) == 17 and not model.capped
    assert ids == [model.row(i).id for i in range(10)]


def test_search_without_a_usable_index_checks_every_row(tmp_path) -> None:
    """search.db cannot be opened: searches still answer (by scanning), checkpoints and clears go on."""
    from hookdev.store import Store

    (tmp_path / "search.db").mkdir()
    store = Store(tmp_path / "hookdev.db")
    try:
        store.start_checkpointer(0.02)
        store.insert_captures([_rich(i) for i in range(9)])
        for text, expected in [("growth", 3), ('body:"cus_4"', 1), ("header:x-team=core", 3)]:
            model = InboxModel(store)
            model.reload(Filter(text=text))
            assert len(model) == expected, text
        assert store.indexing_in_background and store._checkpointer.is_alive()
        assert store.clear_captures() == 9
    finally:
        store.close()
