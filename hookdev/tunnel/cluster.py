"""Several relay instances sharing their channels through Redis (``hookdev relay --redis URL``).

What lives in Redis (keys under ``hookdev:relay:``):

* ``owner:<channel>``: the SHA-256 of the channel's owner key (see :mod:`hookdev.tunnel.owners`),
  kept 30 days after the last claim or lease renewal. Only a claim with that key gets the channel,
  through any instance, before or after any restart.
* ``lease:<channel>``: ``<instance>|<session>`` of the instance whose WebSocket serves the channel,
  with a lease (``lease`` seconds, 10 by default) that the instance renews every third of it. An
  instance that dies stops renewing: its leases expire. A claim by the owner takes the lease at
  once (and tells the previous instance to drop its stale connection), so a client that lost its
  instance reconnects through the load balancer to another one and reclaims its channel without
  waiting for the expiry.

Requests and answers travel by Redis pub/sub: each instance subscribes to ``inbox:<instance>``. An
instance that receives a public request for a channel leased to another instance publishes the
request frame (:func:`hookdev.tunnel.protocol.pack`: JSON header + raw body, binary-safe) to the
holder's inbox; the holder serves it like a local request, under its own per-channel limits and
``request_timeout``, and publishes the answer frame to the sender's inbox. If nobody listens on the
holder's inbox (it died: Redis drops a dead client's subscription at once), the caller gets 502
right away; a request already sent to an instance that dies gets 502 within a second or two (the
sender checks the holder's subscription while it waits), never a hang. Pub/sub was chosen over
streams because it measured faster for this request/answer exchange and nothing needs to be kept:
an answer nobody waits for any more is worthless (``python -m tests.perf cluster`` compares both).

Redis must let a subscriber buffer what instances send to it: ``client-output-buffer-limit pubsub``
should exceed ``max_buffered`` times a few channels (deploy/redis.conf sets 256mb 64mb 60).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from hookdev.tunnel import protocol as p
from hookdev.tunnel.owners import BINDING_TTL

if TYPE_CHECKING:
    from hookdev.tunnel.relay import Answer, Relay

log = logging.getLogger("hookdev.relay.cluster")

PREFIX = "hookdev:relay:"
LEASE = 10.0
#: How often a sender checks that the instance holding its request still listens (seconds).
CHECK_EVERY = 0.5
#: An answer may take this much longer than ``request_timeout`` to come back through Redis.
GRACE = 2.0

_CLAIM = """
local owner = redis.call('GET', KEYS[1])
local verdict = 'owner'
if not owner then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[5])
  verdict = 'bound'
elseif owner ~= ARGV[1] then
  return {'refused', ''}
