"""Write-only header values: Authorization is stored and sent, never shown."""

from __future__ import annotations

from collections.abc import Iterable

SENSITIVE = frozenset({"authorization", "proxy-authorization"})
MASK = "••••"


def redact_value(name: str, value: str) -> str:
    if name.lower() not in SENSITIVE:
        return value
    scheme, sep, _ = value.partition(" ")
    return f"{scheme} {MASK}" if sep and scheme.isalpha() and len(scheme) <= 16 else MASK


def redact_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, redact_value(k, v)) for k, v in headers]


def headers_json(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Headers as a JSON object (redacted); repeated names are joined with ', ' as HTTP allows."""
    out: dict[str, str] = {}
    for k, v in redact_headers(headers):
        out[k] = f"{out[k]}, {v}" if k in out else v
    return out
