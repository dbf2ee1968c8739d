"""``hookdev inbox``: the captured requests, newest first; show one; clear."""

from __future__ import annotations

import json
import os
import sys

import click

from hookdev.cli import numbers
from hookdev.cli._common import (
    Failed,
    HookdevError,
    confirm,
    emit_json,
    home_option,
    json_option,
    open_workspace,
    yes_option,
)
from hookdev.cli.render import capture_detail_json, capture_json, capture_line, iso, verdict_word
from hookdev.export import ARCHIVE_FORMATS, FORMATS, ExportError, export_capture, to_har, to_ndjson
from hookdev.redact import redact_headers
from hookdev.signing import SCHEMES
from hookdev.signing.standard import SecretError
from hookdev.textsafe import visible


@click.group(invoke_without_command=True)
@home_option
@click.option("--limit", type=numbers.LIMIT, default=50, show_default=True, help="How many requests.")
@click.option("--verified", "only_verified", is_flag=True, help="Only requests with a valid signature.")
@click.option("--invalid", "only_invalid", is_flag=True, help="Only requests whose signature failed.")
@click.option("--unsigned", "only_unsigned", is_flag=True, help="Only requests with no signature.")
@click.option("--event-type", metavar="T", help="Only this event type.")
@click.option("--path", metavar="P", help="Only this path.")
@json_option
@click.pass_context
def inbox(
    ctx: click.Context,
    home: str | None,
    limit: int,
    only_verified: bool,
    only_invalid: bool,
    only_unsigned: bool,
    event_type: str | None,
    path: str | None,
    as_json: bool,
) -> None:
    """List captured requests, newest first (`inbox show ID`, `inbox clear`)."""
    ctx.obj = {"home": home}
    if ctx.invoked_subcommand is not None:
        return
    verdicts = [
        word
        for word, given in (
            ("verified", only_verified),
            ("invalid", only_invalid),
            ("unsigned", only_unsigned),
        )
        if given
    ]
    if len(verdicts) > 1:  # two of them would match nothing
        raise click.UsageError(f"--{verdicts[0]} and --{verdicts[1]} exclude each other: give one")
    verdict = verdicts[0] if verdicts else None
    store = open_workspace(home).store
    captures = store.list_captures(
        limit=limit,
        verified={"verified": True, "invalid": False}.get(verdict or ""),
        unsigned=verdict == "unsigned",
        event_type=event_type,
        path=path,
        include_body=False,
    )
    if as_json:
        emit_json([capture_json(c) for c in captures])
        return
    if not captures:
        if verdict or event_type or path:
            click.echo("no requests match the filter", err=True)
        else:
            click.echo(
                "no requests captured yet: run `hookdev listen`, then send one (`hookdev send <type>`)",
                err=True,
            )
        return
    for c in captures:
        click.echo(f"{c.id}  {capture_line(c)}")


@inbox.command()
@click.argument("capture_id", metavar="ID")
@click.option("--body", is_flag=True, help="Print only the raw body bytes.")
@json_option
@click.pass_obj
def show(obj: dict[str, str | None], capture_id: str, body: bool, as_json: bool) -> None:
    """Show one captured request: verdict, headers (Authorization redacted), body, answer."""
    store = open_workspace(obj["home"]).store
    c = store.find_capture(capture_id)
    if c is None:
        raise HookdevError(f"no captured request {capture_id!r} (see hookdev inbox)")
    if body and not as_json:
        sys.stdout.buffer.write(c.body)
        return
    if as_json:
        emit_json(capture_detail_json(c))
        return
    verdict = verdict_word(c.verified)
    click.echo(
        click.style(visible(f"{c.method} {c.path}{'?' + c.query if c.query else ''}"), bold=True)
        + f"   {c.id}"
    )
    rows = [
        ("received", f"{iso(c.received_at)} from {c.client or '-'}"),
        ("verdict", verdict + (f": {c.reason}" if c.reason else "")),
        ("scheme", c.scheme or "-"),
        ("secret", c.matched_secret or "-"),
        ("webhook-id", c.webhook_id or "-"),
        ("event type", c.event_type or "-"),
        ("skew", f"{c.timestamp_skew:+.0f} s" if c.timestamp_skew is not None else "-"),
        ("answered", str(c.status) if c.status is not None else "-"),
    ]
    if c.forwarded_to:
        rows.append(("forwarded", f"{c.forwarded_to} -> {c.forward_status or c.forward_error}"))
    for k, v in rows:
        click.echo(f"  {k:<11} {visible(v)}")
    click.echo(click.style("\nheaders", bold=True))
    for k, v in redact_headers(c.headers):
        click.echo(f"  {visible(k)}: {visible(v)}")
    size = f"{c.body_size} bytes" + (" (truncated)" if c.truncated else "")
    click.echo(click.style(f"\nbody ({size})", bold=True))
    try:
        click.echo(visible(c.body.decode("utf-8"), keep="\n\t"))
    except UnicodeDecodeError:
        click.echo(f"  (not UTF-8; `hookdev inbox show {c.id} --body > file` writes the raw bytes)")


