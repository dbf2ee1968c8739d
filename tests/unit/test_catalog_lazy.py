"""The catalog and validation path stays lazy: ``catalog list``, ``show`` and ``send`` never pay for the
``rfc3987_syntax`` grammar build (about 1.3 s at import), and ``date-time`` and ``uri`` are still checked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import json, sys
from click.testing import CliRunner
from hookdev.cli import main
imported = {}
import hookdev.catalog
imported["after import hookdev.catalog"] = "jsonschema" in sys.modules
runner = CliRunner()
codes = [
    runner.invoke(main, ["catalog", "list"]).exit_code,
    runner.invoke(main, ["catalog", "show", "code.scanned"]).exit_code,
    runner.invoke(main, ["send", "code.scanned", "--set", "data.scan_count=2", "--endpoint", "ep_local"]).exit_code,
]
from hookdev.catalog import EventType, validate_payload
schema = {"type": "object", "properties": {
    "at": {"type": "string", "format": "date-time"},
    "site": {"type": "string", "format": "uri"},
    "mail": {"type": "string", "format": "email"},
}}
et = EventType("x", "", schema, {}, "x")
bad = [i.path for i in validate_payload(et, {"at": "yesterday", "site": "not a uri", "mail": "nope"})]
good = validate_payload(et, {"at": "2025-01-01T00:00:00Z", "site": "https://example.com/a", "mail": "a@b.co"})
print(json.dumps({"codes": codes, "rfc3987_syntax": "rfc3987_syntax" in sys.modules, "bad": bad,
                  "good": len(good), **imported}))
"""


def test_list_show_send_skip_the_grammar_build_and_formats_are_still_checked(tmp_path: Path) -> None:
    env = {**os.environ, "HOOKDEV_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["codes"] == [0, 0, 0]
    assert report["after import hookdev.catalog"] is False  # jsonschema only when a schema is checked
    assert report["rfc3987_syntax"] is False
    assert report["bad"] == ["$.at", "$.mail", "$.site"]
    assert report["good"] == 0
