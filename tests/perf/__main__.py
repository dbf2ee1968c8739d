"""Run every benchmark under tests/perf and print one table: ``python -m tests.perf [NAME ...]``.

Each ``bench_<name>.py`` exposes ``run() -> list[dict]``; every figure is a ratio against a baseline
measured in the same run, shown beside the absolute numbers (machines are shared and noisy).
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _fmt(value: float) -> str:
    if value != value:  # NaN
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.perf", description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all), e.g. verify delivery")
    parser.add_argument("--markdown", metavar="FILE", help="also write the table as Markdown to FILE")
    args = parser.parse_args(argv)
    names = args.names or sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    rows: list[dict] = []
    failed = []
    for name in names:
        started = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(f"tests.perf.bench_{name}")
            rows.extend(module.run())
        except Exception:
            failed.append(name)
            traceback.print_exc()
        print(f"  {name} took {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    header = ["benchmark", "metric", "value", "unit", "baseline", "baseline value", "ratio", "target"]
    table = [header] + [
        [
            r["benchmark"],
            r["metric"],
            _fmt(r["value"]),
            r["unit"],
            r.get("baseline", ""),
            _fmt(r.get("baseline_value", float("nan"))),
            _fmt(r.get("ratio", float("nan"))),
            r.get("target", ""),
        ]
        for r in rows
    ]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    lines = [
        "| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in table
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    text = "\n".join(lines)
    print(f"\nMachine: {machine()}\n")
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(f"Machine: {machine()}\n\n{text}\n", encoding="utf-8")
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
