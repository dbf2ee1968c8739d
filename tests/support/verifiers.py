"""Each scheme's check as its provider's own library (or documentation) does it: independent of hookdev.

``official(scheme, secret)`` returns ``verify(body, headers) -> bool``: Standard Webhooks with the
``svix`` package, Stripe with ``stripe.Webhook.construct_event``, Slack with ``slack_sdk``'s
``SignatureVerifier``, Shopify with the check its documentation gives (base64 HMAC-SHA256 of the raw
body, compared in constant time), GitHub with the check its documentation gives (the Node
``@octokit/webhooks-methods`` check is in test_formats_interop, run when node is present).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping

Verify = Callable[[bytes, Mapping[str, str]], bool]


def official(scheme: str, secret: str) -> Verify:
    if scheme == "standard":
        from svix.webhooks import Webhook, WebhookVerificationError

        def standard(body: bytes, headers: Mapping[str, str]) -> bool:
            try:
                Webhook(secret).verify(body, dict(headers))
                return True
            except WebhookVerificationError:
                return False

        return standard
    if scheme == "stripe":
        import stripe

        def stripe_check(body: bytes, headers: Mapping[str, str]) -> bool:
            try:
                stripe.Webhook.construct_event(body, _get(headers, "stripe-signature"), secret)
                return True
            except (stripe.SignatureVerificationError, ValueError):
                return False

        return stripe_check
    if scheme == "slack":
        from slack_sdk.signature import SignatureVerifier

        verifier = SignatureVerifier(secret)
        return lambda body, headers: verifier.is_valid_request(body, dict(headers))
    if scheme == "shopify":

        def shopify_check(body: bytes, headers: Mapping[str, str]) -> bool:
            # https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-5-verify-the-webhook
            calculated = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
            return hmac.compare_digest(calculated, _get(headers, "x-shopify-hmac-sha256").encode())

        return shopify_check
    if scheme == "github":

        def github_check(body: bytes, headers: Mapping[str, str]) -> bool:
            # https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
            expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            return hmac.compare_digest(expected, _get(headers, "x-hub-signature-256"))

        return github_check
    raise ValueError(scheme)


def _get(headers: Mapping[str, str], name: str) -> str:
    for k, v in headers.items():
        if k.lower() == name:
            return v
    return ""
