"""A small form dialog: a few labelled inputs, validated on submit, errors shown under each field."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


@dataclass(frozen=True)
class Field:
    """One input: ``check`` returns an error message for a bad value, or None."""

    name: str
    label: str
    value: str = ""
    placeholder: str = ""
    password: bool = False
    check: Callable[[str], str | None] | None = None
    help: str = ""


class PromptScreen(ModalScreen[dict[str, str] | None]):
    """Dismisses with {name: value} when every field checks out, None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, title: str, fields: Sequence[Field], submit: str = "OK", message: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.fields = list(fields)
        self.submit_label = submit
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            with VerticalScroll():  # scrolls on a short screen; the buttons stay in view
                if self.message:
                    yield Static(self.message, classes="dialog-body")
                for f in self.fields:
                    yield Label(f.label, classes="field-label")
                    yield Input(f.value, placeholder=f.placeholder, password=f.password, id=f"field-{f.name}")
                    if f.help:
                        yield Static(f.help, classes="field-help")
                    yield Static("", id=f"error-{f.name}", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel (esc)", id="cancel")
                yield Button(f"{self.submit_label} (enter)", id="submit", variant="primary")

    def on_mount(self) -> None:
        if self.fields:
            self.query_one(f"#field-{self.fields[0].name}", Input).focus()

    def values(self) -> dict[str, str]:
        return {f.name: self.query_one(f"#field-{f.name}", Input).value.strip() for f in self.fields}

    def _submit(self) -> None:
        values = self.values()
        ok = True
        for f in self.fields:
            error = f.check(values[f.name]) if f.check else None
            widget = self.query_one(f"#error-{f.name}", Static)
            widget.update(error or "")
            widget.display = bool(error)
            ok = ok and not error
        if ok:
            self.dismiss(values)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        names = [f.name for f in self.fields]
        current = (event.input.id or "").removeprefix("field-")
        index = names.index(current) if current in names else len(names) - 1
        if index + 1 < len(names):
            self.query_one(f"#field-{names[index + 1]}", Input).focus()
        else:
            self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "submit":
            self._submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
