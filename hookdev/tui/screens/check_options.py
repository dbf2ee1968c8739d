"""Before a check run from the TUI: the options ``hookdev check`` takes (scheme, event, which checks,
timeout, probe), pre-filled with the endpoint's defaults, so ``enter`` runs the battery as it is."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from hookdev.check import IDS, Probe, ProbeError, Spec, battery, parse_ids
from hookdev.check.targets import secret_problem
from hookdev.delivery import DEFAULT_TIMEOUT
from hookdev.delivery.formats import SCHEMES
from hookdev.models import Endpoint
from hookdev.tui.screens.prompt import Field, PromptScreen

MAX_TIMEOUT = 86400.0


@dataclass(frozen=True)
class CheckOptions:
    """What the dialog settled: the run's scheme, event type, checks, timeout and probe."""

    scheme: str
    event_type: str
    specs: list[Spec]
    timeout: float
    probe: Probe | None


class CheckOptionsScreen(PromptScreen):
    """Dismisses with the form's values (read them with :meth:`options`), None on escape.

    ``enter`` in any field runs (every field starts with its default); ``tab`` moves between fields.
    One line per field (a short label beside a one-line input), so the whole form fits 80x24.
    """

    DEFAULT_CSS = """
    CheckOptionsScreen .check-option { height: 1; margin-top: 1; }
    CheckOptionsScreen.-short .check-option { margin-top: 0; }
    CheckOptionsScreen .check-option Label { width: 10; color: $text-muted; }
    CheckOptionsScreen .check-option Input {
        width: 1fr; height: 1; border: none; padding: 0 1; background: $surface;
    }
    CheckOptionsScreen .check-option Input:focus { background: $accent 30%; }
    CheckOptionsScreen .field-error { padding-left: 10; }
    CheckOptionsScreen .dialog-body { margin-bottom: 0; color: $text-muted; }
    """

    def __init__(
        self, endpoint: Endpoint, secrets: Sequence[str], payload: Callable[[str], bytes], event: str
    ) -> None:
        """``payload(name)``: the body a check of that event type sends; KeyError or ValueError (one
        line) for a type the catalog does not have or cannot give an example of."""
        self.endpoint = endpoint
        self.secrets = list(secrets)
        self.payload = payload
        super().__init__(
            f"Check {endpoint.id}",
            [
                Field(
                    "scheme",
                    "Scheme",
                    value=endpoint.scheme,
                    placeholder=" | ".join(SCHEMES),
                    check=self._check_scheme,
                ),
                Field("event", "Event", value=event, check=self._check_event),
                Field("only", "Only", placeholder="every check (or ID,... e.g. tampered,stale)"),
                Field("skip", "Skip", placeholder="none (or ID,... e.g. concurrent,large)"),
                Field("timeout", "Timeout", value=f"{DEFAULT_TIMEOUT:g}", check=_check_timeout),
                Field("probe", "Probe", placeholder="none (a GET URL or a command printing a count)"),
            ],
            submit="Run",
            message=f"{endpoint.url}\nenter runs · tab: next field · timeout: seconds per answer · "
            "probe: read before and after each check",
        )

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            with VerticalScroll():
                yield Static(self.message, classes="dialog-body")
                for f in self.fields:
                    with Horizontal(classes="check-option"):
                        yield Label(f.label)
                        yield Input(f.value, placeholder=f.placeholder, id=f"field-{f.name}")
                    yield Static("", id=f"error-{f.name}", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel (esc)", id="cancel")
                yield Button(f"{self.submit_label} (enter)", id="submit", variant="primary")

    def on_resize(self) -> None:
        self.set_class(self.size.height < 32, "-short")  # 24 lines: the fields without gaps

    def on_mount(self) -> None:
        self.set_class(self.size.height < 32, "-short")
        for f in self.fields:
            self.query_one(f"#error-{f.name}", Static).display = False
        super().on_mount()

    # -- checks of one field ------------------------------------------------------------------------
    def _check_scheme(self, value: str) -> str | None:
        scheme = value.lower()
        if scheme not in SCHEMES:
            return f"unknown scheme {value!r}; one of {', '.join(SCHEMES)}"
        problem = secret_problem(scheme, self.secrets[0]) if self.secrets else "the endpoint has no secret"
        return f"the endpoint's secret cannot sign {scheme} deliveries: {problem}" if problem else None

    def _check_event(self, value: str) -> str | None:
        if not value:
            return "give an event type from the catalog"
        try:
            self.payload(value)
        except KeyError as e:
            return str(e.args[0]) if e.args else f"not in the catalog: {value!r}"
        except ValueError as e:
            return str(e)
        return None

    # -- the whole form -----------------------------------------------------------------------------
    def options(self, values: dict[str, str]) -> CheckOptions:
        """The values as run options; ValueError names the field that is wrong (``field: message``)."""
        scheme = values["scheme"].lower()
        only, skip = parse_ids(values["only"]), parse_ids(values["skip"])
        for name, ids in (("only", only), ("skip", skip)):
            unknown = [i for i in ids if i not in IDS]
            if unknown:
                raise ValueError(f"{name}: unknown check {unknown[0]!r}; known: {', '.join(IDS)}")
        try:
            specs = battery(scheme, only, skip)
        except ValueError as e:  # an --only check the scheme leaves out
            raise ValueError(f"only: {e}") from None
        if not specs:
            raise ValueError("only: no check left to run")
        probe = None
        if values["probe"]:
            try:
                probe = Probe(values["probe"])
            except ProbeError as e:
                raise ValueError(f"probe: {e}") from None
        return CheckOptions(scheme, values["event"], specs, float(values["timeout"]), probe)

    def _submit(self) -> None:
        values = self.values()
        errors = {f.name: f.check(values[f.name]) if f.check else None for f in self.fields}
        if not any(errors.values()):
            try:
                self.options(values)
            except ValueError as e:
                name, _, message = str(e).partition(": ")
                errors[name] = message
        for name, error in errors.items():
            widget = self.query_one(f"#error-{name}", Static)
            widget.update(error or "")
            widget.display = bool(error)
        if not any(errors.values()):
            self.dismiss(values)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()  # every field has its default: enter runs from anywhere


def _check_timeout(value: str) -> str | None:
    try:
        seconds = float(value)
    except ValueError:
        return f"not a number of seconds: {value!r}"
    if not 0 < seconds <= MAX_TIMEOUT:
        return f"give more than 0 and at most {MAX_TIMEOUT:g} seconds"
    return None
