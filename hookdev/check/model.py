"""What a check run produces: one result per check (what was sent, what came back, the verdict and
why), and the run that groups them. Plain dataclasses with their JSON shapes; no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hookdev.check.specs import BY_ID

PASS = "pass"
FAIL = "fail"
WARN = "warn"
VERDICTS = (PASS, WARN, FAIL)
EXCERPT = 200  # characters of a response body a result keeps


@dataclass
class Exchange:
    """One request of a check and what came back."""

    attempt_id: str
    message_id: str
    status_code: int | None
    duration_ms: float
    error: str | None = None
    body: str = ""  # an excerpt of the response body, as text
    repeat_status: int | None = None  # the duplicate check's second answer
    repeat_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "attempt_id": self.attempt_id,
            "message_id": self.message_id,
            "status": self.status_code,
            "ms": round(self.duration_ms, 1),
            "error": self.error,
            "body": self.body,
        }
        if self.repeat_status is not None or self.repeat_error is not None:
            out["repeat"] = {"status": self.repeat_status, "error": self.repeat_error}
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Exchange:
        repeat = d.get("repeat") or {}
        return cls(
            d["attempt_id"],
            d["message_id"],
            d["status"],
            d["ms"],
            d.get("error"),
            d.get("body", ""),
            repeat.get("status"),
            repeat.get("error"),
        )


@dataclass
class Result:
    """The verdict of one check."""

    id: str
    verdict: str  # pass | warn | fail
    reason: str  # one line: what happened, in the consumer's terms
    exchanges: list[Exchange] = field(default_factory=list)
    probe: dict[str, Any] | None = None  # {"before": n, "after": n} when a probe judged it
    run_id: str = ""

    @property
    def spec_sends(self) -> str:
        return BY_ID[self.id].sends

    @property
    def why(self) -> str:
        return BY_ID[self.id].why

    @property
    def attempt_ids(self) -> list[str]:
        return [x.attempt_id for x in self.exchanges]

    @property
    def slowest_ms(self) -> float | None:
        return max((x.duration_ms for x in self.exchanges), default=None)

    def received(self) -> str:
        """What came back, in a few words: '401 in 3 ms', '20 x 2xx, slowest 41 ms', 'timeout ...'."""
        if not self.exchanges:
            return "-"
        if len(self.exchanges) > 2:
            ok = sum(x.ok for x in self.exchanges)
            return f"{ok}/{len(self.exchanges)} 2xx, slowest {_took(self.slowest_ms or 0)}"
        parts = []
        for x in self.exchanges:
            head = str(x.status_code) if x.status_code is not None else (x.error or "no answer")
            if x.repeat_status is not None or x.repeat_error is not None:
                head += f" then {x.repeat_status if x.repeat_status is not None else x.repeat_error}"
            parts.append(f"{head} in {_took(x.duration_ms)}")
        return ", ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "verdict": self.verdict,
            "reason": self.reason,
            "sent": self.spec_sends,
            "why": self.why,
            "received": [x.to_json() for x in self.exchanges],
            "attempts": self.attempt_ids,
            "probe": self.probe,
            "run_id": self.run_id,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Result:
        return cls(
            d["id"],
            d["verdict"],
            d["reason"],
            [Exchange.from_json(x) for x in d.get("received", [])],
            d.get("probe"),
            d.get("run_id", ""),
        )


@dataclass
class Run:
    """One `hookdev check` run: a group of checks against one consumer."""

    id: str
    started_at: float
    url: str
    scheme: str
    event_type: str
    endpoint_id: str | None = None
    finished_at: float | None = None
    probe: str | None = None  # "url" | "command" | None (the probe itself is not stored)
    results: list[Result] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # check id -> why the scheme leaves it out

    def counts(self) -> dict[str, int]:
        return {v: sum(r.verdict == v for r in self.results) for v in VERDICTS}

    @property
    def verdict(self) -> str:
        """fail when any check failed, warn when any warned, else pass ("running" while unfinished)."""
        if self.finished_at is None:
            return "running"
        c = self.counts()
        return FAIL if c[FAIL] else WARN if c[WARN] else PASS

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if r.verdict == FAIL]

    def summary(self) -> str:
        """'12 passed, 1 warning, 2 failed in 3.4 s'."""
        c = self.counts()
        parts = [f"{c[PASS]} passed"]
        if c[WARN]:
            parts.append(f"{c[WARN]} warning" + ("s" if c[WARN] > 1 else ""))
        if c[FAIL]:
            parts.append(f"{c[FAIL]} failed")
        took = (self.finished_at or self.started_at) - self.started_at
        return ", ".join(parts) + f" in {took:.1f} s"

    def to_json(self, *, results: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "url": self.url,
            "endpoint_id": self.endpoint_id,
            "scheme": self.scheme,
            "event_type": self.event_type,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "verdict": self.verdict,
            "counts": self.counts(),
            "probe": self.probe,
            "not_applicable": self.skipped,
        }
        if results:
            out["results"] = [r.to_json() for r in self.results]
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Run:
        return cls(
            d["id"],
            d["started_at"],
            d["url"],
            d["scheme"],
            d["event_type"],
            d.get("endpoint_id"),
            d.get("finished_at"),
            d.get("probe"),
            [Result.from_json(r) for r in d.get("results", [])],
            d.get("not_applicable", {}),
        )


def _took(ms: float) -> str:
    """'12 ms', '1.4 s'."""
    return f"{ms / 1000:.1f} s" if ms >= 1000 else f"{ms:.0f} ms"
