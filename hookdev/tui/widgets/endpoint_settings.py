"""The selected endpoint's card: URL, events, channels, rate limit, headers (redacted), secret
(masked until revealed) with the old ones still signing, and state."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Label

from hookdev.models import Endpoint
from hookdev.presentation import human_delay
from hookdev.redact import redact_headers
from hookdev.tui.badges import mask
from hookdev.tui.widgets.content_view import ContentView

HINTS = "e edit · s secret · R rotate · o disable/enable · m recover · d delete"


class EndpointSettings(Vertical):
    """A card; ``show`` fills it from an endpoint (None: the empty state)."""

    def compose(self) -> ComposeResult:
        yield Label("Endpoint", id="endpoint-title", classes="card-title")
        yield ContentView(id="endpoint-settings")

    def show(
        self,
        ep: Endpoint | None,
        *,
        secret: str | Exception | None = None,
        old_secrets: list[tuple[str, float]] | None = None,
        revealed: bool = False,
        now: float = 0.0,
    ) -> None:
        """``secret``: the current signing secret, or the error that kept it from being read."""
        self.query_one("#endpoint-title", Label).update(ep.id if ep else "No endpoint")
        self.query_one("#endpoint-settings", ContentView).update(
            _settings(ep, secret, old_secrets or [], revealed, now)
            if ep
            else Content.styled("Press a to add an endpoint.", "$text-muted"),
            keep_scroll=True,
        )


def _settings(
    ep: Endpoint, secret: str | Exception | None, old: list[tuple[str, float]], revealed: bool, now: float
) -> Content:
    if isinstance(secret, Exception):  # an unreadable secret file must not take the view down
        shown_secret = Content.styled(str(secret), "$text-error")
    else:
        text = secret or ""
        shown_secret = Content(text if revealed else mask(text))
    rows: list[tuple[str, Content | str]] = [
        ("URL", Content.styled(ep.url, "bold")),
    ]
    if ep.description:
        rows.append(("About", Content.styled(ep.description, "$text-muted")))
    if ep.scheme != "standard":  # the provider format deliveries are signed in
        rows.append(("Signs as", ep.scheme))
    rows += [
        ("Events", ", ".join(ep.events) or "every event type"),
        ("Channels", ", ".join(ep.channels) or "-"),
        ("Rate limit", f"{ep.rate_limit:g} messages/s" if ep.rate_limit else "none"),
        ("Headers", ", ".join(f"{k}: {v}" for k, v in redact_headers(ep.headers)) or "-"),
        (
            "Secret",
            Content.assemble(
                shown_secret,
                Content.styled("  (the receiver's)" if ep.secret is None else "", "$text-muted"),
            ),
        ),
    ]
    for s, exp in old:
        shown = s if revealed else mask(s)
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
    parts.append(Content.styled(HINTS, "$text-muted"))
    return Content.assemble(*parts)
