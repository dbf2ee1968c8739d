"""Run the battery against one consumer: deliver each check, grade what came back, record it all.

Each delivery is a real attempt of the sender (:mod:`hookdev.delivery.attempt`: the endpoint's
scheme, signed at the moment it is sent, the same HTTP code and error texts). With a ``recorder`` the
messages and finished attempts go into the workspace like any manual attempt, tagged with the run and
check (``extra["check"]``), so Deliveries shows them; attempts are written once finished, never as
pending, so no dispatcher can pick one up and send it again. Checks run one after another (a probe reads
before and after each); ``concurrent`` sends its deliveries at once.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from hookdev.check import specs as b
from hookdev.check.model import EXCERPT, FAIL, PASS, WARN, Exchange, Result, Run
from hookdev.check.probe import Probe, ProbeError
from hookdev.check.targets import CHECK_ENDPOINT_ID
from hookdev.delivery import ATTEMPT_PREFIX, DEFAULT_TIMEOUT
from hookdev.delivery import attempt as attempt_mod
from hookdev.delivery.formats import FAULT_OFFSET_TEXT
from hookdev.events import AttemptFinished, EventBus, MessageCreated
from hookdev.ids import new_id
from hookdev.models import Attempt, Endpoint, Headers, Message

UNKNOWN_TYPE = "hookdev.check.unknown_type"
RUN_PREFIX = "chk"


class Recorder(Protocol):
    """Where a run's deliveries and the run itself are written (the workspace store)."""

    def record_check_delivery(self, message: Message, attempt: Attempt) -> None: ...

    def save_check_run(self, run: Run) -> None: ...


@dataclass
class Target:
    """The consumer: where to send, and how to sign."""

    url: str
    scheme: str = "standard"
    secrets: list[str] = field(default_factory=list)  # the first signs; more: a rotation in progress
    headers: Headers = field(default_factory=list)  # the endpoint's custom headers
    endpoint_id: str | None = None  # None: a bare URL, no endpoint (attempts carry CHECK_ENDPOINT_ID)

    def endpoint(self) -> Endpoint:
        return Endpoint(
            id=self.endpoint_id or CHECK_ENDPOINT_ID,
            url=self.url,
            secret=None,
            headers=list(self.headers),
            scheme=self.scheme,
        )


def new_client(
    verify: Any = True, transport: httpx.AsyncBaseTransport | None = None, connections: int = 32
) -> httpx.AsyncClient:
    """A client like the dispatcher's: no redirects followed, no proxies from the environment."""
    return httpx.AsyncClient(
        verify=verify,
        transport=transport,
        follow_redirects=False,
        trust_env=False,
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
    )


