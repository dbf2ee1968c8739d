"""The `?` screen: every key binding, grouped by view, and how the first minute works."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

Section = tuple[str, Sequence[tuple[str, str]]]

INTRO = (
    "hookdev receives webhooks on its own receiver and sends them like a platform does. "
    "Press t anywhere to send the selected catalog event to your own receiver (endpoint ep_local): "
    "the signed request shows up in the Inbox and its delivery in Deliveries. ctrl+p finds any command by name."
)


class HelpScreen(ModalScreen[None]):
    """All bindings; escape, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close")
    ]

    def __init__(self, sections: Sequence[Section]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help-dialog"):
            yield Label("hookdev — keys", classes="dialog-title")
            with VerticalScroll():
                yield Static(INTRO, classes="help-intro")
                yield Static(self._content(), id="help-keys")
            yield Static("escape closes", classes="field-help")

    def _content(self) -> Content:
        parts: list[Content | str] = []
        for title, rows in self.sections:
            parts.append(Content.styled(f"\n{title}\n", "bold $text-accent"))
            for key, description in rows:
                parts.append(Content.styled(f"  {key:<14}", "bold"))
                parts.append(description + "\n")
        return Content.assemble(*parts)

    def action_close(self) -> None:
        self.dismiss(None)
