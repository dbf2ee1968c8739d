"""Replay a capture: choose where it goes and how it is signed; with ``edit``, change the request first.

Destinations are the receiver's own URL, where the receiver forwards this path (its route or the
forward target), or a URL typed here: never the captured Host. The request is edited as text
(``METHOD /path``, headers, a blank line, the body); Authorization shows masked and, left masked,
keeps its stored value. Dismisses with a ``ReplayPlan`` (what to send, where), or None.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Select, Static, TextArea

from hookdev import capture_replay as cr
from hookdev import signing
from hookdev.forward import Route
from hookdev.models import Capture
from hookdev.textsafe import visible


@dataclass
class ReplayPlan:
    request: cr.ReplayRequest
    url: str
    signing: str  # what the notification says: "as captured", "re-signed (standard)"


@dataclass
class Destinations:
    receiver: str
    forward_to: str | None = None  # the receiver's forward target and routes, as set now
    routes: list[Route] = field(default_factory=list)

    def forward(self, request: cr.ReplayRequest) -> str | None:
        """Where the receiver would forward this request (its route, or the forward target)."""
        try:
            return cr.forward_destination(self.forward_to, self.routes, request)
        except cr.ReplayError:
            return None


class ReplayScreen(ModalScreen[ReplayPlan | None]):
    """Where to, how signed, and (``edit``) the request itself."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="replay.cancel"),
        Binding("ctrl+s", "send", "Send", id="replay.send"),
    ]

    def __init__(
        self, capture: Capture, destinations: Destinations, receiver_secret: str, *, edit: bool = False
    ) -> None:
        super().__init__()
        self.capture = capture
        self.destinations = destinations
        self.receiver_secret = receiver_secret
        self.edit = edit
        self.original = cr.from_capture(capture)

    def compose(self) -> ComposeResult:
        c = self.capture
        what = "Edit and replay" if self.edit else "Replay"
        with Vertical(classes="dialog form-dialog", id="replay-dialog"):
            yield Label(
                visible(f"{what} {c.method} {c.path}  ({c.id})"), classes="dialog-title", markup=False
            )
            with VerticalScroll():
                if self.edit:
                    yield Label(
                        "Request: METHOD /path, headers, a blank line, the body", classes="field-label"
                    )
                    yield TextArea(
                        cr.request_text(self.original),
                        id="replay-text",
                        soft_wrap=True,
                        show_line_numbers=False,
                        tab_behavior="focus",
                    )
                yield Label("Send to (never the captured Host)", classes="field-label")
                with RadioSet(id="replay-to"):
                    yield RadioButton(
                        f"hookdev's receiver  {self.destinations.receiver}", value=True, id="to-receiver"
                    )
                    forward = self.destinations.forward(self.original)
                    if forward:
                        yield RadioButton(f"where it forwards  {forward}", id="to-forward")
                    yield RadioButton("this URL:", id="to-url")
                yield Input(placeholder="http://localhost:3000/webhooks", id="replay-url")
                yield Label("Signature", classes="field-label")
                with RadioSet(id="replay-sign"):
                    yield RadioButton("as captured (not re-signed)", value=True, id="sign-none")
                    yield RadioButton("re-sign with the receiver secret", id="sign-receiver")
                    yield RadioButton("re-sign with this secret:", id="sign-secret")
                with Horizontal(classes="form-row"):
                    yield Input(
                        placeholder="whsec_… or the provider's secret", password=True, id="replay-secret"
                    )
                    yield Select(
                        [(s, s) for s in signing.SCHEMES],
                        value=c.scheme if c.scheme in signing.SCHEMES else "standard",
                        allow_blank=False,
                        id="replay-scheme",
                    )
            yield Static("", id="replay-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel (esc)", id="cancel")
                yield Button("Send (ctrl+s)", id="send", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#replay-error", Static).display = False
        first = "#replay-text" if self.edit else "#replay-to"
        self.query_one(first).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Typing a URL or a secret picks the option it belongs to."""
        if event.input.id == "replay-url" and event.value:
            self.query_one("#to-url", RadioButton).value = True
        elif event.input.id == "replay-secret" and event.value:
            self.query_one("#sign-secret", RadioButton).value = True

    def _chosen(self, radios: str) -> str:
        pressed = self.query_one(radios, RadioSet).pressed_button
        return (pressed.id or "") if pressed is not None else ""

    def plan(self) -> ReplayPlan:
        """What the form asks for; ReplayError says what is wrong."""
        request = self.original
        if self.edit:
            request = cr.parse_request_text(self.query_one("#replay-text", TextArea).text, self.original)
        how = "as captured"
        sign = self._chosen("#replay-sign")
        if sign in ("sign-receiver", "sign-secret"):
            scheme = self.query_one("#replay-scheme", Select).value
            scheme = scheme if isinstance(scheme, str) else "standard"
            secret = self.receiver_secret
            if sign == "sign-secret":
                secret = self.query_one("#replay-secret", Input).value.strip()
                if not secret:
                    raise cr.ReplayError("enter the secret to sign with (or choose another signature option)")
            request = cr.resign(request, secret, scheme)
            how = f"re-signed ({scheme})"
        to = self._chosen("#replay-to")
        forward = self.destinations.forward(request) if to == "to-forward" else None
        if forward:
            url = forward
        elif to == "to-url":
            typed = self.query_one("#replay-url", Input).value.strip()
            if not typed:
                raise cr.ReplayError("type the URL to send it to (or choose another destination)")
            url = cr.destination(typed, request)
        else:
            url = cr.destination(self.destinations.receiver, request)
        return ReplayPlan(request, url, how)

    def action_send(self) -> None:
        try:
            plan = self.plan()
        except cr.ReplayError as e:
            box = self.query_one("#replay-error", Static)
            box.update(str(e))
            box.display = True
            return
        self.dismiss(plan)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "send":
            self.action_send()
        else:
            self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_send()

    def action_cancel(self) -> None:
        self.dismiss(None)
