"""Operational webhooks: failing after the 4th failure, recovered on the success after it, and
endpoint.disabled on 410 - each delivered, signed, to the ops endpoint."""

from __future__ import annotations

from hookdev.receiver import parse_respond
from tests.conftest import wait_for


def ops_types(workspace) -> list[str]:
    return [c.event_type for c in reversed(workspace.store.list_captures(path="/ops"))]


async def test_failing_then_recovered(workspace, engine_factory):
    engine = await engine_factory(dispatch=True, time_scale=36000, respond=parse_respond("fail:4:500"))
    ops = engine.sender.add_endpoint(
        engine.url + "/ops", channels=["ops"], secret=workspace.receiver_secrets().current
    )
    engine.change(ops_endpoint=ops.id)
    engine.sender.send("code.scanned", endpoints=["ep_local"])
    await wait_for(
        lambda: ops_types(workspace) == ["message.attempt.failing", "message.attempt.recovered"], timeout=30
    )
    for capture in workspace.store.list_captures(path="/ops"):
        assert capture.verified is True and capture.status == 200  # signed like any message


async def test_endpoint_disabled_on_410(workspace, engine_factory):
    engine = await engine_factory(dispatch=True, time_scale=36000)
    gone = engine.sender.add_endpoint(engine.url + "/gone", channels=["x"])
    ops = engine.sender.add_endpoint(
        engine.url + "/ops", channels=["ops"], secret=workspace.receiver_secrets().current
    )
    engine.change(ops_endpoint=ops.id)
    engine.set_respond("gone")
    engine.sender.send("code.scanned", endpoints=[gone.id])
    await wait_for(lambda: workspace.store.get_endpoint(gone.id).disabled, timeout=30)
    engine.set_respond("normal")
    await wait_for(lambda: ops_types(workspace) == ["endpoint.disabled"], timeout=30)
