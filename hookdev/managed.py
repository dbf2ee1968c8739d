"""Endpoints declared in hookdev.toml: created or updated at start and on every reload.

They are marked ``managed`` and remembered by name (setting ``managed_endpoints``: name -> id), so an
edit of the file updates the same endpoint (same id, same attempt log). An endpoint removed from the
file is disabled, never deleted: its attempt log stays.
"""

from __future__ import annotations

from hookdev.config import Config
from hookdev.sender import Sender

SETTING = "managed_endpoints"


def sync_managed_endpoints(sender: Sender, config: Config) -> list[str]:
    """Make the store match the file; returns one human line per change."""
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
    for name in [n for n in known if n not in names]:
        endpoint = store.get_endpoint(known.pop(name))
        if endpoint is not None and not endpoint.disabled:
            sender.disable_endpoint(endpoint.id, "removed from hookdev.toml")
            notes.append(f"endpoint {name} ({endpoint.id}) disabled: removed from hookdev.toml")
    store.set_setting(SETTING, known)
    return notes
