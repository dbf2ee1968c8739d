"""The dispatcher: claims due attempts from the database, sends them, records them, schedules retries.

The database is the truth. A pending attempt is a row; ``run()`` claims due rows with a lease in
one transaction (so two processes never send the same attempt), sends them concurrently, and writes
each outcome and its retry in one transaction. Work enqueued in this process is picked up at once
(:meth:`Dispatcher.wake`); work from other processes within ``poll_interval``. A claim whose owner
died mid-attempt is recorded as failed (``interrupted``) and retried on schedule, never silently
re-sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import ssl
import time
from collections import OrderedDict
from collections.abc import Callable
from secrets import token_hex
from typing import Any

import httpx

from hookdev.delivery import ATTEMPT_PREFIX, DEFAULT_TIMEOUT
from hookdev.delivery import attempt as attempt_mod
from hookdev.delivery.attempt import Outcome
from hookdev.delivery.clock import Clock, RealClock
from hookdev.delivery.ratelimit import admit
from hookdev.delivery.schedule import MAX_ATTEMPTS, RETRY_AFTER_STATUSES, next_delay, parse_retry_after
from hookdev.events import AttemptFinished, AttemptStarted, EndpointChanged, EventBus, LogLine
from hookdev.ids import new_id
from hookdev.models import Attempt, Endpoint, Message
from hookdev.store.attempts import AttemptFilter
from hookdev.workspace import Workspace

INTERRUPTED = "interrupted: hookdev stopped during the attempt"
_LEASE_CHECK_EVERY = 1.0  # real seconds between looks for claims abandoned by a dead process


def _admit(rate: float | None, slot: float | None, now: float) -> tuple[bool, float]:
    a = admit(rate, slot, now)
    return a.admitted, a.next_at


def owner_alive(owner: str | None) -> bool | None:
    """Whether the process that holds a lease still runs: True/False on this host, None if unknown."""
    if not owner:
        return False
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return None
    pid = int(pid_text)
    if pid == os.getpid():
        return None  # another dispatcher of this process: its lease says
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed child its parent has not reaped yet is a zombie: dead for our purpose
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


class Dispatcher:
    """Delivers every due attempt of a workspace (or of some messages), on the running event loop."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        clock: Clock | None = None,
        bus: EventBus | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        concurrency: int = 32,
        verify: ssl.SSLContext | bool | Callable[[], ssl.SSLContext | bool] = True,
        poll_interval: float = 0.5,
    ) -> None:
        self.workspace = workspace
        self.store = workspace.store
        self.clock: Clock = clock or RealClock()
        self.bus = bus
        self.timeout = float(timeout)
        self.concurrency = max(1, int(concurrency))
        self.verify = verify
        self.poll_interval = poll_interval
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{token_hex(4)}"
        self.lease = 2 * self.timeout + 30.0  # the duplicate fault sends twice
        self._batch = max(1, self.concurrency // 4)
        self._wake = asyncio.Event()
        self._clients: dict[bool, httpx.AsyncClient] = {}  # by "is https"
        self._inflight: dict[str, asyncio.Task[None]] = {}
        self._chains: dict[str, asyncio.Task[None]] = {}  # endpoint -> last out-of-order attempt
        self._messages: OrderedDict[str, Message] = OrderedDict()
        self._next_lease_check = 0.0
        self._closing = False

    # -- public ---------------------------------------------------------------------------------
    def wake(self) -> None:
        """Something was enqueued in this process: look at the database now."""
        self._wake.set()

    @property
    def in_flight(self) -> int:
        return len(self._inflight)

    async def run(
        self,
        *,
        until_idle: bool = False,
        message_ids: set[str] | None = None,
        first_attempts_only: bool = False,
        attempt_ids: set[str] | None = None,
        once: bool = False,
    ) -> None:
        """Deliver until cancelled or :meth:`aclose` (or, with ``until_idle``, until nothing is left).

        ``message_ids``/``attempt_ids``/``first_attempts_only`` limit the work to some attempts (what
        ``send`` and ``replay`` deliver themselves); ``until_idle`` returns once none of them is pending
        or in flight; ``once`` returns once nothing that was due is left (later retries stay queued).
        """
        filt = AttemptFilter(
            frozenset(message_ids) if message_ids is not None else None,
            frozenset(attempt_ids) if attempt_ids is not None else None,
            first_attempts_only,
        )
        self._http("http:")  # ready before the first attempt's clock starts
        try:
            while not self._closing:
                self._wake.clear()
                now = self.clock.now()
                self._check_leases(now)
                free = self.concurrency - len(self._inflight)
                # Claim in batches while busy (one transaction for several attempts); a completion wakes us.
                hungry = free >= self._batch or (free > 0 and len(self._inflight) < self._batch)
                wake_at = self.store.next_due(filt) if hungry else None
                if wake_at is not None and wake_at <= now:
                    claim = self.store.claim_due(now, self.owner, now + self.lease, free, filt, _admit)
                    for attempt in claim.attempts:
                        self._start(attempt)
                    wake_at = None if len(claim.attempts) == free else claim.wake_at
                if not self._inflight:
                    if until_idle and self.store.count_open(filt) == 0:
                        return
                    if once and not self._due_backlog(filt):
                        return
                await self._wait(wake_at)
        finally:
            await self._stop_inflight(grace=0.0)

    async def aclose(self, grace: float = 1.0) -> None:
        """Stop: in-flight attempts get ``grace`` seconds to finish, then are recorded as interrupted."""
        self._closing = True
        self._wake.set()
        await self._stop_inflight(grace)
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()

    # -- the loop -------------------------------------------------------------------------------
    async def _wait(self, wake_at: float | None) -> None:
        """Until woken, a completion, ``wake_at`` (clock time) or the poll interval, whichever first."""
        waiters: list[asyncio.Task[Any]] = [asyncio.ensure_future(self._wake.wait())]
        # A virtual clock may jump only when nothing is in flight, so each attempt starts and ends at
        # the instant it was scheduled for.
        if wake_at is not None and not (self.clock.instant and self._inflight):
            waiters.append(asyncio.ensure_future(self.clock.sleep_until(wake_at)))
        try:
            await asyncio.wait(waiters, timeout=self.poll_interval, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()

    def _due_backlog(self, filt: AttemptFilter) -> bool:
        due = self.store.next_due(filt)
        return due is not None and due <= self.clock.now()

    def _start(self, attempt: Attempt) -> None:
        task = asyncio.create_task(self._deliver(attempt), name=f"hookdev-attempt-{attempt.id}")
        self._inflight[attempt.id] = task

        def done(_: asyncio.Task[None]) -> None:
            self._inflight.pop(attempt.id, None)
            self._wake.set()

        task.add_done_callback(done)

    async def _stop_inflight(self, grace: float) -> None:
        tasks = list(self._inflight.values())
        if not tasks:
            return
        if grace > 0:
            await asyncio.wait(tasks, timeout=grace)
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t

    def _http(self, url: str) -> httpx.AsyncClient:
        """The client for a URL's scheme: plain http needs no TLS context, which takes a while to build
        (``verify`` may be a callable, called on the first https attempt)."""
        tls = url[:6].lower() == "https:"
        client = self._clients.get(tls)
        if client is None:
            verify: ssl.SSLContext | bool = False
            if tls:
                verify = self.verify() if callable(self.verify) else self.verify
            n = self.concurrency
            client = self._clients[tls] = httpx.AsyncClient(
                verify=verify,
                follow_redirects=False,
                timeout=self.timeout,
                trust_env=False,
                limits=httpx.Limits(max_connections=n, max_keepalive_connections=n),
            )
        return client

    # -- one attempt ----------------------------------------------------------------------------
    async def _deliver(self, attempt: Attempt) -> None:
        sent = False
        try:
            message = self._message(attempt.message_id)
            endpoint = self.store.get_endpoint(attempt.endpoint_id)
            if message is None or endpoint is None or endpoint.disabled:
                attempt.status = "canceled"
                attempt.error = "canceled: " + (
                    "message deleted"
                    if message is None
                    else "endpoint deleted"
                    if endpoint is None
                    else "endpoint disabled"
                )
                self.store.finish_attempt(attempt, self.owner, None)
                return
            # A scheduled attempt carries its message's fault; a manual one (replay, recover) is clean
            # unless it was created with the fault (`replay --fault`).
            if attempt.trigger != "manual":
                attempt.fault = attempt.fault or message.fault
            fault = attempt.fault
            if fault == "out-of-order":
                await self._after_previous(attempt, endpoint.id)
            attempt.started_at = self.clock.now()
            sent = True
            self._publish(AttemptStarted(attempt))
            secrets = self.workspace.signing_secrets(endpoint)
            outcome = await attempt_mod.send(
                self._http(endpoint.url),
                endpoint,
                message,
                secrets,
                fault=fault,
                timeout=self.timeout,
                number=attempt.number,
            )
            self._finish(attempt, endpoint, outcome)
        except asyncio.CancelledError:
            if sent:
                self._interrupted(attempt, INTERRUPTED)
            else:
                self.store.release_claim(attempt.id, self.owner)
            raise
        except Exception as e:  # a bug must not leave the attempt claimed forever
            self._publish(
                LogLine("error", f"attempt {attempt.id} failed inside hookdev: {e!r}", "dispatcher")
            )
            self._interrupted(attempt, f"internal error: {type(e).__name__}: {e}")

    async def _after_previous(self, attempt: Attempt, endpoint_id: str) -> None:
        """Out-of-order batches go one at a time per endpoint, in claim order (newest message first)."""
        previous = self._chains.get(endpoint_id)
        me = self._inflight.get(attempt.id)
        if me is not None:
            self._chains[endpoint_id] = me
        if previous is not None and not previous.done():
            with contextlib.suppress(Exception):
                await asyncio.shield(previous)

    def _finish(self, attempt: Attempt, endpoint: Endpoint, outcome: Outcome) -> None:
        attempt.status = "success" if outcome.success else "failed"
        attempt.duration_ms = round(outcome.duration_ms, 3)
        attempt.status_code = outcome.status_code
        attempt.error = outcome.error
        attempt.response_headers = outcome.response_headers
        attempt.response_body = outcome.response_body
        attempt.request_headers = outcome.request_headers
        attempt.extra.update(outcome.extra)
        retry_after = None
        if outcome.status_code in RETRY_AFTER_STATUSES:
            retry_after = parse_retry_after(outcome.retry_after, time.time())
        if outcome.gone:
            attempt.error = "410 Gone: the endpoint is disabled and nothing more is sent to it"
        retry = None
        if not outcome.success and not outcome.gone:
            retry = self._retry_of(attempt, retry_after)
        queued = self.store.finish_attempt(attempt, self.owner, retry)
        if outcome.gone:
            self._disable_gone(endpoint, attempt)
        self._publish(AttemptFinished(attempt, queued))

    def _retry_of(self, attempt: Attempt, retry_after: float | None = None) -> Attempt | None:
        """The scheduled retry after a failed attempt, or None (manual, exhausted); marks exhaustion."""
        if attempt.trigger != "scheduled":
            return None
        delay = next_delay(attempt.number, retry_after)
        if delay is None:
            if attempt.number >= MAX_ATTEMPTS:
                attempt.extra["exhausted"] = True
            return None
        now = self.clock.now()
        message = self._message(attempt.message_id)
        if message is not None and message.time_scale and not self.clock.instant:
            wait = delay / message.time_scale  # the scale the message was sent with wins
        else:
            wait = self.clock.delay(delay)
        extra: dict[str, Any] = {"delay": delay}  # the schedule's wait, in platform seconds (for display)
        if retry_after is not None:
            extra["retry_after"] = retry_after
        return Attempt(
            id=new_id(ATTEMPT_PREFIX),
            message_id=attempt.message_id,
            endpoint_id=attempt.endpoint_id,
            number=attempt.number + 1,
            trigger="scheduled",
            status="pending",
            scheduled_at=now + wait,
            fault=attempt.fault,
            extra=extra,
        )

    def _disable_gone(self, endpoint: Endpoint, attempt: Attempt) -> None:
        reason = f"410 Gone from {endpoint.url} (message {attempt.message_id}, attempt {attempt.number})"
        updated, canceled = self.store.set_endpoint_disabled(endpoint.id, True, reason, time.time())
        if updated is not None:
            self._publish(EndpointChanged(endpoint.id, updated, reason, status_code=attempt.status_code))

    def _interrupted(self, attempt: Attempt, error: str) -> None:
        """Record an attempt that may or may not have reached the consumer as failed, and retry it."""
        attempt.status = "failed"
        attempt.error = error
        attempt.extra["interrupted"] = True
        if attempt.started_at is None:
            attempt.started_at = self.clock.now()
        queued = self.store.finish_attempt(attempt, self.owner, self._retry_of(attempt))
        self._publish(AttemptFinished(attempt, queued))

    def _check_leases(self, now: float) -> None:
        """Take over claims whose owner died (or whose lease ran out) and record them as interrupted."""
        mono = time.monotonic()
        if mono < self._next_lease_check:
            return
        self._next_lease_check = mono + _LEASE_CHECK_EVERY
        stale = []
        for attempt_id, owner, lease_until in self.store.abandoned_claims():
            if owner == self.owner:
                continue
            alive = owner_alive(owner)
            if alive is False or (alive is None and (lease_until is None or lease_until < now)):
                stale.append((attempt_id, owner))
        for attempt in self.store.take_over(stale, self.owner, now + self.lease) if stale else []:
            self._interrupted(attempt, INTERRUPTED)

    # -- helpers --------------------------------------------------------------------------------
    def _message(self, message_id: str) -> Message | None:
        msg = self._messages.get(message_id)
        if msg is None:
            msg = self.store.get_message(message_id)
            if msg is None:
                return None
            self._messages[message_id] = msg
            if len(self._messages) > 256:
                self._messages.popitem(last=False)
        return msg

    def _publish(self, event: Any) -> None:
        if self.bus is not None:
            self.bus.publish(event)
