"""One delivery attempt opened: the request it sent (line, headers with Authorization masked, body as
pretty JSON, raw or hex), the response (status, headers, body), duration, error and fault; ``c`` copies
it as a curl command. ``[``/``]`` step through the other attempts of the same list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from hookdev.delivery.inspect import as_request, sent_body
from hookdev.models import Attempt, Endpoint, Message
from hookdev.redact import redact_headers
from hookdev.store import Store
from hookdev.textsafe import visible
from hookdev.tui.badges import (
    accepted_fault,
    accepted_fault_content,
    code_content,
    fault_content,
    kv,
    status_content,
)
from hookdev.tui.widgets.capture_detail import BODY_MODES, body_content, headers_content
from hookdev.tui.widgets.content_view import ContentView


def attempt_content(
    attempt: Attempt,
    message: Message | None,
    endpoint: Endpoint | None,
    body_mode: str,
    width: int | None,
    utc: bool,
) -> Content:
    def clock(ts: float | None) -> str:
        if ts is None:
            return "-"
        when = dt.datetime.fromtimestamp(ts, dt.UTC if utc else None)
        return when.strftime("%Y-%m-%d %H:%M:%S") + (" UTC" if utc else "")

    fault = attempt.fault or (message.fault if message else None)
    result = status_content(attempt.status)
    if attempt.status_code is not None:
        result = Content.assemble(result, "  ", code_content(attempt.status_code))
    rows: list[tuple[str, Content]] = [
        ("Result", result),
        ("Endpoint", Content(f"{attempt.endpoint_id}  {endpoint.url if endpoint else '(deleted)'}")),
        ("Trigger", Content(f"{attempt.trigger}, attempt #{attempt.number}")),
        ("Scheduled", Content(clock(attempt.scheduled_at))),
        ("Started", Content(clock(attempt.started_at))),
        ("Duration", Content(f"{attempt.duration_ms:,.0f} ms" if attempt.duration_ms is not None else "-")),
    ]
    if attempt.error:
        rows.append(("Error", Content.styled(visible(attempt.error), "$text-error")))
    if fault:
        rows.append(("Fault", fault_content(fault)))
        if accepted_fault(fault, attempt.status_code):
            rows.append(("", accepted_fault_content(fault)))
    if attempt.extra.get("retry_after") is not None:
        rows.append(("Retry-After", Content(f"{attempt.extra['retry_after']:g} s")))
    parts: list[Content | str] = [kv(rows, 12), "\n"]
    parts.append(Content.styled("\nRequest\n", "bold $text-accent"))
    url = endpoint.url if endpoint else "(endpoint deleted)"
    parts.append(Content.styled(f"POST {url}\n", "bold"))
    if attempt.request_headers:
        parts.append(headers_content(redact_headers(attempt.request_headers)))
    elif attempt.status == "pending":
        parts.append(Content.styled("(not sent yet)\n", "$text-muted"))
    if message is not None:
        modes = "  ".join(f"[{m}]" if m == body_mode else m for m in BODY_MODES)
        parts.append(Content.styled(f"\nBody  {modes}  (b: switch)\n", "bold $text-accent"))
        parts.append(body_content(sent_body(message, fault, endpoint, attempt.started_at), body_mode, width))
        parts.append("\n")
    parts.append(Content.styled("\nResponse\n", "bold $text-accent"))
    if attempt.status_code is None:
        parts.append(Content.styled(visible(attempt.error or "no response (yet)"), "$text-muted"))
        parts.append("\n")
    else:
        parts.append(Content.assemble(code_content(attempt.status_code), "\n"))
        parts.append(headers_content(attempt.response_headers))
        parts.append("\n")
        parts.append(body_content(attempt.response_body, "pretty", width))
    return Content.assemble(*parts)


class AttemptDetailScreen(ModalScreen[None]):
    """An attempt in full; escape closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="attempt.close"),
        Binding("b", "body_mode", "Body view", id="attempt.body"),
        Binding("c", "copy_curl", "Copy curl", id="attempt.copy"),
        Binding("left_square_bracket", "step(-1)", "Previous", key_display="[", id="attempt.prev"),
        Binding("right_square_bracket", "step(1)", "Next", key_display="]", id="attempt.next"),
    ]

    def __init__(
        self, store: Store, attempt_ids: Sequence[str], index: int = 0, *, utc: bool = False
    ) -> None:
        super().__init__()
        self.store = store
        self.attempt_ids = list(attempt_ids)
        self.index = max(0, min(index, len(self.attempt_ids) - 1))
        self.utc = utc
        self.body_mode = "pretty"
        self.attempt: Attempt | None = None
        self.message: Message | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide-dialog"):
            yield Label("Attempt", id="attempt-title", classes="dialog-title")
            yield ContentView(id="attempt-text")
            yield Static(
                "b body view · c copy as curl · [ ] other attempts · escape closes", classes="field-help"
            )

    def on_mount(self) -> None:
        self.query_one("#attempt-text").focus()
        self._show()
        self.call_after_refresh(self._show)  # once the view has its width (hex fills it)

    def _show(self) -> None:
        if not self.attempt_ids:
            return
        attempt = self.store.get_attempt(self.attempt_ids[self.index])
        view = self.query_one("#attempt-text", ContentView)
        if attempt is None:
            view.update(Content.styled("This attempt was deleted.", "$text-muted"))
            return
        self.attempt = attempt
        self.message = self.store.get_message(attempt.message_id)
        endpoint = self.store.get_endpoint(attempt.endpoint_id)
        where = f"  ({self.index + 1} of {len(self.attempt_ids)})" if len(self.attempt_ids) > 1 else ""
        self.query_one("#attempt-title", Label).update(
            f"Attempt #{attempt.number} of {attempt.message_id} to {attempt.endpoint_id}{where}"
        )
        width = view.scrollable_content_region.width or None
        view.update(
            attempt_content(attempt, self.message, endpoint, self.body_mode, width, self.utc),
            keep_scroll=True,
        )

    def action_step(self, delta: int) -> None:
        index = self.index + delta
        if 0 <= index < len(self.attempt_ids):
            self.index = index
            self.query_one("#attempt-text", ContentView).scroll_home(animate=False)
            self._show()

    def action_body_mode(self) -> None:
        self.body_mode = BODY_MODES[(BODY_MODES.index(self.body_mode) + 1) % len(BODY_MODES)]
        self._show()

    def action_copy_curl(self) -> None:
        from hookdev.export import export_capture

        attempt, message = self.attempt, self.message
        endpoint = self.store.get_endpoint(attempt.endpoint_id) if attempt else None
        if attempt is None or message is None or endpoint is None:
            self.app.notify("Nothing to copy: the message or endpoint is gone.", severity="warning")
            return
        try:
            text = export_capture(as_request(attempt, message, endpoint), "curl", base_url=endpoint.url)
        except Exception as e:  # an export that refuses (hostile bytes): say why, copy nothing
            self.app.notify(str(e), title="Copy as curl", severity="error")
            return
        self.app.copy_to_clipboard(text if isinstance(text, str) else text.decode("utf-8", "replace"))
        self.app.notify("Copied (Authorization is read from $HOOKDEV_AUTHORIZATION).", title="Copy as curl")

    def action_close(self) -> None:
        self.dismiss(None)
