"""Traffic at a glance: a sparkline of requests per second over the last minute and the verdict counts
(Inbox), or an endpoint's successes and failures over its recent attempts (Endpoints)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Label, Sparkline, Static

from hookdev.models import Attempt, Capture

WINDOW = 60  # seconds of the requests-per-second sparkline


class RateWindow:
    """Requests per second over the last ``WINDOW`` seconds, fed by arrivals; pure Python."""

    def __init__(self, seconds: dict[int, int] | None = None) -> None:
        self.seconds: dict[int, int] = dict(seconds or {})

    def add(self, captures: Iterable[Capture]) -> None:
        for c in captures:
            second = int(c.received_at)
            self.seconds[second] = self.seconds.get(second, 0) + 1

    def series(self, now: float) -> list[float]:
        end = int(now)
        for old in [s for s in self.seconds if s <= end - WINDOW]:
            del self.seconds[old]
        return [float(self.seconds.get(s, 0)) for s in range(end - WINDOW + 1, end + 1)]


def buckets(attempts: Sequence[Attempt], n: int = 30) -> tuple[list[float], list[float]]:
    """Successes and failures of finished ``attempts`` in ``n`` equal time buckets, oldest first."""
    done = [a for a in attempts if a.status in ("success", "failed") and a.started_at is not None]
    if not done:
        return [0.0] * n, [0.0] * n
    times = [a.started_at or 0.0 for a in done]
    start, end = min(times), max(times)
    span = max(end - start, 1e-9)
    ok, bad = [0.0] * n, [0.0] * n
    for a, t in zip(done, times, strict=True):
        i = min(n - 1, int((t - start) / span * n))
        (ok if a.status == "success" else bad)[i] += 1
    return ok, bad


class InboxTraffic(Horizontal):
    """``req/s ▁▂▇█▃  12/s · ✓ 120  ✗ 3  · 5``."""

    DEFAULT_CSS = """
    InboxTraffic { height: 1; padding: 0 1; }
    InboxTraffic Label { color: $text-muted; width: auto; }
    InboxTraffic Sparkline { width: 1fr; max-width: 60; margin: 0 1; }
    InboxTraffic #traffic-counts { width: auto; }
    """

    _width = -1  # cells of the counts shown

    def compose(self) -> ComposeResult:
        yield Label("req/s")
        yield Sparkline([0.0] * WINDOW, id="traffic-rate")
        yield Static(id="traffic-counts")

    def show(self, series: list[float], counts: dict[str, int]) -> None:
        self.query_one("#traffic-rate", Sparkline).data = series
        now = int(series[-1]) if series else 0
        peak = int(max(series)) if series else 0
        text = Content.assemble(
            Content.styled(f"{now}/s now, peak {peak}/s  ", "$text-muted"),
            Content.styled(f"✓ {counts.get('valid', 0):,}", "$text-success"),
            "  ",
            Content.styled(f"✗ {counts.get('invalid', 0):,}", "$text-error"),
            "  ",
            Content.styled(f"· {counts.get('unsigned', 0):,} unsigned", "$text-muted"),
        )
        # A layout only when the width changes: during a flood the counts change every second, and a
        # layout reflows the whole screen (tens of milliseconds a key press would wait for).
        self.query_one("#traffic-counts", Static).update(text, layout=text.cell_length != self._width)
        self._width = text.cell_length


class EndpointTraffic(Horizontal):
    """``ok ▁▃█▂  failed ▁▁▅█`` over an endpoint's recent attempts."""

    DEFAULT_CSS = """
    EndpointTraffic { height: 1; }
    EndpointTraffic Label { color: $text-muted; width: auto; }
    EndpointTraffic Sparkline { width: 1fr; max-width: 30; margin: 0 1; }
    EndpointTraffic #endpoint-ok > .sparkline--max-color { color: $success; }
    EndpointTraffic #endpoint-ok > .sparkline--min-color { color: $success 30%; }
    EndpointTraffic #endpoint-failed > .sparkline--max-color { color: $error; }
    EndpointTraffic #endpoint-failed > .sparkline--min-color { color: $error 30%; }
    """

    def compose(self) -> ComposeResult:
        yield Label("ok")
        yield Sparkline([0.0], id="endpoint-ok")
        yield Label("failed")
        yield Sparkline([0.0], id="endpoint-failed")

    def show(self, attempts: Sequence[Attempt]) -> None:
        ok, bad = buckets(attempts)
        self.query_one("#endpoint-ok", Sparkline).data = ok
        self.query_one("#endpoint-failed", Sparkline).data = bad
