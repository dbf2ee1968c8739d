"""Finding a type among hundreds: a fuzzy filter over names and descriptions, grouped by prefix.

``issues.opened`` and ``issues.closed`` share the group ``issues``; GitHub's dashed names group the same
way (``pull-request-opened`` -> ``pull-request``). Each word of the query must match the name (as a
substring, or its letters in order: ``prop`` finds ``pull-request-opened``) or the description (as a
substring). Names that match best come first; groups come in the order of their best member.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from hookdev.catalog.model import TypeInfo


def group_of(name: str) -> str:
    """``issues.opened`` -> ``issues``; ``pull-request-opened`` -> ``pull-request``; ``ping`` -> ``ping``."""
    for sep in (".", "/", "-", "_"):
        if sep in name:
            head = name.rsplit(sep, 1)[0] if sep != "." else name.split(".", 1)[0]
            return head or name
    return name


@dataclass(frozen=True)
class Group:
    name: str
    types: list[TypeInfo]


def _subsequence(query: str, text: str) -> int | None:
    """How spread out ``query``'s letters are in ``text`` (lower is tighter), or None if not in order."""
    pos = -1
    first = -1
    for ch in query:
        pos = text.find(ch, pos + 1)
        if pos < 0:
            return None
        if first < 0:
            first = pos
    return pos - first


def score(info: TypeInfo, query: str) -> float:
    """How well ``info`` matches ``query`` (0: not at all)."""
    words = query.lower().split()
    if not words:
        return 1.0
    name = info.name.lower()
    description = info.description.lower()
    total = 0.0
    for word in words:
        if name == word:
            total += 10
        elif name.startswith(word):
            total += 8
        elif word in name:
            total += 6
        elif (spread := _subsequence(word, name)) is not None:
            total += 3 + 2 / (1 + spread)
        elif word in description:
            total += 1
        else:
            return 0.0
    return total


def search(infos: Sequence[TypeInfo], query: str = "") -> list[Group]:
    """The types that match ``query``, grouped by prefix (all of them, by name, for an empty query)."""
    query = re.sub(r"\s+", " ", query).strip()
    scored = [(score(i, query), i) for i in infos]
    kept = [(s, i) for s, i in scored if s > 0]
    if query:
        kept.sort(key=lambda pair: (-pair[0], pair[1].name))
    else:
        kept.sort(key=lambda pair: pair[1].name)
    groups: dict[str, list[TypeInfo]] = {}
    for _, info in kept:
        groups.setdefault(group_of(info.name), []).append(info)
    return [Group(name, types) for name, types in groups.items()]
