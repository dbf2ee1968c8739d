"""Fixtures of the integration tests."""

from __future__ import annotations

import pytest

from tests.integration.sender_support import consumer_pool


@pytest.fixture
async def consumers():
    """Make local consumers (real Starlette apps on free ports that verify with the svix package)."""
    async with consumer_pool() as make:
        yield make
