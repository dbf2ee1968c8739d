"""Every shell example in README.md runs (issue 12: the README cannot drift from the program).

Each ```sh block is read line by line (``\\`` continuations joined, trailing ``# comments`` dropped):
- a synopsis (``[--json]``, ``TYPE``, ``EP``: the grammar of a command, not an example) is skipped;
- ``hookdev listen ...`` starts a real receiver (on a free port: ``--port 0``) that stays up until the
  block ends, as in "terminal 1" of the tour; ``hookdev listen ... && REST`` runs REST once it is ready;
- anything else runs in ``sh`` from a fresh project folder (no ``$HOOKDEV_HOME``: the workspace is found
  or created as a user's would be), with ``8787`` replaced by the running receiver's port (one is
  started first when an example talks to it), and must exit 0.
Examples that cannot run offline on loopback are listed in SKIP with the reason; a new example added to
the README is picked up and run unless it is added there too.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"

# A distinctive piece of the command -> why it is not run here.
SKIP = {
    "pip install": "installs the package (network); the suite runs in an installed environment",
    "python -m pytest": "the test suite itself",
    "python -m tests.perf": "the benchmarks take minutes; not part of the suite",
    "python -m hookdev.tui.screenshots": "rewrites the repository's screenshots; tests/tui/test_snapshots.py runs the app",
    "ruff check": "a development tool (CI runs it)",
    "mypy": "a development tool (CI runs it)",
    "lint-imports": "a development tool (CI runs it)",
    "hookdev relay --port 8080": "binds the fixed port 8080 on a shared machine; tests/integration/test_relay.py runs the relay",
    "hookdev listen --relay http://127.0.0.1:8080": "needs the relay above; tests/integration/test_relay.py covers it",
    "/c/<channel>/hooks": "needs the relay's channel; tests/integration/test_relay.py covers it",
    "--catalog api.github.com.json": "needs GitHub's webhooks description (a 4.8 MB download)",
    "hookdev relay --redis": "needs a Redis host; tests/integration/test_relay_cluster.py runs instances on a real Redis",
    "docker compose": "needs Docker; deploy/ is documented and no test needs Docker",
}

SYNOPSIS = re.compile(r"\[(--?[a-zA-Z]|[A-Z])|\b[A-Z]{2,}\b|\bS\b")


def examples() -> list[tuple[int, list[str]]]:
    """(line number, commands) of every ```sh block."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] | None = None
    pending = ""
    for number, line in enumerate(README.read_text(encoding="utf-8").splitlines(), 1):
        if current is None:
            if line.strip() == "```sh":
                current = []
                blocks.append((number, current))
            continue
        if line.strip() == "```":
            current = None
            continue
        text = pending + line.strip()
        if text.endswith("\\"):
            pending = text[:-1] + " "
            continue
        pending = ""
        text = re.sub(r"\s{2,}#.*$", "", text).strip()
        if text:
            current.append(text)
    return blocks


def skip_reason(command: str) -> str | None:
    for piece, reason in SKIP.items():
        if piece in command:
            return reason
    if SYNOPSIS.search(command.split(" #")[0]):
        return "synopsis"
    if command == "hookdev" or command.startswith("hookdev ui"):
        return "the TUI: tests/tui run it under Pilot"
    if re.search(r"(^|&&|\|)\s*curl\b", command) and shutil.which("curl") is None:
        return "curl is not installed"  # a clean CI image may lack it; the rest of the block still runs
    return None


def test_the_skip_list_only_names_examples_the_readme_has() -> None:
    commands = [c for _, block in examples() for c in block]
    for piece in SKIP:
        assert any(piece in c for c in commands), f"SKIP entry {piece!r} matches no README example"


@pytest.fixture
def shell_env(tmp_path: Path) -> dict[str, str]:
    """PATH with a `hookdev` that is this checkout's, no $HOOKDEV_HOME, no colours."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "hookdev"
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} -m hookdev "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "HOOKDEV_HOME"}
    root = str(README.parent)
    env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["NO_COLOR"] = "1"
    return env


class Server:
    """A `hookdev listen ...` from the README, on a free port; ``ready()`` waits until it serves."""

    def __init__(self, command: str, cwd: Path, env: dict[str, str]) -> None:
        self.command = command
        args = command.split()[1:]
        if "--port" not in args:
            args += ["--port", "0"]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hookdev", *args, "--json"],
            cwd=cwd,
            env={**env, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.port = ""

    def ready(self) -> Server:
        assert self.proc.stdout is not None
        while not self.port:
            line = self.proc.stdout.readline()  # bounded by the test timeout
            if not line:
                raise AssertionError(
                    f"{self.command!r} exited: {self.proc.wait()} {self.proc.stderr.read().decode()}"
                )  # type: ignore[union-attr]
            event = json.loads(line)
            if event.get("event") == "ready":
                self.port = event["url"].rsplit(":", 1)[1]
        return self

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=20)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()


BLOCKS = examples()


@pytest.mark.parametrize("start", [n for n, _ in BLOCKS])
def test_readme_block_runs(start: int, tmp_path: Path, shell_env: dict[str, str]) -> None:
    commands = dict(BLOCKS)[start]
    project = tmp_path / "project"
    project.mkdir()
    runnable = [c for c in commands if skip_reason(c) is None]
    servers: list[Server] = []
    ran = 0
    try:
        if runnable:  # the workspace first, so receivers started together share one secret
            subprocess.run(["hookdev", "secret"], cwd=project, env=shell_env, capture_output=True, timeout=60)
        # every receiver of the block starts at once (they run in "terminal 1" while the rest goes on)
        started = {
            c: Server(c.partition(" && ")[0], project, shell_env)
            for c in runnable
            if c.startswith("hookdev listen")
        }
        servers += started.values()
        current: Server | None = None
        for command in runnable:
            rest = None
            if command in started:
                current = started[command].ready()
                rest = command.partition(" && ")[2]
                if not rest:
                    ran += 1
                    continue
            line = rest or command
            if "8787" in line and current is None:  # talks to the receiver the tour left running
                current = Server("hookdev listen", project, shell_env).ready()
                servers.append(current)
            if current is not None:
                line = line.replace("8787", current.port)
            result = subprocess.run(
                ["sh", "-c", line], cwd=project, env=shell_env, capture_output=True, timeout=120
            )
            assert result.returncode == 0, (
                f"README line {start}: {command!r} exited {result.returncode}\n{result.stderr.decode()}"
            )
            assert b"Traceback" not in result.stderr
            ran += 1
    finally:
        for server in servers:
            server.stop()
    if ran == 0:
        pytest.skip("nothing runnable in this block (synopses or skipped examples)")
