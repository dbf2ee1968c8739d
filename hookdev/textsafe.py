"""Captured data reaches a terminal only escaped: one function every surface uses (CLI lines, TUI).

A request's method, path, headers, body, a consumer's answer, a reason quoting them: anyone who knows
the receiver's URL wrote them. Raw, they could move the cursor, retitle or clear the window, hide text
(CSI, OSC, C1 controls) or reorder what is shown (bidi overrides). :func:`visible` turns every such
character into a visible escape (``\\x1b``, ``\\x9b``, ``\\u202e``) and leaves the rest untouched, so
``--json`` (which never goes through it) stays exact.
"""

from __future__ import annotations

import re

# C0 controls and DEL, C1 controls, and the Unicode characters that reorder or hide text: bidi
# embeddings/overrides/isolates and marks, line/paragraph separators, zero-width and BOM characters.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code <= 0xFF:
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char, f"\\x{code:02x}")
    return f"\\u{code:04x}"


def visible(text: object, *, keep: str = "") -> str:
    """``text`` with every control, C1 and bidi/invisible format character shown as an escape.

    ``keep`` lists characters to pass through (``"\\n\\t"`` for a multi-line body). Backslashes are not
    doubled: the output is for people, and an escape shown is never interpreted.
    """
    s = text if isinstance(text, str) else str(text)
    if not keep:
        return _UNSAFE.sub(_escape, s)
    return _UNSAFE.sub(lambda m: m.group() if m.group() in keep else _escape(m), s)
