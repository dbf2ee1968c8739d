"""The Inbox view: the live list of captured requests, a filter, and the detail of the selected one."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.notifications import SeverityLevel
from textual.timer import Timer
from textual.widgets import Input, Select

from hookdev import signing
from hookdev.models import Capture
from hookdev.textsafe import visible
from hookdev.tui.badges import verdict_badge
from hookdev.tui.context import Context
from hookdev.tui.inbox_model import VERDICTS, Filter, InboxModel
from hookdev.tui.messages import CaptureChanged, CapturesArrived, CatalogReloaded
from hookdev.tui.screens.confirm import ConfirmScreen
from hookdev.tui.screens.prompt import Field, PromptScreen
from hookdev.tui.screens.replay import Destinations, ReplayPlan, ReplayScreen
from hookdev.tui.widgets.capture_detail import CaptureDetail, Related
from hookdev.tui.widgets.capture_list import CaptureList
from hookdev.tui.widgets.traffic import WINDOW, InboxTraffic, RateWindow
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
            "Search",
            tooltip='Search everything, bodies and headers too; fields: type:code.* status:4xx body:"x" header:n=v',
            id="inbox.filter",
        ),
        Binding(
            "v",
            "cycle_verdict",
            "Verdict",
            show=False,
            tooltip="Show all / valid / invalid / unsigned / duplicates (webhook-id seen before)",
            id="inbox.verdict",
        ),
        Binding(
            "f",
            "jump",
            "First",
            show=False,
            tooltip="Jump to the first capture with this webhook-id, or to the one this replays",
            id="inbox.jump",
        ),
        Binding(
            "m",
            "mark",
            "Mark/diff",
            show=False,
            tooltip="Mark this request; m on another one shows what changed between them",
            id="inbox.mark",
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
        Binding(
            "p",
            "replay",
            "Replay…",
            tooltip="Send the request again: to the receiver, where it forwards, or a URL; re-signed or not",
            id="inbox.replay",
        ),
        Binding(
            "e",
            "edit_replay",
            "Edit…",
            show=False,
            tooltip="Edit the request (method, path, headers, body), then send it",
            id="inbox.edit",
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
        self._select_on_arrival: str | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="inbox-filters"):
            yield Input(
                placeholder='Search bodies, headers, paths…  type:code.* status:4xx body:"cus_1"  ( / )',
                id="inbox-filter",
            )
            yield Select([], prompt="any type", id="inbox-type", allow_blank=True)
            yield Select(
                [(v if v != "all" else "any verdict", v) for v in VERDICTS],
                value="all",
                allow_blank=False,
                id="inbox-verdict",
            )
        yield InboxTraffic(id="inbox-traffic")
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
        now = self.ctx.now()
        self._rates = RateWindow(self.ctx.store.captures_per_second(now - WINDOW, now + 1))
        self._counts = self.ctx.store.verdict_counts()
        self._series: list[float] = []
        self._show_traffic()
        self.set_interval(1.0, self._show_traffic)

    def _show_traffic(self, recount: bool = False) -> None:
        """The sparkline moves on every second; redrawn only when something changed."""
        if recount:
            self._counts = self.ctx.store.verdict_counts()
        series = self._rates.series(self.ctx.now())
        if recount or series != self._series:
            self._series = series
            self.query_one(InboxTraffic).show(series, self._counts)

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
        self._rates.add(message.captures)
        for c in message.captures:
            word = "unsigned" if c.verified is None else "valid" if c.verified else "invalid"
            self._counts[word] = self._counts.get(word, 0) + 1
        if self._select_on_arrival and any(c.id == self._select_on_arrival for c in message.captures):
            self.list.select_id(self._select_on_arrival)
            self._select_on_arrival = None

    def on_capture_changed(self, message: CaptureChanged) -> None:
        self.list.update(message.capture)
        if self.detail.capture is not None and self.detail.capture.id == message.capture.id:
            self.detail.show(message.capture, self.detail.related)

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

    def leave_input(self, widget: object) -> bool:
        """Escape in the filter clears it and goes back to the list."""
        box = self.query_one("#inbox-filter", Input)
        if widget is box:
            box.value = ""
        self.list.focus()
        return True

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
            capture = self.ctx.store.get_capture(capture_id)
            self.detail.show(capture, self._related(capture) if capture is not None else None)

    def _related(self, capture: Capture) -> Related:
        store = self.ctx.store
        count, first = store.duplicates_of(capture.webhook_id) if capture.webhook_id else (0, None)
        return Related(count, first, tuple(store.replays_of(capture.id)))

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
        self.detail.show(capture, self.detail.related)
        self._show_traffic(recount=True)
        word = verdict_badge(verdict.verified).plain
        severity: SeverityLevel = (
            "information" if verdict.verified else "error" if verdict.verified is False else "warning"
        )
        self.app.notify(
            f"{word}{': ' + verdict.reason if verdict.reason else ''}",
            title="Verified again",
            severity=severity,
        )

    # -- replay ---------------------------------------------------------------------------------
    def action_replay(self) -> None:
        self._open_replay(edit=False)

    def action_edit_replay(self) -> None:
        self._open_replay(edit=True)

    def _open_replay(self, *, edit: bool) -> None:

        capture = self.selected()
        if capture is None:
            return
        engine = self.ctx.engine
        options = engine.receiver_options
        destinations = Destinations(self.ctx.url, options.forward_to, list(options.routes))
        try:
            secret = self.ctx.workspace.receiver_secrets().current
            screen = ReplayScreen(capture, destinations, secret, edit=edit)
            if edit:
                from hookdev.capture_replay import from_capture, request_text

                request_text(from_capture(capture))  # a binary body cannot be edited: say so now
        except Exception as e:  # ReplayError (a binary body), WorkspaceError (an unreadable secret file)
            self.app.notify(visible(str(e)), title="Cannot replay", severity="error", markup=False)
            return

        def done(plan: ReplayPlan | None) -> None:
            if plan is not None:
                self.send_replay(capture, plan)

        self.app.push_screen(screen, done)

    @work(group="replay", exit_on_error=False, description="replay a capture")
    async def send_replay(self, capture: Capture, plan: ReplayPlan) -> None:
        from hookdev.capture_replay import replay

        result = await replay(self.ctx.store, capture, plan.request, plan.url)
        if result.error is not None:
            self.app.notify(
                visible(f"{plan.url}: {result.error}"),
                title=f"Replay of {capture.id} failed",
                severity="error",
                timeout=8,
                markup=False,
            )
            return
        edited = "edited, " if plan.request.edited else ""
        self.app.notify(
            f"{result.status} from {plan.url} in {result.duration_ms:.0f} ms ({edited}{plan.signing})."
            f"\nNew capture {result.capture_id}.",
            title=f"Replayed {capture.id}",
            markup=False,
        )
        new_id = result.capture_id
        if new_id is None:
            return
        if result.recorded:  # not seen by our receiver: add the record ourselves
            new = self.ctx.store.get_capture(new_id)
            if new is not None:
                self.list.add([new])
                self.list.select_id(new_id)
        elif not self.list.select_id(new_id):
            self._select_on_arrival = new_id  # still on its way from the receiver

    # -- related captures and diffs ---------------------------------------------------------------
    def action_jump(self) -> None:
        capture = self.selected()
        if capture is None:
            return
        related = (
            self.detail.related if self.detail.capture and self.detail.capture.id == capture.id else None
        )
        related = related or self._related(capture)
        target = capture.replay_of or (
            related.first_id if related.same_webhook_id > 1 and related.first_id != capture.id else None
        )
        if target is None:
            self.app.notify("Not a replay, and its webhook-id was not seen before.", title="Jump")
            return
        if not self.go_to(target):
            self.app.notify(f"{target} is not in the list (deleted, or hidden by the filter).", title="Jump")

    def go_to(self, capture_id: str, pages: int = 50) -> bool:
        """Move the cursor to a capture, paging older rows in to find it (up to ``pages`` pages)."""
        for _ in range(pages):
            if self.list.select_id(capture_id):
                self.list.focus()
                return True
            loaded = self.model.loaded
            self.model.ensure(loaded + 400)
            if self.model.loaded == loaded:
                break
        return self.list.select_id(capture_id)

    def action_mark(self) -> None:
        from hookdev.json_diff import diff_captures
        from hookdev.tui.screens.diff import DiffScreen

        capture = self.selected()
        if capture is None:
            return
        marked = self.list.marked_id
        if marked is None or marked == capture.id:
            self.list.marked_id = None if marked == capture.id else capture.id
            self.list.refresh()
            if self.list.marked_id:
                self.app.notify(f"Marked {capture.id}: press m on another request to diff.", title="Diff")
            return
        other = self.ctx.store.get_capture(marked)
        if other is None:
            self.list.marked_id = capture.id
            self.list.refresh()
            self.app.notify("The marked request was deleted; this one is marked now.", title="Diff")
            return
        self.app.push_screen(DiffScreen(diff_captures(other, capture)))

    def action_delete(self) -> None:
        capture_id = self.list.highlighted_id
        if capture_id is None:
            self.app.notify("No request selected.", severity="warning")
            return
        self.ctx.store.delete_capture(capture_id)
        self.list.remove_capture(capture_id)
        self._show_detail()
        self._show_traffic(recount=True)
        self.app.notify(f"Deleted {capture_id}.")

    def action_clear(self) -> None:
        total = self.ctx.store.count_captures()

        def done(yes: bool | None) -> None:
            if yes:
                removed = self.ctx.store.clear_captures()
                self.list.reload()
                self._show_detail()
                self._rates = RateWindow()
                self._show_traffic(recount=True)
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
