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


def _callable(fn: object) -> int | str:
    from hookdev.pytest_plugin import _CallableProbe

    async def go() -> int | str:
        probe = _CallableProbe(fn)  # type: ignore[arg-type]
        probe.timeout = 0.5
        try:
            return await probe.read()
        except ProbeError as e:
            return str(e)

    return asyncio.run(go())


async def _forever() -> int:
    await asyncio.sleep(30)
    return 1


async def _three() -> int:
    return 3


def count_rows() -> int:
    raise ZeroDivisionError("division by zero")


@pytest.mark.parametrize(
    "fn,expected",
    [
        (lambda: 4, 4),
        (lambda: "5\n", 5),
        (_three, 3),
        (lambda: "many", "returned 'many', expected an int (a count of side effects)"),
        (lambda: None, "returned None, expected an int"),
        (lambda: True, "returned True, expected an int"),
        (count_rows, "probe count_rows raised ZeroDivisionError: division by zero"),
        (_forever, "probe _forever did not finish within 0.5 s"),
    ],
)
def test_a_callable_probe_reads_a_count_or_says_what_went_wrong(fn: object, expected: int | str) -> None:
    """Whatever the user's probe does becomes a ProbeError, which the check reports as a reason (a raw
    ValueError or ZeroDivisionError used to escape hookdev_check as a traceback into hookdev's code)."""
    got = _callable(fn)
    if isinstance(expected, int):
        assert got == expected
    else:
        assert isinstance(got, str) and expected in got
