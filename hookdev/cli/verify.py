"""``hookdev verify``: check a request's signature offline, or re-verify a capture."""

from __future__ import annotations

import sys
from typing import IO, TYPE_CHECKING, Any

import click

from hookdev.cli import numbers
from hookdev.cli._common import Failed, HookdevError, emit_json, home_option, json_option, open_workspace
from hookdev.config import ConfigError, project_config
from hookdev.signing import SCHEMES
from hookdev.signing import verify as verify_signature
from hookdev.textsafe import visible
from hookdev.verdicts import apply_verdict

if TYPE_CHECKING:
    from hookdev.forward import Route


def read_body(body_file: IO[Any] | None) -> bytes:
    if body_file is not None:
        return body_file.read()
    if sys.stdin is None or sys.stdin.isatty():
        raise HookdevError("no body: give it with --body-file FILE or on stdin")
    return sys.stdin.buffer.read()


def parse_header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip() or any(c.isspace() for c in name.strip()):
        raise HookdevError(f"invalid header {text!r}: use -H 'Name: value'")
    return name.strip().lower(), value.strip()


@click.command()
@home_option
@click.option(
    "--secret",
    "secrets",
    multiple=True,
    metavar="S",
    help="Secret to verify with (repeatable); SCHEME:SECRET binds it to one scheme.",
)
@click.option(
    "-H", "--header", "headers", multiple=True, metavar="'Name: value'", help="A request header (repeatable)."
)
@click.option("--body-file", type=click.File("rb"), help="The raw body (default: stdin).")
@click.option(
    "--scheme", type=click.Choice(SCHEMES), help="Fix the scheme instead of detecting it from the headers."
)
@click.option(
    "--tolerance",
    type=numbers.finite(0, 1e9),
    default=300,
    show_default=True,
    help="Timestamp tolerance, seconds.",
)
@click.option(
    "--now", type=numbers.finite(0, 1e15), metavar="UNIX", help="Judge the timestamp as of this time."
)
@click.option(
    "--request",
    "request_id",
    metavar="ID",
    help="Re-verify a captured request (receiver secrets + --secret).",
)
@json_option
def verify(
    home: str | None,
    secrets: tuple[str, ...],
    headers: tuple[str, ...],
    body_file: Any,
    scheme: str | None,
    tolerance: float,
    now: float | None,
    request_id: str | None,
    as_json: bool,
) -> None:
    """Verify a webhook signature offline. Exit 0 valid, 1 invalid (the reason is printed), 2 usage error.

    \b
    Examples:
      hookdev verify --secret whsec_... -H 'webhook-id: msg_1' -H 'webhook-timestamp: 1614265330' \\
          -H 'webhook-signature: v1,...' --now 1614265330 --body-file body.json
      hookdev verify --request req_...        # a capture, judged as of when it arrived
    """
    if request_id:
        if headers or body_file:
            raise HookdevError("--request takes the headers and body from the capture; drop -H/--body-file")
        workspace = open_workspace(home)
        capture = workspace.store.find_capture(request_id)
        if capture is None:
            raise HookdevError(f"no captured request {request_id!r} (see hookdev inbox)")
        # As the receiver judged it (its route's secrets, else the receiver's and the configured ones),
        # plus any --secret, as of when it arrived: the same rule, through the same function.
        route, extra = _project_secrets(capture.route)
        verdict = apply_verdict(
            capture,
            receiver=workspace.receiver_secrets().active(),
            extra=extra,
            route=route,
            given=secrets,
            scheme=scheme,
            tolerance=tolerance,
            now=capture.received_at if now is None else now,
        )
    else:
        if not secrets:
            raise HookdevError("give at least one --secret (or --request ID to use the workspace secrets)")
        header_map = dict(parse_header(h) for h in headers)
        body = read_body(body_file)
        verdict = verify_signature(
            header_map, body, list(secrets), scheme=scheme, tolerance=tolerance, now=now
        )
    ok = verdict.verified is True
    reason = verdict.reason
    if verdict.verified is None:
        reason = "no signature headers found (webhook-signature, stripe-signature, x-hub-signature-256, ...)"
    if as_json:
        emit_json(
            {
                "verified": ok,
                "scheme": verdict.scheme,
                "reason": reason,
                "matched_secret": verdict.matched_secret,
            }
        )
        if not ok:
            sys.exit(1)
        return
    if ok:
        click.echo(
            click.style("valid", fg="green", bold=True)
            + f" ({verdict.scheme} signature, secret #{(verdict.matched_secret or 0) + 1})"
        )
    else:
        raise Failed(f"invalid: {visible(reason)}")


def _project_secrets(route_prefix: str | None) -> tuple[Route | None, tuple[str, ...]]:
    """The route a capture came in on (with its own secrets, if any) and the extra receiver secrets,
    from ./hookdev.toml; nothing when there is none or it does not parse."""
    try:
        config = project_config()
    except ConfigError:
        return None, ()
    extra = tuple(config.receiver.secrets or ())
    found = config.route_for(route_prefix) if route_prefix else None
    if found is None or not found.secret:
        return None, extra
    from hookdev.forward import Route  # httpx: only for a route's own secrets

    return Route(found.path, "", (found.secret,), found.scheme), extra
