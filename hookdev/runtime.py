"""Which receiver runs on a workspace right now: a small file the engine writes while it listens.

``receiver.json`` in the workspace holds the URL, the process id and what runs it (``listen`` or the
TUI). It is written when the receiver is ready and removed when it stops; a crashed process leaves
it behind, so a reader checks that the process is alive and that the port still accepts connections
before saying "running" (a bare TCP connect: the receiver records nothing for it).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

RUNTIME_FILE = "receiver.json"


@dataclass(frozen=True)
class Running:
    url: str
    pid: int
    kind: str  # "listen" or "ui"
    started_at: float


def announce(home: Path, url: str, kind: str | None = None) -> None:
    """Record that this process serves ``url`` for the workspace at ``home``."""
    from hookdev.workspace import write_private

    if kind is None:
        kind = "ui" if "textual" in sys.modules else "listen"
    data = {"url": url, "pid": os.getpid(), "kind": kind, "started_at": time.time()}
    with contextlib.suppress(OSError):
        write_private(home / RUNTIME_FILE, json.dumps(data) + "\n")


def withdraw(home: Path, url: str) -> None:
    """Remove the record, if it is still this process's (another may have taken over since)."""
    found = read(home)
    if found is not None and found.pid == os.getpid() and found.url == url:
        with contextlib.suppress(OSError):
            (home / RUNTIME_FILE).unlink()


def read(home: Path) -> Running | None:
    """The record as written, alive or not; None when there is none or it is unreadable."""
    try:
        data = json.loads((home / RUNTIME_FILE).read_text(encoding="utf-8"))
        return Running(str(data["url"]), int(data["pid"]), str(data["kind"]), float(data["started_at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def running(home: Path) -> Running | None:
    """The receiver serving this workspace now: its process is alive and its port accepts connections."""
    found = read(home)
    if found is None or not pid_alive(found.pid) or not accepts(found.url):
        return None
    return found


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    except OSError:
        return False
    return True


def accepts(url: str, timeout: float = 0.3) -> bool:
    """Whether something accepts TCP connections at ``url``'s host and port (nothing is sent)."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return False
    host = parts.hostname or "127.0.0.1"
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1" if host == "0.0.0.0" else "::1"
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
