"""A big OpenAPI webhooks document: ``catalog list`` (first run, and again from the workspace cache) and
``catalog show`` of one type, as real subprocesses, against ``python -c pass`` measured in the same run.

The document is generated with GitHub's shape (255 webhooks, few examples, a few MB of shared
components referenced by ``$ref``, long summaries). ``HOOKDEV_PERF_CATALOG=/path/to/api.github.com.json``
measures a real document instead (GitHub's is not in the repository). Target: ``catalog list`` under 1 s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 5


def document(types: int = 255, components: int = 400) -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for c in range(components):
        props: dict[str, Any] = {
            f"field_{f}": {"type": "string", "description": "A field of the component. " * 4}
            for f in range(25)
        }
        props["id"] = {"type": "integer"}
        props["url"] = {"type": "string", "format": "uri"}
        props["created_at"] = {"type": "string", "format": "date-time"}
        if c:
            props["parent"] = {"anyOf": [{"type": "null"}, {"$ref": f"#/components/schemas/c{c - 1}"}]}
        schemas[f"c{c}"] = {"type": "object", "required": ["id", "url"], "properties": props}
    hooks: dict[str, Any] = {}
    families = ["issues", "pull-request", "push", "release", "star", "workflow-run", "repository"]
    for i in range(types):
        refs = {f"part_{k}": {"$ref": f"#/components/schemas/c{(i * 7 + k) % components}"} for k in range(4)}
        hooks[f"{families[i % len(families)]}-{i}"] = {
            "post": {
                "summary": "This event occurs when there is activity. " * 6,
                "description": f"Event number {i}.",
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["action"],
                                "properties": {"action": {"type": "string", "enum": ["done"]}, **refs},
                            }
                        }
                    }
                },
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": "big", "version": "1"},
        "webhooks": hooks,
        "components": {"schemas": schemas},
    }


def _best(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, timeout=120)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(done.stderr.decode(errors="replace"))
        best = min(best, elapsed)
    return best


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        here = Path(tmp)
        real = os.environ.get("HOOKDEV_PERF_CATALOG")
        path = Path(real) if real else here / "big.json"
        if not real:
            path.write_text(json.dumps(document()), encoding="utf-8")
        size_mb = path.stat().st_size / 1e6
        env = {**os.environ, "PYTHONPATH": str(ROOT), "HOOKDEV_HOME": str(here / "nowhere")}
        hookdev = [sys.executable, "-m", "hookdev"]
        baseline = _best([sys.executable, "-c", "pass"], here, env)
        startup = _best([*hookdev, "--version"], here, env)  # the CLI's own start-up, catalog aside
        cold = _best(
            [*hookdev, "catalog", "list", "--catalog", str(path)], here, env
        )  # no workspace: no cache
        warm_env = {**env, "HOOKDEV_HOME": str(here / "ws")}
        subprocess.run(
            [*hookdev, "endpoints", "list"], cwd=here, env=warm_env, capture_output=True, timeout=60
        )
        subprocess.run(
            [*hookdev, "catalog", "list", "--catalog", str(path)],
            cwd=here,
            env=warm_env,
            capture_output=True,
            timeout=60,
        )
        warm = _best([*hookdev, "catalog", "list", "--catalog", str(path)], here, warm_env)
        names = subprocess.run(
            [*hookdev, "catalog", "list", "--json", "--catalog", str(path)],
            cwd=here,
            env=warm_env,
            capture_output=True,
            timeout=60,
        )
        first = json.loads(names.stdout)[0]["name"]
        show = _best([*hookdev, "catalog", "show", first, "--catalog", str(path)], here, warm_env)
    what = (
        f"{'real' if real else 'generated'} {size_mb:.1f} MB, 255 types"
        if not real
        else f"{path.name}, {size_mb:.1f} MB"
    )
    rows = []
    for metric, value, target in [
        ("hookdev --version (CLI start-up, for reference)", startup, ""),
        (f"catalog list, first run ({what})", cold, "< 1 s"),
        ("catalog list, from the workspace cache", warm, "< 1 s"),
        ("catalog show TYPE (synthesised example)", show, ""),
    ]:
        rows.append(
            {
                "benchmark": "catalog",
                "metric": metric,
                "value": value,
                "unit": "s",
                "baseline": "python -c pass",
                "baseline_value": baseline,
                "ratio": value / baseline,
                "target": target,
            }
        )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
