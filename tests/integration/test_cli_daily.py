"""hookdev in daily use (issue 12): the right workspace from any folder, `hookdev status`, names
everywhere, nothing deleted by accident, stdout you can pipe, one-line usage errors.

Every test runs the real CLI in a subprocess (and a real `hookdev listen` where a receiver is needed),
from folders laid out as a project would be.
"""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

TOML = """\
[[endpoints]]
name = "orders-app"
url = "http://127.0.0.1:9/orders"

[[endpoints]]
name = "orders-audit"
url = "http://127.0.0.1:9/audit"
"""


def env_without_home(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "HOOKDEV_HOME"}
    env["NO_COLOR"] = "1"
    env.update(extra)
    return env


def hd(cwd: Path, *args: str, input: bytes | None = b"", env: dict[str, str] | None = None) -> Any:
    """`hookdev ARGS` run from ``cwd`` with no $HOOKDEV_HOME (unless ``env`` sets one)."""
    return subprocess.run(
        [sys.executable, "-m", "hookdev", *args],
        cwd=cwd,
        env=env or env_without_home(),
        input=input,
        capture_output=True,
        timeout=60,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder with a hookdev.toml and a src/app tree below it (no workspace yet)."""
    root = tmp_path / "proj"
    (root / "src" / "app").mkdir(parents=True)
    (root / "hookdev.toml").write_text(TOML, encoding="utf-8")
    for parent in root.parents:  # the upward search must not meet a stray workspace above the temp dir
        assert not (parent / ".hookdev").exists() and not (parent / "hookdev.toml").exists(), parent
    return root


class Listen:
    """`hookdev listen --port 0 --json` run from a folder; reads its JSON lines."""

    def __init__(self, cwd: Path, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hookdev", "listen", "--port", "0", "--json"],
            cwd=cwd,
            env={**(env or env_without_home()), "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.ready = self.next_event("ready")

    def next_event(self, kind: str) -> dict[str, Any]:
        assert self.proc.stdout is not None
        while True:
            line = self.proc.stdout.readline()  # bounded by the test timeout
            if not line:
                raise AssertionError(f"listen exited: {self.proc.wait()} {self.proc.stderr.read().decode()}")  # type: ignore[union-attr]
            event = json.loads(line)
            if event["event"] == kind:
                return event

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=20)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()


class ListenWith(Listen):
    def __init__(self, cwd: Path, env: dict[str, str], *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hookdev", "listen", "--port", "0", "--json", *args],
            cwd=cwd,
            env={**env, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.ready = self.next_event("ready")


# -- the right workspace from anywhere ------------------------------------------------------------


def test_every_folder_of_a_project_uses_the_same_workspace(project: Path, tmp_path: Path) -> None:
    first = hd(project / "src" / "app", "secret")
    assert first.returncode == 0, first.stderr
    assert (project / ".hookdev").is_dir() and not (project / "src" / ".hookdev").exists()
    assert not (project / "src" / "app" / ".hookdev").exists()
    secret = first.stdout.decode().strip()
    assert b"created workspace" in first.stderr and secret[:10].encode() in first.stderr
    for folder in (project, project / "src"):
        again = hd(folder, "secret")
        assert again.stdout.decode().strip() == secret
        assert b"created" not in again.stderr  # said once, when it was created
    # $HOOKDEV_HOME wins over the search, --home over both
    other = tmp_path / "elsewhere"
    by_env = hd(project / "src", "secret", env=env_without_home(HOOKDEV_HOME=str(other)))
    assert by_env.stdout.decode().strip() != secret and (other / "secret.json").exists()
    assert by_env.stderr == b""  # a workspace the user named is created without a word
    by_flag = hd(
        project / "src",
        "secret",
        "--home",
        str(project / ".hookdev"),
        env=env_without_home(HOOKDEV_HOME=str(other)),
    )
    assert by_flag.stdout.decode().strip() == secret


def test_a_folder_with_no_workspace_above_gets_one_and_says_so_once(tmp_path: Path) -> None:
    lone = tmp_path / "lone"
    lone.mkdir()
    created = hd(lone, "inbox", "--json")
    assert created.returncode == 0 and json.loads(created.stdout) == []
    lines = created.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("created workspace ./.hookdev (secret whsec_"), lines
    assert (lone / ".hookdev" / ".gitignore").read_text() == "*\n"
    assert hd(lone, "inbox", "--json").stderr == b""


def test_status_says_which_workspace_why_and_what_runs_on_it(project: Path) -> None:
    before = hd(project / "src", "status", "--json")
    assert before.returncode == 0, before.stderr
    doc = json.loads(before.stdout)
    assert doc["workspace"]["path"] == str(project / ".hookdev")
    assert doc["workspace"]["source"] == "found" and doc["workspace"]["exists"] is False
    assert not (project / ".hookdev").exists()  # status creates nothing
    assert doc["config"] == {"path": str(project / "hookdev.toml"), "error": None}
    assert doc["receiver"]["running"] is False

    listen = Listen(project / "src" / "app")
    try:
        assert listen.ready["workspace"] == str(project / ".hookdev")
        assert listen.ready["workspace_source"] == "found"
        live = json.loads(hd(project, "status", "--json").stdout)
        assert live["receiver"] == {
            "url": listen.ready["url"],
            "running": True,
            "kind": "listen",
            "pid": listen.proc.pid,
            "since": live["receiver"]["since"],
            "port_in_use": False,
        }
        names = {e["name"]: e for e in live["endpoints"]}
        assert {"orders-app", "orders-audit", None} == set(names)  # the file's endpoints, synced by listen
        assert all({"backlog", "pending", "sending", "url", "id"} <= set(e) for e in live["endpoints"])
        text = hd(project / "src", "status").stdout.decode()
        assert f"receiver   {listen.ready['url']}  running (hookdev listen, pid {listen.proc.pid})" in text
        assert "workspace  " in text and "found upward" in text and "orders-app" in text
    finally:
        listen.stop()
    after = json.loads(hd(project, "status", "--json").stdout)
    assert after["receiver"]["running"] is False and after["receiver"]["url"] == "http://127.0.0.1:8787"


@pytest.fixture(scope="module")
def receiver(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One `hookdev listen --accept-invalid` (answers 200, records every verdict) shared by the tests
    below, in its own workspace: (listener, folder, env)."""
    folder = tmp_path_factory.mktemp("receiver")
    env = env_without_home(HOOKDEV_HOME=str(folder / "ws"))
    listen = ListenWith(folder, env, "--accept-invalid")
    yield listen, folder, env
    listen.stop()


def test_a_delivery_signed_by_another_workspace_gets_a_hint(receiver: Any, tmp_path: Path) -> None:
    listen, folder, env = receiver
    other = env_without_home(HOOKDEV_HOME=str(tmp_path / "other-ws"))
    added = hd(tmp_path, "endpoints", "add", listen.ready["url"] + "/", "--json", env=other)
    endpoint = json.loads(added.stdout)["id"]
    sent = hd(tmp_path, "send", "code.scanned", "--endpoint", endpoint, "--json", env=other)
    assert sent.returncode == 0, sent.stderr
    request = listen.next_event("request")
    assert request["verified"] is False
    assert request["reason"].startswith("no signature matched any of 1 active secret")
    assert request["reason"].endswith("(signed by another hookdev workspace? see `hookdev status`)")
    # the same workspace's own send verifies, with no hint anywhere
    hd(folder, "send", "code.scanned", "--endpoint", "ep_local", env=env)
    mine = listen.next_event("request")
    assert mine["verified"] is True and mine["reason"] is None


# -- names work everywhere -------------------------------------------------------------------------


def test_endpoint_names_from_hookdev_toml_work_wherever_an_id_does(project: Path) -> None:
    src = project / "src"
    shown = hd(src, "endpoints", "show", "orders-app", "--json")  # never synced before: the name still works
    assert shown.returncode == 0, shown.stderr
    app = json.loads(shown.stdout)
    assert app["name"] == "orders-app" and app["url"] == "http://127.0.0.1:9/orders" and app["managed"]
    listed = json.loads(hd(src, "endpoints", "list", "--json").stdout)
    assert {e["name"] for e in listed} == {None, "orders-app", "orders-audit"}
    assert "orders-audit" in hd(src, "endpoints", "list").stdout.decode()

    sent = hd(src, "send", "code.scanned", "--endpoint", "orders-app", "--json", "--timeout", "2")
    assert json.loads(sent.stdout)["endpoints"] == [app["id"]]
    attempts = json.loads(hd(src, "attempts", "--endpoint", "orders-app", "--json").stdout)
    assert attempts and {a["endpoint_id"] for a in attempts} == {app["id"]}
    assert {a["endpoint_name"] for a in attempts} == {"orders-app"}
    assert "-> orders-app  attempt 1 (" in hd(src, "attempts").stdout.decode()
    recovered = hd(src, "recover", "orders-app", "--since", "1h", "--json", "--timeout", "2")
    assert recovered.returncode in (0, 1), recovered.stderr  # 1: the endpoint is down, as it is here

    ambiguous = hd(src, "endpoints", "show", "orders")
    assert ambiguous.returncode == 2
    assert ambiguous.stderr.decode().splitlines() == [
        "Error: endpoint 'orders' is ambiguous: it matches orders-app, orders-audit"
    ]
    unknown = hd(src, "send", "code.scanned", "--endpoint", "billing")
    assert unknown.returncode == 2
    lines = unknown.stderr.decode().splitlines()
    assert (
        len(lines) == 1
        and lines[0] == "Error: no endpoint 'billing'; known: ep_local, orders-app, orders-audit"
    )


# -- nothing deleted by accident -------------------------------------------------------------------


def run_on_a_terminal(cwd: Path, answer: bytes, *args: str, env: dict[str, str]) -> tuple[int, str]:
    """Run hookdev with stdin (and stderr) on a pseudo-terminal; type ``answer`` at the prompt."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hookdev", *args],
        cwd=cwd,
        env=env,
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 30
    try:
        while b"[y/N]" not in seen:
            assert time.monotonic() < deadline, f"no prompt: {seen!r}"
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                seen += os.read(master, 1024)
        os.write(master, answer)
        proc.wait(timeout=30)
        while True:
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                break
            try:
                chunk = os.read(master, 1024)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(master)
        if proc.stdout is not None:
            proc.stdout.close()
    return proc.returncode, seen.decode(errors="replace")


def test_destructive_commands_ask_and_piped_input_never_answers(tmp_path: Path) -> None:
    from hookdev.models import Capture
    from hookdev.workspace import Workspace

    home = tmp_path / "ws"
    env = env_without_home(HOOKDEV_HOME=str(home))
    workspace = Workspace(home)  # one captured request, as the receiver stores it
    workspace.store.insert_capture(
        Capture("req_daily1", time.time(), "POST", "/", "", [("content-type", "application/json")], b"{}", 2)
    )
    workspace.close()

    def captures() -> int:
        opened = Workspace(home)
        try:
            return opened.store.count_captures()
        finally:
            opened.close()

    assert captures() == 1
    piped = hd(tmp_path, "inbox", "clear", input=b"y\n", env=env)
    assert piped.returncode == 2 and captures() == 1
    assert piped.stderr.decode().splitlines() == [
        "Error: nothing deleted: `hookdev inbox clear` asks first; add --yes when stdin is not a terminal"
    ]
    code, screen = run_on_a_terminal(tmp_path, b"n\n", "inbox", "clear", env=env)
    assert code == 1 and "delete 1 captured request(s)? [y/N]" in screen and "nothing deleted" in screen
    assert captures() == 1
    code, screen = run_on_a_terminal(tmp_path, b"y\n", "inbox", "clear", env=env)
    assert code == 0 and "deleted 1 request(s)" in screen and captures() == 0

    added = json.loads(hd(tmp_path, "endpoints", "add", "http://127.0.0.1:9/x", "--json", env=env).stdout)
    refused = hd(tmp_path, "endpoints", "delete", added["id"], input=b"y\n", env=env)
    assert refused.returncode == 2 and b"nothing deleted" in refused.stderr
    code, screen = run_on_a_terminal(tmp_path, b"\n", "endpoints", "delete", added["id"], env=env)
    assert code == 1 and "nothing deleted" in screen  # the default answer is no
    assert hd(tmp_path, "endpoints", "show", added["id"], env=env).returncode == 0
    gone = hd(tmp_path, "endpoints", "delete", added["id"], "--yes", "--json", env=env)
    assert gone.returncode == 0 and json.loads(gone.stdout)["deleted"] is True

    secret = hd(tmp_path, "secret", env=env).stdout
    no_grace = hd(tmp_path, "secret", "--rotate", "--grace", "0", env=env)
    assert no_grace.returncode == 2 and hd(tmp_path, "secret", env=env).stdout == secret
    with_grace = hd(
        tmp_path, "secret", "--rotate", "--grace", "60", env=env
    )  # keeps the old one: no question
    assert with_grace.returncode == 0 and with_grace.stdout != secret
    ep_no_grace = hd(tmp_path, "endpoints", "secret", "ep_local", "--rotate", "--grace", "0", env=env)
    assert ep_no_grace.returncode == 2 and b"nothing deleted" in ep_no_grace.stderr


# -- stdout is data --------------------------------------------------------------------------------


def test_tls_ca_prints_only_the_path(tmp_path: Path) -> None:
    env = env_without_home(HOOKDEV_HOME=str(tmp_path / "ws"))
    out = hd(tmp_path, "tls", "ca", env=env)
    assert out.returncode == 0
    lines = out.stdout.decode().splitlines()
    assert len(lines) == 1 and Path(lines[0]).is_file()
    assert lines[0] == str((tmp_path / "ws" / "tls" / "ca.pem").resolve())


def test_a_signed_curl_command_piped_to_sh_sends_the_body_it_signed(receiver: Any) -> None:
    listen, tmp_path, env = receiver
    body = '{"type":"code.scanned","data":{"note":"it\'s $HOME `x`"}}'
    shell = subprocess.run(
        [
            "sh",
            "-c",
            f"printf '%s\\n' \"$BODY\" | {sys.executable} -m hookdev sign --curl {listen.ready['url']}/ | sh",
        ],
        cwd=tmp_path,
        env={**env, "BODY": body},
        capture_output=True,
        timeout=60,
    )
    assert shell.returncode == 0, shell.stderr
    request = listen.next_event("request")
    assert request["verified"] is True, request["reason"]
    assert request["body_size"] == len(body.encode()) + 1  # with the newline printf added: what was signed
    shown = json.loads(hd(tmp_path, "inbox", "show", request["id"], "--json", env=env).stdout)
    assert shown["body_text"] == body + "\n"


# -- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ("endpoints", "delete", "--yess"),
            "Error: no such option '--yess'; did you mean --yes? (see hookdev endpoints delete --help)",
        ),
        (("inbox", "--zzz"), "Error: no such option '--zzz' (see hookdev inbox --help)"),
        (("send",), "Error: Missing argument 'TYPE' (see hookdev send --help)"),
        (("frobnicate",), "Error: No such command 'frobnicate' (see hookdev --help)"),
        (
            ("listen", "--port", "x"),
            "Error: Invalid value for '--port': 'x' is not a valid integer (see hookdev listen --help)",
        ),
    ],
)
def test_usage_errors_are_one_line(tmp_path: Path, args: tuple[str, ...], line: str) -> None:
    result = hd(tmp_path, *args, env=env_without_home(HOOKDEV_HOME=str(tmp_path / "ws")))
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.decode().splitlines() == [line]


def test_help_texts_say_below_when_the_options_are_below(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from hookdev.cli import COMMANDS, main

    runner = CliRunner()
    texts = {"hookdev": runner.invoke(main, ["--help"]).output}
    for name in COMMANDS:
        texts[name] = runner.invoke(main, [name, "--help"]).output
    for name, text in texts.items():
        assert "options above" not in text, name
        if "options below" in text:
            assert text.index("options below") < text.index("Options:"), name
    assert "the options below are the TUI's" in texts["hookdev"]


def test_retry_countdowns_use_the_schedules_units() -> None:
    from hookdev.delivery.schedule import countdown

    assert countdown(1800 - 0.4) == "30m"  # a moment after the attempt: never 29m59s
    assert countdown(1799.0) == "30m"
    assert countdown(300 - 0.7) == "5m"
    assert countdown(2 * 3600 - 1) == "2h"
    assert countdown(4.6) == "5s"
    assert countdown(0) == "0s"
    assert countdown(36000 - 2) == "10h"


# -- the dev loop ----------------------------------------------------------------------------------


def test_send_wait_shows_every_attempt_including_another_processes(tmp_path: Path) -> None:
    env = env_without_home(HOOKDEV_HOME=str(tmp_path / "ws"))
    # A running listen (its dispatcher competes for the retries) whose receiver fails 4 times, then 200.
    listen = ListenWith(tmp_path, env, "--respond", "fail:4:503")
    try:
        sent = hd(tmp_path, "send", "code.scanned", "--wait", "--time-scale", "3600", env=env)
        assert sent.returncode == 0, sent.stderr
        message_id = sent.stdout.decode().split()[0]
        lines = [
            line for line in sent.stderr.decode().splitlines() if f"{message_id} -> ep_local  attempt" in line
        ]
        numbers = [int(line.split("attempt ")[1].split(":")[0]) for line in lines]
        assert sorted(numbers) == [1, 2, 3, 4, 5], lines  # each attempt once, whoever made it
        attempts = json.loads(hd(tmp_path, "attempts", "--message", message_id, "--json", env=env).stdout)
        assert len(attempts) == 5
        by_number = dict(zip(numbers, lines, strict=True))
        # countdowns in the schedule's own units, as of when each attempt ended
        assert "retry 2 in 5s" in by_number[1] and "retry 3 in 5m" in by_number[2]
        assert "retry 4 in 30m" in by_number[3] and "retry 5 in 2h" in by_number[4]
        assert ": 200 in" in by_number[5]
    finally:
        listen.stop()


def test_replaying_a_faulted_message_is_clean_unless_asked_and_says_which(receiver: Any) -> None:
    listen, tmp_path, env = receiver
    sent = json.loads(hd(tmp_path, "send", "code.scanned", "--fault", "tamper", "--json", env=env).stdout)
    assert listen.next_event("request")["verified"] is False
    message_id = sent["message_id"]

    clean = hd(tmp_path, "replay", message_id, env=env)
    assert clean.returncode == 0, clean.stderr
    assert (
        f"replaying {message_id} clean (it was sent with fault tamper; --fault repeats it)"
        in clean.stderr.decode()
    )
    assert listen.next_event("request")["verified"] is True

    again = hd(tmp_path, "replay", message_id, "--fault", "--json", env=env)
    doc = json.loads(again.stdout)
    assert doc["fault"] == "tamper" and doc["message_fault"] == "tamper"
    assert doc["attempts"][0]["fault"] == "tamper"
    assert listen.next_event("request")["verified"] is False

    explicit = json.loads(hd(tmp_path, "replay", message_id, "--no-fault", "--json", env=env).stdout)
    assert explicit["fault"] is None and explicit["attempts"][0]["fault"] is None
    assert listen.next_event("request")["verified"] is True


def test_status_before_any_workspace_exists_says_so_in_json_too(tmp_path: Path) -> None:
    done = hd(tmp_path, "status", "--json")
    assert done.returncode == 0, done.stderr
    ws = json.loads(done.stdout)["workspace"]
    assert ws["exists"] is False and ws["source"] == "new"
    assert "creates ./.hookdev" in ws["reason"] and "created here" not in ws["reason"]
    assert not (tmp_path / ".hookdev").exists()  # status only looks


def test_home_before_the_command_is_that_commands_home(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    done = hd(tmp_path, "--home", str(target), "status", "--json")
    assert done.returncode == 0, done.stderr
    ws = json.loads(done.stdout)["workspace"]
    assert ws["path"] == str(target) and ws["source"] == "flag"
    # the command's own --home still wins
    own = tmp_path / "own"
    done = hd(tmp_path, "--home", str(target), "status", "--home", str(own), "--json")
    assert json.loads(done.stdout)["workspace"]["path"] == str(own)
    # the TUI's other options stay the TUI's: one line, exit 2
    refused = hd(tmp_path, "--time-scale", "5", "status")
    assert refused.returncode == 2 and b"--time-scale goes after the command" in refused.stderr
