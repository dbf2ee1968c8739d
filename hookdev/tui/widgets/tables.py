"""What a DataTable's cursor is on *now*.

``RowHighlighted`` is delivered asynchronously: by the time a handler runs, the table may have been
cleared, refilled and moved (a reload, or a jump to a row from another view). A handler that trusts
the event's row key can undo a newer selection with an older one. Handlers read the table instead.
"""

from __future__ import annotations

from textual.coordinate import Coordinate
from textual.widgets import DataTable


def cursor_key(table: DataTable) -> str | None:
    """The key of the row under the cursor, or None when the table is empty."""
    if not table.row_count or not 0 <= table.cursor_row < table.row_count:
        return None
    value = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
    return None if value is None else str(value)
