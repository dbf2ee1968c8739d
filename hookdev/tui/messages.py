"""App-level Textual messages: the engine's events as the TUI sees them.

The engine's EventBus calls the app on its own loop; the app turns each event into one of these and
posts it to the views that care. Captures are coalesced: a burst of 10,000 requests becomes a message
per ~100 ms, not 10,000 repaints.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from hookdev.models import Attempt, Capture


@dataclass
class CapturesArrived(Message):
    """New captures since the last flush, oldest first."""

    captures: list[Capture]


@dataclass
class CaptureChanged(Message):
    """A stored capture changed: the forwarded app answered, or it was verified again."""

    capture: Capture


@dataclass
class DeliveriesChanged(Message):
    """Messages or attempts changed; views re-read what they show (coalesced, so replaceable)."""

    message_id: str | None = None
    attempt: Attempt | None = None

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, DeliveriesChanged)


@dataclass
class EndpointsChanged(Message):
    """An endpoint was added, edited, disabled or deleted (by this app, another process or the sender)."""

    endpoint_id: str | None = None

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, EndpointsChanged)


@dataclass
class ReceiverChanged(Message):
    """The receiver's answer mode or secrets changed."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ReceiverChanged)


@dataclass
class CatalogReloaded(Message):
    """The engine re-read the event catalog (hookdev.toml or a catalog file changed); ``ctx.catalog`` is new."""
