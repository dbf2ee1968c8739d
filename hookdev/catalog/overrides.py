"""``--set PATH=VALUE``, ``--set-str PATH=VALUE`` and ``--unset PATH`` on a payload.

A path is dotted keys and ``[N]`` indexes, as ``jq`` and the Stripe CLI write them: ``data.customer.id``,
``data.items[0].qty``; a key that is not an identifier is quoted, ``data["x.y"]``; a leading ``$.`` is
allowed (the paths hookdev prints in its errors can be pasted back). ``--set`` parses VALUE as JSON when
it parses (``3``, ``null``, ``true``, ``{"a": 1}``) and takes it as a string otherwise; ``--set-str``
always takes a string. Missing objects on the way are created; an index one past the end appends.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from hookdev.catalog.model import json_path, json_type, quote

Path = tuple[str | int, ...]


class OverrideError(ValueError):
    """A path that does not parse, or that does not fit the payload; the message names the path."""


@dataclass(frozen=True)
class Override:
    op: Literal["set", "unset"]
    path: Path
    value: Any = None

    def describe(self) -> str:
        if self.op == "unset":
            return f"--unset {json_path(self.path)}"
        return f"--set {json_path(self.path)}={json.dumps(self.value, ensure_ascii=False)}"


_KEY = re.compile(r"[^.\[\]=\"']+")


def parse_path(text: str) -> tuple[Path, str]:
    """``data.items[0].qty=3`` -> ((``data``, ``items``, 0, ``qty``), ``=3``): the path and what follows."""
    i = 0
    parts: list[str | int] = []
    if text.startswith("$"):
        i = 1
        if text[1:2] not in (".", "[", "", "="):
            raise OverrideError(f"cannot read the path in {quote(text)}: '$' must be followed by '.' or '['")
    expect_key = i == 0
    while i < len(text):
        ch = text[i]
        if ch == "=":
            break
        if ch == "." and not expect_key:
            i += 1
            expect_key = True
            continue
        if ch == "[":
            end = text.find("]", i)
            inner = text[i + 1 : end] if end != -1 else ""
            if end == -1:
                raise OverrideError(f"cannot read the path in {quote(text)}: '[' without ']'")
            if inner[:1] in ("'", '"') and inner[-1:] == inner[:1] and len(inner) >= 2:
                parts.append(inner[1:-1].replace("\\" + inner[0], inner[0]))
            elif inner.isdigit():
                parts.append(int(inner))
            else:
                raise OverrideError(
                    f"cannot read the path in {quote(text)}: [{inner}] is not an index or a quoted key"
                )
            i = end + 1
            expect_key = False
            continue
        if not expect_key:
            raise OverrideError(
                f"cannot read the path in {quote(text)}: expected '.', '[' or '=' at {quote(text[i:])}"
            )
        m = _KEY.match(text, i)
        if not m:
            raise OverrideError(f"cannot read the path in {quote(text)}: empty key")
        parts.append(m.group(0))
        i = m.end()
        expect_key = False
    if expect_key and parts:
        raise OverrideError(f"cannot read the path in {quote(text)}: it ends with '.'")
    if not parts:
        raise OverrideError(f"cannot read the path in {quote(text)}: give a field, e.g. data.id")
    return tuple(parts), text[i:]


def parse_override(text: str, *, op: Literal["set", "set-str", "unset"]) -> Override:
    """One ``--set`` / ``--set-str`` / ``--unset`` argument."""
    path, rest = parse_path(text)
    if op == "unset":
        if rest:
            raise OverrideError(f"--unset takes a path, not an assignment: {quote(text)}")
        return Override("unset", path)
    if not rest.startswith("="):
        raise OverrideError(f"--{op} needs PATH=VALUE, got {quote(text)}")
    raw = rest[1:]
    if op == "set-str":
        return Override("set", path, raw)
    try:
        value = json.loads(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        value = raw
    return Override("set", path, value)


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def apply_overrides(payload: Any, overrides: Sequence[Override]) -> Any:
    """``payload`` with every override applied in order (a copy; the original is not changed)."""
    out = copy.deepcopy(payload)
    for o in overrides:
        if o.op == "set":
            out = _set(out, o.path, o.value)
        else:
            _unset(out, o.path)
    return out


def _set(root: Any, path: Path, value: Any) -> Any:
    node = root
    for depth, part in enumerate(path[:-1]):
        nxt = path[depth + 1]
        node = _child(node, part, path[: depth + 1], create=[] if isinstance(nxt, int) else {})
    last = path[-1]
    where = json_path(path)
    if isinstance(last, int):
        if not isinstance(node, list):
            raise OverrideError(
                f"cannot set {where}: {json_path(path[:-1])} is {json_type(node)}, not an array"
            )
        if last < len(node):
            node[last] = value
        elif last == len(node):
            node.append(value)
        else:
            raise OverrideError(
                f"cannot set {where}: the array has {len(node)} item(s) (use [{len(node)}] to append)"
            )
    else:
        if not isinstance(node, dict):
            raise OverrideError(
                f"cannot set {where}: {json_path(path[:-1])} is {json_type(node)}, not an object"
            )
        node[last] = value
    return root


def _child(node: Any, part: str | int, path: Path, create: Any) -> Any:
    where = json_path(path)
    if isinstance(part, int):
        if not isinstance(node, list):
            raise OverrideError(
                f"cannot reach {where}: {json_path(path[:-1])} is {json_type(node)}, not an array"
            )
        if part < len(node):
            return node[part]
        if part == len(node):
            node.append(create)
            return create
        raise OverrideError(f"cannot reach {where}: the array has {len(node)} item(s)")
    if not isinstance(node, dict):
        raise OverrideError(
            f"cannot reach {where}: {json_path(path[:-1])} is {json_type(node)}, not an object"
        )
    if part not in node or node[part] is None:
        node[part] = create
    return node[part]


def _unset(root: Any, path: Path) -> None:
    node = root
    for depth, part in enumerate(path[:-1]):
        if isinstance(part, int) and isinstance(node, list) and part < len(node):
            node = node[part]
        elif isinstance(part, str) and isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise OverrideError(
                f"nothing to unset at {json_path(path)}: {json_path(path[: depth + 1])} does not exist"
            )
    last = path[-1]
    if isinstance(last, int) and isinstance(node, list) and last < len(node):
        del node[last]
    elif isinstance(last, str) and isinstance(node, dict) and last in node:
        del node[last]
    else:
        raise OverrideError(f"nothing to unset at {json_path(path)}")


def parse_override_list(text: str) -> list[Override]:
    """Overrides as the TUI takes them, one per line or separated by ``;``: ``PATH=VALUE`` sets (JSON
    when it parses, else a string), ``-PATH`` unsets."""
    out: list[Override] = []
    for raw in re.split(r";\s|;$|\n", text):
        item = raw.strip()
        if not item:
            continue
        if item.startswith("-"):
            out.append(parse_override(item[1:].strip(), op="unset"))
        else:
            out.append(parse_override(item, op="set"))
    return out
