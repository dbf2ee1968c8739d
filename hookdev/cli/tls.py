"""``hookdev tls``: the workspace's local certificate authority for HTTPS on localhost."""

from __future__ import annotations

import sys

import click

from hookdev.cli._common import HookdevError, emit_json, home_option, json_option, open_workspace


@click.group()
def tls() -> None:
    """Local HTTPS: the workspace CA that signs hookdev's localhost certificate."""


@tls.command("ca")
@home_option
@json_option
def ca(home: str | None, as_json: bool) -> None:
    """Print the path of the workspace CA certificate (created on first use).

    Point clients at it to trust hookdev's HTTPS receiver without turning verification off:
    `curl --cacert PATH` or `SSL_CERT_FILE=PATH`. Nothing is installed system-wide.
    """
    from hookdev.tls import ensure_ca
    from hookdev.workspace import DEFAULT_PORT

    workspace = open_workspace(home)
    try:
        path = ensure_ca(workspace.home).resolve()
    except OSError as e:
        raise HookdevError(f"cannot write the CA under {workspace.home}: {e.strerror or e}") from None
    if as_json:
        emit_json({"ca": str(path)})
        return
    click.echo(str(path))  # only the path on stdout: `curl --cacert "$(hookdev tls ca)" ...`
    if sys.stderr.isatty():
        click.echo("Trust it per command (for `hookdev listen --tls`):", err=True)
        click.echo(f'  curl --cacert "$(hookdev tls ca)" https://localhost:{DEFAULT_PORT}/', err=True)
        click.echo(f"  SSL_CERT_FILE={path} python your_sender.py", err=True)