class Runner:
    """Runs checks against one target; ``run()`` returns the finished :class:`Run`."""

    def __init__(
        self,
        target: Target,
        *,
        client: httpx.AsyncClient,
        event_type: str,
        payload: bytes,
        timeout: float = DEFAULT_TIMEOUT,
        probe: Probe | None = None,
        recorder: Recorder | None = None,
        bus: EventBus | None = None,
        on_start: Callable[[b.Spec], None] | None = None,
        on_result: Callable[[Result], None] | None = None,
    ) -> None:
        self.target = target
        self.endpoint = target.endpoint()
        self.client = client
        self.event_type = event_type
        self.payload = payload
        self.timeout = float(timeout)
        self.probe = probe
        self.recorder = recorder
        self.bus = bus
        self.on_start = on_start
        self.on_result = on_result
        self.run_id = new_id(RUN_PREFIX)

    async def run(self, specs: Sequence[b.Spec]) -> Run:
        run = Run(
            id=self.run_id,
            started_at=time.time(),
            url=self.target.url,
            scheme=self.target.scheme,
            event_type=self.event_type,
            endpoint_id=self.target.endpoint_id if self.recorder is not None else None,
            probe=self.probe.kind if self.probe is not None else None,
            skipped=b.not_applicable(self.target.scheme),
        )
        for spec in specs:
            if self.on_start is not None:
                self.on_start(spec)
            result = await self.check(spec)
            result.run_id = run.id
            run.results.append(result)
            if self.on_result is not None:
                self.on_result(result)
        run.finished_at = time.time()
        if self.recorder is not None:
            self.recorder.save_check_run(run)
        return run

    # -- one check ----------------------------------------------------------------------------------
    async def check(self, spec: b.Spec) -> Result:
        probed = self.probe is not None and spec.probe is not None
        before: int | None = None
        probe_error: str | None = None
        if probed:
            before, probe_error = await self._read_probe()
        exchanges = await self._deliver(spec)
        verdict, reason = judge(spec, exchanges, self.timeout)
        probe: dict[str, Any] | None = None
        if probed:
            after: int | None = None
            if probe_error is None:
                after, probe_error = await self._read_probe()
            if probe_error is not None:
                if verdict == PASS:
                    verdict = WARN
                reason += f" (the probe could not be read: {probe_error})"
            elif before is not None and after is not None:
                probe = {"before": before, "after": after}
                verdict, reason = judge_effects(spec, verdict, reason, after - before)
        return Result(spec.id, verdict, reason, exchanges, probe)

    async def _read_probe(self) -> tuple[int | None, str | None]:
        assert self.probe is not None
        try:
            return await self.probe.read(), None
        except ProbeError as e:
            return None, str(e)

    async def _deliver(self, spec: b.Spec) -> list[Exchange]:
        if spec.id == "out-of-order":
            older, newer = (
                self._message(spec, _with_time(self.payload, -60)),
                self._message(spec, _with_time(self.payload, 0)),
            )
            return [await self._send(spec, newer), await self._send(spec, older)]
        if spec.id == "concurrent":
            messages = [self._message(spec, self.payload) for _ in range(b.CONCURRENT)]
            return list(await asyncio.gather(*(self._send(spec, m) for m in messages)))
        if spec.id == "unknown-type":
            return [await self._send(spec, self._message(spec, _retyped(self.payload), UNKNOWN_TYPE))]
        if spec.id == "large":
            return [await self._send(spec, self._message(spec, _padded(self.payload, b.LARGE_SIZE)))]
        return [await self._send(spec, self._message(spec, self.payload))]

    def _message(self, spec: b.Spec, payload: bytes, event_type: str | None = None) -> Message:
        return Message(new_id("msg"), event_type or self.event_type, payload, time.time(), fault=spec.fault)

    async def _send(self, spec: b.Spec, message: Message) -> Exchange:
        now = time.time()
        attempt = Attempt(
            id=new_id(ATTEMPT_PREFIX),
            message_id=message.id,
            endpoint_id=self.endpoint.id,
            number=1,
            trigger="manual",
            status="sending",
            scheduled_at=now,
            started_at=now,
            fault=spec.fault,
            extra={"check": {"run": self.run_id, "check": spec.id, "url": self.target.url}},
        )
        outcome = await attempt_mod.send(
            self.client,
            self.endpoint,
            message,
            self.target.secrets,
            fault=spec.fault,
            variant=spec.variant,
            timeout=self.timeout,
        )
        attempt.status = "success" if outcome.success else "failed"
        attempt.duration_ms = round(outcome.duration_ms, 3)
        attempt.status_code = outcome.status_code
        attempt.error = outcome.error
        attempt.response_headers = outcome.response_headers
        attempt.response_body = outcome.response_body
        attempt.request_headers = outcome.request_headers
        attempt.extra.update(outcome.extra)
        if spec.variant is not None:
            attempt.extra["check"]["variant"] = spec.variant
        if self.recorder is not None:
            self.recorder.record_check_delivery(message, attempt)
        if self.bus is not None:
            self.bus.publish(MessageCreated(message, (self.endpoint.id,)))
            self.bus.publish(AttemptFinished(attempt))
        repeat = outcome.extra.get("duplicate") or {}
        return Exchange(
            attempt.id,
            message.id,
            outcome.status_code,
            outcome.duration_ms,
            outcome.error,
            _excerpt(outcome.response_body),
            repeat.get("status_code"),
            repeat.get("error"),
        )


# -- grading ----------------------------------------------------------------------------------------
_ACCEPTED = {
    "tampered": "accepted a body changed after signing: forged events get in",
    "stale": f"accepted a timestamp {FAULT_OFFSET_TEXT} old: timestamps are not checked",
    "future": f"accepted a timestamp {FAULT_OFFSET_TEXT} ahead: future timestamps are not checked",
    "wrong-secret": "accepted a signature made with an unknown secret: signatures are not checked",
    "unsigned": "accepted a request with no signature",
}


def _answer(x: Exchange) -> str:
    """'401', '401 (body: "bad signature")', or the error."""
    if x.status_code is None:
        return x.error or "no answer"
    text = str(x.status_code)
    if x.body:
        text += f" ({x.body[:80]!r})"
    return text


def _outcome(x: Exchange) -> str:
    """'answered 422 (...)', or 'not answered (timeout: ...)': reads right after "the newer event"."""
    return f"answered {_answer(x)}" if x.status_code is not None else f"not answered ({_answer(x)})"


