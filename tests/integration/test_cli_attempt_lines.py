"""``hookdev attempts`` and ``hookdev messages show`` print each attempt with the CLI's one attempt line
(:func:`hookdev.cli.render.attempt_line`), the one ``send`` and ``listen`` print as attempts happen,
keeping what the listings showed: id, time, route (with the hookdev.toml name), number, trigger,
state, outcome, the check and the fault."""

from __future__ import annotations

import json
from pathlib import Path

import click

from hookdev.check.targets import CHECK_ENDPOINT_ID
from hookdev.cli.render import attempt_line
from hookdev.models import Attempt, Message
from hookdev.workspace import Workspace
from tests.integration.sender_support import invoke


def _seed(home: Path) -> tuple[str, list[Attempt]]:
    ws = Workspace(home)
    try:
        message = Message("msg_lines", "code.scanned", b"{}", 1_700_000_000.0, fault="stale")
        done = Attempt(
            "atmpt_lines1",
            message.id,
            "ep_local",
            1,
            "scheduled",
            "failed",
            1_700_000_000.0,
            started_at=1_700_000_000.0,
            duration_ms=12.0,
            status_code=503,
            fault="stale",
            extra={"fault_note": "timestamp 1 h behind"},
        )
        check = Attempt(
            "atmpt_lines2",
            "msg_check",
            CHECK_ENDPOINT_ID,
            1,
            "manual",
            "success",
            1_700_000_001.0,
            started_at=1_700_000_001.0,
            duration_ms=3.0,
            status_code=200,
            extra={"check": {"run": "chk_1", "check": "valid"}},
        )
        ws.store.record_check_delivery(message, done)
        ws.store.record_check_delivery(Message("msg_check", "code.scanned", b"{}", 1_700_000_001.0), check)
        return message.id, [done, check]
    finally:
        ws.close()


async def test_attempts_and_messages_show_use_the_one_attempt_line(tmp_path: Path) -> None:
    home = tmp_path / "ws"
    message_id, seeded = _seed(home)
    code, out, err = await invoke("attempts", home=home)
    assert code == 0, err
    lines = out.decode().splitlines()
    assert len(lines) == 2
    for a in seeded:
        shown = click.unstyle(attempt_line(a, listing=True))
        (line,) = [x for x in lines if x.startswith(a.id + "  ")]
        assert line.endswith("  " + shown), (line, shown)
    assert lines[0].endswith(
        f"msg_check -> {CHECK_ENDPOINT_ID}  attempt 1 (manual) success: 200 in 3 ms [check valid]"
    )
    assert lines[1].endswith(
        f"{message_id} -> ep_local  attempt 1 (scheduled) failed: 503 in 12 ms"
        " [fault: stale, timestamp 1 h behind]"
    )

    code, out, err = await invoke("messages", "show", message_id, home=home)
    assert code == 0, err
    text = out.decode()
    assert click.unstyle(attempt_line(seeded[0], listing=True, route=False)) in text
    assert "attempt 1 (scheduled) failed: 503 in 12 ms [fault: stale, timestamp 1 h behind]" in text
    # the JSON of both is unchanged by the text's formatter
    code, out, _ = await invoke("attempts", "--json", home=home)
    assert {a["id"] for a in json.loads(out)} == {a.id for a in seeded}
