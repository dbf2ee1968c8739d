"""Files only their owner can read, written atomically: secrets, keys, certificates, caches, state.

The one way hookdev writes such a file: a temporary file made 0600 from its first byte (never briefly
group- or world-readable, whatever the umask) in the same directory, then renamed over the target, so a
reader sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_private(path: Path, data: str | bytes) -> None:
    """Write ``data`` (text is UTF-8) to ``path``, owner-only (0600), atomically."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
