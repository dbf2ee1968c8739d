"""The Inbox view: the live list of captured requests, a filter, and the detail of the selected one."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.notifications import SeverityLevel
from textual.timer import Timer
from textual.widgets import Input, Select

from hookdev import signing
from hookdev.models import Capture
from hookdev.tui.badges import verdict_badge
from hookdev.tui.context import Context
from hookdev.tui.inbox_model import VERDICTS, Filter, InboxModel
from hookdev.tui.messages import CaptureChanged, CapturesArrived, CatalogReloaded
from hookdev.tui.screens.confirm import ConfirmScreen
from hookdev.tui.screens.prompt import Field, PromptScreen
from hookdev.tui.widgets.capture_detail import CaptureDetail
from hookdev.tui.widgets.capture_list import CaptureList
from hookdev.verdicts import apply_verdict


def curl_for(capture: Capture, base_url: str) -> str:
    """The capture as a curl command that replays its exact bytes (Authorization read from the env)."""
    from hookdev.export import ExportError, export_capture

    try:
        text = export_capture(capture, "curl", base_url=base_url)
    except ExportError as e:
        return f"# {e}"
    return text if isinstance(text, str) else text.decode("utf-8", "replace")


class InboxView(Vertical):
    """Captured requests, newest first; filter by text, event type or verdict; inspect, copy, verify."""

    TITLE = "Inbox"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "slash",
            "focus_filter",
            "Filter",
            tooltip="Filter by text (path, type, id, reason)",
            id="inbox.filter",
        ),
        Binding(
            "v",
            "cycle_verdict",
            "Verdict",
            show=False,
            tooltip="Show all / valid / invalid / unsigned",
            id="inbox.verdict",
        ),
        Binding("c", "copy_curl", "Copy curl", tooltip="Copy the request as a curl command", id="inbox.copy"),
        Binding("r", "reverify", "Verify…", tooltip="Verify again with another secret", id="inbox.verify"),
        Binding(
            "b",
            "body_mode",
            "Body view",
            show=False,
            tooltip="Body as pretty JSON, raw text or hex",
            id="inbox.body",
        ),
        Binding("d,delete", "delete", "Delete", tooltip="Delete the selected request", id="inbox.delete"),
        Binding("x", "clear", "Clear", show=False, tooltip="Delete every captured request", id="inbox.clear"),
        Binding("left", "detail_tab(-1)", "Prev tab", show=False, id="inbox.tab_prev"),
        Binding("right", "detail_tab(1)", "Next tab", show=False, id="inbox.tab_next"),
    ]

    def __init__(self, ctx: Context, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ctx = ctx
        self.model = InboxModel(ctx.store)
        self._detail_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="inbox-filters"):
            yield Input(
                placeholder="Filter: path, event type, webhook-id, reason…   ( / )", id="inbox-filter"
            )
            yield Select([], prompt="any type", id="inbox-type", allow_blank=True)
            yield Select(
                [(v if v != "all" else "any verdict", v) for v in VERDICTS],
                value="all",
                allow_blank=False,
                id="inbox-verdict",
            )
        with Horizontal(id="inbox-main"):
            yield CaptureList(self.model, utc=self.ctx.utc, id="inbox-list")
            yield CaptureDetail(utc=self.ctx.utc, id="inbox-detail")

    @property
    def list(self) -> CaptureList:
        return self.query_one("#inbox-list", CaptureList)

    @property
    def detail(self) -> CaptureDetail:
        return self.query_one("#inbox-detail", CaptureDetail)

    def on_mount(self) -> None:
        self._set_hint()
        self.list.reload()
        self._refresh_types()
        self._show_detail()

    def focus_default(self) -> None:
        self.list.focus()

    def refresh_hint(self) -> None:
        self._set_hint()
        self.list.refresh()

    def _set_hint(self) -> None:
        if self.model.filter.active:
            self.list.empty_hint = [
                ("No requests match the filter. ", ""),
                ("escape", "key"),
                (" in the filter clears it.", ""),
            ]
            return
        self.list.empty_hint = [
            ("No requests yet.\n\n", ""),
            ("Press ", "hint"),
            ("t", "key"),
            (" to send a signed test event to your own receiver,\n", "hint"),
            ("or point a webhook at ", "hint"),
            (self.ctx.url + "/", "key"),
            ("\n\n", ""),
            ("?", "key"),
            (" all keys   ", "hint"),
            ("ctrl+p", "key"),
            (" commands", "hint"),
        ]

    def _refresh_types(self) -> None:
        names = set(self.model.event_types())
        if self.ctx.catalog is not None:
            names.update(self.ctx.catalog.names())
        select = self.query_one("#inbox-type", Select)
        current = select.value
        select.set_options([(n, n) for n in sorted(names)])
        if current in names:
            select.value = current

    # -- live updates ---------------------------------------------------------------------------
    def on_catalog_reloaded(self, _: CatalogReloaded) -> None:
        self._refresh_types()

    def on_captures_arrived(self, message: CapturesArrived) -> None:
        self.list.add(message.captures)

    def on_capture_changed(self, message: CaptureChanged) -> None:
        self.list.update(message.capture)
        if self.detail.capture is not None and self.detail.capture.id == message.capture.id:
            self.detail.show(message.capture)

    # -- filter ---------------------------------------------------------------------------------
    def _current_filter(self) -> Filter:
        text = self.query_one("#inbox-filter", Input).value.strip()
        etype = self.query_one("#inbox-type", Select).value
        verdict = self.query_one("#inbox-verdict", Select).value
        return Filter(
            text=text,
            event_type=etype if isinstance(etype, str) else "",
            verdict=verdict if isinstance(verdict, str) else "all",
        )

    def apply_filter(self) -> None:
        new = self._current_filter()
        if new != self.model.filter:
            self.model.filter = new
            self._set_hint()
            self.list.reload(new)
            self._show_detail()

    @on(Input.Changed, "#inbox-filter")
    def _filter_typed(self) -> None:
        self.apply_filter()

    @on(Input.Submitted, "#inbox-filter")
    def _filter_done(self) -> None:
        self.list.focus()

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.apply_filter()

    def key_escape(self) -> None:
        box = self.query_one("#inbox-filter", Input)
        if box.has_focus:
            box.value = ""
            self.list.focus()

    def action_focus_filter(self) -> None:
        self.query_one("#inbox-filter", Input).focus()

    def action_cycle_verdict(self) -> None:
        select = self.query_one("#inbox-verdict", Select)
        current = select.value if isinstance(select.value, str) else "all"
        select.value = VERDICTS[(VERDICTS.index(current) + 1) % len(VERDICTS)]

    # -- detail ---------------------------------------------------------------------------------
    @on(CaptureList.Highlighted)
    def _highlighted(self, event: CaptureList.Highlighted) -> None:
        # A key press shows the detail at once; a flood moving the cursor shows it once it calms down.
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(0.05 if event.by_user else 0.4, self._show_detail)

    def _show_detail(self) -> None:
        capture_id = self.list.highlighted_id
        if capture_id is None:
            self.detail.show(None)
        elif self.detail.capture is None or self.detail.capture.id != capture_id:
            self.detail.show(self.ctx.store.get_capture(capture_id))

    def selected(self) -> Capture | None:
        capture_id = self.list.highlighted_id
        if capture_id is None:
            self.app.notify("No request selected.", severity="warning")
            return None
        capture = self.ctx.store.get_capture(capture_id)
        if capture is None:
            self.app.notify("That request was deleted.", severity="warning")
            self.list.remove_capture(capture_id)
        return capture

    def action_body_mode(self) -> None:
        self.detail.cycle_body_mode()

    def action_detail_tab(self, step: int) -> None:
        self.detail.cycle_tab(step)

    # -- actions --------------------------------------------------------------------------------
    def action_copy_curl(self) -> None:
        capture = self.selected()
        if capture is None:
            return
        text = curl_for(capture, self.ctx.url)
        self.app.copy_to_clipboard(text)
        folder = Path(self.ctx.workspace.home) / "exports"
        path = folder / f"{capture.id}.curl.sh"
        try:
            folder.mkdir(exist_ok=True, mode=0o700)
            path.write_text(text, encoding="utf-8")
        except OSError as e:
            self.app.notify(
                f"Copied to the clipboard (could not save a copy: {e.strerror})", title="Copy as curl"
            )
            return
        self.app.notify(f"Copied to the clipboard, and saved to {path}", title="Copy as curl")

    def action_reverify(self) -> None:
        capture = self.selected()
        if capture is None:
            return

        def done(values: dict[str, str] | None) -> None:
            if values:
                self.reverify(capture, values["secret"], values.get("scheme") or None)

        def check_scheme(value: str) -> str | None:
            if value and value not in signing.SCHEMES:
                return f"unknown scheme: use one of {', '.join(signing.SCHEMES)} (or leave it empty)"
            return None

        self.app.push_screen(
            PromptScreen(
                "Verify again with another secret",
                [
                    Field(
                        "secret",
                        "Secret",
                        placeholder="whsec_…",
                        password=True,
                        check=lambda v: None if v else "enter the secret to verify with",
                    ),
                    Field(
                        "scheme",
                        "Scheme (empty: detect from the headers)",
                        value=capture.scheme or "",
                        placeholder=", ".join(signing.SCHEMES),
                        check=check_scheme,
                    ),
                ],
                submit="Verify",
                message=f"{capture.method} {capture.path}  ({capture.id})\n"
                "Checked as of when it arrived, so an old request is not failed for its age.",
            ),
            done,
        )

    def reverify(self, capture: Capture, secret: str, scheme: str | None = None) -> None:
        """Verify ``capture`` again with the secret typed (and only that one), as of when it arrived,
        with the receiver's current tolerance."""
        verdict = apply_verdict(
            capture,
            receiver=(),
            given=(secret,),
            given_label="the secret entered in the TUI",
            scheme=scheme,
            tolerance=self.ctx.engine.settings.tolerance,
            now=capture.received_at,
        )
        self.ctx.store.update_capture_verdict(capture)
        self.list.update(capture)
        self.detail.show(capture)
        word = verdict_badge(verdict.verified).plain
        severity: SeverityLevel = (
            "information" if verdict.verified else "error" if verdict.verified is False else "warning"
        )
        self.app.notify(
            f"{word}{': ' + verdict.reason if verdict.reason else ''}",
            title="Verified again",
            severity=severity,
        )

    def action_delete(self) -> None:
        capture_id = self.list.highlighted_id
        if capture_id is None:
            self.app.notify("No request selected.", severity="warning")
            return
        self.ctx.store.delete_capture(capture_id)
        self.list.remove_capture(capture_id)
        self._show_detail()
        self.app.notify(f"Deleted {capture_id}.")

    def action_clear(self) -> None:
        total = self.ctx.store.count_captures()

        def done(yes: bool | None) -> None:
            if yes:
                removed = self.ctx.store.clear_captures()
                self.list.reload()
                self._show_detail()
                self.app.notify(f"Deleted {removed:,} request(s).")

        if total == 0:
            self.app.notify("The inbox is already empty.")
            return
        self.app.push_screen(
            ConfirmScreen(
                "Clear the inbox?",
                f"Delete all {total:,} captured requests. This cannot be undone.",
                "Delete all",
            ),
            done,
        )
