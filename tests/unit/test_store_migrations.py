"""An older workspace database is upgraded in place when opened; nothing in it is lost."""

from __future__ import annotations

import sqlite3

from hookdev.store import SCHEMA, SCHEMA_VERSION, Store


def test_version_1_database_gets_new_columns_and_keeps_rows(tmp_path):
    path = tmp_path / "hookdev.db"
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA.replace(",\n    time_scale REAL\n", "\n"))
    conn.execute(
        "INSERT INTO messages (id, event_type, payload, created_at) VALUES ('msg_1', 'a.b', x'7b7d', 1.0)"
    )
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()
    assert "time_scale" not in {r[1] for r in sqlite3.connect(path).execute("PRAGMA table_info(messages)")}

    store = Store(path)
    try:
        message = store.get_message("msg_1")
        assert message is not None and message.payload == b"{}" and message.time_scale is None
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        store.close()
    Store(path).close()  # opening again is a no-op


def test_new_database_is_created_at_the_current_version(tmp_path):
    store = Store(tmp_path / "new.db")
    try:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        store.close()


def test_version_3_database_gets_the_endpoint_scheme(tmp_path):
    path = tmp_path / "hookdev.db"
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA.replace(",\n    scheme TEXT NOT NULL DEFAULT 'standard'\n", "\n"))
    conn.execute(
        "INSERT INTO endpoints (id, url, secret, created_at, updated_at) "
        "VALUES ('ep_1', 'https://example.com/', NULL, 1.0, 1.0)"
    )
    conn.execute("PRAGMA user_version=3")
    conn.commit()
    conn.close()
    assert "scheme" not in {r[1] for r in sqlite3.connect(path).execute("PRAGMA table_info(endpoints)")}
    store = Store(path)
    try:
        endpoint = store.get_endpoint("ep_1")
        assert endpoint is not None and endpoint.scheme == "standard"
        endpoint.scheme = "stripe"
        assert store.save_endpoint(endpoint)
        assert store.get_endpoint("ep_1").scheme == "stripe"  # type: ignore[union-attr]
    finally:
        store.close()
