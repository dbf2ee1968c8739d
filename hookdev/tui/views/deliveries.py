"""The Deliveries view: recent messages, and the selected one's attempts per endpoint as a timeline
with a live countdown to the next retry (in real seconds, and the platform time it stands for).

A message sent with a fault shows it on every attempt; a consumer's 2xx to a delivery it should have
refused (tampered, stale, unsigned, ...) is flagged in the error style, since that is a consumer bug.
``r`` moves the waiting retry to now (the same attempt, early); ``p`` replays (a new manual attempt)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widgets import DataTable, Label

from hookdev.check.targets import checked_url
from hookdev.delivery.schedule import MAX_ATTEMPTS
from hookdev.delivery.views import Delivery, summarize
from hookdev.models import Attempt, Endpoint, Message
from hookdev.tui.attempts import attempt_content, fmt_clock
from hookdev.tui.badges import (
    STATUS_MARK,
    STATUS_STYLE,
    accepted_fault,
    fault_content,
    status_content,
)
from hookdev.tui.context import Context
from hookdev.tui.messages import DeliveriesChanged, EndpointsChanged
from hookdev.tui.widgets.content_view import ContentView
from hookdev.tui.widgets.tables import cursor_key

RECENT = 200


def summary_content(deliveries: list[Delivery], fault: str | None = None, accepted: bool = False) -> Content:
    """``✓ delivered``, or counts by state when a message went to several endpoints: ``1 ok · 1 retrying``.

    ``accepted``: some endpoint answered 2xx to a ``fault`` it should have refused, which is what shows."""
    if accepted and fault:
        return Content.styled(f"⚠ 2xx: {fault}", "bold $text-error")
    if not deliveries:
        return Content.styled("not sent", "$text-muted")
    words = {
        "success": "ok",
        "failed": "failed",
        "pending": "retrying",
        "sending": "sending",
        "canceled": "canceled",
    }
    suffix = [Content.styled(f" ⚑ {fault}", "$text-warning")] if fault else []
    if len(deliveries) == 1:
        d = deliveries[0]
        word = "delivered" if d.status == "success" else words[d.status]
        return Content.assemble(
            Content.styled(f"{STATUS_MARK[d.status]} {word}", STATUS_STYLE[d.status]), *suffix
        )
    counts: dict[str, int] = {}
    for d in deliveries:
        counts[d.status] = counts.get(d.status, 0) + 1
    parts: list[Content | str] = []
    for status in ("success", "sending", "pending", "failed", "canceled"):
        if status in counts:
            if parts:
                parts.append(" · ")
            parts.append(Content.styled(f"{counts[status]} {words[status]}", STATUS_STYLE[status]))
    return Content.assemble(*parts, *suffix)


class DeliveriesView(Horizontal):
    """Messages on the left, the selected message's timeline on the right."""

    TITLE = "Deliveries"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "r",
            "retry_now",
            "Retry now",
            tooltip="Run the waiting retry now (same attempt, early); a failed delivery gets a new attempt",
            id="deliveries.retry",
        ),
        Binding(
            "p",
            "replay",
            "Replay",
            tooltip="Send the message again (a manual attempt) to every endpoint it went to",
            id="deliveries.replay",
        ),
        Binding(
            "enter",
            "open_attempt",
            "Attempts",
            tooltip="Open the message's attempts: request, response, timing, error, fault; copy as curl",
            id="deliveries.attempt",
        ),
    ]

    def __init__(self, ctx: Context, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ctx = ctx
        self.selected_id: str | None = None
        self._refresh_timer: Timer | None = None
        self._has_pending = False

    def compose(self) -> ComposeResult:
        with Vertical(id="messages-pane"):
            yield DataTable(id="messages-table", cursor_type="row")
        with Vertical(id="timeline-pane", classes="card"):
            yield Label("Timeline", id="timeline-title", classes="card-title")
            yield ContentView(id="timeline")

    def on_mount(self) -> None:
        table = self.query_one("#messages-table", DataTable)
        for key, label, width in (
            ("time", "TIME", 8),
            ("type", "EVENT TYPE", 22),
            ("status", "DELIVERY", 22),
        ):
            table.add_column(label, key=key, width=width)
        self.reload()
        self.set_interval(0.5, self._tick)

    def focus_default(self) -> None:
        self.query_one("#messages-table", DataTable).focus()

    # -- data -----------------------------------------------------------------------------------
    def on_deliveries_changed(self, _: DeliveriesChanged) -> None:
        self._schedule()

    def on_endpoints_changed(self, _: EndpointsChanged) -> None:
        self._schedule()

    def _schedule(self) -> None:
        if self._refresh_timer is None:
            self._refresh_timer = self.set_timer(0.2, self.reload)

    def _clock(self, ts: float) -> str:
        return fmt_clock(ts, self.ctx.utc)

    def reload(self) -> None:
        self._refresh_timer = None
        store = self.ctx.store
        messages = store.list_messages(limit=RECENT)
        by_message: dict[str, list[Attempt]] = {}
        for a in store.message_attempts([m.id for m in messages]):
            by_message.setdefault(a.message_id, []).append(a)
        table = self.query_one("#messages-table", DataTable)
        keep = self.selected_id
        table.clear()
        for m in messages:
            attempts = by_message.get(m.id, [])
            accepted = any(accepted_fault(a.fault or m.fault, a.status_code) for a in attempts)
            table.add_row(
                self._clock(m.created_at),
                m.event_type,
                summary_content(summarize(attempts), m.fault, accepted),
                key=m.id,
            )
        ids = [m.id for m in messages]
        if keep in ids:
            table.move_cursor(row=ids.index(keep), animate=False)
        elif ids:
            table.move_cursor(row=0, animate=False)
        self.selected_id = ids[table.cursor_row] if ids and 0 <= table.cursor_row < len(ids) else None
        self.show_timeline()

    def select_message(self, message_id: str) -> None:
        """Show one message's timeline (e.g. a check's delivery, from the Endpoints view)."""
        self.selected_id = message_id
        self.reload()

    @on(DataTable.RowHighlighted, "#messages-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = cursor_key(event.data_table)  # not the event's key: it may predate a reload or a jump
        if key != self.selected_id:
            self.selected_id = key
            self.show_timeline()

    @on(DataTable.RowSelected, "#messages-table")
    def _message_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_attempt()

    def action_open_attempt(self) -> None:
        """The selected message's attempts, endpoint by endpoint, opened at the latest one."""
        from hookdev.tui.screens.attempt_detail import AttemptDetailScreen

        if self.selected_id is None:
            self.app.notify("No message selected.", severity="warning")
            return
        attempts = sorted(
            self.ctx.store.message_attempts([self.selected_id]),
            key=lambda a: (a.started_at or a.scheduled_at, a.number),
        )
        if not attempts:
            self.app.notify("This message has no attempts: no endpoint was subscribed.", title="Attempts")
            return
        ids = [a.id for a in attempts]
        self.app.push_screen(AttemptDetailScreen(self.ctx.store, ids, len(ids) - 1, utc=self.ctx.utc))

    def _tick(self) -> None:
        if self._has_pending and self.display:
            self.show_timeline()

    def show_timeline(self) -> None:
        message = self.ctx.store.get_message(self.selected_id) if self.selected_id else None
        title = self.query_one("#timeline-title", Label)
        body = self.query_one("#timeline", ContentView)
        if message is None:
            self._has_pending = False
            title.update("Timeline")
            body.update(
                Content.styled(
                    "No messages yet. Press t to send one to your own receiver,\n"
                    "or pick an event type in Send (2).",
                    "$text-muted",
                )
            )
            return
        title.update(f"{message.id}  {message.event_type}")
        attempts = self.ctx.store.message_attempts([message.id])
        body.update(self.timeline(message, attempts), keep_scroll=True)

    def timeline(self, message: Message, attempts: list[Attempt]) -> Content:
        now = self.ctx.now()
        scale = self.ctx.time_scale
        parts: list[Content | str] = [
            Content.styled(
                f"created {self._clock(message.created_at)} · {len(message.payload):,} bytes", "$text-muted"
            ),
        ]
        if message.channels:
            parts.append(Content.styled(f" · channels {', '.join(message.channels)}", "$text-muted"))
        if message.fault:
            parts += [Content.styled(" · ", "$text-muted"), fault_content(message.fault)]
        parts.append("\n")
        self._has_pending = False
        groups: dict[str, list[Attempt]] = {}
        for a in attempts:
            groups.setdefault(a.endpoint_id, []).append(a)
        if not groups:
            parts.append(
                Content.styled(
                    "\nNo endpoint was subscribed: nothing was delivered. "
                    "Replay it to an endpoint from the Endpoints view.",
                    "$text-muted",
                )
            )
        for delivery in summarize(attempts):
            endpoint = self.ctx.store.get_endpoint(delivery.endpoint_id)
            parts += [
                "\n",
                Content.styled(delivery.endpoint_id, "bold"),
                "  ",
                status_content(delivery.status),
                "\n",
                Content.styled(
                    f"{self._where(endpoint, groups.get(delivery.endpoint_id, []))}\n", "$text-muted"
                ),
            ]
            for a in sorted(groups.get(delivery.endpoint_id, []), key=lambda a: a.number):
                parts.append(self._attempt_line(a, now, scale, a.fault or message.fault))
            if delivery.exhausted:
                parts.append(Content.styled(f"   gave up after {MAX_ATTEMPTS} attempts\n", "$text-error"))
        return Content.assemble(*parts)

    @staticmethod
    def _where(endpoint: Endpoint | None, attempts: list[Attempt]) -> str:
        """The endpoint's URL; for `hookdev check URL` (no endpoint) the URL it checked."""
        if endpoint is not None:
            return endpoint.url
        url = checked_url(attempts)
        return f"{url} (hookdev check, no endpoint)" if url else "(endpoint deleted)"

    def _attempt_line(self, a: Attempt, now: float, scale: float, fault: str | None = None) -> Content:
        if a.status == "pending":
            self._has_pending = True
        return attempt_content(a, now, scale, fault, self._clock(a.started_at or a.scheduled_at)) + "\n"

    # -- actions --------------------------------------------------------------------------------
    def _run_replay(self, pairs: list[tuple[str, str | None]], what: str) -> None:
        from hookdev.sender import SenderError

        total = 0
        for message_id, endpoint_id in pairs:
            try:
                total += len(self.ctx.sender.replay(message_id, endpoint_id))
            except SenderError as e:
                self.app.notify(str(e), title=f"{what} failed", severity="error")
                return
        self.app.notify(f"{total} attempt(s) queued now." if total else "Nothing to send.", title=what)
        self._schedule()

    def action_retry_now(self) -> None:
        """Each delivery not yet through: its waiting retry moves to now (same number); with no retry
        waiting (failed for good), a manual attempt. Disabled or deleted endpoints are skipped."""
        from hookdev.sender import SenderError

        if self.selected_id is None:
            self.app.notify("No message selected.", severity="warning")
            return
        todo = [
            d.endpoint_id
            for d in summarize(self.ctx.store.message_attempts([self.selected_id]))
            if d.status in ("pending", "failed", "canceled")
        ]
        if not todo:
            self.app.notify(
                "Every delivery of this message succeeded or is being sent (p replays it anyway).",
                title="Retry now",
            )
            return
        done: list[str] = []
        skipped: list[str] = []
        for endpoint_id in todo:
            endpoint = self.ctx.store.get_endpoint(endpoint_id)
            if endpoint is None or endpoint.disabled:
                skipped.append(f"{endpoint_id} is {'deleted' if endpoint is None else 'disabled'}")
                continue
            try:
                attempt = self.ctx.sender.retry_now(self.selected_id, endpoint_id)
            except SenderError as e:
                skipped.append(str(e))
                continue
            what = "retry" if attempt.trigger == "scheduled" else "manual attempt"
            done.append(f"{what} #{attempt.number} to {endpoint_id}")
        text = ("Now: " + "; ".join(done) + ".") if done else "Nothing to retry."
        if skipped:
            text += "\nSkipped: " + "; ".join(skipped) + "."
        self.app.notify(text, title="Retry now", severity="information" if done else "warning")
        self._schedule()

    def action_replay(self) -> None:
        if self.selected_id is None:
            self.app.notify("No message selected.", severity="warning")
            return
        self._run_replay([(self.selected_id, None)], "Replay")
