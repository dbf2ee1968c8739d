"""Small styled pieces every view shows the same way: statuses, HTTP codes, verdicts, masked secrets."""

from __future__ import annotations

from textual.content import Content

from hookdev.presentation import verdict_word

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


# Faults a correct consumer must refuse (4xx): a 2xx to one of these is a bug in the consumer.
REJECTABLE_FAULTS = {
    "tamper": "a tampered message",
    "stale": "a stale message",
    "future": "a message from the future",
    "wrong-secret": "a message signed with the wrong secret",
    "no-signature": "an unsigned message",
}


def fault_content(fault: str) -> Content:
    return Content.styled(f"⚑ {fault}", "$text-warning")


def accepted_fault(fault: str | None, status_code: int | None) -> bool:
    """True when a consumer answered 2xx to a delivery it should have refused."""
    return fault in REJECTABLE_FAULTS and status_code is not None and 200 <= status_code < 300


def accepted_fault_content(fault: str) -> Content:
    """``⚠ 2xx to a tampered message``: what a consumer must not do, in the error style."""
    return Content.styled(f"⚠ 2xx to {REJECTABLE_FAULTS.get(fault, fault)}", "bold $text-error")


def kv(rows: list[tuple[str, Content]], width: int = 11) -> Content:
    """``key        value`` lines, keys muted and aligned (no newline after the last)."""
    parts: list[Content | str] = []
    for i, (key, value) in enumerate(rows):
        parts += ["\n" if i else "", Content.styled(key.ljust(width), "$text-muted"), value]
    return Content.assemble(*parts)
