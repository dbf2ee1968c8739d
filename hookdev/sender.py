"""The sender's service layer: what the CLI and the TUI call to manage endpoints and send messages.

Each operation validates its input first (raising :class:`SenderError`, a one-line reason, with
nothing written), then writes through the store in one transaction and publishes an event. Delivery
itself is the dispatcher's job: enqueued attempts are rows, and ``wake`` tells an in-process
dispatcher to look now.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hookdev.delivery import ATTEMPT_PREFIX, FAULTS
from hookdev.delivery import validate as v
from hookdev.delivery.formats import fault_applies, random_secret
from hookdev.delivery.views import Delivery, endpoint_json, summarize
from hookdev.events import EndpointChanged, EventBus, MessageCreated
from hookdev.ids import new_id
from hookdev.models import Attempt, Endpoint, Headers, Message
from hookdev.store.endpoints import EndpointCounts
from hookdev.workspace import DEFAULT_GRACE, Workspace

if TYPE_CHECKING:
    from hookdev.catalog import Catalog, Override
    from hookdev.catalog.lookup import CatalogSource

MAX_OLD_SECRETS = 10
MAX_BATCH = 1000


# Bad input for the sender (unknown id, invalid payload, refused URL ...): one line, nothing written.
SenderError = v.InputError


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@dataclass
class SecretInfo:
    current: str
    previous: list[tuple[str, float]]  # (secret, expires_at), unexpired, newest first


@dataclass
class EndpointStats:
    backlog: int
    pending: int
    sending: int
    success_rate: float | None  # over the last ``recent`` finished attempts; None: none yet
    recent: int


@dataclass
class SendResult:
    """What :meth:`Sender.send` created: the messages, who gets them, and notes for the person."""

    messages: list[Message]
    endpoint_ids: list[str]
    attempts: list[Attempt]
    notes: list[str] = field(default_factory=list)


class Sender:
    """Endpoints, messages, replay and recovery for one workspace."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        bus: EventBus | None = None,
        catalog: Catalog | None = None,
        catalog_path: str | os.PathLike[str] | Callable[[], str | None] | None = None,
        catalog_source: CatalogSource | Callable[[], CatalogSource] | None = None,
        catalog_strict: bool | Callable[[], bool] = False,
        wake: Callable[[], None] | None = None,
        time_scale: float | Callable[[], float] = 1.0,
    ) -> None:
        """``catalog_path`` and ``time_scale`` may be sources (callables) the sender reads on every use:
        the engine passes its current settings, so a reload changes them without a new Sender.
        ``catalog_source`` may be a callable too, asked once, on first use."""
        self.workspace = workspace
        self.store = workspace.store
        self.bus = bus
        self.wake = wake
        self._time_scale = time_scale
        self._catalog = catalog
        self._catalog_path = catalog_path
        self._catalog_source = catalog_source
        self._catalog_strict = catalog_strict
        self._catalog_loaded_from: CatalogSource | None = None
        # Asked once when a name is unknown: create the endpoint if hookdev.toml declares it (the CLI sets
        # it, so `--endpoint orders-app` works before `listen` ever synced the file); True: retry.
        self.declared: Callable[[str], bool] | None = None

    @property
    def time_scale(self) -> float:
        """Stamped on messages sent (when not 1): their retries are compressed."""
        return self._time_scale() if callable(self._time_scale) else self._time_scale

    # -- catalog ----------------------------------------------------------------------------------
    def catalog_source(self, flag: str | None = None) -> CatalogSource:
        """Where the catalog comes from now: ``catalog_source`` when given, else ``flag`` or the
        ``catalog_path`` source, the workspace setting, the bundled sample (one lookup:
        :func:`hookdev.catalog.lookup.catalog_source`)."""
        from hookdev.catalog.lookup import WORKSPACE_SETTING, catalog_source

        if callable(self._catalog_source):  # looked up on first use (`endpoints list` never needs it)
            self._catalog_source = self._catalog_source()
        if self._catalog_source is not None and flag is None:
            return self._catalog_source
        path = flag or (self._catalog_path() if callable(self._catalog_path) else self._catalog_path)
        strict = self._catalog_strict() if callable(self._catalog_strict) else self._catalog_strict
        return catalog_source(
            flag=path,
            setting=self.store.get_setting(WORKSPACE_SETTING),
            strict_flag=strict,
            workspace_home=self.workspace.home,
        )

    @property
    def catalog(self) -> Catalog:
        """The catalog :func:`hookdev.catalog.lookup.catalog_source` picks (``catalog_source`` when given),
        loaded on first use and again when the source changes (the engine's settings name a new one)."""
        source = self.catalog_source()
        if self._catalog is None or (
            self._catalog_loaded_from is not None and source != self._catalog_loaded_from
        ):
            self._catalog = self.load_catalog(source)
            self._catalog_loaded_from = source
        return self._catalog

    def reload_catalog(self) -> Catalog:
        """Read the catalog again (its files changed); raises SenderError and keeps the old one when the
        new one is unusable."""
        source = self.catalog_source()
        fresh = self.load_catalog(source)
        self._catalog, self._catalog_loaded_from = fresh, source
        return fresh

    def load_catalog(self, source: CatalogSource) -> Catalog:
        """Load the catalog ``source`` names (without making it the current one); raises SenderError."""
        from hookdev.catalog import CatalogError  # jsonschema: only when needed

        try:
            return source.load()
        except CatalogError as e:
            first = e.issues[0] if e.issues else "unknown problem"
            more = f" (and {len(e.issues) - 1} more problems)" if len(e.issues) > 1 else ""
            raise SenderError(f"cannot load the event catalog: {first}{more}") from None

    def _check_event_types(self, names: Iterable[str]) -> list[str]:
        out: list[str] = []
        for name in names:
            try:
                self.catalog.get(name)
            except KeyError as e:
                raise SenderError(str(e)) from None
            if name not in out:
                out.append(name)
        return out

    # -- endpoints --------------------------------------------------------------------------------
    def endpoint(self, ref: str) -> Endpoint:
        """An endpoint by its hookdev.toml name, id, or a unique name prefix or id prefix/suffix.

        Unknown or ambiguous: a one-line SenderError listing the candidates."""
        by_name = self.endpoint_ids_by_name()
        if ref in by_name and (found := self.store.get_endpoint(by_name[ref])) is not None:
            return found
        found = self.store.find_endpoint(ref)
        if found is not None:
            return found
        names = [n for n in by_name if n.startswith(ref)] if ref else []
        ids = self.store.id_matches("endpoints", ref, 6) if ref else []
        matches = names + [i for i in ids if i not in {by_name[n] for n in names}]
        if len(matches) == 1:
            hit = self.store.get_endpoint(by_name.get(matches[0], matches[0]))
            if hit is not None:
                return hit
        if len(matches) > 1:
            raise SenderError(f"endpoint {ref!r} is ambiguous: it matches {_listing(matches)}")
        if self.declared is not None and not ref.startswith("ep_"):
            declared, self.declared = self.declared, None  # once: no loop
            try:
                if declared(ref):
                    return self.endpoint(ref)
            finally:
                self.declared = declared
        known = [self.endpoint_names().get(e.id) or e.id for e in self.store.list_endpoints()]
        raise SenderError(
            f"no endpoint {ref!r}; "
            + (
                f"known: {_listing(known)}"
                if known
                else "there are none (add one: hookdev endpoints add URL)"
            )
        )

    def endpoint_ids_by_name(self) -> dict[str, str]:
        """Endpoints declared in hookdev.toml: name -> id (kept by the managed-endpoint sync)."""
        known = self.store.get_setting("managed_endpoints", {}) or {}
        return {str(k): str(v) for k, v in known.items()} if isinstance(known, dict) else {}

    def endpoint_names(self) -> dict[str, str]:
        """id -> hookdev.toml name, for the endpoints that have one."""
        return {v: k for k, v in self.endpoint_ids_by_name().items()}

    def endpoints(self) -> list[Endpoint]:
        return self.store.list_endpoints()

    def add_endpoint(
        self,
        url: str,
        *,
        events: Sequence[str] = (),
        channels: Sequence[str] = (),
        rate_limit: float | None = None,
        headers: Iterable[tuple[str, str]] = (),
        description: str = "",
        disabled: bool = False,
        secret: str | None = None,
        scheme: str = "standard",
        disabled_reason: str | None = None,
    ) -> Endpoint:
        """A new endpoint with its own secret (made in the shape ``scheme``'s provider hands out)."""
        now = time.time()
        scheme = v.check_scheme(scheme)
        endpoint = Endpoint(
            id=new_id("ep"),
            url=v.check_url(url),
            secret=v.check_secret(secret, scheme) if secret else random_secret(scheme),
            scheme=scheme,
            description=description.strip(),
            events=self._check_event_types(events),
            channels=v.check_channels(channels, v.MAX_ENDPOINT_CHANNELS, "an endpoint"),
            rate_limit=v.check_rate_limit(rate_limit),
            headers=v.merge_headers([], headers),
            disabled=disabled,
            disabled_reason=(disabled_reason or "disabled when created") if disabled else None,
            created_at=now,
            updated_at=now,
        )
        self.store.insert_endpoint(endpoint)
        self._changed(endpoint, "created")
        return endpoint

    def update_endpoint(
        self,
        ref: str,
        *,
        url: str | None = None,
        events: Sequence[str] | None = None,
        channels: Sequence[str] | None = None,
        rate_limit: float | None = UNSET,
        set_headers: Iterable[tuple[str, str]] = (),
        remove_headers: Iterable[str] = (),
        description: str | None = None,
        force: bool = False,
        scheme: str | None = None,
    ) -> Endpoint:
        """Change what is given; ``events=[]``/``channels=[]`` clear, ``rate_limit=None`` removes the limit.

        An endpoint declared in hookdev.toml is changed by editing the file; ``force`` overrides that
        (until the file is applied again)."""
        endpoint = self.endpoint(ref)
        self._check_unmanaged(endpoint, "change", force)
        if url is not None:
            endpoint.url = v.check_url(url)
        if events is not None:
            endpoint.events = self._check_event_types(events)
        if channels is not None:
            endpoint.channels = v.check_channels(channels, v.MAX_ENDPOINT_CHANNELS, "an endpoint")
        if rate_limit is not UNSET:
            endpoint.rate_limit = v.check_rate_limit(rate_limit)
        endpoint.headers = v.merge_headers(endpoint.headers, set_headers, remove_headers)
        if description is not None:
            endpoint.description = description.strip()
        if scheme is not None:
            endpoint.scheme = v.check_scheme(scheme)
            if endpoint.secret is not None:
                try:
                    v.check_secret(endpoint.secret, endpoint.scheme)
                except v.InputError:  # e.g. a Slack hex secret cannot sign Standard Webhooks: a new one
                    endpoint.secret = random_secret(endpoint.scheme)
                    endpoint.old_secrets = []
        endpoint.updated_at = time.time()
        if not self.store.save_endpoint(endpoint):
            raise SenderError(f"endpoint {endpoint.id} was deleted meanwhile")
        self._changed(endpoint, "updated")
        return endpoint

    def disable_endpoint(self, ref: str, reason: str = "disabled by hand") -> tuple[Endpoint, int]:
        """Disable and cancel every pending attempt at once; returns the endpoint and how many were cancelled."""
        endpoint = self.endpoint(ref)
        updated, canceled = self.store.set_endpoint_disabled(endpoint.id, True, reason, time.time())
        if updated is None:
            raise SenderError(f"endpoint {endpoint.id} was deleted meanwhile")
        self._changed(updated, f"disabled: {reason}")
        return updated, canceled

    def enable_endpoint(self, ref: str) -> Endpoint:
        endpoint = self.endpoint(ref)
        updated, _ = self.store.set_endpoint_disabled(endpoint.id, False, None, time.time())
        if updated is None:
            raise SenderError(f"endpoint {endpoint.id} was deleted meanwhile")
        self._changed(updated, "enabled")
        return updated

    def delete_endpoint(self, ref: str, force: bool = False) -> tuple[str, int]:
        """Remove the endpoint and its attempts (pending ones too); messages stay. Returns (id, attempts removed)."""
        endpoint = self.endpoint(ref)
        self._check_unmanaged(endpoint, "delete", force)
        removed = self.store.delete_endpoint(endpoint.id)
        if removed is None:
            raise SenderError(f"endpoint {endpoint.id} was deleted meanwhile")
        if self.bus is not None:
            self.bus.publish(EndpointChanged(endpoint.id, None, "deleted"))
        return endpoint.id, removed

    def secrets(self, ref: str) -> SecretInfo:
        """The secret a delivery is signed with and the old ones still valid (receiver's for ep_local)."""
        endpoint = self.endpoint(ref)
        now = time.time()
        if endpoint.secret is None:
            rs = self.workspace.receiver_secrets()
            return SecretInfo(rs.current, [(s, exp) for s, exp in rs.previous if exp > now])
        return SecretInfo(endpoint.secret, [(s, exp) for s, exp in endpoint.old_secrets if exp > now])

    def rotate_secret(self, ref: str, grace: float = DEFAULT_GRACE) -> SecretInfo:
        """A new secret takes over; the old one keeps signing beside it for ``grace`` seconds."""
        grace = v.check_grace(grace)
        endpoint = self.endpoint(ref)
        info = self.secrets(endpoint.id)
        if grace > 0 and len(info.previous) >= MAX_OLD_SECRETS:
            raise SenderError(
                f"{endpoint.id} already has {MAX_OLD_SECRETS} unexpired old secrets: wait for one to expire "
                "or rotate with --grace 0"
            )
        now = time.time()
        if endpoint.secret is None:
            self.workspace.rotate_receiver_secret(grace)
        else:
            previous = ([(endpoint.secret, now + grace)] if grace > 0 else []) + info.previous
            endpoint.secret = random_secret(endpoint.scheme)
            endpoint.old_secrets = previous
            endpoint.updated_at = now
            self.store.save_endpoint(endpoint)
        self._changed(self.endpoint(endpoint.id), "secret rotated")
        return self.secrets(endpoint.id)

    def stats(self, ref: str, recent: int = 100) -> EndpointStats:
        endpoint = self.endpoint(ref)
        c = self.store.endpoint_counts(time.time(), endpoint.id).get(endpoint.id, EndpointCounts())
        results = self.store.endpoint_recent_results(endpoint.id, recent)
        rate = sum(r == "success" for r in results) / len(results) if results else None
        return EndpointStats(c.backlog, c.pending, c.sending, rate, len(results))

    def endpoint_json(self, endpoint: Endpoint, counts: EndpointCounts | None = None) -> dict[str, Any]:
        """The JSON shape of an endpoint (``--json``, the TUI), with its signing secret and queue."""
        if counts is None:
            counts = self.store.endpoint_counts(time.time(), endpoint.id).get(endpoint.id, EndpointCounts())
        secret = endpoint.secret if endpoint.secret is not None else self.workspace.receiver_secrets().current
        data = endpoint_json(
            endpoint, secret=secret, backlog=counts.backlog, pending=counts.pending, sending=counts.sending
        )
        return {"id": data.pop("id"), "name": self.endpoint_names().get(endpoint.id), **data}

    @staticmethod
    def _check_unmanaged(endpoint: Endpoint, what: str, force: bool) -> None:
        if endpoint.managed and not force:
            raise SenderError(
                f"endpoint {endpoint.id} is managed by hookdev.toml: edit the file to {what} it "
                "(or force it, and the file wins again at the next start or reload)"
            )

    def _changed(self, endpoint: Endpoint, reason: str) -> None:
        if self.bus is not None:
            self.bus.publish(EndpointChanged(endpoint.id, endpoint, reason))

    # -- messages ---------------------------------------------------------------------------------
    def payload(
        self, event_type: str, data: bytes | None, validate: bool = True, overrides: Sequence[Override] = ()
    ) -> bytes:
        """The bytes a message carries: the example or ``data`` (exactly as given), with ``overrides``."""
        return self.payloads(event_type, data, validate=validate, overrides=overrides)[0]

    def payloads(
        self,
        event_type: str,
        data: bytes | None,
        *,
        validate: bool = True,
        overrides: Sequence[Override] = (),
        vary: bool = False,
        seed: int | None = None,
        count: int = 1,
    ) -> list[bytes]:
        """One body per message (see :func:`hookdev.catalog.payloads.build_payloads`)."""
        from hookdev.catalog.payloads import PayloadError, build_payloads

        try:
            et = self.catalog.get(event_type)
        except KeyError as e:
            raise SenderError(str(e)) from None
        try:
            return build_payloads(
                et, data, overrides=overrides, validate=validate, vary=vary, seed=seed, count=count
            )
        except PayloadError as e:
            raise SenderError(str(e)) from None

    def matching_endpoints(self, event_type: str, channels: Sequence[str]) -> list[Endpoint]:
        """Enabled endpoints subscribed to ``event_type`` whose channels (if any) overlap ``channels``."""
        return [
            e
            for e in self.store.list_endpoints()
            if not e.disabled
            and (not e.events or event_type in e.events)
            and (not e.channels or bool(set(e.channels) & set(channels)))
        ]

    def send(
        self,
        event_type: str,
        data: bytes | None = None,
        *,
        endpoints: Sequence[str] = (),
        channels: Sequence[str] = (),
        validate: bool = True,
        fault: str | None = None,
        count: int = 1,
        now: float | None = None,
        time_scale: float | None = None,
        overrides: Sequence[Override] = (),
        vary: bool = False,
        seed: int | None = None,
    ) -> SendResult:
        """Create ``count`` messages and queue their first attempts (due at ``now``, clock time).

        Goes to every enabled endpoint that matches (or only to ``endpoints``, subscribed or not). A
        message nobody matches is still created (it shows in the log and can be replayed to a named
        endpoint); the result says so in ``notes``.
        """
        if time_scale is None and self.time_scale != 1.0:
            time_scale = self.time_scale
        if fault is not None and fault not in FAULTS:
            raise SenderError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
        if not 1 <= count <= MAX_BATCH:
            raise SenderError(f"--count must be 1 to {MAX_BATCH}, got {count}")
        if fault == "out-of-order" and count < 2:
            raise SenderError("the out-of-order fault needs a batch: --count N with N >= 2")
        chans = v.check_channels(channels, v.MAX_MESSAGE_CHANNELS, "a message")
        bodies = self.payloads(
            event_type, data, validate=validate, overrides=overrides, vary=vary, seed=seed, count=count
        )
        notes: list[str] = []
        if endpoints:
            targets: list[Endpoint] = []
            for ref in endpoints:
                ep = self.endpoint(ref)
                if ep.disabled:
                    raise SenderError(f"endpoint {ep.id} is disabled (`hookdev endpoints enable {ep.id}`)")
                if ep not in targets:
                    targets.append(ep)
                if ep.events and event_type not in ep.events:
                    notes.append(
                        f"{ep.id} is not subscribed to {event_type}; sending anyway because it was named"
                    )
                elif ep.channels and not set(ep.channels) & set(chans):
                    notes.append(
                        f"{ep.id} does not listen on these channels; sending anyway because it was named"
                    )
        else:
            targets = self.matching_endpoints(event_type, chans)
            if not targets:
                notes.append(
                    f"no enabled endpoint is subscribed to {event_type}"
                    + (f" on channels {', '.join(chans)}" if chans else "")
                    + ": the message was created but not delivered (replay it with --endpoint)"
                )
        for ep in targets:
            problem = fault_applies(ep.scheme, fault)
            if problem is not None:
                raise SenderError(f"endpoint {ep.id}: {problem}")
        created = time.time()
        due = created if now is None else now
        messages = [
            Message(new_id("msg"), event_type, body, created + i * 1e-6, list(chans), fault, time_scale)
            for i, body in enumerate(bodies)
        ]
        attempts = [
            Attempt(
                id=new_id(ATTEMPT_PREFIX),
                message_id=m.id,
                endpoint_id=ep.id,
                number=1,
                trigger="scheduled",
                status="pending",
                # a batch is due in creation order (ids made in the same millisecond are not ordered);
                # out-of-order: the newest message first
                scheduled_at=due - i * 1e-3 if fault == "out-of-order" else due + i * 1e-6,
                fault=fault,
            )
            for i, m in enumerate(messages)
            for ep in targets
        ]
        queued = self.store.enqueue(messages, attempts)
        endpoint_ids = list(dict.fromkeys(a.endpoint_id for a in queued))
        if self.bus is not None:
            for m in messages:
                self.bus.publish(MessageCreated(m, tuple(endpoint_ids)))
        self._wake()
        return SendResult(messages, endpoint_ids, queued, notes)

    def send_operational(self, event_type: str, data: dict[str, Any], endpoint_id: str) -> Message | None:
        """An operational webhook (the platform's own event about deliveries) to ``endpoint_id``: an
        ordinary signed message with retries, its payload ``{"type", "timestamp", "data"}`` built here
        (never checked against the catalog). None when the endpoint is gone or disabled."""
        from hookdev.catalog import payload_bytes
        from hookdev.presentation import iso

        if self.store.get_endpoint(endpoint_id) is None:
            return None
        now = time.time()
        body = payload_bytes({"type": event_type, "timestamp": iso(now), "data": data})
        message = Message(new_id("msg"), event_type, body, now)
        attempt = Attempt(new_id(ATTEMPT_PREFIX), message.id, endpoint_id, 1, "scheduled", "pending", now)
        if not self.store.enqueue([message], [attempt]):
            return None
        if self.bus is not None:
            self.bus.publish(MessageCreated(message, (endpoint_id,)))
        self._wake()
        return message

    def message(self, ref: str) -> Message:
        found = self.store.find_message(ref)
        if found is None:
            raise SenderError(self._miss("messages", "message", ref, "hookdev messages"))
        return found

    def _miss(self, table: str, what: str, ref: str, listing: str) -> str:
        several = self.store.id_matches(table, ref)
        if len(several) > 1:
            shown = ", ".join(several[:2]) + (", ..." if len(several) > 2 else "")
            return f"{ref!r} matches several {table} ({shown}): give more of the id"
        return f"no {what} {ref!r} (see `{listing}`)"

    def deliveries(self, message_id: str) -> list[Delivery]:
        """The message's delivery to each endpoint: status, attempts made, last result, next retry."""
        return summarize(self.store.message_attempts([message_id]))

    def replay(
        self,
        message_ref: str,
        endpoint_ref: str | None = None,
        now: float | None = None,
        *,
        fault: bool = False,
    ) -> list[Attempt]:
        """One manual attempt now (no automatic retries) to the named endpoint or every one it went to.

        A message sent with a fault is replayed clean unless ``fault`` (then the fault is repeated)."""
        message = self.message(message_ref)
        if endpoint_ref is not None:
            targets = [self.endpoint(endpoint_ref)]
        else:
            ids = list(dict.fromkeys(a.endpoint_id for a in self.store.message_attempts([message.id])))
            targets = [e for e in (self.store.get_endpoint(i) for i in ids) if e is not None]
            if not targets:
                raise SenderError(
                    f"message {message.id} was not delivered to any endpoint that still exists; name one with --endpoint"
                )
        disabled = [e.id for e in targets if e.disabled]
        if disabled:
            raise SenderError(f"endpoint {', '.join(disabled)} is disabled (`hookdev endpoints enable ...`)")
        return self._manual([(message.id, e.id) for e in targets], now, message.fault if fault else None)

    def recover(
        self, endpoint_ref: str, since: float, until: float | None = None, now: float | None = None
    ) -> list[Attempt]:
        """Resend (manual attempts) every message whose delivery to the endpoint failed in the window
        and has not succeeded since. Times are epoch seconds; the window is at most 14 days."""
        endpoint = self.endpoint(endpoint_ref)
        if endpoint.disabled:
            raise SenderError(
                f"endpoint {endpoint.id} is disabled (`hookdev endpoints enable {endpoint.id}`)"
            )
        end = time.time() if until is None else until
        if since >= end:
            raise SenderError("the recovery window is empty: --since must be before --until (and now)")
        if end - since > v.MAX_RECOVER_WINDOW:
            raise SenderError("the recovery window can be at most 14 days")
        message_ids = self.store.failed_in_window(endpoint.id, since, end)
        return self._manual([(m, endpoint.id) for m in message_ids], now)

    def retry_now(self, message_ref: str, endpoint_ref: str) -> Attempt:
        """Move the scheduled retry of a delivery to now (it stays a scheduled attempt, with its number
        and the retries after it); a delivery with no retry pending gets a manual attempt instead."""
        message = self.message(message_ref)
        endpoint = self.endpoint(endpoint_ref)
        moved = self.store.reschedule_pending(message.id, endpoint.id, time.time())
        if moved is None:
            return self._manual([(message.id, endpoint.id)], None)[0]
        self._wake()
        return moved

    def _manual(
        self, pairs: list[tuple[str, str]], now: float | None, fault: str | None = None
    ) -> list[Attempt]:
        """Manual attempts (no retries), clean unless ``fault``: a manual attempt never inherits the
        message's fault by itself."""
        due = time.time() if now is None else now
        attempts = [
            Attempt(
                id=new_id(ATTEMPT_PREFIX),
                message_id=message_id,
                endpoint_id=endpoint_id,
                number=self.store.last_attempt_number(message_id, endpoint_id) + 1,
                trigger="manual",
                status="pending",
                scheduled_at=due,
                fault=fault,
            )
            for message_id, endpoint_id in pairs
        ]
        queued = self.store.insert_attempts(attempts)
        self._wake()
        return queued

    def _wake(self) -> None:
        if self.wake is not None:
            self.wake()


def _listing(items: Sequence[str], most: int = 8) -> str:
    """``a, b, c`` (and ``, ... (N more)`` past ``most``): candidates on one line."""
    shown = ", ".join(items[:most])
    return shown + (f", ... ({len(items) - most} more)" if len(items) > most else "")


def header_list(pairs: Iterable[str]) -> Headers:
    """``['K: V', ...]`` from the command line -> checked (name, value) pairs."""
    return [v.parse_header(p) for p in pairs]
