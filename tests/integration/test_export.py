"""Exports reproduce a capture exactly: run each one against a real receiver and compare the bytes."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time

import httpx
import pytest

from hookdev.export import export_capture, to_har, to_ndjson
from hookdev.signing.standard import sign_headers
from tests.conftest import run_cli, wait_for

ODD_BODY = b'{ "type" : "code.scanned",\t"note": "it\'s \\"quoted\\" $HOME `x`" }\r\n'
BINARY_BODY = b"\xff\xfe\x00binary\x01'\"$"


async def capture_one(workspace, engine, body: bytes, ts: int | None = None):
    secret = workspace.receiver_secrets().current
    headers = sign_headers([secret], "msg_orig", int(time.time()) if ts is None else ts, body)
    headers["authorization"] = "Bearer hunter2"
    headers["x-custom"] = "kept"
    async with httpx.AsyncClient() as client:
        r = await client.post(engine.url + "/hooks?a=1&b=two", content=body, headers=headers)
    return workspace.store.get_capture(r.json()["id"])


async def run_shell(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return await asyncio.to_thread(
        subprocess.run, ["sh", "-c", command], capture_output=True, env=env, timeout=60
    )


def newest(workspace, after_id: str):
    rows = workspace.store.list_captures(limit=1)
    return rows[0] if rows and rows[0].id != after_id else None


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize("body", [ODD_BODY, BINARY_BODY], ids=["text", "binary"])
async def test_curl_export_reproduces_bytes_and_resign_verifies(workspace, engine_factory, body):
    engine = await engine_factory()
    old = await capture_one(
        workspace, engine, body, ts=int(time.time()) - 3600
    )  # an hour old: too old to replay
    assert old.verified is False and "too old" in old.reason
    command = export_capture(old, "curl", resign_secret=workspace.receiver_secrets().current)
    assert "hunter2" not in command
    env = dict(os.environ, HOOKDEV_AUTHORIZATION="Bearer hunter2")
    result = await run_shell(command, env)
    assert result.returncode == 0, result.stderr
    again = await wait_for(lambda: newest(workspace, old.id))
    assert again.body == body
    assert again.verified is True
    assert (again.method, again.path, again.query) == ("POST", "/hooks", "a=1&b=two")
    assert ("authorization", "Bearer hunter2") in again.headers
    assert ("x-custom", "kept") in again.headers

    plain = export_capture(again, "curl")  # no resign: the original signature headers, still valid now
    result = await run_shell(plain, env)
    assert result.returncode == 0
    third = await wait_for(lambda: newest(workspace, again.id))
    assert third.body == body and third.verified is True and third.webhook_id == again.webhook_id


async def test_python_export_runs_and_verifies(workspace, engine_factory, tmp_path):
    engine = await engine_factory()
    original = await capture_one(workspace, engine, BINARY_BODY)
    script = tmp_path / "replay.py"
    script.write_text(export_capture(original, "python"), encoding="utf-8")
    env = dict(os.environ, HOOKDEV_AUTHORIZATION="Bearer hunter2")
    result = await asyncio.to_thread(
        subprocess.run, [sys.executable, str(script)], capture_output=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"200")
    again = await wait_for(lambda: newest(workspace, original.id))
    assert again.body == BINARY_BODY and again.verified is True


async def test_raw_export_is_a_valid_http_request(workspace, engine_factory):
    engine = await engine_factory()
    original = await capture_one(workspace, engine, ODD_BODY)
    raw = export_capture(original, "raw")
    assert isinstance(raw, bytes) and raw.endswith(ODD_BODY)
    assert b"hunter2" not in raw
    port = int(engine.url.rsplit(":", 1)[1])

    def send() -> bytes:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(
                raw.replace(
                    b"authorization: Bearer \xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\r\n", b""
                )
            )
            return s.recv(65536)

    answer = await asyncio.to_thread(send)
    assert answer.startswith(b"HTTP/1.1 200")
    again = await wait_for(lambda: newest(workspace, original.id))
    assert again.body == ODD_BODY and again.verified is True


async def test_httpie_export_shape(workspace, engine_factory):
    engine = await engine_factory()
    original = await capture_one(workspace, engine, ODD_BODY)
    command = export_capture(original, "httpie")
    assert "| \\\n  HTTPIE_CONFIG_DIR=/nonexistent/hookdev http --ignore-netrc --path-as-is POST" in command
    assert " x-custom:kept" in command
    assert '"authorization:$(printf %s "$HOOKDEV_AUTHORIZATION"' in command
    assert "hunter2" not in command


async def test_archives_and_cli(workspace, engine_factory, tmp_path):
    engine = await engine_factory()
    first = await capture_one(workspace, engine, ODD_BODY)
    second = await capture_one(workspace, engine, BINARY_BODY)
    lines = list(to_ndjson([first, second]))
    assert [json.loads(line)["id"] for line in lines] == [first.id, second.id]
    assert "hunter2" not in "".join(lines)
    har = to_har([first, second])
    entries = har["log"]["entries"]
    assert entries[1]["request"]["postData"]["encoding"] == "base64"
    assert "hunter2" not in json.dumps(har)
    home = workspace.home
    await engine.stop()
    out = tmp_path / "all.har"
    result = await asyncio.to_thread(
        run_cli, "inbox", "export", "--all", "--format", "har", "-o", str(out), home=home
    )
    assert result.returncode == 0, result.stderr
    assert len(json.loads(out.read_text())["log"]["entries"]) == 2
    curl = await asyncio.to_thread(
        run_cli, "inbox", "export", first.id, "--as", "curl", "--resign", home=home
    )
    assert curl.returncode == 0 and curl.stdout.startswith(b"printf %s ")
    bad = await asyncio.to_thread(run_cli, "inbox", "export", home=home)
    assert bad.returncode == 2


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
async def test_authorization_and_proxy_authorization_each_read_their_own_variable(
    workspace, engine_factory, tmp_path
):
    engine = await engine_factory()
    secret = workspace.receiver_secrets().current
    headers = sign_headers([secret], "msg_proxy", int(time.time()), ODD_BODY)
    headers["authorization"] = "Bearer hunter2"
    headers["proxy-authorization"] = "Basic cHJveHk6c2VjcmV0"
    async with httpx.AsyncClient() as client:
        r = await client.post(engine.url + "/hooks", content=ODD_BODY, headers=headers)
    original = workspace.store.get_capture(r.json()["id"])
    env = dict(
        os.environ, HOOKDEV_AUTHORIZATION="Bearer mine", HOOKDEV_PROXY_AUTHORIZATION="Basic cHJveHk6bWluZQ=="
    )
    curl = export_capture(original, "curl")
    httpie = export_capture(original, "httpie")
    python = export_capture(original, "python")
    for command in (curl, httpie, python):
        assert "hunter2" not in command and "cHJveHk6c2VjcmV0" not in command
        assert "HOOKDEV_PROXY_AUTHORIZATION" in command
    assert '"proxy-authorization:$(printf %s "$HOOKDEV_PROXY_AUTHORIZATION"' in httpie
    result = await run_shell(curl, env)
    assert result.returncode == 0, result.stderr
    by_curl = await wait_for(lambda: newest(workspace, original.id))
    assert ("authorization", "Bearer mine") in by_curl.headers
    assert ("proxy-authorization", "Basic cHJveHk6bWluZQ==") in by_curl.headers
    script = tmp_path / "replay.py"
    script.write_text(python, encoding="utf-8")
    result = await asyncio.to_thread(
        subprocess.run, [sys.executable, str(script)], capture_output=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    by_python = await wait_for(lambda: newest(workspace, by_curl.id))
    assert ("authorization", "Bearer mine") in by_python.headers
    assert ("proxy-authorization", "Basic cHJveHk6bWluZQ==") in by_python.headers
