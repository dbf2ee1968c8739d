"""GitHub-format deliveries verify with GitHub's own Node library, ``@octokit/webhooks-methods``.

Skipped, with the reason, when node/npm are absent or the package cannot be installed (offline). The
package is installed at test time into a cache directory outside the repository (nothing is vendored):
``$HOOKDEV_TEST_NODE_CACHE``, else ``~/.cache/hookdev-tests/node``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from hookdev.delivery.formats import build

PACKAGE = "@octokit/webhooks-methods@6"
SCRIPT = """
import { verify } from "@octokit/webhooks-methods";
const cases = JSON.parse(process.argv[2]);
const out = [];
for (const c of cases) out.push(await verify(c.secret, c.payload, c.signature));
console.log(JSON.stringify(out));
"""


@pytest.fixture(scope="module")
def octokit_dir() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed to run @octokit/webhooks-methods (not installed)")
    cache = Path(os.environ.get("HOOKDEV_TEST_NODE_CACHE", Path.home() / ".cache" / "hookdev-tests" / "node"))
    if not (cache / "node_modules" / "@octokit" / "webhooks-methods").is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        try:
            done = subprocess.run(
                [
                    npm,
                    "install",
                    "--prefix",
                    str(cache),
                    "--no-audit",
                    "--no-fund",
                    "--prefer-offline",
                    "--fetch-retries=0",
                    "--fetch-timeout=20000",
                    PACKAGE,
                ],
                capture_output=True,
                timeout=60,
            )
        except subprocess.TimeoutExpired:
            pytest.skip(f"npm could not install {PACKAGE} within 60 s (offline?)")
        if done.returncode != 0:
            pytest.skip(f"npm could not install {PACKAGE} (offline?): {done.stderr.decode()[-200:]}")
    return cache


def test_github_deliveries_verify_with_octokit(octokit_dir: Path) -> None:
    secret = "It's a Secret to Everybody"
    body = '{"action":"opened","number":1,"emoji":"\\u2603 ☃"}'.encode()
    cases = []
    for fault in (None, "tamper", "wrong-secret"):
        signed = build("github", [secret], message_id="msg_1", event_type="issues", body=body, fault=fault)
        headers = dict(signed.headers)
        cases.append(
            {"secret": secret, "payload": signed.body.decode(), "signature": headers["X-Hub-Signature-256"]}
        )
    script = octokit_dir / "verify.mjs"
    script.write_text(SCRIPT, encoding="utf-8")
    done = subprocess.run(
        ["node", str(script), json.dumps(cases)], capture_output=True, timeout=60, cwd=str(octokit_dir)
    )
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout) == [True, False, False]
