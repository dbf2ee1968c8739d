"""Small styled pieces every view shows the same way: statuses, HTTP codes, verdicts, masked secrets."""

from __future__ import annotations

from textual.content import Content

from hookdev.render import verdict_word

STATUS_STYLE = {
    "success": "$text-success",
    "failed": "$text-error",
    "pending": "$text-warning",
    "sending": "$text-accent",
    "canceled": "$text-muted",
}
STATUS_MARK = {"success": "✓", "failed": "✗", "pending": "…", "sending": "→", "canceled": "⊘"}


def status_content(status: str, width: int = 0) -> Content:
    return Content.styled(status.ljust(width), STATUS_STYLE.get(status, ""))


def mark_content(status: str) -> Content:
    return Content.styled(STATUS_MARK.get(status, "?"), STATUS_STYLE.get(status, ""))


def code_content(code: int | None) -> Content:
    if code is None:
        return Content("-")
    return Content.styled(str(code), "$text-success" if code < 300 else "$text-error")


def verdict_badge(verified: bool | None) -> Content:
    word = verdict_word(verified)
    style = {"valid": "bold $text-success", "invalid": "bold $text-error", "unsigned": "bold $text-muted"}[
        word
    ]
    mark = {"valid": "✓", "invalid": "✗", "unsigned": "·"}[word]
    return Content.styled(f"{mark} {word}", style)


def mask(secret: str) -> str:
    """``whsec_••••••••••••abcd``: enough to tell two secrets apart, not enough to use one."""
    prefix, _, rest = secret.partition("_")
    return f"{prefix}_{'•' * 12}{rest[-4:]}" if rest else "•" * 16
