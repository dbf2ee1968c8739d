"""The Send view's payload editor: a code editor with JSON syntax highlighting (tree-sitter).

Its text is swapped by an edit (``set_text``), not by ``TextArea.load_text``: every reload builds a
new tree-sitter highlight query and drops the old one, and py-tree-sitter 0.26 corrupts the heap when
it frees a query that has run (the process segfaults later, anywhere). hookdev pins tree-sitter below
0.26; should a newer one be installed anyway, each editor builds its query once and keeps it for the
life of the process, which is safe with either version and costs one small object per editor.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import TextArea

# Highlight queries are never freed (see the module docstring): one per editor ever built.
_QUERIES: list[Any] = []


class PayloadEditor(TextArea):
    """A JSON code editor (plain text when tree-sitter or its JSON grammar is not installed)."""

    @classmethod
    def json(cls, *, id: str | None = None) -> PayloadEditor:
        editor = cls.code_editor("", soft_wrap=False, theme="css", id=id)
        assert isinstance(editor, PayloadEditor)
        if "json" in editor.available_languages:
            editor.language = "json"
        return editor

    def _set_document(self, text: str, language: str | None) -> None:
        super()._set_document(text, language)
        query = getattr(self, "_highlight_query", None)
        if query is not None and not any(q is query for q in _QUERIES):
            _QUERIES.append(query)

    def set_text(self, text: str) -> None:
        """Replace the whole text (an edit of the same document), forget the undo history, go to the top."""
        self.replace(text, (0, 0), self.document.end, maintain_selection_offset=False)
        self.history.clear()
        self.move_cursor((0, 0))
        self.scroll_home(animate=False, immediate=True)
