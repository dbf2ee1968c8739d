"""The scorecard of a `hookdev check` run: one row per check, filled in as each check finishes."""

from __future__ import annotations

from typing import ClassVar

from textual.content import Content
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from hookdev.check import Result, Spec

VERDICT_STYLE = {"pass": "bold $text-success", "warn": "bold $text-warning", "fail": "bold $text-error"}
VERDICT_MARK = {"pass": "✓", "warn": "!", "fail": "✗"}


def verdict_content(verdict: str) -> Content:
    return Content.styled(f"{VERDICT_MARK.get(verdict, '?')} {verdict}", VERDICT_STYLE.get(verdict, ""))


def clip(text: str, width: int) -> str:
    """``text`` on one line of at most ``width`` cells, an ellipsis marking a cut."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


class Scorecard(DataTable[Content | str]):
    """Rows keyed by check id: waiting (·), running (→), then the verdict, what came back and why.

    The REASON column takes the width the others leave, and a reason longer than that ends in "…": the
    detail pane under the scorecard shows the selected check's reason whole, wrapped. Below 100 columns
    the RECEIVED column narrows to make room for it.
    """

    DEFAULT_CSS = """
    Scorecard { height: 1fr; overflow-x: hidden; }
    """

    WIDTHS: ClassVar[dict[str, int]] = {"verdict": 7, "id": 15, "received": 26}
    NARROW_RECEIVED = 14

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self.results: dict[str, Result] = {}
        self.sends: dict[str, str] = {}

    def on_mount(self) -> None:
        for key, label in (
            ("verdict", "VERDICT"),
            ("id", "CHECK"),
            ("received", "RECEIVED"),
            ("reason", "REASON"),
        ):
            self.add_column(label, key=key, width=self.WIDTHS.get(key, 40))

    def on_resize(self) -> None:
        """The reason takes what the other columns leave (no sideways scrolling)."""
        received = self.columns.get(ColumnKey("received"))
        if received is not None:
            received.width = self.NARROW_RECEIVED if self.size.width < 96 else self.WIDTHS["received"]
            received.auto_width = False
        column = self.columns.get(ColumnKey("reason"))
        if column is not None:
            used = sum(c.width + 2 * self.cell_padding for k, c in self.columns.items() if k != "reason")
            column.width = max(16, self.size.width - used - 2 * self.cell_padding - 2)
            column.auto_width = False
        for key in self.sends:  # the clipped texts follow the new widths
            self._fill(key)
        self.refresh()

    def _width(self, key: str) -> int:
        column = self.columns.get(ColumnKey(key))
        return column.width if column is not None else 40

    def _fill(self, key: str) -> None:
        result = self.results.get(key)
        if result is None:
            self.update_cell(
                key, "reason", Content.styled(clip(self.sends[key], self._width("reason")), "$text-muted")
            )
            return
        self.update_cell(key, "received", clip(result.received(), self._width("received")))
        self.update_cell(key, "reason", clip(result.reason, self._width("reason")))

    def start(self, specs: list[Spec]) -> None:
        """Every check of the run, waiting."""
        self.clear()
        self.results.clear()
        self.sends = {spec.id: spec.sends for spec in specs}
        for spec in specs:
            self.add_row(Content.styled("·", "$text-muted"), spec.id, "", "", key=spec.id)
            self._fill(spec.id)

    def running(self, check_id: str) -> None:
        self.update_cell(check_id, "verdict", Content.styled("→ …", "$text-accent"))

    def show_result(self, result: Result) -> None:
        self.results[result.id] = result
        self.update_cell(result.id, "verdict", verdict_content(result.verdict))
        self._fill(result.id)

    def selected_result(self) -> Result | None:
        if self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.results.get(key) if key is not None else None
