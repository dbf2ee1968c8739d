"""The relay on hostile input (issue 10): channels kept for their owner, per-channel backpressure,
slow callers cut, connection floods survived, EMFILE logged once per interval, one-line errors."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from hookdev.server_guard import ConnectionGuard, GuardLimits
from hookdev.tunnel import RelayClient, RelayRefused, create_relay_app, new_channel_name
from hookdev.tunnel import protocol as p
from hookdev.tunnel.owners import Owners, channel_key
from tests.conftest import run_cli
from tests.integration.test_relay import DEADLINE, EchoApp, bind, running_client, serve, wait_for

KEY_A = "A" * 43
KEY_B = "B" * 43


async def test_a_channel_is_kept_for_its_owner_across_disconnects_and_restarts(tmp_path: Path) -> None:
    state = tmp_path / "relay" / "channels.json"
    channel = new_channel_name()
    echo = EchoApp()
    sock = bind()
    port = sock.getsockname()[1]
    async with serve(create_relay_app(token="tok", owners=Owners(state)), sock) as relay_url:
        owner = RelayClient(relay_url, echo.app, channel=channel, token="tok", key=KEY_A)
        async with running_client(owner):
            pass  # claimed, then the owner disconnects
        assert stat.S_IMODE(state.stat().st_mode) == 0o600
        assert KEY_A not in state.read_text()  # only its hash
        # With the relay token, without it: someone else cannot take the channel, even while it is free.
        for token in ("tok", None):
            squatter = RelayClient(relay_url, echo.app, channel=channel, token=token, key=KEY_B)
            with pytest.raises(RelayRefused):
                await asyncio.wait_for(squatter.run(), DEADLINE)
        # The owner comes back (a new process: another session, the same key).
        again = RelayClient(relay_url, echo.app, channel=channel, token="tok", key=KEY_A)
        async with running_client(again), httpx.AsyncClient(timeout=DEADLINE) as http:
            assert (await http.post(again.public_url, content=b"mine")).content == b"echo:mine"

    # A restarted relay reads its state file: the binding holds.
    async with serve(create_relay_app(token="tok", owners=Owners(state)), bind(port)) as relay_url:
        squatter = RelayClient(relay_url, echo.app, channel=channel, token="tok", key=KEY_B)
        with pytest.raises(RelayRefused, match="already in use by another hookdev client"):
            await asyncio.wait_for(squatter.run(), DEADLINE)
        owner = RelayClient(relay_url, echo.app, channel=channel, token="tok", key=KEY_A)
        async with running_client(owner), httpx.AsyncClient(timeout=DEADLINE) as http:
            assert (await http.post(owner.public_url, content=b"still")).content == b"echo:still"

    # The operator releases it: then anyone may claim it.
    done = run_cli("relay", "--release", channel, "--state", str(state), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"event": "released", "channel": channel, "was_bound": True}
    assert channel not in json.loads(state.read_text())["channels"]


async def test_the_owner_reconnecting_from_a_new_process_takes_its_live_channel_over() -> None:
    """A crashed listen's connection may look alive for a while: the key holder gets the channel back."""
    echo = EchoApp()
    channel = new_channel_name()
    async with serve(create_relay_app()) as relay_url:
        first = RelayClient(relay_url, echo.app, channel=channel, key=KEY_A)
        task = asyncio.create_task(first.run())
        await wait_for(lambda: first.connected, "the first client")
        second = RelayClient(relay_url, echo.app, channel=channel, key=KEY_A)
        async with running_client(second), httpx.AsyncClient(timeout=DEADLINE) as http:
            with pytest.raises(RelayRefused, match="took it over"):
                await asyncio.wait_for(task, DEADLINE)  # final: the two do not fight over it
            assert (await http.post(second.public_url, content=b"x")).content == b"echo:x"


def test_the_workspace_keeps_one_private_key_per_relay_and_channel(tmp_path: Path) -> None:
    key = channel_key(tmp_path, "https://relay.example/", "chan-0001")
    assert p.valid_key(key)
    assert channel_key(tmp_path, "https://relay.example", "chan-0001") == key
    assert channel_key(tmp_path, "https://other.example", "chan-0001") != key
    assert stat.S_IMODE((tmp_path / "relay-keys.json").stat().st_mode) == 0o600


