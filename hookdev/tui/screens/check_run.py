"""Check an endpoint: the `hookdev check` battery run from the TUI, with a live scorecard.

The run goes through the same core as the CLI (:mod:`hookdev.check`), on the app's loop in an async
worker; its attempts are recorded and published on the engine's bus, so Deliveries fills in too.
``enter`` on a finished check closes the scorecard and shows that check's delivery in Deliveries.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from hookdev.check import Probe, ProbeError, Result, Run, Runner, Spec, Target, battery, new_client
from hookdev.check.model import FAIL, PASS, WARN
from hookdev.delivery import DEFAULT_TIMEOUT
from hookdev.models import Endpoint
from hookdev.tui.screens.check_options import CheckOptionsScreen
from hookdev.tui.widgets.content_view import ContentView
from hookdev.tui.widgets.scorecard import Scorecard, verdict_content


class CheckScreen(ModalScreen[str | None]):
    """Dismisses with the message id of the check to show in Deliveries, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter", "open_delivery", "Show delivery", tooltip="Show this check's delivery in Deliveries"
        ),
        Binding("r", "rerun", "Run again", tooltip="Run the battery again"),
        Binding("escape", "close", "Close", tooltip="Close the scorecard (a running check is stopped)"),
    ]
    DEFAULT_CSS = """
    CheckScreen #check-dialog {
        width: 96%;
        height: 92%;
        border: thick $accent;
        background: $panel;
        padding: 0 1;
    }
    CheckScreen #check-title { text-style: bold; color: $text-accent; margin-bottom: 1; width: 1fr; }
    CheckScreen #check-detail { height: 8; margin-top: 1; }
    CheckScreen #check-summary { margin-top: 1; height: auto; }
    CheckScreen.-small #check-dialog { width: 100%; height: 100%; }
    CheckScreen.-small #check-title { margin-bottom: 0; }
    CheckScreen.-small #check-summary { margin-top: 0; }
    """
    SMALL_WIDTH = 110  # below this (the app's narrow layout), the scorecard takes the whole screen

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        secrets: list[str],
        event_type: str,
        payload: bytes,
        store: Any = None,
        bus: Any = None,
        verify: Any = True,
        timeout: float = DEFAULT_TIMEOUT,
        finished: Run | None = None,
        scheme: str | None = None,
        specs: list[Spec] | None = None,
        probe: Probe | None = None,
    ) -> None:
        """``scheme``, ``specs``, ``timeout`` and ``probe``: what the options dialog chose (default: the
        endpoint's scheme, its whole battery, no probe)."""
        super().__init__()
        self.endpoint = endpoint
        self.secrets = secrets
        self.event_type = event_type
        self.payload = payload
        self.store = store
        self.bus = bus
        self.verify = verify
        self.timeout = timeout
        self.scheme = scheme or endpoint.scheme
        self.probe = probe
        self.specs: list[Spec] = specs if specs is not None else battery(self.scheme)
        self.run_result: Run | None = finished
        self._finished_given = finished is not None

    def compose(self) -> ComposeResult:
        with Vertical(id="check-dialog"):
            yield Label(
                f"Check {self.endpoint.id}  {self.endpoint.url}  ({self.scheme}, event {self.event_type}"
                + (f", probe: {self.probe.kind}" if self.probe is not None else "")
                + ")",
                id="check-title",
            )
            yield Scorecard(id="scorecard")
            yield ContentView(id="check-detail")
            yield Static(id="check-summary")

    def on_resize(self) -> None:
        self.set_class(self.size.width < self.SMALL_WIDTH, "-small")

    def on_mount(self) -> None:
        self.set_class(self.size.width < self.SMALL_WIDTH, "-small")
        card = self.query_one(Scorecard)
        card.focus()
        if self.run_result is not None:  # a finished run, shown as it was (screenshots, reopened runs)
            card.start([s for s in self.specs if s.id in {r.id for r in self.run_result.results}])
            for result in self.run_result.results:
                card.show_result(result)
            self._summary(self.run_result)
            self._detail()
        else:
            self.start_run()

    # -- the run ------------------------------------------------------------------------------------
    def start_run(self) -> None:
        card = self.query_one(Scorecard)
        card.start(self.specs)
        self.query_one("#check-summary", Static).update(
            Content.styled(f"running {len(self.specs)} checks against {self.endpoint.url} …", "$text-muted")
        )
        self.run_battery()

    @work(exclusive=True, group="check", exit_on_error=False, description="hookdev check")
    async def run_battery(self) -> None:
        card = self.query_one(Scorecard)
        url = self.endpoint.url
        async with new_client(verify=self.verify if url.lower().startswith("https:") else False) as client:
            runner = Runner(
                Target(url, self.scheme, self.secrets, self.endpoint.headers, self.endpoint.id),
                client=client,
                event_type=self.event_type,
                payload=self.payload,
                timeout=self.timeout,
                probe=self.probe,
                recorder=self.store,
                bus=self.bus,
                on_start=lambda spec: card.running(spec.id),
                on_result=self._on_result,
            )
            if self.probe is not None:
                try:
                    await self.probe.read()  # before the first check: a probe that cannot be read says so
                except ProbeError as e:
                    self.query_one("#check-summary", Static).update(
                        Content.styled(f"the probe cannot be read: {e}", "$text-error")
                    )
                    return
            run = await runner.run(self.specs)
        self._summary(run)
        self.run_result = run

    def _on_result(self, result: Result) -> None:
        self.query_one(Scorecard).show_result(result)
        self._detail()

    def _summary(self, run: Run) -> None:
        c = run.counts()
        verdict = run.verdict
        word = {FAIL: "FAILED", WARN: "PASSED with warnings", PASS: "PASSED"}.get(verdict, verdict)
        style = {FAIL: "bold $text-error", WARN: "bold $text-warning", PASS: "bold $text-success"}.get(
            verdict, ""
        )
        parts: list[Content | str] = [Content.styled(f"{word}: ", style), run.summary()]
        if c[FAIL]:
            parts.append(Content.styled("\nfailed: " + ", ".join(r.id for r in run.failed), "$text-error"))
        if run.skipped:
            parts.append(
                Content.styled(f"\nnot applicable to {run.scheme}: {', '.join(run.skipped)}", "$text-muted")
            )
        parts.append(
            Content.styled("\nenter: show the delivery · r: run again · escape: close", "$text-muted")
        )
        self.query_one("#check-summary", Static).update(Content.assemble(*parts))

    # -- the selected check -------------------------------------------------------------------------
    @on(DataTable.RowSelected, "#scorecard")
    def _selected(self, _: DataTable.RowSelected) -> None:
        self.action_open_delivery()  # enter on a row (the table's own binding for enter)

    @on(DataTable.RowHighlighted, "#scorecard")
    def _highlighted(self, _: DataTable.RowHighlighted) -> None:
        self._detail()

    def _detail(self) -> None:
        card = self.query_one(Scorecard)
        view = self.query_one("#check-detail", ContentView)
        result = card.selected_result()
        if result is None:
            view.update(Content.styled("waiting for this check …", "$text-muted"))
            return
        view.update(
            Content.assemble(
                verdict_content(result.verdict),
                Content.styled(f" · {result.id}\n", "bold"),
                f"{result.reason}\n",  # whole and wrapped: the scorecard's REASON column may cut it
                Content.styled("sent      ", "$text-muted"),
                f"{result.spec_sends}\n",
                Content.styled("received  ", "$text-muted"),
                f"{result.received()}\n",
                Content.styled("why       ", "$text-muted"),
                f"{result.why}\n",
                Content.styled("delivery  ", "$text-muted"),
                ", ".join(x.message_id for x in result.exchanges[:3])
                + (f" (+{len(result.exchanges) - 3})" if len(result.exchanges) > 3 else ""),
            )
        )

    # -- actions ------------------------------------------------------------------------------------
    def action_open_delivery(self) -> None:
        result = self.query_one(Scorecard).selected_result()
        if result is None or not result.exchanges:
            self.app.notify("This check has not run yet.", severity="warning")
            return
        if self._finished_given and self.store is None:
            self.app.notify(
                "This scorecard is a picture: its deliveries are not recorded.", severity="warning"
            )
            return
        self.workers.cancel_group(self, "check")
        self.dismiss(result.exchanges[0].message_id)

    def action_rerun(self) -> None:
        if self._finished_given:
            return
        self.start_run()

    def action_close(self) -> None:
        self.workers.cancel_group(self, "check")
        self.dismiss(None)


