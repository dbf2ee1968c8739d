"""Regenerate the TUI screenshots: ``python -m hookdev.tui.screenshots [DIR]`` (default ``screenshots/``).

Each view is drawn at 120x36 over the fixed demo data (``hookdev.tui.demo``) with the clock frozen and
no port bound, so the SVGs only change when the UI does. The snapshot tests use the same arrangement.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
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
    "send",
    "endpoints",
    "deliveries",
    "receiver",
    "receiver-error",
    "help",
    "check",
)


def demo_app(home: str | Path) -> HookdevApp:
    """An app over a freshly seeded demo workspace, frozen in time, with no receiver started."""
    workspace = Workspace(home)
    demo.seed(workspace)
    return HookdevApp(
        workspace, demo.engine_options(), start_engine=False, frozen_now=demo.NOW, display_url=demo.URL
    )


async def arrange(app: HookdevApp, pilot: Any, shot: str) -> None:
    """Put the app in the state a screenshot shows (used by the snapshot tests too)."""
    await pilot.pause()
    log = app.query_one("#log")
    if app.ctx.live.config_at is None:  # not arranged yet: what a running engine would have reported
        for event in demo.STATUS_EVENTS:
            app.engine.bus.publish(event)
        for level, text, source in demo.LOG_LINES:
            log.add(level, text, source)  # type: ignore[attr-defined]
    view = shot.split("-")[0]
    if view == "check":  # the scorecard of a finished run over the partner endpoint (Endpoints → c)
        from hookdev.tui.check_demo import show_demo_check

        await show_demo_check(app, pilot)
    elif view == "help":
        await pilot.press("question_mark")
    else:
        await pilot.press(str(("inbox", "send", "endpoints", "deliveries", "receiver").index(view) + 1))
    await pilot.pause()
    if shot == "inbox":
        await pilot.press("down")
    elif shot == "inbox-headers":
        await pilot.press("down", "right")
    elif shot == "inbox-invalid":
        await pilot.press("down", "down")
    elif shot == "inbox-forwarded":
        await pilot.press("left")  # Overview -> Response
    elif shot == "endpoints":
        await pilot.press("down")
    elif shot == "deliveries":
        await pilot.press("down")
    elif shot == "send":
        await pilot.press("down", "down")
    elif shot == "receiver":
        app.query_one("#mode-fail").value = True  # type: ignore[attr-defined]
        await pilot.press("ctrl+l")  # the log panel off: the whole view fits
    elif shot == "receiver-error":
        app.engine.bus.publish(demo.CONFIG_ERROR)  # a broken hookdev.toml edit, as the watcher reports it
        await pilot.press("ctrl+l")
        await pilot.pause()
        app.view("receiver").scroll_end(animate=False, immediate=True)
    await pilot.pause(0.2)
    for widget in app.screen.query("Input, TextArea"):
        widget.cursor_blink = False  # type: ignore[attr-defined]
    await pilot.pause()


async def shoot(directory: Path, size: tuple[int, int] = (120, 36)) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for shot in SHOTS:
        with tempfile.TemporaryDirectory() as home:
            app = demo_app(home)
            async with app.run_test(size=size, notifications=True) as pilot:  # toasts, as in the app
                await arrange(app, pilot, shot)
                await pilot.wait_for_scheduled_animations()
                path = directory / f"{shot}.svg"
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
