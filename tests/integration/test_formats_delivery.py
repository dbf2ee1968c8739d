"""Endpoints with a provider scheme: the real dispatcher signs every attempt as that provider does, and
the provider's own library verifies it; the scheme comes from `endpoints add --scheme` or hookdev.toml."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hookdev.config import parse_config
from hookdev.delivery.clock import VirtualClock
from hookdev.managed import sync_managed_endpoints
from hookdev.sender import Sender, SenderError
from tests.integration.sender_support import deliver, invoke
from tests.support.live import serve
from tests.support.verifiers import official


class Recording:
    """Records every request with the official verdict; answers 500 to the first ``fail_first``."""

    def __init__(self, scheme: str, fail_first: int = 0) -> None:
        self.scheme = scheme
        self.secret = ""
        self.fail_first = fail_first
        self.seen: list[dict[str, Any]] = []
        self.app = Starlette(routes=[Route("/hooks", self.handle, methods=["POST"])])

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        ok = official(self.scheme, self.secret)(body, headers)
        self.seen.append({"ok": ok, "headers": headers, "body": body})
        if len(self.seen) <= self.fail_first:
            return Response(status_code=500)
        return Response(status_code=204 if ok else 400)


@pytest.mark.parametrize("scheme", ["standard", "stripe", "github", "shopify", "slack"])
async def test_each_scheme_is_verified_by_its_provider_library_on_every_attempt(
    workspace: Any, scheme: str
) -> None:
    consumer = Recording(scheme, fail_first=1)
    sender = Sender(workspace)
    async with serve(consumer.app) as url:
        endpoint = sender.add_endpoint(url, scheme=scheme)
        assert endpoint.secret is not None and workspace.store.get_endpoint(endpoint.id).scheme == scheme
        consumer.secret = endpoint.secret
        message = sender.send("code.scanned", endpoints=[endpoint.id]).messages[0]
        await deliver(workspace, clock=VirtualClock(), message_ids={message.id})
    assert [s["ok"] for s in consumer.seen] == [True, True]  # the first attempt (500) and its retry
    assert all(s["body"] == message.payload for s in consumer.seen)
    first, retry = (s["headers"] for s in consumer.seen)
    if scheme == "github":
        assert first["x-github-event"] == "code.scanned"
        assert first["x-github-delivery"] == retry["x-github-delivery"]  # the same delivery, retried
    if scheme == "shopify":
        assert first["x-shopify-topic"] == "code.scanned"
        assert first["x-shopify-webhook-id"] == retry["x-shopify-webhook-id"]
    if scheme == "slack":
        assert "x-slack-retry-num" not in first and retry["x-slack-retry-num"] == "1"
    if scheme == "standard":
        assert first["webhook-id"] == retry["webhook-id"] == message.id


async def test_a_rotated_stripe_endpoint_signs_with_both_secrets(workspace: Any) -> None:
    consumer = Recording("stripe")
    sender = Sender(workspace)
    async with serve(consumer.app) as url:
        endpoint = sender.add_endpoint(url, scheme="stripe")
        old = endpoint.secret
        assert old is not None
        new = sender.rotate_secret(endpoint.id).current
        consumer.secret = old  # the consumer has not switched yet
        message = sender.send("code.scanned", endpoints=[endpoint.id]).messages[0]
        await deliver(workspace, message_ids={message.id})
    (seen,) = consumer.seen
    assert seen["ok"] and official("stripe", new)(seen["body"], seen["headers"])
    assert seen["headers"]["stripe-signature"].count("v1=") == 2


async def test_faults_a_scheme_cannot_express_are_refused_before_sending(workspace: Any) -> None:
    sender = Sender(workspace)
    endpoint = sender.add_endpoint("https://example.com/gh", scheme="github")
    with pytest.raises(SenderError, match="github scheme signs no timestamp"):
        sender.send("code.scanned", endpoints=[endpoint.id], fault="future")
    assert workspace.store.count_messages() == 0


async def test_hookdev_toml_scheme_makes_a_managed_stripe_endpoint(workspace: Any) -> None:
    config = parse_config(
        '[[endpoints]]\nname = "billing"\nurl = "http://localhost:3000/stripe"\nscheme = "stripe"\n'
        'secret = "whsec_test_0123456789abcdef"\n'
    )
    sender = Sender(workspace)
    sync_managed_endpoints(sender, config)
    (endpoint,) = [e for e in sender.endpoints() if e.managed]
    assert (endpoint.scheme, endpoint.secret) == ("stripe", "whsec_test_0123456789abcdef")
    sync_managed_endpoints(
        sender,
        parse_config(
            config_text
            := '[[endpoints]]\nname = "billing"\nurl = "http://localhost:3000/stripe"\nscheme = "slack"\nsecret = "whsec_test_0123456789abcdef"\n'
        ),
    )
    assert sender.endpoint(endpoint.id).scheme == "slack", config_text


async def test_endpoints_cli_scheme(tmp_path: Path) -> None:
    code, out, err = await invoke(
        "endpoints", "add", "http://localhost:3000/s", "--scheme", "slack", "--json", home=tmp_path
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["scheme"] == "slack" and not data["secret"].startswith("whsec_")
    code, out, _ = await invoke(
        "endpoints", "update", data["id"], "--scheme", "github", "--json", home=tmp_path
    )
    assert code == 0 and json.loads(out)["scheme"] == "github"
    code, _, err = await invoke(
        "send", "code.scanned", "--endpoint", data["id"], "--fault", "stale", home=tmp_path
    )
    assert code == 2 and "signs no timestamp" in err.decode()


async def test_switching_to_a_scheme_the_secret_cannot_sign_makes_a_new_secret(workspace: Any) -> None:
    sender = Sender(workspace)
    endpoint = sender.add_endpoint("https://example.com/s", scheme="github", secret="It's a Secret!")
    same = sender.update_endpoint(endpoint.id, scheme="slack")  # any text secret signs Slack
    assert same.secret == "It's a Secret!"
    switched = sender.update_endpoint(endpoint.id, scheme="standard")  # but not Standard Webhooks
    assert switched.secret is not None and switched.secret.startswith("whsec_")


def test_hookdev_toml_scheme_errors_are_one_line_each() -> None:
    from hookdev.config import ConfigError

    with pytest.raises(ConfigError) as info:
        parse_config('[[endpoints]]\nname = "a"\nurl = "http://localhost/a"\nscheme = "stirpe"\n')
    assert 'endpoints[0].scheme: expected one of standard|stripe|github|shopify|slack, got "stirpe"' in str(
        info.value
    ) and 'did you mean "stripe"' in str(info.value)
    with pytest.raises(ConfigError) as info:
        parse_config(
            '[[endpoints]]\nname = "a"\nurl = "http://localhost/a"\nscheme = "github"\nsecret = "short"\n'
        )
    assert "endpoints[0].secret: expected 8 to 200 printable characters" in str(info.value)
    assert "short" not in str(info.value).split("secret:")[-1]  # a secret is described, never echoed
    ok = parse_config(
        '[[endpoints]]\nname = "a"\nurl = "http://localhost/a"\nscheme = "github"\nsecret = "It\'s a Secret"\n'
    )
    assert ok.endpoints[0].scheme == "github" and ok.endpoints[0].secret == "It's a Secret"