def judge(spec: b.Spec, exchanges: list[Exchange], timeout: float) -> tuple[str, str]:
    """The verdict and reason from the HTTP answers alone."""
    first = exchanges[0]
    if spec.id == "fast":
        if first.error is not None and first.status_code is None:
            why = "" if (first.error or "").startswith("timeout:") else f": {first.error}"  # said once
            return FAIL, f"no answer within the {timeout:g} s timeout{why}"
        seconds = first.duration_ms / 1000
        if seconds > timeout:
            return FAIL, f"answered in {seconds:.1f} s, past the {timeout:g} s timeout"
        if seconds >= b.FAST_WARN:
            return WARN, f"answered in {seconds:.1f} s: over 1 s; answer first, work after"
        return PASS, f"answered in {first.duration_ms:.0f} ms"
    if spec.id in _ACCEPTED:
        code = first.status_code
        if first.ok:
            return FAIL, _ACCEPTED[spec.id]
        if code is not None and 400 <= code < 500:
            return PASS, f"refused with {code}"
        if code is not None and code >= 500:
            return (
                FAIL,
                f"answered {_answer(first)}: a crash, not a refusal (the platform retries 5xx for 27 h)",
            )
        return FAIL, f"expected a 4xx refusal, got {_answer(first)}"
    if spec.id == "svix-headers":
        if first.ok:
            return PASS, "accepted"
        if first.status_code is not None and 400 <= first.status_code < 500:  # refused the naming
            return WARN, (
                f"answered {_answer(first)}: only webhook-* headers are accepted, and Svix-hosted "
                "platforms send svix-*"
            )
        # a crash, a redirect or no answer says nothing about which header names are read
        return FAIL, f"expected 2xx, got {_answer(first)}"
    if spec.id == "duplicate":
        if not first.ok:
            return FAIL, f"refused the first delivery: {_answer(first)}"
        if first.repeat_status is None or not 200 <= first.repeat_status < 300:
            again = first.repeat_status if first.repeat_status is not None else first.repeat_error
            return FAIL, f"the repeat was answered {again}: acknowledge a duplicate (2xx), or it is retried"
        return PASS, "2xx both times"
    if spec.id == "concurrent":
        bad = [x for x in exchanges if not x.ok]
        slowest = max(x.duration_ms for x in exchanges) / 1000
        if bad:
            return FAIL, f"{len(bad)} of {len(exchanges)} failed; first: {_answer(bad[0])}"
        return PASS, f"all {len(exchanges)} 2xx, slowest in {slowest:.2f} s"
    if spec.id == "out-of-order":
        bad = [x for x in exchanges if not x.ok]
        if bad:
            which = "the older event" if bad[0] is exchanges[-1] else "the newer event"
            return FAIL, f"{which} was {_outcome(bad[0])}"
        return PASS, "2xx both"
    if first.ok:  # valid, rotation, unknown-version, unknown-type, large
        return PASS, "accepted"
    consequence = {
        "valid": "a correctly signed event was refused",
        "rotation": "a valid signature after an unknown one was refused",
        "unknown-version": "an unknown signature version made a valid delivery fail",
        "unknown-type": "an unknown event type was not acknowledged",
        "large": "a 1 MiB event was refused",
    }.get(spec.id, "refused")
    return FAIL, f"{consequence}: {_answer(first)}"


def judge_effects(spec: b.Spec, verdict: str, reason: str, delta: int) -> tuple[str, str]:
    """Refine a verdict with the probe: effects a check must not have fail it."""
    if spec.probe == b.PROBE_NONE and delta != 0:
        return FAIL, f"{reason}; the probe counted {delta:+d}: the consumer acted on it"
    if spec.probe == b.PROBE_ONCE and delta > 1:
        return FAIL, f"processed the same delivery {delta} times (probe {delta:+d})"
    if spec.probe == b.PROBE_SOME and verdict == PASS and delta < 1:
        return WARN, f"{reason}, but the probe counted no side effect: does it count this consumer's work?"
    return verdict, reason + (f" (probe {delta:+d})" if spec.probe else "")


# -- payloads ---------------------------------------------------------------------------------------
def _excerpt(body: bytes) -> str:
    text = body[: EXCERPT * 4].decode("utf-8", "replace")
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text[:EXCERPT]


def _object(payload: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def _retyped(payload: bytes) -> bytes:
    """The payload as an event of a type nobody has seen (its ``type`` field, when it has one)."""
    obj = _object(payload)
    if obj is None:
        return payload
    obj["type"] = UNKNOWN_TYPE
    return _dump(obj)


def _with_time(payload: bytes, offset: float) -> bytes:
    """The payload with its ``timestamp`` (when it has an ISO one) set to now + ``offset`` seconds, so
    the older and the newer of the out-of-order pair say which is which."""
    obj = _object(payload)
    if obj is None or not isinstance(obj.get("timestamp"), str):
        return payload
    moment = time.time() + offset
    obj["timestamp"] = (
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + f".{int(moment % 1 * 1000):03d}Z"
    )
    return _dump(obj)


def _padded(payload: bytes, size: int) -> bytes:
    """The payload grown to exactly ``size`` bytes by a ``hookdev_padding`` string (still valid JSON)."""
    stripped = payload.strip()
    if not stripped.startswith(b"{"):
        return payload + b" " * max(0, size - len(payload))
    rest = stripped[1:].lstrip()
    head = b'{"hookdev_padding":"'
    tail = b'"' + (b"}" if rest.startswith(b"}") else b",") + (rest[1:] if rest.startswith(b"}") else rest)
    fill = max(0, size - len(head) - len(tail))
    return head + b"x" * fill + tail
