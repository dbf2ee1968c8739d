"""The detail of one capture: Overview, Headers, Body and Response tabs.

Everything shown goes through ``redact_headers``: Authorization is stored, never displayed. Bodies are
shown as pretty JSON (highlighted with the theme's colours) when they parse, else raw text or hex.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.highlight import highlight
from textual.reactive import reactive
from textual.widgets import TabbedContent, TabPane

from hookdev.models import Capture
from hookdev.redact import redact_headers
from hookdev.textsafe import visible
from hookdev.tui.badges import code_content, verdict_badge
from hookdev.tui.widgets.content_view import ContentView

BODY_MODES = ("pretty", "raw", "hex")
_MAX_SHOWN = 256 * 1024  # bytes of a body drawn at once; the rest is summarised


def _when(ts: float, utc: bool) -> str:
    when = dt.datetime.fromtimestamp(ts, dt.UTC if utc else None)
    return when.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + (" UTC" if utc else "")


def hex_columns(width: int | None) -> int:
    """Bytes per hex-dump line that fit ``width`` cells (a multiple of 4, 4 to 32; 16 when unknown)."""
    if not width:
        return 16
    return max(4, min(32, (width - 12) // 4 // 4 * 4))


def hex_dump(data: bytes, limit: int = 4096, per_line: int = 16) -> str:
    """``offset  hex bytes  text``, ``per_line`` bytes a line: 12 + 4 x per_line cells wide."""
    lines = []
    for off in range(0, min(len(data), limit), per_line):
        chunk = data[off : off + per_line]
        hexes = " ".join(f"{b:02x}" for b in chunk)
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{off:08x}  {hexes:<{3 * per_line - 1}}  {text}")
    if len(data) > limit:
        lines.append(f"… {len(data) - limit:,} more bytes")
    return "\n".join(lines) or "(empty body)"


def body_content(body: bytes, mode: str, width: int | None = None) -> Content:
    """The body in one of BODY_MODES; "pretty" falls back to raw text, and raw to hex, when it must.

    ``width``: the cells available, so a hex dump fills them instead of wrapping."""
    if not body:
        return Content.styled("(empty body)", "$text-muted")
    shown = body[:_MAX_SHOWN]
    more = f"\n… {len(body) - _MAX_SHOWN:,} more bytes" if len(body) > _MAX_SHOWN else ""
    per_line = hex_columns(width)
    if mode == "hex":
        return Content(hex_dump(body, per_line=per_line))
    try:
        text = shown.decode("utf-8")
    except UnicodeDecodeError:
        return Content.assemble(
            Content.styled("binary body, shown as hex\n\n", "$text-muted"), hex_dump(body, per_line=per_line)
        )
    if mode == "pretty":
        try:
            pretty = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except (ValueError, RecursionError):
            pass
        else:
            return highlight(visible(pretty, keep="\n\t"), language="json") + more
    return Content(visible(text, keep="\n\t") + more)


def _kv(rows: Iterable[tuple[str, str | Content]], width: int = 12) -> Content:
    parts: list[Content | str] = []
    for key, value in rows:
        parts.append(Content.styled(key.ljust(width), "$text-muted"))
        parts.append(value if isinstance(value, Content) else Content(visible(value)))
        parts.append("\n")
    return Content.assemble(*parts)


def headers_content(headers: Iterable[tuple[str, str]]) -> Content:
    parts: list[Content | str] = []
    for name, value in redact_headers(headers):
        parts.append(Content.styled(visible(name), "$text-accent bold"))
        parts.append(": ")
        parts.append(Content(visible(value)))
        parts.append("\n")
    return Content.assemble(*parts) if parts else Content.styled("(no headers)", "$text-muted")


@dataclass(frozen=True)
class Related:
    """What the store knows around a capture: its webhook-id's other captures, and its replays."""

    same_webhook_id: int = 0  # captures carrying its webhook-id, itself included
    first_id: str | None = None  # the first of them
    replays: tuple[str, ...] = ()


