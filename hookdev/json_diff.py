"""A structural diff of two captures: their JSON bodies key by key, and their headers name by name.

``diff_json`` walks both values and reports each path (``$.data.items[2].qty``) that was added, removed
or changed. Bodies that are not JSON are compared as text, line by line. Pure: no I/O, no UI.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from hookdev.models import Capture
from hookdev.redact import redact_headers

MAX_CHANGES = 500


@dataclass(frozen=True)
class Change:
    path: str
    kind: str  # added | removed | changed
    old: Any = None
    new: Any = None


def _key_path(path: str, key: str) -> str:
    return f"{path}.{key}" if key.isidentifier() else f"{path}[{json.dumps(key)}]"


def diff_json(old: Any, new: Any, path: str = "$", out: list[Change] | None = None) -> list[Change]:
    """The changes from ``old`` to ``new`` (at most MAX_CHANGES), in document order."""
    out = [] if out is None else out
    if len(out) >= MAX_CHANGES:
        return out
    if isinstance(old, dict) and isinstance(new, dict):
        for key in old:
            if key not in new:
                out.append(Change(_key_path(path, str(key)), "removed", old=old[key]))
            else:
                diff_json(old[key], new[key], _key_path(path, str(key)), out)
        for key in new:
            if key not in old:
                out.append(Change(_key_path(path, str(key)), "added", new=new[key]))
    elif isinstance(old, list) and isinstance(new, list):
        for i in range(max(len(old), len(new))):
            here = f"{path}[{i}]"
            if i >= len(new):
                out.append(Change(here, "removed", old=old[i]))
            elif i >= len(old):
                out.append(Change(here, "added", new=new[i]))
            else:
                diff_json(old[i], new[i], here, out)
    elif type(old) is not type(new) or old != new:
        out.append(Change(path, "changed", old=old, new=new))
    return out[:MAX_CHANGES]


def _parse(body: bytes) -> tuple[bool, Any]:
    try:
        return True, json.loads(body)
    except (ValueError, RecursionError):
        return False, None


@dataclass(frozen=True)
class CaptureDiff:
    a: Capture
    b: Capture
    body_changes: list[Change]
    body_text_diff: list[str]  # when either body is not JSON: a unified diff of the text
    header_changes: list[Change]
    same_body_bytes: bool

    @property
    def identical(self) -> bool:
        return self.same_body_bytes and not self.header_changes


def diff_captures(a: Capture, b: Capture, *, ignore: frozenset[str] = frozenset()) -> CaptureDiff:
    """What changed from ``a`` to ``b``: headers (redacted; names compared case-insensitively, repeated
    ones joined) and the body (structurally when both are JSON)."""
    ok_a, json_a = _parse(a.body)
    ok_b, json_b = _parse(b.body)
    body_changes: list[Change] = []
    text_diff: list[str] = []
    if a.body != b.body:
        if ok_a and ok_b:
            body_changes = diff_json(json_a, json_b)
        else:
            text_diff = list(
                difflib.unified_diff(
                    a.body.decode("utf-8", "replace").splitlines(),
                    b.body.decode("utf-8", "replace").splitlines(),
                    a.id,
                    b.id,
                    lineterm="",
                    n=1,
                )
            )[:MAX_CHANGES]

    def headers(c: Capture) -> dict[str, str]:
        out: dict[str, str] = {}
        for k, v in redact_headers(c.headers):
            name = k.lower()
            if name in ignore:
                continue
            out[name] = f"{out[name]}, {v}" if name in out else v
        return out

    ha, hb = headers(a), headers(b)
    header_changes = [Change(k, "removed", old=v) for k, v in ha.items() if k not in hb]
    header_changes += [Change(k, "changed", ha[k], v) for k, v in hb.items() if k in ha and ha[k] != v]
    header_changes += [Change(k, "added", new=v) for k, v in hb.items() if k not in ha]
    return CaptureDiff(a, b, body_changes, text_diff, header_changes, a.body == b.body)
