"""The endpoint list: id, URL, events, rate limit, queue, recent success rate and state, one row each."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import DataTable

from hookdev.models import Endpoint
from hookdev.store.endpoints import EndpointCounts
from hookdev.tui.text import shorten


class EndpointTable(DataTable[str | Content]):
    """Rows keyed by endpoint id; the URL column takes what the others leave.

    The columns that carry state come first (STATE, QUEUE, SUCCESS right after the id), so a narrow
    screen cuts the URL short and drops EVENTS and RATE (the settings card shows them), never them."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)

    def on_mount(self) -> None:
        for key, label, width in (
            ("id", "ID", None),
            ("state", "STATE", 8),
            ("backlog", "QUEUE", 5),
            ("success", "SUCCESS", 7),
            ("url", "URL", None),
            ("events", "EVENTS", 16),
            ("rate", "RATE", 7),
        ):
            self.add_column(label, key=key, width=width)

    def fill(
        self,
        endpoints: list[Endpoint],
        counts: dict[str, EndpointCounts],
        results: dict[str, list[str]],
        keep: str | None,
    ) -> str | None:
        """Show ``endpoints`` (``results``: recent success/failed by id), keep the cursor on ``keep``
        when it is still there, and return the id under the cursor."""
        self.clear()
        id_width = max((len(ep.id) for ep in endpoints), default=2)
        # what the other columns leave (each cell has 1 cell of padding either side)
        url_width = max(16, self.size.width - id_width - 8 - 5 - 7 - 16 - 7 - 2 * 7 - 2)
        for ep in endpoints:
            c = counts.get(ep.id)
            queue = (c.backlog + c.pending + c.sending) if c else 0
            recent = results.get(ep.id, [])
            rate = f"{100 * sum(r == 'success' for r in recent) / len(recent):.0f}%" if recent else "-"
            state = (
                Content.styled("disabled", "$text-warning")
                if ep.disabled
                else Content.styled("enabled", "$text-success")
            )
            self.add_row(
                ep.id,
                state,
                str(queue),
                rate,
                shorten(ep.url, url_width),
                shorten(", ".join(ep.events), 16) if ep.events else "[dim]all[/]",
                f"{ep.rate_limit:g}/s" if ep.rate_limit else "-",
                key=ep.id,
            )
        ids = [ep.id for ep in endpoints]
        if keep in ids:
            self.move_cursor(row=ids.index(keep), animate=False)
        return ids[self.cursor_row] if ids and 0 <= self.cursor_row < len(ids) else None
