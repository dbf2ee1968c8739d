"""A message keeps the time scale it was sent with, whichever process delivers its retries: `hookdev
send --time-scale 3600` while `hookdev listen` (scale 1) runs still runs the compressed schedule."""

from __future__ import annotations

from hookdev.receiver import parse_respond
from tests.conftest import wait_for


async def test_retries_follow_the_message_scale_not_the_dispatchers(workspace, engine_factory):
    engine = await engine_factory(dispatch=True, time_scale=1.0, respond=parse_respond("fail:3:503"))
    message = engine.sender.send("code.scanned", time_scale=36000).messages[0]
    assert workspace.store.get_message(message.id).time_scale == 36000

    def attempts():
        return sorted(workspace.store.message_attempts([message.id]), key=lambda a: a.number)

    # Unscaled, attempt 4 would come 35 min after the first; at 36000x it is ~60 ms.
    await wait_for(
        lambda: [a.status for a in attempts()] == ["failed", "failed", "failed", "success"], timeout=20
    )
    first, *_, last = attempts()
    assert last.scheduled_at - first.scheduled_at < 10


async def test_engine_time_scale_is_stamped_on_messages_it_sends(workspace, engine_factory):
    engine = await engine_factory(time_scale=3600)
    message = engine.sender.send("code.scanned").messages[0]
    assert workspace.store.get_message(message.id).time_scale == 3600
