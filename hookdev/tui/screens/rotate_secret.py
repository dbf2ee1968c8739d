"""Rotate an endpoint's signing secret: asks how long the old secret keeps signing too."""

from __future__ import annotations

from hookdev.delivery.validate import parse_duration
from hookdev.models import Endpoint
from hookdev.tui.screens.prompt import Field, PromptScreen


def _check_grace(value: str) -> str | None:
    try:
        parse_duration(value or "0")
    except ValueError as e:
        return str(e)
    return None


class RotateSecretScreen(PromptScreen):
    """Dismisses with ``{"grace": "24h"}`` (a duration ``parse_duration`` reads), None on escape."""

    def __init__(self, endpoint: Endpoint) -> None:
        whose = (
            "It is the receiver's secret: the receiver accepts the new one at once."
            if endpoint.secret is None
            else "Your consumer must learn the new secret before the grace period ends."
        )
        super().__init__(
            f"Rotate the secret of {endpoint.id}?",
            [
                Field(
                    "grace",
                    "Keep signing with the old secret too for",
                    value="24h",
                    placeholder="24h, 30m, 0",
                    check=_check_grace,
                )
            ],
            submit="Rotate",
            message=whose,
        )
