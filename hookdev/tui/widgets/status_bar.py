"""One line at the bottom: where the receiver listens, a broken hookdev.toml, the relay, time scale, counts.

A config error stays here (next to the URL, so a narrow terminal still shows it) until a reload fixes it.
"""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget


class StatusBar(Widget):
    """Receiver URL (or why it is not listening), relay, time scale, answer mode, counts."""

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        background: $panel;
        color: $text;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    state: reactive[str] = reactive("starting")
    """starting | listening | failed | offline (snapshot/demo mode without an engine)."""
    url: reactive[str] = reactive("")
    config_error: reactive[str] = reactive("")
    """The first line of the hookdev.toml reload error; empty when the file is fine."""
    public_url: reactive[str] = reactive("")
    relay: reactive[str] = reactive("")
    """Why the relay has no public URL ("relay: reconnecting"); empty when connected or not used."""
    time_scale: reactive[float] = reactive(1.0)
    answer: reactive[str] = reactive("normal")
    captures: reactive[int] = reactive(0)
    retrying: reactive[int] = reactive(0)
    failing: reactive[int] = reactive(0)

    def render(self) -> Content:
        sep = Content.styled("  │  ", "$text-muted")
        if self.state == "listening":
            head = Content.assemble(Content.styled("● ", "$text-success"), Content.styled(self.url, "bold"))
        elif self.state == "failed":
            head = Content.styled("✗ not listening (see the banner)", "$text-error bold")
        elif self.state == "offline":
            head = Content.assemble(Content.styled("○ ", "$text-muted"), self.url or "not started")
        else:
            head = Content.styled("… starting the receiver", "$text-muted")
        parts: list[Content | str] = [head]
        if self.config_error:
            limit = max(24, min(64, self.size.width // 2))
            text = f"⚠ {self.config_error}"
            if len(text) > limit:
                text = text[: limit - 1] + "…"
            parts += [sep, Content.styled(text, "$text-error bold")]
        if self.public_url:
            parts += [sep, Content.styled("public ", "$text-muted"), self.public_url]
        elif self.relay:
            style = "$text-error" if "refused" in self.relay else "$text-warning"
            parts += [sep, Content.styled(self.relay, style)]
        if self.time_scale != 1:
            parts += [sep, Content.styled("time ×", "$text-muted"), f"{self.time_scale:g}"]
        if self.answer != "normal":
            parts += [sep, Content.styled(f"answering {self.answer}", "$text-warning bold")]
        parts += [sep, f"{self.captures:,}", Content.styled(" requests", "$text-muted")]
        if self.retrying:
            parts += [sep, Content.styled(f"{self.retrying} retrying", "$text-warning")]
        if self.failing:
            parts += [sep, Content.styled(f"{self.failing} failed", "$text-error")]
        return Content.assemble(*parts)
