"""Consumers that misbehave at the HTTP level: the sender survives each one, gives up where it should,
and records every attempt as a failure whose reason a person can act on.

Each consumer is a raw asyncio server on a free port speaking just enough (or too little) HTTP:
it drips its answer 1 byte per second, never answers, never ends its body, answers 10 MB, redirects,
breaks chunked encoding or is not HTTP at all. The real :class:`Dispatcher` with a :class:`RealClock`
and a short timeout delivers to it in-process, the attempt row is read back from SQLite.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from hookdev.delivery.attempt import MAX_RESPONSE_BODY
from hookdev.delivery.clock import RealClock
from hookdev.delivery.dispatcher import Dispatcher
from hookdev.models import Attempt
from hookdev.sender import Sender

TIMEOUT = 1.5  # the delivery timeout under test (seconds)
RUN_DEADLINE = 60.0  # a dispatcher run that outlives this is a hang, whatever the machine's load

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def read_request(reader: asyncio.StreamReader) -> bytes:
    """Read one request (head and Content-Length body) so the consumer misbehaves only in its answer."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    return head + await reader.readexactly(length)


class RawConsumer:
    """A raw asyncio server on 127.0.0.1:0 that runs ``behaviour`` for every connection."""

    def __init__(self, behaviour: Handler) -> None:
        self.behaviour = behaviour
        self.requests = 0
        self.server: asyncio.Server | None = None
        self.url = ""
        self._conns: set[asyncio.Task[None]] = set()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._conns.add(task)
        try:
            await read_request(reader)
            self.requests += 1
            await self.behaviour(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the sender gave up on us: exactly what the test wants
        finally:
            self._conns.discard(task)
            writer.close()

    async def start(self) -> RawConsumer:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/hooks"
        return self

    async def stop(self) -> None:
        for task in list(self._conns):
            task.cancel()
        for task in list(self._conns):
            with contextlib.suppress(BaseException):
                await task
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


@pytest.fixture
async def raw_consumer() -> AsyncIterator[Callable[[Handler], Awaitable[RawConsumer]]]:
    made: list[RawConsumer] = []

    async def make(behaviour: Handler) -> RawConsumer:
        consumer = await RawConsumer(behaviour).start()
        made.append(consumer)
        return consumer

    yield make
    for consumer in made:
        await consumer.stop()


# -- behaviours ------------------------------------------------------------------------------------
async def forever() -> None:
    """Wait until the connection is cancelled (the consumer is stopped)."""
    await asyncio.get_running_loop().create_future()


async def drip_whole_answer(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """The status line, headers and body, one byte per second (a slowloris answer)."""
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    for byte in answer:
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(1.0)


async def drip_body(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Headers at once, then the body one byte per second: each read is quick, the whole is not."""
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 600\r\n\r\n")
    for _ in range(600):
        writer.write(b"x")
        await writer.drain()
        await asyncio.sleep(1.0)


async def never_answer(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await forever()


async def never_close(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A 200 whose body is delimited by the end of the connection, which never comes."""
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\npartial body")
    await writer.drain()
    await forever()


async def close_without_answer(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    return None  # the handler's finally closes the connection


def huge_answer(status: int, size: int = 10 * 1024 * 1024) -> Handler:
    async def answer(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(f"HTTP/1.1 {status} X\r\nContent-Length: {size}\r\n\r\n".encode())
        chunk = b"z" * 65536
        for _ in range(size // len(chunk)):
            writer.write(chunk)
            await writer.drain()

    return answer


def fixed(raw: bytes) -> Handler:
    async def answer(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(raw)
        await writer.drain()

    return answer


BAD_CHUNK_SIZE = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n"
TRUNCATED_CHUNK = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n64\r\nonly ten b"
NOT_HTTP = b"SSH-2.0-OpenSSH_9.6\r\n\r\n"


# -- helpers ---------------------------------------------------------------------------------------
async def deliver_once(workspace, url: str, *, timeout: float = TIMEOUT) -> Attempt:
    """Send one message to ``url`` and make its first attempt with a real clock; return its row."""
    sender = Sender(workspace)
    endpoint = sender.add_endpoint(url)
    message = sender.send("code.scanned", endpoints=[endpoint.id]).messages[0]
    dispatcher = Dispatcher(workspace, clock=RealClock(), timeout=timeout)
    try:
        await asyncio.wait_for(
            dispatcher.run(until_idle=True, message_ids={message.id}, first_attempts_only=True), RUN_DEADLINE
        )
    finally:
        await dispatcher.aclose()
    first = [a for a in workspace.store.message_attempts([message.id], include_bodies=True) if a.number == 1]
    assert len(first) == 1
    return first[0]


def port_of(url: str) -> str:
    return url.split(":")[2].split("/")[0]


def assert_failed_and_retried(workspace, attempt: Attempt) -> None:
    """A failure keeps the schedule going: attempt 2 is queued (nothing is lost)."""
    assert attempt.status == "failed"
    nxt = [a for a in workspace.store.message_attempts([attempt.message_id]) if a.number == 2]
    assert [a.status for a in nxt] == ["pending"]


# -- timeouts --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "behaviour",
    [drip_whole_answer, drip_body, never_answer, never_close],
    ids=["1-byte-per-second", "body-1-byte-per-second", "never-answers", "never-closes"],
)
async def test_slow_or_silent_consumer_times_out_with_a_reason(workspace, raw_consumer, behaviour):
    consumer = await raw_consumer(behaviour)
    attempt = await deliver_once(workspace, consumer.url)
    port = port_of(consumer.url)
    assert consumer.requests == 1
    assert attempt.status_code is None
    assert attempt.error == f"timeout: no complete response from 127.0.0.1:{port} within {TIMEOUT:g} s"
    # gave up at the timeout (not after the 600 s the drip would take): a wide margin, no race
    assert TIMEOUT * 1000 * 0.9 <= attempt.duration_ms < 30_000
    assert_failed_and_retried(workspace, attempt)


# -- oversized answers -----------------------------------------------------------------------------
async def test_10_mb_success_body_is_kept_to_1_mib(workspace, raw_consumer):
    consumer = await raw_consumer(huge_answer(200))
    attempt = await deliver_once(workspace, consumer.url, timeout=30)
    assert attempt.status == "success" and attempt.status_code == 200 and attempt.error is None
    assert len(attempt.response_body) == MAX_RESPONSE_BODY == 1024 * 1024
    assert attempt.response_body == b"z" * MAX_RESPONSE_BODY
    assert attempt.extra.get("response_truncated") is True


async def test_10_mb_error_body_is_a_failure_kept_to_1_mib(workspace, raw_consumer):
    consumer = await raw_consumer(huge_answer(500))
    attempt = await deliver_once(workspace, consumer.url, timeout=30)
    assert attempt.status_code == 500
    assert len(attempt.response_body) == MAX_RESPONSE_BODY
    assert attempt.extra.get("response_truncated") is True
    assert_failed_and_retried(workspace, attempt)


# -- redirects -------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_redirect_is_a_failure_and_is_not_followed(workspace, raw_consumer, status):
    target = await raw_consumer(fixed(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
    consumer = await raw_consumer(
        fixed(f"HTTP/1.1 {status} Moved\r\nLocation: {target.url}\r\nContent-Length: 0\r\n\r\n".encode())
    )
    attempt = await deliver_once(workspace, consumer.url)
    assert attempt.status_code == status
    assert attempt.error == (
        f"redirect {status} to {target.url} not followed: point the endpoint at the final URL"
    )
    assert target.requests == 0
    assert_failed_and_retried(workspace, attempt)


# -- broken HTTP -----------------------------------------------------------------------------------
@pytest.mark.parametrize("raw", [TRUNCATED_CHUNK, b""], ids=["truncated-chunk", "hangs-up"])
async def test_connection_closed_mid_answer_is_a_failure_with_a_reason(workspace, raw_consumer, raw):
    consumer = await raw_consumer(fixed(raw))
    attempt = await deliver_once(workspace, consumer.url)
    assert attempt.status_code is None
    assert attempt.error.startswith(
        f"127.0.0.1:{port_of(consumer.url)} closed the connection without a complete HTTP response ("
    )
    assert_failed_and_retried(workspace, attempt)


@pytest.mark.parametrize(
    ("raw", "detail"),
    [(BAD_CHUNK_SIZE, "illegal chunk header"), (NOT_HTTP, "illegal status line")],
    ids=["bad-chunk-size", "not-http"],
)
async def test_malformed_answer_is_a_failure_that_says_so(workspace, raw_consumer, raw, detail):
    """The consumer kept the connection open and sent bytes that are not valid HTTP: the reason must
    say that (not send the person looking for a crash that did not happen)."""
    consumer = await raw_consumer(fixed(raw))
    attempt = await deliver_once(workspace, consumer.url)
    assert attempt.status == "failed" and attempt.status_code is None
    assert "Traceback" not in attempt.error and detail in attempt.error
    assert attempt.error.startswith(f"127.0.0.1:{port_of(consumer.url)} sent an invalid HTTP response (")
    assert "closed the connection" not in attempt.error
    assert_failed_and_retried(workspace, attempt)


# -- all at once -----------------------------------------------------------------------------------
async def test_one_dispatcher_survives_all_of_them_and_still_delivers(workspace, raw_consumer):
    """Every misbehaviour at once through ONE dispatcher, beside a healthy consumer: the healthy one
    is delivered, each bad one is a recorded failure, and the run ends."""
    behaviours = {
        "drip": drip_whole_answer,
        "silent": never_answer,
        "open": never_close,
        "hangup": close_without_answer,
        "huge": huge_answer(200),
        "redirect": fixed(
            b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/x\r\nContent-Length: 0\r\n\r\n"
        ),
        "chunk": fixed(BAD_CHUNK_SIZE),
        "nothttp": fixed(NOT_HTTP),
        "healthy": fixed(b"HTTP/1.1 204 No Content\r\n\r\n"),
    }
    sender = Sender(workspace)
    endpoints = {}
    for name, behaviour in behaviours.items():
        consumer = await raw_consumer(behaviour)
        endpoints[name] = sender.add_endpoint(consumer.url).id
    message = sender.send("code.scanned", endpoints=list(endpoints.values())).messages[0]
    dispatcher = Dispatcher(workspace, clock=RealClock(), timeout=TIMEOUT)
    try:
        await asyncio.wait_for(
            dispatcher.run(until_idle=True, message_ids={message.id}, first_attempts_only=True), RUN_DEADLINE
        )
    finally:
        await dispatcher.aclose()
    by_endpoint = {a.endpoint_id: a for a in workspace.store.message_attempts([message.id]) if a.number == 1}
    results = {name: by_endpoint[ep] for name, ep in endpoints.items()}
    assert {n: a.status for n, a in results.items()} == {
        **dict.fromkeys(behaviours, "failed"),
        "huge": "success",
        "healthy": "success",
    }
    for name, attempt in results.items():
        if attempt.status == "failed":
            assert attempt.error, name
    assert results["healthy"].status_code == 204
    assert workspace.store.count_open() == 7  # one scheduled retry per failure, none lost
