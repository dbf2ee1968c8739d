"""Retry now moves the scheduled retry to now (same attempt, same number); resend can be switched at run time."""

from __future__ import annotations

from hookdev.receiver import parse_respond
from hookdev.sender import SenderError
from tests.conftest import wait_for


async def test_retry_now_moves_the_pending_retry(workspace, engine_factory):
    engine = await engine_factory(dispatch=True, respond=parse_respond("fail:1:503"))
    message = engine.sender.send("code.scanned").messages[0]

    def pending():
        return next(
            (
                a
                for a in workspace.store.message_attempts([message.id])
                if a.status == "pending" and a.number == 2
            ),
            None,
        )

    retry = await wait_for(pending)
    assert retry.number == 2
    moved = engine.sender.retry_now(message.id, "ep_local")
    assert moved.id == retry.id and moved.scheduled_at < retry.scheduled_at
    done = await wait_for(
        lambda: next(
            (
                a
                for a in workspace.store.message_attempts([message.id])
                if a.id == retry.id and a.status == "success"
            ),
            None,
        )
    )
    assert done.started_at < retry.scheduled_at  # it ran before its original time


async def test_retry_now_without_a_pending_retry_is_a_manual_attempt(workspace, engine_factory):
    engine = await engine_factory(dispatch=True)
    message = engine.sender.send("code.scanned").messages[0]
    await wait_for(lambda: any(a.status == "success" for a in workspace.store.message_attempts([message.id])))
    attempt = engine.sender.retry_now(message.id, "ep_local")
    assert attempt.trigger == "manual" and attempt.number == 2
    try:
        engine.sender.retry_now("msg_nope", "ep_local")
    except SenderError as e:
        assert "no message" in str(e)
    else:
        raise AssertionError("an unknown message must be refused")


async def test_resend_watcher_switches_on_and_off(workspace, engine_factory, tmp_path):
    engine = await engine_factory()
    assert not engine.resend_active
    await engine.set_resend([tmp_path], "replay")
    assert engine.resend_active and engine.options.resend_mode == "replay"
    await engine.set_resend([])
    assert not engine.resend_active
