"""``hookdev secret``: show or rotate the receiver's signing secret."""

from __future__ import annotations

import click

from hookdev.cli import numbers
from hookdev.cli._common import confirm, emit_json, home_option, json_option, open_workspace, yes_option
from hookdev.presentation import iso
from hookdev.workspace import DEFAULT_GRACE


@click.command()
@home_option
@click.option(
    "--rotate", is_flag=True, help="Make a new secret; the old one stays accepted for --grace seconds."
)
@click.option(
    "--grace",
    type=numbers.finite(0, 604800),
    default=DEFAULT_GRACE,
    show_default=True,
    help="Seconds the previous secret stays accepted after --rotate (0: drop it at once; asks first).",
)
@yes_option
@json_option
def secret(home: str | None, rotate: bool, grace: float, yes: bool, as_json: bool) -> None:
    """Print the receiver secret (whsec_...) that `listen` verifies with and the local endpoint signs with."""
    workspace = open_workspace(home)
    if rotate and grace == 0:
        confirm(
            yes,
            "Rotate with no grace period? Requests signed with the current secret fail at once.",
            "hookdev secret --rotate --grace 0",
        )
    secrets = workspace.rotate_receiver_secret(grace) if rotate else workspace.receiver_secrets()
    active = set(secrets.active())
    previous = [(s, exp) for s, exp in secrets.previous if s in active]
    if as_json:
        emit_json(
            {
                "secret": secrets.current,
                "previous": [s for s, _ in previous],
                "previous_expires_at": [iso(exp) for _, exp in previous],
            }
        )
        return
    click.echo(secrets.current)
    for s, exp in previous:
        click.echo(f"{s}  (previous, accepted until {iso(exp)})", err=True)
    if rotate:
        click.echo(
            "rotated: new deliveries are signed with both secrets until the grace period ends", err=True
        )
