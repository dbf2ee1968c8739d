"""``hookdev check``: grade a webhook consumer with the battery (a scorecard, --json lines, JUnit XML)."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from hookdev.check import IDS, Probe, ProbeError, Result, Run, Runner, Target, battery, new_client, parse_ids
from hookdev.check.junit import junit_xml
from hookdev.check.model import FAIL, PASS, WARN
from hookdev.check.specs import BY_ID, Spec
from hookdev.check.targets import CHECK_ENDPOINT_ID, NoSecret, remember, secret_problem, url_target
from hookdev.cli import numbers
from hookdev.cli._common import Failed, HookdevError, emit_json, home_option, json_option, open_workspace
from hookdev.cli._delivery import catalog_option, client_verify, input_errors, make_sender
from hookdev.delivery import DEFAULT_TIMEOUT
from hookdev.delivery.formats import SCHEMES
from hookdev.delivery.validate import InputError, check_url
from hookdev.models import Endpoint
from hookdev.presentation import iso
from hookdev.sender import Sender
from hookdev.textsafe import visible
from hookdev.workspace import Workspace

_MARK = {PASS: ("✓", "green"), WARN: ("!", "yellow"), FAIL: ("✗", "red")}


@click.command()
@click.argument("target", metavar="URL|EP", required=False)
@click.option("--secret", metavar="S", help="The consumer's signing secret (default: the endpoint's).")
@click.option(
    "--scheme",
    type=click.Choice(SCHEMES, case_sensitive=False),
    default=None,
    help="Sign as this provider does (default: the endpoint's scheme, else standard).",
)
@click.option("--event", "event_type", metavar="TYPE", help="Catalog event to send (default: the first).")
@click.option("--only", multiple=True, metavar="ID,...", help="Run only these checks.")
@click.option("--skip", multiple=True, metavar="ID,...", help="Leave these checks out.")
@click.option(
    "--timeout",
    type=numbers.finite(0, 86400, min_open=True),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    metavar="S",
    help="Seconds the consumer has to answer each delivery (the platform's timeout).",
)
@click.option(
    "--probe",
    metavar="URL_OR_CMD",
    help="A GET URL or shell command printing a count of the consumer's side effects; read before and "
    "after each check, so a tampered event acted on, or a duplicate processed twice, fails.",
)
@click.option(
    "--junit", "junit_file", type=click.Path(dir_okay=False), metavar="FILE", help="Write JUnit XML."
)
@click.option("--list-runs", is_flag=True, help="List earlier check runs (newest first) instead.")
@catalog_option
@home_option
@json_option
def check(
    target: str | None,
    secret: str | None,
    scheme: str | None,
    event_type: str | None,
    only: tuple[str, ...],
    skip: tuple[str, ...],
    timeout: float,
    probe: str | None,
    junit_file: str | None,
    list_runs: bool,
    catalog: str | None,
    home: str | None,
    as_json: bool,
) -> None:
    """Prove a webhook consumer correct: deliver a battery of checks and grade every answer.

    URL is the consumer's address (give --secret the first time: later runs against the URL reuse
    its secret and scheme; no endpoint is created), or EP an endpoint. Each check sends one kind of delivery (a valid event,
    a tampered body, a timestamp 1 h stale or ahead, a wrong secret, no signature, a rotation, an
    unknown signature version, svix-* headers, a duplicate, an unknown type, 1 MiB, out of order,
    20 at once) and grades the answer: pass, warn or fail. Exit code 0 when no check fails, 1 when
    one does. Deliveries are recorded as attempts (see Deliveries in the TUI, `hookdev attempts`).

    \b
    Checks: valid fast tampered stale future wrong-secret unsigned rotation unknown-version
            svix-headers duplicate unknown-type large out-of-order concurrent
    (GitHub and Shopify sign no timestamp: no stale/future; Stripe checks only the past: no future.)

    \b
    Examples:
      hookdev check http://localhost:3000/webhooks --secret whsec_...
      hookdev check ep_2x... --only tampered,stale --json
      hookdev check http://localhost:3000/stripe --scheme stripe --secret whsec_... --junit check.xml
      hookdev check ep_2x... --probe 'sqlite3 app.db "select count(*) from events"'
      hookdev check --list-runs
    """
    workspace = open_workspace(home)
    if list_runs:
        if target is not None:
            raise HookdevError("--list-runs takes no URL|EP")
        _list_runs(workspace, as_json)
        return
    if target is None:
        raise HookdevError("give the consumer's URL or an endpoint id (see `hookdev check --help`)")
    if junit_file is not None:
        _check_writable(junit_file)  # before the run, not after it has been lost
    sender = make_sender(workspace, catalog)
    endpoint = input_errors(lambda: _endpoint(sender, target, secret, scheme))
    bare_url = endpoint.id == CHECK_ENDPOINT_ID and sender.store.get_endpoint(CHECK_ENDPOINT_ID) is None
    used_scheme = (scheme or endpoint.scheme).lower()
    secrets = [secret] if secret else workspace.signing_secrets(endpoint)
    _check_secret(used_scheme, secrets[0])
    if bare_url:  # the secret signs: remember it (and the scheme) for the next run against this URL
        remember(workspace.store, replace(endpoint, secret=secrets[0], scheme=used_scheme))
    try:
        specs = battery(used_scheme, parse_ids(only), parse_ids(skip))
    except ValueError as e:
        raise HookdevError(str(e)) from None
    if not specs:
        raise HookdevError(f"no check left to run (known: {', '.join(IDS)})")
    et_name = event_type or (endpoint.events[0] if endpoint.events else None) or _first_type(sender)
    payload = input_errors(lambda: sender.payload(et_name, None))
    probe_reader = None
    if probe is not None:
        try:
            probe_reader = Probe(probe)
        except ProbeError as e:
            raise HookdevError(str(e)) from None

    if not as_json:
        _header(endpoint, used_scheme, et_name, specs, probe_reader, bare_url)

    live = not as_json and sys.stdout.isatty()  # a "running ..." line that the result replaces

    def on_start(spec: Spec) -> None:
        if live:
            click.echo(click.style(f"   → {spec.id} … ({spec.sends})", fg="bright_black"), nl=False)

    def on_result(result: Result) -> None:
        if live:
            click.echo("\r\033[K", nl=False)
        if as_json:
            out = result.to_json()
            out.update(scheme=used_scheme, url=endpoint.url, endpoint_id=None if bare_url else endpoint.id)
            emit_json(out)
        else:
            _line(result)

    async def main() -> Run:
        if probe_reader is not None:
            try:
                await probe_reader.read()
            except ProbeError as e:
                raise HookdevError(str(e)) from None
        client = new_client(
            verify=client_verify(workspace) if endpoint.url.lower().startswith("https:") else False
        )
        async with client:
            runner = Runner(
                Target(
                    endpoint.url, used_scheme, secrets, endpoint.headers, None if bare_url else endpoint.id
                ),
                client=client,
                event_type=et_name,
                payload=payload,
                timeout=timeout,
                probe=probe_reader,
                recorder=workspace.store,
                on_start=on_start,
                on_result=on_result,
            )
            return await runner.run(specs)

    try:
        run = asyncio.run(main())
    except KeyboardInterrupt:
        raise Failed("interrupted: the checks that finished are recorded as attempts") from None
    if junit_file is not None:
        try:
            Path(junit_file).write_bytes(junit_xml(run))
        except OSError as e:
            raise HookdevError(f"cannot write --junit file {junit_file}: {e.strerror}") from None
    if not as_json:
        _footer(run, specs, probe_reader, junit_file)
    if run.failed:
        raise Failed("")


def _endpoint(sender: Sender, target: str, secret: str | None, scheme: str | None) -> Endpoint:
    """The endpoint a run signs for: EP itself, the endpoint that has the URL, or (a URL no endpoint
    has) an in-memory one that is never saved (:mod:`hookdev.check.targets`)."""
    if not target.lower().startswith(("http://", "https://")):
        if "://" in target:
            raise InputError(f"cannot check {target}: give an http:// or https:// URL, or an endpoint id")
        try:
            return sender.endpoint(target)
        except InputError as unknown:
            raise InputError(
                f"{unknown} (a target is an endpoint id or name, or an http:// or https:// URL)"
            ) from None
    for e in sender.endpoints():
        if e.url == target.strip():
            return e
    url = check_url(target)
    try:
        return url_target(sender.store, url, secret, scheme)
    except NoSecret as e:
        raise InputError(str(e)) from None


def _check_writable(path: str) -> None:
    target = Path(path)
    parent = target.parent
    if target.is_dir():
        raise HookdevError(f"cannot write --junit file {path}: it is a directory")
    if not parent.is_dir() or not os.access(parent, os.W_OK):
        raise HookdevError(f"cannot write --junit file {path}: {parent} is not a writable directory")


def _check_secret(scheme: str, secret: str) -> None:
    problem = secret_problem(scheme, secret)
    if problem is not None:
        raise HookdevError(f"--secret cannot sign {scheme} deliveries: {problem}")


def _first_type(sender: Sender) -> str:
    names = sender.catalog.names()
    if not names:
        raise HookdevError("the catalog has no event types: give --event TYPE with a catalog that has it")
    return names[0]


def _header(
    endpoint: Endpoint, scheme: str, event_type: str, specs: list[Spec], probe: Probe | None, bare_url: bool
) -> None:
    click.echo(
        click.style("hookdev check ", bold=True)
        + click.style(endpoint.url, bold=True)
        + f"  ({'no endpoint' if bare_url else endpoint.id}, {scheme}, {len(specs)} check{'' if len(specs) == 1 else 's'}, event {event_type}"
        + (f", side effects read from a probe {probe.kind}" if probe is not None else "")
        + ")"
    )


def _line(r: Result) -> None:
    mark, colour = _MARK[r.verdict]
    head = click.style(f" {mark} {r.verdict:<4} ", fg=colour, bold=True) + click.style(
        f"{r.id:<16}", bold=True
    )
    click.echo(f"{head} {visible(_clip(r.received(), 28)):<28}  {visible(r.reason)}")
    if r.verdict != PASS:
        body = next((x.body for x in r.exchanges if x.body), "")
        got = f" Answer body: {_clip(body, 80)!r}." if body else ""
        click.echo(click.style(visible(f"{'':24}sent {r.spec_sends}.{got} {r.why}"), fg="bright_black"))


def _footer(run: Run, specs: list[Spec], probe: Probe | None, junit_file: str | None) -> None:
    if probe is None:
        judged = [s.id for s in specs if s.probe is not None and s.id != "valid"]
        if judged:
            click.echo(
                click.style(
                    f"   {', '.join(judged)}: judged by the HTTP answer only (--probe also sees side effects)",
                    fg="bright_black",
                )
            )
    if run.skipped:
        skipped = "; ".join(f"{k}: {v}" for k, v in run.skipped.items())
        click.echo(click.style(f"   not applicable to {run.scheme}: {skipped}", fg="bright_black"))
    colour = "red" if run.verdict == FAIL else "yellow" if run.verdict == WARN else "green"
    word = {FAIL: "FAILED", WARN: "PASSED with warnings", PASS: "PASSED"}.get(run.verdict, run.verdict)
    click.echo(
        click.style(f"{word}: ", fg=colour, bold=True)
        + run.summary()
        + f"  (run {run.id}"
        + (f", JUnit in {junit_file}" if junit_file else "")
        + ")"
    )


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _list_runs(workspace: Workspace, as_json: bool) -> None:
    runs = workspace.store.list_check_runs(50)
    if as_json:
        out = []
        for d in runs:
            d = dict(d)
            d["started_at"], d["finished_at"] = iso(d["started_at"]), iso(d.get("finished_at"))
            out.append(d)
        emit_json(out)
        return
    if not runs:
        click.echo("no check runs yet: `hookdev check URL|EP`", err=True)
        return
    for d in runs:
        run = Run.from_json(d)
        colour = "red" if run.verdict == FAIL else "yellow" if run.verdict == WARN else "green"
        failed = ", ".join(r.id for r in run.failed)
        click.echo(
            f"{run.id}  {time.strftime('%Y-%m-%d %H:%M', time.localtime(run.started_at))}  "
            + click.style(f"{run.verdict:<4}", fg=colour)
            + f"  {run.summary():<34} {run.scheme:<8} {run.endpoint_id or '-'}  {run.url}"
            + (click.style(f"  failed: {failed}", fg="red") if failed else "")
        )


def known_checks() -> dict[str, Any]:
    """Every check's id, what it sends and why (for docs and --help tests)."""
    return {c.id: {"sends": c.sends, "passes": c.passes, "why": c.why} for c in BY_ID.values()}
