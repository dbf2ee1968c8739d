"""Shared fixtures: a real Engine (uvicorn + SQLite) on a free port in a temp workspace."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from hookdev.engine import Engine
from hookdev.options import EngineOptions
from hookdev.workspace import Workspace

ROOT = Path(__file__).resolve().parent.parent

# Property tests judge what the code does, never how fast a loaded CI machine runs it: no per-example
# deadline (200 ms by default) and no "data generation is slow" health check. A test's own @settings
# keeps these unless it says otherwise.
settings.register_profile("hookdev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("hookdev")


def pytest_configure(config: pytest.Config) -> None:
    """hookdev's own pytest plugin (tests/examples use it). Installed, its pytest11 entry point loads
    it; from a source checkout not yet reinstalled, register it here (never twice).

    The suite runs without the machine's own hookdev settings: a $HOOKDEV_HOME, $HOOKDEV_RELAY_TOKEN
    or the like (set for daily use) would reach every command the tests start ($HOOKDEV_RELAY_TOKEN
    made the relay tests fail). Tests set what they need themselves; $HOOKDEV_TEST_* are the suite's."""
    for name in [n for n in os.environ if n.startswith("HOOKDEV_") and not n.startswith("HOOKDEV_TEST_")]:
        del os.environ[name]
    import hookdev.pytest_plugin as plugin

    if not config.pluginmanager.is_registered(plugin):
        config.pluginmanager.register(plugin, "hookdev")


@pytest.fixture
def workspace(tmp_path: Path) -> Any:
    ws = Workspace(tmp_path / "ws")
    yield ws
    ws.close()


@pytest.fixture
async def engine_factory(workspace: Workspace) -> AsyncIterator[Callable[..., Any]]:
    engines: list[Engine] = []

    async def make(**options: Any) -> Engine:
        options.setdefault("port", 0)
        options.setdefault("dispatch", False)
        engine = Engine(workspace, EngineOptions(**options))
        await engine.start()
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        await engine.stop()


async def wait_for(predicate: Callable[[], Any], timeout: float = 30.0, interval: float = 0.02) -> Any:
    """Poll ``predicate`` until it returns something truthy, or fail after ``timeout`` seconds (generous:
    a deadline costs nothing while the condition comes, and a loaded CI machine is slow to bring it)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)


def run_cli(
    *args: str, home: Path | None = None, input: bytes | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m hookdev`` as a real subprocess."""
    env = dict(os.environ)
    if home is not None:
        env["HOOKDEV_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "hookdev", *args],
        input=input,
        capture_output=True,
        timeout=timeout,
        env=env,
        cwd=str(home.parent) if home is not None else None,
    )
