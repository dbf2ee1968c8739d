"""Crash safety with real processes: ``kill -9`` of ``hookdev listen`` under load, and of
``hookdev dispatch`` with 1,000 retries pending.

"The database is the truth": a 2xx from the receiver means the row is committed, so a SIGKILL right
after it loses nothing; a dispatcher killed mid-schedule leaves pending rows that the next one
delivers, each claimed attempt sent at most once (an attempt in flight at the kill is recorded as
``interrupted`` and retried under a new row, never silently re-sent).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hookdev.delivery.dispatcher import INTERRUPTED
from hookdev.sender import Sender
from hookdev.signing.standard import sign_headers
from tests.conftest import ROOT, run_cli, wait_for

LOAD_CONNECTIONS = 8


def _env(home: Path) -> dict[str, str]:
    return dict(os.environ, HOOKDEV_HOME=str(home), PYTHONUNBUFFERED="1")


def integrity_ok(db: Path) -> bool:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# -- kill -9 of `hookdev listen` under load --------------------------------------------------------
class ListenProcess:
    """``hookdev listen --port 0 --json`` with its output in files (a pipe nobody reads would fill
    up and stall the receiver under load)."""

    def __init__(self, home: Path, logs: Path, name: str) -> None:
        self.out_path = logs / f"{name}.out"
        self.err_path = logs / f"{name}.err"
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "hookdev", "listen", "--port", "0", "--json"],
                stdout=out,
                stderr=err,
                env=_env(home),
                cwd=str(home.parent),
            )
        self.url = ""
        self.secret = ""

    async def ready(self) -> ListenProcess:
        def first_line() -> str | None:
            if self.proc.poll() is not None:
                raise AssertionError(f"listen exited {self.proc.returncode}: {self.err_path.read_text()}")
            text = self.out_path.read_text(encoding="utf-8")
            return text.split("\n", 1)[0] if "\n" in text else None

        line = json.loads(await wait_for(first_line, timeout=60))
        assert line["event"] == "ready", line
        self.url, self.secret = line["url"], line["secret"]
        return self

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        assert self.proc.wait(timeout=30) == -signal.SIGKILL

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=30)


@dataclass
class Load:
    """Signed requests as fast as LOAD_CONNECTIONS connections go; every 2xx id is kept."""

    url: str
    secret: str
    tag: str
    ok_ids: list[str]
    refused: list[int]  # non-2xx statuses (none expected)
    errors: list[BaseException]  # transport errors: each ends its worker

    async def run(self) -> None:
        limits = httpx.Limits(max_connections=LOAD_CONNECTIONS, max_keepalive_connections=LOAD_CONNECTIONS)
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:
            await asyncio.gather(*(self._worker(client, w) for w in range(LOAD_CONNECTIONS)))

    async def _worker(self, client: httpx.AsyncClient, w: int) -> None:
        i = 0
        while True:
            body = json.dumps({"type": "code.scanned", "data": {"tag": self.tag, "w": w, "i": i}}).encode()
            headers = sign_headers([self.secret], f"msg_{self.tag}_{w}_{i}", int(time.time()), body)
            try:
                r = await client.post(self.url + "/load", content=body, headers=headers)
            except httpx.TransportError as e:
                self.errors.append(e)
                return
            if 200 <= r.status_code < 300:
                self.ok_ids.append(r.json()["id"])
            else:
                self.refused.append(r.status_code)
            i += 1


def inbox_rows(home: Path) -> dict[str, dict[str, Any]]:
    out = run_cli("inbox", "--json", "--limit", "100000", home=home)
    assert out.returncode == 0, out.stderr
    return {row["id"]: row for row in json.loads(out.stdout)}


async def test_kill_9_of_listen_under_load_loses_no_acknowledged_request(tmp_path):
    home = tmp_path / "ws"
    logs = tmp_path / "logs"
    logs.mkdir()
    acknowledged: list[str] = []
    for cycle, kill_after in enumerate((150, 400, 700)):
        listener = await ListenProcess(home, logs, f"listen-{cycle}").ready()
        load = Load(listener.url, listener.secret, f"c{cycle}", [], [], [])
        task = asyncio.create_task(load.run())
        try:
            await wait_for(lambda load=load, n=kill_after: len(load.ok_ids) >= n or load.errors, timeout=60)
            assert not load.errors, load.errors[:1]  # every worker is still posting: this is mid-load
            listener.kill()
            await asyncio.wait_for(task, 60)
        finally:
            if listener.proc.poll() is None:
                listener.proc.kill()
                listener.proc.wait()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        assert load.refused == []
        assert len(load.errors) == LOAD_CONNECTIONS  # each worker was cut off by the kill
        assert integrity_ok(home / "hookdev.db")
        rows = inbox_rows(home)
        missing = [i for i in load.ok_ids if i not in rows]
        assert missing == [], f"{len(missing)} acknowledged requests lost (of {len(load.ok_ids)})"
        assert all(rows[i]["verified"] is True and rows[i]["status"] == 200 for i in load.ok_ids)
        acknowledged += load.ok_ids

    # the next start opens the database cleanly and accepts requests
    listener = await ListenProcess(home, logs, "listen-after").ready()
    try:
        body = b'{"type":"code.scanned","data":{"after":"crash"}}'
        headers = sign_headers([listener.secret], "msg_after", int(time.time()), body)
        async with httpx.AsyncClient(timeout=30) as client:
            r = await client.post(listener.url + "/after", content=body, headers=headers)
        assert r.status_code == 200
    finally:
        code = listener.stop()
    assert code == 0
    rows = inbox_rows(home)
    assert rows[r.json()["id"]]["verified"] is True
    assert set(acknowledged) <= set(rows)
    assert len(acknowledged) >= 150 + 400 + 700


# -- kill -9 of `hookdev dispatch` with 1,000 retries pending ----------------------------------------
MESSAGES = 1000


@dataclass
class Receipt:
    number: int
    webhook_id: str
    timestamp: str
    answered: int


class CountingConsumer:
    """Numbers every request it receives and answers that number in the body, so each attempt row
    (which stores the response body) points at exactly the request that produced it."""

    def __init__(self) -> None:
        self.status = 500
        self.receipts: list[Receipt] = []
        self.url = ""
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._sock: socket.socket | None = None

    async def _handle(self, request: Request) -> Response:
        await request.body()
        receipt = Receipt(
            len(self.receipts),
            request.headers.get("webhook-id", ""),
            request.headers.get("webhook-timestamp", ""),
            self.status,
        )
        self.receipts.append(receipt)
        return Response(json.dumps({"receipt": receipt.number}), status_code=receipt.answered)

    async def start(self) -> CountingConsumer:
        app = Starlette(routes=[Route("/hooks", self._handle, methods=["POST"])])
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}/hooks"
        config = uvicorn.Config(
            app, log_config=None, log_level="error", lifespan="off", access_log=False, backlog=2048
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[self._sock]))
        await wait_for(lambda: self._server.started or self._task.done())
        assert self._server.started
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, 30)
        if self._sock is not None:
            self._sock.close()


async def dispatch(home: Path, log: Path, *args: str) -> asyncio.subprocess.Process:
    with open(log, "wb") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "hookdev",
            "dispatch",
            "--json",
            "--time-scale",
            "36000",
            *args,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=_env(home),
            cwd=str(ROOT),
        )


def scalar(db: sqlite3.Connection, sql: str) -> int:
    return int(db.execute(sql).fetchone()[0])


@pytest.mark.slow
async def test_kill_9_of_dispatch_with_1000_retries_pending(workspace, tmp_path):
    home = workspace.home
    consumer = await CountingConsumer().start()
    sender = Sender(workspace)
    db = sqlite3.connect(f"file:{workspace.store.path}?mode=ro", uri=True)
    try:
        endpoint = sender.add_endpoint(consumer.url)
        sent = sender.send("code.scanned", endpoints=[endpoint.id], count=MESSAGES)
        message_ids = {m.id for m in sent.messages}
        assert len(sent.attempts) == MESSAGES

        # 1. a dispatcher against a consumer that fails everything, killed once every message has
        #    failed at least once (its retries scheduled, some attempts in flight)
        first = await dispatch(home, tmp_path / "dispatch-1.log")
        try:
            await wait_for(
                lambda: (
                    scalar(db, "SELECT count(DISTINCT message_id) FROM attempts WHERE status = 'failed'")
                    == MESSAGES
                    or first.returncode is not None
                ),
                timeout=120,
            )
            assert first.returncode is None, (tmp_path / "dispatch-1.log").read_text()
        finally:
            with contextlib.suppress(ProcessLookupError):
                first.send_signal(signal.SIGKILL)
            await first.wait()
        assert first.returncode == -signal.SIGKILL
        # every message has exactly one open attempt (a pending retry, or one the dead process held)
        open_sql = "FROM attempts WHERE status IN ('pending', 'sending')"
        assert scalar(db, f"SELECT count(*) {open_sql}") == MESSAGES
        assert scalar(db, f"SELECT count(DISTINCT message_id) {open_sql}") == MESSAGES
        held = scalar(db, "SELECT count(*) FROM attempts WHERE status = 'sending'")
        assert scalar(db, "SELECT count(*) FROM attempts WHERE status = 'success'") == 0

        # 2. the consumer recovers; a new dispatcher delivers everything
        consumer.status = 200
        second = await dispatch(home, tmp_path / "dispatch-2.log", "--until-idle")
        try:
            assert await asyncio.wait_for(second.wait(), 120) == 0, (tmp_path / "dispatch-2.log").read_text()
        finally:
            if second.returncode is None:
                second.kill()
                await second.wait()
    finally:
        db.close()
        await consumer.stop()

    attempts = [a for a in workspace.store.list_attempts(limit=None) if a.message_id in message_ids]
    # none lost: every delivery ends in exactly one success, nothing left open
    assert Counter(a.message_id for a in attempts if a.status == "success") == Counter(message_ids)
    assert [a for a in attempts if a.status in ("pending", "sending")] == []
    assert {d.status for m in list(message_ids)[:50] for d in sender.deliveries(m)} == {"success"}

    # the attempts the killed process held are recorded as interrupted and retried under a new row
    interrupted = [a for a in attempts if a.extra.get("interrupted")]
    assert len(interrupted) == held
    assert all(a.status == "failed" and a.error == INTERRUPTED for a in interrupted)

    # each answered attempt row <-> exactly one request the consumer received
    receipts = {r.number: r for r in consumer.receipts}
    claimed: Counter[int] = Counter()
    for a in attempts:
        if a.status_code is None:
            continue
        receipt = receipts[json.loads(a.response_body)["receipt"]]
        claimed[receipt.number] += 1
        assert receipt.webhook_id == a.message_id
        assert receipt.answered == a.status_code
        assert receipt.timestamp == dict(a.request_headers)["webhook-timestamp"]
    assert max(claimed.values()) == 1  # no request is the answer of two rows
    # requests no row claims: only those whose answer the killed process never recorded (at most
    # one per attempt it held, all answered 500 before the switch); anything else is a double send
    orphans = Counter(r.webhook_id for r in consumer.receipts if r.number not in claimed)
    unanswered = Counter(a.message_id for a in attempts if a.status_code is None)
    assert all(orphans[m] <= unanswered[m] for m in orphans), orphans - unanswered
    assert sum(orphans.values()) <= held
    assert all(r.answered == 500 for r in consumer.receipts if r.number not in claimed)
    # each success was received exactly once
    assert sum(r.answered == 200 for r in consumer.receipts) == MESSAGES
