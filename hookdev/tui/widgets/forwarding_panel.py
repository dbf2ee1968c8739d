"""The Receiver view's Forwarding card: where captured requests go next, the routes, and the relay.

The target is typed the way ``--forward-to`` takes it (``3000``, ``:3000/hooks``, ``host:port`` or a
URL), checked with ``parse_target`` as it is typed, and applied to the running receiver on Enter: the
next request is forwarded there (an empty field stops forwarding). A reload of hookdev.toml sets it
again from the file, which the card then shows.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Label, Static

from hookdev.forward import parse_target
from hookdev.tui.badges import kv
from hookdev.tui.context import Context
from hookdev.tui.messages import ReceiverChanged


class ForwardingPanel(Vertical):
    """Forward target (editable), routes (from hookdev.toml or --route, read-only), relay state."""

    def __init__(self, ctx: Context, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.ctx = ctx

    def compose(self) -> ComposeResult:
        yield Label("Forwarding", classes="card-title")
        yield Static(id="forward-now")
        yield Input(
            self.target or "",
            placeholder="3000, :3000/hooks, host:port or URL · empty: stop",
            id="forward-target",
        )
        yield Static(id="forward-check")
        yield Static(id="forward-more")

    def on_mount(self) -> None:
        self.refresh_state()

    @property
    def target(self) -> str | None:
        return self.ctx.engine.settings.forward_to

    def focus_input(self) -> None:
        self.query_one("#forward-target", Input).focus()

    # -- display --------------------------------------------------------------------------------
    def refresh_state(self) -> None:
        target = self.target
        now = (
            Content.assemble(Content.styled("→ ", "$text-accent"), Content.styled(target, "bold"))
            if target
            else Content.styled("not forwarding (hookdev answers itself)", "$text-muted")
        )
        self.query_one("#forward-now", Static).update(kv([("Target", now)]))
        box = self.query_one("#forward-target", Input)
        if not box.has_focus:  # never overwrite what is being typed
            box.value = target or ""
            self._check(None)
        more = kv(self._routes() + self._relay())
        if self.ctx.live.relay_state == "connected" and self.ctx.live.public_url:
            # on a line of its own: the URL is long, and people copy it from here
            more = Content("\n").join(
                [
                    more,
                    Content.styled("Public URL", "$text-muted"),
                    Content.styled(self.ctx.live.public_url, "bold"),
                ]
            )
        self.query_one("#forward-more", Static).update(more)

    def _routes(self) -> list[tuple[str, Content]]:
        routes = self.ctx.engine.settings.routes
        if not routes:
            return [
                ("Routes", Content.styled("none ([[routes]] in hookdev.toml, or --route)", "$text-muted"))
            ]
        rows = []
        for i, route in enumerate(routes):
            where = Content(route.target) if route.target else Content.styled("answered here", "$text-muted")
            rows.append(("Routes" if i == 0 else "", Content.assemble(route.prefix, " → ", where)))
        return rows

    def _relay(self) -> list[tuple[str, Content]]:
        live = self.ctx.live
        relay = self.ctx.engine.options.relay
        if not relay:
            return [("Relay", Content.styled("not used (start with --relay URL)", "$text-muted"))]
        if live.relay_state == "connected" and live.public_url:
            return [
                ("Relay", Content.assemble(Content.styled("● ", "$text-success"), f"connected to {relay}"))
            ]
        style = "$text-error" if live.relay_state == "refused" else "$text-warning"
        return [("Relay", Content.styled(live.relay_text or f"connecting to {relay}", style))]

    # -- editing --------------------------------------------------------------------------------
    @on(Input.Changed, "#forward-target")
    def _typed(self, event: Input.Changed) -> None:
        if not event.input.has_focus:
            return
        text = event.value.strip()
        if not text:
            self._check(Content.styled("enter stops forwarding", "$text-muted") if self.target else None)
            return
        try:
            url = parse_target(text)
        except ValueError as e:
            self._check(Content.styled(str(e), "$text-error"))
            return
        self._check(Content.styled(f"enter forwards to {url}", "$text-muted") if url != self.target else None)

    def _check(self, content: Content | None) -> None:
        """The line under the field: what Enter will do, or why the target is refused (hidden when idle)."""
        check = self.query_one("#forward-check", Static)
        check.update(content or "")
        check.display = content is not None

    @on(Input.Submitted, "#forward-target")
    def _submitted(self, event: Input.Submitted) -> None:
        if self.apply(event.value):
            event.input.blur()  # done: the number keys switch views again

    def key_escape(self) -> None:
        box = self.query_one("#forward-target", Input)
        if box.has_focus:
            box.blur()
            self.refresh_state()  # what was typed is dropped

    def apply(self, text: str) -> bool:
        """Forward to ``text`` (any parse_target form) from the next request on; empty stops. False: refused."""
        text = text.strip()
        try:
            url = parse_target(text) if text else None
        except ValueError as e:
            self._check(Content.styled(str(e), "$text-error"))
            return False
        before = self.target
        self.ctx.engine.set_forwarding(url)
        self.query_one("#forward-target", Input).value = url or ""
        self._check(None)
        if url != before:
            what = f"forwarding to {url}" if url else "not forwarding any more"
            self.ctx.engine.log(f"receiver {what}")
            self.app.notify(
                f"Requests go to {url} from now on." if url else "hookdev answers requests itself again.",
                title="Forwarding",
            )
        self.post_message(ReceiverChanged())
        return True
