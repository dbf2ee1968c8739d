"""What counts as "the consumer's code changed" for --resend-on-change."""

from __future__ import annotations

from pathlib import Path

import watchfiles

from hookdev.devloop import SourceFilter


def test_ignores_vcs_caches_dependencies_venvs_and_the_workspace(tmp_path: Path):
    workspace = tmp_path / "proj" / ".hookdev"
    f = SourceFilter([workspace])
    added = watchfiles.Change.added
    ignored = [
        "proj/.git/index",
        "proj/src/__pycache__/x.cpython-311.pyc",
        "proj/node_modules/a/index.js",
        "proj/.venv/lib/x.py",
        "proj/venv/bin/python",
        "proj/.hookdev/hookdev.db",
        "proj/pkg.egg-info/PKG-INFO",
        "proj/.mypy_cache/x.json",
    ]
    for rel in ignored:
        assert not f(added, str(tmp_path / rel)), rel
    for rel in ("proj/src/handler.py", "proj/app/routes.ts", "proj/main.go"):
        assert f(added, str(tmp_path / rel)), rel
