"""The Send view: the event catalog (a fuzzy filter over names and descriptions, grouped by prefix), a
payload editor validated live against the schema, overrides next to it (``data.id=cus_1; -data.tmp``,
like ``send --set/--unset``), a varied payload on demand, an endpoint picker, a fault to inject, and
Send. ``t`` (anywhere) sends the selected type's example to hookdev's own receiver, always without a
fault."""

from __future__ import annotations

import json
import time
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Button, Input, Label, OptionList, Select, SelectionList, Static
from textual.widgets.option_list import Option

from hookdev.catalog import CatalogIssue, EventType, TypeInfo, parse_data, validate_payload
from hookdev.catalog.overrides import Override, OverrideError, apply_overrides, parse_override_list
from hookdev.catalog.search import search
from hookdev.delivery import FAULTS
from hookdev.tui.context import Context
from hookdev.tui.messages import CatalogReloaded, EndpointsChanged
from hookdev.tui.widgets.payload_editor import PayloadEditor

LOCAL = "ep_local"
ALL = "*"
NO_FAULT = "none"
OUT_OF_ORDER_BATCH = 3  # the out-of-order fault needs a batch; three shows the reversal plainly
_SEND_ANYWAY_WINDOW = 4.0


def fault_options() -> list[tuple[Content, str]]:
    """The fault picker: none first, then every fault with its one-line description.

    ($foreground-muted, not $text-muted: option lists do not resolve the "auto" colour of the latter.)
    """
    width = max(map(len, FAULTS)) + 2
    options = [
        (
            Content.assemble("none".ljust(width), Content.styled("a correct delivery", "$foreground-muted")),
            NO_FAULT,
        )
    ]
    for name, description in FAULTS.items():
        options.append(
            (Content.assemble(name.ljust(width), Content.styled(description, "$foreground-muted")), name)
        )
    return options


def check_payload(event_type: EventType, text: str) -> tuple[str | None, list[CatalogIssue]]:
    """(JSON syntax error, schema issues) for what is in the editor."""
    try:
        data = parse_data(text)
    except ValueError as e:
        return str(e), []
    return None, validate_payload(event_type, data)


def issues_content(syntax: str | None, issues: list[CatalogIssue], limit: int = 4) -> Content:
    if syntax:
        return Content.styled(f"✗ {syntax}", "$text-error")
    if not issues:
        return Content.styled("✓ matches the schema", "$text-success")
    parts: list[Content | str] = [Content.styled(f"✗ {len(issues)} schema problem(s)\n", "$text-error bold")]
    for issue in issues[:limit]:
        parts += [Content.styled(f"  {issue.path or '$'}  ", "$text-warning"), issue.message, "\n"]
    if len(issues) > limit:
        parts.append(Content.styled(f"  … and {len(issues) - limit} more", "$text-muted"))
    return Content.assemble(*parts)


