"""Every ordinary mistake is a one-line error (issue 10): a table of bad invocations of every command.

Each must exit 2 with exactly one error line on stderr (click's "Usage:"/"Try" preamble aside) and no
traceback. Runs the real click tree in-process against a real workspace holding one capture.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from hookdev.cli import main
from hookdev.models import Capture
from hookdev.workspace import Workspace

CAPTURE_ID = "req_table_0001"


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("table")
    ws = Workspace(root / "ws")
    ws.store.insert_capture(
        Capture(
            CAPTURE_ID,
            time.time(),
            "POST",
            "/x",
            "",
            [("host", "h")],
            b"{}",
            2,
            receiver_url="http://127.0.0.1:1",
        )
    )
    ws.close()
    (root / "afile").write_text("x")
    os.symlink(root / "no-such-target", root / "dangling")
    return root


BAD = [
    ["inbox", "--limit", "99999999999999999999999"],
    ["inbox", "--limit", "0"],
    ["inbox", "--verified", "--invalid"],
    ["send", "--time-scale", "nan", "code.scanned"],
    ["send", "--timeout", "inf", "code.scanned"],
    ["send", "nope.type"],
    ["inbox", "export", CAPTURE_ID, "-o", "/no/such/dir/x"],
    ["inbox", "export", CAPTURE_ID, "-o", "{root}/dangling"],
    ["inbox", "export", CAPTURE_ID, "-o", "/proc/version"],  # unwritable, even for root
    ["inbox", "export", CAPTURE_ID, "-o", "{root}/afile/x"],
    ["inbox", "export", CAPTURE_ID, "--url", "ftp://x"],
    ["inbox", "export", "--all", "-o", "/no/such/dir/x"],
    ["inbox", "export", "nope"],
    ["inbox", "show", "nope"],
    ["verify", "-H", "nocolon", "--secret", "s"],
    ["verify", "--now", "nan", "--secret", "s"],
    ["verify", "--tolerance", "-inf", "--secret", "s"],
    ["sign", "--timestamp", "-1"],
    ["sign", "--secret", "whsec_!!!"],
    ["replay", "nope"],
    ["messages", "show", "nope"],
    ["messages", "--limit", "-5"],
    ["attempts", "--limit", "99999999999999999999999"],
    ["endpoints", "show", "nope"],
    ["endpoints", "add", "https://example.com/h", "--rate-limit", "nan"],
    ["catalog", "show", "nope.type"],
    ["recover", "ep_local", "--since", "nonsense"],
    ["listen", "--port", "70000"],
    ["listen", "--tolerance", "nan"],
    ["listen", "--forward-to", "ftp://x"],
    ["listen", "--forward-timeout", "inf"],
    ["listen", "--route", "bad"],
    ["listen", "--respond", "delay:nan"],
    ["listen", "--respond", "fail:99999999999999999999999"],
    ["listen", "--max-body", "nan"],
    ["listen", "--max-response", "infMiB"],
    ["listen", "--config", "/no/such.toml"],
    ["listen", "--relay", "not a url"],
    ["listen", "--relay", "http://127.0.0.1:1", "--channel", "bad!"],
    ["listen", "--head-timeout", "nan"],
    ["listen", "--max-connections", "0"],
    ["secret", "--grace", "nan"],
    ["dispatch", "--concurrency", "0"],
    ["relay", "--port", "99999"],
]


@pytest.mark.parametrize("args", BAD, ids=[" ".join(a) for a in BAD])
def test_bad_invocation_is_one_line_exit_2(place: Path, args: list[str]) -> None:
    argv = [a.replace("{root}", str(place)) for a in args]
    result = CliRunner().invoke(main, argv, env={"HOOKDEV_HOME": str(place / "ws")})
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = [
        line
        for line in result.stderr.splitlines()
        if line.strip() and not line.startswith(("Usage:", "Try '"))
    ]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr
