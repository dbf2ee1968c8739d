"""One line at the bottom: where the receiver listens, the public relay URL, time scale and counts."""

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
    }
    """

    state: reactive[str] = reactive("starting")
    """starting | listening | failed | offline (snapshot/demo mode without an engine)."""
    url: reactive[str] = reactive("")
    public_url: reactive[str] = reactive("")
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
        if self.public_url:
            parts += [sep, Content.styled("public ", "$text-muted"), self.public_url]
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
