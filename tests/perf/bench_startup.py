"""Start-up time of everyday commands, as a ratio to the interpreter's own start (`python -c pass`).

Each command runs as a fresh `python -m hookdev ...` process against a prepared workspace (so no
command pays for creating it), interleaved round by round with the `python -c pass` baseline; the
median of the rounds counts. Modules load from bytecode cached by a warm-up run, as in an installed
package. `send` includes its first attempt to a loopback consumer (a plain
`http.server` in this process answering 200). Targets (issue 12): `--version`/`--help` <= 3x; inbox,
endpoints list, messages, attempts, verify, sign, secret <= 6x; send, catalog list/show <= 8x.
`python tests/perf/bench_startup.py` prints the rows.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROUNDS = 9

LIMITS = {"instant": 3.0, "read": 6.0, "deliver": 8.0}


class _Consumer(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


def _commands(consumer_url: str, env: dict[str, str], home: Path) -> list[tuple[str, str, list[str], bytes]]:
    """(name, class, argv after `hookdev`, stdin) of every measured command."""
    from hookdev.signing import standard

    def hd(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, "-m", "hookdev", *args],
            env=env,
            input=stdin,
            capture_output=True,
            check=True,
            timeout=120,
        )

    import json

    out = hd("endpoints", "add", consumer_url, "--json").stdout
    ep = json.loads(out)["id"]
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"type":"code.scanned","data":{}}'
    headers = standard.sign_headers([secret], "msg_bench", int(time.time()), body)
    verify_args = ["verify", "--secret", secret, "--tolerance", "100000000"]
    for k, v in headers.items():
        verify_args += ["-H", f"{k}: {v}"]
    return [
        ("--version", "instant", ["--version"], b""),
        ("--help", "instant", ["--help"], b""),
        ("inbox --json", "read", ["inbox", "--json"], b""),
        ("endpoints list", "read", ["endpoints", "list"], b""),
        ("messages", "read", ["messages"], b""),
        ("attempts", "read", ["attempts"], b""),
        ("verify", "read", verify_args, body),
        ("sign", "read", ["sign"], body),
        ("secret", "read", ["secret"], b""),
        (
            "send (1st attempt, loopback)",
            "deliver",
            ["send", "code.scanned", "--endpoint", ep, "--json"],
            b"",
        ),
        ("catalog list", "deliver", ["catalog", "list"], b""),
        ("catalog show", "deliver", ["catalog", "show", "code.scanned"], b""),
    ]


def _time(argv: list[str], env: dict[str, str], stdin: bytes) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, input=stdin, capture_output=True, timeout=120)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[3:]} exited {proc.returncode}: {proc.stderr.decode(errors='replace')}")
    return elapsed


def run() -> list[dict]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Consumer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    consumer_url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp) / "ws"
            env = {**os.environ, "HOOKDEV_HOME": str(home), "NO_COLOR": "1"}
            # As installed: hookdev's modules load from cached bytecode (written by the warm-up run into
            # the temp dir, not the checkout), even where PYTHONDONTWRITEBYTECODE is set.
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
            env["PYTHONPATH"] = os.pathsep.join(
                [str(Path(__file__).resolve().parents[2]), *filter(None, [os.environ.get("PYTHONPATH")])]
            )
            commands = _commands(consumer_url, env, home)
            base_argv = [sys.executable, "-c", "pass"]
            for _, _, args, stdin in commands:  # warm up: files cached, workspace created
                _time([sys.executable, "-m", "hookdev", *args], env, stdin)
            baseline: list[float] = []
            times: dict[str, list[float]] = {name: [] for name, *_ in commands}
            for _ in range(ROUNDS):
                baseline.append(_time(base_argv, env, b""))
                for name, _, args, stdin in commands:
                    times[name].append(_time([sys.executable, "-m", "hookdev", *args], env, stdin))
    finally:
        server.shutdown()
        server.server_close()
    base = statistics.median(baseline)
    rows = []
    for name, cls, _, _ in commands:
        value = statistics.median(times[name])
        rows.append(
            {
                "benchmark": "startup",
                "metric": f"hookdev {name}: wall time, median of {ROUNDS}",
                "value": value * 1000,
                "unit": "ms",
                "baseline": "python -c pass (same run)",
                "baseline_value": base * 1000,
                "ratio": value / base,
                "target": f"<= {LIMITS[cls]:g}",
            }
        )
    return rows


if __name__ == "__main__":
    for row in run():
        print(f"{row['metric']:<60} {row['value']:8.1f} ms  {row['ratio']:5.1f}x  ({row['target']})")
