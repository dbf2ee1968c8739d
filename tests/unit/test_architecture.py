"""The core never imports textual: the CLI and the TUI are two views over the same engine."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "hookdev"
CORE = sorted(p for p in PACKAGE.rglob("*.py") if "tui" not in p.relative_to(PACKAGE).parts)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_modules_do_not_import_textual_anywhere():
    offenders = {
        str(p.relative_to(PACKAGE)): sorted(n for n in _imports(p) if n.split(".")[0] == "textual")
        for p in CORE
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_only_the_ui_command_reaches_into_the_tui():
    reaching = sorted(
        str(p.relative_to(PACKAGE)) for p in CORE if any(n.startswith("hookdev.tui") for n in _imports(p))
    )
    assert reaching == ["cli/ui.py"]


def test_importing_every_core_module_leaves_textual_unloaded():
    modules = [
        "hookdev." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
        for p in CORE
        if p.name != "__main__.py"
    ]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print('textual' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
