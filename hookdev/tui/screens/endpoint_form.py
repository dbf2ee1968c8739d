"""Add or edit an endpoint: URL, description, events, channels, rate limit and custom headers.

Authorization is write-only: an existing value shows masked, and a masked line left as it is keeps
the stored value. The form calls ``save`` and stays open with the error when the sender refuses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, TextArea

from hookdev.models import Endpoint
from hookdev.redact import MASK, SENSITIVE, redact_headers


@dataclass
class EndpointForm:
    """What the form produced, parsed but not yet checked by the sender."""

    url: str
    description: str
    events: list[str]
    channels: list[str]
    rate_limit: float | None
    set_headers: list[tuple[str, str]]
    remove_headers: list[str]


def _split(text: str) -> list[str]:
    return [p for p in (s.strip() for s in text.replace("\n", ",").split(",")) if p]


def parse_form(values: dict[str, str], current: Endpoint | None) -> EndpointForm:
    """ValueError with a one-line reason for what cannot even be parsed (the sender checks the rest)."""
    rate = values["rate_limit"].strip()
    try:
        rate_limit = float(rate) if rate else None
    except ValueError:
        raise ValueError(f"rate limit {rate!r} is not a number of messages per second") from None
    set_headers: list[tuple[str, str]] = []
    names: set[str] = set()
    for line in values["headers"].splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"invalid header {line.strip()!r}: write it as 'Name: value'")
        name, value = name.strip(), value.strip()
        names.add(name.lower())
        if name.lower() in SENSITIVE and MASK in value:
            continue  # unchanged write-only value: keep what is stored
        set_headers.append((name, value))
    existing = current.headers if current is not None else []
    remove = [k for k, _ in existing if k.lower() not in names]
    return EndpointForm(
        url=values["url"].strip(),
        description=values["description"].strip(),
        events=_split(values["events"]),
        channels=_split(values["channels"]),
        rate_limit=rate_limit,
        set_headers=set_headers,
        remove_headers=remove,
    )


class EndpointFormScreen(ModalScreen[bool]):
    """Dismisses True once ``save`` accepted the form, False on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="endpoint_form.cancel"),
        Binding("ctrl+s", "save", "Save", id="endpoint_form.save"),
    ]

    def __init__(
        self,
        endpoint: Endpoint | None,
        save: Callable[[EndpointForm], str | None],
        event_types: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self.endpoint = endpoint
        self.save = save
        self.event_types = list(event_types)

    def compose(self) -> ComposeResult:
        ep = self.endpoint
        title = f"Edit {ep.id}" if ep else "Add an endpoint"
        with Vertical(classes="dialog form-dialog"):
            yield Label(title, classes="dialog-title")
            with VerticalScroll():
                yield Label("URL", classes="field-label")
                yield Input(ep.url if ep else "", placeholder="https://example.com/webhooks", id="form-url")
                yield Label("Description", classes="field-label")
                yield Input(ep.description if ep else "", id="form-description")
                yield Label("Event types (comma separated; empty: all)", classes="field-label")
                yield Input(
                    ", ".join(ep.events) if ep else "",
                    id="form-events",
                    placeholder=", ".join(self.event_types[:3]) + ("…" if len(self.event_types) > 3 else ""),
                )
                with Horizontal(classes="form-row"):
                    with Vertical():
                        yield Label("Channels (comma separated)", classes="field-label")
                        yield Input(", ".join(ep.channels) if ep else "", id="form-channels")
                    with Vertical():
                        yield Label("Rate limit (messages/s; empty: none)", classes="field-label")
                        yield Input(
                            f"{ep.rate_limit:g}" if ep and ep.rate_limit else "",
                            id="form-rate_limit",
                            type="number",
                        )
                yield Label(
                    "Custom headers, one 'Name: value' per line (Authorization is write-only)",
                    classes="field-label",
                )
                headers = "\n".join(f"{k}: {v}" for k, v in redact_headers(ep.headers)) if ep else ""
                yield TextArea(headers, id="form-headers", soft_wrap=True, show_line_numbers=False)
            yield Static("", id="form-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel (esc)", id="cancel")
                yield Button("Save (ctrl+s)", id="save", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#form-url", Input).focus()
        self.query_one("#form-error", Static).display = False

    def values(self) -> dict[str, str]:
        out = {
            name: self.query_one(f"#form-{name}", Input).value
            for name in ("url", "description", "events", "channels", "rate_limit")
        }
        out["headers"] = self.query_one("#form-headers", TextArea).text
        return out

    def action_save(self) -> None:
        error: str | None
        try:
            error = self.save(parse_form(self.values(), self.endpoint))
        except ValueError as e:
            error = str(e)
        box = self.query_one("#form-error", Static)
        if error:
            box.update(error)
            box.display = True
            return
        self.dismiss(True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)
