"""The Receiver view: where it listens, its active secrets, how it answers, where it forwards, and the
dev loop (hookdev.toml's live reload, re-sending on source changes).

Setting "fail the next 3 with 503" here and sending from the Send view exercises the sender's retry
path end to end in one window. The policy object is replaced, never mutated from here, so a request
in flight keeps the answer it already took.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from hookdev.presentation import human_delay
from hookdev.receiver import RESPOND_MODES, RespondPolicy
from hookdev.tui.badges import kv, mask
from hookdev.tui.context import Context
from hookdev.tui.messages import ReceiverChanged
from hookdev.tui.screens.prompt import Field, PromptScreen
from hookdev.tui.widgets.dev_loop_panel import DevLoopPanel
from hookdev.tui.widgets.forwarding_panel import ForwardingPanel

MODE_LABELS = {
    "normal": "Normally (200 valid, 401 invalid)",
    "status": "Always answer with Status",
    "fail": "Fail the next N requests with Status",
    "delay": "Delay each answer by D seconds",
    "gone": "410 Gone (sender disables the endpoint)",
    "throttle": "429 with Retry-After",
}


def _int(text: str, low: int, high: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{what} must be a whole number") from None
    if not low <= value <= high:
        raise ValueError(f"{what} must be {low} to {high}")
    return value


class ReceiverView(VerticalScroll):
    """Receiver URL, secrets and forwarding on the left; the answer mode and the dev loop on the right."""

    TITLE = "Receiver"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "apply", "Apply", tooltip="Answer as chosen from now on", id="receiver.apply"),
        Binding("n", "normal", "Normal", tooltip="Answer normally again", id="receiver.normal"),
        Binding(
            "s",
            "reveal",
            "Show secret",
            show=False,
            tooltip="Show or hide the receiver secrets",
            id="receiver.reveal",
        ),
        Binding(
            "R",
            "rotate",
            "Rotate…",
            tooltip="Rotate the receiver secret (old one kept for a grace period)",
            id="receiver.rotate",
        ),
        Binding(
            "f",
            "forward",
            "Forward…",
            tooltip="Forward requests to your app: 3000, :3000/hooks, host:port or a URL (empty stops)",
            id="receiver.forward",
        ),
        Binding(
            "w",
            "toggle_resend",
            "Re-send on changes",
            show=False,
            tooltip="Re-send the last message whenever watched files change (on/off)",
            id="receiver.resend",
        ),
    ]

    def __init__(self, ctx: Context, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ctx = ctx
        self.revealed = False

    @property
    def policy(self) -> RespondPolicy:
        return self.ctx.engine.settings.respond

    def compose(self) -> ComposeResult:
        with Horizontal(id="receiver-columns"):
            with Vertical(id="receiver-left"):
                with Vertical(id="receiver-info", classes="card"):
                    yield Label("Receiver", classes="card-title")
                    yield Static(id="receiver-where")
                    yield Label("Secrets", classes="card-title")
                    yield Static(id="receiver-secrets")
                yield ForwardingPanel(self.ctx, id="receiver-forwarding", classes="card")
            with Vertical(id="receiver-right"):
                with Vertical(id="receiver-answer", classes="card"):
                    yield Label("How it answers", classes="card-title")
                    with RadioSet(id="receiver-mode"):
                        for mode in RESPOND_MODES:
                            yield RadioButton(
                                MODE_LABELS[mode], value=mode == self.policy.mode, id=f"mode-{mode}"
                            )
                    with Horizontal(classes="answer-params"):
                        with Vertical(classes="param"):
                            yield Label("Status")
                            yield Input(str(self.policy.status), id="param-status", type="integer")
                        with Vertical(classes="param"):
                            yield Label("N requests")
                            yield Input(str(self.policy.count or 3), id="param-count", type="integer")
                        with Vertical(classes="param"):
                            yield Label("D seconds")
                            yield Input(f"{self.policy.delay or 2:g}", id="param-delay", type="number")
                        with Vertical(classes="param"):
                            yield Label("Retry-After")
                            yield Input(str(self.policy.retry_after), id="param-retry-after", type="integer")
                    with Horizontal(classes="answer-actions"):
                        yield Button("Apply (a)", id="receiver-apply", variant="primary")
                        yield Button("Normal (n)", id="receiver-normal")
                    yield Static(id="receiver-now", classes="answer-now")
                yield DevLoopPanel(self.ctx, id="receiver-devloop", classes="card")
        yield Static("↓ more below: scroll, or pgdn / end", id="receiver-more")

    def on_mount(self) -> None:
        self.refresh_info()
        self.set_interval(0.5, self._refresh_now)
        self.call_after_refresh(self._show_more)
        self.watch(self, "scroll_y", lambda: self._show_more(), init=False)

    def on_resize(self) -> None:
        self.call_after_refresh(self._show_more)

    def _show_more(self) -> None:
        """The hint under a view taller than the screen, until the bottom is in sight."""
        more = self.query_one("#receiver-more", Static)
        below = self.max_scroll_y > 0 and self.scroll_y < self.max_scroll_y - 0.5
        if more.display != below:
            more.display = below

    def focus_default(self) -> None:
        self.query_one("#receiver-mode", RadioSet).focus()

    def on_show(self) -> None:
        self.refresh_info()

    def on_receiver_changed(self, _: ReceiverChanged) -> None:
        self.refresh_info()

    # -- display --------------------------------------------------------------------------------
    def refresh_info(self) -> None:
        ro = self.ctx.engine.settings
        rows = [
            ("URL", Content.styled(self.ctx.url + "/", "bold $text-accent")),
            ("Scheme", Content(ro.scheme or "detected from the headers")),
            ("Tolerance", Content(f"{ro.tolerance:g} s either way")),
        ]
        self.query_one("#receiver-where", Static).update(kv(rows))
        self.query_one("#receiver-secrets", Static).update(self._secrets())
        self.query_one("#receiver-forwarding", ForwardingPanel).refresh_state()
        self.query_one("#receiver-devloop", DevLoopPanel).refresh_state()
        self._refresh_now()

    def _secrets(self) -> Content:
        try:
            secrets = self.ctx.workspace.receiver_secrets()
        except Exception as e:  # an unreadable secret file: say so, keep the app usable
            return Content.styled(str(e), "$text-error")
        now = self.ctx.now()
        show = (lambda s: s) if self.revealed else mask
        rows: list[tuple[str, Content]] = [("current", Content(show(secrets.current)))]
        for secret, expires in secrets.previous:
            if expires > now:
                left = human_delay(expires - now)
                rows.append(
                    (
                        "previous",
                        Content.assemble(show(secret), Content.styled(f"  expires in {left}", "$text-muted")),
                    )
                )
        for i, extra in enumerate(self.ctx.engine.settings.secrets, 1):
            rows.append((f"--secret #{i}", Content(show(extra))))
        hint = Content.styled("\n\ns shows them · R rotates them (with a grace period)", "$text-muted")
        return kv(rows) + hint

    def _refresh_now(self) -> None:
        policy = self.policy
        style = "$text-success" if policy.mode == "normal" else "$text-warning bold"
        text = Content.assemble(
            Content.styled("Now answering ", "$text-muted"), Content.styled(policy.describe(), style)
        )
        self._show_more()
        now = self.query_one("#receiver-now", Static)
        if now.content != text:  # polled twice a second: redraw only when the answer mode changed
            now.update(text)

    # -- answer mode ----------------------------------------------------------------------------
    def chosen_mode(self) -> str:
        pressed = self.query_one("#receiver-mode", RadioSet).pressed_button
        return (pressed.id or "mode-normal").removeprefix("mode-") if pressed else "normal"

    def build_policy(self) -> RespondPolicy:
        """The policy the form describes; ValueError says which field is wrong."""
        mode = self.chosen_mode()
        values = {
            name: self.query_one(f"#param-{name}", Input).value.strip()
            for name in ("status", "count", "delay", "retry-after")
        }
        fields: dict[str, Any] = {}
        if mode in ("status", "fail"):
            fields["status"] = _int(values["status"], 100, 599, "status")
        if mode == "fail":
            fields["count"] = _int(values["count"], 1, 1_000_000, "N requests")
        if mode == "delay":
            try:
                delay = float(values["delay"])
            except ValueError:
                raise ValueError("delay must be a number of seconds") from None
            if not 0 <= delay <= 3600:
                raise ValueError("delay must be 0 to 3600 seconds")
            fields["delay"] = delay
        if mode == "throttle":
            fields["retry_after"] = _int(values["retry-after"], 0, 86400 * 7, "Retry-After")
        return RespondPolicy(mode, **fields)

    def apply(self, policy: RespondPolicy) -> None:
        self.ctx.engine.set_respond(policy)
        self.ctx.engine.log(f"receiver now answers {policy.describe()}")
        self._refresh_now()
        self.post_message(ReceiverChanged())

    def action_apply(self) -> None:
        try:
            policy = self.build_policy()
        except ValueError as e:
            self.app.notify(str(e), title="Not applied", severity="error")
            return
        self.apply(policy)
        self.app.notify(f"The receiver answers {policy.describe()}.", title="Receiver")

    def action_normal(self) -> None:
        self.query_one("#mode-normal", RadioButton).value = True
        self.apply(RespondPolicy())
        self.app.notify("The receiver answers normally.", title="Receiver")

    @on(Button.Pressed, "#receiver-apply")
    def _apply_pressed(self) -> None:
        self.action_apply()

    @on(Button.Pressed, "#receiver-normal")
    def _normal_pressed(self) -> None:
        self.action_normal()

    @on(Input.Submitted, ".answer-params Input")
    def _param_submitted(self) -> None:
        self.action_apply()

    # -- forwarding and dev loop ----------------------------------------------------------------
    def action_forward(self) -> None:
        panel = self.query_one("#receiver-forwarding", ForwardingPanel)
        panel.focus_input()
        panel.scroll_visible()

    def action_toggle_resend(self) -> None:
        panel = self.query_one("#receiver-devloop", DevLoopPanel)
        panel.toggle()
        panel.scroll_visible()

    # -- secrets --------------------------------------------------------------------------------
    def action_reveal(self) -> None:
        self.revealed = not self.revealed
        self.refresh_info()

    def action_rotate(self) -> None:
        from hookdev.delivery.validate import parse_duration

        def check(value: str) -> str | None:
            try:
                seconds = parse_duration(value or "0")
            except ValueError as e:
                return str(e)
            return None if seconds <= 7 * 86400 else "at most 7d"

        def done(values: dict[str, str] | None) -> None:
            if values is None:
                return
            grace = parse_duration(values["grace"] or "0")
            self.ctx.engine.rotate_receiver_secret(grace)
            self.refresh_info()
            until = "" if grace <= 0 else f"; the old one stays valid for {human_delay(grace)}"
            self.ctx.engine.log(f"receiver secret rotated{until}")
            self.app.notify(f"New receiver secret{until}.", title="Rotated")
            self.post_message(ReceiverChanged())

        self.app.push_screen(
            PromptScreen(
                "Rotate the receiver secret?",
                [
                    Field(
                        "grace",
                        "Keep the old secret valid for",
                        value="24h",
                        placeholder="24h, 30m, 0",
                        check=check,
                        help="Senders still signing with the old secret keep verifying meanwhile.",
                    )
                ],
                submit="Rotate",
                message="A new secret is generated; endpoint ep_local signs with it from the next attempt on.",
            ),
            done,
        )
