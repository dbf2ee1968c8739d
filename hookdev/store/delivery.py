"""The old home of the delivery queries, kept so older imports still work: the queries now live in
``endpoints``, ``messages``, ``attempts`` and ``claims``, their rows in ``rows``."""

from __future__ import annotations

from hookdev.store.attempts import AttemptFilter, AttemptQueries
from hookdev.store.claims import Claim, ClaimQueries
from hookdev.store.endpoints import EndpointCounts, EndpointQueries
from hookdev.store.messages import MessageQueries
from hookdev.store.rows import OPEN_STATUSES


class DeliveryQueries(EndpointQueries, MessageQueries, AttemptQueries, ClaimQueries):
    """Every delivery query group in one mixin."""


__all__ = ["OPEN_STATUSES", "AttemptFilter", "Claim", "DeliveryQueries", "EndpointCounts"]
