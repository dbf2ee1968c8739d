"""The relay's Prometheus metrics (``GET /metrics``), one private registry per relay instance."""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class RelayMetrics:
    """Channels connected, requests by status, bytes, latency, cross-instance traffic, Redis round trips."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.channels = Gauge(
            "hookdev_relay_channels_connected", "Channels with a client on this instance", registry=r
        )
        self.requests = Counter(
            "hookdev_relay_requests",
            "Public requests answered by this instance, by status",
            ["status"],
            registry=r,
        )
        self.request_bytes = Counter(
            "hookdev_relay_request_body_bytes", "Request body bytes relayed to clients", registry=r
        )
        self.response_bytes = Counter(
            "hookdev_relay_response_body_bytes", "Answer body bytes sent back to callers", registry=r
        )
        self.latency = Histogram(
            "hookdev_relay_request_duration_seconds",
            "Time from a public request's arrival to its answer",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.forwarded = Counter(
            "hookdev_relay_forwarded_requests",
            "Requests passed between instances through Redis, by direction (out: sent to the owner)",
            ["direction"],
            registry=r,
        )
        self.redis_round_trips = Counter(
            "hookdev_relay_redis_round_trips", "Commands sent to Redis, by operation", ["op"], registry=r
        )
        self.redis_errors = Counter("hookdev_relay_redis_errors", "Failed Redis operations", registry=r)
        self.refused = Counter(
            "hookdev_relay_claims_refused", "Channel claims refused, by reason", ["reason"], registry=r
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
