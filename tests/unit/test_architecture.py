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


# Names a Textual subclass is meant to define (documented override points), and what Textual's
# metaclasses set on every subclass. Anything else that also exists on a Textual base shadows its API.
_OVERRIDE_POINTS = {
    "BINDINGS", "CSS_PATH", "COMPONENT_CLASSES", "DEFAULT_CSS", "TITLE", "compose", "on_mount", "render",
    "render_line", "render_lines", "action_quit", "check_action", "get_system_commands",
    "notify_style_update", "can_focus", "can_focus_children", "can_replace", "bubble", "verbose",
    "no_dispatch",
}  # fmt: skip
_DELIBERATE = {
    # keeps tree-sitter highlight queries alive (see the module docstring): a workaround, on purpose
    ("PayloadEditor", "_set_document"),
    # every key reaches the app here first (then goes on to Textual): the receiver's thread steps aside
    ("HookdevApp", "on_event"),
}


def test_no_textual_api_name_is_shadowed():
    import importlib
    import inspect
    import pkgutil

    from textual.dom import DOMNode
    from textual.message import Message

    import hookdev.tui

    shadowed = []
    for info in pkgutil.walk_packages(hookdev.tui.__path__, "hookdev.tui."):
        module = importlib.import_module(info.name)
        for cls in vars(module).values():
            if not (inspect.isclass(cls) and cls.__module__ == module.__name__):
                continue
            if not issubclass(cls, DOMNode | Message):
                continue
            textual_bases = [b for b in cls.__mro__ if b.__module__.split(".")[0] == "textual"]
            for name in vars(cls):
                if name.startswith("__") or name in _OVERRIDE_POINTS or (cls.__name__, name) in _DELIBERATE:
                    continue
                if name.startswith("_") and name.lstrip("_").split("_")[0] in ("css", "inherit", "merged"):
                    continue  # set by Textual's metaclass
                if name in ("_decorated_handlers", "_reactives", "_computes"):
                    continue
                if any(name in vars(b) for b in textual_bases):
                    shadowed.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert shadowed == []


def test_no_view_writes_an_engine_attribute():
    """The TUI and the CLI change the engine through its methods (change, set_forwarding, ...), never by
    assigning to it or to what it holds (``engine.x = ...``, ``engine.receiver_options.y = ...``)."""
    writes = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if parts[0] not in ("tui", "cli"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, ast.AugAssign | ast.AnnAssign)
                else []
            )
            for target in targets:
                chain = target
                while isinstance(chain, ast.Attribute | ast.Subscript):
                    chain = chain.value
                    if isinstance(chain, ast.Attribute) and chain.attr == "engine":
                        writes.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
                        break
    assert writes == []