class SendView(Horizontal):
    """Pick an event type, edit its payload, choose endpoints, send."""

    TITLE = "Send"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "send", "Send", tooltip="Send the payload in the editor", id="send.send"),
        Binding(
            "ctrl+r",
            "reset",
            "Reset payload",
            tooltip="Put the catalog example back in the editor",
            id="send.reset",
        ),
        Binding(
            "ctrl+e", "focus_editor", "Edit", show=False, tooltip="Focus the payload editor", id="send.edit"
        ),
        Binding(
            "ctrl+o",
            "focus_endpoints",
            "Endpoints",
            show=False,
            tooltip="Choose who receives it",
            id="send.endpoints",
        ),
        Binding(
            "slash",
            "focus_filter",
            "Filter",
            tooltip="Filter the event types by name or description",
            id="send.filter",
        ),
        Binding(
            "ctrl+f",
            "focus_fault",
            "Fault",
            tooltip="Inject a fault: tamper, stale, duplicate, wrong secret, out of order…",
            id="send.fault",
        ),
    ]

    def __init__(self, ctx: Context, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ctx = ctx
        self.event_type: EventType | None = None
        self._check_timer: Timer | None = None
        self._issues: tuple[str | None, list[CatalogIssue]] = (None, [])
        self._anyway_until = 0.0

    @property
    def types(self) -> list[TypeInfo]:
        """Every type's name, description and status (cheap: no type is built until it is selected)."""
        return self.ctx.catalog.infos() if self.ctx.catalog is not None else []

    def compose(self) -> ComposeResult:
        with Vertical(id="send-left"):
            yield Label("Event types", classes="section-title")
            yield Input(placeholder="/ filter: name or description", id="send-filter", compact=True)
            yield OptionList(*self._type_options(""), id="send-types")
            yield Label("Send to", classes="section-title")
            yield SelectionList[str](id="send-endpoints")
        with Vertical(id="send-right"):
            yield Static(id="send-title")
            yield PayloadEditor.json(id="send-editor")
            with Horizontal(id="send-overrides-row"):
                yield Input(
                    placeholder="overrides: data.id=cus_123; data.note=null; -data.tmp",
                    tooltip="Like send --set / --unset: PATH=VALUE (JSON when it parses, else a string), "
                    "-PATH removes; separate with '; ' or new lines. Enter applies them to the editor.",
                    id="send-overrides",
                    compact=True,
                )
                yield Button("Apply", id="send-apply", compact=True)
                yield Button("Vary", id="send-vary", compact=True, tooltip="A fresh schema-valid payload")
            yield Static(id="send-issues")
            with Horizontal(id="send-fault-row"):
                yield Label("Fault ", id="send-fault-label")
                yield Select(
                    fault_options(), value=NO_FAULT, allow_blank=False, compact=True, id="send-fault"
                )
            with Horizontal(id="send-actions"):
                yield Button("Send  ctrl+s", id="send-button", variant="primary")
                yield Button("Reset  ctrl+r", id="send-reset")
                yield Static(id="send-targets")

    def _type_options(self, query: str) -> list[Option]:
        """The types matching ``query``, under a heading per prefix group (headings cannot be selected)."""
        options: list[Option] = []
        groups = search(self.types, query)
        for group in groups:
            if len(groups) > 1:
                heading = Content.assemble(
                    Content.styled(group.name, "bold $text-secondary"),
                    " ",
                    Content.styled(str(len(group.types)), "$text-muted"),
                )
                options.append(Option(heading, disabled=True))
            for info in group.types:
                label = Content(info.name)
                if info.status != "ok":  # a one-character mark: the title says why
                    mark = ("∗", "$text-warning") if info.status == "synthesized" else ("✗", "$text-error")
                    label = Content.assemble(label, " ", Content.styled(mark[0], mark[1]))
                options.append(Option(label, id=info.name))
        return options

    def _fill_types(self) -> None:
        """List the types the filter matches; keep the selected one highlighted when it still shows."""
        types = self.query_one("#send-types", OptionList)
        query = self.query_one("#send-filter", Input).value
        types.clear_options()
        types.add_options(self._type_options(query))
        keep = self.event_type.name if self.event_type is not None else None
        ids = [types.get_option_at_index(i).id for i in range(types.option_count)]
        if keep in ids:
            types.highlighted = ids.index(keep)
        else:
            first = next((i for i, o in enumerate(ids) if o is not None), None)
            types.highlighted = first

    @on(Input.Changed, "#send-filter")
    def _filter_changed(self) -> None:
        self._fill_types()

    @on(Input.Submitted, "#send-filter")
    def _filter_submitted(self) -> None:
        types = self.query_one("#send-types", OptionList)
        if types.highlighted is not None:
            option = types.get_option_at_index(types.highlighted)
            if option.id:
                self.select(option.id)
        types.focus()

    def action_focus_filter(self) -> None:
        self.query_one("#send-filter", Input).focus()

    def on_mount(self) -> None:
        self.query_one("#send-editor", PayloadEditor).cursor_blink = False if self.ctx.frozen_now else True
        self._load_endpoints()
        types = self.query_one("#send-types", OptionList)
        if self.types:
            first = next(i for i in range(types.option_count) if types.get_option_at_index(i).id)
            types.highlighted = first
            self.select(self.types[0].name)
        else:
            problem = self.ctx.catalog_error or "the catalog has no event types"
            self.query_one("#send-title", Static).update(
                Content.styled(f"Nothing to send: {problem}", "$text-error")
            )

    def focus_default(self) -> None:
        self.query_one("#send-types", OptionList).focus()

    # -- catalog and editor ---------------------------------------------------------------------
    def on_catalog_reloaded(self, _: CatalogReloaded) -> None:
        """hookdev.toml or the catalog changed: list the new types, keep the selected one if it is still there."""
        keep = self.event_type.name if self.event_type is not None else None
        names = [info.name for info in self.types]
        if not names:
            self.event_type = None
            self.query_one("#send-types", OptionList).clear_options()
            return
        self._fill_types()
        if keep not in names:
            self.event_type = None
            self.select(names[0])
            self._fill_types()
        elif self.ctx.catalog is not None:
            self.event_type = self.ctx.catalog.get(keep)  # the edited schema checks the editor from now on
            self._check_now()

    @on(OptionList.OptionHighlighted, "#send-types")
    def _type_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id and (self.event_type is None or event.option.id != self.event_type.name):
            self.select(event.option.id)

    @on(OptionList.OptionSelected, "#send-types")
    def _type_selected(self) -> None:
        self.action_focus_editor()

    def select(self, name: str) -> None:
        if self.ctx.catalog is None or name not in self.ctx.catalog:
            return
        self.event_type = self.ctx.catalog.get(name)
        et = self.event_type
        status: Content | str = ""
        if et.problem is not None:
            status = Content.styled(
                f"✗ unusable: {et.problem.message} (ctrl+s twice sends anyway)", "$text-error"
            )
        elif et.synthesized and et.notes:
            note = et.notes[0]
            why = (
                "no example"
                if note.message.startswith("no example")
                else f"its example fails at {note.path or '$'}"
            )
            status = Content.styled(f"∗ example synthesised from the schema ({why})", "$text-warning")
        self.query_one("#send-title", Static).update(
            Content.assemble(
                Content.styled(et.name, "bold $text-accent"),
                "  " if status else "",
                status,
                "\n",
                Content.styled(et.description.strip(), "$text-muted"),
            )
        )
        self.action_reset()
        self._update_targets()

    def action_reset(self) -> None:
        """The catalog example in the editor, with the overrides applied."""
        if self.event_type is None:
            return
        example = self.event_type.example
        self._show_payload(example if example is not None else {})

    def action_vary(self) -> None:
        """A fresh schema-valid payload (new ids, timestamps, values) in the editor, overrides applied."""
        if self.event_type is None:
            return
        from hookdev.catalog.payloads import PayloadError, vary_examples

        try:
            (made,) = vary_examples(self.event_type, 1, None)
        except PayloadError as e:
            self.app.notify(str(e), title="Cannot vary", severity="error")
            return
        self._show_payload(made)

    def action_apply_overrides(self) -> None:
        """Apply the overrides to what is in the editor now."""
        try:
            current = parse_data(self.query_one("#send-editor", PayloadEditor).text)
        except ValueError as e:
            self.app.notify(
                f"The editor does not hold JSON: {e}", title="Overrides not applied", severity="error"
            )
            return
        self._show_payload(current)

    def overrides(self) -> list[Override] | None:
        """The overrides typed next to the editor; None (and a notification) when they do not parse."""
        try:
            return parse_override_list(self.query_one("#send-overrides", Input).value)
        except OverrideError as e:
            self.app.notify(str(e), title="Overrides not applied", severity="error")
            return None

    def _show_payload(self, payload: object) -> None:
        overrides = self.overrides()
        if overrides:
            try:
                payload = apply_overrides(payload, overrides)
            except OverrideError as e:
                self.app.notify(str(e), title="Overrides not applied", severity="error")
        editor = self.query_one("#send-editor", PayloadEditor)
        editor.set_text(json.dumps(payload, indent=2, ensure_ascii=False))
        self._check_now()

    @on(Input.Submitted, "#send-overrides")
    def _overrides_submitted(self) -> None:
        self.action_apply_overrides()

    @on(Button.Pressed, "#send-apply")
    def _apply_pressed(self) -> None:
        self.action_apply_overrides()

    @on(Button.Pressed, "#send-vary")
    def _vary_pressed(self) -> None:
        self.action_vary()

    @on(PayloadEditor.Changed, "#send-editor")
    def _edited(self) -> None:
        if self._check_timer is not None:
            self._check_timer.stop()
        self._check_timer = self.set_timer(0.15, self._check_now)

    def _check_now(self) -> None:
        if self.event_type is None:
            return
        self._issues = check_payload(self.event_type, self.query_one("#send-editor", PayloadEditor).text)
        self.query_one("#send-issues", Static).update(issues_content(*self._issues))

    def action_focus_editor(self) -> None:
        self.query_one("#send-editor", PayloadEditor).focus()

    def action_focus_endpoints(self) -> None:
        self.query_one("#send-endpoints", SelectionList).focus()

    def action_focus_fault(self) -> None:
        self.query_one("#send-fault", Select).focus()

    # -- fault ----------------------------------------------------------------------------------
    @property
    def fault(self) -> str | None:
        """The fault to inject, or None for a correct delivery."""
        value = self.query_one("#send-fault", Select).value
        return value if isinstance(value, str) and value != NO_FAULT else None

    @on(Select.Changed, "#send-fault")
    def _fault_changed(self) -> None:
        self.query_one("#send-fault-row").set_class(self.fault is not None, "-active")
        self._update_targets()

    # -- endpoints ------------------------------------------------------------------------------
    def _load_endpoints(self) -> None:
        picker: SelectionList[str] = self.query_one("#send-endpoints", SelectionList)
        chosen = set(picker.selected) if picker.option_count else {ALL}
        picker.clear_options()
        picker.add_option((Content.styled("every subscribed endpoint", "bold"), ALL, ALL in chosen))
        for ep in self.ctx.store.list_endpoints():
            label = Content.assemble(ep.id, Content.styled(f"  {ep.url}", "$foreground-muted"))
            if ep.disabled:
                label = Content.assemble(label, Content.styled("  disabled", "$text-warning"))
            picker.add_option((label, ep.id, ep.id in chosen))

    def on_endpoints_changed(self, _: EndpointsChanged) -> None:
        self._load_endpoints()
        self._update_targets()

    @on(SelectionList.SelectedChanged, "#send-endpoints")
    def _picked(self) -> None:
        self._update_targets()

    def chosen_endpoints(self) -> list[str]:
        """Named endpoints, or [] for "every subscribed endpoint"."""
        picker: SelectionList[str] = self.query_one("#send-endpoints", SelectionList)
        return [e for e in picker.selected if e != ALL]

    def _update_targets(self) -> None:
        if self.event_type is None:
            return
        named = self.chosen_endpoints()
        if named:
            text = "to " + ", ".join(named)
        else:
            try:
                matching = [e.id for e in self.ctx.sender.matching_endpoints(self.event_type.name, [])]
            except Exception:  # the sender reports problems when sending; the hint just stays quiet
                matching = []
            text = ("to " + ", ".join(matching)) if matching else "no endpoint is subscribed to this type"
        hint = Content.styled(text, "$text-muted")
        if self.fault is not None:
            batch = f" ×{OUT_OF_ORDER_BATCH}" if self.fault == "out-of-order" else ""
            hint = Content.assemble(hint, Content.styled(f"  ⚑ {self.fault}{batch}", "$text-warning"))
        self.query_one("#send-targets", Static).update(hint)

    # -- sending --------------------------------------------------------------------------------
    @on(Button.Pressed, "#send-button")
    def _send_pressed(self) -> None:
        self.action_send()

    @on(Button.Pressed, "#send-reset")
    def _reset_pressed(self) -> None:
        self.action_reset()

    def action_send(self) -> None:
        if self.event_type is None:
            self.app.notify("No event type to send.", severity="error")
            return
        self._check_now()
        syntax, issues = self._issues
        if syntax:
            self.app.notify(syntax, title="Not sent", severity="error")
            return
        anyway = time.monotonic() < self._anyway_until
        if issues and not anyway:
            self._anyway_until = time.monotonic() + _SEND_ANYWAY_WINDOW
            self.app.notify(
                f"{issues[0]}. Press ctrl+s again to send it anyway.",
                title="Payload does not match the schema",
                severity="warning",
            )
            return
        data = self.query_one("#send-editor", PayloadEditor).text.encode("utf-8")
        self.send(self.event_type.name, data, self.chosen_endpoints(), validate=not anyway, fault=self.fault)

    def send(
        self,
        event_type: str,
        data: bytes | None,
        endpoints: list[str],
        *,
        validate: bool = True,
        fault: str | None = None,
    ) -> Any:
        from hookdev.sender import SenderError

        count = OUT_OF_ORDER_BATCH if fault == "out-of-order" else 1
        try:
            result = self.ctx.sender.send(
                event_type, data, endpoints=endpoints, validate=validate, fault=fault, count=count
            )
        except SenderError as e:
            self.app.notify(str(e), title="Not sent", severity="error")
            return None
        ids = ", ".join(m.id for m in result.messages)
        where = ", ".join(result.endpoint_ids) or "nobody"
        with_fault = f" with fault {fault}" if fault else ""
        note = f"\n{result.notes[0]}" if result.notes else ""
        self.app.notify(
            f"{ids} ({event_type}) to {where}{with_fault}. Press 4 for Deliveries.{note}",
            title="Sent",
            severity="warning" if not result.endpoint_ids else "information",
        )
        self.ctx.engine.log(f"sent {event_type} as {ids} to {where}{with_fault}")
        return result

    def send_test(self) -> Any:
        """The one-keystroke round trip: the selected type's example to hookdev's own receiver."""
        if self.event_type is None:
            self.app.notify(
                self.ctx.catalog_error or "The catalog has no event types.",
                title="Not sent",
                severity="error",
            )
            return None
        endpoints = [LOCAL] if self.ctx.store.get_endpoint(LOCAL) is not None else []
        return self.send(self.event_type.name, None, endpoints)
