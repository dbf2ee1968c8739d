"""The pytest plugin loads through its ``pytest11`` entry point, as after ``pip install hookdev``.

Without reinstalling anything: a throwaway ``.dist-info`` declaring the same entry point as
pyproject.toml is put on the path of a child pytest, which must then offer the fixtures with no
``-p`` option and no conftest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_pyproject_declares_the_entry_point() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["entry-points"]["pytest11"] == {"hookdev": "hookdev.pytest_plugin"}


def test_the_fixtures_come_from_the_entry_point(tmp_path: Path) -> None:
    site = tmp_path / "site"
    info = site / "hookdev_entry_point_probe-0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hookdev-entry-point-probe\nVersion: 0\n")
    (info / "entry_points.txt").write_text("[pytest11]\nhookdev = hookdev.pytest_plugin\n")
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_uses_plugin.py").write_text(
        "from starlette.applications import Starlette\n"
        "from starlette.responses import Response\n"
        "from starlette.routing import Route\n"
        "async def ok(request):\n"
        "    await request.body()\n"
        "    return Response(status_code=204)\n"
        "def test_fixtures(hookdev_sender, hookdev_check, hookdev_receiver):\n"
        "    app = Starlette(routes=[Route('/', ok, methods=['POST'])])\n"
        "    assert hookdev_sender.send(app).status_code == 204\n"
        "    assert hookdev_receiver.url.startswith('http://127.0.0.1:')\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), str(ROOT)]))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", str(suite)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=str(suite),
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
