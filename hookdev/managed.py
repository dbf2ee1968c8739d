"""Endpoints declared in hookdev.toml: created or updated at start and on every reload.

They are marked ``managed`` and remembered by name (setting ``managed_endpoints``: name -> id), so an
edit of the file updates the same endpoint (same id, same attempt log). An endpoint removed from the
file is disabled, never deleted: its id, secret and attempt log stay, and its name stays remembered,
so when it comes back under the same name it is re-enabled, not re-created.

A reload never disables anything on its own word: an editor's non-atomic save shows the file empty or
half-written for a moment. The engine passes ``remove_missing=False`` for a live reload and confirms a
removal from a second reading of the file once it has settled (:data:`REMOVAL_SETTLE` seconds later).
"""

from __future__ import annotations

from hookdev.config import Config
from hookdev.sender import Sender

SETTING = "managed_endpoints"
REMOVED = "removed from hookdev.toml"
#: Seconds a file must keep an endpoint out before the endpoint is disabled (see the module docstring).
REMOVAL_SETTLE = 1.5


def missing_endpoints(sender: Sender, config: Config) -> list[str]:
    """Names of enabled managed endpoints that ``config`` does not declare (candidates for removal)."""
    known: dict[str, str] = dict(sender.store.get_setting(SETTING, {}) or {})
    names = {ec.name for ec in config.endpoints}
    out = []
    for name, endpoint_id in known.items():
        endpoint = sender.store.get_endpoint(endpoint_id)
        if name not in names and endpoint is not None and not endpoint.disabled:
            out.append(name)
    return out


def sync_managed_endpoints(sender: Sender, config: Config, *, remove_missing: bool = True) -> list[str]:
    """Make the store match the file; returns one human line per change. With ``remove_missing`` False
    the endpoints the file no longer declares are left as they are (a live reload, to be confirmed)."""
    store = sender.store
    known: dict[str, str] = dict(store.get_setting(SETTING, {}) or {})
    notes: list[str] = []
    for ec in config.endpoints:
        endpoint = store.get_endpoint(known[ec.name]) if ec.name in known else None
        if endpoint is None:
            endpoint = sender.add_endpoint(
                ec.url,
                events=ec.events,
                channels=ec.channels,
                rate_limit=ec.rate_limit,
                headers=ec.headers,
                description=ec.description or f"managed by hookdev.toml ({ec.name})",
                disabled=ec.disabled,
                secret=ec.secret,
                scheme=ec.scheme,
            )
            known[ec.name] = endpoint.id
            notes.append(f"endpoint {ec.name} created as {endpoint.id}")
        else:
            wanted = {k.lower() for k, _ in ec.headers}
            endpoint = sender.update_endpoint(
                endpoint.id,
                url=ec.url,
                events=list(ec.events),
                channels=list(ec.channels),
                rate_limit=ec.rate_limit,
                set_headers=ec.headers,
                remove_headers=[k for k, _ in endpoint.headers if k.lower() not in wanted],
                description=ec.description or f"managed by hookdev.toml ({ec.name})",
                force=True,
                scheme=ec.scheme if ec.scheme != endpoint.scheme else None,
            )
            if ec.disabled and not endpoint.disabled:
                sender.disable_endpoint(endpoint.id, "disabled in hookdev.toml")
            elif not ec.disabled and endpoint.disabled:
                if endpoint.disabled_reason == REMOVED:
                    notes.append(f"endpoint {ec.name} ({endpoint.id}) is back in hookdev.toml: enabled")
                sender.enable_endpoint(endpoint.id)
        endpoint = store.get_endpoint(endpoint.id)
        if endpoint is not None:
            changed = not endpoint.managed or (ec.secret is not None and endpoint.secret != ec.secret)
            endpoint.managed = True
            if ec.secret is not None:
                endpoint.secret = ec.secret
            if changed:
                store.save_endpoint(endpoint)
    names = {ec.name for ec in config.endpoints}
    for name in [n for n in known if n not in names] if remove_missing else []:
        endpoint = store.get_endpoint(known[name])  # the name stays known: it may come back
        if endpoint is not None and not endpoint.disabled:
            sender.disable_endpoint(endpoint.id, REMOVED)
            notes.append(f"endpoint {name} ({endpoint.id}) disabled: removed from hookdev.toml")
    store.set_setting(SETTING, known)
    return notes