def open_check(view: Any, endpoint: Endpoint) -> None:
    """Ask for the run's options (:class:`CheckOptionsScreen`, defaults filled in: enter runs), then push
    the scorecard for ``endpoint`` from a view that has ``ctx``; on ``enter`` in the scorecard, show
    the chosen check's delivery in Deliveries."""
    ctx = view.ctx
    catalog = ctx.catalog
    names: list[str] = catalog.names() if catalog is not None else []
    event_type = endpoint.events[0] if endpoint.events else (names[0] if names else None)
    if event_type is None or catalog is None or event_type not in catalog:
        view.app.notify("The catalog has no event type to send.", title="Check", severity="error")
        return
    try:
        secrets = ctx.workspace.signing_secrets(endpoint)
    except Exception as e:  # an unreadable secret file: say so, never a traceback
        view.app.notify(str(e), title="Check", severity="error")
        return

    def payload(name: str) -> bytes:
        if name not in catalog:
            raise KeyError(f"not in the catalog: {name!r}")
        return bytes(catalog.get(name).example_bytes())

    def verify() -> Any:
        try:
            from hookdev.tls import client_verify

            return client_verify(ctx.workspace.home)
        except Exception:  # no CA yet: default verification
            return True

    async def done(message_id: str | None) -> None:
        if message_id:
            await view.app.run_action("show('deliveries')")
            view.app.query_one("#view-deliveries").select_message(message_id)

    dialog = CheckOptionsScreen(endpoint, secrets, payload, event_type)

    def chosen(values: dict[str, str] | None) -> None:
        if values is None:
            return
        options = dialog.options(values)
        view.app.push_screen(
            CheckScreen(
                endpoint,
                secrets=secrets,
                event_type=options.event_type,
                payload=payload(options.event_type),
                store=ctx.store,
                bus=ctx.engine.bus,
                verify=verify() if endpoint.url.lower().startswith("https:") else False,
                timeout=options.timeout,
                scheme=options.scheme,
                specs=options.specs,
                probe=options.probe,
            ),
            done,
        )

    view.app.push_screen(dialog, chosen)
