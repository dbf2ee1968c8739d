"""Each command loads what it needs when it runs, and nothing heavier (issue 12: instant commands).

Every case runs the real command in a fresh interpreter and records which modules it imported; a
heavy module showing up where it has no business is a start-up regression (the timings themselves
are measured by `python -m tests.perf startup`, not here).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Run a hookdev command like `python -m hookdev`, then write the loaded modules to the file in argv[1].
PROBE = """
import sys
out = sys.argv[1]
sys.argv = ["hookdev", *sys.argv[2:]]
try:
    from hookdev.cli import main
    main(prog_name="hookdev")
except SystemExit:
    pass
finally:
    import json
    with open(out, "w") as f:
        json.dump(sorted(k for k, v in sys.modules.items() if v is not None), f)  # None: marked absent
"""

SERVERS = ("uvicorn", "starlette", "watchfiles", "textual")
NET = ("httpx",)
SCHEMA = ("jsonschema",)
HEAVY = (*SERVERS, *NET, *SCHEMA, "hookdev.engine", "hookdev.catalog", "hookdev.tui")

# command -> heavy modules it must not import (`attempts` and `catalog show` take the paths of `messages`
# and `catalog list`). `--version` loads none of uvicorn, httpx, starlette, watchfiles, textual,
# jsonschema (issue 11), nor the store or the signing package.
CASES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "version": (("--version",), (*HEAVY, "sqlite3", "asyncio", "hookdev.store", "hookdev.signing")),
    "help": (("--help",), (*HEAVY, "sqlite3", "asyncio", "hookdev.store", "hookdev.signing")),
    "command help": (("inbox", "--help"), (*HEAVY, "asyncio")),
    "inbox": (("inbox", "--json"), HEAVY),
    "endpoints list": (("endpoints", "list"), HEAVY),
    "messages": (("messages",), HEAVY),
    "verify": (("verify", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "-H", "x: y"), HEAVY),
    "sign": (("sign",), HEAVY),
    "secret": (("secret",), HEAVY),
    "status": (("status",), HEAVY),
    "catalog list": (("catalog", "list"), (*SERVERS, *NET, "hookdev.engine", "hookdev.tui")),
    "send": (("send", "code.scanned", "--endpoint", "ep_local"), (*SERVERS, "hookdev.engine", "hookdev.tui")),
}


def loaded_modules(tmp_path: Path, *args: str) -> set[str]:
    out = tmp_path / "modules.json"
    env = {**os.environ, "HOOKDEV_HOME": str(tmp_path / "ws")}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(out), *args],
        env=env,
        cwd=tmp_path,
        input=b"{}",
        capture_output=True,
        timeout=60,
    )
    assert out.exists(), proc.stderr.decode()
    assert b"Traceback" not in proc.stderr, proc.stderr.decode()
    return set(json.loads(out.read_text()))


@pytest.mark.parametrize("case", list(CASES))
def test_a_command_imports_only_what_it_needs(tmp_path: Path, case: str) -> None:
    args, forbidden = CASES[case]
    modules = loaded_modules(tmp_path, *args)
    assert "click" in modules  # the probe really ran the CLI
    heavy = sorted(m for m in modules if any(m == f or m.startswith(f + ".") for f in forbidden))
    assert heavy == [], f"hookdev {' '.join(args)} imported {heavy}"


def test_the_help_summaries_are_the_commands_own() -> None:
    """`hookdev --help` lists commands from a table (loading none of them); each command uses the same text."""
    from click.testing import CliRunner

    from hookdev.cli import COMMANDS, SHORT_HELP, main

    listed = CliRunner().invoke(main, ["--help"]).output
    for name in COMMANDS:
        command = main.get_command(None, name)  # type: ignore[arg-type]
        if command is None:
            continue
        assert command.get_short_help_str(200) == SHORT_HELP.get(name, command.get_short_help_str(200))
        assert name in listed
