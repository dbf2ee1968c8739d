"""``hookdev init``: write the commented starter ``hookdev.toml``."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import click

from hookdev.cli._common import HookdevError, emit_json, json_option
from hookdev.config import CONFIG_FILE, STARTER


@click.command("init")
@click.option("--force", is_flag=True, help=f"Overwrite an existing {CONFIG_FILE}.")
@click.option(
    "--path",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write into (default: the current directory).",
)
@json_option
def init(force: bool, directory: Path | None, as_json: bool) -> None:
    """Write a commented starter hookdev.toml.

    Every setting is shown with a one-line explanation. The active lines hold the built-in defaults,
    so the file changes nothing until you edit it. hookdev reads hookdev.toml from the directory it
    runs in. An existing file is kept unless --force is given.
    """
    folder = Path.cwd() if directory is None else directory
    if not folder.is_dir():
        raise HookdevError(f"{folder} is not a directory")
    target = folder / CONFIG_FILE
    existed = target.exists()
    if existed and not force:
        raise HookdevError(f"{target} already exists; use --force to overwrite it")
    if target.is_dir():
        raise HookdevError(f"{target} is a directory")
    _write(target, STARTER)

    if as_json:
        emit_json({"path": str(target.absolute()), "overwritten": existed})
        return
    click.echo(f"{'Overwrote' if existed else 'Wrote'} {_shown(target)} (every setting is explained inside).")
    here = directory is None or _same(folder, Path.cwd())
    run = "run" if here else f"cd {folder}, then run"
    click.echo(f"Next: edit it, then {run} `hookdev listen` (or `hookdev` for the TUI) to use it.", err=True)


def _write(target: Path, text: str) -> None:
    """Write through a temporary file so a failed write never leaves half a config behind."""
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except OSError as e:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise HookdevError(f"cannot write {target}: {e.strerror or e}") from None


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _shown(path: Path) -> str:
    """``path`` relative to the current directory when it is inside it (shorter to read)."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)
