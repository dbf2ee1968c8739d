"""The terminal is not an attack surface (issue 10): captured bytes that are terminal controls (C0, ESC
sequences: CSI, OSC; C1; bidi overrides) are shown escaped, visibly, by the CLI and the TUI, while
--json stays exact."""

from __future__ import annotations

import json
import time

import click
import pytest
from click.testing import CliRunner

from hookdev.cli import main
from hookdev.cli.render import attempt_line, capture_line, outcome_text
from hookdev.models import Attempt, Capture
from hookdev.textsafe import visible
from hookdev.workspace import Workspace

CLEAR = "\x1b[2J\x1b[H"  # CSI: clear the screen, cursor home
TITLE = "\x1b]0;pwned\x07"  # OSC: retitle the window
C1_CSI = "\x9b31m"  # C1 CSI
BIDI = "\u202eexe.txt"  # right-to-left override
RAW = ("\x1b", "\x07", "\x9b", "\u202e", "\u2066", "\x00")


def hostile() -> Capture:
    return Capture(
        id="req_hostile_0001",
        received_at=time.time(),
        method="POST",
        path="/a" + CLEAR,
        query="q=" + TITLE,
        headers=[("host", "h"), ("x-title", TITLE), ("x-bidi", BIDI + "\u2066")],
        body=('{"a": "' + C1_CSI + BIDI + '"}\n' + CLEAR).encode(),
        body_size=40,
        event_type="evt" + CLEAR,
        verified=False,
        reason="bad " + TITLE,
        status=401,
        forwarded_to="http://127.0.0.1:1/" + BIDI,
        forward_error="boom" + C1_CSI,
    )


def assert_clean(text: str) -> None:
    for char in RAW:
        assert char not in text, (repr(char), text)


def test_visible_escapes_controls_and_keeps_text():
    assert visible("a\x1b[31mb") == "a\\x1b[31mb"
    assert visible(TITLE) == "\\x1b]0;pwned\\x07"
    assert visible("\x9b\x85") == "\\x9b\\x85"
    assert visible(BIDI) == "\\u202eexe.txt"
    assert visible("é 日本 ✓ tab\tend\n") == "é 日本 ✓ tab\\tend\\n"
    assert visible("l1\nl2\tx\x1b", keep="\n\t") == "l1\nl2\tx\\x1b"


@pytest.fixture
def home(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.store.insert_capture(hostile())
    ws.close()
    return tmp_path / "ws"


def run(home, *args):
    result = CliRunner().invoke(main, list(args), env={"HOOKDEV_HOME": str(home)})
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def test_inbox_and_inbox_show_escape_captured_controls(home):
    listing = run(home, "inbox")
    assert_clean(listing.stdout + listing.stderr)
    assert "\\x1b[2J" in listing.stdout
    shown = run(home, "inbox", "show", "req_hostile_0001")
    assert_clean(shown.stdout + shown.stderr)
    assert "\\x1b]0;pwned\\x07" in shown.stdout and "\\u202eexe.txt" in shown.stdout
    assert "\\x9b31m" in shown.stdout


def test_json_stays_exact(home):
    data = json.loads(run(home, "inbox", "--json").stdout)[0]
    original = hostile()
    assert data["path"] == original.path and data["query"] == original.query
    assert data["headers"]["x-title"] == TITLE and data["reason"] == original.reason
    detail = json.loads(run(home, "inbox", "show", "req_hostile_0001", "--json").stdout)
    assert detail["body_text"] == original.body.decode()
    raw = run(home, "inbox", "show", "req_hostile_0001", "--body").stdout_bytes
    assert raw == original.body  # --body writes the bytes, as asked


def test_listen_lines_and_attempt_lines_escape():
    assert_clean(click.unstyle(capture_line(hostile())))  # our own colours aside
    attempt = Attempt(
        id="att_1",
        message_id="msg_1",
        endpoint_id="ep_1",
        number=1,
        trigger="scheduled",
        status="failed",
        scheduled_at=time.time(),
        started_at=time.time(),
        error="connection reset " + TITLE + BIDI,
    )
    assert_clean(click.unstyle(attempt_line(attempt)))
    assert_clean(click.unstyle(outcome_text(attempt)))


def test_tui_detail_escapes():
    from hookdev.tui.widgets.capture_detail import body_content, headers_content, overview_content

    c = hostile()
    for content in (
        headers_content(c.headers),
        overview_content(c, utc=True),
        body_content(c.body, "raw"),
        body_content(c.body, "pretty"),
    ):
        assert_clean(content.plain)
