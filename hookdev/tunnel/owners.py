"""Who owns which channel: the relay's bindings of channel names to owner keys, and the client's keys.

Relay side, :class:`Owners`: the first claim of a channel binds it to the SHA-256 of the claim's key;
a later claim succeeds only with the same key. Bindings live in memory, or in a state file (``hookdev
relay --state FILE``, JSON, 0600, written atomically) so they survive a restart; with ``--redis`` they
live in Redis instead (see :mod:`hookdev.tunnel.cluster`). A binding unused for ``BINDING_TTL``
(30 days) lapses; the operator releases one at once with ``hookdev relay --release NAME``.

Client side, :func:`channel_key`: the key of a (relay, channel) pair, created on first use and kept
in the workspace's ``relay-keys.json`` (0600). Deleting its entry gives up the credential: the
channel then stays bound on the relay until released or lapsed, so pick another ``--channel``.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import os
import secrets
import time
from pathlib import Path
from typing import Any

from hookdev.private_files import write_private
from hookdev.tunnel import protocol as p

log = logging.getLogger("hookdev.relay")

#: A binding nobody claimed for this long lapses (seconds): 30 days.
BINDING_TTL = 30 * 24 * 3600.0
#: Most bindings a relay keeps; past it, claims of new channels are refused until some lapse.
MAX_BINDINGS = 100_000
#: ``seen`` times are written back at most this often per channel (seconds), to spare the disk.
_SEEN_EVERY = 3600.0

KEYS_FILE = "relay-keys.json"


class Owners:
    """Channel name -> owner key hash, in memory or backed by a state file."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, ttl: float = BINDING_TTL) -> None:
        self.path = Path(path) if path else None
        self.ttl = ttl
        self._bindings: dict[str, tuple[str, float]] = {}  # name -> (key hash, last seen)
        if self.path is not None:
            self._load()

    def __len__(self) -> int:
        return len(self._bindings)

    def claim(self, name: str, key_hash: str, now: float | None = None) -> str:
        """``"bound"`` (new binding), ``"owner"`` (same key as the binding) or ``"refused"``."""
        now = time.time() if now is None else now
        bound = self._bindings.get(name)
        if bound is not None and now - bound[1] > self.ttl:
            bound = None
        if bound is None:
            if len(self._bindings) >= MAX_BINDINGS:
                self._prune(now)
                if len(self._bindings) >= MAX_BINDINGS:
                    return "full"
            self._bindings[name] = (key_hash, now)
            self._save()
            return "bound"
        if not hmac.compare_digest(bound[0], key_hash):
            return "refused"
        if now - bound[1] > _SEEN_EVERY:
            self._bindings[name] = (key_hash, now)
            self._save()
        return "owner"

    def touch(self, name: str, now: float | None = None) -> None:
        """The owner is still connected: keep its binding from lapsing."""
        bound = self._bindings.get(name)
        now = time.time() if now is None else now
        if bound is not None and now - bound[1] > _SEEN_EVERY:
            self._bindings[name] = (bound[0], now)
            self._save()

    def release(self, name: str) -> bool:
        """Forget a channel's binding (the next claim binds it anew). True if there was one."""
        found = self._bindings.pop(name, None) is not None
        if found:
            self._save()
        return found

    def _prune(self, now: float) -> None:
        self._bindings = {n: b for n, b in self._bindings.items() if now - b[1] <= self.ttl}

    def _load(self) -> None:
        assert self.path is not None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as e:
            raise ValueError(f"cannot read the relay state file {self.path}: {e}") from None
        channels = data.get("channels") if isinstance(data, dict) else None
        if not isinstance(channels, dict):
            raise ValueError(f"the relay state file {self.path} is not a hookdev relay state file")
        for name, entry in channels.items():
            if (
                isinstance(name, str)
                and p.valid_channel(name)
                and isinstance(entry, dict)
                and isinstance(entry.get("key_sha256"), str)
                and isinstance(entry.get("seen"), int | float)
            ):
                self._bindings[name] = (entry["key_sha256"], float(entry["seen"]))
        self._prune(time.time())

    def _save(self) -> None:
        if self.path is None:
            return
        data = {
            "version": 1,
            "channels": {n: {"key_sha256": h, "seen": round(s)} for n, (h, s) in self._bindings.items()},
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_private(self.path, json.dumps(data, separators=(",", ":")))
        except OSError as e:  # the binding still holds in memory; say so once per failure
            log.error("cannot write the relay state file %s: %s", self.path, e.strerror or e)


def channel_key(home: str | os.PathLike[str], relay_base: str, channel: str) -> str:
    """The owner key of ``channel`` on the relay at ``relay_base``, created and saved on first use."""
    path = Path(home) / KEYS_FILE
    keys: dict[str, Any] = {}
    with contextlib.suppress(FileNotFoundError):
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            loaded = None
        if isinstance(loaded, dict):
            keys = loaded
    entry = f"{relay_base.rstrip('/')} {channel}"
    key = keys.get(entry)
    if not p.valid_key(key):
        key = secrets.token_urlsafe(32)
        keys[entry] = key
        write_private(path, json.dumps(keys, indent=1, sort_keys=True) + "\n")
    else:
        with contextlib.suppress(OSError):
            os.chmod(path, 0o600)
    assert isinstance(key, str)
    return key
