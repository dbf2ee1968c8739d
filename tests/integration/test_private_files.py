"""Files are private, whoever created the directory (issue 10): under umask 000, in a pre-existing
0777 directory, every directory of the workspace ends 0700 and every file 0600."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest


def modes(home: Path) -> dict[str, int]:
    out = {".": stat.S_IMODE(home.stat().st_mode)}
    for root, dirs, files in os.walk(home):
        for name in dirs + files:
            path = Path(root, name)
            if not path.is_symlink():
                out[str(path.relative_to(home))] = stat.S_IMODE(path.stat().st_mode)
    return out


def run_umask_000(home: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    code = (
        "import os, sys; os.umask(0); from hookdev.cli import main; "
        f"sys.argv = ['hookdev', *{list(args)!r}]; main()"
    )
    env = dict(os.environ, HOOKDEV_HOME=str(home))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, env=env, timeout=60)


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_a_world_open_workspace_is_tightened_and_every_file_is_private(tmp_path: Path) -> None:
    home = tmp_path / "ws"
    home.mkdir()
    os.chmod(home, 0o777)  # someone made it open (or the umask did)
    loose = home / "notes.txt"
    loose.write_text("x")
    os.chmod(loose, 0o666)
    for args in (["secret"], ["tls", "ca"], ["inbox"], ["send", "code.scanned", "--no-wait"]):
        result = run_umask_000(home, *args)
        assert b"Traceback" not in result.stderr, result.stderr
    found = modes(home)
    assert {".gitignore", "hookdev.db", "secret.json"} <= set(found), found
    for name, mode in found.items():
        is_dir = name == "." or (home / name).is_dir()
        assert mode == (0o700 if is_dir else 0o600), (name, oct(mode))


def test_someone_elses_open_workspace_is_refused(tmp_path: Path) -> None:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("needs root to make a directory owned by someone else")
    home = tmp_path / "theirs"
    home.mkdir()
    os.chown(home, 65534, 65534)
    os.chmod(home, 0o777)
    result = run_umask_000(home, "inbox")
    assert result.returncode == 2
    assert b"open to other users and belongs to someone else" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
