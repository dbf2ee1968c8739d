"""Snapshot tests of every view and dialog at 100x30, and again at 80x24, over the fixed demo data
(``hookdev.tui.demo``).

The app runs frozen (fixed "now", UTC times, fixed URL, no port bound) and is arranged exactly as
``python -m hookdev.tui.screenshots`` arranges it. Update with ``pytest tests/tui --snapshot-update``
after a deliberate UI change, and look at the diff report before committing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hookdev.tui.screenshots import arrange, demo_app

SIZE = (100, 30)


def _shot(snap_compare: Any, home: Path, shot: str, size: tuple[int, int] = SIZE) -> bool:
    app = demo_app(home)

    async def run_before(pilot: Any) -> None:
        await arrange(app, pilot, shot)

    try:
        return snap_compare(app, terminal_size=size, run_before=run_before)
    finally:
        app.ctx.workspace.close()


class TestInbox:
    """The inbox list with every verdict, and the detail tabs of the selected request."""

    def test_overview(self, snap_compare: Any, tmp_path: Path) -> None:
        assert _shot(snap_compare, tmp_path, "inbox")

    def test_headers_redacted(self, snap_compare: Any, tmp_path: Path) -> None:
        assert _shot(snap_compare, tmp_path, "inbox-headers")

    def test_invalid_request(self, snap_compare: Any, tmp_path: Path) -> None:
        assert _shot(snap_compare, tmp_path, "inbox-invalid")

    def test_forwarded_response(self, snap_compare: Any, tmp_path: Path) -> None:
        """A request forwarded to the developer's app: the "→ app" marker and the app's answer."""
        assert _shot(snap_compare, tmp_path, "inbox-forwarded")

    def test_search_with_fields(self, snap_compare: Any, tmp_path: Path) -> None:
        """A field query reaching into the bodies: type glob, status class, body text."""
        assert _shot(snap_compare, tmp_path, "inbox-search")

    def test_replay_dialog(self, snap_compare: Any, tmp_path: Path) -> None:
        """Where a replay goes (receiver, forward target, a URL) and how it is signed."""
        assert _shot(snap_compare, tmp_path, "inbox-replay")

    def test_edit_dialog(self, snap_compare: Any, tmp_path: Path) -> None:
        """The request as text to edit (Authorization masked), above the same choices."""
        assert _shot(snap_compare, tmp_path, "inbox-edit")

    def test_diff(self, snap_compare: Any, tmp_path: Path) -> None:
        """Two captures compared: headers by name, the JSON body key by key."""
        assert _shot(snap_compare, tmp_path, "inbox-diff")


class TestSend:
    """The catalog, the highlighted payload editor with its live check, the endpoint and fault pickers."""

    def test_send(self, snap_compare: Any, tmp_path: Path) -> None:
        assert _shot(snap_compare, tmp_path, "send")


class TestEndpoints:
    """Endpoints with queue and success rate; the selected one's settings and attempt log."""

    def test_endpoints(self, snap_compare: Any, tmp_path: Path) -> None:
        assert _shot(snap_compare, tmp_path, "endpoints")


class TestDeliveries:
    """Messages (one a consumer accepted although tampered) and the timeline of one that is retrying."""

    def test_deliveries(self, snap_compare: Any, tmp_path: Path) -> None:
        assert _shot(snap_compare, tmp_path, "deliveries")

    def test_attempt_detail(self, snap_compare: Any, tmp_path: Path) -> None:
        """One attempt opened: request line and headers (Authorization masked), body, response."""
        assert _shot(snap_compare, tmp_path, "attempt")


class TestReceiver:
    """Secrets, the answer-mode controls, forwarding (target, routes, relay) and the dev loop."""

    def test_receiver(self, snap_compare: Any, tmp_path: Path) -> None:
        assert _shot(snap_compare, tmp_path, "receiver")

    def test_config_error(self, snap_compare: Any, tmp_path: Path) -> None:
        """A broken hookdev.toml: the error in the Dev loop card, the status bar marker, the notification."""
        assert _shot(snap_compare, tmp_path, "receiver-error")


class TestHelp:
    """The ? screen listing every key."""

    def test_help(self, snap_compare: Any, tmp_path: Path) -> None:
        assert _shot(snap_compare, tmp_path, "help")


class TestCheck:
    """Endpoints → Check: the scorecard of a finished run, one failed check selected with its detail."""

    def test_scorecard(self, snap_compare: Any, tmp_path: Path) -> None:
        assert _shot(snap_compare, tmp_path, "check")

    def test_options_dialog_80x24(self, snap_compare: Any, tmp_path: Path) -> None:
        """Before the run: scheme, event, only, skip, timeout and probe, defaults filled in, all in view."""
        from hookdev.tui.check_demo import show_demo_check_options

        app = demo_app(tmp_path)

        async def run_before(pilot: Any) -> None:
            await arrange(app, pilot, "endpoints")
            await show_demo_check_options(app, pilot)

        try:
            assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
        finally:
            app.ctx.workspace.close()


SMALL = (80, 24)


class TestSmallScreen:
    """80x24: every view keeps what carries state in sight, every dialog its buttons."""

    @pytest.mark.parametrize(
        "shot",
        [
            "inbox",
            "send",
            "endpoints",
            "deliveries",
            "receiver",
            "attempt",
            "inbox-replay",
            "inbox-edit",
            "inbox-diff",
            "help",
            "dialog-clear",
            "dialog-verify",
            "dialog-add",
            "dialog-edit",
            "dialog-rotate",
            "dialog-recover",
            "check",
        ],
    )
    def test_80x24(self, snap_compare: Any, tmp_path: Path, shot: str) -> None:
        assert _shot(snap_compare, tmp_path, shot, SMALL)
