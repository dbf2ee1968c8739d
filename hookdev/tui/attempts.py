"""The TUI's one line for an attempt (the Deliveries timeline and the log panel both use it)."""

from __future__ import annotations

import datetime as dt

from textual.content import Content

from hookdev.models import Attempt
from hookdev.presentation import human_delay
from hookdev.textsafe import visible
from hookdev.tui.badges import (
    accepted_fault,
    accepted_fault_content,
    code_content,
    fault_content,
    mark_content,
    status_content,
)


def countdown(seconds: float) -> str:
    """``12 s``, ``4 min 32 s``, ``2 h 05 min``: precise enough to watch it tick."""
    s = int(seconds + 0.999)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def attempt_content(a: Attempt, now: float, scale: float, fault: str | None, when: str) -> Content:
    """The TUI's one line for an attempt: mark, number, time (``when``), result, duration, and what
    else there is to know (manual, its fault, error, Retry-After; a 2xx to a fault on a line of its own)."""
    head = Content.assemble(" ", mark_content(a.status), f" #{a.number:<2} ")
    tag = Content.assemble("  ", fault_content(fault)) if fault else Content("")
    if a.status == "pending":
        wait = max(0.0, a.scheduled_at - now)
        what = "retry" if a.trigger == "scheduled" else "manual attempt"
        text = f"{what} in {countdown(wait)}" if wait > 0 else f"{what} due now"
        if scale != 1 and wait > 0:
            text += f"  ({human_delay(wait * scale)} of platform time at ×{scale:g})"
        return Content.assemble(head, Content.styled(text, "$text-warning"), tag)
    took = f"{a.duration_ms:>5.0f} ms" if a.duration_ms is not None else "        "
    line = Content.assemble(
        head,
        Content.styled(when, "$text-muted"),
        "  ",
        status_content(a.status, 9),
        code_content(a.status_code),
        "  ",
        took,
    )
    if a.trigger == "manual":
        line += Content.styled("  manual", "$text-muted")
    check = a.extra.get("check")
    if isinstance(check, dict) and check.get("check"):  # a delivery of `hookdev check`
        line += Content.styled(f"  check {check['check']}", "$text-accent")
    line += tag
    if a.extra.get("fault_note"):  # e.g. "timestamp 1 h ahead"
        line += Content.styled(f" ({a.extra['fault_note']})", "$text-muted")
    if a.error:
        line += Content.styled(f"  {visible(a.error)}", "$text-error")
    if a.extra.get("retry_after") is not None:
        line += Content.styled(f"  Retry-After {a.extra['retry_after']:g} s", "$text-muted")
    if accepted_fault(fault, a.status_code):  # on a line of its own: it must not be missed
        line += Content.assemble("\n      ", accepted_fault_content(fault or ""))
    return line


def fmt_clock(ts: float, utc: bool = False) -> str:
    """``HH:MM:SS`` of a timestamp (UTC on frozen screens)."""
    return dt.datetime.fromtimestamp(ts, dt.UTC if utc else None).strftime("%H:%M:%S")


def attempt_log_text(a: Attempt, next_attempt: Attempt | None, when: str) -> str:
    """A finished attempt as the log panel shows it: who, then the same line as the timeline."""
    line = attempt_content(a, 0.0, 1.0, a.fault, when).plain.strip()
    text = f"{a.message_id} → {a.endpoint_id} {line}"
    if next_attempt is not None:
        text += f"; retry {next_attempt.number} scheduled"
    return text