else
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
end
local previous = redis.call('GET', KEYS[2]) or ''
redis.call('SET', KEYS[2], ARGV[2] .. '|' .. ARGV[3], 'PX', ARGV[4])
return {verdict, previous}
"""

# KEYS: lease, owner pairs; ARGV[1]: "<instance>|", ARGV[2]: lease ms, ARGV[3]: binding ttl ms.
# Returns the indexes (1-based pair numbers) of leases another instance holds now.
_RENEW = """
local lost = {}
local n = #KEYS / 2
for i = 1, n do
  local lease = KEYS[2 * i - 1]
  local v = redis.call('GET', lease)
  if not v then
    redis.call('SET', lease, ARGV[1] .. ARGV[4 + i - 1], 'PX', ARGV[2])
  elseif string.sub(v, 1, #ARGV[1]) == ARGV[1] then
    redis.call('PEXPIRE', lease, ARGV[2])
  else
    lost[#lost + 1] = i
  end
  redis.call('PEXPIRE', KEYS[2 * i], ARGV[3])
end
return lost
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisMissing(Exception):
    """``--redis`` without the redis package installed."""


def shown_url(url: str) -> str:
    """The Redis URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = f"{parts.username}:***@" if parts.username else "***@"
    return urlunsplit((parts.scheme, user + netloc, parts.path, parts.query, parts.fragment))


class Cluster:
    """This instance's link to the others: the channel registry and the request inboxes in Redis."""

    def __init__(self, url: str, *, lease: float = LEASE, instance: str | None = None, prefix: str = PREFIX):
        try:
            import redis.asyncio  # noqa: F401
        except ImportError:
            raise RedisMissing("the redis package is not installed: pip install 'hookdev[relay]'") from None
        scheme = urlsplit(url).scheme.lower()
        if scheme not in ("redis", "rediss", "unix"):
            raise ValueError(f"not a Redis URL: {shown_url(url)!r} (use redis://HOST:PORT/DB)")
        self.url = url
        self.url_shown = shown_url(url)
        self.lease = lease
        self.instance = instance or uuid.uuid4().hex[:12]
        self.prefix = prefix
        self.relay: Relay | None = None
        self.redis: Any = None
        self._pubsub: Any = None
        self._tasks: list[asyncio.Task[None]] = []
        self._handlers: set[asyncio.Task[None]] = set()
        self._pending: dict[str, asyncio.Future[Answer]] = {}
        self._ids = itertools.count(1)
        self._subscribed = asyncio.Event()
        self._started = False

    def attach(self, relay: Relay) -> None:
        self.relay = relay

    def _inbox(self, instance: str) -> str:
        return f"{self.prefix}inbox:{instance}"

    def _count(self, op: str, n: int = 1) -> None:
        if self.relay is not None:
            self.relay.metrics.redis_round_trips.labels(op).inc(n)

    # -- life -------------------------------------------------------------------------------------
    async def start(self, serve: bool = True) -> None:
        """Connect (and, to serve, subscribe to this instance's inbox and start renewing leases)."""
        if self._started:
            return
        import redis.asyncio as aioredis

        pool = aioredis.BlockingConnectionPool.from_url(
            self.url, max_connections=64, timeout=5, socket_connect_timeout=3, socket_keepalive=True
        )
        self.redis = aioredis.Redis.from_pool(pool)  # closing the client closes the pool
        try:
            await asyncio.wait_for(self.redis.ping(), 5)
        except Exception:
            await self.redis.aclose()
            raise
        self._count("ping")
        self._claim = self.redis.register_script(_CLAIM)
        self._renew = self.redis.register_script(_RENEW)
        self._release = self.redis.register_script(_RELEASE)
        self._started = True
        if serve:
            self._tasks = [
                asyncio.create_task(self._listen(), name="hookdev-relay-inbox"),
                asyncio.create_task(self._renew_leases(), name="hookdev-relay-leases"),
            ]
            await asyncio.wait_for(self._subscribed.wait(), 10)

    async def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        for task in [*self._tasks, *self._handlers]:
            task.cancel()
        await asyncio.gather(*self._tasks, *self._handlers, return_exceptions=True)
        self._tasks = []
        if self.relay is not None:
            for name, channel in list(self.relay.channels.items()):
                with contextlib.suppress(Exception):
                    await self.release(name, channel.session)
        for future in self._pending.values():
            if not future.done():
                future.cancel()
        with contextlib.suppress(Exception):
            await self.redis.aclose()

    async def healthy(self) -> bool:
        if not self._started or not self._subscribed.is_set():
            return False
        try:
            await asyncio.wait_for(self.redis.ping(), 2)
        except Exception:
            return False
        self._count("ping")
        return True

    # -- the registry -----------------------------------------------------------------------------
    async def claim(self, name: str, key_hash: str, session: str) -> str | None:
        """Check the owner and take the lease: ``"bound"``, ``"owner"``, ``"refused"``; None if Redis failed."""
        try:
            verdict, previous = await self._claim(
                keys=[f"{self.prefix}owner:{name}", f"{self.prefix}lease:{name}"],
                args=[key_hash, self.instance, session, int(self.lease * 1000), int(BINDING_TTL * 1000)],
            )
        except Exception as e:
            self._failed("claim", e)
            return None
        self._count("claim")
        verdict = verdict.decode()
        holder = previous.decode().split("|", 1)[0] if previous else ""
        if verdict != "refused" and holder and holder != self.instance:
            # The owner came back through us: the instance that held it drops its stale connection.
            await self._publish(holder, p.pack({"type": "kick", "channel": name, "session": session}))
        return verdict

    async def holder(self, name: str) -> str | None:
        """The instance whose client serves ``name`` now, if any (raises if Redis is unreachable)."""
        value = await self.redis.get(f"{self.prefix}lease:{name}")
        self._count("holder")
        return value.decode().split("|", 1)[0] if value else None

    async def release(self, name: str, session: str) -> None:
        """Give up our lease of ``name`` (our client left), unless another claim took it already."""
        try:
            await self._release(keys=[f"{self.prefix}lease:{name}"], args=[f"{self.instance}|{session}"])
            self._count("release")
        except Exception as e:
            self._failed("release", e)

    async def release_binding(self, name: str) -> bool:
        """Forget who owns ``name`` (``hookdev relay --release``). True if it was bound."""
        removed = await self.redis.delete(f"{self.prefix}owner:{name}")
        self._count("release")
        return bool(removed)

    async def _renew_leases(self) -> None:
        while True:
            await asyncio.sleep(self.lease / 3)
            relay = self.relay
            if relay is None or not relay.channels:
                continue
            channels = [c for c in relay.channels.values() if not c.closed]
            keys: list[str] = []
            for c in channels:
                keys += [f"{self.prefix}lease:{c.name}", f"{self.prefix}owner:{c.name}"]
            args = [f"{self.instance}|", int(self.lease * 1000), int(BINDING_TTL * 1000)]
            args += [c.session for c in channels]
            try:
                lost = await self._renew(keys=keys, args=args)
            except Exception as e:
                self._failed("renew", e)
                continue
            self._count("renew")
            for i in lost:
                channel = channels[int(i) - 1]
                log.info("channel %s...: now served by another instance", channel.name[:4])
                await channel.close(p.CLOSE_REPLACED, "the channel is now served by another relay instance")

    # -- requests between instances ---------------------------------------------------------------
    async def _publish(self, instance: str, frame: bytes) -> int:
        try:
            receivers = int(await self.redis.publish(self._inbox(instance), frame))
        except Exception as e:
            self._failed("publish", e)
            return 0
        self._count("publish")
        return receivers

    async def _listening(self, instance: str) -> bool:
        try:
            result = await self.redis.pubsub_numsub(self._inbox(instance))
        except Exception as e:
            self._failed("numsub", e)
            return True  # cannot tell: let the timeout decide
        self._count("numsub")
        return bool(result and int(result[0][1]) > 0)

    async def forward(self, holder: str, name: str, header: dict[str, Any], body: bytes) -> Answer:
        """Pass a request to the instance holding the channel and wait for its answer there."""
        from hookdev.tunnel.relay import _text

        assert self.relay is not None
        rid = f"{self.instance}:{next(self._ids)}"
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._pending[rid] = future
        try:
            frame = p.pack(
                {"type": "request", "rid": rid, "reply": self.instance, "channel": name, "request": header},
                body,
            )
            if await self._publish(holder, frame) == 0:
                return _text(
                    502, "the relay instance serving this channel is gone; its client will reconnect"
                )
            deadline = time.monotonic() + self.relay.request_timeout + GRACE
            misses = 0
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return _text(
                        504, f"the hookdev client did not answer within {self.relay.request_timeout:g} s"
                    )
                try:
                    return await asyncio.wait_for(asyncio.shield(future), min(CHECK_EVERY, left))
                except TimeoutError:
                    pass
                misses = 0 if await self._listening(holder) else misses + 1
                if misses >= 2:
                    return _text(502, "the relay instance serving this channel went away before answering")
        finally:
            self._pending.pop(rid, None)
            if not future.done():
                future.cancel()

    async def _listen(self) -> None:
        """Read this instance's inbox until stopped, resubscribing after a lost connection."""
        while True:
            pubsub = self.redis.pubsub()
            try:
                await pubsub.subscribe(self._inbox(self.instance))
                self._count("subscribe")
                self._subscribed.set()
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5.0)
                    if message is not None and message.get("type") == "message":
                        self._dispatch(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as e:
                self._subscribed.clear()
                self._failed("subscribe", e)
                await asyncio.sleep(0.5)
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.shield(pubsub.aclose())

    def _dispatch(self, data: bytes) -> None:
        try:
            header, body = p.unpack(data)
        except p.ProtocolError as e:
            log.warning("ignored a bad frame from another instance: %s", e)
            return
        kind = header.get("type")
        if kind == "response":
            future = self._pending.get(str(header.get("rid")))
            if future is not None and not future.done():
                try:
                    headers = p.headers_from_wire(header.get("headers", []))
                except p.ProtocolError:
                    headers = []
                future.set_result((int(header.get("status", 502)), headers, body))
        elif kind in ("request", "kick"):
            task = asyncio.create_task(self._serve(header, body))
            self._handlers.add(task)
            task.add_done_callback(self._handlers.discard)

    async def _serve(self, header: dict[str, Any], body: bytes) -> None:
        relay = self.relay
        assert relay is not None
        name = str(header.get("channel"))
        if header.get("type") == "kick":
            channel = relay.channels.get(name)
            if channel is not None and not channel.closed:
                await relay.replace(channel, str(header.get("session")))
            return
        request = header.get("request")
        reply = header.get("reply")
        if not isinstance(request, dict) or not isinstance(reply, str):
            return
        status, headers, answer = await relay.forwarded(name, request, body)
        frame = p.pack(
            {
                "type": "response",
                "rid": header.get("rid"),
                "status": status,
                "headers": p.headers_to_wire(headers),
            },
            answer,
        )
        await self._publish(reply, frame)

    def _failed(self, op: str, e: Exception) -> None:
        if self.relay is not None:
            self.relay.metrics.redis_errors.inc()
        log.warning("redis %s failed: %s", op, e)
