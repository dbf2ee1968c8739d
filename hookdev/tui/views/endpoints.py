"""The Endpoints view: the list with queue and success rate, the selected one's settings, secret and
attempt log; add, edit, rotate, replay, recover, disable/enable, delete.

The view wires the pieces and runs the actions; the pieces live in ``tui/widgets/`` (``EndpointTable``,
``EndpointSettings``, ``AttemptLog``) and ``tui/screens/`` (``EndpointFormScreen``, ``RotateSecretScreen``,
``RecoverScreen``, ``ConfirmScreen``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import DataTable

from hookdev.delivery.validate import parse_duration, parse_when
from hookdev.models import Endpoint
from hookdev.tui.context import Context
from hookdev.tui.messages import DeliveriesChanged, EndpointsChanged
from hookdev.tui.screens.confirm import ConfirmScreen
from hookdev.tui.screens.endpoint_form import EndpointForm, EndpointFormScreen
from hookdev.tui.screens.recover import RecoverScreen
from hookdev.tui.screens.rotate_secret import RotateSecretScreen
from hookdev.tui.widgets.attempt_log import AttemptLog
from hookdev.tui.widgets.endpoint_settings import EndpointSettings
from hookdev.tui.widgets.endpoint_table import EndpointTable
from hookdev.tui.widgets.tables import cursor_key

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
            "enter",
            "open_attempt",
            "Attempt",
            show=False,
            tooltip="Open the selected attempt: request, response, timing, error, fault; copy as curl",
            id="endpoints.attempt",
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
            "toggle_enabled",
            "On/off",
            tooltip="Disable (cancels pending attempts) or enable",
            id="endpoints.toggle",
        ),
        Binding(
            "c",
            "check",
            "Check",
            tooltip="Run the hookdev check battery against the endpoint: a live scorecard",
            id="endpoints.check",
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
        yield EndpointTable(id="endpoints-table")
        with Horizontal(id="endpoints-lower"):
            yield EndpointSettings(id="endpoint-detail", classes="card")
            yield AttemptLog(id="endpoint-attempts", classes="card")

    def on_mount(self) -> None:
        self.reload()

    def focus_default(self) -> None:
        self.query_one(EndpointTable).focus()

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
        endpoints = store.list_endpoints()
        results = {ep.id: store.endpoint_recent_results(ep.id, 100) for ep in endpoints}
        table = self.query_one(EndpointTable)
        self.selected_id = table.fill(
            endpoints, store.endpoint_counts(self.ctx.now()), results, self.selected_id
        )
        self._show_selected()

    @on(DataTable.RowHighlighted, "#endpoints-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = cursor_key(event.data_table)  # not the event's key: it may predate a reload or a jump
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
        secret: str | Exception | None = None
        old: list[tuple[str, float]] = []
        if ep is not None:
            try:
                info = self.ctx.sender.secrets(ep.id)
            except Exception as e:  # an unreadable secret file must not take the view down
                secret = e
            else:
                secret, old = info.current, info.previous
        now = self.ctx.now()
        self.query_one(EndpointSettings).show(
            ep, secret=secret, old_secrets=old, revealed=self.revealed, now=now
        )
        log = self.query_one(AttemptLog)
        if ep is None:
            log.show([], now)
        else:
            attempts = self.ctx.store.list_attempts(
                endpoint_id=ep.id, limit=ATTEMPT_LOG, include_bodies=False
            )
            log.show(attempts, now, utc=self.ctx.utc)

    def selected_attempt_id(self) -> str | None:
        return self.query_one(AttemptLog).selected_attempt_id()

    @on(DataTable.RowSelected, "#attempts-table")
    def _attempt_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_attempt()

    def action_open_attempt(self) -> None:
        from hookdev.tui.screens.attempt_detail import AttemptDetailScreen

        log = self.query_one(AttemptLog)
        ids = log.attempt_ids()
        selected = log.selected_attempt_id()
        if selected is None:
            self.app.notify("Select an attempt in the attempt log first.", severity="warning")
            return
        self.app.push_screen(AttemptDetailScreen(self.ctx.store, ids, ids.index(selected), utc=self.ctx.utc))

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

        def done(values: dict[str, str] | None) -> None:
            if values is None:
                return
            info = self._run(
                "Rotate", self.ctx.sender.rotate_secret, ep.id, parse_duration(values["grace"] or "0")
            )
            if info is not None:
                if ep.secret is None:  # it signs with the receiver's secret
                    self.ctx.engine.receiver_secret_rotated()
                self.app.notify(
                    f"{ep.id} signs with a new secret"
                    + (f"; {len(info.previous)} old one(s) still sign too" if info.previous else "."),
                    title="Secret rotated",
                )
                self.reload()

        self.app.push_screen(RotateSecretScreen(ep), done)

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

        self.app.push_screen(RecoverScreen(ep.id, self.ctx.now), done)

    def action_toggle_enabled(self) -> None:
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

    def action_check(self) -> None:
        ep = self.selected()
        if ep is not None:
            from hookdev.tui.screens.check_run import open_check

            open_check(self, ep)

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
