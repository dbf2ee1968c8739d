"""The workspace: where state lives (home dir), the store, the receiver secret and settings.

Home: ``--home DIR``, else ``$HOOKDEV_HOME``, else found the way git finds a repository: from the
current directory upward, the first directory holding a ``.hookdev/`` or a ``hookdev.toml`` (the
workspace is that directory's ``.hookdev/``). Only when none is found is ``./.hookdev/`` created
(with a ``.gitignore`` of ``*``). Secret files are 0600, the directory 0700.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hookdev.models import Endpoint
from hookdev.private_files import write_private

if TYPE_CHECKING:
    from hookdev.store import Store

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787
DEFAULT_GRACE = 86400.0
SECRET_FILE = "secret.json"
DB_FILE = "hookdev.db"


class WorkspaceError(Exception):
    """A workspace that cannot be opened or a secret file that cannot be read."""


WORKSPACE_DIR = ".hookdev"
CONFIG_FILE = "hookdev.toml"


@dataclass(frozen=True)
class Location:
    """Which workspace a command uses, and why."""

    path: Path
    source: str  # "flag" (--home / a path given), "env" ($HOOKDEV_HOME), "found" (upward), "new"

    @property
    def reason(self) -> str:
        if self.source == "flag":
            return "given with --home"
        if self.source == "env":
            return "set by $HOOKDEV_HOME"
        if self.source == "found":
            marker = "hookdev.toml" if (self.path.parent / CONFIG_FILE).is_file() else WORKSPACE_DIR
            return f"found upward from the current directory (next to {marker} in {self.path.parent})"
        return "none found upward from the current directory: created here"


#: ``hookdev --home DIR COMMAND``: the group's --home, for a command given none of its own.
GROUP_HOME: str | None = None


def locate_home(home: str | os.PathLike[str] | None = None, cwd: Path | None = None) -> Location:
    """The workspace ``home`` names, else ``$HOOKDEV_HOME``'s, else the nearest one upward from ``cwd``
    (a directory holding ``.hookdev/`` or ``hookdev.toml``), else ``cwd/.hookdev`` (``source="new"``)."""
    home = home or GROUP_HOME
    if home:
        return Location(Path(home).expanduser(), "flag")
    env = os.environ.get("HOOKDEV_HOME")
    if env:
        return Location(Path(env).expanduser(), "env")
    start = (cwd or Path.cwd()).absolute()
    for directory in (start, *start.parents):
        try:
            if (directory / WORKSPACE_DIR).is_dir() or (directory / CONFIG_FILE).is_file():
                return Location(directory / WORKSPACE_DIR, "found")
        except OSError:  # an unreadable parent ends the search, as it would for git
            break
    return Location(start / WORKSPACE_DIR, "new")


def resolve_home(home: str | os.PathLike[str] | None = None) -> Path:
    return locate_home(home).path


def make_private(home: Path) -> None:
    """The workspace is its owner's alone, whoever created the directory and whatever the umask:
    the directory (and any inside it) 0700, every file 0600. Raises WorkspaceError when it is someone
    else's directory with group or world access (we may not tighten it, and must not use it)."""
    st = home.stat()
    if st.st_mode & 0o077:
        if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
            raise WorkspaceError(
                f"workspace {home} is open to other users and belongs to someone else; "
                f"use your own directory (--home) or have its owner run: chmod 700 {home}"
            )
        os.chmod(home, 0o700)
    for root, dirs, files in os.walk(home):
        for name in dirs:
            _tighten(os.path.join(root, name), 0o700)
        for name in files:
            _tighten(os.path.join(root, name), 0o600)


def _tighten(path: str, mode: int) -> None:
    try:
        st = os.lstat(path)
        if st.st_mode & 0o077 and not os.path.islink(path):
            os.chmod(path, mode | (st.st_mode & 0o700))
    except OSError:
        pass  # gone meanwhile, or not ours: the directory around it is 0700 anyway


@dataclass
class ReceiverSecrets:
    current: str
    previous: list[tuple[str, float]]  # (secret, expires_at)

    def active(self, now: float | None = None) -> list[str]:
        now = time.time() if now is None else now
        return [self.current] + [s for s, exp in self.previous if exp > now]


class Workspace:
    """Opens (and on first use creates) a hookdev home directory."""

    def __init__(self, home: str | os.PathLike[str] | None = None) -> None:
        self.location = locate_home(home)
        self.home = self.location.path
        self.created = not self.home.is_dir()  # the CLI says so once, on stderr
        try:
            self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
            make_private(self.home)
            gitignore = self.home / ".gitignore"
            if not gitignore.exists():
                write_private(gitignore, "*\n")
        except OSError as e:
            raise WorkspaceError(f"cannot create workspace {self.home}: {e.strerror}") from None
        self._store: Store | None = None
        self.secrets_path = self.home / SECRET_FILE

    # -- store ---------------------------------------------------------------------------------
    @property
    def store(self) -> Store:
        if self._store is None:
            from hookdev.store import Store  # sqlite3: only for the commands that read the database

            self._store = Store(self.home / DB_FILE)
            self._ensure_default_endpoint(self._store)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def _ensure_default_endpoint(self, store: Store) -> None:
        if store.get_setting("default_endpoint_created"):
            return
        now = time.time()
        store.insert_endpoint(
            Endpoint(
                id="ep_local",
                url=f"http://{DEFAULT_HOST}:{DEFAULT_PORT}/",
                secret=None,
                description="hookdev's own receiver (signs with the receiver secret)",
                created_at=now,
                updated_at=now,
            )
        )
        store.set_setting("default_endpoint_created", True)

    # -- receiver secret -----------------------------------------------------------------------
    def receiver_secrets(self) -> ReceiverSecrets:
        from hookdev.signing.standard import generate_secret

        if not self.secrets_path.exists():
            secrets = ReceiverSecrets(generate_secret(), [])
            self._save_secrets(secrets)
            return secrets
        try:
            data = json.loads(self.secrets_path.read_text(encoding="utf-8"))
            return ReceiverSecrets(
                data["secret"], [(p["secret"], float(p["expires_at"])) for p in data.get("previous", [])]
            )
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise WorkspaceError(f"cannot read {self.secrets_path}: {e}") from None

    def rotate_receiver_secret(self, grace: float = DEFAULT_GRACE) -> ReceiverSecrets:
        from hookdev.signing.standard import generate_secret

        old = self.receiver_secrets()
        now = time.time()
        previous = [(s, exp) for s, exp in old.previous if exp > now]
        if grace > 0:
            previous.insert(0, (old.current, now + grace))
        secrets = ReceiverSecrets(generate_secret(), previous)
        self._save_secrets(secrets)
        return secrets

    def _save_secrets(self, secrets: ReceiverSecrets) -> None:
        data = {
            "secret": secrets.current,
            "previous": [{"secret": s, "expires_at": exp} for s, exp in secrets.previous],
        }
        write_private(self.secrets_path, json.dumps(data, indent=2) + "\n")

    # -- signing secrets of an endpoint --------------------------------------------------------
    def signing_secrets(self, endpoint: Endpoint, now: float | None = None) -> list[str]:
        """The secrets a delivery to ``endpoint`` is signed with: current first, then unexpired old ones."""
        if endpoint.secret is None:
            return self.receiver_secrets().active(now)
        now = time.time() if now is None else now
        return [endpoint.secret] + [s for s, exp in endpoint.old_secrets if exp > now]
