"""Numbers are numbers: the click types of every numeric flag.

click's ``FloatRange`` lets ``nan`` through any bound (every comparison with NaN is false) and ``inf``
through any open-ended one, and ``IntRange(1)`` takes ``99999999999999999999999``, which SQLite cannot
hold. These types refuse all three with click's one-line usage error (exit 2).
"""

from __future__ import annotations

import math
from typing import Any

import click

#: The largest integer a flag takes when it has no natural bound (SQLite's INTEGER is 64-bit).
MAX_INT = 2**63 - 1
#: A bound for flags the core checks with its own words: past it, a number is a typo.
HUGE = 1e15
#: Listing limits: more rows than any workspace holds, still a number SQLite takes.
MAX_LIMIT = 1_000_000_000


class FiniteFloat(click.FloatRange):
    """A finite float within bounds: ``nan``, ``inf`` and ``1e999`` are refused, whatever the bounds."""

    name = "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = click.FLOAT.convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return super().convert(number, param, ctx)


def finite(min: float, max: float, *, min_open: bool = False, max_open: bool = False) -> FiniteFloat:
    """A finite float from ``min`` to ``max``: both bounds are required, so no flag is unbounded."""
    return FiniteFloat(min, max, min_open=min_open, max_open=max_open)


class BoundedInt(click.IntRange):
    """click's ``IntRange``, named as a user would say it: "'abc' is not a valid integer", not "... range"."""

    name = "integer"


def integer(min: int | None = None, max: int = MAX_INT) -> click.IntRange:
    """An integer within bounds; the upper bound is always set (64-bit at most)."""
    return BoundedInt(min, max)


LIMIT = integer(1, MAX_LIMIT)