def related_rows(c: Capture, related: Related) -> list[tuple[str, str | Content]]:
    rows: list[tuple[str, str | Content]] = []
    if c.replay_of:
        rows.append(
            ("Replay of", Content.assemble(Content.styled(c.replay_of, "$text-accent"), "  (f jumps to it)"))
        )
    if related.same_webhook_id > 1:
        times = f"webhook-id seen {related.same_webhook_id} times"
        if related.first_id == c.id:
            rows.append(("Duplicates", Content.styled(f"{times}; this is the first", "$text-warning")))
        else:
            rows.append(
                (
                    "Duplicate",
                    Content.assemble(
                        Content.styled(f"⚠ {times}; first ", "$text-warning bold"),
                        Content.styled(related.first_id or "-", "$text-accent"),
                        "  (f jumps to it)",
                    ),
                )
            )
    if related.replays:
        shown = ", ".join(related.replays[-3:]) + (" …" if len(related.replays) > 3 else "")
        rows.append(("Replays", f"{len(related.replays)}: {shown}"))
    return rows


def overview_content(c: Capture, utc: bool, related: Related | None = None) -> Content:
    scheme = {"standard": "Standard Webhooks"}.get(c.scheme or "", c.scheme or "")
    head: list[Content | str] = [verdict_badge(c.verified)]
    if scheme:
        head.append(Content.styled(f"  {scheme}", "$text-muted"))
    if c.matched_secret:
        head.append(Content.styled(f"  ·  matched {c.matched_secret}", "$text-muted"))
    head.append("\n")
    if c.reason:
        style = "$text-error" if c.verified is False else "$text-muted"
        head.append(Content.styled(visible(c.reason), style))
        head.append("\n")
    elif c.verified is None:
        head.append(Content.styled("No signature headers: nothing to verify.", "$text-muted"))
        head.append("\n")
    head.append("\n")
    target = c.path + (f"?{c.query}" if c.query else "")
    rows: list[tuple[str, str | Content]] = [
        ("Request", f"{c.method} {target}"),
        ("Received", _when(c.received_at, utc)),
    ]
    if c.client:
        rows.append(("From", c.client))
    rows.append(("Event type", c.event_type or "-"))
    rows.append(("webhook-id", c.webhook_id or "-"))
    if c.timestamp_skew is not None:
        skew = c.timestamp_skew
        rows.append(("Skew", f"{skew:+.1f} s" + ("  (signed in the future)" if skew < 0 else "")))
    size = f"{c.body_size:,} bytes" + ("  (truncated: over the size limit)" if c.truncated else "")
    rows.append(("Body", size))
    rows.append(("Answered", answer_summary(c)))
    if c.route:
        rows.append(("Route", c.route))
    rows += related_rows(c, related or Related())
    rows.append(("Capture id", c.id))
    return Content.assemble(*head, _kv(rows))


def answer_summary(c: Capture) -> Content:
    if c.forwarded_to:
        if c.forward_error:
            return Content.styled(
                visible(f"{c.status or '-'}  forwarded to {c.forwarded_to}: {c.forward_error}"), "$text-error"
            )
        took = f" in {c.forward_ms:.0f} ms" if c.forward_ms is not None else ""
        if c.status is None:
            return Content(visible(f"waiting for {c.forwarded_to}"))
        return Content(visible(f"{c.status} from your app at {c.forwarded_to}{took}"))
    if c.status is None:
        return Content("-")
    style = "$text-error" if c.status >= 400 else "$text-success"
    return Content.assemble(Content.styled(str(c.status), style), " by hookdev")


def response_content(c: Capture) -> Content:
    """What the sender got back: hookdev's own answer, or (forwarded) what the app answered and how fast,
    or why forwarding failed and what hookdev answered instead."""
    if not c.forwarded_to:
        return Content.assemble(
            Content.styled("Answer  ", "$text-muted"),
            answer_summary(c),
            "\n\n",
            headers_content(c.response_headers),
            "\n",
            body_content(c.response_body, "pretty"),
        )
    rows: list[tuple[str, str | Content]] = [("Forwarded", Content.styled(c.forwarded_to, "$text-accent"))]
    if c.forward_error:
        rows.append(("Error", Content.styled(c.forward_error, "$text-error")))
        if c.status is not None:
            rows.append(("Answered", Content.assemble(code_content(c.status), " by hookdev, for the app")))
    elif c.status is None:
        rows.append(("Status", Content.styled("waiting for the app to answer…", "$text-muted")))
    else:
        rows.append(("Status", Content.assemble(code_content(c.status), " from your app")))
    if c.forward_ms is not None:
        rows.append(("Took", f"{c.forward_ms:,.0f} ms"))
    parts: list[Content | str] = [_kv(rows)]
    if c.status is not None:
        parts += [
            Content.styled("\nHeaders\n", "bold $text-accent"),
            headers_content(c.response_headers),
            Content.styled("\nBody\n", "bold $text-accent"),
            body_content(c.response_body, "pretty"),
        ]
    return Content.assemble(*parts)


