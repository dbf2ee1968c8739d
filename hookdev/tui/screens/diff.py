"""Two captures side by side in one list of changes: headers by name, the JSON body key by key."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from hookdev.json_diff import CaptureDiff, Change
from hookdev.textsafe import visible
from hookdev.tui.widgets.content_view import ContentView

_KIND = {"added": ("+", "$text-success"), "removed": ("-", "$text-error"), "changed": ("~", "$text-warning")}


def _value(value: Any, limit: int = 120) -> str:
    text = visible(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _change(change: Change) -> Content:
    mark, style = _KIND[change.kind]
    head = Content.assemble(
        Content.styled(f" {mark} ", f"bold {style}"), Content.styled(visible(change.path), "bold")
    )
    if change.kind == "added":
        return Content.assemble(head, "  ", Content.styled(_value(change.new), "$text-success"), "\n")
    if change.kind == "removed":
        return Content.assemble(head, "  ", Content.styled(_value(change.old), "$text-error"), "\n")
    old, new = _value(change.old), _value(change.new)
    joint = "  " if len(change.path) + len(old) + len(new) < 90 else "\n     "
    return Content.assemble(
        head,
        joint,
        Content.styled(_value(change.old), "$text-error"),
        Content.styled("  →  ", "$text-muted"),
        Content.styled(_value(change.new), "$text-success"),
        "\n",
    )


def diff_content(d: CaptureDiff) -> Content:
    a, b = d.a, d.b
    parts: list[Content | str] = [
        Content.styled("from ", "$text-muted"),
        Content.styled(visible(f"{a.id}  {a.method} {a.path}  {a.event_type or '-'}") + "\n", "$text-accent"),
        Content.styled("  to ", "$text-muted"),
        Content.styled(visible(f"{b.id}  {b.method} {b.path}  {b.event_type or '-'}") + "\n", "$text-accent"),
    ]
    if a.method != b.method or a.path != b.path or a.query != b.query:
        line = visible(f"{a.method} {a.path} → {b.method} {b.path}")
        parts.append(Content.styled(f"\nRequest line: {line}\n", "$text-warning"))
    parts.append(Content.styled(f"\nHeaders  ({len(d.header_changes)} changed)\n", "bold $text-accent"))
    parts += [_change(c) for c in d.header_changes] or [Content.styled(" the same\n", "$text-muted")]
    parts.append(Content.styled("\nBody  ", "bold $text-accent"))
    if d.same_body_bytes:
        parts.append(Content.styled("the same bytes\n", "$text-muted"))
    elif d.body_text_diff:
        parts.append(Content.styled("(not JSON: a text diff)\n", "$text-muted"))
        for line in d.body_text_diff:
            style = "$text-success" if line.startswith("+") else "$text-error" if line.startswith("-") else ""
            shown = visible(line)
            parts.append(Content.styled(shown + "\n", style) if style else shown + "\n")
    elif d.body_changes:
        parts.append(Content.styled(f"({len(d.body_changes)} changed, JSON key by key)\n", "$text-muted"))
        parts += [_change(c) for c in d.body_changes]
    else:
        parts.append(Content.styled("the same JSON (bytes differ: spacing or key order)\n", "$text-muted"))
    return Content.assemble(*parts)


class DiffScreen(ModalScreen[None]):
    """The diff of two captures; escape or q closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "close", "Close", id="diff.close")]

    def __init__(self, diff: CaptureDiff) -> None:
        super().__init__()
        self.diff = diff

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide-dialog"):
            yield Label("Diff of two requests", classes="dialog-title")
            yield ContentView(diff_content(self.diff), id="diff-text")
            yield Static(
                "escape closes · m on another request diffs it with the marked one", classes="field-help"
            )

    def on_mount(self) -> None:
        self.query_one("#diff-text").focus()

    def action_close(self) -> None:
        self.dismiss(None)
