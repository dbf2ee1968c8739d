"""``hookdev relay``: run the self-hosted relay that gives ``hookdev listen`` a public URL."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import logging
import socket
import ssl
from collections.abc import Callable
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


#: Which peers' ``X-Forwarded-For`` / ``X-Forwarded-Proto`` the relay believes (uvicorn's own default:
#: a proxy on the same host). A request from anyone else keeps its real address and scheme, whatever
#: headers it sends; the channel's client sees that address (and the scheme) as the caller's.
DEFAULT_FORWARDED_ALLOW_IPS = "127.0.0.1,::1"


def parse_forwarded_allow_ips(value: str) -> list[str]:
    """The proxies to trust, from ``--forwarded-allow-ips``: comma-separated IP addresses and networks
    (``10.0.0.0/8``), ``*`` for every peer (only when nothing but the proxy can reach the relay), or
    ``none`` (or nothing) for no proxy at all. ValueError (one line) for anything else: uvicorn would
    otherwise keep a typo as a literal that never matches, and trust nobody without saying so."""
    items = [item.strip() for item in value.split(",") if item.strip()]
    if items in ([], ["none"]):
        return []
    if items == ["*"]:
        return ["*"]
    for item in items:
        try:
            if "/" in item:
                ipaddress.ip_network(item, strict=False)
            else:
                ipaddress.ip_address(item)
        except ValueError:
            raise ValueError(
                f"{item!r} is not an IP address or network (give e.g. 127.0.0.1,10.0.0.0/8, * or none)"
            ) from None
    return items


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


#: Longest wait at shutdown for requests in flight to be answered.
DRAIN_TIMEOUT = 10.0


def _serve(
    config: Any, sock: socket.socket, on_ready: Callable[[int], None], relay: Any, cluster: Any = None
) -> None:
    import logging

    import uvicorn

    from hookdev.server_guard import throttle_accept_errors

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            throttle_accept_errors(
                asyncio.get_running_loop(),
                logging.getLogger("hookdev.relay"),
                hint="; raise the open-file limit (ulimit -n) or lower --max-connections",
            )
            if cluster is not None:
                try:
                    await cluster.start()
                except Exception as e:
                    raise HookdevError(f"--redis: cannot use Redis at {cluster.url_shown}: {e}") from None
            await super().startup(sockets)
            if self.started:
                on_ready(sock.getsockname()[1])

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            # A rolling deploy drops nothing in flight: stop taking connections (the balancer sends
            # new ones elsewhere), let the requests our clients are serving finish (bounded), then
            # close the WebSockets (clients reconnect through another instance) and leave the cluster.
            for listening in self.servers:
                listening.close()
            await relay.drain(DRAIN_TIMEOUT)
            await super().shutdown(sockets)
            if cluster is not None:
                await cluster.stop()

    server = Server(config)
    try:
        asyncio.run(server.serve(sockets=[sock]))
    except KeyboardInterrupt:
        pass  # uvicorn already shut down gracefully and re-raised the signal: that is our exit
    finally:
        sock.close()


class _JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message (and the traceback, if any)."""

    def __init__(self, instance: str) -> None:
        super().__init__()
        self.instance = instance

    def format(self, record: logging.LogRecord) -> str:
        import json
        from datetime import UTC, datetime

        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "instance": self.instance,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _setup_logging(log_format: str, instance: str) -> None:
    """Relay lines at INFO, uvicorn's at WARNING, on stderr, as text or JSON lines."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(_JsonFormatter(instance))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name, level in (
        ("hookdev", logging.INFO),
        ("uvicorn", logging.WARNING),
        ("uvicorn.error", logging.WARNING),
    ):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(level)
        logger.propagate = False


def _raise_file_limit(wanted: int) -> int:
    """Raise the soft open-file limit towards ``wanted`` (up to the hard limit); the soft limit after."""
    try:
        import resource
    except ImportError:  # not on this platform
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
    return wanted if soft == resource.RLIM_INFINITY else soft


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
@click.option(
    "--max-in-flight",
    type=click.IntRange(1, 1_000_000),
    default=256,
    show_default=True,
    help="Requests one channel may have waiting for its client; past it: 503 + Retry-After.",
)
@click.option(
    "--max-buffered",
    type=_Size(),
    default="32MiB",
    show_default=True,
    help="Body bytes one channel may hold on the relay; past it: 503 + Retry-After.",
)
@click.option(
    "--max-connections",
    type=click.IntRange(1, 1_000_000),
    default=1000,
    show_default=True,
    help="HTTP connections open at once; past it, the oldest one still sending its headers is cut.",
)
@click.option(
    "--head-timeout",
    type=numbers.finite(min=0, min_open=True, max=3600),
    default=10.0,
    show_default=True,
    help="Seconds a caller has to send a request's headers in full.",
)
@click.option(
    "--body-timeout",
    type=numbers.finite(min=0, min_open=True, max=3600),
    default=10.0,
    show_default=True,
    help="Longest silence while a request body arrives (or an answer is read); then the connection is cut.",
)
@click.option(
    "--forwarded-allow-ips",
    envvar="HOOKDEV_RELAY_FORWARDED_ALLOW_IPS",
    default=DEFAULT_FORWARDED_ALLOW_IPS,
    show_default=True,
    metavar="IPS",
    help="Proxies whose X-Forwarded-For/-Proto are believed (the caller's address and scheme a "
    "channel's client sees): IP addresses and networks, comma-separated; * for every peer; none for "
    "no proxy ($HOOKDEV_RELAY_FORWARDED_ALLOW_IPS). Set it to your load balancer's address.",
)
@click.option(
    "--state",
    "state_path",
    envvar="HOOKDEV_RELAY_STATE",
    type=click.Path(dir_okay=False),
    help="Keep channel ownership in this file so it survives a restart ($HOOKDEV_RELAY_STATE; "
    "default: in memory, or in Redis with --redis).",
)
@click.option(
    "--redis",
    "redis_url",
    envvar="HOOKDEV_RELAY_REDIS",
    metavar="URL",
    help="Share channels with other relay instances through Redis, e.g. redis://HOST:6379/0 "
    "($HOOKDEV_RELAY_REDIS; needs: pip install 'hookdev[relay]').",
)
@click.option(
    "--redis-prefix",
    envvar="HOOKDEV_RELAY_REDIS_PREFIX",
    default="hookdev:relay:",
    show_default=True,
    metavar="P",
    help="Prefix of the relay's Redis keys (to share one Redis between relay deployments).",
)
@click.option(
    "--lease",
    envvar="HOOKDEV_RELAY_LEASE",
    type=numbers.finite(min=1, max=3600),
    default=10.0,
    show_default=True,
    help="With --redis: seconds a dead instance's channels stay leased before they expire.",
)
@click.option(
    "--release",
    metavar="CHANNEL",
    help="Release a channel's ownership (in --state or --redis) so anyone may claim it again, then exit.",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Log lines on stderr as text or as one JSON object a line.",
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
    max_in_flight: int,
    max_buffered: int,
    max_connections: int,
    head_timeout: float,
    body_timeout: float,
    forwarded_allow_ips: str,
    state_path: str | None,
    redis_url: str | None,
    redis_prefix: str,
    lease: float,
    release: str | None,
    log_format: str,
    as_json: bool,
) -> None:
    """Run a relay on a public host so webhooks from the internet reach `hookdev listen`.

    Each `hookdev listen --relay URL` opens one outbound WebSocket to the relay and gets a public
    URL, URL/c/<channel>; requests sent there are relayed to it and its answer goes back.
    Nothing is stored on the relay but who owns which channel: the first client to claim a
    channel binds it to a key kept in its workspace, and only that key claims it again.

    With --redis, several relay instances behind one load balancer share their channels:
    a request reaching any instance is passed to the one its client is connected to.

    \b
    Examples:
      hookdev relay                                  # on the public host, port 8080
      hookdev relay --token "$(openssl rand -hex 16)" --public-url https://relay.example.com
      hookdev relay --redis redis://127.0.0.1:6379/0   # one of several instances behind a balancer
      hookdev relay --release CHANNEL --state /var/lib/hookdev/relay.json
      hookdev listen --relay https://relay.example.com --relay-token T    # on your machine
    """
    import uvicorn

    from hookdev.forward import parse_target
    from hookdev.server_guard import ConnectionGuard, GuardLimits
    from hookdev.tunnel import protocol as p
    from hookdev.tunnel.owners import Owners
    from hookdev.tunnel.relay import create_relay_app, ws_max_size

    cluster = None
    if redis_url:
        from hookdev.tunnel.cluster import Cluster, RedisMissing

        try:
            cluster = Cluster(redis_url, prefix=redis_prefix, lease=lease)
        except (RedisMissing, ValueError) as e:
            raise HookdevError(f"--redis: {e}") from None
    try:
        owners = Owners(state_path if state_path and cluster is None else None)
    except ValueError as e:
        raise HookdevError(f"--state: {e}") from None
    if release is not None:
        if not p.valid_channel(release):
            raise HookdevError(f"--release: invalid channel name {release!r}: use {p.CHANNEL_RULE}")
        _release(release, owners, cluster, state_path, as_json)
        return
    if public_url:
        try:
            public_url = parse_target(public_url).rstrip("/")
        except ValueError as e:
            raise HookdevError(f"--public-url: {e}") from None
    _check_tls(tls_cert, tls_key)
    try:
        trusted_proxies = parse_forwarded_allow_ips(forwarded_allow_ips)
    except ValueError as e:
        raise HookdevError(f"--forwarded-allow-ips: {e}") from None
    sock = bind_socket(host, port)
    scheme = "https" if tls_cert else "http"
    app = create_relay_app(
        token=token,
        public_url=public_url,
        max_body=max_body,
        request_timeout=request_timeout,
        max_in_flight=max_in_flight,
        max_buffered=max_buffered,
        owners=owners,
        cluster=cluster,
    )
    instance = app.state.relay.instance
    _setup_logging(log_format, instance)
    file_limit = _raise_file_limit(max_connections + 200)
    guard = ConnectionGuard(
        GuardLimits(head_timeout=head_timeout, body_timeout=body_timeout, max_connections=max_connections)
    )
    config = uvicorn.Config(
        app,
        http=guard.protocol_class(),
        log_config=None,
        log_level="warning",
        lifespan="off",
        ws_max_size=ws_max_size(max_body),
        ssl_certfile=tls_cert,
        ssl_keyfile=tls_key,
        timeout_graceful_shutdown=5,
        h11_max_incomplete_event_size=64 * 1024,
        proxy_headers=bool(trusted_proxies),  # none: X-Forwarded-* are passed on, never believed
        forwarded_allow_ips=trusted_proxies or None,
    )
    if file_limit < max_connections + 200:
        logging.getLogger("hookdev.relay").warning(
            "the open-file limit (%d) is low for --max-connections %d: raise it (ulimit -n) "
            "or lower --max-connections",
            file_limit,
            max_connections,
        )
    ownership = (
        f"in Redis ({cluster.url_shown})"
        if cluster is not None
        else (f"in {state_path}" if state_path else "in memory (a restart forgets them: see --state)")
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
                    "instance": instance,
                    "redis": cluster is not None,
                    "state": state_path if state_path and cluster is None else None,
                    "forwarded_allow_ips": trusted_proxies,
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
        click.echo(f"Channel owners kept {ownership}")
        if not token:
            click.echo("No --token: anyone who can reach the relay can open a channel.")
        click.echo("Press Ctrl+C to stop.")

    _serve(config, sock, on_ready, app.state.relay, cluster)
    if as_json:
        emit_json({"event": "stopped"})
    else:
        click.echo("relay stopped")


def _release(name: str, owners: Any, cluster: Any, state_path: str | None, as_json: bool) -> None:
    if cluster is not None:

        async def release() -> bool:
            try:
                await cluster.start(serve=False)
                return bool(await cluster.release_binding(name))
            except Exception as e:
                raise HookdevError(f"--redis: cannot use Redis at {cluster.url_shown}: {e}") from None
            finally:
                await cluster.stop()

        found = asyncio.run(release())
    elif state_path:
        found = owners.release(name)
    else:
        raise HookdevError(
            "--release needs --state FILE or --redis URL: where the relay keeps its channel owners"
        )
    if as_json:
        emit_json({"event": "released", "channel": name, "was_bound": found})
    else:
        click.echo(f"channel {name} released" if found else f"channel {name} was not bound to an owner")
