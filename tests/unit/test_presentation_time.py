"""The fast paths for the ingest hot path render exactly what the general formatters do."""

from __future__ import annotations

import datetime as dt
import email.utils
import random
import time

from hookdev.presentation import iso
from hookdev.receiver import _http_date


def _reference(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_iso_matches_datetime_including_rounding_edges() -> None:
    rng = random.Random(15)
    values = [rng.uniform(0, 4e9) for _ in range(20_000)]
    values += [time.time() + rng.random() for _ in range(5_000)]
    # half a microsecond below the next second rounds up into it (datetime rounds half-even)
    values += [s + 0.9999995 for s in range(1_764_450_000, 1_764_450_200)]
    values += [1_764_450_000 + k / 1e6 + 5e-7 for k in range(0, 1_000_000, 991)]
    values += [0.0, 1.0, 1e10 + 0.5, -1.5, 2e11]
    for ts in values:
        assert iso(ts) == _reference(ts), ts
    assert iso(None) is None


def test_http_date_is_the_current_rfc_7231_date() -> None:
    before = email.utils.formatdate(usegmt=True).encode()
    value = _http_date()
    after = email.utils.formatdate(usegmt=True).encode()
    assert value in (before, after)
    assert value.endswith(b" GMT")
