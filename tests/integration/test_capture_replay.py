"""Replaying a capture: to hookdev's own receiver (its capture is the result, linked), to a typed URL
(a record of what was sent and what came back), edited and re-signed, from the CLI with $EDITOR.
Real receiver, real app on a free port, real SQLite; never to the captured Host."""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import stat
import sys
import time
from pathlib import Path

import pytest

from hookdev import capture_replay as cr
from hookdev.capture_replay import ReplayError
from hookdev.ids import new_id
from hookdev.signing.standard import sign_headers
from tests.conftest import wait_for
from tests.tui.conftest import serve, stand_in_app

BODY = b'{"type":"code.created","data":{"id":"cus_123"}}'


async def _old_capture(engine, workspace, *, host: str = "evil.example:666"):
    """A signed request captured 10 minutes ago (its signature is now outside the tolerance)."""
    import httpx

    ts = int(time.time())
    headers = {
        "content-type": "application/json",
        "host": host,
        "authorization": "Bearer s3cret-token",
        **sign_headers([workspace.receiver_secrets().current], new_id("msg"), ts, BODY),
    }
    async with httpx.AsyncClient() as client:
        await client.post(engine.url + "/hooks/a?x=1", content=BODY, headers=headers)
    capture = await wait_for(lambda: (workspace.store.list_captures(limit=1) or [None])[0])
    assert capture.verified is True
    return capture


async def test_replay_to_own_receiver_as_is_and_resigned(engine_factory, workspace) -> None:
    engine = await engine_factory(tolerance=300)
    original = await _old_capture(engine, workspace)
    request = cr.from_capture(original)
    assert request.target == "/hooks/a?x=1" and request.body == BODY
    assert all(k.lower() != "host" for k, _ in request.headers)

    # as is: the receiver's own capture is the result, linked, with the exact bytes
    result = await cr.replay(workspace.store, original, request, cr.destination(engine.url, request))
    assert result.status == 200 and not result.recorded
    again = workspace.store.get_capture(result.capture_id)
    assert again.replay_of == original.id and again.body == BODY and again.path == "/hooks/a"
    assert again.query == "x=1" and dict(again.headers)["host"] != "evil.example:666"
    assert dict(again.headers)["authorization"] == "Bearer s3cret-token"  # sent, as captured

    # re-signed ten minutes later: a fresh timestamp, still valid, same webhook-id
    later = cr.resign(request, workspace.receiver_secrets().current, "standard", now=time.time() + 600)
    assert dict(later.headers)["webhook-id"] == original.webhook_id
    result = await cr.replay(workspace.store, original, later, cr.destination(engine.url, later))
    resigned = workspace.store.get_capture(result.capture_id)
    assert resigned.replay_of == original.id and resigned.verified is False  # 600 s ahead: refused
    assert "future" in (resigned.reason or "") or "tolerance" in (resigned.reason or "")
    fresh = cr.resign(request, workspace.receiver_secrets().current, "standard")
    result = await cr.replay(workspace.store, original, fresh, cr.destination(engine.url, fresh))
    assert workspace.store.get_capture(result.capture_id).verified is True
    assert workspace.store.replays_of(original.id) == [again.id, resigned.id, result.capture_id]


async def test_replay_edited_to_a_typed_url_is_recorded(engine_factory, workspace) -> None:
    engine = await engine_factory()
    original = await _old_capture(engine, workspace)
    request = cr.from_capture(original)
    text = cr.request_text(request)
    assert "s3cret-token" not in text and "authorization: Bearer ••••" in text
    edited = cr.parse_request_text(
        text.replace("POST /hooks/a?x=1", "PUT /other").replace("cus_123", "cus_999") + "\n", request
    )
    assert edited.edited and edited.method == "PUT" and edited.body == BODY.replace(b"cus_123", b"cus_999")
    assert dict(edited.headers)["authorization"] == "Bearer s3cret-token"  # left masked: kept
    async with serve(stand_in_app(status=202)) as app_url:
        url = cr.destination(app_url + "/in", edited)
        assert url == app_url + "/in?" or url.startswith(app_url + "/in")
        result = await cr.replay(workspace.store, original, edited, url)
    assert result.status == 202 and result.recorded
    record = workspace.store.get_capture(result.capture_id)
    assert record.replay_of == original.id and record.method == "PUT"
    assert record.forwarded_to == url and record.status == 202
    assert json.loads(record.response_body) == {"app": "got it", "bytes": len(edited.body)}

    # an unedited text round-trips to the very same bytes (the editor's final newline ignored)
    same = cr.parse_request_text(text + "\n", request)
    assert not same.edited and same.body == BODY


def test_bad_edits_and_destinations_are_one_line_errors() -> None:
    from hookdev.models import Capture

    capture = Capture("req_0000000001abcdef", 0.0, "POST", "/a", "", [("host", "x")], b"\xff\xfe", 2)
    request = cr.from_capture(capture)
    with pytest.raises(ReplayError, match="not UTF-8"):
        cr.request_text(request)
    ok = cr.ReplayRequest("POST", "/a", [], b"{}")
    for text, why in [
        ("", "first line"),
        ("POST\n\n{}", "METHOD /path"),
        ("PO ST /a\n\n", "METHOD /path"),
        ("POST http://evil/ \n\n", "must start with /"),
        ("POST /a\nno colon here\n\n", "Name: value"),
    ]:
        with pytest.raises(ReplayError, match=why):
            cr.parse_request_text(text, ok)
    for url in ("file:///etc/passwd", "ftp://x/", "http:///nohost", "localhost:3000"):
        with pytest.raises(ReplayError, match="http"):
            cr.destination(url, ok)
    with pytest.raises(ReplayError, match="unknown scheme"):
        cr.resign(ok, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "nope")
    for scheme, header in [
        ("stripe", "stripe-signature"),
        ("github", "x-hub-signature-256"),
        ("shopify", "x-shopify-hmac-sha256"),
        ("slack", "x-slack-signature"),
    ]:
        signed = cr.resign(ok, "topsecret", scheme)
        assert header in dict(signed.headers)


async def test_cli_replay_with_editor_and_resign(engine_factory, workspace, tmp_path: Path) -> None:
    engine = await engine_factory()
    original = await _old_capture(engine, workspace)
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys, pathlib\np = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text().replace('cus_123', 'cus_edited'))\n"
    )
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    env = dict(
        os.environ,
        HOOKDEV_HOME=str(workspace.home),
        EDITOR=f"{shlex.quote(sys.executable)} {shlex.quote(str(editor))}",
    )

    async def cli(*args: str) -> tuple[int, bytes, bytes]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "hookdev",
            "inbox",
            "replay",
            *args,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        return proc.returncode or 0, out, err

    code, out, err = await cli(original.id, "--edit", "--resign", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["original"] == original.id and data["status"] == 200 and data["edited"]
    assert data["url"].startswith(engine.url + "/hooks/a")  # ep_local follows the running receiver
    new = workspace.store.get_capture(data["capture_id"])
    assert new.replay_of == original.id and b"cus_edited" in new.body and new.verified is True

    async with serve(stand_in_app(status=500)) as app_url:
        code, out, err = await cli(original.id[-8:], "--to", app_url)
    assert code == 0 and b"500" in out and b"recorded as req_" in out
    code, out, err = await cli(original.id, "--to", "http://127.0.0.1:9/")  # nothing listens there
    assert code == 1 and b"failed" in err and b"Traceback" not in err
    code, out, err = await cli(original.id, "--secret", "x")
    assert code == 2 and b"--resign" in err
    code, out, err = await cli("req_nope")
    assert code == 2 and b"no captured request" in err
