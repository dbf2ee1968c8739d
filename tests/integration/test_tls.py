"""Local HTTPS: a real uvicorn HTTPS server with the workspace certificate, real httpx clients."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from click.testing import CliRunner
from cryptography import x509
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from hookdev.tls import client_verify, ensure_ca, ensure_server_cert, server_ssl_kwargs


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self):  # type: ignore[override]
        yield


@contextlib.asynccontextmanager
async def https_server(home: Path) -> AsyncIterator[int]:
    async def hello(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"hello over {request.url.scheme}")

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    app = Starlette(routes=[Route("/", hello)])
    config = uvicorn.Config(
        app, log_config=None, log_level="warning", lifespan="off", **server_ssl_kwargs(home)
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        deadline = asyncio.get_running_loop().time() + 30
        while not server.started:
            assert not task.done(), "server stopped before it started"
            assert asyncio.get_running_loop().time() < deadline, "server did not start"
            await asyncio.sleep(0.02)
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 20)
        sock.close()


async def test_https_server_is_trusted_with_the_workspace_ca(tmp_path: Path) -> None:
    async with https_server(tmp_path) as port:
        for host in ("127.0.0.1", "localhost"):
            async with httpx.AsyncClient(verify=client_verify(tmp_path), timeout=30) as client:
                response = await client.get(f"https://{host}:{port}/")
            assert response.status_code == 200
            assert response.text == "hello over https"

        # Without the workspace CA, verification fails: the check above is not vacuous.
        async with httpx.AsyncClient(timeout=30) as client:
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await client.get(f"https://127.0.0.1:{port}/")


def test_key_files_are_private_and_files_are_reused(tmp_path: Path) -> None:
    ca = ensure_ca(tmp_path)
    cert, key = ensure_server_cert(tmp_path)
    ca_key = ca.with_name("ca-key.pem")
    for path in (ca_key, key):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    before = {p: p.read_bytes() for p in (ca, ca_key, cert, key)}

    assert ensure_ca(tmp_path) == ca
    assert ensure_server_cert(tmp_path) == (cert, key)
    assert server_ssl_kwargs(tmp_path) == {"ssl_certfile": str(cert), "ssl_keyfile": str(key)}
    assert {p: p.read_bytes() for p in before} == before

    server = x509.load_pem_x509_certificate(cert.read_bytes())
    san = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1", "::1"]
    server.verify_directly_issued_by(x509.load_pem_x509_certificate(ca.read_bytes()))


def test_missing_or_foreign_server_cert_is_made_again(tmp_path: Path) -> None:
    cert, key = ensure_server_cert(tmp_path)
    key.unlink()
    cert2, key2 = ensure_server_cert(tmp_path)
    assert key2.exists()
    first = cert2.read_bytes()

    # A new CA (the old one's key lost) means the server certificate is re-signed by it.
    ca = ensure_ca(tmp_path)
    ca.with_name("ca-key.pem").unlink()
    new_ca = ensure_ca(tmp_path)
    cert3, _ = ensure_server_cert(tmp_path)
    assert cert3.read_bytes() != first
    x509.load_pem_x509_certificate(cert3.read_bytes()).verify_directly_issued_by(
        x509.load_pem_x509_certificate(new_ca.read_bytes())
    )


def test_tls_ca_command(tmp_path: Path) -> None:
    from hookdev.cli.tls import tls

    runner = CliRunner()
    result = runner.invoke(tls, ["ca", "--home", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    ca = json.loads(result.output)["ca"]
    assert Path(ca) == tmp_path / "tls" / "ca.pem"
    assert Path(ca).exists()

    text = runner.invoke(tls, ["ca", "--home", str(tmp_path)])
    assert text.exit_code == 0, text.output
    assert text.output == ca + "\n"  # only the path: `curl --cacert "$(hookdev tls ca)"` (issue 12)


_RACE = """
import sys
from pathlib import Path
from hookdev.tls import ensure_ca, ensure_server_cert
home = Path(sys.argv[1])
sys.stdin.read()  # every process waits here, then all go at once
print(ensure_server_cert(home)[0] if sys.argv[2] == "server" else ensure_ca(home), flush=True)
"""


def test_processes_starting_together_share_one_ca(tmp_path: Path) -> None:
    """`listen` (its dispatcher trusts the CA) and `listen --tls` starting together in a fresh workspace:
    the server certificate is signed by the CA that ca.pem holds (each once made its own)."""
    import subprocess
    import sys

    for attempt in range(3):
        home = tmp_path / f"ws{attempt}"
        home.mkdir()
        roles = ["server", "ca"] * 4
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", _RACE, str(home), role],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for role in roles
        ]
        for p in procs:
            assert p.stdin is not None
            p.stdin.close()  # the start signal, to all of them before waiting for any
        errors = [p.stderr.read().decode() for p in procs if p.stderr is not None]
        assert all(p.wait(timeout=120) == 0 for p in procs), [e[-500:] for e in errors]
        for p in procs:
            for pipe in (p.stdout, p.stderr):
                if pipe is not None:
                    pipe.close()
        ca = x509.load_pem_x509_certificate((home / "tls" / "ca.pem").read_bytes())
        server = x509.load_pem_x509_certificate((home / "tls" / "server.pem").read_bytes())
        server.verify_directly_issued_by(ca)
