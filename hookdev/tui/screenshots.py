"""Regenerate the TUI screenshots: ``python -m hookdev.tui.screenshots [DIR]`` (default ``screenshots/``).

Each view and dialog is drawn at 120x36 (the Inbox and Endpoints at 80x24 too) over the fixed demo data (``hookdev.tui.demo``) with the clock frozen and
no port bound, so the SVGs only change when the UI does. The snapshot tests use the same arrangement.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from hookdev.tui import demo
from hookdev.tui.app import HookdevApp
from hookdev.workspace import Workspace

SHOTS = (
    "inbox",
    "inbox-headers",
    "inbox-invalid",
    "inbox-forwarded",
    "inbox-search",
    "inbox-replay",
    "inbox-edit",
    "inbox-diff",
    "send",
    "endpoints",
    "deliveries",
    "attempt",
    "receiver",
    "receiver-error",
    "help",
    "check",
)
SMALL_SHOTS = ("inbox", "endpoints")  # also drawn at 80x24 (``<shot>-80x24.svg``)
SMALL = (80, 24)
VIEWS = ("inbox", "send", "endpoints", "deliveries", "receiver")
SEARCH = 'type:code.* status:2xx body:"spring"'
DEMO_THEME = "textual-dark"


def demo_app(home: str | Path) -> HookdevApp:
    """An app over a freshly seeded demo workspace, frozen in time, with no receiver started."""
    workspace = Workspace(home)
    demo.seed(workspace)
    app = HookdevApp(
        workspace, demo.engine_options(), start_engine=False, frozen_now=demo.NOW, display_url=demo.URL
    )
    app.theme = DEMO_THEME  # not $TEXTUAL_THEME's: the pictures are the same on every machine
    return app


async def arrange(app: HookdevApp, pilot: Any, shot: str) -> None:
    """Put the app in the state a screenshot shows (used by the snapshot tests too)."""
    await pilot.pause()
    log = app.query_one("#log")
    if app.ctx.live.config_at is None:  # not arranged yet: what a running engine would have reported
        for event in demo.STATUS_EVENTS:
            app.engine.bus.publish(event)
        for level, text, source in demo.LOG_LINES:
            log.add(level, text, source)  # type: ignore[attr-defined]
    view = {"attempt": "deliveries", "help": "help"}.get(shot.split("-")[0], shot.split("-")[0])
    if view == "check":  # the scorecard of a finished run over the partner endpoint (Endpoints → c)
        from hookdev.tui.check_demo import show_demo_check

        await show_demo_check(app, pilot)
    elif view == "help":
        await pilot.press("question_mark")
    elif view in VIEWS:
        await pilot.press(str(VIEWS.index(view) + 1))
    await pilot.pause()
    if shot == "inbox":
        await pilot.press("down")
    elif shot == "inbox-headers":
        await pilot.press("down", "right")
    elif shot == "inbox-invalid":
        await pilot.press("down", "down")
    elif shot == "inbox-forwarded":
        await pilot.press("left")  # Overview -> Response
    elif shot == "inbox-search":  # a field query reaching into the bodies
        await pilot.press("slash", *SEARCH)
        await pilot.pause(0.2)
    elif shot == "inbox-replay":
        await pilot.press("down", "p")
    elif shot == "inbox-edit":
        await pilot.press("down", "e")
    elif shot == "inbox-diff":  # code.created marked, diffed with code.updated
        await pilot.press("down", "m", "down", "m")
        app.clear_notifications()  # the "marked" toast: the diff is the point
    elif shot == "endpoints":
        await pilot.press("down")
    elif shot == "deliveries":
        await pilot.press("down")
    elif shot == "attempt":  # the partner's 503 (the 3rd of the message's 4 attempts)
        await pilot.press("down", "enter")
        await pilot.pause()
        await pilot.press("left_square_bracket")
    elif shot == "send":
        await pilot.press("down", "down")
    elif shot == "receiver":
        app.query_one("#mode-fail").value = True  # type: ignore[attr-defined]
        if app.log_visible:
            await pilot.press("ctrl+l")  # the log panel off: the whole view fits
    elif shot == "receiver-error":
        app.engine.bus.publish(demo.CONFIG_ERROR)  # a broken hookdev.toml edit, as the watcher reports it
        if app.log_visible:
            await pilot.press("ctrl+l")
        await pilot.pause()
        app.view("receiver").scroll_end(animate=False, immediate=True)
    elif shot == "dialog-clear":
        await pilot.press("x")
    elif shot == "dialog-verify":
        await pilot.press("r")
    elif shot in ("dialog-add", "dialog-edit", "dialog-rotate", "dialog-recover"):
        await pilot.press("3", {"add": "a", "edit": "e", "rotate": "R", "recover": "m"}[shot[7:]])
    await pilot.pause(0.2)
    for widget in app.screen.query("Input, TextArea"):
        widget.cursor_blink = False  # type: ignore[attr-defined]
    await pilot.pause()
    await _settled(app, pilot)


async def _settled(app: HookdevApp, pilot: Any, timeout: float = 60.0) -> None:
    """Wait until no view has a debounced reload pending. Showing a view resizes it and schedules one (the
    Endpoints URL column takes its width only then): a picture taken before it ran, as on a loaded
    machine, showed the column at its width while hidden (a flaky snapshot test)."""
    deadline = time.monotonic() + timeout
    while any(getattr(app.view(name), "_refresh_timer", None) is not None for name in VIEWS):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the views did not settle within {timeout:g} s")
        await asyncio.sleep(0.05)
    await pilot.pause()


async def shoot(directory: Path, size: tuple[int, int] = (120, 36)) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    plan = [(shot, size, shot) for shot in SHOTS]
    plan += [(shot, SMALL, f"{shot}-{SMALL[0]}x{SMALL[1]}") for shot in SMALL_SHOTS]
    for shot, shot_size, name in plan:
        with tempfile.TemporaryDirectory() as home:
            app = demo_app(home)
            async with app.run_test(size=shot_size, notifications=True) as pilot:  # toasts, as in the app
                await arrange(app, pilot, shot)
                await pilot.wait_for_scheduled_animations()
                path = directory / f"{name}.svg"
                app.save_screenshot(filename=path.name, path=str(directory))
                written.append(path)
            app.ctx.workspace.close()
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    directory = Path(args[0] if args else "screenshots")
    for path in asyncio.run(shoot(directory)):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
