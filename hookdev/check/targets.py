"""The consumer a check run aims at when it is given as a bare URL: no endpoint is created for it.

``hookdev check URL`` used to add a disabled endpoint per new URL, which piled up in ``endpoints list``.
Now a URL that no endpoint has is checked through an in-memory :class:`~hookdev.models.Endpoint` whose
id is :data:`CHECK_ENDPOINT_ID` (the attempts of the run are recorded under it, the run itself with no
endpoint). The secret and scheme given for a URL are remembered in one workspace setting
(:data:`SETTING`: ``{url: {"secret": ..., "scheme": ...}}``, in the workspace's owner-only database like
the endpoints' secrets), so a later run against the same URL needs no ``--secret`` again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from hookdev.delivery.formats import SchemeError, build
from hookdev.delivery.validate import InputError, check_secret
from hookdev.models import CHECK_ENDPOINT_ID, Attempt, Endpoint
from hookdev.signing import SecretError

__all__ = [
    "CHECK_ENDPOINT_ID",
    "NoSecret",
    "checked_url",
    "remember",
    "remembered",
    "secret_problem",
    "url_target",
]

SETTING = "check.targets"
MAX_REMEMBERED = 50  # URLs whose secret is remembered (the oldest is forgotten first)


class Settings(Protocol):
    def get_setting(self, key: str, default: Any = None) -> Any: ...

    def set_setting(self, key: str, value: Any) -> None: ...


class NoSecret(ValueError):
    """A URL checked for the first time without a secret."""


def remembered(settings: Settings) -> dict[str, dict[str, str]]:
    """Every remembered URL target (a malformed setting counts as none)."""
    value = settings.get_setting(SETTING, {})
    if not isinstance(value, dict):
        return {}
    return {
        url: {"secret": t["secret"], "scheme": t.get("scheme") or "standard"}
        for url, t in value.items()
        if isinstance(url, str) and isinstance(t, dict) and isinstance(t.get("secret"), str)
    }


def url_target(settings: Settings, url: str, secret: str | None, scheme: str | None) -> Endpoint:
    """The in-memory endpoint a run against ``url`` signs for: ``secret`` and ``scheme`` as given, else
    as remembered from an earlier run, else :class:`NoSecret` (the scheme defaults to standard)."""
    known = remembered(settings).get(url, {})
    use_secret = secret if secret is not None else known.get("secret")
    if use_secret is None:
        raise NoSecret(
            f"{url} was never checked: give --secret S (the consumer's signing secret) the first time"
        )
    return Endpoint(
        id=CHECK_ENDPOINT_ID,
        url=url,
        secret=use_secret,
        description="a URL checked by hookdev check (no endpoint)",
        disabled=True,
        scheme=(scheme or known.get("scheme") or "standard").lower(),
    )


def checked_url(attempts: Iterable[Attempt]) -> str | None:
    """The URL a bare-URL check run sent these attempts to (kept in ``extra["check"]["url"]``), if any."""
    for a in attempts:
        check = a.extra.get("check")
        if isinstance(check, dict) and isinstance(check.get("url"), str):
            return str(check["url"])
    return None


def remember(settings: Settings, endpoint: Endpoint) -> None:
    """Keep the URL's secret and scheme for the next run (the newest last; at most MAX_REMEMBERED)."""
    if endpoint.secret is None:
        return
    targets = remembered(settings)
    targets.pop(endpoint.url, None)
    targets[endpoint.url] = {"secret": endpoint.secret, "scheme": endpoint.scheme}
    while len(targets) > MAX_REMEMBERED:
        targets.pop(next(iter(targets)))
    settings.set_setting(SETTING, targets)


def secret_problem(scheme: str, secret: str) -> str | None:
    """Why ``secret`` cannot sign ``scheme`` deliveries (one line), or None when it can."""
    try:
        if scheme == "standard" and not secret.startswith(("whsk_", "whpk_")):
            check_secret(secret, scheme)
        build(scheme, [secret], message_id="msg_probe", event_type="t", body=b"{}")
    except (InputError, SchemeError, SecretError) as e:
        return str(e)
    return None
