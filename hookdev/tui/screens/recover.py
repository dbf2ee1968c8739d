"""Recover an endpoint: asks since when failed messages should be sent again."""

from __future__ import annotations

from collections.abc import Callable

from hookdev.delivery.validate import parse_when
from hookdev.tui.screens.prompt import Field, PromptScreen


class RecoverScreen(PromptScreen):
    """Dismisses with ``{"since": "1h"}`` (what ``parse_when`` reads at ``now()``), None on escape."""

    def __init__(self, endpoint_id: str, now: Callable[[], float]) -> None:
        def check(value: str) -> str | None:
            try:
                parse_when(value, now())
            except ValueError as e:
                return str(e)
            return None

        super().__init__(
            f"Recover failed messages for {endpoint_id}",
            [
                Field(
                    "since",
                    "Failed since (a duration ago, or an ISO date-time)",
                    value="1h",
                    placeholder="1h, 30m, 2d, 2025-03-14T09:00",
                    check=check,
                )
            ],
            submit="Recover",
            message="Every message whose delivery failed in the window, and has not succeeded since, "
            "is sent again.",
        )
