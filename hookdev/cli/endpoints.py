"""``hookdev endpoints``: where the sender delivers: add, list, show, update, disable, enable, delete,
and each endpoint's signing secret (show, rotate)."""

from __future__ import annotations

import time
from typing import Any

import click

from hookdev.cli import numbers
from hookdev.cli._common import confirm, emit_json, home_option, json_option, open_workspace, yes_option
from hookdev.cli._delivery import catalog_option, input_errors, make_sender
from hookdev.delivery.formats import SCHEMES
from hookdev.delivery.validate import MAX_GRACE, InputError
from hookdev.presentation import iso
from hookdev.sender import UNSET, Sender, header_list
from hookdev.store.endpoints import EndpointCounts
from hookdev.textsafe import visible
from hookdev.workspace import DEFAULT_GRACE


def _sender(obj: dict[str, Any]) -> Sender:
    return make_sender(open_workspace(obj["home"]), obj.get("catalog"))


@click.group(invoke_without_command=True)
@home_option
@catalog_option
@json_option
@click.pass_context
def endpoints(ctx: click.Context, home: str | None, catalog: str | None, as_json: bool) -> None:
    """Endpoints the sender delivers to (no subcommand: list them).

    \b
    Examples:
      hookdev endpoints add https://example.com/hooks --event code.scanned --rate-limit 10
      hookdev endpoints add http://localhost:3000/webhooks --header 'Authorization: Bearer xyz'
      hookdev endpoints show ep_2x...
      hookdev endpoints secret ep_2x... --rotate --grace 3600
    """
    ctx.obj = {"home": home, "catalog": catalog}
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_, as_json=as_json)


