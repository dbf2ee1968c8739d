"""Discoverability from one source: the help screen and the command palette are built from the same
bindings the footer shows, so every key has a command and every command a key."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from textual.app import SystemCommand
from textual.binding import Binding, BindingType

from hookdev.tui.screens.help import Section

Views = Sequence[tuple[str, Any]]  # (name, view class with TITLE and BINDINGS)


def key_label(binding: Binding) -> str:
    return binding.key_display or binding.key.replace("question_mark", "?").replace("slash", "/")


def help_sections(app_bindings: Iterable[BindingType], views: Views) -> list[Section]:
    everywhere = [(key_label(b), b.tooltip or b.description) for b in app_bindings if isinstance(b, Binding)]
    everywhere += [
        ("ctrl+p", "Command palette: every action by name"),
        ("ctrl+q", "Quit (stops the receiver)"),
    ]
    sections: list[Section] = [("Everywhere", everywhere)]
    for _, view in views:
        rows = [(key_label(b), b.tooltip or b.description) for b in view.BINDINGS if isinstance(b, Binding)]
        sections.append((view.TITLE, rows))
    return sections


def binding_commands(
    app_bindings: Iterable[BindingType],
    views: Views,
    run_action: Callable[[str], Awaitable[Any]],
    run_view_action: Callable[[str, str], Awaitable[Any]],
) -> Iterator[SystemCommand]:
    """A palette command for every binding with an id: app-wide ones, then "View: action" ones."""
    for b in app_bindings:
        if isinstance(b, Binding) and b.id:
            title = b.description if b.show else f"Show {b.description}"
            yield SystemCommand(title, b.tooltip, partial(run_action, b.action))
    for name, view in views:
        for b in view.BINDINGS:
            if isinstance(b, Binding) and b.id:
                yield SystemCommand(
                    f"{view.TITLE}: {b.description.rstrip('…')}",
                    b.tooltip or b.description,
                    partial(run_view_action, name, b.action),
                )


def screenshot_directory(wanted: str | os.PathLike[str] | None = None) -> Path:
    """Where the palette's Screenshot command can write: ``wanted`` (or $TEXTUAL_SCREENSHOT_LOCATION, or
    ~/Downloads), created when missing; else the working directory; else the temporary directory."""
    candidates: list[Path] = []
    if wanted:
        candidates.append(Path(wanted).expanduser())
    elif os.environ.get("TEXTUAL_SCREENSHOT_LOCATION"):
        candidates.append(Path(os.environ["TEXTUAL_SCREENSHOT_LOCATION"]).expanduser())
    else:
        from platformdirs import user_downloads_path  # what Textual itself would use

        candidates.append(user_downloads_path())
    candidates.append(Path.cwd())
    import tempfile

    candidates.append(Path(tempfile.gettempdir()))
    for folder in candidates:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if folder.is_dir() and os.access(folder, os.W_OK):
            return folder
    return candidates[-1]
