"""The Endpoints view: the list with queue and success rate, the selected one's settings, secret and
attempt log; add, edit, rotate, replay, recover, disable/enable, delete."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widgets import DataTable, Label

from hookdev.models import Attempt, Endpoint
from hookdev.presentation import human_delay
from hookdev.redact import redact_headers
from hookdev.tui.badges import accepted_fault, code_content, mask, status_content
from hookdev.tui.context import Context
from hookdev.tui.messages import DeliveriesChanged, EndpointsChanged
from hookdev.tui.screens.confirm import ConfirmScreen
from hookdev.tui.screens.endpoint_form import EndpointForm, EndpointFormScreen
from hookdev.tui.screens.prompt import Field, PromptScreen
from hookdev.tui.widgets.content_view import ContentView

ATTEMPT_LOG = 200


class EndpointsView(Vertical):
    """Endpoints on top; the selected one's settings and attempt log below."""

    TITLE = "Endpoints"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add", tooltip="Add an endpoint", id="endpoints.add"),
        Binding(
            "e",
            "edit",
            "Edit",
            tooltip="Edit URL, events, channels, rate limit, headers",
            id="endpoints.edit",
        ),
        Binding(
            "s",
            "reveal",
            "Secret",
            show=False,
            tooltip="Show or hide the signing secret",
            id="endpoints.reveal",
        ),
        Binding(
            "R",
            "rotate",
            "Rotate…",
            tooltip="Rotate the signing secret (with a grace period)",
            id="endpoints.rotate",
        ),
        Binding(
            "p",
            "replay",
            "Replay",
            tooltip="Replay the selected attempt's message now",
            id="endpoints.replay",
        ),
        Binding(
            "m",
            "recover",
            "Recover…",
            tooltip="Resend messages that failed in a time window",
            id="endpoints.recover",
        ),
        Binding(
            "o",
            "toggle",
            "On/off",
            tooltip="Disable (cancels pending attempts) or enable",
            id="endpoints.toggle",
        ),
        Binding(
            "d",
            "delete",
            "Delete",
            show=False,
            tooltip="Delete the endpoint and its attempts",
            id="endpoints.delete",
        ),
    ]

    def __init__(self, ctx: Context, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ctx = ctx
        self.selected_id: str | None = None
        self.revealed = False
        self._refresh_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield DataTable(id="endpoints-table", cursor_type="row", zebra_stripes=False)
        with Horizontal(id="endpoints-lower"):
            with Vertical(id="endpoint-detail", classes="card"):
                yield Label("Endpoint", id="endpoint-title", classes="card-title")
                yield ContentView(id="endpoint-settings")
            with Vertical(id="endpoint-attempts", classes="card"):
                yield Label("Attempts (p replays the selected one)", classes="card-title")
                yield DataTable(id="attempts-table", cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one("#endpoints-table", DataTable)
        for key, label, width in (
            ("id", "ID", None),
            ("url", "URL", None),
            ("events", "EVENTS", 16),
            ("rate", "RATE", 7),
            ("backlog", "QUEUE", 5),
            ("success", "SUCCESS", 7),
            ("state", "STATE", 8),
        ):
            table.add_column(label, key=key, width=width)
        attempts = self.query_one("#attempts-table", DataTable)
        for key, label, width in (
            ("time", "TIME", 8),
            ("message", "MESSAGE", 26),
            ("n", "#", 2),
            ("result", "RESULT", 11),
            ("took", "TOOK", 6),
            ("note", "NOTE", None),
        ):
            attempts.add_column(label, key=key, width=width)
        self.reload()

    def focus_default(self) -> None:
        self.query_one("#endpoints-table", DataTable).focus()

    def on_resize(self) -> None:
        self._schedule()  # the URL column takes what the others leave

    # -- data -----------------------------------------------------------------------------------
    def on_endpoints_changed(self, _: EndpointsChanged) -> None:
        self._schedule()

    def on_deliveries_changed(self, _: DeliveriesChanged) -> None:
        self._schedule()

    def _schedule(self) -> None:
        if self._refresh_timer is None:
            self._refresh_timer = self.set_timer(0.25, self.reload)

    def reload(self) -> None:
        self._refresh_timer = None
        store = self.ctx.store
        now = self.ctx.now()
        counts = store.endpoint_counts(now)
        table = self.query_one("#endpoints-table", DataTable)
        endpoints = store.list_endpoints()
        keep = self.selected_id
        table.clear()
        url_width = max(16, table.size.width - 80)  # what the other columns leave
        for ep in endpoints:
            c = counts.get(ep.id)
            queue = (c.backlog + c.pending + c.sending) if c else 0
            results = store.endpoint_recent_results(ep.id, 100)
            rate = f"{100 * sum(r == 'success' for r in results) / len(results):.0f}%" if results else "-"
            state = (
                Content.styled("disabled", "$text-warning")
                if ep.disabled
                else Content.styled("enabled", "$text-success")
            )
            table.add_row(
                ep.id,
                _short(ep.url, url_width),
                _short(", ".join(ep.events), 16) if ep.events else "[dim]all[/]",
                f"{ep.rate_limit:g}/s" if ep.rate_limit else "-",
                str(queue),
                rate,
                state,
                key=ep.id,
            )
        ids = [ep.id for ep in endpoints]
        if keep in ids:
            table.move_cursor(row=ids.index(keep), animate=False)
        self.selected_id = ids[table.cursor_row] if ids and 0 <= table.cursor_row < len(ids) else None
        self._show_selected()

    @on(DataTable.RowHighlighted, "#endpoints-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value if event.row_key is not None else None
        if key != self.selected_id:
            self.selected_id = key
            self._show_selected()

    def selected(self) -> Endpoint | None:
        ep = self.ctx.store.get_endpoint(self.selected_id) if self.selected_id else None
        if ep is None:
            self.app.notify("No endpoint selected.", severity="warning")
        return ep

    def _show_selected(self) -> None:
        ep = self.ctx.store.get_endpoint(self.selected_id) if self.selected_id else None
        self.query_one("#endpoint-title", Label).update(ep.id if ep else "No endpoint")
        self.query_one("#endpoint-settings", ContentView).update(
            self._settings(ep) if ep else Content.styled("Press a to add an endpoint.", "$text-muted"),
            keep_scroll=True,
        )
        self._load_attempts(ep)

    def _settings(self, ep: Endpoint) -> Content:
        try:
            info = self.ctx.sender.secrets(ep.id)
        except Exception as e:  # an unreadable secret file must not take the view down
            secret = Content.styled(str(e), "$text-error")
            old: list[tuple[str, float]] = []
        else:
            secret = Content(info.current if self.revealed else mask(info.current))
            old = info.previous
        now = self.ctx.now()
        rows: list[tuple[str, Content | str]] = [
            ("URL", Content.styled(ep.url, "bold")),
        ]
        if ep.description:
            rows.append(("About", Content.styled(ep.description, "$text-muted")))
        rows += [
            ("Events", ", ".join(ep.events) or "every event type"),
            ("Channels", ", ".join(ep.channels) or "-"),
            ("Rate limit", f"{ep.rate_limit:g} messages/s" if ep.rate_limit else "none"),
            ("Headers", ", ".join(f"{k}: {v}" for k, v in redact_headers(ep.headers)) or "-"),
            (
                "Secret",
                Content.assemble(
                    secret, Content.styled("  (the receiver's)" if ep.secret is None else "", "$text-muted")
                ),
            ),
        ]
        for s, exp in old:
            shown = s if self.revealed else mask(s)
            rows.append(
                (
                    "  old",
                    Content.assemble(
                        shown, Content.styled(f"  signs too for {human_delay(exp - now)}", "$text-muted")
                    ),
                )
            )
        state = (
            Content.styled(f"disabled: {ep.disabled_reason or 'by hand'}", "$text-warning")
            if ep.disabled
            else Content.styled("enabled", "$text-success")
        )
        rows.append(("State", state))
        parts: list[Content | str] = []
        for key, value in rows:
            parts += [Content.styled(key.ljust(11), "$text-muted"), value, "\n"]
        parts.append(
            Content.styled(
                "e edit · s secret · R rotate · o disable/enable · m recover · d delete", "$text-muted"
            )
        )
        return Content.assemble(*parts)

    def _load_attempts(self, ep: Endpoint | None) -> None:
        table = self.query_one("#attempts-table", DataTable)
        keep = None
        if table.row_count and 0 <= table.cursor_row < table.row_count:
            keep = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        table.clear()
        if ep is None:
            return
        now = self.ctx.now()
        attempts = self.ctx.store.list_attempts(endpoint_id=ep.id, limit=ATTEMPT_LOG, include_bodies=False)
        for a in attempts:
            table.add_row(*self._attempt_cells(a, now), key=a.id)
        ids = [a.id for a in attempts]
        if keep in ids:
            table.move_cursor(row=ids.index(keep), animate=False)

    def _attempt_cells(self, a: Attempt, now: float) -> list[Any]:
        when = a.started_at or a.scheduled_at
        clock = dt.datetime.fromtimestamp(when, dt.UTC if self.ctx.utc else None).strftime("%H:%M:%S")
        if a.status == "pending":
            note = f"due in {human_delay(a.scheduled_at - now)}" if a.scheduled_at > now else "due now"
        else:
            note = a.error or ("manual" if a.trigger == "manual" else "")
        if a.fault:  # the fault the attempt carried; a 2xx to one a consumer must refuse is a consumer bug
            warn = "⚠ 2xx: " if accepted_fault(a.fault, a.status_code) else "⚑ "
            note = f"{warn}{a.fault}" + (f" · {note}" if note else "")
        result = status_content(a.status)
        if a.status_code is not None:
            result = Content.assemble(result, " ", code_content(a.status_code))
        return [
            clock,
            a.message_id,
            str(a.number),
            result,
            f"{a.duration_ms:.0f} ms" if a.duration_ms is not None else "-",
            _short(note, 40),
        ]

    def selected_attempt_id(self) -> str | None:
        table = self.query_one("#attempts-table", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value

    # -- actions --------------------------------------------------------------------------------
    def _catalog_names(self) -> list[str]:
        return self.ctx.catalog.names() if self.ctx.catalog is not None else []

    def _run(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Call the sender; a SenderError becomes a notification, never a traceback."""
        from hookdev.sender import SenderError

        try:
            return fn(*args, **kwargs)
        except SenderError as e:
            self.app.notify(str(e), title=f"{what} failed", severity="error")
            return None

    def action_add(self) -> None:
        def save(form: EndpointForm) -> str | None:
            from hookdev.sender import SenderError

            try:
                ep = self.ctx.sender.add_endpoint(
                    form.url,
                    events=form.events,
                    channels=form.channels,
                    rate_limit=form.rate_limit,
                    headers=form.set_headers,
                    description=form.description,
                )
            except SenderError as e:
                return str(e)
            self.selected_id = ep.id
            self.app.notify(f"Added {ep.id} → {ep.url}", title="Endpoint added")
            return None

        self.app.push_screen(EndpointFormScreen(None, save, self._catalog_names()), lambda _: self.reload())

    def action_edit(self) -> None:
        ep = self.selected()
        if ep is None:
            return

        def save(form: EndpointForm) -> str | None:
            from hookdev.sender import SenderError

            try:
                self.ctx.sender.update_endpoint(
                    ep.id,
                    url=form.url,
                    events=form.events,
                    channels=form.channels,
                    rate_limit=form.rate_limit,
                    set_headers=form.set_headers,
                    remove_headers=form.remove_headers,
                    description=form.description,
                )
            except SenderError as e:
                return str(e)
            self.app.notify(f"Saved {ep.id}.", title="Endpoint updated")
            return None

        self.app.push_screen(EndpointFormScreen(ep, save, self._catalog_names()), lambda _: self.reload())

    def action_reveal(self) -> None:
        self.revealed = not self.revealed
        self._show_selected()

    def action_rotate(self) -> None:
        ep = self.selected()
        if ep is None:
            return
        from hookdev.delivery.validate import parse_duration

        def check(value: str) -> str | None:
            try:
                parse_duration(value or "0")
            except ValueError as e:
                return str(e)
            return None

        def done(values: dict[str, str] | None) -> None:
            if values is None:
                return
            info = self._run(
                "Rotate", self.ctx.sender.rotate_secret, ep.id, parse_duration(values["grace"] or "0")
            )
            if info is not None:
                if ep.secret is None:
                    self.ctx.engine.secret_source.refresh()
                self.app.notify(
                    f"{ep.id} signs with a new secret"
                    + (f"; {len(info.previous)} old one(s) still sign too" if info.previous else "."),
                    title="Secret rotated",
                )
                self.reload()

        whose = (
            "It is the receiver's secret: the receiver accepts the new one at once."
            if ep.secret is None
            else "Your consumer must learn the new secret before the grace period ends."
        )
        self.app.push_screen(
            PromptScreen(
                f"Rotate the secret of {ep.id}?",
                [
                    Field(
                        "grace",
                        "Keep signing with the old secret too for",
                        value="24h",
                        placeholder="24h, 30m, 0",
                        check=check,
                    )
                ],
                submit="Rotate",
                message=whose,
            ),
            done,
        )

    def action_replay(self) -> None:
        attempt_id = self.selected_attempt_id()
        attempt = self.ctx.store.get_attempt(attempt_id) if attempt_id else None
        if attempt is None:
            self.app.notify("Select an attempt in the attempt log first.", severity="warning")
            return
        queued = self._run("Replay", self.ctx.sender.replay, attempt.message_id, attempt.endpoint_id)
        if queued:
            self.app.notify(
                f"Replaying {attempt.message_id} to {attempt.endpoint_id} now (attempt {queued[0].number}).",
                title="Replay",
            )
            self._schedule()

    def action_recover(self) -> None:
        ep = self.selected()
        if ep is None:
            return
        from hookdev.delivery.validate import parse_when

        def check(value: str) -> str | None:
            try:
                parse_when(value, self.ctx.now())
            except ValueError as e:
                return str(e)
            return None

        def done(values: dict[str, str] | None) -> None:
            if values is None:
                return
            since = parse_when(values["since"], self.ctx.now())
            queued = self._run("Recover", self.ctx.sender.recover, ep.id, since)
            if queued is not None:
                self.app.notify(
                    f"Resending {len(queued)} failed message(s) to {ep.id}."
                    if queued
                    else "Nothing failed in that window.",
                    title="Recover",
                )
                self._schedule()

        self.app.push_screen(
            PromptScreen(
                f"Recover failed messages for {ep.id}",
                [
                    Field(
                        "since",
                        "Failed since (a duration ago, or an ISO date-time)",
                        value="1h",
                        placeholder="1h, 30m, 2d, 2025-03-14T09:00",
                        check=check,
                    )
                ],
                submit="Recover",
                message="Every message whose delivery failed in the window, and has not succeeded since, "
                "is sent again.",
            ),
            done,
        )

    def action_toggle(self) -> None:
        ep = self.selected()
        if ep is None:
            return
        if ep.disabled:
            if self._run("Enable", self.ctx.sender.enable_endpoint, ep.id) is not None:
                self.app.notify(f"{ep.id} is enabled.", title="Endpoint")
        else:
            done = self._run("Disable", self.ctx.sender.disable_endpoint, ep.id)
            if done is not None:
                self.app.notify(
                    f"{ep.id} is disabled; {done[1]} pending attempt(s) canceled.", title="Endpoint"
                )
        self.reload()

    def action_delete(self) -> None:
        ep = self.selected()
        if ep is None:
            return

        def done(yes: bool | None) -> None:
            if yes and self._run("Delete", self.ctx.sender.delete_endpoint, ep.id) is not None:
                self.selected_id = None
                self.app.notify(f"Deleted {ep.id}.", title="Endpoint")
                self.reload()

        self.app.push_screen(
            ConfirmScreen(
                f"Delete {ep.id}?", f"{ep.url}\nIts attempts are removed too (messages stay).", "Delete"
            ),
            done,
        )


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
