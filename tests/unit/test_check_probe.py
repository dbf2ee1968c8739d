"""The side-effect probe keeps its deadline whatever the user's command or URL does."""

from __future__ import annotations

import asyncio
import time

import pytest

from hookdev.check.probe import Probe, ProbeError


def _read(spec: str, timeout: float) -> tuple[int | str, float]:
    async def go() -> int | str:
        try:
            return await Probe(spec, timeout=timeout).read()
        except ProbeError as e:
            return str(e)

    started = time.monotonic()
    result = asyncio.run(go())
    return result, time.monotonic() - started


@pytest.mark.parametrize("spec", ["sleep 30; echo 1", "echo 1; sleep 30 &", "sleep 30"])
def test_a_command_that_hangs_is_stopped_at_the_deadline_with_its_children(spec: str) -> None:
    result, took = _read(spec, 0.5)
    assert result == "probe command did not finish within 0.5 s"
    assert took < 10  # killing only the shell left `sleep` holding the pipe: this hung for 30 s


def test_a_command_that_prints_a_count_is_read() -> None:
    assert _read("echo ' 42 '", 5)[0] == 42


def test_a_url_that_drips_its_body_is_stopped_at_the_deadline() -> None:
    async def go() -> tuple[int | str, float]:
        done = asyncio.Event()

        async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n")
                for _ in range(400):  # a byte at a time: each read is quick, the whole never ends
                    if done.is_set():
                        break
                    writer.write(b"1")
                    await writer.drain()
                    await asyncio.sleep(0.05)
            except ConnectionError:
                pass
            finally:
                writer.close()

        server = await asyncio.start_server(drip, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        started = time.monotonic()
        try:
            result: int | str = await Probe(f"http://127.0.0.1:{port}/count", timeout=0.5).read()
        except ProbeError as e:
            result = str(e)
        took = time.monotonic() - started
        done.set()
        server.close()
        await server.wait_closed()
        await asyncio.sleep(0.1)  # the handler sees `done` and closes its side
        return result, took

    result, took = asyncio.run(go())
    assert result == "probe URL did not answer within 0.5 s"
    assert took < 10
