"""``hookdev sign``: the webhook-* headers for a body, ready for curl."""

from __future__ import annotations

import base64
import shlex
import time
from typing import IO

import click

from hookdev.cli import numbers
from hookdev.cli._common import HookdevError, emit_json, home_option, json_option, open_workspace
from hookdev.cli.verify import read_body
from hookdev.ids import new_id
from hookdev.signing.standard import SecretError, sign_headers


@click.command()
@home_option
@click.option(
    "--secret",
    "secrets",
    multiple=True,
    metavar="S",
    help="Secret to sign with (whsec_ or whsk_; repeatable). Default: the receiver secret.",
)
@click.option("--id", "msg_id", metavar="ID", help="webhook-id (default: a new msg_ id).")
@click.option(
    "--timestamp",
    type=numbers.integer(0, 10**15 - 1),
    metavar="UNIX",
    help="webhook-timestamp, unix seconds (default: now).",
)
@click.option("--body-file", type=click.File("rb"), help="Read the body from this file (default: stdin).")
@click.option("--curl", "curl_url", metavar="URL", help="Print a whole curl command posting the body to URL.")
@json_option
def sign(
    home: str | None,
    secrets: tuple[str, ...],
    msg_id: str | None,
    timestamp: int | None,
    body_file: IO[bytes] | None,
    curl_url: str | None,
    as_json: bool,
) -> None:
    """Sign a body with Standard Webhooks and print the three webhook-* headers.

    \b
    Examples:
      echo -n '{"type":"code.scanned"}' > body.json
      hookdev sign --body-file body.json --curl http://127.0.0.1:8787/
      echo '{"type":"code.scanned"}' | hookdev sign --curl http://127.0.0.1:8787/ | sh
    """
    body = read_body(body_file)
    if not secrets:
        secrets = (open_workspace(home).receiver_secrets().current,)
    try:
        headers = sign_headers(
            list(secrets), msg_id or new_id("msg"), int(time.time()) if timestamp is None else timestamp, body
        )
    except SecretError as e:
        raise HookdevError(str(e)) from None
    if as_json:
        emit_json(headers)
    elif curl_url:
        parts = ["curl", "-sS", "-X", "POST", curl_url, "-H", "content-type: application/json"]
        for k, v in headers.items():
            parts += ["-H", f"{k}: {v}"]
        if body_file and body_file.name != "<stdin>":
            click.echo(shlex.join([*parts, "--data-binary", f"@{body_file.name}"]))
        else:  # the body came from stdin: the command carries the exact bytes it signed
            click.echo(f"{_body_source(body)} | {shlex.join([*parts, '--data-binary', '@-'])}")
    else:
        for k, v in headers.items():
            click.echo(f"{k}: {v}")


def _body_source(body: bytes) -> str:
    """A shell command writing exactly ``body`` to stdout (text quoted as is, other bytes via base64)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and "\x00" not in text:
        return "printf %s " + shlex.quote(text)
    return f"printf %s {shlex.quote(base64.b64encode(body).decode())} | base64 -d"
