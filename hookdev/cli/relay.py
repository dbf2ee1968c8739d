"""``hookdev relay``: run the self-hosted relay that gives ``hookdev listen`` a public URL."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import ssl
from collections.abc import Callable, Generator
from typing import Any

import click

from hookdev.cli import numbers
from hookdev.cli._common import HookdevError, emit_json, json_option


class _Size(click.ParamType):
    name = "SIZE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        from hookdev.config import parse_size

        try:
            size = parse_size(value)
        except ValueError as e:
            self.fail(str(e), param, ctx)
        if size < 1:
            self.fail("the size must be at least 1 byte", param, ctx)
        return size


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening-ready socket on host:port (SO_REUSEADDR, so a restart reuses the port at once).

    Raises HookdevError with one line for a busy port, a privileged port or an unknown host.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as e:
        raise HookdevError(f"cannot listen on {host!r}: {e.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6 and host in ("::", ""):
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind(address)
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise HookdevError(
                f"port {port} on {host} is already in use (choose another with --port)"
            ) from None
        if e.errno == errno.EACCES:
            raise HookdevError(
                f"no permission to listen on port {port} (ports below 1024 need privileges)"
            ) from None
        raise HookdevError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    return sock


def _check_tls(cert: str | None, key: str | None) -> None:
    if bool(cert) != bool(key):
        raise HookdevError("--tls-cert and --tls-key go together: give both or neither")
    if cert and key:
        try:
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
        except (ssl.SSLError, OSError) as e:
            raise HookdevError(f"cannot use the TLS certificate {cert} with key {key}: {e}") from None


def _serve(config: Any, sock: socket.socket, on_ready: Callable[[int], None]) -> None:
    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:
                on_ready(sock.getsockname()[1])

    server = Server(config)
    try:
        asyncio.run(server.serve(sockets=[sock]))
    except KeyboardInterrupt:
        pass  # uvicorn already shut down gracefully and re-raised the signal: that is our exit
    finally:
        sock.close()


@contextlib.contextmanager
def _quiet_uvicorn() -> Generator[None, None, None]:
    """uvicorn's own startup lines would repeat ours; keep its warnings and errors."""
    import logging

    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).setLevel(logging.WARNING)
    yield


@click.command()
@click.option(
    "--host", default="0.0.0.0", show_default=True, help="Address to listen on (all interfaces by default)."
)
@click.option(
    "--port",
    default=8080,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port (0 picks a free one).",
)
@click.option(
    "--public-url", metavar="URL", help="Base URL callers use, when it differs (behind a proxy or TLS front)."
)
@click.option(
    "--token",
    envvar="HOOKDEV_RELAY_TOKEN",
    metavar="T",
    help="Clients must present this token to open a channel ($HOOKDEV_RELAY_TOKEN).",
)
@click.option(
    "--tls-cert",
    type=click.Path(exists=True, dir_okay=False),
    help="Serve HTTPS with this certificate (PEM).",
)
@click.option(
    "--tls-key", type=click.Path(exists=True, dir_okay=False), help="The private key of --tls-cert (PEM)."
)
@click.option(
    "--max-body",
    type=_Size(),
    default="5MiB",
    show_default=True,
    help="Largest request body accepted; larger gets 413.",
)
@click.option(
    "--request-timeout",
    type=numbers.finite(min=0, min_open=True, max=86400),
    default=30.0,
    show_default=True,
    help="Seconds to wait for a client's answer; then 504.",
)
@json_option
def relay(
    host: str,
    port: int,
    public_url: str | None,
    token: str | None,
    tls_cert: str | None,
    tls_key: str | None,
    max_body: int,
    request_timeout: float,
    as_json: bool,
) -> None:
    """Run a relay on a public host so webhooks from the internet reach `hookdev listen`.

    Each `hookdev listen --relay URL` opens one outbound WebSocket to the relay and gets a public
    URL, URL/c/<channel>; requests sent there are relayed to it and its answer goes back.
    Nothing is stored on the relay.

    \b
    Examples:
      hookdev relay                                  # on the public host, port 8080
      hookdev relay --token "$(openssl rand -hex 16)" --public-url https://relay.example.com
      hookdev listen --relay https://relay.example.com --relay-token T    # on your machine
    """
    import uvicorn

    from hookdev.forward import parse_target
    from hookdev.tunnel.relay import create_relay_app, ws_max_size

    if public_url:
        try:
            public_url = parse_target(public_url).rstrip("/")
        except ValueError as e:
            raise HookdevError(f"--public-url: {e}") from None
    _check_tls(tls_cert, tls_key)
    sock = bind_socket(host, port)
    scheme = "https" if tls_cert else "http"
    app = create_relay_app(
        token=token, public_url=public_url, max_body=max_body, request_timeout=request_timeout
    )
    config = uvicorn.Config(
        app,
        log_config=None,
        log_level="warning",
        lifespan="off",
        ws_max_size=ws_max_size(max_body),
        ssl_certfile=tls_cert,
        ssl_keyfile=tls_key,
        timeout_graceful_shutdown=5,
    )

    def on_ready(actual_port: int) -> None:
        shown_host = f"[{host}]" if ":" in host else host
        listen_url = f"{scheme}://{shown_host}:{actual_port}"
        everywhere = host in ("0.0.0.0", "::", "")
        base = public_url or (
            f"{scheme}://{socket.gethostname()}:{actual_port}" if everywhere else listen_url
        )
        connect = f"hookdev listen --relay {base}" + (" --relay-token T" if token else "")
        if as_json:
            emit_json(
                {
                    "event": "ready",
                    "listen": listen_url,
                    "public_url": base,
                    "connect": connect,
                    "token_required": bool(token),
                    "max_body": max_body,
                }
            )
            return
        click.echo(f"hookdev relay listening on {listen_url}")
        if everywhere:
            click.echo(f"Note: {host or '*'} means every interface: the relay is reachable from the network.")
        click.echo(
            f"Public URL of a channel: {base}/c/<channel>" + ("" if public_url else " (set --public-url)")
        )
        click.echo(f"Clients connect with: {connect}")
        if not token:
            click.echo("No --token: anyone who can reach the relay can open a channel.")
        click.echo("Press Ctrl+C to stop.")

    with _quiet_uvicorn():
        _serve(config, sock, on_ready)
    if as_json:
        emit_json({"event": "stopped"})
    else:
        click.echo("relay stopped")
