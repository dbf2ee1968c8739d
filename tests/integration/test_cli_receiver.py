"""`hookdev listen`, `inbox`, `verify`, `sign` and `secret` as a user runs them: real subprocesses."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from svix.webhooks import Webhook as SvixWebhook

from tests.conftest import run_cli

VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TS = "1614265330"
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIG = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


class Listener:
    """A `hookdev listen --json` subprocess; reads its JSON lines."""

    def __init__(self, home: Path, *args: str) -> None:
        env = dict(os.environ, HOOKDEV_HOME=str(home), PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hookdev", "listen", "--port", "0", "--json", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=str(home.parent),
        )
        self.ready = self.next_line()
        assert self.ready["event"] == "ready", self.ready

    def next_line(self) -> dict:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # bounded by the test timeout
        if not line:
            raise AssertionError(f"listen exited: {self.proc.wait()} {self.proc.stderr.read().decode()}")
        return json.loads(line)

    def next_request(self) -> dict:
        while True:
            line = self.next_line()
            if line["event"] == "request":
                return line

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=20)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()
        return code


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "ws"


def test_listen_json_lines_svix_valid_and_tampered(home):
    listener = Listener(home)
    try:
        url, secret = listener.ready["url"], listener.ready["secret"]
        assert url.startswith("http://127.0.0.1:") and secret.startswith("whsec_")
        body = '{"type":"code.created","data":{"id":1}}'
        now = datetime.now(tz=UTC)
        headers = {
            "svix-id": "msg_cli",
            "svix-timestamp": str(int(now.timestamp())),
            "svix-signature": SvixWebhook(secret).sign("msg_cli", now, body),
            "authorization": "Bearer topsecret",
        }
        r = httpx.post(url + "/wh", content=body, headers=headers)
        assert r.status_code == 200
        line = listener.next_request()
        assert set(line) == {
            "event",
            "id",
            "received_at",
            "method",
            "path",
            "query",
            "headers",
            "body_size",
            "scheme",
            "webhook_id",
            "event_type",
            "verified",
            "reason",
            "status",
        }
        assert line["verified"] is True and line["event_type"] == "code.created" and line["status"] == 200
        assert line["id"] == r.json()["id"] and line["webhook_id"] == "msg_cli"
        assert line["headers"]["authorization"] == "Bearer ••••"

        r = httpx.post(url + "/wh", content=body.replace("1", "2"), headers=headers)
        assert r.status_code == 401
        line = listener.next_request()
        assert line["verified"] is False
        assert line["reason"] == "no signature matched any of 1 active secret"
    finally:
        assert listener.stop() == 0
    out = run_cli("inbox", "--json", home=home)
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [r["verified"] for r in rows] == [False, True]  # newest first
    assert b"topsecret" not in out.stdout

    invalid = json.loads(run_cli("inbox", "--json", "--invalid", home=home).stdout)
    assert len(invalid) == 1 and invalid[0]["verified"] is False
    shown = json.loads(run_cli("inbox", "show", rows[1]["id"], "--json", home=home).stdout)
    assert shown["body_text"] == body
    assert shown["body_base64"]
    assert b"topsecret" not in run_cli("inbox", "show", rows[1]["id"], home=home).stdout


def test_listen_port_in_use_is_a_one_line_error(home):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = run_cli("listen", "--port", str(port), home=home)
    assert result.returncode == 2
    err = result.stderr.decode().strip()
    assert len(err.splitlines()) == 1
    assert f"port {port} on 127.0.0.1 is already in use" in err
    assert "Traceback" not in err


def test_listen_human_output_and_clean_stop(home):
    env = dict(os.environ, HOOKDEV_HOME=str(home), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "hookdev", "listen", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=str(home.parent),
        text=True,
    )
    for _ in range(20):  # the ready block is a hint: stderr
        first = proc.stderr.readline()
        if "hookdev listening on" in first:
            break
    assert "hookdev listening on http://127.0.0.1:" in first
    url = first.split()[-1]
    httpx.post(url + "/x", content=b"{}")
    line = proc.stdout.readline()  # stdout is data: the request line is its first line
    assert "/x" in line and "POST" in line and "unsigned" in line and "200" in line, line
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=20) == 0
    proc.stdout.close()
    proc.stderr.close()


def test_bad_options_are_usage_errors(home):
    for args in (
        ["listen", "--respond", "explode"],
        ["listen", "--forward-to", "ftp://x"],
        ["listen", "--max-body", "lots"],
        ["listen", "--port", "70000"],
    ):
        result = run_cli(*args, home=home)
        assert result.returncode == 2, args
        assert b"Traceback" not in result.stderr


def test_verify_public_vector(home):
    args = [
        "verify",
        "--secret",
        VECTOR_SECRET,
        "-H",
        f"webhook-id: {VECTOR_ID}",
        "-H",
        f"webhook-timestamp: {VECTOR_TS}",
        "-H",
        f"webhook-signature: {VECTOR_SIG}",
        "--now",
        VECTOR_TS,
        "--json",
    ]
    ok = run_cli(*args, input=VECTOR_BODY, home=home)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == {
        "verified": True,
        "scheme": "standard",
        "reason": None,
        "matched_secret": 0,
    }

    stale = run_cli(*args[:-3], input=VECTOR_BODY, home=home)  # judged now: years too old
    assert stale.returncode == 1
    assert "too old (tolerance 300 s)" in stale.stderr.decode()

    tampered = run_cli(*args, input=VECTOR_BODY + b" ", home=home)
    assert tampered.returncode == 1
    assert json.loads(tampered.stdout)["reason"] == "no signature matched any of 1 active secret"

    bad_ts = run_cli(
        "verify",
        "--secret",
        VECTOR_SECRET,
        "-H",
        f"webhook-id: {VECTOR_ID}",
        "-H",
        "webhook-timestamp: 1614265330.5",
        "-H",
        f"webhook-signature: {VECTOR_SIG}",
        input=VECTOR_BODY,
        home=home,
    )
    assert bad_ts.returncode == 1
    assert "webhook-timestamp is not an integer: '1614265330.5'" in bad_ts.stderr.decode()

    usage = run_cli("verify", "-H", "nocolon", "--secret", "x", input=b"", home=home)
    assert usage.returncode == 2


def test_verify_github_vector_with_scheme_detection(home):
    result = run_cli(
        "verify",
        "--secret",
        "It's a Secret to Everybody",
        "-H",
        "X-Hub-Signature-256: sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        "--json",
        input=b"Hello, World!",
        home=home,
    )
    assert result.returncode == 0
    assert json.loads(result.stdout)["scheme"] == "github"


def test_sign_output_verifies_with_svix_and_curl_form(home, tmp_path):
    body_file = tmp_path / "body.json"
    body_file.write_bytes(b'{"type":"page.published"}')
    out = run_cli(
        "sign", "--secret", VECTOR_SECRET, "--id", "msg_1", "--body-file", str(body_file), "--json", home=home
    )
    headers = json.loads(out.stdout)
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    SvixWebhook(VECTOR_SECRET).verify(body_file.read_bytes(), headers)  # raises if invalid
    text = run_cli(
        "sign", "--secret", VECTOR_SECRET, "--body-file", str(body_file), home=home
    ).stdout.decode()
    assert text.count("\n") == 3 and "webhook-signature: v1," in text
    curl = run_cli(
        "sign", "--body-file", str(body_file), "--curl", "http://127.0.0.1:8787/", home=home
    ).stdout.decode()
    assert curl.startswith("curl ") and "--data-binary" in curl
    bad = run_cli("sign", "--secret", "whsec_!!!", input=b"{}", home=home)
    assert bad.returncode == 2 and b"not valid whsec_ base64" in bad.stderr


def test_secret_is_stable_private_and_rotates(home):
    first = json.loads(run_cli("secret", "--json", home=home).stdout)
    assert first["secret"].startswith("whsec_") and first["previous"] == []
    assert json.loads(run_cli("secret", "--json", home=home).stdout)["secret"] == first["secret"]
    secret_file = home / "secret.json"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    run_cli("inbox", home=home)
    assert stat.S_IMODE((home / "hookdev.db").stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert (home / ".gitignore").read_text() == "*\n"
    rotated = json.loads(run_cli("secret", "--rotate", "--grace", "60", "--json", home=home).stdout)
    assert rotated["secret"] != first["secret"] and rotated["previous"] == [first["secret"]]
    gone = json.loads(run_cli("secret", "--rotate", "--grace", "0", "--yes", "--json", home=home).stdout)
    assert gone["previous"] == [rotated["previous"][0]] and gone["secret"] != rotated["secret"]


def test_verify_request_and_inbox_clear(home):
    listener = Listener(home)
    try:
        url = listener.ready["url"]
        from hookdev.signing.standard import sign_headers

        other = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
        body = b'{"type":"contact.captured"}'
        httpx.post(url + "/", content=body, headers=sign_headers([other], "msg_o", int(time.time()), body))
        line = listener.next_request()
        assert line["verified"] is False
    finally:
        listener.stop()
    again = run_cli("verify", "--request", line["id"], "--secret", other, "--json", home=home)
    assert again.returncode == 0 and json.loads(again.stdout)["verified"] is True
    missing = run_cli("verify", "--request", "req_nope", home=home)
    assert missing.returncode == 2 and b"no captured request" in missing.stderr
    refused = run_cli("inbox", "clear", home=home, input=b"y\n")  # piped input never answers for the user
    assert refused.returncode == 2 and b"nothing deleted" in refused.stderr
    assert len(json.loads(run_cli("inbox", "--json", home=home).stdout)) == 1
    assert run_cli("inbox", "clear", "--yes", home=home).returncode == 0
    assert json.loads(run_cli("inbox", "--json", home=home).stdout) == []


def test_version_and_module_entry(home):
    import hookdev

    out = run_cli("--version", home=home)
    assert out.returncode == 0 and hookdev.__version__ in out.stdout.decode()
    for command in ("listen", "inbox", "verify", "sign", "secret"):
        help_text = run_cli(command, "--help", home=home)
        assert help_text.returncode == 0 and b"Usage:" in help_text.stdout