class CaptureDetail(Vertical):
    """Overview / Headers / Body / Response of the highlighted capture."""

    DEFAULT_CSS = """
    CaptureDetail { height: 1fr; }
    CaptureDetail TabbedContent { height: 1fr; }
    CaptureDetail TabPane { padding: 0; }
    CaptureDetail ContentView { height: 1fr; }
    """

    TABS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("overview", "Overview"),
        ("headers", "Headers"),
        ("body", "Body"),
        ("response", "Response"),
    )

    body_mode: reactive[str] = reactive("pretty", init=False)
    """How the Body tab shows the body: pretty (JSON), raw, or hex."""

    def __init__(self, *, utc: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.utc = utc
        self.capture: Capture | None = None
        self.related = Related()
        self._rendered: set[str] = set()
        self._body_width: int | None = None

    def compose(self) -> ComposeResult:
        with TabbedContent(id="detail-tabs"):
            for key, title in self.TABS:
                with TabPane(title, id=f"detail-{key}"):
                    yield ContentView(id=f"detail-{key}-text")

    @property
    def tabs(self) -> TabbedContent:
        return self.query_one("#detail-tabs", TabbedContent)

    def on_mount(self) -> None:
        self.show(None)

    def _set(self, key: str, content: Content | str) -> None:
        self.query_one(f"#detail-{key}-text", ContentView).update(content)

    def show(self, capture: Capture | None, related: Related | None = None) -> None:
        self.capture = capture
        self.related = related or Related()
        if capture is None:
            for key, _ in self.TABS:
                self._set(key, Content.styled("Select a request to see it here.", "$text-muted"))
            return
        self._rendered = set()
        self._render_active()

    def _render_active(self) -> None:
        """Draw only the tab on screen; the others when they are opened (a cursor held down stays fast)."""
        capture = self.capture
        key = self.tabs.active.removeprefix("detail-") or "overview"
        if capture is None or key in self._rendered:
            return
        self._rendered.add(key)
        if key == "overview":
            self._set("overview", overview_content(capture, self.utc, self.related))
        elif key == "headers":
            self._set("headers", headers_content(capture.headers))
        elif key == "body":
            self._render_body()
        else:
            self._set("response", response_content(capture))

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._render_active()

    def _render_body(self) -> None:
        if self.capture is None:
            return
        modes = "  ".join(f"[{m}]" if m == self.body_mode else m for m in BODY_MODES)
        header = Content.styled(f"{modes}   (b: switch)\n\n", "$text-muted")
        view = self.query_one("#detail-body-text", ContentView)
        width = view.scrollable_content_region.width or None
        self._set("body", header + body_content(self.capture.body, self.body_mode, width))
        self._body_width = width
        if width is None:  # not laid out yet (the tab was just opened): again once it is
            self.call_after_refresh(self._rewrap_hex)

    def on_resize(self) -> None:
        if "body" in self._rendered and self.body_mode == "hex":
            self.call_after_refresh(self._rewrap_hex)

    def _rewrap_hex(self) -> None:
        width = self.query_one("#detail-body-text", ContentView).scrollable_content_region.width or None
        if width != self._body_width:
            self._render_body()

    def watch_body_mode(self) -> None:
        self._render_body()

    def cycle_body_mode(self) -> None:
        self.body_mode = BODY_MODES[(BODY_MODES.index(self.body_mode) + 1) % len(BODY_MODES)]
        self.tabs.active = "detail-body"

    def cycle_tab(self, step: int) -> None:
        keys = [f"detail-{k}" for k, _ in self.TABS]
        active = self.tabs.active
        current = keys.index(active) if active in keys else 0
        self.tabs.active = keys[(current + step) % len(keys)]