@inbox.command()
@yes_option
@click.pass_obj
def clear(obj: dict[str, str | None], yes: bool) -> None:
    """Delete every captured request (asks first; --yes to skip, and needed when not on a terminal)."""
    store = open_workspace(obj["home"]).store
    n = store.count_captures()
    if n:
        confirm(yes, f"delete {n} captured request(s)?", "hookdev inbox clear")
    deleted = store.clear_captures()
    click.echo(f"deleted {deleted} request(s)", err=True)


@inbox.command()
@click.argument("capture_id", metavar="[ID]", required=False)
@click.option(
    "--as",
    "fmt",
    type=click.Choice(FORMATS),
    default="curl",
    show_default=True,
    help="Reproduction to print for one capture.",
)
@click.option(
    "--resign", is_flag=True, help="Fresh webhook-id/timestamp/signature so the replay passes the tolerance."
)
@click.option("--secret", metavar="S", help="Secret for --resign (default: the receiver secret).")
@click.option(
    "--url",
    "base_url",
    metavar="URL",
    help="Send the reproduction here (default: the receiver the request arrived on; never its Host header).",
)
@click.option("--all", "export_all", is_flag=True, help="Export every capture as an archive (--format).")
@click.option(
    "--format",
    "archive",
    type=click.Choice(ARCHIVE_FORMATS),
    default="ndjson",
    show_default=True,
    help="Archive format with --all.",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to FILE instead of stdout."
)
@click.pass_obj
def export(
    obj: dict[str, str | None],
    capture_id: str | None,
    fmt: str,
    resign: bool,
    secret: str | None,
    base_url: str | None,
    export_all: bool,
    archive: str,
    output: str | None,
) -> None:
    """Export a capture as a command that reproduces it exactly, or all captures as NDJSON/HAR.

    Authorization values are never written: the commands read them from $HOOKDEV_AUTHORIZATION
    (Proxy-Authorization from $HOOKDEV_PROXY_AUTHORIZATION).

    \b
    Examples:
      hookdev inbox export req_... --as curl --resign | sh
      hookdev inbox export --all --format har -o captures.har
    """
    if base_url is not None:
        from hookdev.forward import parse_target  # httpx: only when exporting to another URL

        try:
            base_url = parse_target(base_url)
        except ValueError as e:
            raise HookdevError(f"--url: {e}") from None
    if output:
        _check_output(output)
    workspace = open_workspace(obj["home"])
    store = workspace.store
    if export_all == bool(capture_id):
        raise HookdevError("give one capture ID, or --all for an archive")
    if export_all:
        captures = store.list_captures(limit=None)
        captures.reverse()  # oldest first, as archives read
        if archive == "har":
            data = json.dumps(to_har(captures, base_url), indent=2, ensure_ascii=False) + "\n"
        else:
            data = "".join(to_ndjson(captures))
        _write(data.encode("utf-8"), output)
        if output:
            click.echo(f"wrote {len(captures)} capture(s) to {output}", err=True)
        return
    assert capture_id is not None
    capture = store.find_capture(capture_id)
    if capture is None:
        raise HookdevError(f"no captured request {capture_id!r} (see hookdev inbox)")
    resign_secret = (secret or workspace.receiver_secrets().current) if resign else None
    if secret and not resign:
        raise HookdevError("--secret goes with --resign")
    try:
        out = export_capture(capture, fmt, resign_secret=resign_secret, base_url=base_url)
    except (SecretError, ExportError) as e:
        raise HookdevError(str(e)) from None
    _write(out if isinstance(out, bytes) else out.encode("utf-8"), output)