async def test_backpressure_bounds_memory_under_60_concurrent_4mib_requests_to_a_slow_client() -> None:
    release = asyncio.Event()
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def slow(request: Request) -> Response:
        body = await request.body()
        await release.wait()
        return Response(str(len(body)).encode())

    app = Starlette(routes=[Route("/{rest:path}", slow, methods=["POST"])])
    budget = 16 * 1024 * 1024
    relay_app = create_relay_app(max_buffered=budget)
    relay = relay_app.state.relay
    body = b"\x00\xff" * (2 * 1024 * 1024)  # 4 MiB
    async with serve(relay_app) as relay_url:
        client = RelayClient(relay_url, app, channel=new_channel_name())
        limits = httpx.Limits(max_connections=60)
        async with running_client(client), httpx.AsyncClient(timeout=60, limits=limits) as http:
            calls = [
                asyncio.create_task(http.post(client.public_url + "/big", content=body)) for _ in range(60)
            ]
            # Every request the channel cannot hold is refused at once, without reading its body.
            await wait_for(lambda: sum(c.done() for c in calls) >= 60 - budget // len(body), "the refusals")
            peak = relay.budgets[client.channel].peak_buffered
            release.set()
            responses = await asyncio.gather(*calls)
    ok = [r for r in responses if r.status_code == 200]
    busy = [r for r in responses if r.status_code == 503]
    assert len(ok) + len(busy) == 60
    assert 1 <= len(ok) <= budget // len(body)
    assert all(r.content == str(len(body)).encode() for r in ok)
    assert all(r.headers["retry-after"] == "1" and "retry later" in r.text for r in busy)
    assert peak <= budget
    assert client.peak_buffered <= budget
    assert relay.budgets == {}  # everything given back


async def test_requests_in_flight_per_channel_are_capped_with_503_and_retry_after() -> None:
    echo = EchoApp()
    async with serve(create_relay_app(max_in_flight=3, request_timeout=5)) as relay_url:
        client = RelayClient(relay_url, echo.app, channel=new_channel_name())
        async with running_client(client), httpx.AsyncClient(timeout=DEADLINE) as http:
            hung = [asyncio.create_task(http.post(client.public_url + "/hang")) for _ in range(3)]
            await wait_for(lambda: client.in_flight == 3, "three hung requests")
            refused = await http.post(client.public_url + "/x", content=b"4th")
            assert refused.status_code == 503
            assert refused.headers["retry-after"] == "1"
            assert "3 requests waiting" in refused.text
            for task in hung:
                task.cancel()
            await asyncio.gather(*hung, return_exceptions=True)


def _raise_nofile(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            pytest.skip(f"needs {needed} open files, the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


async def test_1100_connections_that_never_finish_headers_do_not_lock_callers_out() -> None:
    _raise_nofile(4000)
    guard = ConnectionGuard(GuardLimits(head_timeout=3, body_timeout=3, max_connections=1000))
    echo = EchoApp()
    async with serve(create_relay_app(), http=guard.protocol_class()) as relay_url:
        port = int(relay_url.rsplit(":", 1)[1])
        client = RelayClient(relay_url, echo.app, channel=new_channel_name())
        async with running_client(client), httpx.AsyncClient(timeout=DEADLINE) as http:
            writers: list[asyncio.StreamWriter] = []
            try:
                for i in range(1100):
                    _, writer = await asyncio.open_connection("127.0.0.1", port)
                    writer.write(
                        b"POST /c/" + client.channel.encode() + b" HTTP/1.1\r\nHost: x\r\nX-%d: " % i
                    )
                    writers.append(writer)
                # Past the cap the oldest slow connections are cut (evicted, or already at their deadline).
                await wait_for(
                    lambda: guard.evicted + guard.head_timeouts >= 100, "slow connections to be cut"
                )
                assert len(guard.connections) <= 1000
                # Real callers still get through, at once.
                response = await http.post(client.public_url + "/ok", content=b"through")
                assert response.status_code == 207 and response.content == b"echo:through"
                assert (await http.get(relay_url + "/healthz")).json()["status"] == "ok"
                # And the rest are cut at the head deadline.
                await wait_for(lambda: guard.evicted + guard.head_timeouts >= 1100, "the head deadline")
                assert guard.head_timeouts > 0
            finally:
                for writer in writers:
                    writer.close()
    assert echo.calls == 1


async def test_a_stalled_body_is_cut_and_never_relayed() -> None:
    guard = ConnectionGuard(GuardLimits(head_timeout=1, body_timeout=0.5, max_connections=100))
    echo = EchoApp()
    async with serve(create_relay_app(), http=guard.protocol_class()) as relay_url:
        port = int(relay_url.rsplit(":", 1)[1])
        client = RelayClient(relay_url, echo.app, channel=new_channel_name())
        async with running_client(client):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(
                b"POST /c/"
                + client.channel.encode()
                + b"/x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
                b"only ten b"
            )
            await writer.drain()
            assert await asyncio.wait_for(reader.read(), DEADLINE) == b""  # closed, no answer
            writer.close()
            assert guard.body_timeouts == 1
            # A head that never ends: 408 and close.
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n")
            await writer.drain()
            answer = await asyncio.wait_for(reader.read(), DEADLINE)
            assert answer.startswith(b"HTTP/1.1 408 ")
            writer.close()
    assert echo.calls == 0


def test_running_out_of_file_descriptors_is_one_line_per_interval() -> None:
    """With a tiny open-file limit, a connection flood: no traceback per accept, one line, still alive."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (48, 48))

    proc = subprocess.Popen(
        [sys.executable, "-m", "hookdev", "relay", "--host", "127.0.0.1", "--port", "0", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=limit,
        cwd=Path(__file__).parents[2],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        ready = json.loads(proc.stdout.readline())
        port = int(ready["listen"].rsplit(":", 1)[1])
        import socket
        import time

        flood = []
        deadline = time.monotonic() + 2.5
        while time.monotonic() < deadline:  # the relay hits EMFILE and asyncio retries accept() every second
            with contextlib.suppress(OSError):
                s = socket.create_connection(("127.0.0.1", port), timeout=1)
                s.sendall(b"GET / HTTP/1.1\r\n")
                flood.append(s)
            if len(flood) > 80:
                time.sleep(0.05)
        for s in flood:
            s.close()
        # Once the flood is gone, the relay answers again.
        status = None
        for _ in range(100):
            with contextlib.suppress(httpx.HTTPError):
                status = httpx.get(ready["listen"] + "/healthz", timeout=2).status_code
                break
            time.sleep(0.1)
        assert status == 200
        proc.terminate()
        _, err = proc.communicate(timeout=DEADLINE)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if "cannot accept connections" in line]
    assert len(lines) == 1, err
    assert "Too many open files" in lines[0] and "ulimit -n" in lines[0]


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--relay", "not a url"], "Error: --relay: invalid relay URL: "),
        (
            ["--relay", "http://127.0.0.1:9", "--channel", "bad!"],
            "Error: --channel: invalid channel name 'bad!'",
        ),
    ],
)
def test_listen_with_a_bad_relay_or_channel_is_one_line_exit_2(
    tmp_path: Path, args: list[str], error: str
) -> None:
    done = run_cli("listen", "--port", "0", *args, home=tmp_path / "ws")
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert err.startswith(error) and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


def test_bindings_lapse_after_their_ttl_and_a_broken_state_file_is_a_clear_error(tmp_path: Path) -> None:
    owners = Owners(tmp_path / "s.json", ttl=100)
    assert owners.claim("chan-0001", "h1", now=1000) == "bound"
    assert owners.claim("chan-0001", "h2", now=1050) == "refused"
    assert owners.claim("chan-0001", "h1", now=1090) == "owner"
    assert owners.claim("chan-0001", "h2", now=1200) == "bound"  # unused for longer than the ttl
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ValueError, match="cannot read the relay state file"):
        Owners(tmp_path / "bad.json")
    done = run_cli("relay", "--state", str(tmp_path / "bad.json"), "--port", "0", "--host", "127.0.0.1")
    assert done.returncode == 2
    assert done.stderr.decode().startswith("Error: --state: cannot read the relay state file")


async def test_past_the_connection_cap_the_oldest_connection_without_headers_is_cut() -> None:
    guard = ConnectionGuard(GuardLimits(head_timeout=60, body_timeout=60, max_connections=2))
    async with serve(create_relay_app(), http=guard.protocol_class()) as relay_url:
        port = int(relay_url.rsplit(":", 1)[1])
        oldest_reader, oldest = await asyncio.open_connection("127.0.0.1", port)
        oldest.write(b"GET / HTTP/1.1\r\n")
        _, second = await asyncio.open_connection("127.0.0.1", port)
        second.write(b"GET / HTTP/1.1\r\n")
        await oldest.drain()
        await wait_for(lambda: len(guard.connections) == 2, "two slow connections")
        async with httpx.AsyncClient(timeout=DEADLINE) as http:  # a third caller still gets its answer
            assert (await http.get(relay_url + "/")).status_code == 200
        assert await asyncio.wait_for(oldest_reader.read(), DEADLINE) == b""  # the oldest was cut
        assert guard.evicted >= 1
        for writer in (oldest, second):
            writer.close()
