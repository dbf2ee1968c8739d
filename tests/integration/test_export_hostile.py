"""Exports replay to where you mean, and nothing else (issue 10).

Every format is RUN against a real receiver on loopback with adversarial captures: a hostile Host, an
absolute-form target naming another server, header values that are httpie operators or shell code, a
path full of curl globs and shell syntax, a method that looks like a host, quotes, non-UTF-8 bytes.
Exactly one request must arrive, at the receiver's URL, with the intended method, target, headers and
body; the decoy server the capture names must see nothing; no file may be read or written.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hookdev.export import ExportError, export_capture, request_target
from hookdev.models import Capture
from tests.conftest import wait_for


class Decoy:
    """A TCP server that only counts connections: the destination a hostile capture names."""

    def __init__(self) -> None:
        self.connections = 0

    async def __aenter__(self) -> Decoy:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            writer.close()

        self.server = await asyncio.start_server(handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()
        await self.server.wait_closed()


def hostile_captures(receiver_url: str, decoy: int, secret_file: Path, pwned: Path) -> dict[str, Capture]:
    def capture(name: str, method: str, path: str, query: str, headers, body: bytes) -> Capture:
        return Capture(
            id=f"req_{name}",
            received_at=time.time(),
            method=method,
            path=path,
            query=query,
            headers=headers,
            body=body,
            body_size=len(body),
            receiver_url=receiver_url,
        )

    shell = f"$(touch {pwned})`touch {pwned}`${{IFS}};touch {pwned}"
    return {
        "hostile-host": capture(
            "host",
            "POST",
            f"http://127.0.0.1:{decoy}/elsewhere",  # absolute-form naming the decoy
            "x=1",
            [("host", f"127.0.0.1:{decoy}"), ("content-type", "application/json")],
            b'{"a": 1}',
        ),
        "operators": capture(
            "ops",
            "PUT",
            "/hooks",
            "",
            [
                ("host", "x"),
                ("x-data-file", f"=@{secret_file}"),
                ("x-json-file", f":=@{secret_file}"),
                ("x-upload", f"@{secret_file}"),
                ("x-query", "==param"),
                ("x-seps", "a:b;c=d@e"),
                ("x-quotes", 'it\'s "quoted"'),
                ("x-shell", shell),
                ("x-empty", ""),
                ("authorization", AUTH),
            ],
            b"name=@" + str(secret_file).encode(),
        ),
        "globs-and-shell-path": capture(
            "path",
            "PATCH",
            "/a[1-20]/${IFS}/{x,y}/$(id)/%zz/../z",
            "q=[1-2]&s=$(id)&t={a,b}",
            [("host", "x"), ("x-a", "1")],
            b"",
        ),
        "method-like-a-host": capture(
            "method", "example.com", "/m", "", [("host", "x")], "\u00ff\u00fe".encode("latin-1") + b"\x00"
        ),
        "non-utf8-header": capture(
            "latin1", "POST", "/bytes", "", [("host", "x"), ("x-bin", "\xff\xfe$(id)")], b"\xff\xfe\x00'"
        ),
    }


def intended(capture: Capture) -> tuple[str, str, str, list[tuple[str, str]], bytes]:
    target = request_target(capture)
    path, _, query = target.partition("?")
    return capture.method, path, query, [(k.lower(), v) for k, v in capture.headers], capture.body


def newest_since(workspace, seen: set[str]) -> list[Capture]:
    return [c for c in workspace.store.list_captures(limit=20) if c.id not in seen]


async def run(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return await asyncio.to_thread(
        subprocess.run, command, capture_output=True, env=env, timeout=60, cwd=str(cwd)
    )


FORMATS = ["curl", "httpie", "python", "raw"]
AUTH = "Bearer a=@b:c;d==e"  # the user's own value, read from $HOOKDEV_AUTHORIZATION


@pytest.mark.parametrize("fmt", FORMATS)
async def test_every_export_sends_exactly_the_intended_request(workspace, engine_factory, tmp_path, fmt):
    if fmt == "curl" and shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    if fmt == "httpie" and shutil.which("http") is None:
        pytest.skip("httpie is not installed (pip install httpie)")
    engine = await engine_factory(accept_invalid=True)
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("TOP-SECRET-CONTENT")
    pwned = tmp_path / "pwned"
    env = dict(os.environ, HOOKDEV_AUTHORIZATION=AUTH)
    port = int(engine.url.rsplit(":", 1)[1])
    async with Decoy() as decoy:
        cases = hostile_captures(engine.url, decoy.port, secret_file, pwned)
        ran = 0
        for name, capture in cases.items():
            seen = {c.id for c in workspace.store.list_captures(limit=None)}
            try:
                out = export_capture(capture, fmt)
            except ExportError as e:
                # Only httpie may refuse, and only what it cannot express safely.
                assert fmt == "httpie" and name in ("method-like-a-host", "non-utf8-header"), (name, e)
                continue
            if fmt == "raw":
                assert isinstance(out, bytes)
                out = out.replace(b"Bearer ????", AUTH.encode())  # raw is redacted: put the value back

                def send(data: bytes = out) -> None:
                    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                        s.sendall(data)
                        s.recv(65536)

                await asyncio.to_thread(send)
            else:
                assert isinstance(out, str)
                if fmt == "python":
                    script = tmp_path / f"{name}.py"
                    script.write_text(out, encoding="utf-8")
                    result = await run([sys.executable, str(script)], env, tmp_path)
                else:
                    result = await run(["sh", "-c", out], env, tmp_path)
                assert result.returncode == 0, (name, out, result.stderr)
            ran += 1
            arrived = await wait_for(lambda seen=seen: newest_since(workspace, seen))
            await asyncio.sleep(0.2)  # would a second request arrive?
            arrived = newest_since(workspace, seen)
            assert len(arrived) == 1, (name, arrived)
            got = arrived[0]
            method, path, query, headers, body = intended(capture)
            if fmt == "raw":  # raw is the captured bytes themselves
                path, query = capture.path, capture.query
            assert (got.method, got.path, got.query) == (method, path, query), (name, out)
            assert got.body == body, name
            for header in headers:
                assert header in got.headers, (name, header, got.headers)
            extra = {k for k, _ in got.headers} - {k for k, _ in headers} - {"content-length"}
            assert not extra, (name, extra, out)
            text = repr(got.headers) + repr(got.body)
            assert "TOP-SECRET-CONTENT" not in text, name
        assert ran >= 3
    assert decoy.connections == 0
    assert not pwned.exists()


def test_httpie_refuses_what_it_cannot_express():
    capture = Capture(
        id="req_x",
        received_at=0,
        method="POST",
        path="/",
        query="",
        headers=[("x-a", "a\\=b")],
        body=b"",
        body_size=0,
    )
    with pytest.raises(ExportError, match="backslash"):
        export_capture(capture, "httpie")
    capture.method = "get.example"
    with pytest.raises(ExportError, match="URL"):
        export_capture(capture, "httpie")


@pytest.mark.parametrize("method", ["GET /x HTTP/1.1", "PO ST", "", "POST\r\nX: y", "a'b\"c"])
@pytest.mark.parametrize("fmt", [*FORMATS, "har"])
def test_a_method_that_is_not_a_token_is_refused(method, fmt):
    capture = Capture(
        id="req_x", received_at=0, method=method, path="/", query="", headers=[], body=b"", body_size=0
    )
    with pytest.raises(ExportError, match="not an HTTP token"):
        export_capture(capture, fmt)


def test_the_url_is_the_receivers_never_the_host_header():
    capture = Capture(
        id="req_x",
        received_at=0,
        method="POST",
        path="/p",
        query="",
        headers=[("host", "evil.example")],
        body=b"{}",
        body_size=2,
        receiver_url="http://127.0.0.1:9999",
    )
    curl = export_capture(capture, "curl")
    assert "--url http://127.0.0.1:9999/p" in curl and "'host: evil.example'" in curl
    assert "--url https://other.example/p" in export_capture(
        capture, "curl", base_url="https://other.example"
    )
    capture.receiver_url = None  # an old capture: the default receiver, not its Host
    assert "--url http://127.0.0.1:8787/p" in export_capture(capture, "curl")


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
async def test_a_head_request_replays_with_curl_and_returns(workspace, engine_factory, tmp_path):
    """curl -X HEAD waits for a body that never comes; the export asks with --head instead."""
    engine = await engine_factory()
    capture = Capture(
        id="req_head",
        received_at=time.time(),
        method="HEAD",
        path="/h",
        query="",
        headers=[("host", "x")],
        body=b"",
        body_size=0,
        receiver_url=engine.url,
    )
    seen = {c.id for c in workspace.store.list_captures(limit=None)}
    result = await run(["sh", "-c", export_capture(capture, "curl")], dict(os.environ), tmp_path)
    assert result.returncode == 0, result.stderr
    [got] = await wait_for(lambda: newest_since(workspace, seen))
    assert (got.method, got.path) == ("HEAD", "/h")
