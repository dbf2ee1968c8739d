"""The scorecard of a `hookdev check` run: one row per check, filled in as each check finishes."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from hookdev.check import Result, Spec

VERDICT_STYLE = {"pass": "bold $text-success", "warn": "bold $text-warning", "fail": "bold $text-error"}
VERDICT_MARK = {"pass": "✓", "warn": "!", "fail": "✗"}


def verdict_content(verdict: str) -> Content:
    return Content.styled(f"{VERDICT_MARK.get(verdict, '?')} {verdict}", VERDICT_STYLE.get(verdict, ""))


class Scorecard(DataTable[Content | str]):
    """Rows keyed by check id: waiting (·), running (→), then the verdict, what came back and why."""

    DEFAULT_CSS = """
    Scorecard { height: 1fr; overflow-x: hidden; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self.results: dict[str, Result] = {}

    def on_mount(self) -> None:
        for key, label, width in (
            ("verdict", "VERDICT", 8),
            ("id", "CHECK", 16),
            ("received", "RECEIVED", 26),
            ("reason", "REASON", 60),
        ):
            self.add_column(label, key=key, width=width)

    def on_resize(self) -> None:
        """The reason takes what the other columns leave (no sideways scrolling)."""
        column = self.columns.get(ColumnKey("reason"))
        if column is not None:
            used = sum(c.get_render_width(self) for k, c in self.columns.items() if k != "reason")
            column.width = max(20, self.size.width - used - 2 * self.cell_padding - 2)
            column.auto_width = False
            self.refresh()

    def start(self, specs: list[Spec]) -> None:
        """Every check of the run, waiting."""
        self.clear()
        self.results.clear()
        for spec in specs:
            self.add_row(
                Content.styled("·", "$text-muted"),
                spec.id,
                "",
                Content.styled(spec.sends, "$text-muted"),
                key=spec.id,
            )

    def running(self, check_id: str) -> None:
        self.update_cell(check_id, "verdict", Content.styled("→ …", "$text-accent"))

    def show_result(self, result: Result) -> None:
        self.results[result.id] = result
        self.update_cell(result.id, "verdict", verdict_content(result.verdict))
        self.update_cell(result.id, "received", result.received())
        self.update_cell(result.id, "reason", result.reason)

    def selected_result(self) -> Result | None:
        if self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.results.get(key) if key is not None else None
