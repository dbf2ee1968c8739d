"""An endpoint's attempt log: time, message, number, result, duration and a note (due time, error,
the fault it carried), newest first, keeping the cursor on the same attempt across refreshes."""

from __future__ import annotations

import datetime as dt
import textwrap

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Label

from hookdev.models import Attempt
from hookdev.presentation import human_delay
from hookdev.textsafe import visible
from hookdev.tui.badges import accepted_fault, code_content, status_content
from hookdev.tui.text import shorten
from hookdev.tui.widgets.tables import cursor_key
from hookdev.tui.widgets.traffic import EndpointTraffic


class AttemptLog(Vertical):
    """A card with the attempts table (``#attempts-table``)."""

    def compose(self) -> ComposeResult:
        yield Label("Attempts (enter opens one, p replays it)", classes="card-title")
        yield EndpointTraffic(id="endpoint-traffic")
        yield DataTable(id="attempts-table", cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one("#attempts-table", DataTable)
        for key, label, width in (
            ("time", "TIME", 8),
            ("message", "MESSAGE", 26),
            ("n", "#", 2),
            ("result", "RESULT", 11),
            ("took", "TOOK", 6),
            ("note", "NOTE", None),
        ):
            table.add_column(label, key=key, width=width)

    def show(self, attempts: list[Attempt], now: float, *, utc: bool = False) -> None:
        table = self.query_one("#attempts-table", DataTable)
        keep = self.selected_attempt_id()
        self.query_one(EndpointTraffic).show(attempts)
        table.clear()
        # The note takes the rest of the width and wraps onto more lines rather than being cut; when
        # less than 20 cells are left, it goes under the message id instead.
        available = table.scrollable_content_region.width - 1
        note_width = available - (8 + 26 + 2 + 11 + 6) - 2 * 6
        beside = note_width >= 20
        column = next((c for c in table.columns.values() if c.key.value == "note"), None)
        if column is not None:
            column.auto_width = False
            column.width = note_width if beside else 4
        for a in attempts:
            cells = attempt_cells(a, now, utc)
            note = str(cells[-1])
            if not note:
                table.add_row(*cells, key=a.id)
            elif beside:
                lines = textwrap.wrap(note, note_width) or [""]
                cells[-1] = "\n".join(lines[:4])
                table.add_row(*cells, key=a.id, height=min(len(lines), 4))
            else:
                lines = textwrap.wrap(note, 26)[:3]
                cells[1] = "\n".join([str(cells[1]), *lines])
                cells[-1] = ""
                table.add_row(*cells, key=a.id, height=1 + len(lines))
        ids = [a.id for a in attempts]
        if keep in ids:
            table.move_cursor(row=ids.index(keep), animate=False)

    def attempt_ids(self) -> list[str]:
        table = self.query_one("#attempts-table", DataTable)
        return [str(row.key.value) for row in table.ordered_rows]

    def selected_attempt_id(self) -> str | None:
        return cursor_key(self.query_one("#attempts-table", DataTable))


def attempt_cells(a: Attempt, now: float, utc: bool) -> list[str | Content]:
    """One attempt as the log's cells."""
    when = a.started_at or a.scheduled_at
    clock = dt.datetime.fromtimestamp(when, dt.UTC if utc else None).strftime("%H:%M:%S")
    if a.status == "pending":
        note = f"due in {human_delay(a.scheduled_at - now)}" if a.scheduled_at > now else "due now"
    else:
        note = visible(a.error) if a.error else ("manual" if a.trigger == "manual" else "")
    if a.fault:  # the fault the attempt carried; a 2xx to one a consumer must refuse is a consumer bug
        warn = "⚠ 2xx: " if accepted_fault(a.fault, a.status_code) else "⚑ "
        detail = a.extra.get("fault_note")  # e.g. "timestamp 1 h ahead"
        note = f"{warn}{a.fault}" + (f" ({detail})" if detail else "") + (f" · {note}" if note else "")
    check = a.extra.get("check")
    if isinstance(check, dict) and check.get("check"):  # a delivery of `hookdev check`
        note = f"check {check['check']}" + (f" · {note}" if note else "")
    result = status_content(a.status)
    if a.status_code is not None:
        result = Content.assemble(result, " ", code_content(a.status_code))
    return [
        clock,
        a.message_id,
        str(a.number),
        result,
        f"{a.duration_ms:.0f} ms" if a.duration_ms is not None else "-",
        shorten(note, 4 * 60),
    ]