def _print(sender: Sender, data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit_json(data)
        return
    state = click.style("disabled", fg="red") if data["disabled"] else click.style("enabled", fg="green")
    name = f" ({data['name']})" if data.get("name") else ""
    click.echo(
        click.style(visible(data["url"]), bold=True) + visible(f"   {data['id']}{name}") + f"  {state}"
    )
    rows = [
        ("description", data["description"] or "-"),
        ("scheme", data.get("scheme", "standard")),
        ("events", ", ".join(data["events"]) or "every event"),
        ("channels", ", ".join(data["channels"]) or "-"),
        ("rate limit", f"{data['rate_limit']:g}/s" if data["rate_limit"] else "none"),
        ("headers", "; ".join(f"{k}: {v}" for k, v in data["headers"].items()) or "-"),
        ("secret", f"{data['secret']}  ({data['signs_with']})"),
        ("created", data["created_at"]),
    ]
    if data["disabled"] and data["disabled_reason"]:
        rows.append(("disabled", data["disabled_reason"]))
    if "backlog" in data:
        rows.append(
            (
                "queue",
                f"{data['backlog']} due (backlog), {data['pending']} retries scheduled, "
                f"{data['sending']} in flight",
            )
        )
    if data.get("success_rate") is not None:
        rows.append(
            ("success", f"{data['success_rate'] * 100:.0f}% of the last {data['recent_attempts']} attempts")
        )
    for label, value in rows:
        click.echo(f"  {label:<12} {visible(value)}")


@endpoints.command("list")
@json_option
@click.pass_obj
def list_(obj: dict[str, Any], as_json: bool) -> None:
    """List endpoints with their queue (due backlog / scheduled retries)."""
    sender = _sender(obj)
    counts = sender.store.endpoint_counts(time.time())
    items = [sender.endpoint_json(e, counts.get(e.id, EndpointCounts())) for e in sender.endpoints()]
    if as_json:
        emit_json(items)
        return
    if not items:
        click.echo("no endpoints: add one with `hookdev endpoints add URL`", err=True)
        return
    width = max((len(d["name"] or "") for d in items), default=0)
    for d in items:
        name = f"  {d['name'] or '-':<{width}}" if width else ""
        state = click.style("disabled", fg="red") if d["disabled"] else click.style("enabled ", fg="green")
        events = ", ".join(d["events"]) or "every event"
        queue = f"  backlog {d['backlog']}, retries {d['pending']}" if d["backlog"] or d["pending"] else ""
        rate = f"  {d['rate_limit']:g}/s" if d["rate_limit"] else ""
        scheme = f"  ({d['scheme']})" if d.get("scheme", "standard") != "standard" else ""
        click.echo(
            visible(f"{d['id']}{name}  ")
            + f"{state}  "
            + visible(f"{d['url']}{scheme}  [{events}]{rate}{queue}")
        )


def _endpoint_options(update: bool) -> Any:
    def decorate(f: Any) -> Any:
        opts = [
            click.option(
                "--event",
                "events",
                multiple=True,
                metavar="TYPE",
                help="Event type to receive (repeatable; none: every event)."
                + (" Replaces the list." if update else ""),
            ),
            click.option(
                "--channel",
                "channels",
                multiple=True,
                metavar="C",
                help="Only messages on this channel (repeatable, at most 10)."
                + (" Replaces the list." if update else ""),
            ),
            click.option(
                "--rate-limit",
                type=numbers.finite(-numbers.HUGE, numbers.HUGE),  # the sender words its range
                default=None,
                metavar="N",
                help="At most N messages per second; the rest wait in order (never dropped).",
            ),
            click.option(
                "--header",
                "headers",
                multiple=True,
                metavar="'K: V'",
                help="Custom header on every delivery (repeatable). Authorization is write-only.",
            ),
            click.option("--description", default=None, metavar="D", help="A note for people."),
            click.option(
                "--scheme",
                type=click.Choice(SCHEMES, case_sensitive=False),
                default=None,
                help="Sign deliveries as this provider does"
                + (" (default: standard)." if not update else ".")
                + " standard: webhook-id/-timestamp/-signature; stripe: Stripe-Signature; github: "
                "X-Hub-Signature-256 + X-GitHub-Event/-Delivery; shopify: X-Shopify-Hmac-Sha256 + topic; "
                "slack: X-Slack-Signature + X-Slack-Request-Timestamp.",
            ),
        ]
        if update:
            opts += [
                click.option("--url", default=None, help="New URL."),
                click.option("--clear-events", is_flag=True, help="Receive every event again."),
                click.option("--clear-channels", is_flag=True, help="Drop the channel filter."),
                click.option("--no-rate-limit", is_flag=True, help="Remove the rate limit."),
                click.option(
                    "--remove-header",
                    "remove_headers",
                    multiple=True,
                    metavar="K",
                    help="Remove a custom header (repeatable).",
                ),
            ]
        for o in reversed(opts):
            f = o(f)
        return f

    return decorate


@endpoints.command()
@click.argument("url")
@_endpoint_options(update=False)
@click.option("--disabled", is_flag=True, help="Create it disabled.")
@json_option
@click.pass_obj
def add(
    obj: dict[str, Any],
    url: str,
    events: tuple[str, ...],
    channels: tuple[str, ...],
    rate_limit: float | None,
    headers: tuple[str, ...],
    description: str | None,
    scheme: str | None,
    disabled: bool,
    as_json: bool,
) -> None:
    """Add an endpoint (https, or http to localhost) with its own secret (whsec_ for standard and
    stripe, hex for the others), signing in its --scheme."""
    sender = _sender(obj)
    endpoint = input_errors(
        lambda: sender.add_endpoint(
            url,
            events=events,
            channels=channels,
            rate_limit=rate_limit,
            headers=header_list(headers),
            description=description or "",
            disabled=disabled,
            scheme=scheme or "standard",
        )
    )
    _print(sender, sender.endpoint_json(endpoint), as_json)


@endpoints.command()
@click.argument("endpoint_id", metavar="EP")
@json_option
@click.pass_obj
def show(obj: dict[str, Any], endpoint_id: str, as_json: bool) -> None:
    """Show one endpoint: configuration, secret, backlog, scheduled retries, recent success rate."""
    sender = _sender(obj)
    endpoint = input_errors(lambda: sender.endpoint(endpoint_id))
    stats = sender.stats(endpoint.id)
    data = sender.endpoint_json(endpoint, EndpointCounts(stats.backlog, stats.pending, stats.sending))
    data["success_rate"] = stats.success_rate
    data["recent_attempts"] = stats.recent
    _print(sender, data, as_json)


@endpoints.command()
@click.argument("endpoint_id", metavar="EP")
@_endpoint_options(update=True)
@click.option("--force", is_flag=True, help="Change an endpoint that hookdev.toml manages anyway.")
@json_option
@click.pass_obj
def update(
    obj: dict[str, Any],
    endpoint_id: str,
    events: tuple[str, ...],
    channels: tuple[str, ...],
    rate_limit: float | None,
    headers: tuple[str, ...],
    description: str | None,
    scheme: str | None,
    url: str | None,
    clear_events: bool,
    clear_channels: bool,
    no_rate_limit: bool,
    remove_headers: tuple[str, ...],
    force: bool,
    as_json: bool,
) -> None:
    """Change an endpoint; only what is given changes."""
    sender = _sender(obj)

    def do() -> Any:
        if clear_events and events:
            raise_conflict("--event", "--clear-events")
        if clear_channels and channels:
            raise_conflict("--channel", "--clear-channels")
        if no_rate_limit and rate_limit is not None:
            raise_conflict("--rate-limit", "--no-rate-limit")
        return sender.update_endpoint(
            endpoint_id,
            url=url,
            events=[] if clear_events else (list(events) if events else None),
            channels=[] if clear_channels else (list(channels) if channels else None),
            rate_limit=None if no_rate_limit else (rate_limit if rate_limit is not None else UNSET),
            set_headers=header_list(headers),
            remove_headers=remove_headers,
            force=force,
            description=description,
            scheme=scheme,
        )

    endpoint = input_errors(do)
    _print(sender, sender.endpoint_json(endpoint), as_json)


def raise_conflict(a: str, b: str) -> None:
    raise InputError(f"{a} and {b} cannot be used together")


@endpoints.command()
@click.argument("endpoint_id", metavar="EP")
@click.option(
    "--reason", default="disabled by hand", show_default=True, help="Why (shown with the endpoint)."
)
@json_option
@click.pass_obj
def disable(obj: dict[str, Any], endpoint_id: str, reason: str, as_json: bool) -> None:
    """Stop delivering to an endpoint: pending attempts and retries are cancelled at once."""
    sender = _sender(obj)
    endpoint, canceled = input_errors(lambda: sender.disable_endpoint(endpoint_id, reason))
    if as_json:
        emit_json({**sender.endpoint_json(endpoint), "canceled": canceled})
    else:
        click.echo(f"{endpoint.id} disabled; {canceled} pending attempt(s) cancelled")


@endpoints.command()
@click.argument("endpoint_id", metavar="EP")
@json_option
@click.pass_obj
def enable(obj: dict[str, Any], endpoint_id: str, as_json: bool) -> None:
    """Deliver to a disabled endpoint again (same configuration; cancelled attempts stay cancelled)."""
    sender = _sender(obj)
    endpoint = input_errors(lambda: sender.enable_endpoint(endpoint_id))
    if as_json:
        emit_json(sender.endpoint_json(endpoint))
    else:
        click.echo(f"{endpoint.id} enabled")


@endpoints.command()
@click.argument("endpoint_id", metavar="EP")
@click.option("--force", is_flag=True, help="Delete an endpoint that hookdev.toml manages anyway.")
@yes_option
@json_option
@click.pass_obj
def delete(obj: dict[str, Any], endpoint_id: str, force: bool, yes: bool, as_json: bool) -> None:
    """Delete an endpoint and its attempts (pending ones too). Messages are kept. Asks first."""
    sender = _sender(obj)
    endpoint = input_errors(lambda: sender.endpoint(endpoint_id))
    if endpoint.managed and not force:  # the sender refuses it anyway: say why before asking
        input_errors(lambda: sender.delete_endpoint(endpoint.id, force=False))
    label = sender.endpoint_names().get(endpoint.id)
    confirm(
        yes,
        f"Delete endpoint {endpoint.id}{f' ({label})' if label else ''} {endpoint.url} and its attempts?",
        f"hookdev endpoints delete {endpoint_id}",
    )
    deleted, removed = input_errors(lambda: sender.delete_endpoint(endpoint.id, force=force))
    if as_json:
        emit_json({"id": deleted, "deleted": True, "attempts_removed": removed})
    else:
        click.echo(f"{deleted} deleted with its {removed} attempt(s); messages are kept")


@endpoints.command()
@click.argument("endpoint_id", metavar="EP")
@click.option(
    "--rotate", is_flag=True, help="Make a new secret; the old one keeps signing beside it for --grace."
)
@click.option(
    "--grace",
    type=numbers.finite(0, MAX_GRACE),
    default=DEFAULT_GRACE,
    show_default=True,
    metavar="SECONDS",
    help=f"How long the old secret keeps signing after --rotate (0 to {MAX_GRACE:g}; 0 asks first).",
)
@yes_option
@json_option
@click.pass_obj
def secret(
    obj: dict[str, Any], endpoint_id: str, rotate: bool, grace: float, yes: bool, as_json: bool
) -> None:
    """Show an endpoint's signing secret, or rotate it (ep_local: the workspace receiver secret)."""
    sender = _sender(obj)
    if rotate and grace == 0:
        endpoint = input_errors(lambda: sender.endpoint(endpoint_id))
        confirm(
            yes,
            f"Rotate {endpoint.id}'s secret with no grace period? Its consumer rejects deliveries at once "
            "until it has the new secret.",
            f"hookdev endpoints secret {endpoint_id} --rotate --grace 0",
        )
    info = input_errors(
        lambda: sender.rotate_secret(endpoint_id, grace) if rotate else sender.secrets(endpoint_id)
    )
    if as_json:
        emit_json(
            {
                "secret": info.current,
                "previous": [{"secret": s, "expires_at": iso(exp)} for s, exp in info.previous],
            }
        )
        return
    click.echo(info.current)
    for s, exp in info.previous:
        click.echo(click.style(f"{s}  (old, signs until {iso(exp)})", fg="bright_black"), err=True)