def _check_output(output: str) -> None:
    """Refuse an -o path that cannot be written, before any work, with a one-line reason."""
    path = os.path.abspath(output)
    if os.path.islink(path) and not os.path.exists(path):
        raise HookdevError(f"cannot write {output}: it is a dangling symbolic link")
    if os.path.isdir(path):
        raise HookdevError(f"cannot write {output}: it is a directory")
    parent = os.path.dirname(path)
    if not os.path.isdir(parent):
        what = "is not a directory" if os.path.exists(parent) else "does not exist"
        raise HookdevError(f"cannot write {output}: {parent} {what}")
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise HookdevError(f"cannot write {output}: permission denied")
    if not os.path.exists(path) and not os.access(parent, os.W_OK):
        raise HookdevError(f"cannot write {output}: the directory {parent} is not writable")


def _write(data: bytes, output: str | None) -> None:
    if output:
        try:
            with open(output, "wb") as f:
                f.write(data)
        except OSError as e:
            raise HookdevError(f"cannot write {output}: {e.strerror or e}") from None
    else:
        stream = sys.stdout.buffer
        stream.write(data)
        stream.flush()


@inbox.command()
@click.argument("capture_id", metavar="ID")
@click.option(
    "--to",
    "to_url",
    metavar="URL",
    help="Send it here (default: hookdev's own receiver). Never the captured Host.",
)
@click.option(
    "--resign", is_flag=True, help="Replace the signature headers with fresh ones (passes the tolerance)."
)
@click.option("--secret", metavar="S", help="Secret for --resign (default: the receiver secret).")
@click.option(
    "--scheme",
    type=click.Choice(SCHEMES),
    help="Scheme for --resign (default: the capture's, else standard).",
)
@click.option("--edit", is_flag=True, help="Open $EDITOR on the request (method, path, headers, body) first.")
@click.option(
    "--timeout",
    type=numbers.finite(0.1, 600),
    default=30.0,
    show_default=True,
    help="Seconds to wait for the answer.",
)
@json_option
@click.pass_obj
def replay(
    obj: dict[str, str | None],
    capture_id: str,
    to_url: str | None,
    resign: bool,
    secret: str | None,
    scheme: str | None,
    edit: bool,
    timeout: float,
    as_json: bool,
) -> None:
    """Send a captured request again, as it was or edited, optionally re-signed.

    The result is a new capture linked to the original ("replay of req_..."): the receiver's own
    capture when it goes to hookdev's receiver, else a record of what was sent and what came back.
    Exit code 1 when nothing answered.

    \b
    Examples:
      hookdev inbox replay req_...                      # to hookdev's own receiver
      hookdev inbox replay req_... --to http://localhost:3000/webhooks --resign
      hookdev inbox replay req_... --edit --resign     # edit in $EDITOR, then sign afresh
    """
    import asyncio

    from hookdev import capture_replay as cr

    workspace = open_workspace(obj["home"])
    store = workspace.store
    capture = store.find_capture(capture_id)
    if capture is None:
        raise HookdevError(f"no captured request {capture_id!r} (see hookdev inbox)")
    if (secret or scheme) and not resign:
        raise HookdevError("--secret and --scheme go with --resign")
    try:
        request = cr.from_capture(capture)
        if edit:
            text = click.edit(cr.request_text(request), extension=".http", require_save=False)
            if text is None:
                raise HookdevError("the editor closed without saving: nothing sent")
            request = cr.parse_request_text(text, request)
        if resign:
            key = secret or workspace.receiver_secrets().current
            request = cr.resign(request, key, scheme or capture.scheme or "standard")
        url = cr.destination(to_url or cr.own_receiver_url(store, capture), request)
    except cr.ReplayError as e:
        raise HookdevError(str(e)) from None
    result = asyncio.run(cr.replay(store, capture, request, url, timeout=timeout))
    if as_json:
        emit_json({"original": capture.id, **result.to_json()})
    elif result.error is None:
        where = "stored by the receiver" if not result.recorded else "recorded"
        click.echo(
            f"replayed {capture.id} → {result.url}: {result.status} in {result.duration_ms:.0f} ms"
            f" ({where} as {result.capture_id})"
        )
    if result.error is not None:
        hint = "" if to_url else " (is `hookdev listen` or the TUI running? or pass --to URL)"
        raise Failed(f"replay of {capture.id} to {result.url} failed: {result.error}{hint}")
